"""``harness rescore RUN``: judge a stored run's replies again with today's scorers, without running the model.

Every record is scored by the code a run scores with (:func:`harness.runner.score_reply` for a chat case,
:func:`harness.tasks.compression.score_compression` through :func:`harness.runner.compression_fields` for a
compression case), on a :class:`~harness.types.Completion` rebuilt from what the record stored: the raw
``response``, ``finish_reason``, the token counts, ``latency_s`` and ``timings``. The rescored record keeps
every stored field that scoring does not produce (``started``, ``nodeid``, a compression case's timing, keys
this harness does not know); what scoring produces is today's. So rescoring an untouched run with unchanged
scorers gives byte-identical records apart from ``format_version``, which proves a refactor changed no verdict.

A case is found by its suite and id in the suite file the manifest names (``suites[NAME].path``) when it
exists, else in ``suites/NAME/suite.yaml`` (:func:`harness.suite.suite_path`); ``suites_root`` names another
suites folder to read instead. Every case set is searched. A stored record is **kept** as it was when

- it is an ``error`` record without a reply (a back-end failure: nothing to score);
- its case is no longer in the suite, or is of another kind now (chat vs compression);
- (compression) its stored answers are to other questions than today's, or today's parser reads its summary
  differently (the answers were asked with the summary as it was read then, and cannot be asked again);
- it needs a judge result it does not have (see below).

Checks that need a helper model (``ScorerSpec.needs_context``: the judge) run only when a ``judge`` back end
is given. Without one, each keeps its stored result (name, pass/fail, reason, value, arguments); a run that
had no judge gets none; a record of a judged run that lacks its judge results (the judge failed on it) is
kept. Compression's summariser is not needed: the summary is stored. What cannot be rebuilt from a record:
tool calls a back end parsed itself instead of writing them in the text (no back end of this harness does),
and a compression summary's own token counts and latency (its checks read neither).

The verdict is computed again by :func:`harness.verdict.judge_run` with the gates stored in the manifest,
as ``HarnessSession.finish`` computed it (a partial run judged and labelled). ``OUT`` (default
``RUN/rescored/``) gets ``results.jsonl`` and ``manifest.json``: the stored manifest with today's
``scoring_code_sha256``, the new ``gate_results``, ``error_rate``, ``verdict``, ``judge_agreement`` and
``exit_code``, and a ``rescored`` object (``from``, ``at``, ``scoring_code_sha256_before``, ``changed``,
``kept``).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.backends.base import Backend
from harness.errors import EXIT_UNTRUSTED, ConfigError
from harness.fingerprint import scoring_code_sha256, suite_sha256
from harness.gates import SuiteStats, gate_config, suite_stats
from harness.records import CaseRecord, CheckRecord, RunManifest, read_manifest, read_records
from harness.results import (
    MANIFEST_FILE,
    RESULTS_FILE,
    clear_old_report,
    dumps_line,
    strip_control,
    utc_now,
    write_json_atomic,
    write_jsonl_atomic,
)
from harness.runner import compression_fields, score_reply
from harness.scoring import BuiltScorer, ReplyCrashed, ScorerSpec, ScoringContext, parse_reply
from harness.suite import Suite, load_suite, suite_path
from harness.summary import judge_agreement
from harness.tasks.compression import score_compression
from harness.types import Case, Check, Completion, ParseError, Score, ToolCall, recorded_check_name
from harness.verdict import Verdict, judge_run

DEFAULT_OUT = "rescored"  # RUN/rescored/
SHOWN = 20  # changed (and kept) cases listed before "... and N more"
REASON_CHARS = 160

# The record fields scoring produces (chat and compression, passed/failed and error records): the rescored
# record takes them from today's scoring; every other stored field is kept as it was.
SCORED_FIELDS = frozenset(
    {
        "outcome", "passed", "error", "checks", "response", "visible", "thinking", "summary", "answers",
        "context_tokens", "tool_calls", "parse_errors", "finish_reason", "latency_s", "wall_s", "prompt_tokens",
        "completion_tokens", "generations", "timings",
    }
)  # fmt: skip
# A compression record's timing: measured while generating, so kept from the stored record.
COMPRESSION_TIMING = ("latency_s", "wall_s", "prompt_tokens", "completion_tokens", "generations")
BACKEND_FAILURE = "back-end failure: no reply to score"


@dataclass(frozen=True)
class CheckChange:
    """A check whose pass/fail differs between the stored record and the rescored one (None: not recorded)."""

    name: str
    before: bool | None
    after: bool | None
    reason: str  # today's reason; the stored one when the check is gone

    def describe(self) -> str:
        def word(passed: bool | None) -> str:
            return "absent" if passed is None else "pass" if passed else "FAIL"

        return f"{self.name} {word(self.before)} -> {word(self.after)}: {_clip(self.reason)}"


@dataclass(frozen=True)
class RecordOutcome:
    """One stored record and what rescoring made of it. ``status``: ``same`` (rescored, byte-identical apart
    from format_version), ``changed`` (rescored, different) or ``kept`` (stored record kept, ``why_kept``)."""

    key: str  # suite/case_id
    before: str | None
    after: str | None
    status: str
    checks: tuple[CheckChange, ...] = ()  # checks whose pass/fail changed
    differs: tuple[str, ...] = ()  # the record's fields that differ (changed records)
    error: str | None = None  # the rescored record's error, when it is an error record
    why_kept: str | None = None
    judge_kept: bool = False  # rescored with the stored results of its judge checks

    def line(self) -> str:
        """``suite/case: passed -> failed; check pass -> FAIL: reason`` (one line)."""
        if self.status == "kept":
            return f"{self.key}: kept ({self.why_kept})"
        text = f"{self.key}: {self.before} -> {self.after}"
        if self.error is not None:
            text += f" ({_clip(self.error)})"
        if self.checks:
            return text + "; " + "; ".join(c.describe() for c in self.checks)
        return f"{text}; pass/fail of every check unchanged, differs in {', '.join(self.differs)}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "case": self.key,
            "before": self.before,
            "after": self.after,
            "status": self.status,
            "checks": [{"name": c.name, "before": c.before, "after": c.after, "reason": c.reason} for c in self.checks],
            "differs": list(self.differs),
            "error": self.error,
            "why_kept": self.why_kept,
            "judge_kept": self.judge_kept,
        }


@dataclass
class RescoreResult:
    """What :func:`rescore_run` did: each record's outcome before and after, the new records, manifest and
    verdict, and where it wrote them (``out`` None: a dry run, nothing written)."""

    run_dir: Path
    out: Path | None
    outcomes: list[RecordOutcome]
    records: list[CaseRecord]
    manifest: RunManifest
    verdict: Verdict
    stats_before: dict[str, SuiteStats]
    verdict_line_before: str | None
    scoring_code_sha256_before: str | None
    judged: bool  # a judge back end was given: judge checks ran again
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if o.status == "changed"]

    @property
    def kept(self) -> list[RecordOutcome]:
        return [o for o in self.outcomes if o.status == "kept"]

    @property
    def rescored(self) -> int:
        return sum(1 for o in self.outcomes if o.status != "kept")

    @property
    def judge_kept(self) -> int:
        """Records rescored with the stored results of their judge checks (no judge given)."""
        return sum(1 for o in self.outcomes if o.judge_kept)

    @property
    def identical(self) -> bool:
        """Every rescored record is byte-identical to the stored one apart from ``format_version``."""
        return not self.changed

    @property
    def exit_code(self) -> int:
        """The rescored verdict's exit code; 2 for a run that did not finish (the manifest's ``exit_code`` is
        None for an interrupted run, as ``pytest`` wrote it)."""
        code = self.manifest.exit_code
        return EXIT_UNTRUSTED if code is None else code

    def lines(self, shown: int = SHOWN) -> list[str]:
        """What ``harness rescore`` prints: counts, each suite before -> after, the changed and kept cases (at
        most ``shown`` of each), where it wrote, and the verdict before and now."""
        errors = sum(1 for o in self.kept if o.why_kept == BACKEND_FAILURE)
        kept_note = f", {len(self.kept)} kept" + (f" ({errors} back-end failures)" if errors else "")
        out = [
            f"rescore {self.run_dir}: {len(self.outcomes)} records, {self.rescored} rescored "
            f"({len(self.changed)} changed){kept_note}",
            f"scoring code {_short(self.scoring_code_sha256_before)} (run) -> {_short(scoring_code_sha256())} (now)",
        ]
        after = self.verdict.stats  # judge_run counted the rescored records already
        for name, old in self.stats_before.items():
            new = after.get(name)
            now = f"{new.passed}/{new.total}" if new is not None else "-"
            out.append(f"  {name}: {old.passed}/{old.total} passed before -> {now} after")
        out += _listed("changed", self.changed, shown)
        out += _listed("kept as stored", [o for o in self.kept if o.why_kept != BACKEND_FAILURE], shown)
        if self.judge_kept:
            out.append(f"judge: no judge model given; {self.judge_kept} record(s) keep their stored judge results")
        out += [f"note: {n}" for n in self.notes]
        if self.identical:
            out.append(
                f"identical: all {self.rescored} rescored records are byte-identical to the stored ones "
                "apart from format_version"
            )
        else:
            out.append(f"not identical: {len(self.changed)} of {self.rescored} rescored records differ")
        if self.out is None:
            out.append("dry run: nothing written")
        else:
            out.append(f"wrote {self.out / RESULTS_FILE} and {self.out / MANIFEST_FILE}")
        if self.verdict_line_before:
            out.append(f"before: {self.verdict_line_before}")
        out.append(self.verdict.line())
        if self.manifest.exit_code is None:
            out.append(f"the run did not finish (status {self.manifest.status!r}): it cannot vouch (exit 2)")
        return [strip_control(line) for line in out]

    def to_dict(self) -> dict[str, Any]:
        return {
            "run": str(self.run_dir),
            "out": str(self.out) if self.out is not None else None,
            "records": len(self.outcomes),
            "rescored": self.rescored,
            "changed": len(self.changed),
            "kept": len(self.kept),
            "judge_kept": self.judge_kept,
            "judged": self.judged,
            "identical": self.identical,
            "scoring_code_sha256_before": self.scoring_code_sha256_before,
            "scoring_code_sha256": scoring_code_sha256(),
            "verdict_before": self.verdict_line_before,
            "verdict": self.verdict.to_dict(),
            "exit_code": self.exit_code,
            "notes": list(self.notes),
            "outcomes": [o.to_dict() for o in self.outcomes],
        }


def _short(sha: str | None) -> str:
    return sha[:12] if sha else "unknown"


def _clip(text: str, limit: int = REASON_CHARS) -> str:
    one = " ".join(strip_control(text).split())
    return one if len(one) <= limit else one[: limit - 3] + "..."


def _listed(title: str, outcomes: Sequence[RecordOutcome], shown: int) -> list[str]:
    if not outcomes:
        return []
    lines = [f"{title} ({len(outcomes)}):", *(f"  {o.line()}" for o in outcomes[:shown])]
    if len(outcomes) > shown:
        lines.append(f"  ... and {len(outcomes) - shown} more")
    return lines


# ---------------------------------------------------------------------------------------------------------------
# finding the cases


class _Cases:
    """The suites the records name, loaded once each (with their judge checks), their cases by id."""

    def __init__(self, manifest: RunManifest, suites_root: Path | None) -> None:
        self.manifest = manifest
        self.suites_root = suites_root
        self.loaded: dict[str, dict[str, Case]] = {}
        self.notes: list[str] = []

    def _path(self, name: str) -> Path:
        if self.suites_root is not None:
            path = self.suites_root / name / "suite.yaml"
            if not path.is_file():
                raise ConfigError(f"no suite {name!r} in {self.suites_root} (no {path}); pass another suites folder")
            return path
        stored = self.manifest.suite(name).path
        if stored and Path(stored).is_file():
            return Path(stored)
        return suite_path(name)

    def suite(self, name: str) -> dict[str, Case]:
        if name not in self.loaded:
            path = self._path(name)
            suite: Suite = load_suite(path, judge=True)
            self.loaded[name] = {c.id: c for c in suite.cases}
            then = self.manifest.suite(name).sha256
            now = suite_sha256(path)
            if then and then != now:
                self.notes.append(
                    f"suite {name} ({path}) changed since the run (sha256 {then[:12]} -> {now[:12]}): differences "
                    "may come from the suite, not only the scorers"
                )
        return self.loaded[name]


# ---------------------------------------------------------------------------------------------------------------
# rescoring one record


class _Kept(Exception):
    """The stored record is kept as it was, for the reason given."""


def _stored_check(stored: CheckRecord) -> Check:
    """A check that gives back ``stored`` (a judge check's result, kept when no judge is given)."""
    score = Score(
        stored.name, stored.passed, stored.reason or "", stored.value, stored.error_type, dict(stored.args or {})
    )
    spec = ScorerSpec(lambda case, completion: score)
    return Check(stored.name, dict(stored.args or {}), BuiltScorer(stored.name, dict(stored.args or {}), spec))


def _with_stored_judge(case: Case, record: CaseRecord, judged_run: bool) -> tuple[Case, bool]:
    """``case`` with each check that needs a helper model replaced by its stored result (or dropped, for a run
    that had no judge); and whether any stored result was used. Raises _Kept when a judged run's record lacks
    one."""
    if not any(c.fn.spec.needs_context for c in case.checks):
        return case, False
    stored: dict[str, list[CheckRecord]] = {}
    for c in record.checks or []:
        stored.setdefault(c.name, []).append(c)
    checks: list[Check] = []
    used = False
    for check in case.checks:
        if not check.fn.spec.needs_context:
            checks.append(check)
            continue
        name = recorded_check_name(check.name, check.args)
        if stored.get(name):
            checks.append(_stored_check(stored[name].pop(0)))
            used = True
        elif judged_run:
            raise _Kept(f"no stored result of {name} and no judge model given")
    return replace(case, checks=checks), used


def _completion(record: CaseRecord) -> Completion:
    """The generated reply as the back end returned it, rebuilt from the stored record: the text, and the tool
    calls and thinking a server returned apart from the text (``tool_calls_from`` "server")."""
    native = record.tool_calls_from == "server"
    return Completion(
        text=str(record.response),
        thinking=str(record.thinking or "") if record.tool_calls_from else "",
        tool_calls=[ToolCall(str(c.get("name")), dict(c.get("arguments") or {})) for c in record.tool_calls or []]
        if native
        else [],
        parse_errors=[ParseError(str(e.get("text")), str(e.get("reason"))) for e in record.parse_errors or []]
        if native
        else [],
        tool_calls_from=record.tool_calls_from,
        finish_reason=record.finish_reason or "stop",
        prompt_tokens=int(record.prompt_tokens or 0),
        completion_tokens=int(record.completion_tokens or 0),
        latency_s=record.latency_s if record.latency_s is not None else 0.0,
        timings=dict(record.timings or {}),
    )


def _compression(case: Case, record: CaseRecord, stored: dict[str, Any]) -> dict[str, Any]:
    """A compression record's fields scored again from its stored summary, answers and token counts."""
    answers = record.answers or []
    questions = [str(q["question"]) for q in case.data["questions"]]
    if [a.get("question") for a in answers] != questions:
        raise _Kept("its stored answers are to other questions than today's")
    replies = [{label: a.get(label) for label in ("full", "compressed")} for a in answers]
    if not all(isinstance(t, str) for r in replies for t in r.values()):
        raise _Kept("its stored answers lack the replies")
    tokens = record.context_tokens or {}
    full, compressed = tokens.get("full"), tokens.get("compressed")
    if not isinstance(full, int) or not isinstance(compressed, int):
        raise _Kept("no stored context token counts")
    raw = Completion(text=str(record.response), finish_reason=record.finish_reason or "stop")
    try:
        read = parse_reply(raw).visible.strip()
    except ReplyCrashed:
        read = None  # compression_fields makes it the error record a run would have written
    if read is not None and read != record.summary:
        raise _Kept("today's parser reads its summary differently; its answers were asked with the old one")
    timing = {k: stored[k] for k in COMPRESSION_TIMING if k in stored}

    def score() -> dict[str, Any]:
        pieces = [{"full": str(r["full"]), "compressed": str(r["compressed"])} for r in replies]
        return {**score_compression(case, parse_reply(raw), pieces, full, compressed), **timing}

    return compression_fields(score)


def _fields(stored: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stored.items() if k != "format_version"}


def _check_changes(old: CaseRecord, new: CaseRecord) -> tuple[CheckChange, ...]:
    """The checks whose pass/fail differs (matched by name and occurrence)."""

    def keyed(record: CaseRecord) -> dict[tuple[str, int], CheckRecord]:
        seen: Counter[str] = Counter()
        out = {}
        for c in record.checks or []:
            seen[c.name] += 1
            out[(c.name, seen[c.name])] = c
        return out

    before, after = keyed(old), keyed(new)
    changes = []
    for key in [*after, *(k for k in before if k not in after)]:
        b, a = before.get(key), after.get(key)
        was, now = (b.passed if b else None), (a.passed if a else None)
        if was != now:
            shown = a if a is not None else b
            changes.append(CheckChange(key[0], was, now, (shown.reason if shown else None) or ""))
    return tuple(changes)


def _rescore_record(
    record: CaseRecord, cases: _Cases, ctx: ScoringContext | None, judged_run: bool
) -> tuple[CaseRecord, RecordOutcome]:
    """The record rescored (or kept), and what happened to it."""
    key = f"{record.suite}/{record.case_id}"
    stored = _fields(record.to_json_dict())

    def kept(why: str) -> tuple[CaseRecord, RecordOutcome]:
        return CaseRecord.build(stored), RecordOutcome(key, record.outcome, record.outcome, "kept", why_kept=why)

    if record.outcome == "error" and record.response is None:
        return kept(BACKEND_FAILURE)
    if record.suite is None or record.case_id is None:
        return kept("the record names no suite or case")
    case = cases.suite(record.suite).get(record.case_id)
    if case is None:
        return kept(f"case no longer in suite {record.suite}")
    if (case.kind == "compression") != (record.answers is not None):
        return kept(f"the case is of kind {case.kind} now")
    try:
        if ctx is None or ctx.judge is None:
            case, judge_kept = _with_stored_judge(case, record, judged_run)
        else:
            judge_kept = False
        scored = (
            _compression(case, record, stored)
            if case.kind == "compression"
            else score_reply(case, _completion(record), ctx)
        )
    except _Kept as exc:
        return kept(str(exc))
    new = CaseRecord.build({k: v for k, v in stored.items() if k not in SCORED_FIELDS} | scored)
    new_fields = _fields(new.to_json_dict())
    same = dumps_line(new_fields) == dumps_line(stored)
    differs = tuple(k for k in dict.fromkeys([*new_fields, *stored]) if new_fields.get(k) != stored.get(k))
    outcome = RecordOutcome(
        key,
        record.outcome,
        new.outcome,
        "same" if same else "changed",
        checks=() if same else _check_changes(record, new),
        differs=() if same else differs,
        error=new.error if new.outcome == "error" else None,
        judge_kept=judge_kept,
    )
    return new, outcome


# ---------------------------------------------------------------------------------------------------------------
# rescoring a run


def _check_out(out: Path, run_dir: Path, overwrite: bool) -> None:
    if out.resolve() == run_dir.resolve():
        raise ConfigError(f"--out {out}: that is the run itself; rescoring never rewrites a stored run")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a directory; pass another --out DIR")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ConfigError(f"--out {out}: already holds files; pass --overwrite or another --out DIR")


def rescore_run(
    run_dir: Path,
    out: Path | None = None,
    *,
    suites_root: Path | None = None,
    overwrite: bool = False,
    write: bool = True,
    judge: Backend | None = None,
) -> RescoreResult:
    """Rescore the run stored in ``run_dir`` with today's scorers (see the module docstring) and write it to
    ``out`` (default ``run_dir/rescored``; an existing non-empty ``out`` is refused unless ``overwrite``;
    ``write=False``: a dry run, nothing written). ``suites_root``: find each suite as
    ``suites_root/NAME/suite.yaml`` instead. ``judge``: a back end that grades the judge checks again; without
    one they keep their stored results. A missing or damaged run is a ConfigError."""
    manifest = read_manifest(run_dir / MANIFEST_FILE)
    stored = read_records(run_dir / RESULTS_FILE)
    out = out if out is not None else run_dir / DEFAULT_OUT
    if write:
        _check_out(out, run_dir, overwrite)
    if not isinstance(manifest.gates, dict):
        raise ConfigError(f"{run_dir / MANIFEST_FILE}: records no gate configuration; the run cannot be judged again")
    config = gate_config(manifest.gates, (), f"{run_dir / MANIFEST_FILE}: gates")
    cases = _Cases(manifest, suites_root)
    ctx = ScoringContext(judge=judge) if judge is not None else None
    judged_run = manifest.judge is not None or any(c.name.startswith("judge.") for r in stored for c in r.checks or [])
    records: list[CaseRecord] = []
    outcomes: list[RecordOutcome] = []
    for record in stored:
        new, outcome = _rescore_record(record, cases, ctx, judged_run)
        records.append(new)
        outcomes.append(outcome)
    # As HarnessSession.finish judged it: a partial run judged and labelled, the status not checked for a run
    # that finish closed (complete or interrupted); a run killed before finish cannot vouch.
    finished = manifest.status in ("complete", "interrupted")
    verdict = judge_run(manifest, records, config, allow_partial=True, check_status=not finished)
    changed = sum(1 for o in outcomes if o.status == "changed")
    kept = sum(1 for o in outcomes if o.status == "kept")
    fields = _fields(manifest.to_json_dict())
    fields.update(
        scoring_code_sha256=scoring_code_sha256(),
        gate_results=[g.to_dict() for g in verdict.gate_results],
        error_rate=round(verdict.error_rate, 4),
        verdict=verdict.to_dict(),
        judge_agreement={k: {"agree": a, "total": t} for k, (a, t) in judge_agreement(records).items()},
        exit_code=None if manifest.status == "interrupted" else verdict.exit_code,
        rescored={
            "from": str(run_dir),
            "at": utc_now(),
            "scoring_code_sha256_before": manifest.scoring_code_sha256,
            "changed": changed,
            "kept": kept,
        },
    )
    new_manifest = RunManifest.build(fields)
    if write:
        out.mkdir(parents=True, exist_ok=True)
        if overwrite:
            clear_old_report(out)
        write_jsonl_atomic(out / RESULTS_FILE, (r.to_json_dict() for r in records))
        write_json_atomic(out / MANIFEST_FILE, new_manifest.to_json_dict())
    before = manifest.verdict.get("line") if isinstance(manifest.verdict, dict) else None
    return RescoreResult(
        run_dir=run_dir,
        out=out if write else None,
        outcomes=outcomes,
        records=records,
        manifest=new_manifest,
        verdict=verdict,
        stats_before=suite_stats(stored),
        verdict_line_before=str(before) if before else None,
        scoring_code_sha256_before=manifest.scoring_code_sha256,
        judged=judge is not None,
        notes=cases.notes,
    )


# ------------------------------------------------------------------------------------------------ command line


def cmd_rescore(args: argparse.Namespace) -> int:
    result = rescore_run(
        args.run_dir, args.out, suites_root=args.suites, overwrite=args.overwrite, write=not args.dry_run
    )
    if args.json:
        print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    else:
        print("\n".join(result.lines()))
    return result.exit_code


def add_commands(sub: Any) -> None:
    """Register the rescore subcommand."""
    p = sub.add_parser(
        "rescore",
        help="re-judge a stored run's replies with today's scorers (no model run): exit 0 gates met, 1 a gate "
        "failed, 2 untrusted",
        description=(
            "Score every reply stored in RUN/results.jsonl again with today's scorers and suites, without "
            "running the model, recompute the verdict with the gates stored in the manifest, and write "
            f"OUT/{RESULTS_FILE} and OUT/{MANIFEST_FILE}. Prints each suite's passed cases before and after, every "
            "changed case with the checks that flipped and today's reason, and whether every rescored record is "
            "byte-identical to the stored one apart from format_version. Back-end failures, cases no longer in "
            "their suite and compression records whose questions changed are kept as stored; judge checks keep "
            "their stored results. Exit 0 every gate met, 1 a gate failed, 2 the run cannot vouch or bad input."
        ),
    )
    p.add_argument("run_dir", type=Path, metavar="RUN", help="directory a run wrote (pytest --results DIR)")
    p.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="DIR",
        help=f"where to write the rescored run (default: RUN/{DEFAULT_OUT}); must be empty unless --overwrite",
    )
    p.add_argument(
        "--suites",
        type=Path,
        default=None,
        metavar="DIR",
        help="read each suite from DIR/NAME/suite.yaml (default: the suite file the run recorded, if it is still "
        "there, else the harness's suites folder: $HARNESS_SUITES or the checkout's suites/)",
    )
    p.add_argument("--overwrite", action="store_true", help="write into a --out DIR that already holds files")
    p.add_argument("--dry-run", action="store_true", help="rescore and print, but write nothing")
    p.add_argument("--json", action="store_true", help="print the result as JSON (every record's outcome) instead")
    p.set_defaults(func=cmd_rescore)
