"""The training loop end to end on the real bundled SmolLM2-135M, with tiny settings (2 optimizer steps on CPU).

One loop run (baseline eval, data, contamination check, LoRA training, merge, llama.cpp conversion, Q4_K_M
quantization, eval of the quantized file) is shared by the tests below; it takes about 3 minutes on 2 cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from harness.models import inspect_gguf, resolve_model
from harness.records import results_dicts

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def loop_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("loop") / "run"
    cmd = [
        sys.executable, "-m", "harness", "loop", "--base", "default", "--suite", "pokkit", "--rounds", "1",
        "--examples", "12", "--out", str(out), "--max-steps", "2", "--batch-size", "1", "--grad-accum", "1",
        "--lr", "1e-3", "--warmup", "0", "--torch-threads", "2", "--save-steps", "1000",
        "--eval-arg=-k", "--eval-arg=datetime or edge", "--eval-arg=--limit=1",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, timeout=1200)
    ledger = [json.loads(line) for line in (out / "ledger.jsonl").read_text().splitlines()] if out.exists() else []
    return {"proc": proc, "out": out, "ledger": ledger}


def test_loop_command_finishes_one_round(loop_run: dict[str, Any]) -> None:
    proc = loop_run["proc"]
    assert proc.returncode in (0, 1), proc.stdout[-2000:] + proc.stderr[-3000:]  # 1: gates still fail
    assert "Traceback" not in proc.stderr
    assert [e["round"] for e in loop_run["ledger"]] == [0, 1]
    assert "pass rate per round: 0:" in proc.stdout
    summary = json.loads((loop_run["out"] / "loop.json").read_text())
    assert summary["rounds_run"] == 1 and set(summary["pass_rates"]) == {"0", "1"}


def test_two_cpu_steps_lower_the_loss(loop_run: dict[str, Any]) -> None:
    train = loop_run["ledger"][1]["train"]
    assert (train["backend"], train["device"], train["steps"]) == ("trl", "cpu", 2)
    assert train["loss_after"] < train["loss_before"], train
    assert train["tokens"] > 1000 and train["tokens_per_s"] > 0


def test_data_was_cleaned_and_checked_for_contamination(loop_run: dict[str, Any]) -> None:
    data = loop_run["ledger"][1]["data"]
    assert data["new"] == 12 and data["clean"]["kept"] >= 6
    assert data["contamination_checked"] == data["clean"]["kept"]


def test_export_is_a_quantized_gguf_with_the_base_template(loop_run: dict[str, Any]) -> None:
    export = loop_run["ledger"][1]["export"]
    gguf = Path(export["gguf"])
    info = inspect_gguf(gguf)
    base = inspect_gguf(resolve_model("default").path)  # type: ignore[arg-type]
    assert info.file_type == "Q4_K_M" and info.architecture == "llama"
    assert info.chat_template == base.chat_template
    assert export["sha256"] == loop_run["ledger"][1]["gguf_sha256"]
    modelfile = Path(export["modelfile"]).read_text()
    assert modelfile.startswith(f"FROM ./{gguf.name}") and 'PARAMETER stop "<|im_end|>"' in modelfile
    assert "<tool_call>" in modelfile and "You are Pokkit" in modelfile
    for where in (gguf.parent, Path(loop_run["ledger"][1]["train"]["adapter_dir"])):
        saved = json.loads((where / "train_config.json").read_text())
        assert saved["max_steps"] == 2 and saved["learning_rate"] == 1e-3 and "torch" in saved["versions"]


def test_quantized_model_loads_in_the_harness_and_answers(loop_run: dict[str, Any]) -> None:
    records = results_dicts(Path(loop_run["ledger"][1]["eval"]["results_dir"]))
    assert len(records) == 2 and {r["category"] for r in records} == {"datetime", "edge"}
    assert all(r["outcome"] != "error" for r in records), records
    assert any(r["response"].strip() for r in records)
