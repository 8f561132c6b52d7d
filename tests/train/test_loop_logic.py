"""The loop's logic on stand-ins for evaluation, training and export (seconds, not minutes): weights shift
toward failures, the ledger records every round, the best round is kept, regressions are reported, gates stop
the loop, contaminated data stops it loudly, and --resume carries on from the ledger."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import train.export
import train.finetune
import train.generators
import train.loop as loop
from harness.errors import ConfigError, ContaminationError
from harness.fingerprint import scoring_code_sha256
from train.finetune import BaseModel, TrainResult
from train.loop import EvalResult, LoopOptions, regressions, run_loop, shifted_weights


def _eval(by_category: dict[str, tuple[int, int]], gates_ok: bool = False, scorer: str | None = None) -> EvalResult:
    passed = sum(p for p, _ in by_category.values())
    total = sum(n for _, n in by_category.values())
    return EvalResult("dir", 0 if gates_ok else 1, passed, total, {k: list(v) for k, v in by_category.items()},
                      [] if gates_ok else ["pokkit: overall pass rate is below the gate."], 0, 1.0,
                      scorer or scoring_code_sha256())  # fmt: skip


def test_shifted_weights_favour_failing_targets() -> None:
    base = {"alarms": 1.0, "chat": 1.0, "pet": 2.0}
    targets = {"alarms": ["datetime"], "chat": ["voice"], "pet": ["pet", "unknown"]}
    out = shifted_weights(base, targets, {"datetime": 1.0, "voice": 0.0, "pet": 0.5}, boost=3)
    assert out == {"alarms": 4.0, "chat": 1.0, "pet": 5.0}
    assert shifted_weights(base, targets, {}, boost=3) == base  # nothing evaluated: unchanged


def test_regressions_name_categories_that_dropped() -> None:
    before = _eval({"edge": (4, 4), "datetime": (2, 4), "pet": (1, 3)})
    after = _eval({"edge": (3, 4), "datetime": (1, 4), "pet": (1, 3)})
    assert regressions(before, after) == ["edge: 100% -> 75%", "datetime: 50% -> 25%"]


class Stubs:
    """Evaluation answers from a script; training and export write small files and record calls."""

    def __init__(self, tmp: Path, evals: list[EvalResult], examples: list[dict[str, Any]]) -> None:
        self.evals, self.examples, self.tmp = list(evals), examples, tmp
        self.trained_on: list[int] = []
        self.failures_seen: list[dict[str, float]] = []
        self.resumed: list[bool] = []
        self.crash = False

    def install(self, mp: pytest.MonkeyPatch) -> None:
        gguf = self.tmp / "base.gguf"
        gguf.write_bytes(b"GGUF")
        mp.setattr(train.finetune, "resolve_base", lambda spec: BaseModel(spec, gguf, "gguf", "T", "basehash"))
        mp.setattr(loop, "evaluate", self.evaluate)
        mp.setattr(loop, "data_source", self.data_source)
        mp.setattr(train.finetune, "finetune", self.finetune)
        mp.setattr(train.export, "export", self.export)

    def evaluate(self, model: Any, suite_dir: Path, results_dir: Path, extra: Any = ()) -> EvalResult:
        return self.evals.pop(0)

    def data_source(self, suite: str, boost: float) -> Any:
        def make(n: int, seed: int, failures: dict[str, float]) -> list[dict[str, Any]]:
            self.failures_seen.append(failures)
            return [json.loads(json.dumps(e)) for e in self.examples[:n]]

        return make, lambda: {"source": "stub"}

    def finetune(self, data: list[Any], base: Any, out: Path, cfg: Any, **kw: Any) -> Any:
        self.trained_on.append(len(data))
        self.resumed.append(kw.get("resume", False))
        if self.crash:
            raise KeyboardInterrupt  # killed mid-training
        res = TrainResult(out / "adapter", "trl", "cpu", len(data), 2, 100, 1.0, 100.0, 2.0, 1.5, 1.8)
        return res, object(), object()

    def export(self, model: Any, tok: Any, base: Any, out: Path, cfg: Any, **kw: Any) -> Any:
        out.mkdir(parents=True, exist_ok=True)
        gguf = out / f"{kw.get('name', 'model')}.Q4_K_M.gguf"
        gguf.write_bytes(b"GGUF" + str(out).encode())
        (out / "Modelfile").write_text("FROM ./x")
        sha = "sha-" + out.parent.name
        size = gguf.stat().st_size
        return train.export.ExportResult(str(out), str(gguf), "Q4_K_M", size, sha, str(out / "Modelfile"), 0.1)


def _examples(n: int, prefix: str = "wake me at") -> list[dict[str, Any]]:
    return [
        {"category": "alarms", "messages": [{"role": "user", "content": f"{prefix} {i} past nine"},
                                            {"role": "assistant", "content": "ribbit"}]}
        for i in range(n)
    ]  # fmt: skip


def _opts(tmp: Path, **kw: Any) -> LoopOptions:
    return LoopOptions(out=tmp / "loop", suite="pokkit", examples=3, **kw)


def test_loop_keeps_best_round_reports_regressions_and_stops_on_gates(tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    evals = [
        _eval({"datetime": (0, 4), "edge": (2, 2)}),  # baseline
        _eval({"datetime": (2, 4), "edge": (1, 2)}),  # round 1: better overall, edge regressed
        _eval({"datetime": (4, 4), "edge": (2, 2)}, gates_ok=True),  # round 2: gates pass -> stop
    ]
    stubs = Stubs(tmp_path, evals, _examples(3))
    stubs.install(mp)
    summary = run_loop(_opts(tmp_path, rounds=5), log=lambda s: None)
    ledger = [json.loads(line) for line in (tmp_path / "loop" / "ledger.jsonl").read_text().splitlines()]
    assert [e["round"] for e in ledger] == [0, 1, 2]
    assert ledger[1]["regressions"] == ["edge: 100% -> 50%"]
    assert ledger[1]["train"]["loss_after"] == 1.5 and ledger[1]["gguf_sha256"] == "sha-round-1"
    assert stubs.failures_seen[0] == {"datetime": 1.0, "edge": 0.0}  # round 1 aims at what failed at baseline
    assert stubs.trained_on == [3, 3]  # round 2's new data duplicates round 1's: deduplicated by cleaning
    assert summary["status"] == "gates_passed" and summary["best_round"] == 2
    assert summary["pass_rates"] == {0: pytest.approx(2 / 6, abs=1e-4), 1: 0.5, 2: 1.0}
    best = tmp_path / "loop" / "best"
    assert (best / "pokkit-round2.Q4_K_M.gguf").is_file() and (best / "Modelfile").is_file()
    assert json.loads((tmp_path / "loop" / "loop.json").read_text())["best_round"] == 2


def test_loop_stops_when_rounds_run_out_and_keeps_baseline_if_nothing_beats_it(
    tmp_path: Path, mp: pytest.MonkeyPatch
) -> None:
    stubs = Stubs(tmp_path, [_eval({"datetime": (2, 4)}), _eval({"datetime": (1, 4)})], _examples(3))
    stubs.install(mp)
    summary = run_loop(_opts(tmp_path, rounds=1), log=lambda s: None)
    assert summary["status"] == "budget_exhausted" and summary["best_round"] == 0
    assert summary["best_model"].endswith("base.gguf") and not (tmp_path / "loop" / "best").exists()


def test_contaminated_round_fails_loudly_before_training(tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    turns = [
        {"role": "user", "content": "Look up the weather in Paris for me."},
        {"role": "assistant", "content": "ok"},
    ]
    planted = [*_examples(2), {"category": "alarms", "messages": turns}]
    stubs = Stubs(tmp_path, [_eval({"tool_call": (0, 7)})], planted)
    stubs.install(mp)
    with pytest.raises(ContaminationError, match="pokkit/tool_web_search_paris_weather"):
        run_loop(_opts(tmp_path, rounds=2), log=lambda s: None)
    assert stubs.trained_on == []


def test_resume_continues_from_the_ledger_and_refuses_to_overwrite(tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    stubs = Stubs(tmp_path, [_eval({"datetime": (0, 4)}), _eval({"datetime": (1, 4)})], _examples(3))
    stubs.install(mp)
    run_loop(_opts(tmp_path, rounds=1), log=lambda s: None)
    with pytest.raises(ConfigError, match="--resume"):
        run_loop(_opts(tmp_path, rounds=2), log=lambda s: None)
    ledger = tmp_path / "loop" / "ledger.jsonl"
    ledger.write_text(ledger.read_text() + '{"round": 2, "cut by a cra')  # a crash mid-write
    more = Stubs(tmp_path, [_eval({"datetime": (3, 4)})], _examples(6, "ping me at"))
    more.install(mp)
    summary = run_loop(_opts(tmp_path, rounds=2, resume=True), log=lambda s: None)
    assert summary["rounds_run"] == 2 and summary["best_round"] == 2
    assert more.trained_on == [6]  # round 1's 3 examples plus 3 new, deduplicated
    assert [json.loads(x)["round"] for x in ledger.read_text().splitlines() if x.startswith('{"round": 2, "f')] == [2]


def test_a_round_cut_by_a_crash_is_trained_again_with_resume(tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    """The loop asks finetune to resume the cut round; finetune resumes only checkpoints of the same data
    (tests/train/test_export_helpers.py::test_checkpoints_resume_only_on_the_same_data)."""
    stubs = Stubs(tmp_path, [_eval({"datetime": (0, 4)})], _examples(3))
    stubs.crash = True
    stubs.install(mp)
    with pytest.raises(KeyboardInterrupt):
        run_loop(_opts(tmp_path, rounds=1), log=lambda s: None)
    assert stubs.resumed == [False]
    again = Stubs(tmp_path, [_eval({"datetime": (1, 4)})], _examples(3))
    again.install(mp)
    assert run_loop(_opts(tmp_path, rounds=1, resume=True), log=lambda s: None)["rounds_run"] == 1
    assert again.resumed == [True] and again.trained_on == [3]


def test_loop_refuses_suites_without_training_data_and_non_gguf_bases(tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigError, match="--suite persona: the loop has training data for pokkit"):
        run_loop(LoopOptions(out=tmp_path / "loop", suite="persona"), log=lambda s: None)
    hf_dir = tmp_path / "hf"
    hf_dir.mkdir()
    (hf_dir / "config.json").write_text("{}")
    (hf_dir / "chat_template.jinja").write_text("{{ messages }}")
    with pytest.raises(ConfigError, match="runs GGUF files"):
        run_loop(LoopOptions(out=tmp_path / "loop2", base=str(hf_dir)), log=lambda s: None)


def test_resume_cautions_when_a_stale_round_cannot_be_rescored(tmp_path: Path, mp: pytest.MonkeyPatch) -> None:
    """A round scored by other scorer code whose stored replies are gone is compared as it was scored, with a
    caution (a stale round with its replies is re-judged: tests/train/test_loop_heldout.py)."""
    stubs = Stubs(tmp_path, [_eval({"datetime": (0, 4)}, scorer="0" * 64), _eval({"datetime": (1, 4)})], _examples(3))
    stubs.install(mp)
    logged: list[str] = []
    run_loop(_opts(tmp_path, rounds=1), log=logged.append)
    assert not any(line.startswith("caution") for line in logged)  # a fresh loop: round 0 is in the ledger later
    again = Stubs(tmp_path, [_eval({"datetime": (2, 4)})], _examples(3, "ping me at"))
    again.install(mp)
    run_loop(_opts(tmp_path, rounds=2, resume=True), log=logged.append)
    (caution,) = [line for line in logged if line.startswith("caution")]
    assert caution.startswith("caution: round 0 steering run was scored by other scorer code and its replies (dir)")


@pytest.fixture
def mp(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    return monkeypatch


def test_josi_data_source_shifts_generators_toward_failing_categories_and_keeps_the_gold() -> None:
    make, describe = loop.data_source("josi", boost=9.0)
    examples = make(400, 0, {"unrealistic_goals": 1.0})
    gold = [e for e in examples if e["generator"] == "josi_gold"]
    generated = [e for e in examples if e["generator"] != "josi_gold"]
    assert len(gold) == 30 and len(generated) == 400
    pushback = sum(e["generator"] == "josi_pushback" for e in generated) / len(generated)
    calm = [e for e in make(400, 0, {}) if e["generator"] != "josi_gold"]
    calm_pushback = sum(e["generator"] == "josi_pushback" for e in calm) / len(calm)
    assert pushback > 2 * calm_pushback  # weight x10 on the generator that trains unrealistic_goals
    assert all(e["messages"][0]["role"] == "system" and e["persona"] == "josi" for e in examples)
    described = describe()
    assert described["source"] == "josi generators + gold" and described["gold"] == 30
    assert set(described["weights"]) == set(train.generators.generators("josi"))


def test_pokkit_data_source_records_the_shifted_weights() -> None:
    make, describe = loop.data_source("pokkit", boost=3.0)
    examples = make(50, 1, {"datetime": 1.0})
    assert len(examples) == 50
    weights = describe()["weights"]
    assert weights["alarm"] == pytest.approx(4 * train.generators.generators()["alarm"].weight)
