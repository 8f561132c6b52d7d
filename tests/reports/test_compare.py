"""The paired diff on scripted runs with known flips, and the verdict sentence."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.errors import ConfigError
from reports.compare import compare_runs, format_p
from reports.load import load_run
from reports.render import write_comparison

MakeRun = Callable[..., Path]
ALL = [f"c{n}" for n in range(1, 9)]


def test_flips_both_ways_with_responses_and_reasons(run_a: Path, run_b: Path) -> None:
    (pair,) = compare_runs([load_run(run_a), load_run(run_b)]).pairs
    assert [f.case_id for f in pair.pass_to_fail] == ["c1"]
    assert [f.case_id for f in pair.fail_to_pass] == ["c5", "c6"]
    assert (pair.paired, pair.passed_a, pair.passed_b) == (8, 4, 5)
    assert pair.only_a == [] and pair.only_b == []
    regression = pair.pass_to_fail[0]
    assert (regression.response_a, regression.response_b) == ("ribbit", "croak")
    assert regression.reason == "contains: contains none of 'ribbit'"  # B's failing check
    assert regression.failing_response == "croak"
    improvement = pair.fail_to_pass[1]
    assert improvement.category == "facts" and improvement.response_b == "ribbit ribbit"
    assert improvement.reason == "contains: contains none of 'ribbit'"  # A's failing check
    assert improvement.failing_response == "croak"
    assert pair.p_value == 1.0  # b=1, c=2: 2 * (1 + 3) / 8, capped
    assert pair.verdict == (
        "b.json passes 1 more case than a.json (5 vs 4 of 8); exact McNemar p = 1: not significant at 0.05"
    )


def test_significant_and_negative_verdicts(make_run: MakeRun) -> None:
    bad = load_run(make_run("bad", {"*": "croak"}))
    good = load_run(make_run("good", {"*": "ribbit"}))
    (better,) = compare_runs([bad, good]).pairs
    assert better.verdict == (
        "good.json passes 8 more cases than bad.json (8 vs 0 of 8); exact McNemar p = 0.0078: unlikely to be chance"
    )
    (worse,) = compare_runs([good, bad]).pairs
    assert worse.verdict.startswith("bad.json passes 8 fewer cases than good.json (0 vs 8 of 8)")
    (same,) = compare_runs([good, load_run(make_run("again", {"*": "ribbit!"}))]).pairs
    assert same.flips == [] and same.verdict == (
        "again.json and good.json pass the same number of cases (8 of 8); exact McNemar p = 1: not significant at 0.05"
    )


def test_cases_in_only_one_run_are_listed_not_paired(run_a: Path, make_run: MakeRun) -> None:
    partial = load_run(make_run("partial", {"*": "croak"}, only={"c1", "c2", "c7"}))
    (pair,) = compare_runs([load_run(run_a), partial]).pairs
    assert pair.only_a == [("mini", c) for c in ALL if c not in {"c1", "c2", "c7"}]
    assert pair.only_b == []
    assert pair.paired == 3 and [f.case_id for f in pair.pass_to_fail] == ["c1", "c2"]
    (reverse,) = compare_runs([partial, load_run(run_a)]).pairs
    assert reverse.only_a == [] and reverse.only_b == pair.only_a


def test_three_runs_compare_each_with_the_baseline(run_a: Path, run_b: Path, make_run: MakeRun) -> None:
    c = load_run(make_run("c", {"*": "ribbit"}))
    comparison = compare_runs([load_run(run_a), load_run(run_b), c])
    assert [(p.a, p.b) for p in comparison.pairs] == [("a.json", "b.json"), ("a.json", "c.json")]
    assert len(comparison.pairs[1].fail_to_pass) == 4


def test_colliding_labels_are_told_apart(run_a: Path, run_b: Path) -> None:
    runs = compare_runs([load_run(run_a, label="frog"), load_run(run_b, label="frog")]).runs
    assert [r.label for r in runs] == ["frog (a)", "frog (b)"]


def test_one_run_is_not_a_comparison(run_a: Path) -> None:
    with pytest.raises(ConfigError, match="at least two"):
        compare_runs([load_run(run_a)])


@pytest.mark.parametrize(("p", "text"), [(0.016, "0.016"), (0.4512, "0.45"), (1.0, "1"), (0.0004, "< 0.001")])
def test_format_p(p: float, text: str) -> None:
    assert format_p(p) == text


def _edit_manifest(run: Path, **changes: object) -> None:
    manifest = json.loads((run / "manifest.json").read_text())
    for key, value in changes.items():
        if value is None:
            manifest.pop(key, None)
        else:
            manifest[key] = value
    (run / "manifest.json").write_text(json.dumps(manifest))


def test_runs_scored_by_the_same_code_carry_no_caveat(run_a: Path, run_b: Path) -> None:
    manifest = json.loads((run_a / "manifest.json").read_text())
    assert len(manifest["scoring_code_sha256"]) == 64 and len(manifest["suites"]["mini"]["sha256"]) == 64
    (pair,) = compare_runs([load_run(run_a), load_run(run_b)]).pairs
    assert pair.caveats == ()


def test_different_scorer_code_or_suite_files_are_called_out(run_a: Path, run_b: Path, tmp_path: Path) -> None:
    _edit_manifest(run_b, scoring_code_sha256="f" * 64)
    (pair,) = compare_runs([load_run(run_a), load_run(run_b)]).pairs
    (caveat,) = pair.caveats
    assert caveat.startswith("a.json and b.json were scored by different scorer code (") and "ffffffffffff" in caveat
    out = tmp_path / "cmp"
    write_comparison(compare_runs([load_run(run_a), load_run(run_b)]), out)
    assert f"Caution: {caveat}." in (out / "report.md").read_text()
    assert "Caution: a.json and b.json were scored by different scorer code" in (out / "report.html").read_text()


def test_a_changed_suite_and_an_older_manifest_are_called_out(make_run: MakeRun, tmp_path: Path) -> None:
    first = make_run("first", {"*": "ribbit"})
    suite_file = tmp_path / "suites" / "mini" / "suite.yaml"
    suite_file.write_text(suite_file.read_text().replace("max_words: 6", "max_words: 5"))
    second = make_run("second", {"*": "ribbit"})
    (pair,) = compare_runs([load_run(first), load_run(second)]).pairs
    assert [c.split(" (")[0] for c in pair.caveats] == ["suite mini changed between the runs"]
    _edit_manifest(first, scoring_code_sha256=None)
    (pair,) = compare_runs([load_run(first), load_run(second)]).pairs
    assert pair.caveats[0].startswith("first.json: no scorer fingerprint in the manifest")
