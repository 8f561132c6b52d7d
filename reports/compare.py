"""Paired comparison of runs on the same cases: which cases flipped, and whether the flips could be chance.

Two models scored on the same cases are paired data. Comparing their pass rates as if independent wastes
that: the cases both pass or both fail say nothing about which is better. McNemar's exact test looks only
at the cases that flipped (see :func:`reports.stats.mcnemar_exact`). The first run is the baseline A;
every other run is compared with it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd

from harness.errors import ConfigError
from reports.load import Run
from reports.stats import mcnemar_exact

ALPHA = 0.05
CaseKey = tuple[str, str]  # (suite, case_id)


@dataclass(frozen=True)
class Flip:
    """A case that passed under one run and failed under the other, with both sides' evidence."""

    suite: str
    category: str
    case_id: str
    direction: Literal["pass->fail", "fail->pass"]
    response_a: str
    response_b: str
    failures_a: str
    failures_b: str

    @property
    def reason(self) -> str:
        """Why the failing side failed: B's failing checks for a regression, A's for an improvement."""
        return self.failures_b if self.direction == "pass->fail" else self.failures_a

    @property
    def failing_response(self) -> str:
        """The response that failed, to read next to :attr:`reason`."""
        return self.response_b if self.direction == "pass->fail" else self.response_a


@dataclass(frozen=True)
class PairResult:
    """Baseline ``a`` against run ``b`` on the cases both ran."""

    a: str
    b: str
    paired: int
    passed_a: int
    passed_b: int
    flips: list[Flip]
    only_a: list[CaseKey]
    only_b: list[CaseKey]
    caveats: tuple[str, ...] = ()

    @property
    def pass_to_fail(self) -> list[Flip]:
        return [f for f in self.flips if f.direction == "pass->fail"]

    @property
    def fail_to_pass(self) -> list[Flip]:
        return [f for f in self.flips if f.direction == "fail->pass"]

    @property
    def p_value(self) -> float:
        return mcnemar_exact(len(self.pass_to_fail), len(self.fail_to_pass))

    @property
    def significant(self) -> bool:
        return self.p_value < ALPHA

    @property
    def verdict(self) -> str:
        """One sentence: who passes more of the paired cases, and whether that could be chance."""
        diff = self.passed_b - self.passed_a
        counts = f"({self.passed_b} vs {self.passed_a} of {self.paired})"
        if diff == 0:
            head = f"{self.b} and {self.a} pass the same number of cases ({self.passed_a} of {self.paired})"
        else:
            more = "more" if diff > 0 else "fewer"
            head = f"{self.b} passes {abs(diff)} {more} case{'s' if abs(diff) != 1 else ''} than {self.a} {counts}"
        judgement = "unlikely to be chance" if self.significant else f"not significant at {ALPHA:g}"
        shown = format_p(self.p_value)
        return f"{head}; exact McNemar p {shown if shown.startswith('<') else '= ' + shown}: {judgement}"


@dataclass(frozen=True)
class Comparison:
    runs: list[Run]
    pairs: list[PairResult]


def format_p(p: float) -> str:
    """Two significant digits, never scientific notation: 0.016, 0.45, 1; tiny values as < 0.001."""
    return "< 0.001" if p < 0.001 else f"{p:.2g}"


def _keyed(run: Run) -> pd.DataFrame:
    """Records indexed by (suite, case_id); a repeated case keeps its last record so pairs stay one-to-one."""
    return run.records.drop_duplicates(["suite", "case_id"], keep="last").set_index(["suite", "case_id"])


def _text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def scoring_caveats(a: Run, b: Run, suites: set[str]) -> list[str]:
    """Sentences for when A and B were not judged alike: other scorer code, or a suite whose files changed.

    Then part of a difference may come from the judging, not the models; score both with the same harness.
    """
    out = []
    code_a, code_b = a.manifest.scoring_code_sha256, b.manifest.scoring_code_sha256
    if code_a and code_b and code_a != code_b:
        out.append(
            f"{a.label} and {b.label} were scored by different scorer code ({code_a[:12]} vs {code_b[:12]}): "
            "part of the difference may come from the scorers; re-run or rescore both with one harness version"
        )
    elif not (code_a and code_b):
        older = " and ".join(r.label for r, c in ((a, code_a), (b, code_b)) if not c)
        out.append(
            f"{older}: no scorer fingerprint in the manifest (an older harness), so matching scorers are unproven"
        )
    for suite in sorted(suites):
        sa, sb = a.manifest.suite(suite).sha256, b.manifest.suite(suite).sha256
        if sa and sb and sa != sb:
            out.append(f"suite {suite} changed between the runs ({sa[:12]} vs {sb[:12]}): its cases or checks differ")
    return out


def compare_pair(a: Run, b: Run) -> PairResult:
    ka, kb = _keyed(a), _keyed(b)
    common = [k for k in ka.index if k in kb.index]
    flips = []
    for key in common:
        ra, rb = ka.loc[key], kb.loc[key]
        if bool(ra["passed"]) == bool(rb["passed"]):
            continue
        flips.append(
            Flip(
                suite=str(key[0]),
                category=str(ra["category"]),
                case_id=str(key[1]),
                direction="pass->fail" if ra["passed"] else "fail->pass",
                response_a=_text(ra["response"]),
                response_b=_text(rb["response"]),
                failures_a=_text(ra["failures"]),
                failures_b=_text(rb["failures"]),
            )
        )
    return PairResult(
        a=a.label,
        b=b.label,
        paired=len(common),
        passed_a=int(ka.loc[common, "passed"].sum()) if common else 0,
        passed_b=int(kb.loc[common, "passed"].sum()) if common else 0,
        flips=flips,
        only_a=[(str(s), str(c)) for s, c in ka.index if (s, c) not in kb.index],
        only_b=[(str(s), str(c)) for s, c in kb.index if (s, c) not in ka.index],
        caveats=tuple(scoring_caveats(a, b, {str(k[0]) for k in common})),
    )


def distinct_labels(runs: list[Run]) -> list[Run]:
    """Runs whose labels collide (two runs of one model file) get their directory name appended, so every
    table column and chart legend entry names exactly one run."""
    labels = [r.label for r in runs]
    return [r if labels.count(r.label) == 1 else replace(r, label_override=f"{r.label} ({r.path.name})") for r in runs]


def compare_runs(runs: list[Run]) -> Comparison:
    """Compare ``runs[0]`` (the baseline) with each of the others."""
    if len(runs) < 2:
        raise ConfigError("compare needs at least two run directories")
    runs = distinct_labels(runs)
    return Comparison(runs=runs, pairs=[compare_pair(runs[0], other) for other in runs[1:]])
