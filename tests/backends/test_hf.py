"""The hf back end (--model hf:DIR, --adapter DIR): transformers on a Hugging Face folder, safetensors only.

Fast tests: what is refused before anything loads (no chat template, pickled weights, a bad adapter folder, a
missing library). Integration tests (``-m integration``) run a real checkpoint: the bundled GGUF dequantised
into a Hugging Face folder (cached in the harness cache by ``train.finetune.hf_directory``: about 20 s the first
time, then reused), a LoRA adapter made on it with PEFT, and that adapter merged into a second folder.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import subprocess
import sys
import time
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.backends.base import KINDS, GenerationParams, LoadOptions, open_backend
from harness.backends.hf import check_adapter, folder_chat_template
from harness.errors import ContextOverflowError, ModelLoadError
from harness.models import folder_sha256s, model_sha256, resolve_model

ROOT = Path(__file__).parents[2]
INSTALL = "pip install 'smallmodel-harness\\[hf\\]'"
TEMPLATE = "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"


def _folder(root: Path, **files: str | bytes) -> Path:
    """A folder that resolve_model takes for a Hugging Face model (config.json + a .safetensors)."""
    root.mkdir(parents=True, exist_ok=True)
    files = {"config.json": '{"model_type": "llama"}', "model.safetensors": b"w" * 10, **files}
    for name, data in files.items():
        path = root / name
        path.write_bytes(data) if isinstance(data, bytes) else path.write_text(data)
    return root


def _open(folder: Path, **options: Any) -> Any:
    return open_backend(resolve_model(f"hf:{folder}"), LoadOptions(**options))


def test_hf_is_registered_in_process_with_its_install_hint() -> None:
    kind = KINDS.get("hf")
    assert kind.in_process and kind.install == "pip install 'smallmodel-harness[hf]'"


def test_a_folder_without_a_chat_template_is_refused_with_the_fix(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "m", **{"tokenizer_config.json": '{"eos_token": "</s>"}'})
    fix = r"no chat template .*; pass --chat-template NAME\|PATH \(built-in: .*chatml"
    with pytest.raises(ModelLoadError, match=fix):
        _open(folder)


def test_the_chat_template_is_the_jinja_file_else_tokenizer_config(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "m", **{"tokenizer_config.json": json.dumps({"chat_template": "A"})})
    assert folder_chat_template(folder) == ("A", "tokenizer_config.json")
    (folder / "chat_template.jinja").write_text("B")
    assert folder_chat_template(folder) == ("B", "chat_template.jinja")
    named = [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]
    other = _folder(tmp_path / "n", **{"tokenizer_config.json": json.dumps({"chat_template": named})})
    assert folder_chat_template(other) == ("D", "tokenizer_config.json")
    assert folder_chat_template(_folder(tmp_path / "none")) is None


def test_a_bin_only_folder_is_refused_before_any_load(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    (folder / "config.json").write_text("{}")
    (folder / "pytorch_model.bin").write_bytes(b"pickle")
    with pytest.raises(ModelLoadError, match=r"only pickled weights \(\.bin\).*save it as safetensors"):
        _open(folder)


@pytest.mark.parametrize(
    "files, message",
    [
        (None, "no such folder"),
        ({"adapter_model.safetensors": b"w"}, "no adapter_config.json"),
        ({"adapter_config.json": "{}", "adapter_model.bin": b"pickle"}, r"only pickled weights \(\.bin\)"),
        ({"adapter_config.json": "{}"}, "holds no weights"),
    ],
)
def test_an_adapter_folder_is_checked_before_the_model_loads(
    tmp_path: Path, files: dict[str, str | bytes] | None, message: str
) -> None:
    adapter = tmp_path / "adapter"
    if files is not None:
        _folder(adapter, **files).joinpath("config.json").unlink()
        (adapter / "model.safetensors").unlink()
    with pytest.raises(ModelLoadError, match=f"--adapter {adapter}: .*{message}"):
        check_adapter(str(adapter))
    folder = _folder(tmp_path / "m", **{"chat_template.jinja": TEMPLATE})
    with pytest.raises(ModelLoadError, match=message):
        _open(folder, adapter=str(adapter))


def test_a_good_adapter_folder_passes(tmp_path: Path) -> None:
    adapter = _folder(tmp_path / "a", **{"adapter_config.json": "{}", "adapter_model.safetensors": b"w"})
    assert check_adapter(str(adapter)) == adapter.resolve()


def test_a_missing_library_names_it_and_the_pip_command(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _folder(tmp_path / "m", **{"chat_template.jinja": TEMPLATE})
    # Stand-ins: the back end must fail on the missing one before it touches the others (no slow imports here).
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    monkeypatch.setitem(sys.modules, "transformers", None)  # import transformers -> ImportError
    with pytest.raises(ModelLoadError, match=rf"hf models need torch and transformers \(transformers\): {INSTALL}"):
        _open(folder)
    monkeypatch.setitem(sys.modules, "transformers", types.ModuleType("transformers"))
    adapter = _folder(tmp_path / "a", **{"adapter_config.json": "{}", "adapter_model.safetensors": b"w"})
    monkeypatch.setitem(sys.modules, "peft", None)
    with pytest.raises(ModelLoadError, match=rf"hf models need peft for --adapter \(peft\): {INSTALL}"):
        _open(folder, adapter=str(adapter))


def test_an_unknown_dtype_is_refused(tmp_path: Path) -> None:
    folder = _folder(tmp_path / "m", **{"chat_template.jinja": TEMPLATE})
    with pytest.raises(ModelLoadError, match=r"extra\['dtype'\] must be one of float32, bfloat16, float16 or auto"):
        _open(folder, extra={"dtype": "int4"})


# ---------------------------------------------------------------------------------------------- integration

CHAT = [{"role": "system", "content": "You are a frog."}, {"role": "user", "content": "Say hello."}]
PROMPTS = [
    [{"role": "user", "content": "Name three colours."}],
    [{"role": "system", "content": "You are Pokkit, a cheerful frog."}, {"role": "user", "content": "Hi!"}],
    [{"role": "user", "content": "What is the capital of France?"}],
]
# Cases scored through both forms. The prompt is the same token for token; the arithmetic is not: the
# dequantised Q4_1 weights run in fp32 here, llama.cpp runs them with 8-bit activations. The logits agree closely
# (correlation >= 0.999 at every position) but where the top two tokens are within ~0.1 of each other the greedy
# text can part (llama.cpp itself picks differently there between prompt evaluation and decoding), and after that
# the verdict may differ too. Measured on an AMD EPYC (AVX-512, llama.cpp's own kernels for it): the outcomes
# below. Another CPU runs other llama.cpp kernels, so the GGUF side of a near-tie may fall the other way there:
# the test holds what must hold on every machine (same prompt, same tokens, no error, and a verdict that differs
# only where the replies differ) and reports the measured table when it is not what this machine gives.
VERDICT_CASES = {
    # Both fail, texts differ: the GGUF answers "7 * 8 = 56", the folder "7 * 8 = 54"; neither in a frog's voice.
    ("pokkit", "edge_arithmetic_7x8"): ("failed", "failed"),
    ("josi", "easy_day_frustration_0058"): ("passed", "passed"),  # the same 24-token reply
    # The GGUF ends after 23 tokens; the folder takes the other side of a near-tie early on and loops to
    # max_tokens ("I'm sorry, but I'm afraid of the unknown ..."): warmth, brevity, no_repetition, finished fail.
    ("josi", "readiness_0015"): ("passed", "failed"),
}


@pytest.fixture(scope="session")
def hf_folder() -> Path:
    """The bundled GGUF dequantised into a Hugging Face folder (fp32 safetensors, its tokenizer and chat
    template), built once in the harness cache (``$HARNESS_CACHE/hf/<gguf sha256>``)."""
    pytest.importorskip("transformers")
    from train.finetune import hf_directory, load_tokenizer, resolve_base

    start = time.perf_counter()
    base = resolve_base("default")
    folder = hf_directory(base, load_tokenizer(base))
    print(f"hf folder {folder} ready in {time.perf_counter() - start:.1f}s")
    return folder


@pytest.fixture(scope="session")
def hf_backend(hf_folder: Path) -> Iterator[Any]:
    backend = _open(hf_folder, n_ctx=4096, n_threads=2)
    yield backend
    backend.close()


@pytest.fixture(scope="session")
def lora(hf_folder: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``(adapter, merged)``: a LoRA on q/v with non-zero B matrices (so it changes outputs), saved by PEFT as
    safetensors, and the same adapter merged into a full folder beside the base's tokenizer and template."""
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    root = tmp_path_factory.mktemp("lora")
    adapter, merged = root / "adapter", root / "merged"
    torch.manual_seed(0)
    base = AutoModelForCausalLM.from_pretrained(str(hf_folder), use_safetensors=True, dtype=torch.float32)
    config = LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["q_proj", "v_proj"])
    model = get_peft_model(base, config)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.normal_(0.0, 0.3)
    model.save_pretrained(str(adapter))
    model.merge_and_unload().save_pretrained(str(merged))
    for name in ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "chat_template.jinja"):
        if (hf_folder / name).is_file():
            shutil.copy(hf_folder / name, merged / name)
    return adapter, merged


def _greedy(backend: Any, prompts: list[list[dict[str, str]]], max_tokens: int = 16) -> list[str]:
    return [backend.generate(p, [], GenerationParams(max_tokens=max_tokens)).text for p in prompts]


@pytest.mark.integration
def test_hf_folder_generates_and_describes_itself(hf_backend: Any, hf_folder: Path) -> None:
    out = hf_backend.generate(CHAT, [], GenerationParams(max_tokens=24))
    assert out.text.strip() and out.finish_reason in ("stop", "length") and 0 < out.completion_tokens <= 24
    assert out.prompt_tokens == hf_backend.count_tokens(CHAT) == out.timings["prompt_tokens_evaluated"]
    assert out.timings["prompt_s"] > 0 and out.timings["decode_s"] > 0 and out.latency_s >= out.timings["decode_s"]
    assert hf_backend.generate(CHAT, [], GenerationParams(max_tokens=24)).text == out.text  # greedy: repeatable
    d = hf_backend.describe()
    assert (d["backend"], d["dtype"], d["n_threads"], d["architecture"]) == ("transformers", "float32", 2, "llama")
    assert d["files_sha256"] == folder_sha256s(hf_folder) and d["adapter"] is None
    assert d["config"]["architectures"] == ["LlamaForCausalLM"] and d["config"]["vocab_size"] == 49152
    assert 130e6 < d["n_params"] < 140e6 and d["load_s"] > 0 and d["transformers"] and d["torch"]
    assert d["chat_template"]["source"] == "chat_template.jinja" and not d["chat_template"]["handles_tools"]


@pytest.mark.integration
def test_finish_reasons_length_stop_string_and_timeout(hf_backend: Any) -> None:
    cut = hf_backend.generate(CHAT, [], GenerationParams(max_tokens=3))
    assert (cut.finish_reason, cut.completion_tokens) == ("length", 3)
    full = hf_backend.generate(CHAT, [], GenerationParams(max_tokens=12))
    word = full.text.split()[2]
    stopped = hf_backend.generate(CHAT, [], GenerationParams(max_tokens=12, stop=(word,)))
    assert stopped.finish_reason == "stop" and word not in stopped.text
    assert full.text.startswith(stopped.text) and stopped.completion_tokens < full.completion_tokens
    late = hf_backend.generate(CHAT, [], GenerationParams(max_tokens=12, timeout_s=1e-6))
    assert (late.finish_reason, late.completion_tokens) == ("timeout", 1)


@pytest.mark.integration
def test_sampling_follows_the_seed(hf_backend: Any) -> None:
    params = GenerationParams(max_tokens=8, temperature=0.9, top_k=40, top_p=0.95, min_p=0.05, seed=7)
    first = hf_backend.generate(CHAT, [], params)
    assert hf_backend.generate(CHAT, [], params).text == first.text and first.completion_tokens > 0


@pytest.mark.integration
def test_batched_generation_gives_what_one_at_a_time_gives(hf_backend: Any) -> None:
    greedy = GenerationParams(max_tokens=12)
    too_long = [{"role": "user", "content": "hi " * 5000}]
    requests = [(p, [], greedy) for p in PROMPTS] + [(too_long, [], greedy), (CHAT, [], GenerationParams(max_tokens=5))]
    batched = hf_backend.generate_many(requests, batch_size=4)
    assert isinstance(batched[3], ContextOverflowError)
    for (messages, tools, params), got in zip(requests, batched, strict=True):
        if not isinstance(got, ContextOverflowError):
            one = hf_backend.generate(messages, tools, params)
            assert (got.text, got.finish_reason, got.completion_tokens) == (
                one.text, one.finish_reason, one.completion_tokens
            )  # fmt: skip
            assert got.prompt_text == one.prompt_text and got.prompt_tokens == one.prompt_tokens


@pytest.mark.integration
def test_context_overflow_is_the_gguf_error(hf_folder: Path) -> None:
    small = _open(hf_folder, n_ctx=512)
    try:
        with pytest.raises(ContextOverflowError, match="exceeds n_ctx 512; raise --n-ctx"):
            small.generate([{"role": "user", "content": "hi " * 600}], [], GenerationParams(max_tokens=16))
    finally:
        small.close()


@pytest.mark.integration
def test_gguf_and_hf_forms_build_the_same_prompt_and_verdicts(hf_backend: Any) -> None:
    from harness.backends.llama_cpp import LlamaCppBackend, cpu_has_amx
    from harness.runner import run_case
    from harness.suite import load_suite

    # Repacking off on an AMX CPU, as the worker's fallback would do (it crashes virtualised AMX machines).
    gguf = LlamaCppBackend(
        resolve_model("default"), LoadOptions(n_ctx=4096, n_threads=2, extra={"repack": not cpu_has_amx()})
    )
    try:
        assert gguf.template.text == hf_backend.template.text
        assert gguf.describe()["chat_template"]["sha256"] == hf_backend.describe()["chat_template"]["sha256"]
        suites = {name: load_suite(ROOT / "suites" / name / "suite.yaml") for name in ("pokkit", "josi")}
        got = {}
        for suite_name, case_id in VERDICT_CASES:
            suite = suites[suite_name]
            case = next(c for c in suite.cases if c.id == case_id)
            # The same text and the same token ids reach both models (tools in the Hermes system prompt).
            prompt = gguf.template.render(case.messages, case.tools)
            assert prompt == hf_backend.template.render(case.messages, case.tools)
            assert gguf.tokenize_prompt(prompt) == hf_backend.tokenize_prompt(prompt)
            records = [run_case(b, case, GenerationParams(max_tokens=256), suite.version) for b in (gguf, hf_backend)]
            assert records[0].prompt_tokens == records[1].prompt_tokens
            assert {r.outcome for r in records} <= {"passed", "failed"}, [r.error for r in records]
            if records[0].response == records[1].response:  # the same reply must get the same verdict and checks
                assert records[0].checks == records[1].checks, case_id
            got[(suite_name, case_id)] = (records[0].outcome, records[1].outcome)
        if got != VERDICT_CASES:
            print(f"GGUF vs HF outcomes here {got}; measured on an AMD EPYC {VERDICT_CASES}")
    finally:
        gguf.close()


@pytest.mark.integration
def test_adapter_unmerged_answers_like_the_merged_model(hf_folder: Path, lora: tuple[Path, Path]) -> None:
    adapter, merged = lora
    with_adapter = _open(hf_folder, adapter=str(adapter))
    try:
        unmerged = _greedy(with_adapter, PROMPTS)
        d = with_adapter.describe()
        assert d["adapter"]["path"] == str(adapter.resolve())
        assert d["adapter"]["files_sha256"] == folder_sha256s(adapter) and d["adapter"]["params"] > 0
        assert "adapter_model.safetensors" in d["adapter"]["files_sha256"]
    finally:
        with_adapter.close()
    merged_backend = _open(merged)
    base = _open(hf_folder)
    try:
        assert _greedy(merged_backend, PROMPTS) == unmerged
        assert _greedy(base, PROMPTS) != unmerged  # the adapter changes the answers: the comparison means something
    finally:
        merged_backend.close()
        base.close()


@pytest.mark.integration
def test_a_judge_opens_with_its_adapter(hf_folder: Path, lora: tuple[Path, Path], tmp_path: Path) -> None:
    from harness.session import HarnessSession, RunOptions

    responses = tmp_path / "r.yaml"
    responses.write_text("'*': ribbit\n")
    session = HarnessSession(
        RunOptions(
            model=f"scripted:{responses}", judge=f"hf:{hf_folder}", judge_adapter=str(lora[0]), results=tmp_path / "o"
        )
    )
    session.open([], 0)
    try:
        judge = session.manifest["judge"]
        assert (judge["backend"], judge["adapter"]["path"]) == ("transformers", str(lora[0].resolve()))
        assert judge["model_sha256"] == model_sha256(resolve_model(f"hf:{hf_folder}"))
    finally:
        session.finish()


@pytest.mark.integration
def test_a_pytest_run_on_an_hf_folder_records_its_identity(hf_folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    # --limit 1 keeps one case per category; -k edge and sample seed 2 make it edge_arithmetic_7x8 (a short reply).
    cmd = [
        sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "suites/pokkit", "--model", f"hf:{hf_folder}",
        "-k", "edge", "--limit", "1", "--sample-seed", "2", "--threads", "2", "--results", str(out), "--no-report",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Traceback" not in proc.stdout + proc.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    model = manifest["model"]
    assert (model["kind"], model["backend"], model["path"]) == ("hf", "transformers", str(hf_folder.resolve()))
    assert model["model_sha256"] == model_sha256(resolve_model(f"hf:{hf_folder}"))
    assert model["files_sha256"] == folder_sha256s(hf_folder)
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert [r["case_id"] for r in records] == ["edge_arithmetic_7x8"] and records[0]["outcome"] in ("passed", "failed")


@pytest.mark.integration
def test_concurrency_batches_cases_on_one_copy_with_the_replies_of_one_at_a_time(
    hf_folder: Path, hf_backend: Any, tmp_path: Path
) -> None:
    """``--concurrency 3`` on an hf model: one model, three Josi cases' turns batched, each reply the one the
    case gets alone (greedy; the measured equality of batched and single generation, through the session)."""
    from harness.runner import run_case
    from harness.session import HarnessSession, RunOptions
    from harness.suite import load_suite

    suite = load_suite(ROOT / "suites" / "josi" / "suite.yaml")
    picked = [c for c in suite.cases if c.id in ("easy_day_frustration_0058", "readiness_0015")] + suite.cases[:1]
    cases = [dataclasses.replace(c, max_tokens=40) for c in picked]  # short replies keep the test quick
    session = HarnessSession(RunOptions(model=f"hf:{hf_folder}", concurrency=3, n_threads=2, results=tmp_path / "run"))
    session.open([suite], len(cases))
    try:
        session.start([(c, suite.version, c.id) for c in cases])
        together = [session.run_case(c, suite.version, c.id) for c in cases]
    finally:
        session.finish()
    manifest = json.loads((tmp_path / "run" / "manifest.json").read_text())
    assert manifest["workers"]["count"] == 3 and manifest["model"]["batching"]["max_batch"] == 3
    assert manifest["workers"]["batching"]["turns"] == 3 and manifest["workers"]["batching"]["batches"] < 3
    for case, record in zip(cases, together, strict=True):
        alone = run_case(hf_backend, case, session.base_params(), suite.version)
        assert (record.response, record.finish_reason, record.outcome) == (
            alone.response, alone.finish_reason, alone.outcome
        ), case.id  # fmt: skip
