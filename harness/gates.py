"""Gates: thresholds that decide whether a run passes, each verdict explained in one sentence.

Thresholds live in ``suites/gates.yaml`` (per suite: overall pass rate, per-category pass rates,
per-check pass rates, metric means) and can be overridden with ``--gate suite.key=value``.
A gate on a category or check that no case exercised in this run is reported as not evaluated; a gate
naming a suite, category or check that exists nowhere is refused when the run starts
(:func:`harness.verdict.check_gate_names`).

Every value is a finite number >= 0: pass rates and ``max_error_rate`` are shares from 0 to 1, metric
thresholds any finite number >= 0 (every metric the scorers record is a count, a share or a 1-5 score, so a
negative threshold could only be a typo that makes a gate always pass). NaN and infinities are refused too:
``nan`` compares false with everything, so a gate on it would never fail.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from harness.errors import ConfigError
from harness.records import CaseRecord
from harness.yamlio import load_yaml


def _plain_number(value: Any) -> Any:
    if isinstance(value, bool):  # YAML "yes"/"true" would otherwise be the number 1
        raise ValueError(f"expected a number, got {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value!r}")
    return value


# A share from 0 to 1 (pass rates, max_error_rate) and a metric threshold (any finite number >= 0).
Rate = Annotated[float, BeforeValidator(_plain_number), Field(ge=0, le=1, allow_inf_nan=False)]
Threshold = Annotated[float, BeforeValidator(_plain_number), Field(ge=0, allow_inf_nan=False)]
GATE_TABLES = ("category_pass_rate", "check_pass_rate", "metric_min", "metric_max")
VALUE_RULE = "gate values are finite numbers >= 0, and pass rates and max_error_rate at most 1"


class SuiteGates(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pass_rate: Rate | None = None
    category_pass_rate: dict[str, Rate] = Field(default_factory=dict)
    check_pass_rate: dict[str, Rate] = Field(default_factory=dict)
    metric_min: dict[str, Threshold] = Field(default_factory=dict)  # mean of a check's value >= threshold
    metric_max: dict[str, Threshold] = Field(default_factory=dict)  # mean of a check's value <= threshold


class GateConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_error_rate: Rate = 0.1
    suites: dict[str, SuiteGates] = Field(default_factory=dict)


@dataclass(frozen=True)
class GateResult:
    suite: str
    gate: str
    threshold: float
    actual: float | None
    status: Literal["passed", "failed", "not_evaluated"]
    sentence: str

    @property
    def passed(self) -> bool:
        return self.status != "failed"

    def to_dict(self) -> dict[str, Any]:
        return {
            "suite": self.suite,
            "gate": self.gate,
            "threshold": self.threshold,
            "actual": self.actual,
            "status": self.status,
            "sentence": self.sentence,
        }


def _parse_value(text: str) -> Any:
    try:
        return float(text)
    except ValueError:
        raise ConfigError(f"--gate value {text!r} is not a number") from None


@dataclass(frozen=True)
class Override:
    """One parsed ``--gate KEY=VALUE``: ``suite`` None for ``max_error_rate``; ``table`` the gate key
    (``pass_rate``) or table (``category_pass_rate``); ``name`` the category/check/metric, if any."""

    text: str
    suite: str | None
    table: str
    name: str | None
    value: float


def parse_override(item: str) -> Override:
    key, sep, value = item.partition("=")
    if not sep or not key:
        raise ConfigError(f"--gate {item!r}: expected KEY=VALUE, e.g. pokkit.pass_rate=0.8")
    parts = key.strip().split(".")
    if parts == ["max_error_rate"]:
        return Override(item, None, "max_error_rate", None, _parse_value(value))
    if len(parts) not in (2, 3) or not all(parts):
        raise ConfigError(
            f"--gate {item!r}: expected SUITE.pass_rate=V or SUITE.<category_pass_rate|check_pass_rate|"
            "metric_min|metric_max>.NAME=V or max_error_rate=V"
        )
    return Override(item, parts[0], parts[1], parts[2] if len(parts) == 3 else None, _parse_value(value))


def apply_overrides(raw: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Apply ``--gate`` overrides: ``max_error_rate=0.2``, ``pokkit.pass_rate=0.8``,
    ``pokkit.category_pass_rate.tool_call=1``."""
    data: dict[str, Any] = {"max_error_rate": raw.get("max_error_rate", 0.1), "suites": dict(raw.get("suites") or {})}
    for item in overrides:
        o = parse_override(item)
        if o.suite is None:
            data["max_error_rate"] = o.value
            continue
        suite = dict(data["suites"].get(o.suite) or {})
        if o.name is None:
            suite[o.table] = o.value
        else:
            inner = dict(suite.get(o.table) or {})
            inner[o.name] = o.value
            suite[o.table] = inner
        data["suites"][o.suite] = suite
    return data


def load_gates(path: Path | None, overrides: list[str] = ()) -> GateConfig:  # type: ignore[assignment]
    raw: Any = load_yaml(path) if path is not None else {}
    return gate_config(raw, overrides, str(path) if path is not None else "--gate")


def gate_config(raw: Any, overrides: Sequence[str] = (), where: str = "gates") -> GateConfig:
    """Validate a gate mapping (a gate file's content, or the config a run stored) with ``overrides`` applied;
    a ConfigError names ``where`` and the first bad key."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping with 'suites:' and optional 'max_error_rate:'")
    unknown = set(raw) - {"max_error_rate", "suites"}
    if unknown:
        raise ConfigError(f"{where}: unknown top-level keys {sorted(unknown)}; allowed: max_error_rate, suites")
    try:
        return GateConfig.model_validate(apply_overrides(raw, list(overrides)))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"] if not str(p).startswith(("function-", "constrained-")))
        hint = f" ({VALUE_RULE})" if first["type"] not in ("extra_forbidden", "dict_type", "model_type") else ""
        msg = str(first["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"{where}: {loc}: {msg}{hint}") from None


@dataclass
class SuiteStats:
    """Aggregates of one suite's records: what gates and summaries read."""

    suite: str
    total: int
    passed: int
    errors: int
    by_category: dict[str, tuple[int, int]]  # category -> (passed, total)
    by_check: dict[str, tuple[int, int]]  # check name -> (passed, total)
    metric_means: dict[str, float]  # check name -> mean value

    @property
    def pass_rate(self) -> float:
        return self.passed / self.total if self.total else 0.0


def suite_stats(records: Sequence[CaseRecord]) -> dict[str, SuiteStats]:
    """Pass counts by suite, category and check, and each check's mean value: the numbers every gate, summary
    and report reads (computed once per run, by whoever judges or shows it)."""
    grouped: dict[str, list[CaseRecord]] = defaultdict(list)
    for r in records:
        grouped[str(r.suite)].append(r)
    out = {}
    for suite, recs in grouped.items():
        cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        chk: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        values: dict[str, list[float]] = defaultdict(list)
        for r in recs:
            cat[str(r.category)][0] += int(bool(r.passed))
            cat[str(r.category)][1] += 1
            for c in r.checks or []:
                chk[c.name][0] += int(c.passed)
                chk[c.name][1] += 1
                if c.value is not None:
                    values[c.name].append(float(c.value))
        out[suite] = SuiteStats(
            suite=suite,
            total=len(recs),
            passed=sum(1 for r in recs if r.passed),
            errors=sum(1 for r in recs if r.outcome == "error"),
            by_category={k: (v[0], v[1]) for k, v in sorted(cat.items())},
            by_check={k: (v[0], v[1]) for k, v in sorted(chk.items())},
            metric_means={k: sum(v) / len(v) for k, v in sorted(values.items())},
        )
    return out


def _rate_gate(suite: str, gate: str, what: str, threshold: float, counts: tuple[int, int] | None) -> GateResult:
    if counts is None or counts[1] == 0:
        return GateResult(suite, gate, threshold, None, "not_evaluated", f"{suite}: {what} had no cases in this run.")
    rate = counts[0] / counts[1]
    ok = rate >= threshold
    verb = "meets" if ok else "is below"
    sentence = f"{suite}: {what} pass rate {rate:.0%} ({counts[0]}/{counts[1]}) {verb} the {threshold:.0%} gate."
    return GateResult(suite, gate, threshold, rate, "passed" if ok else "failed", sentence)


def evaluate_gates(config: GateConfig, stats: dict[str, SuiteStats]) -> list[GateResult]:
    """Every configured gate of every suite that ran, in a stable order."""
    results: list[GateResult] = []
    for suite, st in stats.items():
        gates = config.suites.get(suite)
        if gates is None:
            continue
        if gates.pass_rate is not None:
            results.append(_rate_gate(suite, "pass_rate", "overall", gates.pass_rate, (st.passed, st.total)))
        for category, thr in gates.category_pass_rate.items():
            results.append(
                _rate_gate(
                    suite, f"category_pass_rate.{category}", f"category {category}", thr, st.by_category.get(category)
                )
            )
        for check, thr in gates.check_pass_rate.items():
            results.append(_rate_gate(suite, f"check_pass_rate.{check}", f"check {check}", thr, st.by_check.get(check)))
        for bound, table in (("min", gates.metric_min), ("max", gates.metric_max)):
            for metric, thr in table.items():
                name = f"metric_{bound}.{metric}"
                mean = st.metric_means.get(metric)
                if mean is None:
                    results.append(
                        GateResult(
                            suite,
                            name,
                            thr,
                            None,
                            "not_evaluated",
                            f"{suite}: metric {metric} was not measured in this run.",
                        )
                    )
                    continue
                ok = mean >= thr if bound == "min" else mean <= thr
                rel = ">=" if bound == "min" else "<="
                verdict = "meets" if ok else "misses"
                results.append(
                    GateResult(
                        suite,
                        name,
                        thr,
                        mean,
                        "passed" if ok else "failed",
                        f"{suite}: mean {metric} {mean:.2f} {verdict} the gate {rel} {thr:g}.",
                    )
                )
    return results


def error_rate(stats: dict[str, SuiteStats]) -> float:
    total = sum(s.total for s in stats.values())
    return sum(s.errors for s in stats.values()) / total if total else 0.0
