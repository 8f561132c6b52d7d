"""Integration tests on the real bundled GGUF (SmolLM2-135M-Instruct Q4_1) through llama.cpp."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.backends.base import GenerationParams, LoadOptions
from harness.backends.llama_cpp import LlamaCppBackend
from harness.errors import ConfigError, ContextOverflowError, ModelLoadError
from harness.models import ModelRef, inspect_gguf, resolve_model
from harness.runner import run_case
from harness.suite import load_suite

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]
POKKIT = ROOT / "suites" / "pokkit" / "suite.yaml"
CHAT = [{"role": "system", "content": "You are a frog."}, {"role": "user", "content": "Say hello."}]


@pytest.fixture(scope="module")
def backend() -> Iterator[LlamaCppBackend]:
    b = LlamaCppBackend(resolve_model("default"), LoadOptions(n_ctx=2048, n_threads=1))
    yield b
    b.close()


def test_default_model_loads_and_describes_itself(backend: LlamaCppBackend) -> None:
    d = backend.describe()
    assert (d["architecture"], d["quantization"], d["n_threads"]) == ("llama", "Q4_1", 1)
    assert 130e6 < d["n_params"] < 140e6
    assert d["chat_template"]["source"] == "gguf" and not d["chat_template"]["handles_tools"]


def test_greedy_generation_is_repeatable_across_cache_states(backend: LlamaCppBackend) -> None:
    params = GenerationParams(max_tokens=24)
    first = backend.generate(CHAT, [], params)
    backend.generate([{"role": "user", "content": "Count to five."}], [], params)  # change the KV cache
    again = backend.generate(CHAT, [], params)
    assert first.text == again.text and first.text.strip()
    assert first.completion_tokens == again.completion_tokens <= 24
    assert again.timings["prompt_tokens_evaluated"] < again.prompt_tokens  # the system prefix was reused


def test_pokkit_case_runs_end_to_end(backend: LlamaCppBackend) -> None:
    suite = load_suite(POKKIT)
    case = next(c for c in suite.cases if c.id == "edge_arithmetic_7x8")
    record = run_case(backend, case, GenerationParams(max_tokens=32), suite.version).to_json_dict()
    assert record["outcome"] in ("passed", "failed")
    assert record["prompt_tokens"] > 1000  # the 15 tool schemas are in the system prompt
    assert 0 < record["completion_tokens"] <= case.max_tokens
    assert {c["name"] for c in record["checks"]} >= {"no_tool_call", "contains", "not_empty", "no_repetition"}


def test_context_overflow_is_an_error_record_not_a_crash() -> None:
    small = LlamaCppBackend(resolve_model("default"), LoadOptions(n_ctx=512, n_threads=1))
    try:
        with pytest.raises(ContextOverflowError, match="exceeds n_ctx 512"):
            small.generate([{"role": "user", "content": "hi " * 600}], [], GenerationParams(max_tokens=16))
        suite = load_suite(POKKIT)
        record = run_case(small, suite.cases[0], GenerationParams(max_tokens=16)).to_json_dict()
        assert record["outcome"] == "error" and "raise --n-ctx" in record["error"]
    finally:
        small.close()


def test_truncated_real_gguf_is_refused_before_llama_cpp(tmp_path: Path) -> None:
    src = resolve_model("default").path
    cut = tmp_path / "cut.gguf"
    with src.open("rb") as fh:
        cut.write_bytes(fh.read(20_000_000))
    with pytest.raises(ModelLoadError, match=r"truncated: tensor data needs [\d,]+ bytes but the file has 20,000,000"):
        inspect_gguf(cut)


def test_gguf_without_template_is_refused_unless_named(tmp_path: Path) -> None:
    import gguf

    # Same weights, template key removed: like Gemma-3-270M base, which ships without one.
    src = resolve_model("default").path
    reader = gguf.GGUFReader(src)
    assert "tokenizer.chat_template" in reader.fields
    no_tpl = tmp_path / "no_template.gguf"
    writer = gguf.GGUFWriter(str(no_tpl), arch="llama")
    for f in reader.fields.values():
        if f.name.startswith("GGUF.") or f.name in ("general.architecture", "tokenizer.chat_template"):
            continue
        vtype = f.types[0]
        sub = f.types[-1] if vtype == gguf.GGUFValueType.ARRAY else None
        writer.add_key_value(f.name, f.contents(), vtype, sub_type=sub)
    for t in reader.tensors:
        writer.add_tensor(t.name, t.data, raw_shape=t.data.shape, raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    ref = ModelRef(str(no_tpl), no_tpl, "gguf", "path")
    with pytest.raises(ConfigError, match="has no chat template"):
        LlamaCppBackend(ref, LoadOptions())
    named = LlamaCppBackend(ref, LoadOptions(chat_template="chatml", n_ctx=512))
    try:
        assert named.describe()["chat_template"]["source"] == "builtin:chatml"
        assert named.generate(CHAT, [], GenerationParams(max_tokens=8)).completion_tokens > 0
    finally:
        named.close()


def test_pytest_run_on_the_real_model_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "suites/pokkit",
        "-k",
        "edge_arithmetic_7x8 or edge_gibberish",
        "--model",
        "default",
        "--results",
        str(out),
        "-p",
        "no:cacheprovider",
        "-q",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "gates:" in proc.stdout and "verdict:" in proc.stdout
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert sorted(r["case_id"] for r in records) == ["edge_arithmetic_7x8", "edge_gibberish"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["exit_code"] == proc.returncode
    assert manifest["model"]["model_sha256"] and manifest["timing"]["decode_tokens_per_s"] > 0
    shutil.rmtree(out)


@pytest.mark.parametrize("kind", ["empty", "text", "random", "truncated"])
def test_bad_model_file_through_pytest_exits_2_in_seconds(tmp_path: Path, kind: str) -> None:
    bad = tmp_path / "bad.gguf"
    if kind == "truncated":
        with resolve_model("default").path.open("rb") as fh:
            bad.write_bytes(fh.read(30_000_000))
    else:
        bad.write_bytes({"empty": b"", "text": b"not a model\n", "random": bytes(range(256)) * 64}[kind])
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "suites/pokkit",
        "--model",
        str(bad),
        "--results",
        str(tmp_path / "r"),
        "-p",
        "no:cacheprovider",
        "-q",
    ]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert f"harness: {bad}:" in proc.stdout + proc.stderr


def test_judge_schema_forces_a_valid_verdict_from_a_small_model(backend: LlamaCppBackend) -> None:
    from harness.scorers.judge import VERDICT_SCHEMA, judge_messages, parse_verdict

    msgs = judge_messages("warmth", "5 = warm and kind.", "I'm exhausted today.", "Rest up, you earned it!")
    out = backend.generate(msgs, [], GenerationParams(max_tokens=96, json_schema=VERDICT_SCHEMA))
    assert parse_verdict(out.text) is not None, out.text
