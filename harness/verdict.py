"""One verdict per run: complete?, partial?, error rate, gates and the exit code, judged in one place.

``pytest suites/`` (``HarnessSession.finish``), ``python -m harness gate RUN`` and ``harness publish`` all call
:func:`judge_run` on the same manifest and records, so they cannot disagree about a run. Exit codes are
``harness.errors``': 0 every gate met, 1 a gate failed, 2 the run cannot vouch for anything.

A run cannot vouch (exit 2) when

- it is **incomplete**: a selected case is neither a record in ``results.jsonl`` nor listed in the
  manifest's ``cases_skipped`` (stopped early with ``-x``, killed, or a case that crashed without a record),
  or, for a stored run, its status is not ``complete``;
- more than ``max_error_rate`` of its records are ``error`` records (back-end failures, and replies that made
  the parser or a scorer raise);
- it is **partial** and the caller does not allow that (``harness gate``/``publish`` without
  ``--allow-partial``). Gates judged on a few cases say nothing about the suite, so the gate sentences of
  each suite that did not run whole say ``partial run: N of M cases`` (its own share), and so does the
  verdict line (the run's share); gates of a suite that ran whole are judged on all of it, unlabelled.
  ``pytest`` reports a partial run's gates (allowed: a ``-k`` run during development is judged, and
  labelled), so for a partial run ``pytest``'s exit code equals ``harness gate --allow-partial``'s, and plain
  ``harness gate`` exits 2.

Manifest fields read here (typed by :class:`harness.records.RunManifest`; ``HarnessSession.open`` writes them):

``cases_selected`` (int)
    Cases the run selected after ``-k``/``-m``/``--lf``/``--deselect``/``--limit`` and ``--case-set``.
``cases_skipped`` (list of ``{"case": "suite/id", "needs": ...}``)
    Selected cases the model cannot run (no thinking mode); they count as covered.
``partial`` (bool)
    True when the run selected fewer cases of a suite than the suite holds in the asked-for case sets (``-k``,
    ``-m``, ``--lf``, ``--deselect``, ``--limit``, a case id on the command line). Running only some suites
    (``pytest suites/josi``) is not partial: each suite is judged whole.
``selection`` (dict)
    How the run chose its cases (written by the pytest plugin): ``case_sets`` (the asked-for sets,
    ``["default"]`` without ``--case-set``), ``suites`` (``{NAME: {"selected": n, "in_sets": m}}``; ``in_sets``
    is the M of "N of M") and ``options`` (``k``, ``m``, ``lf``, ``limit``, ``deselect``: shown in the refusal).
``suites[NAME]``
    ``cases_total`` (every case, every set), and from :func:`suite_manifest_entry`: ``cases_by_set``
    (``{set: count}``), ``categories`` and ``checks`` (every category and recorded check name of the suite,
    all sets, judge checks included), so that ``harness gate`` can check gate names a ``--gate`` brings.
``verdict`` (dict)
    :meth:`Verdict.to_dict`, written by ``finish``; the terminal summary prints its reasons.

How "partial" is decided: the ``partial`` flag when it is true; otherwise ``cases_selected`` below the
cases the run's suites hold in its case sets, counted from ``selection.suites[NAME].in_sets`` or
``suites[NAME].cases_by_set``. A manifest from before these fields (no ``partial`` at all) is compared with
the suites' ``cases_total`` instead; that errs on the side of "partial" for a suite with extra case sets
(Josi's ``large``): such an old run is judged with ``--allow-partial``, or rerun.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from harness.errors import (
    EXIT_GATE_FAILED,
    EXIT_OK,
    EXIT_UNTRUSTED,
    ConfigError,
    HarnessError,
    RunNotTrustedError,
)
from harness.gates import (
    GATE_TABLES,
    GateConfig,
    GateResult,
    SuiteStats,
    error_rate,
    evaluate_gates,
    parse_override,
    suite_stats,
)
from harness.records import CaseRecord, RunManifest, Selection
from harness.registry import did_you_mean
from harness.suite import Suite, load_suite, suite_files
from harness.types import DEFAULT_SET
from harness.yamlio import load_yaml

CASE_SETS = "case_sets"  # in manifest["selection"] (or, as a fallback, at the manifest's top level)
CASES_BY_SET = "cases_by_set"
CATEGORIES = "categories"
CHECKS = "checks"
VERDICT = "verdict"

EXIT_WORDS = {EXIT_OK: "all gates met", EXIT_GATE_FAILED: "a gate failed", EXIT_UNTRUSTED: "run not trustworthy"}
ALLOW_PARTIAL_HINT = "run the suites whole, or pass --allow-partial to judge it anyway"


# ---------------------------------------------------------------------------------------------------------------
# the verdict


@dataclass
class Verdict:
    """What a run is worth. ``reasons`` are whole sentences: why the run cannot vouch (incomplete, error rate,
    partial and not allowed), then each failed gate's sentence; empty when every gate is met."""

    exit_code: int
    gate_results: list[GateResult]
    error_rate: float
    complete: bool
    partial: bool
    reasons: list[str]
    stats: dict[str, SuiteStats]
    records: int
    selected: int | None
    available: int | None  # cases the run's suites hold in its case sets (the M of "N of M"); None: unknown
    per_suite: dict[str, tuple[int, int | None]] = field(default_factory=dict)  # suite -> (covered, available)

    @property
    def trusted(self) -> bool:
        return self.exit_code != EXIT_UNTRUSTED

    @property
    def failed(self) -> list[GateResult]:
        return [g for g in self.gate_results if g.status == "failed"]

    @property
    def evaluated(self) -> list[GateResult]:
        """Gates that had cases to judge; ``not_evaluated`` ones neither pass nor fail anything."""
        return [g for g in self.gate_results if g.status != "not_evaluated"]

    @property
    def partial_note(self) -> str:
        """``partial run: 1 of 37 cases``, or "" for a whole run."""
        return partial_note(self.selected, self.available) if self.partial else ""

    def line(self) -> str:
        """The one verdict line: the exit code in words, why, and whether the run was partial."""
        code = self.exit_code
        if code == EXIT_OK:
            text = f"verdict: all {len(self.evaluated)} evaluated gates met (exit {code})"
        elif code == EXIT_GATE_FAILED:
            text = f"verdict: {len(self.failed)} of {len(self.evaluated)} gates failed (exit {code})"
        else:
            text = f"verdict: {EXIT_WORDS[code]} (exit {code})"
        return f"{text}; {self.partial_note}" if self.partial else text

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "complete": self.complete,
            "partial": self.partial,
            "error_rate": round(self.error_rate, 4),
            "records": self.records,
            "cases_selected": self.selected,
            "cases_available": self.available,
            "reasons": list(self.reasons),
            "line": self.line(),
        }


def case_count(selected: int | None, available: int | None) -> str:
    """``1 of 37 cases`` (``1 cases`` when the total is unknown)."""
    n = "?" if selected is None else str(selected)
    return f"{n} of {available} cases" if available is not None else f"{n} cases"


def partial_note(selected: int | None, available: int | None) -> str:
    """``partial run: 1 of 37 cases``: what every gate sentence and verdict line of a partial run says."""
    return f"partial run: {case_count(selected, available)}"


def _case_key(record: CaseRecord) -> str:
    return f"{record.suite}/{record.case_id}"


def covered_cases(manifest: RunManifest, records: Sequence[CaseRecord]) -> set[str]:
    """``suite/case_id`` of every case with a record or listed as skipped (a case recorded twice counts once)."""
    return {_case_key(r) for r in records} | {s.case for s in manifest.cases_skipped or []}


def completeness_problem(
    manifest: RunManifest, records: Sequence[CaseRecord], *, subject: str = "the run", check_status: bool = True
) -> str | None:
    """Why the run is not complete, as one sentence about ``subject``; None when it is.

    ``check_status``: also require the manifest's status to be ``complete`` (a stored run); False while the
    run is being finished (``HarnessSession.finish``, whose manifest still says ``running``).
    """
    status = manifest.status
    if check_status and status != "complete":
        why = "it was interrupted" if status == "interrupted" else "it was killed or is still going"
        return f"{subject} is not complete (status {status!r}): {why}; rerun it"
    selected = manifest.cases_selected
    if selected is None:
        return f"{subject} is incomplete: its manifest does not say how many cases were selected; rerun it"
    covered = len(covered_cases(manifest, records))
    if covered < selected:
        return (
            f"{subject} is incomplete: {covered} of {selected} selected cases have results "
            "(stopped early with -x, killed, or a case crashed without a record); rerun it"
        )
    return None


def check_complete(run_dir: Path, manifest: RunManifest, records: Sequence[CaseRecord]) -> None:
    """Raise RunNotTrustedError unless the stored run in ``run_dir`` finished and every selected case has a
    record or was skipped (:func:`completeness_problem`). Says nothing about gates or partial runs: ``harness
    gate`` checks this before judging, the training loop before reading a round's pass rates."""
    problem = completeness_problem(manifest, records, subject=f"run {run_dir}")
    if problem:
        raise RunNotTrustedError(problem)


def _suite_available(name: str, manifest: RunManifest, case_sets: Sequence[str]) -> tuple[int | None, bool]:
    """``(cases of suite name in the run's case sets, exact?)``: the selection's ``in_sets`` (exact), else the
    suite entry's ``cases_by_set`` (exact), else its ``cases_total`` (all sets: an upper bound), else None."""
    chosen = (manifest.selection.suites or {}).get(name) if manifest.selection else None
    if chosen is not None and chosen.in_sets is not None:
        return chosen.in_sets, True
    entry = manifest.suite(name)
    if entry.cases_by_set is not None:
        return sum(n for s, n in entry.cases_by_set.items() if s in case_sets), True
    return entry.cases_total, False


def _case_sets(manifest: RunManifest) -> list[str]:
    for raw in (manifest.selection.case_sets if manifest.selection else None, getattr(manifest, CASE_SETS, None)):
        if isinstance(raw, list) and raw:
            return [str(s) for s in raw]
    return [DEFAULT_SET]


def _coverage(
    manifest: RunManifest, records: Sequence[CaseRecord]
) -> tuple[bool, int | None, dict[str, tuple[int, int | None]]]:
    """``(partial, available, per suite (covered, available))`` by the rules in the module docstring."""
    case_sets = _case_sets(manifest)
    covered = covered_cases(manifest, records)
    per_suite: dict[str, tuple[int, int | None]] = {}
    exact = True
    for name in manifest.suites or {}:
        total, is_exact = _suite_available(name, manifest, case_sets)
        exact = exact and is_exact
        per_suite[name] = (sum(1 for k in covered if k.split("/", 1)[0] == name), total)
    totals = [t for _, t in per_suite.values()]
    available = sum(t for t in totals if t is not None) if totals and None not in totals else None
    selected = manifest.cases_selected
    flag = manifest.partial
    partial = flag is True
    if not partial and selected is not None and available is not None and (exact or flag is None):
        partial = selected < available
    return partial, available, per_suite


def _mark_partial(g: GateResult, note: str) -> GateResult:
    sentence = g.sentence[:-1] if g.sentence.endswith(".") else g.sentence
    return replace(g, sentence=f"{sentence} ({note}).")


# How the selection's options read in a message: -k 'alarm', --limit 2, --lf ...
_OPTION_FLAGS = {"k": "-k", "m": "-m", "lf": "--lf", "limit": "--limit", "deselect": "--deselect"}


def _selection_text(selection: Selection) -> str:
    options = selection.options or {}
    shown = []
    for key, flag in _OPTION_FLAGS.items():
        value = options.get(key, getattr(selection, key, None))
        if value in (None, False, "", [], {}):
            continue
        if value is True:
            shown.append(flag)
        elif isinstance(value, list):
            shown.append(f"{flag} {' '.join(map(str, value[:3]))}{' ...' if len(value) > 3 else ''}")
        else:
            shown.append(f"{flag} {value!r}" if isinstance(value, str) else f"{flag} {value}")
    text = f", selected with {' '.join(shown)}" if shown else ""
    left_out = selection.suite_files_not_collected
    if left_out:
        text += f", suite files not collected: {', '.join(map(str, left_out[:3]))}{' ...' if len(left_out) > 3 else ''}"
    return text


def judge_run(
    manifest: RunManifest,
    records: Sequence[CaseRecord],
    config: GateConfig,
    *,
    allow_partial: bool = False,
    check_status: bool = True,
    subject: str = "the run",
) -> Verdict:
    """The verdict on a run from its manifest, its records and the gates to apply.

    ``allow_partial``: judge a partial run's gates (labelled partial) instead of refusing it (exit 2);
    ``HarnessSession.finish`` passes True, ``harness gate``/``publish`` pass their ``--allow-partial``.
    ``check_status``: see :func:`completeness_problem`. ``subject`` starts the reasons ("run runs/x").
    Gates are evaluated even when the run cannot vouch, so a report can still show them.
    """
    stats = suite_stats(records)
    err = error_rate(stats)
    partial, available, per_suite = _coverage(manifest, records)
    selected = manifest.cases_selected
    if selected is not None and available is not None and selected >= available:
        available = None  # partial by the flag alone (a suite file --lf left out): no "3 of 3 cases"
    results = evaluate_gates(config, stats)
    if partial:
        overall = partial_note(selected, available)
        marked = []
        for g in results:
            covered, total = per_suite.get(g.suite, (0, None))
            if total is not None and covered >= total:
                marked.append(g)  # this suite ran whole: its gates are judged on all of it
            else:
                marked.append(_mark_partial(g, overall if total is None else partial_note(covered, total)))
        results = marked
    reasons: list[str] = []
    problem = completeness_problem(manifest, records, subject=subject, check_status=check_status)
    if problem:
        reasons.append(problem + ".")
    if err > config.max_error_rate:
        errored = sum(s.errors for s in stats.values())
        reasons.append(
            f"{subject}: {errored} of {len(records)} cases errored ({err:.0%}), above max_error_rate "
            f"{config.max_error_rate:.0%}; fix the back end, model or scorer named in the errors and rerun."
        )
    if partial and not allow_partial:
        selection = _selection_text(manifest.selection or Selection())
        reasons.append(
            f"{subject} is partial: {case_count(selected, available)}{selection}; gates on some "
            f"cases do not vouch for the suites: {ALLOW_PARTIAL_HINT}."
        )
    untrusted = bool(reasons)
    reasons += [g.sentence for g in results if g.status == "failed"]
    if untrusted:
        code = EXIT_UNTRUSTED
    elif any(g.status == "failed" for g in results):
        code = EXIT_GATE_FAILED
    else:
        code = EXIT_OK
    return Verdict(
        exit_code=code,
        gate_results=results,
        error_rate=err,
        complete=problem is None,
        partial=partial,
        reasons=reasons,
        stats=stats,
        records=len(records),
        selected=selected,
        available=available,
        per_suite=per_suite,
    )


# ---------------------------------------------------------------------------------------------------------------
# gate names: a gate on a suite, category or check that exists nowhere is a typo, not a gate


@dataclass(frozen=True)
class SuiteNames:
    """The names gates of one suite may use. ``categories``/``checks`` None: not known (the suite could not be
    loaded, or a stored run predates the manifest's lists), so names inside it are not checked."""

    suite: str
    categories: frozenset[str] | None
    checks: frozenset[str] | None

    @classmethod
    def of(cls, suite: Suite) -> SuiteNames:
        return cls(suite.name, frozenset(suite.categories), frozenset(suite.check_names))


def suite_manifest_entry(suite: Suite) -> dict[str, Any]:
    """The fields to merge into the suite's manifest ``suites`` entry: ``cases_by_set``, ``categories`` and
    ``checks`` (all case sets, judge checks included)."""
    return {
        CASES_BY_SET: suite.cases_by_set(),
        CATEGORIES: sorted(suite.categories),
        CHECKS: sorted(suite.check_names),
    }


def known_suites(root: Path) -> list[SuiteNames]:
    """The names of every suite in the suites directory under ``root`` (``root/suites/*/suite.yaml``), loaded
    with their judge checks. A suite that does not load still counts as existing (by its ``name:``, else its
    folder's name), with its categories and checks unchecked: a broken suite nobody runs must not stop a run
    of another one (running it reports its own error)."""
    out = []
    for path in suite_files(root):
        try:
            out.append(SuiteNames.of(load_suite(path, judge=True)))
        except HarnessError:
            try:
                raw = load_yaml(path)
            except HarnessError:
                raw = None
            name = raw.get("name") if isinstance(raw, dict) and isinstance(raw.get("name"), str) else None
            out.append(SuiteNames(name or path.parent.name, None, None))
    return out


def _merge(names: Iterable[SuiteNames]) -> dict[str, SuiteNames]:
    out: dict[str, SuiteNames] = {}
    for n in names:
        old = out.get(n.suite)
        if old is None:
            out[n.suite] = n
            continue

        def union(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
            return None if a is None or b is None else a | b

        out[n.suite] = SuiteNames(n.suite, union(old.categories, n.categories), union(old.checks, n.checks))
    return out


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    close = did_you_mean(name, sorted(known))
    return f"did you mean {close!r}? " if close else ""


def _listing(known: Iterable[str], limit: int = 12) -> str:
    items = sorted(known)
    shown = ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")
    return shown or "none"


def _gate_names(config: GateConfig, suite: str) -> list[tuple[str, str]]:
    """``(table, name)`` of every category/check/metric gate of ``suite`` in ``config``."""
    gates = config.suites[suite]
    return [(table, name) for table in GATE_TABLES for name in getattr(gates, table)]


def _check_inner(suite: str, table: str, name: str, known: SuiteNames, where: str) -> None:
    kind = "category" if table == "category_pass_rate" else "check"
    pool = known.categories if kind == "category" else known.checks
    if pool is None or name in pool:
        return
    plural = "categories" if kind == "category" else "checks"
    raise ConfigError(
        f"{where}: gate {suite}.{table}.{name}: suite {suite!r} has no {kind} {name!r}; "
        f"{_did_you_mean(name, pool)}its {plural}: {_listing(pool)}"
    )


def _unknown_suite(suite: str, known: Iterable[str], where: str) -> ConfigError:
    return ConfigError(
        f"{where}: gates for suite {suite!r}, which does not exist; {_did_you_mean(suite, known)}"
        f"known suites: {_listing(known)}"
    )


def check_gate_names(
    config: GateConfig,
    suites: Sequence[Suite | SuiteNames],
    rootdir: Path | None = None,
    *,
    where: str = "gates (gate file or --gate)",
) -> None:
    """Refuse (ConfigError, one line with a "did you mean") a gate naming a suite, category or check that
    exists nowhere. Known: ``suites`` (the run's, as loaded) plus, when ``rootdir`` is given, every suite
    under it (:func:`known_suites`, loaded only when a gate names a suite outside ``suites``). A gate for a
    known suite this run does not select is fine: one gate file serves every run. Categories are those of
    all the suite's cases, in every case set; checks are the names its cases record (judge checks and
    compression's task checks included)."""
    names = [s if isinstance(s, SuiteNames) else SuiteNames.of(s) for s in suites]
    if rootdir is not None and not set(config.suites) <= {n.suite for n in names}:
        names += known_suites(rootdir)
    known = _merge(names)
    for suite in config.suites:
        if suite not in known:
            raise _unknown_suite(suite, known, where)
        for table, name in _gate_names(config, suite):
            _check_inner(suite, table, name, known[suite], where)


def run_names(manifest: RunManifest, records: Sequence[CaseRecord]) -> dict[str, SuiteNames]:
    """The names a stored run knows: its manifest's ``categories``/``checks`` lists where it has them (exact),
    else what its records hold (a lower bound: a category no selected case had is missing)."""
    by_suite: dict[str, tuple[set[str], set[str]]] = {}
    for r in records:
        cats, checks = by_suite.setdefault(str(r.suite), (set(), set()))
        cats.add(str(r.category))
        checks.update(c.name for c in r.checks or [])
    suites = manifest.suites or {}
    out = {}
    for name in {*suites, *by_suite}:
        entry = manifest.suite(name)
        cats, checks = by_suite.get(name, (set(), set()))
        out[name] = SuiteNames(
            name,
            frozenset(entry.categories) | cats if entry.categories is not None else frozenset(cats),
            frozenset(entry.checks) | checks if entry.checks is not None else frozenset(checks),
        )
    return out


def check_run_gate_names(
    config: GateConfig,
    manifest: RunManifest,
    records: Sequence[CaseRecord],
    overrides: Sequence[str] = (),
    *,
    where: str = "gates",
) -> None:
    """The gate-name check of ``harness gate``: against the names in the stored run (:func:`run_names`).

    A ``--gate`` override must name a suite of the run and, inside it, a category or check the run knows.
    Gates of the stored config or of ``--gates FILE`` are checked for the run's suites when the manifest lists
    their categories and checks (a run's records alone do not show every category of a partial or old run);
    gates for suites the run did not include are left alone, as in a pytest run of some suites.
    """
    known = run_names(manifest, records)
    suites = manifest.suites or {}
    for item in overrides:
        o = parse_override(item)
        if o.suite is None:
            continue
        if o.suite not in known:
            raise ConfigError(
                f"--gate {item!r}: this run has no suite {o.suite!r}; {_did_you_mean(o.suite, known)}"
                f"its suites: {_listing(known)}"
            )
        if o.name is not None and o.table in GATE_TABLES:
            _check_inner(o.suite, o.table, o.name, known[o.suite], f"--gate {item!r}")
    for suite in config.suites:
        entry = suites.get(suite)
        if suite not in known or entry is None or entry.categories is None or entry.checks is None:
            continue
        for table, name in _gate_names(config, suite):
            _check_inner(suite, table, name, known[suite], where)
