"""The loop's held-out score, its rescoring of stale rounds, its progress lines, report.md and Ctrl-C, on
stand-ins for evaluation, training and export (tests/train/test_loop_logic.py) and, for rescoring, real runs
the session wrote with the scripted back end (tests/test_rescore.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import train.loop as loop
from harness.cli import build_parser
from harness.errors import ConfigError, TrainingError
from harness.fingerprint import scoring_code_sha256
from harness.suite import load_suite, suite_path
from tests.test_rescore import _session_run
from tests.train.test_loop_logic import Stubs, _eval, _examples
from train.cli import cmd_loop
from train.loop import EvalResult, LoopOptions, heldout_selection, run_loop
from train.loop_report import Paired, Progress, report_text

ROOT = Path(__file__).resolve().parents[2]
STEPS = ["generate data", "clean", "contamination", "train", "export", "evaluate", "held-out"]


@pytest.fixture
def mp(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return monkeypatch


class HeldoutStubs(Stubs):
    """Steering results from the script; each held-out run writes its records (pass/fail per case) so the
    loop can pair base and best, and reports ``sample`` as the hash of the cases it ran."""

    def __init__(self, tmp: Path, evals: list[EvalResult], heldout: list[list[bool]], samples: list[str]) -> None:
        super().__init__(tmp, evals, _examples(3))
        self.heldout, self.samples = list(heldout), list(samples)
        self.calls: list[tuple[Path, list[str]]] = []

    def evaluate(self, model: Any, suite_dir: Path, results_dir: Path, extra: Any = ()) -> EvalResult:
        self.calls.append((results_dir, list(extra)))
        if results_dir.name != "heldout":
            return super().evaluate(model, suite_dir, results_dir, extra)
        outcomes = self.heldout.pop(0)
        results_dir.mkdir(parents=True, exist_ok=True)
        lines = [json.dumps({"suite": "josi", "case_id": f"h{i}", "category": "weather", "passed": ok})
                 for i, ok in enumerate(outcomes)]  # fmt: skip
        (results_dir / "results.jsonl").write_text("\n".join(lines) + "\n")
        passed = sum(outcomes)
        return EvalResult(str(results_dir), 1, passed, len(outcomes), {"weather": [passed, len(outcomes)]},
                          ["josi: held-out gate"], 0, 2.0, scoring_code_sha256(), {}, self.samples.pop(0))  # fmt: skip


def _heldout_opts(tmp: Path, **kw: Any) -> LoopOptions:
    return LoopOptions(out=tmp / "loop", suite="josi", examples=3, heldout="large", heldout_limit=3,
                       eval_args=["--limit=2", "--workers", "1"], **kw)  # fmt: skip


def _ledger(out: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()]


def test_heldout_is_scored_every_round_on_one_sample_and_never_steers(tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    steering = [_eval({"warmth": (1, 4)}), _eval({"warmth": (3, 4)}), _eval({"warmth": (2, 4)})]
    # held-out: round 2 is by far the best; choosing by it would name round 2
    heldout = [[True, True, False, False, False, False], [True, False, True, True, False, False], [True] * 6]
    stubs = HeldoutStubs(tmp_path, steering, heldout, ["s"] * 3)
    stubs.install(mp)
    logged: list[str] = []
    summary = run_loop(_heldout_opts(tmp_path, rounds=2), log=logged.append)
    out = tmp_path / "loop"

    assert summary["best_round"] == 1 and "steering suite josi" in summary["best_chosen_by"]
    assert json.loads((out / "best" / "round.json").read_text())["round"] == 1
    assert stubs.failures_seen == [{"warmth": 0.75}, {"warmth": 0.25}]  # never the held-out "weather"
    assert summary["heldout_pass_rates"] == {0: pytest.approx(2 / 6, abs=1e-4), 1: 0.5, 2: 1.0}
    assert summary["heldout_comparison"] == {
        "base_round": 0, "best_round": 1, "paired": 6, "base_passed": 2, "best_passed": 3, "pass_to_fail": 1,
        "fail_to_pass": 2, "p_value": 1.0, "p_below_0.01": False,
    }  # fmt: skip

    held = [(d, args) for d, args in stubs.calls if d.name == "heldout"]
    assert [d for d, _ in held] == [out / f"round-{n}" / "heldout" for n in range(3)]
    args = held[0][1]
    assert all(a == args for _, a in held)  # the same selection every round
    assert args[:8] == ["--workers", "1", "--case-set", "large", "--limit", "3", "--sample-seed", "0"]
    assert "--limit=2" not in args  # the steering run's sample size is not the held-out one's
    assert args.count("--deselect") == 5 and "suites/josi/suite.yaml::zones::zones_0000" in args
    assert all(a == ["--limit=2", "--workers", "1"] for d, a in stubs.calls if d.name == "eval")

    ledger = _ledger(out)
    assert [e["heldout"]["results_dir"] for e in ledger] == [str(d) for d, _ in held]
    assert [e["eval"]["passed"] for e in ledger] == [1, 3, 2]
    assert list(ledger[1]["steps"]) == STEPS and list(ledger[0]["steps"]) == ["evaluate", "held-out"]
    assert any(line.startswith("  round 1 | train:") and line.endswith("ETA unknown") for line in logged)
    assert any(line.startswith("  round 2 | train:") and ", round ETA " in line for line in logged)
    assert "held-out (quote this): 3/6 (50%)" in next(x for x in logged if x.startswith("round 1: steering"))
    report = (out / "report.md").read_text()
    assert "| held-out (quote this) |" in report and "**Best round: 1**, chosen by the steering suite josi" in report
    assert "exact McNemar p = 1; p < 0.01: no" in report


def test_a_heldout_sample_that_changes_stops_the_loop(tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    stubs = HeldoutStubs(tmp_path, [_eval({"warmth": (1, 4)}), _eval({"warmth": (2, 4)})], [[True], [True]], ["a", "b"])
    stubs.install(mp)
    with pytest.raises(TrainingError, match=r"held-out sample .* is not the one round 0 scored"):
        run_loop(_heldout_opts(tmp_path, rounds=1), log=lambda s: None)
    assert [e["round"] for e in _ledger(tmp_path / "loop")] == [0]
    assert json.loads((tmp_path / "loop" / "loop.json").read_text())["status"] == "failed"


def test_heldout_selection_excludes_the_steering_cases(tmp_path: Path) -> None:
    suite = load_suite(suite_path("josi"))
    opt = LoopOptions(out=tmp_path, suite="josi", heldout="large", heldout_limit=2, heldout_seed=3)
    sel = heldout_selection(opt, suite)
    assert sel["excluded"] == ["josi/readiness_0001", "josi/zones_0000", "josi/zones_0015", "josi/general_0000",
                               "josi/equipment_0056"]  # fmt: skip
    cmd = [sys.executable, "-m", "pytest", "suites/josi", "--co", "-q", "-p", "no:cacheprovider", *sel["args"]]
    collected = [
        line.split("::")[-1]
        for line in subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("suites/josi/suite.yaml::")
    ]
    steering = {c.id for c in suite.cases if c.case_set == "default"}
    assert 25 <= len(collected) <= 30 and not steering & set(collected)  # 15 categories x 2, minus repeats
    assert not {e.split("/")[1] for e in sel["excluded"]} & set(collected)
    with pytest.raises(ConfigError, match="the set the loop steers by"):
        heldout_selection(LoopOptions(out=tmp_path, heldout="default"), suite)
    with pytest.raises(ConfigError, match=r"no such case set .*default, large"):
        heldout_selection(LoopOptions(out=tmp_path, heldout="huge"), suite)


MINI = """
name: mini
version: "1"
cases:
""" + "".join(
    f"  - id: c{i}\n    category: talk\n    prompt: Tell me something, {i}\n    checks:\n      - no_repetition: {{}}\n"
    for i in range(4)
)
GOOD = "Hello! Good to see you. What would you like to work on today?"
LOOP = "🐸 " * 53  # the reply one version of no_repetition passed


def _run(tmp: Path, name: str, replies: list[str]) -> Path:
    suite_dir = tmp / "suites" / "mini"
    if not suite_dir.is_dir():
        suite_dir.mkdir(parents=True)
        (suite_dir / "suite.yaml").write_text(MINI)
    where = tmp / name
    where.mkdir()
    return _session_run(
        where, suite_dir, {f"c{i}": r for i, r in enumerate(replies)}, "suites:\n  mini:\n    pass_rate: 0.75\n"
    )


def _as_old_scorers_judged(run: Path) -> None:
    """Rewrite a run as a harness whose no_repetition passed emoji loops would have written it."""
    records = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    for r in records:
        r.update(outcome="passed", passed=True)
        for check in r["checks"]:
            check.update(passed=True, reason="ok")
    (run / "results.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
    manifest = json.loads((run / "manifest.json").read_text())
    for gate in manifest["gate_results"]:
        gate.update(status="passed", actual=1.0)
    manifest.update(scoring_code_sha256="0" * 64, exit_code=0)
    (run / "manifest.json").write_text(json.dumps(manifest))


def test_resume_rescores_stale_rounds_before_choosing_the_best(tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    runs = [_run(tmp_path, "r0", [GOOD, LOOP, LOOP, LOOP]), _run(tmp_path, "r1", [LOOP] * 4),
            _run(tmp_path, "r2", [GOOD, GOOD, GOOD, LOOP])]  # fmt: skip
    _as_old_scorers_judged(runs[1])
    out = tmp_path / "loop"
    ledger = []
    for n, run in enumerate(runs):
        entry: dict[str, Any] = {"round": n, "seconds": 9.0, "eval": loop.read_eval(run, 3.0).__dict__}
        if n:
            (out / f"round-{n}" / "export").mkdir(parents=True)
            gguf = out / f"round-{n}" / "export" / f"pokkit-round{n}.Q4_K_M.gguf"
            gguf.write_bytes(b"GGUF")
            entry["export"] = {"gguf": str(gguf)}
        ledger.append(entry)
    ledger[1]["heldout"] = dict(ledger[1]["eval"])  # a stale held-out run is re-judged too
    (out / "ledger.jsonl").write_text("".join(json.dumps(e) + "\n" for e in ledger))
    (out / "best").mkdir()
    (out / "best" / "round.json").write_text(json.dumps({"round": 1}))
    # as scored then, round 1 (every reply an emoji loop) passes every case and gate: the best round
    assert max(ledger, key=lambda e: loop._score(EvalResult(**e["eval"])))["round"] == 1

    Stubs(tmp_path, [], _examples(3)).install(mp)
    logged: list[str] = []
    summary = run_loop(LoopOptions(out=out, suite="pokkit", rounds=2, resume=True), log=logged.append)
    assert summary["best_round"] == 2 and summary["status"] == "gates_passed"
    assert summary["rescored_rounds"] == [1] and summary["pass_rates"] == {0: 0.25, 1: 0.0, 2: 0.75}
    assert json.loads((out / "best" / "round.json").read_text())["round"] == 2
    line = "rescored round 1 steering run with today's scorers: 4/4 -> 0/4 passed (4 case(s) changed), gates fail"
    assert line in logged

    again = _ledger(out)
    round1 = again[1]
    assert round1["eval"]["results_dir"] == str(out / "round-1" / "eval-rescored")
    assert round1["heldout"]["results_dir"] == str(out / "round-1" / "heldout-rescored")
    note = round1["rescored"]["eval"]
    assert note["scoring_code_sha256_before"] == "0" * 64 and note["scoring_code_sha256_after"] == scoring_code_sha256()
    assert note["from"] == str(runs[1]) and note["original"]["passed"] == 4 and note["changed_cases"] == 4
    assert "rescored" not in again[0] and "rescored" not in again[2]
    assert "Round(s) 1 were re-judged" in (out / "report.md").read_text()

    logged.clear()  # resumed again: nothing is stale any more
    assert run_loop(LoopOptions(out=out, suite="pokkit", rounds=2, resume=True), log=logged.append)["best_round"] == 2
    assert not any("rescored" in line for line in logged)


class CrashingStubs(Stubs):
    """Training of round ``crash_at`` is stopped by Ctrl-C, as finetune reports it (a TrainingError)."""

    crash_at = 2

    def finetune(self, data: list[Any], base: Any, out: Path, cfg: Any, **kw: Any) -> Any:
        if len(self.trained_on) + 1 == self.crash_at:
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                raise TrainingError("training interrupted; continue with --resume") from None
        return super().finetune(data, base, out, cfg, **kw)


def test_ctrl_c_mid_round_keeps_the_finished_rounds_and_says_interrupted(
    tmp_path: Path, mp: pytest.MonkeyPatch
) -> None:
    stubs = CrashingStubs(tmp_path, [_eval({"warmth": (1, 4)}), _eval({"warmth": (2, 4)})], _examples(3))
    stubs.install(mp)
    logged: list[str] = []
    with pytest.raises(TrainingError):
        run_loop(LoopOptions(out=tmp_path / "loop", examples=3, rounds=3), log=logged.append)
    out = tmp_path / "loop"
    state = json.loads((out / "loop.json").read_text())
    assert state["status"] == "interrupted" and state["rounds_in_ledger"] == [0, 1]
    assert [e["round"] for e in _ledger(out)] == [0, 1]
    assert logged[-1].startswith("interrupted: the ledger holds round(s) 0, 1; continue with --resume")
    assert "| 1 | 3 / 3 |" in (out / "report.md").read_text()

    again = Stubs(tmp_path, [_eval({"warmth": (3, 4)}), _eval({"warmth": (4, 4)}, gates_ok=True)], _examples(3))
    again.install(mp)
    summary = run_loop(LoopOptions(out=out, examples=3, rounds=3, resume=True), log=lambda s: None)
    assert summary["status"] == "gates_passed" and [e["round"] for e in _ledger(out)] == [0, 1, 2, 3]


def test_progress_lines_give_each_step_and_the_round_eta() -> None:
    now = [0.0]
    lines: list[str] = []
    progress = Progress(2, {"train": 100.0, "evaluate": 20.0}, lines.append, clock=lambda: now[0])
    with progress.step("train"):
        now[0] += 90
    with progress.step("evaluate"):
        now[0] += 25
    assert lines == ["  round 2 | train: 1m 30s | round so far 1m 30s, round ETA 20s",
                     "  round 2 | evaluate: 25s | round so far 1m 55s, round ETA 0s"]  # fmt: skip
    assert progress.times == {"train": 90.0, "evaluate": 25.0}
    first = Progress(1, None, lines.append, clock=lambda: now[0])
    with first.step("train"):
        pass
    assert lines[-1].endswith("ETA unknown")


def _ev(passed: int, total: int, gates: dict[str, str] | None = None) -> dict[str, Any]:
    return EvalResult("d", 1, passed, total, {}, [], 0, 60.0, None, gates).__dict__


def test_report_has_a_row_per_round_with_every_column() -> None:
    gates0 = {"josi pass_rate": "failed", "josi category:warmth": "failed"}
    gates1 = {"josi pass_rate": "passed", "josi category:warmth": "failed"}
    ledger = [
        {"round": 0, "eval": _ev(9, 50, gates0), "heldout": _ev(10, 100)},
        {"round": 1, "seconds": 400.0, "data": {"new": 17, "cumulative": 17}, "eval": _ev(22, 50, gates1),
         "train": {"tokens_per_s": 129.0, "loss_before": 2.5, "loss_after": 1.25}, "heldout": _ev(40, 100)},
    ]  # fmt: skip
    heldout = {"suite": "josi", "case_set": "large", "limit": 10, "sample_seed": 0, "excluded": ["josi/zones_0000"]}
    text = report_text(ledger, 1, "josi", heldout, Paired(0, 1, 100, 10, 40, 0, 30), "budget_exhausted")
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert rows[0] == (
        "| round | examples new / cumulative | train tokens/s | loss before → after | gate josi pass_rate | "
        "gate josi category:warmth | steering pass rate (josi) | held-out (quote this) | wall time |"
    )
    assert rows[2] == "| 0 | – | – | – | FAIL | FAIL | 9/50 (18%) | 10/100 (10%) | 2m 00s |"
    assert rows[3] == "| 1 | 17 / 17 | 129 | 2.5 → 1.25 | pass | FAIL | 22/50 (44%) | 40/100 (40%) | 6m 40s |"
    assert "**Best round: 1**, chosen by the steering suite josi" in text
    assert "case set large of josi, at most 10 cases per category, sample seed 0; 1 case(s)" in text
    assert "10 -> 40 passed (30 fail->pass, 0 pass->fail); exact McNemar p = 1.9e-09; p < 0.01: yes" in text


def test_loop_command_passes_the_heldout_flags_and_answers_ctrl_c(
    mp: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[LoopOptions] = []

    def fake(opts: LoopOptions, log: Any) -> dict[str, Any]:
        seen.append(opts)
        raise KeyboardInterrupt

    mp.setattr(loop, "run_loop", fake)
    args = build_parser().parse_args(["loop", "--suite", "josi", "--heldout", "large", "--heldout-limit", "10",
                                      "--heldout-seed", "4", "--out", "x"])  # fmt: skip
    assert cmd_loop(args) == 130 and "--resume --out x" in capsys.readouterr().out
    assert (seen[0].heldout, seen[0].heldout_limit, seen[0].heldout_seed) == ("large", 10, 4)
    assert loop._options_dict(seen[0])["heldout_limit"] == 10
    words = subprocess.run([sys.executable, "-m", "harness", "loop", "--help"], cwd=ROOT, capture_output=True,
                               text=True, check=True).stdout.split()  # fmt: skip
    help_text = " ".join(words)
    assert "--heldout SET" in help_text and "--heldout-limit N" in help_text and "never steered by" in help_text
