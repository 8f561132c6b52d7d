"""Per-run aggregates for the reports: pass rates with Wilson intervals, metric means and distributions,
latency percentiles. Computed from the stored records, so a report never depends on what the run printed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from reports.load import Run
from reports.stats import wilson_interval

PERCENTILES = (50, 90, 99)

Key = tuple[str, str]  # (suite, category) or (suite, check name)


@dataclass(frozen=True)
class Rate:
    """``passed`` of ``total`` with its 95% Wilson interval."""

    passed: int
    total: int

    @property
    def rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def interval(self) -> tuple[float, float]:
        return wilson_interval(self.passed, self.total)

    @property
    def text(self) -> str:
        return f"{self.passed}/{self.total} ({self.rate:.0%})"

    @property
    def interval_text(self) -> str:
        lo, hi = self.interval
        return f"{lo:.0%}–{hi:.0%}"


@dataclass(frozen=True)
class RunSummary:
    """Everything a report shows about one run, keyed for side-by-side tables."""

    label: str
    suites: dict[str, Rate]
    errors: dict[str, int]
    categories: dict[Key, Rate]
    checks: dict[Key, Rate]
    metric_values: dict[Key, list[float]]
    latency: dict[int, float | None]

    @property
    def overall(self) -> Rate:
        return Rate(sum(r.passed for r in self.suites.values()), sum(r.total for r in self.suites.values()))

    def metric_mean(self, key: Key) -> float | None:
        values = self.metric_values.get(key)
        return sum(values) / len(values) if values else None


def latency_percentiles(latencies: pd.Series) -> dict[int, float | None]:
    """p50/p90/p99 of per-case latency, linearly interpolated between cases (pandas' default); with a few
    dozen cases p99 is close to the slowest case."""
    values = latencies.dropna()
    return {p: (float(values.quantile(p / 100)) if len(values) else None) for p in PERCENTILES}


def summarize(run: Run) -> RunSummary:
    """The run's tables. Pass counts come from :func:`harness.gates.suite_stats`, the very numbers the gates
    and the terminal summary use; the value lists (for distributions) and latencies from the run's frames."""
    stats = run.stats
    values = run.checks.dropna(subset=["value"]).groupby(["suite", "name"], sort=False)["value"]
    return RunSummary(
        label=run.label,
        suites={s: Rate(st.passed, st.total) for s, st in stats.items()},
        errors={s: st.errors for s, st in stats.items()},
        categories={(s, c): Rate(*counts) for s, st in stats.items() for c, counts in st.by_category.items()},
        checks={(s, c): Rate(*counts) for s, st in stats.items() for c, counts in st.by_check.items()},
        metric_values={(str(k[0]), str(k[1])): [float(x) for x in v] for k, v in values},
        latency=latency_percentiles(run.records["latency_s"]),
    )


def union_keys(mappings: Sequence[Mapping[Key, object]]) -> list[Key]:
    """Keys of several runs' tables in first-seen order, so a comparison lists every row once."""
    return list(dict.fromkeys(k for m in mappings for k in m))


def graded_metrics(summaries: list[RunSummary]) -> list[Key]:
    """Checks whose values go beyond pass/fail (a score, a ratio): the ones worth a distribution chart.
    A 0/1 value carries no more than the check's pass rate, which the tables already show."""
    keys = union_keys([s.metric_values for s in summaries])
    return [k for k in keys if any(v not in (0.0, 1.0) for s in summaries for v in s.metric_values.get(k, []))]
