from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.gates import apply_overrides, error_rate, evaluate_gates, load_gates
from tests.run_files import suite_stats


def _rec(suite: str, category: str, passed: bool, outcome: str | None = None, checks: list | None = None) -> dict:
    return {
        "suite": suite,
        "category": category,
        "passed": passed,
        "outcome": outcome or ("passed" if passed else "failed"),
        "checks": checks or [],
    }


def test_stats_count_categories_checks_and_means() -> None:
    recs = [
        _rec("s", "a", True, checks=[{"name": "short", "passed": True, "value": 10}]),
        _rec("s", "a", False, checks=[{"name": "short", "passed": False, "value": 90}]),
        _rec("s", "b", False, outcome="error"),
    ]
    st = suite_stats(recs)["s"]
    assert (st.total, st.passed, st.errors) == (3, 1, 1)
    assert st.by_category == {"a": (1, 2), "b": (0, 1)}
    assert st.by_check == {"short": (1, 2)}
    assert st.metric_means == {"short": 50.0}
    assert error_rate({"s": st}) == pytest.approx(1 / 3)


def test_gates_pass_fail_and_not_evaluated(tmp_path: Path) -> None:
    f = tmp_path / "gates.yaml"
    f.write_text(
        "suites:\n  s:\n    pass_rate: 0.5\n    category_pass_rate: {a: 1.0, missing: 0.5}\n"
        "    metric_max: {short: 60}\n"
    )
    cfg = load_gates(f)
    recs = [
        _rec("s", "a", True, checks=[{"name": "short", "passed": True, "value": 40}]),
        _rec("s", "a", False, checks=[{"name": "short", "passed": True, "value": 100}]),
    ]
    res = {g.gate: g for g in evaluate_gates(cfg, suite_stats(recs))}
    assert res["pass_rate"].status == "passed"  # 50% >= 50%
    assert res["category_pass_rate.a"].status == "failed"
    assert "50% (1/2) is below the 100% gate" in res["category_pass_rate.a"].sentence
    assert res["category_pass_rate.missing"].status == "not_evaluated"
    assert res["metric_max.short"].status == "failed"  # mean (40 + 100) / 2 = 70 > 60
    assert res["metric_max.short"].actual == 70


def test_metric_max_gate_fails_when_mean_is_above(tmp_path: Path) -> None:
    cfg = load_gates(None, ["s.metric_max.short=60"])
    recs = [_rec("s", "a", True, checks=[{"name": "short", "passed": True, "value": v}]) for v in (40, 100)]
    (g,) = evaluate_gates(cfg, suite_stats(recs))
    assert g.status == "failed" and g.actual == 70
    assert "mean short 70.00 misses the gate <= 60" in g.sentence


def test_overrides_merge_into_file_values() -> None:
    data = apply_overrides(
        {"suites": {"s": {"pass_rate": 0.5}}},
        ["s.pass_rate=0.9", "s.category_pass_rate.a=1", "max_error_rate=0.3"],
    )
    assert data == {"max_error_rate": 0.3, "suites": {"s": {"pass_rate": 0.9, "category_pass_rate": {"a": 1.0}}}}


@pytest.mark.parametrize(
    "override, message",
    [
        ("s.pass_rate", "expected KEY=VALUE"),
        ("s.pass_rate=high", "not a number"),
        ("s.a.b.c=1", "expected SUITE.pass_rate"),
        ("s.pass_rate=1.5", "less than or equal to 1"),
        ("s.bogus=1", "Extra inputs are not permitted"),
    ],
)
def test_bad_overrides_are_config_errors(override: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_gates(None, [override])


def test_gate_file_rejects_unknown_keys_and_duplicates(tmp_path: Path) -> None:
    f = tmp_path / "g.yaml"
    f.write_text("suite:\n  s: {}\n")
    with pytest.raises(ConfigError, match="unknown top-level keys"):
        load_gates(f)
    f.write_text("suites:\n  s: {pass_rate: 0.5}\n  s: {pass_rate: 0.6}\n")
    with pytest.raises(ConfigError, match="duplicate key 's'"):
        load_gates(f)


def test_repo_gate_file_is_valid() -> None:
    cfg = load_gates(Path(__file__).parents[1] / "suites" / "gates.yaml")
    assert cfg.suites["pokkit"].pass_rate is not None


@pytest.mark.parametrize(
    "override, message",
    [
        ("s.pass_rate=nan", "suites.s.pass_rate: expected a finite number, got nan"),
        ("s.pass_rate=inf", "expected a finite number, got inf"),
        ("max_error_rate=-inf", "max_error_rate: expected a finite number, got -inf"),
        ("max_error_rate=-0.1", "max_error_rate: Input should be greater than or equal to 0"),
        ("s.category_pass_rate.a=-1", "suites.s.category_pass_rate.a: Input should be greater than or equal to 0"),
        ("s.category_pass_rate.a=1.01", "suites.s.category_pass_rate.a: Input should be less than or equal to 1"),
        ("s.check_pass_rate.c=2", "suites.s.check_pass_rate.c: Input should be less than or equal to 1"),
        ("s.metric_min.warmth=-3", "suites.s.metric_min.warmth: Input should be greater than or equal to 0"),
        ("s.metric_max.short=nan", "suites.s.metric_max.short: expected a finite number, got nan"),
        ("s.metric_max.short=1e999", "expected a finite number, got inf"),
    ],
)
def test_nan_inf_and_negative_gate_values_are_refused(override: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        load_gates(None, [override])
    assert message in str(exc.value)
    assert "gate values are finite numbers >= 0, and pass rates and max_error_rate at most 1" in str(exc.value)


@pytest.mark.parametrize(
    "text, message",
    [
        ("suites:\n  s: {pass_rate: .nan}\n", "suites.s.pass_rate: expected a finite number, got nan"),
        ("suites:\n  s: {metric_min: {warmth: -.inf}}\n", "expected a finite number, got -inf"),
        ("suites:\n  s: {metric_min: {warmth: -1}}\n", "greater than or equal to 0"),
        ("suites:\n  s: {pass_rate: true}\n", "suites.s.pass_rate: expected a number, got True"),
        ("max_error_rate: .inf\n", "max_error_rate: expected a finite number, got inf"),
    ],
)
def test_gate_file_values_are_refused_the_same_way(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "gates.yaml"
    f.write_text(text)
    with pytest.raises(ConfigError, match=message.replace(".", r"\.")):
        load_gates(f)


def test_parse_override() -> None:
    from harness.gates import parse_override

    o = parse_override("pokkit.category_pass_rate.tool_call=0.5")
    assert (o.suite, o.table, o.name, o.value) == ("pokkit", "category_pass_rate", "tool_call", 0.5)
    assert parse_override("max_error_rate=0.2").suite is None
    with pytest.raises(ConfigError, match=r"expected SUITE\.pass_rate"):
        parse_override("pokkit..x=1")
