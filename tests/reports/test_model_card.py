"""The model card (``README.md`` of a published repository) is the same text, byte for byte, as the card the
hand-built Python strings of the former ``reports/ci.py`` wrote for the same run: the expected files under
``fixtures/`` were written by that code, before the card moved to ``templates/model_card.md.jinja``.

Two runs cover the branches of the card: a whole run with every field (license and base model from the GGUF,
an ungated suite, a not-evaluated gate, check means, markup and pipes in names, a token in the recorded
command line) and a partial run with the fewest (no license, a base model that is no repo id, no command, no
decoding, sizes and names from the file and its GGUF header).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.gates import gate_config
from reports.card import model_card
from reports.gate import GateVerdict
from tests.run_files import judge_run, typed_manifest

FIXTURES = Path(__file__).parent / "fixtures"
TOKEN = "hf_" + "Q" * 34
SHA = "ab" * 32


def _rec(suite: str, case_id: str, category: str, passed: bool, checks: dict[str, float], error: bool = False) -> dict:
    return {
        "suite": suite,
        "suite_version": "1",
        "category": category,
        "case_id": case_id,
        "outcome": "error" if error else ("passed" if passed else "failed"),
        "passed": passed,
        "error": "model crashed" if error else None,
        "checks": [{"name": n, "passed": v >= 0.5, "reason": "", "value": v} for n, v in checks.items()],
        "nodeid": f"suites/{suite}/suite.yaml::{category}::{case_id}",
    }


RECORDS = [
    _rec("pokkit", "alarm", "tool_call", True, {"no_tool_call": 1.0, "short": 0.75}),
    _rec("pokkit", "alarm2", "tool_call", True, {"no_tool_call": 1.0, "short": 0.5}),
    _rec("pokkit", "hello", "chat", True, {"no_tool_call": 1.0}),
    _rec("pokkit", "bye", "chat", False, {"no_tool_call": 0.0}),
    _rec("pokkit", "odd", "<b>x|y</b>", True, {"no_tool_call": 1.0}),
    _rec("josi", "run1", "talk", True, {"mentions": 1.0}),
    _rec("josi", "run2", "talk", False, {"mentions": 0.0}),
    _rec("josi", "run3", "plan", False, {}, error=True),
]
GATES = {
    "max_error_rate": 0.2,
    "suites": {
        "pokkit": {
            "pass_rate": 0.6,
            "category_pass_rate": {"tool_call": 0.5, "pet": 0.9},
            "check_pass_rate": {"no_tool_call": 0.5},
            "metric_min": {"short": 0.25},
        }
    },
}


def _manifest(records: list[dict[str, Any]]) -> dict[str, Any]:
    by_suite: dict[str, int] = {}
    for r in records:
        by_suite[r["suite"]] = by_suite.get(r["suite"], 0) + 1
    return {
        "status": "complete",
        "harness_version": "0.1.0",
        "started": "2026-01-01T10:00:00+00:00",
        "finished": "2026-01-01T10:01:00+00:00",
        "command": ["pytest", "/home/ci/suites/", "--model", "/models/pokkit.gguf", f"--x={TOKEN}", "~/out"],
        "model": {
            "path": "/models/pokkit.gguf",
            "kind": "gguf",
            "size_bytes": 1_234_567,
            "model_sha256": SHA,
            "backend": "llama.cpp",
            "llama_cpp_python": "0.3.36",
            "model_name": "Tiny <Pokkit> [v2]",
            "quantization": "Q4_K_M",
            "n_ctx": 4096,
        },
        "decoding": {"temperature": 0.0, "seed": 7},
        "suites": {
            name: {"version": "1" if name == "pokkit" else "2.1", "cases_total": n} for name, n in by_suite.items()
        },
        "case_sets": ["default"],
        "cases_selected": len(records),
        "partial": False,
        "gates": GATES,
    }


def _whole(tmp_path: Path) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    meta = {
        "general.license": "apache-2.0",
        "general.base_model.0.repo_url": "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct",
        "_file_type": "MOSTLY_Q4_K_M",
        "_name": "Tiny Pokkit",
    }
    return _manifest(RECORDS), RECORDS, meta, {"repo_id": "frogs/Pokkit-135M", "gguf_name": "pokkit.Q4_K_M.gguf"}


def _partial(tmp_path: Path) -> tuple[dict[str, Any], list[dict[str, Any]], dict[str, Any], dict[str, Any]]:
    records = RECORDS[:4]
    manifest = _manifest(records)
    for key in ("command", "decoding", "harness_version"):
        del manifest[key]
    for key in ("size_bytes", "llama_cpp_python", "model_name", "quantization", "n_ctx"):
        del manifest["model"][key]
    manifest["suites"]["pokkit"]["cases_total"] = 37
    manifest |= {
        "partial": True,
        "selection": {
            "partial": True,
            "case_sets": ["default"],
            "options": {"k": "alarm or hello or bye"},
            "suites": {"pokkit": {"selected": 4, "in_sets": 37}},
        },
    }
    meta = {"_file_type": "F16", "_name": "pokkit | base"}
    call = {"repo_id": "frogs/pokkit", "gguf_name": "my pokkit's.gguf", "base_model": "a base <model> [x]"}
    return manifest, records, meta, call


@pytest.mark.parametrize("variant, build", [("whole", _whole), ("partial", _partial)])
def test_card_text_is_unchanged(variant: str, build: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    manifest, records, meta, call = build(tmp_path)
    model_path = tmp_path / "pokkit.gguf"
    model_path.write_bytes(b"\0" * 2_345_678)  # the card's size when the manifest records none
    config = gate_config(manifest["gates"], (), "gate configuration (manifest)")
    verdict = judge_run(manifest, records, config, allow_partial=True, subject="run runs/x")
    gate_verdict = GateVerdict(
        run_dir=tmp_path / "run",
        manifest=typed_manifest(manifest),
        verdict=verdict,
        config=config,
        gates_source="stored in the manifest",
        model_path=model_path,
        model_sha256=SHA,
    )
    card = model_card(gate_verdict, call.pop("repo_id"), call.pop("gguf_name"), meta, **call)
    assert TOKEN not in card
    assert card == (FIXTURES / f"model_card_{variant}.md").read_text(encoding="utf-8")
