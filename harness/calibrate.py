"""Calibration: score labelled replies with the suites' rule-based checks and report how often they agree.

A suite may hold ``calibration.yaml`` beside its ``suite.yaml``: under ``checks:``, for each rule-based check
(its registered name), replies a person labelled, each on a case of the suite (any case set)::

    checks:
      pushback:
        - case: goal_marathon_in_3_weeks_from_couch
          reply: "Three weeks from zero is too soon for a marathon ..."
          finish_reason: stop      # optional: stop (default) | length | timeout
          expect: pass             # pass | fail; a 1-5 scale check (warmth, brevity): an integer 1..5
          near_miss: true          # optional (default false): a hard example close to the line
          why: "says plainly it's too soon and offers a shorter race"
          nth: 1                   # optional (default 1): which of the case's checks of that name, 1-based
          check_args: {}           # optional: build the check with these arguments instead of the case's

Rules:

- An item is scored by the check its case carries (the case's ``nth`` check of that name, the first by
  default; the case's own checks come before the suite's common checks) or, with ``check_args``, by that check
  built from those arguments. ``nth`` reaches a case that carries a check twice (a persona fact case has the
  fact's ``contains`` and the suite's common 📚 ``contains``: ``nth: 2`` scores the second);
  it must be an integer from 1 to the number of such checks the case has, and it cannot go with
  ``check_args``. The reply goes through
  :func:`harness.parsing.finish` like a generated one (tool calls written in the text as
  ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``).
- A scale check is one whose scorer takes ``min_score`` (warmth, brevity). Its label is an integer 1-5 that
  passes at the check's ``min_score`` (the scorer's default when the check sets none); agreement compares
  pass/fail, and the mean absolute error compares the scorer's ``Score.value`` with the label.
- Agreement is the share of items whose scorer pass/fail equals the label's. A false pass: the scorer passes
  what the label fails; a false fail: the reverse. A scorer that crashes on an item disagrees with it.
- Targets: agreement of at least :data:`MIN_AGREEMENT` on every check the suite's cases use, no false pass on
  the checks in :data:`NO_FALSE_PASS`, no crash, and a calibration file for every suite with rule-based
  checks. A check with fewer than :data:`MIN_ITEMS` items is under-calibrated: a warning (a failure with
  ``--strict``).
- With a judge model, each of the suite's judge checks with ``compare_with: <check>`` grades the same items
  of that check, and its agreement with the labels is reported beside the rule's.

The replies are evaluation texts: the contamination check (``train.contamination``) refuses training data
that holds one.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.backends.base import Backend, LoadOptions
from harness.errors import EXIT_GATE_FAILED, EXIT_OK, BackendError, ConfigError
from harness.models import inspect_gguf, resolve_model
from harness.registry import did_you_mean
from harness.results import strip_control, write_json_atomic
from harness.scoring import ReplyCrashed, ScoringContext, build_scorer, format_exception, parse_reply, scorer_info
from harness.session import add_judge_options, open_model
from harness.suite import Suite, load_suite, suite_files
from harness.types import Case, Check, Completion, recorded_check_name
from harness.yamlio import load_yaml

CALIBRATION_FILE = "calibration.yaml"
# Targets. A rule check that disagrees with the labels on more than 1 reply in 50 does not measure what its
# name says, and the gates built on it would pass or fail models for the wrong reasons.
MIN_AGREEMENT = 0.98
# A leaked engine internal or a wrong tool call scored as a pass lets a broken model through a gate: none allowed.
NO_FALSE_PASS = ("forbidden_words", "tool_call", "no_tool_call")
# Fewer labelled replies than this say little about a check's error rate (one miss in 19 is already 95%).
MIN_ITEMS = 20

SCALE_ARG = "min_score"  # a scorer that takes it is a 1-5 scale; it is the pass threshold
LABELS = ("pass", "fail")
FINISH_REASONS = ("stop", "length", "timeout")
_REQUIRED = ("case", "reply", "expect", "why")
_OPTIONAL = ("finish_reason", "near_miss", "nth", "check_args")
_MODEL_CHECKS = ("judge",)  # need a model, not a rule: calibrated through a judge check's compare_with
CLIP = 100  # characters of a reply shown in the disagreement listing


@dataclass(frozen=True)
class CalibrationItem:
    """One labelled reply, resolved: the case it answers and the check that scores it."""

    suite: str
    check_name: str
    index: int  # 1-based position in the check's list
    case: Case
    check: Check
    reply: str
    finish_reason: str
    expect: str | int
    near_miss: bool
    why: str
    threshold: float | None  # a scale check's min_score; None for a pass/fail check
    nth: int = 1  # which of the case's checks of that name scores it (1-based)

    @property
    def source(self) -> str:
        """``suite/calibration/check/index``: where the item is, as the contamination check names it."""
        return f"{self.suite}/calibration/{self.check_name}/{self.index}"

    @property
    def label_passes(self) -> bool:
        if self.threshold is not None:
            return int(self.expect) >= self.threshold
        return self.expect == "pass"

    def describe_label(self) -> str:
        verdict = "pass" if self.label_passes else "fail"
        return f"{self.expect} ({verdict} at >= {self.threshold:g})" if self.threshold is not None else verdict


@dataclass(frozen=True)
class Verdict:
    """What a scorer made of an item. ``passed`` is None when it gave no verdict (it crashed, or a judge
    answered with no valid score): that item counts as a disagreement."""

    passed: bool | None
    value: float | None
    reason: str

    def describe(self, scale: bool) -> str:
        if self.passed is None:
            return "no verdict"
        verdict = "pass" if self.passed else "fail"
        return f"{self.value:g} ({verdict})" if scale and self.value is not None else verdict


@dataclass(frozen=True)
class ItemResult:
    item: CalibrationItem
    rule: Verdict
    judges: dict[str, Verdict] = field(default_factory=dict)  # judge check name -> its verdict (with a judge)


@dataclass
class Tally:
    """Agreement of one scorer (a rule check or a judge) with the labels of a set of items."""

    n: int = 0
    agreed: int = 0
    false_passes: int = 0
    false_fails: int = 0
    no_verdict: int = 0  # crashed, or a judge without a valid score: counted as disagreements
    abs_errors: list[float] = field(default_factory=list)  # scale items: |Score.value - label|

    def add(self, item: CalibrationItem, verdict: Verdict) -> None:
        self.n += 1
        label = item.label_passes
        if verdict.passed is None:
            self.no_verdict += 1
        elif verdict.passed == label:
            self.agreed += 1
        elif verdict.passed:
            self.false_passes += 1
        else:
            self.false_fails += 1
        if item.threshold is not None and verdict.value is not None:
            self.abs_errors.append(abs(verdict.value - int(item.expect)))

    def merge(self, other: Tally) -> None:
        self.n += other.n
        self.agreed += other.agreed
        self.false_passes += other.false_passes
        self.false_fails += other.false_fails
        self.no_verdict += other.no_verdict
        self.abs_errors.extend(other.abs_errors)

    @property
    def agreement(self) -> float | None:
        return self.agreed / self.n if self.n else None

    @property
    def mae(self) -> float | None:
        return sum(self.abs_errors) / len(self.abs_errors) if self.abs_errors else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "agreed": self.agreed,
            "agreement": self.agreement,
            "false_passes": self.false_passes,
            "false_fails": self.false_fails,
            "no_verdict": self.no_verdict,
            "mae": self.mae,
        }


@dataclass
class CheckRow:
    """One check of one suite: its items' results and how they tally."""

    suite: str
    check: str
    scale: bool
    results: list[ItemResult] = field(default_factory=list)
    judge_names: list[str] = field(default_factory=list)  # judge checks comparing with this one (with a judge)

    @property
    def tally(self) -> Tally:
        tally = Tally()
        for r in self.results:
            tally.add(r.item, r.rule)
        return tally

    def judge_tally(self, name: str) -> Tally:
        tally = Tally()
        for r in self.results:
            if name in r.judges:
                tally.add(r.item, r.judges[name])
        return tally

    @property
    def near_misses(self) -> int:
        return sum(r.item.near_miss for r in self.results)

    @property
    def label(self) -> str:
        return f"{self.suite}/{self.check}"

    def to_dict(self) -> dict[str, Any]:
        out = {"suite": self.suite, "check": self.check, "scale": self.scale, "near_misses": self.near_misses}
        out.update(self.tally.to_dict())
        out["under_calibrated"] = self.tally.n < MIN_ITEMS
        if self.judge_names:
            out["judges"] = {name: self.judge_tally(name).to_dict() for name in self.judge_names}
        return out


@dataclass
class CalibrationReport:
    rows: list[CheckRow]
    missing: list[str] = field(default_factory=list)  # suites with rule-based checks and no calibration file
    notes: list[str] = field(default_factory=list)  # suites with nothing to calibrate, said once each
    judge: str | None = None  # the judge model, when one graded the items

    @property
    def total(self) -> Tally:
        total = Tally()
        for row in self.rows:
            total.merge(row.tally)
        return total

    def under_calibrated(self) -> list[CheckRow]:
        return [row for row in self.rows if row.tally.n < MIN_ITEMS]

    def failures(self) -> list[str]:
        """One line per target not met (empty when all are)."""
        out = list(self.missing)
        for row in self.rows:
            t = row.tally
            if not t.n:
                out.append(f"{row.label}: no calibration items, but the suite's cases use the check")
                continue
            if t.agreement is not None and t.agreement < MIN_AGREEMENT:
                out.append(f"{row.label}: agreement {_share(t.agreed, t.n)} is below {MIN_AGREEMENT:.0%}")
            if row.check in NO_FALSE_PASS and t.false_passes:
                out.append(f"{row.label}: {t.false_passes} false pass(es); the target is 0")
            if t.no_verdict:
                out.append(f"{row.label}: the scorer gave no verdict on {t.no_verdict} item(s) (see -v)")
        return out

    def exit_code(self, strict: bool = False) -> int:
        """0 when every target is met; 1 when one is not (or, with ``strict``, a check is under-calibrated)."""
        if self.failures() or (strict and self.under_calibrated()):
            return EXIT_GATE_FAILED
        return EXIT_OK

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": [row.to_dict() for row in self.rows],
            "total": self.total.to_dict(),
            "targets": {
                "min_agreement": MIN_AGREEMENT,
                "no_false_pass": list(NO_FALSE_PASS),
                "min_items": MIN_ITEMS,
                "met": not self.failures(),
                "failures": self.failures(),
            },
            "under_calibrated": [row.label for row in self.under_calibrated()],
            "missing": list(self.missing),
            "notes": list(self.notes),
            "judge": self.judge,
        }


# ------------------------------------------------------------------------------------------------ loading


def calibration_path(suite: Suite) -> Path:
    return suite.path.parent / CALIBRATION_FILE


def rule_check_names(suite: Suite) -> set[str]:
    """The rule-based checks the suite's cases carry, in every case set: what its calibration file covers."""
    return {c.name for case in suite.cases for c in case.checks if c.name not in _MODEL_CHECKS}


def _scale_threshold(name: str, args: dict[str, Any]) -> float | None:
    """A scale check's pass threshold (its ``min_score``, else the scorer's default); None for pass/fail."""
    param = inspect.signature(scorer_info(name).factory).parameters.get(SCALE_ARG)
    if param is None:
        return None
    return float(args.get(SCALE_ARG, param.default))


def _suggest(word: str, options: Sequence[str]) -> str:
    close = did_you_mean(word, options)
    return f"; did you mean {close!r}?" if close else ""


def _nth(where: str, name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(
            f"{where}: nth must be an integer >= 1 (which of the case's {name} checks, 1-based), got {value!r}"
        )
    return value


def _item_check(where: str, name: str, case: Case, check_args: Any, nth: int | None = None) -> Check:
    if check_args is None:
        same = [check for check in case.checks if check.name == name]
        if not same:
            carried = ", ".join(sorted({c.name for c in case.checks})) or "none"
            raise ConfigError(
                f"{where}: case {case.id!r} has no {name} check (its checks: {carried}); pick a case that has one, "
                "or give check_args"
            )
        if nth is not None and nth > len(same):
            raise ConfigError(
                f"{where}: nth {nth}: case {case.id!r} has {len(same)} {name} check(s), so nth must be 1"
                + ("" if len(same) == 1 else f"-{len(same)}")
            )
        return same[(nth or 1) - 1]
    if nth is not None:
        raise ConfigError(
            f"{where}: nth picks one of the case's {name} checks and check_args builds one instead; give one of them"
        )
    if not isinstance(check_args, dict):
        raise ConfigError(f"{where}: check_args must be a mapping of {name}'s arguments, got {check_args!r}")
    try:
        fn = build_scorer(name, **check_args)
        fn.validate_case(case)
    except ConfigError as exc:
        raise ConfigError(f"{where}: check_args: {exc}") from None
    return Check(name, dict(check_args), fn)


def _expect(where: str, name: str, value: Any, threshold: float | None) -> str | int:
    if threshold is not None:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise ConfigError(
                f"{where}: expect must be an integer 1-5 for the scale check {name} (passes at >= {threshold:g}), "
                f"got {value!r}"
            )
        return value
    if value not in LABELS:
        scale_hint = " (only scale checks such as warmth and brevity take 1-5)" if isinstance(value, int) else ""
        raise ConfigError(f"{where}: expect must be pass or fail for {name}, got {value!r}{scale_hint}")
    return str(value)


def _load_item(where: str, name: str, index: int, raw: Any, suite: Suite, cases: dict[str, Case]) -> CalibrationItem:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with {', '.join(_REQUIRED)}, got {raw!r}")
    for key in raw:
        if key not in (*_REQUIRED, *_OPTIONAL):
            raise ConfigError(f"{where}: unknown key {key!r}; allowed: {', '.join((*_REQUIRED, *_OPTIONAL))}")
    for key in _REQUIRED:
        if key not in raw:
            raise ConfigError(f"{where}: {key!r} is missing; every item needs {', '.join(_REQUIRED)}")
    case_id = raw["case"]
    if not isinstance(case_id, str) or case_id not in cases:
        hint = _suggest(case_id, list(cases)) if isinstance(case_id, str) else ""
        raise ConfigError(f"{where}: case {case_id!r} is not a case of suite {suite.name} ({suite.path}){hint}")
    case = cases[case_id]
    if case.kind != "chat":
        raise ConfigError(f"{where}: case {case_id!r} is a {case.kind} case, which has no checks; pick a chat case")
    nth = _nth(where, name, raw["nth"]) if "nth" in raw else None
    check = _item_check(where, name, case, raw.get("check_args"), nth)
    reply = raw["reply"]
    if not isinstance(reply, str):
        raise ConfigError(f'{where}: reply must be text ("" for an empty reply), got {reply!r}')
    finish = raw.get("finish_reason", "stop")
    if finish not in FINISH_REASONS:
        raise ConfigError(f"{where}: finish_reason must be one of {', '.join(FINISH_REASONS)}, got {finish!r}")
    threshold = _scale_threshold(name, check.args)
    expect = _expect(where, name, raw["expect"], threshold)
    near_miss = raw.get("near_miss", False)
    if not isinstance(near_miss, bool):
        raise ConfigError(f"{where}: near_miss must be true or false, got {near_miss!r}")
    why = raw["why"]
    if not isinstance(why, str) or not why.strip() or "\n" in why.strip():
        raise ConfigError(f"{where}: why must be one non-empty line saying why the label is right, got {why!r}")
    return CalibrationItem(
        suite.name, name, index, case, check, reply, str(finish), expect, near_miss, why.strip(), threshold, nth or 1
    )


def load_calibration(path: Path, suite: Suite) -> dict[str, list[CalibrationItem]]:
    """Read and validate ``path`` (the calibration file of ``suite``): check name -> its items, in file order.

    Every problem is a ConfigError naming the file, the check and the item (1-based), and the fix."""
    raw = load_yaml(path)
    shape = "a mapping with one key, checks: (each check's name -> a list of labelled replies)"
    if not isinstance(raw, dict) or "checks" not in raw:
        raise ConfigError(f"{path}: expected {shape}")
    for key in raw:
        if key != "checks":
            raise ConfigError(f"{path}: unknown key {key!r}; expected {shape}")
    checks = raw["checks"]
    if not isinstance(checks, dict) or not checks:
        raise ConfigError(f"{path}: checks: expected each check's name -> a list of labelled replies")
    cases = {case.id: case for case in suite.cases}
    out: dict[str, list[CalibrationItem]] = {}
    for name, items in checks.items():
        if not isinstance(name, str):
            raise ConfigError(f"{path}: checks: {name!r} is not a check name")
        if name in _MODEL_CHECKS:
            raise ConfigError(
                f"{path}: checks: {name} needs a model, not a rule; calibrate it with --judge (a judge check's "
                "compare_with names the rule check whose items it grades)"
            )
        try:
            scorer_info(name)
        except ConfigError as exc:
            raise ConfigError(f"{path}: checks: {exc}") from None
        if not isinstance(items, list) or not items:
            raise ConfigError(f"{path}: checks: {name}: expected a non-empty list of items ({', '.join(_REQUIRED)})")
        out[name] = [
            _load_item(f"{path}: {name} item {i}", name, i, item, suite, cases) for i, item in enumerate(items, 1)
        ]
    return out


# ------------------------------------------------------------------------------------------------ scoring


def _verdict(item: CalibrationItem, check: Check, completion: Completion | None, ctx: ScoringContext | None) -> Verdict:
    if completion is None:
        return Verdict(None, None, "the parser crashed on the reply")
    try:
        score = check.fn(item.case, completion, ctx)
    except BackendError as exc:  # the judge model failed on this item
        return Verdict(None, None, f"the judge failed: {exc}")
    except ConfigError as exc:
        raise ConfigError(f"{item.source}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - a scorer bug this reply exposes: a disagreement, shown with -v
        return Verdict(None, None, f"the scorer crashed: {format_exception(exc)}")
    if item.threshold is not None and score.value is None:
        return Verdict(None, None, f"a scale check gave no value: {score.reason}")
    return Verdict(score.passed, score.value, score.reason)


def _parsed(item: CalibrationItem) -> Completion | None:
    try:
        return parse_reply(Completion(text=item.reply, finish_reason=item.finish_reason))
    except ReplyCrashed:
        return None


def _judge_checks(item: CalibrationItem) -> list[Check]:
    """The case's judge checks that compare with the item's check (present when the suite loaded with judge)."""
    return [c for c in item.case.checks if c.name in _MODEL_CHECKS and c.args.get("compare_with") == item.check_name]


def _open_judge(spec: str, chat_template: str | None) -> Backend:
    """The judge model ``spec``, opened as a run opens it (a GGUF in a worker process of its own)."""
    ref = resolve_model(spec)
    if ref.kind == "gguf":
        inspect_gguf(ref.file)  # a bad file is one line now, before a worker starts
    return open_model(ref, LoadOptions(chat_template=chat_template), None, "judge")


def _select(suites_root: Path, names: Sequence[str]) -> list[Path]:
    files = suite_files(suites_root)
    if not files:
        raise ConfigError(f"{suites_root}: no */suite.yaml here; give the suites directory (--suites DIR)")
    by_folder = {p.parent.name: p for p in files}
    for name in names:
        if name not in by_folder:
            hint = _suggest(name, list(by_folder))
            raise ConfigError(
                f"calibrate: no suite {name!r} under {suites_root} (suites: {', '.join(by_folder)}){hint}"
            )
    return [by_folder[n] for n in dict.fromkeys(names)] if names else files


def _load_plan(
    report: CalibrationReport, paths: list[Path], with_judge: bool
) -> list[tuple[str, str, list[CalibrationItem]]]:
    """``(suite, check, items)`` for every check of the suites at ``paths`` that the suite's cases use or its
    calibration file covers, each file validated; a missing file or a suite without rule checks goes on
    ``report``."""
    plan: list[tuple[str, str, list[CalibrationItem]]] = []
    for path in paths:
        suite = load_suite(path, judge=with_judge)
        rules = rule_check_names(suite)
        cal = calibration_path(suite)
        if cal.is_file():
            by_check = load_calibration(cal, suite)
            plan.extend((suite.name, name, by_check.get(name, [])) for name in sorted(rules | set(by_check)))
        elif rules:
            report.missing.append(
                f"{suite.name}: has rule-based checks ({', '.join(sorted(rules))}) but no {cal}; write it "
                "(README: Calibration)"
            )
        else:
            report.notes.append(f"{suite.name}: no rule-based checks, nothing to calibrate")
    return plan


def _score_row(
    suite: str, check: str, items: list[CalibrationItem], ctx: ScoringContext, judged: Callable[[], None]
) -> CheckRow:
    """Score ``items`` with their rule check and, when ``ctx`` has a judge, with the judge checks comparing with
    it (``judged`` is called after each judge verdict)."""
    row = CheckRow(suite, check, _scale_threshold(check, {}) is not None)
    for item in items:
        completion = _parsed(item)
        judges: dict[str, Verdict] = {}
        for jc in _judge_checks(item) if ctx.judge is not None else []:
            name = recorded_check_name(jc.name, jc.args)
            judges[name] = _verdict(item, jc, completion, ctx)
            if name not in row.judge_names:
                row.judge_names.append(name)
            judged()
        row.results.append(ItemResult(item, _verdict(item, item.check, completion, ctx), judges))
    return row


def calibrate(
    suites_root: Path,
    names: Sequence[str] = (),
    judge: str | Backend | None = None,
    *,
    judge_chat_template: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> CalibrationReport:
    """Score every calibration item of the suites ``names`` (folder names; all when empty) under ``suites_root``.

    ``judge``: a model spec as for ``--judge`` (opened here and closed at the end) or an open back end (the
    caller closes it); its judge checks with ``compare_with`` then grade the items of that check too.
    ``progress`` gets a line every 10 judge verdicts. Every file is validated before a model opens.
    """
    label = judge if isinstance(judge, str) or judge is None else str(getattr(judge, "name", "judge"))
    report = CalibrationReport(rows=[], judge=label)
    plan = _load_plan(report, _select(suites_root, names), with_judge=judge is not None)
    total = sum(len(_judge_checks(item)) for _, _, items in plan for item in items) if judge is not None else 0
    done, start = 0, time.perf_counter()

    def judged() -> None:
        nonlocal done
        done += 1
        if progress and (done % 10 == 0 or done == total):
            progress(f"judge: {done}/{total} graded ({time.perf_counter() - start:.1f} s)")

    backend = _open_judge(judge, judge_chat_template) if isinstance(judge, str) else judge
    try:
        if backend is not None and progress:
            progress(f"judge: grading {total} replies with {label}")
        ctx = ScoringContext(judge=backend)
        report.rows = [_score_row(suite, check, items, ctx, judged) for suite, check, items in plan]
    finally:
        if isinstance(judge, str) and backend is not None:
            backend.close()
    return report


# ------------------------------------------------------------------------------------------------ rendering


def _share(n: int, d: int) -> str:
    return f"{n / d:.1%} ({n}/{d})" if d else "-"


def _tally_cells(t: Tally, scale: bool) -> list[str]:
    mae = t.mae
    return [
        _share(t.agreed, t.n),
        str(t.false_passes),
        str(t.false_fails),
        f"{mae:.2f}" if scale and mae is not None else "-",
    ]


def _aligned(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]


def render_table(report: CalibrationReport) -> list[str]:
    """The agreement table (one row per suite and check, then the total), warnings and the targets' verdict."""
    judged = any(row.judge_names for row in report.rows)
    header = ["suite", "check", "n", "near misses", "agreement", "false passes", "false fails", "MAE"]
    if judged:
        header += ["judge", "judge agreement", "judge false passes", "judge false fails", "judge MAE"]
    table = [header]
    for row in report.rows:
        t = row.tally
        cells = [row.suite, row.check, str(t.n), str(row.near_misses), *_tally_cells(t, row.scale)]
        if judged:
            names = row.judge_names or ["-"]
            for i, name in enumerate(names):
                extra = _tally_cells(row.judge_tally(name), row.scale) if name != "-" else ["-"] * 4
                table.append((cells if i == 0 else [""] * len(cells)) + [name, *extra])
        else:
            table.append(cells)
    total = report.total
    near = sum(row.near_misses for row in report.rows)
    last = ["total", f"{len(report.rows)} checks", str(total.n), str(near), *_tally_cells(total, True)]
    table.append(last + ([""] * 5 if judged else []))
    lines = _aligned(table) if report.rows else ["no calibration items"]
    lines += report.notes
    for row in report.rows:
        for name in row.judge_names:
            bad = row.judge_tally(name).no_verdict
            if bad:
                lines.append(f"{row.label}: {name} gave no valid verdict on {bad} item(s), counted as disagreements")
    for row in report.under_calibrated():
        if not row.tally.n:  # no items at all: a target failure, listed below
            continue
        lines.append(f"warning: {row.label} is under-calibrated: {row.tally.n} item(s), fewer than {MIN_ITEMS}")
    failures = report.failures()
    rule = f"agreement >= {MIN_AGREEMENT:.0%} on every check, 0 false passes on {', '.join(NO_FALSE_PASS)}"
    if failures:
        lines.append(f"targets NOT met ({rule}):")
        lines += [f"  {line}" for line in failures]
    else:
        lines.append(f"targets met: {rule}")
    return lines


def _clip(text: str, limit: int = CLIP) -> str:
    one = " ".join(strip_control(text).split())
    return repr(one if len(one) <= limit else one[: limit - 3] + "...")


def render_disagreements(report: CalibrationReport) -> list[str]:
    """Every item where a scorer (or the judge) and the label disagree, with the reason and the item's why."""
    lines: list[str] = []
    count = 0
    for row in report.rows:
        for r in row.results:
            item = r.item
            for who, verdict in [("", r.rule), *((f" ({name})", v) for name, v in r.judges.items())]:
                if verdict.passed == item.label_passes:
                    continue
                count += 1
                near = " [near miss]" if item.near_miss else ""
                which = f" ({item.check_name} check {item.nth})" if item.nth != 1 else ""
                lines += [
                    f"{row.label}{who} case {item.case.id}{which} (item {item.index}): "
                    f"expected {item.describe_label()}, "
                    f"got {verdict.describe(row.scale)}{near}",
                    f"    reason: {strip_control(verdict.reason)}",
                    f"    why: {strip_control(item.why)}",
                    f"    reply: {_clip(item.reply)}",
                ]
    return [f"disagreements: {count}", *lines]


# ------------------------------------------------------------------------------------------------ command line


def cmd_calibrate(args: argparse.Namespace) -> int:
    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    report = calibrate(
        args.suites, args.suite, args.judge, judge_chat_template=args.judge_chat_template, progress=progress
    )
    lines = render_table(report)
    if args.show:
        lines += ["", *render_disagreements(report)]
    print("\n".join(lines))
    if args.json:
        write_json_atomic(args.json, report.to_dict())
        print(f"wrote {args.json}")
    return report.exit_code(strict=args.strict)


def add_commands(sub: Any) -> None:
    """Register the calibrate subcommand."""
    cal = sub.add_parser(
        "calibrate",
        help="score the suites' labelled calibration replies with their rule-based checks; print agreement",
        description=(
            f"Score each suite's {CALIBRATION_FILE} (labelled replies beside suite.yaml) with the checks its "
            "cases carry, and print per check: items, near misses, agreement with the labels, false passes, "
            "false fails and, for 1-5 scale checks (labels pass at the check's min_score), the mean absolute "
            f"error. Targets: agreement >= {MIN_AGREEMENT:.0%} on every check, no false pass on "
            f"{', '.join(NO_FALSE_PASS)}. Exit 0 when met, 1 when not, 2 for a bad file."
        ),
    )
    cal.add_argument("suite", nargs="*", metavar="SUITE", help="suite folder names (default: every suite)")
    cal.add_argument(
        "--suites", type=Path, default=Path("suites"), metavar="DIR", help="the suites directory (default: suites)"
    )
    cal.add_argument(
        "-v", "--show", action="store_true", help="list every disagreement: case, expected vs got, reason, why, reply"
    )
    cal.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the table as JSON to PATH")
    cal.add_argument(
        "--strict", action="store_true", help=f"exit 1 when a check has fewer than {MIN_ITEMS} items (under-calibrated)"
    )
    add_judge_options(
        cal.add_argument,
        "a GGUF (or 'default', or scripted:FILE.yaml) that also grades the items of each check a judge check "
        "compares with (compare_with); adds the judge's agreement columns",
    )
    cal.set_defaults(func=cmd_calibrate)
