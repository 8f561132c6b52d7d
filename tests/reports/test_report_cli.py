"""``python -m harness report`` and ``compare``: files written, the one-line summaries, bad input exits 2."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from harness.cli import main


def test_report_defaults_to_a_folder_in_the_run(run_a: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", str(run_a), "--label", "frog"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[:4] == [
        f"wrote {run_a / 'report' / name}" for name in ("report.html", "report.md", "cases.csv", "junit.xml")
    ]
    assert out[4] == "frog: 4/8 (50%) cases passed [95% CI 22%–78%]; gates: 2 passed, 0 failed, 1 not evaluated"
    assert "<title>Report: frog</title>" in (run_a / "report" / "report.html").read_text()


def test_compare_prints_each_verdict(
    run_a: Path, run_b: Path, make_run: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_c = make_run("c", {"*": "ribbit"})
    assert main(["compare", str(run_a), str(run_b), str(run_c), "--out", str(tmp_path / "cmp")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == f"wrote {tmp_path / 'cmp' / 'report.html'}"
    assert out[4:] == [
        "b.json passes 1 more case than a.json (5 vs 4 of 8); exact McNemar p = 1: not significant at 0.05.",
        "c.json passes 4 more cases than a.json (8 vs 4 of 8); exact McNemar p = 0.12: not significant at 0.05.",
    ]


def test_compare_default_output_under_runs(
    run_a: Path, run_b: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["compare", str(run_a), str(run_b), "--label", "old", "--label", "new"]) == 0
    (out,) = (tmp_path / "runs").glob("compare-*")
    assert "<title>Comparison: old vs new</title>" in (out / "report.html").read_text()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["report", "{tmp}/nope"], "{tmp}/nope: no such run directory"),
        (["compare", "{a}", "{a}", "--label", "x"], "--label given 1 times for 2 runs"),
        (["compare", "{a}"], "compare needs at least two run directories"),
        (["report", "{a}", "--out", "{a}/manifest.json"], "exists and is not a directory"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, run_a: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fill = {"tmp": str(tmp_path), "a": str(run_a)}
    assert main([arg.format(**fill) for arg in argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("harness: ") and message.format(**fill) in err and err.count("\n") == 1
