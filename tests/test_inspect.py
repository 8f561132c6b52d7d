"""The suites as inspect-ai tasks (evals/): the same prompts reach the back end, the same verdicts come back.

- a scripted run through inspect sends every case's exact messages, tool schemas (key order included) and budget;
- pytest and inspect agree case by case (outcome, every check's verdict and reason, the reply) on the same
  cases, picked by pytest's ``--limit K`` and the tasks' ``per_category=K``: fast with a scripted back end
  (passes, failures, parse errors, a cut reply, a back-end error, skipped thinking cases and compression cases),
  and on the real bundled GGUF (integration);
- inspect's own providers are scored by our scorers: ``openai/`` against a local mock server (tool calls and a
  malformed call come back through inspect's ModelOutput), ``hf/`` on a tiny random transformers model;
- harness never imports evals.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

pytest.importorskip("inspect_ai")

from inspect_ai import eval as inspect_eval
from inspect_ai.log import EvalLog, read_eval_log
from inspect_ai.model import (
    ChatCompletionChoice,
    ChatMessageAssistant,
    ContentReasoning,
    ContentText,
    ModelOutput,
    ModelUsage,
    get_model,
)
from inspect_ai.tool import ToolCall as InspectToolCall
from inspect_ai.tool import ToolInfo

from evals._harness import load, select_cases, suite_task
from evals.convert import harness_completion, harness_messages, harness_tools, inspect_messages, inspect_tools
from harness.errors import ModelLoadError
from harness.records import read_manifest, read_records
from harness.runner import score_reply
from harness.types import Case, Completion, ToolCall

# inspect's retry helper passes an argument tenacity deprecates: one warning per model call, nothing of ours.
pytestmark = pytest.mark.filterwarnings("ignore:The 'initial' parameter is deprecated:DeprecationWarning")
ROOT = Path(__file__).resolve().parents[1]
SUITES = ROOT / "suites"
# pytest in a child process, with harness's back-end registry loaded first in the main thread: its lazy first load
# is not thread-safe, and a run that opens 2 GGUF workers at once otherwise fails with "Unknown model kind 'gguf'".
PYTEST = "\n".join(
    [
        "import sys, pytest",
        "from harness.backends.base import KINDS",
        "KINDS.get('gguf')",
        "sys.exit(pytest.main(sys.argv[1:]))",
    ]
)

Verdict = tuple[str, list[tuple[str, bool, str]], str | None]


# ---------------------------------------------------------------------------------------------- helpers


def pytest_run(args: list[str], results: Path) -> dict[str, Verdict | str]:
    """Run the plugin in a child process; every selected case's (outcome, checks, reply), or "skipped"."""
    cmd = [
        sys.executable,
        "-c",
        PYTEST,
        *args,
        "--results",
        str(results),
        "--no-report",
        "-q",
        "-p",
        "no:cacheprovider",
    ]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    out: dict[str, Verdict | str] = {}
    for r in read_records(results / "results.jsonl"):
        checks = [(c.name, c.passed, c.reason or "") for c in r.checks or []]
        out[f"{r.suite}/{r.case_id}"] = (str(r.outcome), checks, r.response)
    for skipped in read_manifest(results / "manifest.json").cases_skipped or []:
        out[skipped.case] = "skipped"
    return out


def inspect_run(tasks: list[Any], model: Any, log_dir: Path, **kwargs: Any) -> dict[str, Verdict | str]:
    """Run the tasks with inspect; every sample's verdict, read back from the log files."""
    logs = inspect_eval(tasks, model=model, log_dir=str(log_dir), display="none", **kwargs)
    out: dict[str, Verdict | str] = {}
    for log in logs:
        assert log.status == "success", log.error
        stored: EvalLog = read_eval_log(log.location)
        for sample in stored.samples or []:
            (score,) = (sample.scores or {}).values()
            meta = score.metadata or {}
            key = f"{sample.metadata['suite']}/{sample.id}"
            if meta["outcome"] == "skipped":
                out[key] = "skipped"
                continue
            checks = [(c["name"], c["passed"], c.get("reason") or "") for c in meta["checks"]]
            assert score.value == ("C" if meta["passed"] else "I")
            out[key] = (meta["outcome"], checks, meta.get("response"))
    return out


def _first_call(case: Case) -> str:
    """A tagged call to what the case's tool_call check expects first, else to set_alarm."""
    for check in case.checks:
        if check.name == "tool_call" and check.args.get("calls"):
            ((name, args),) = check.args["calls"][0].items()
            values = {k: (v[0] if isinstance(v, list) else v) for k, v in (args or {}).items()}
            return json.dumps({"name": name, "arguments": values})
    return json.dumps({"name": "set_alarm", "arguments": {"hour": 7, "minute": 0}})


def scripted_responses(suites: list[str]) -> dict[str, Any]:
    """Outputs for every case of ``suites`` that make every kind of verdict: right and wrong tool calls, prose, a
    malformed call, a reply cut at max_tokens, a back-end error; compression cases that keep or lose facts."""
    out: dict[str, Any] = {"__supports__": []}  # no thinking: persona's thinking cases are skipped
    for name in suites:
        for i, case in enumerate(load(name).cases):
            key = f"{case.suite}/{case.id}"
            if case.kind == "compression":
                answers = [str(q["answers"][0]) for q in case.data["questions"]]
                out[f"{key}/summary"] = "Facts: " + ", ".join(answers) + "."
                for n, answer in enumerate(answers, start=1):
                    out[f"{key}/q{n}/full"] = f"It is {answer}."
                    out[f"{key}/q{n}/compressed"] = f"It is {answer}." if i % 2 == 0 else "I don't remember."
                continue
            out[key] = [
                f"<tool_call>{_first_call(case)}</tool_call>",
                "Ribbit! Sure thing, friend. I hop right on it and keep it short for you.",
                '<tool_call>{"name": "set_alarm", "arguments": {hour: 7}}</tool_call>',
                {"text": "pond " * 60, "finish_reason": "length"},
                {"error": "scripted back end failure"},
                '{"name": "web_search", "arguments": {"query": "weather"}}',
            ][i % 6]
    return out


# ---------------------------------------------------------------------------------------------- the tasks


def test_tasks_are_the_suites() -> None:
    for name in ("pokkit", "josi", "bfcl", "persona", "compression"):
        module = __import__(f"evals.{name}", fromlist=[name])
        task = getattr(module, name)(per_category=1)
        suite = load(name)
        assert task.name == name and task.version == suite.version
        assert len(task.dataset) == len(suite.categories & {c.category for c in suite.cases if c.case_set == "default"})
        sample = task.dataset[0]
        case = next(c for c in suite.cases if c.id == sample.id)
        assert sample.metadata == {"suite": name, "category": case.category, "case_id": case.id, "case_set": "default",
                                   "kind": case.kind, "checks": sorted(case.check_names)}  # fmt: skip
    large = suite_task("josi", case_set="default,large")
    assert len(large.dataset) == len(load("josi").cases)
    with pytest.raises(Exception, match="no category nope"):
        suite_task("pokkit", category="nope")


def test_per_category_is_pytests_limit_sample() -> None:
    cases = load("pokkit").cases
    picked = select_cases(cases, ["default"], per_category=2, sample_seed=3)
    by_category: dict[str, int] = {}
    for case in picked:
        by_category[case.category] = by_category.get(case.category, 0) + 1
    assert max(by_category.values()) == 2 and set(by_category) == {c.category for c in cases}
    assert picked == select_cases(cases, ["default"], per_category=2, sample_seed=3)
    assert picked != select_cases(cases, ["default"], per_category=2, sample_seed=4)


def test_messages_and_tools_round_trip_exactly() -> None:
    """What our providers rebuild from inspect's messages and tools is the case's own, to the key order."""
    for name in ("pokkit", "bfcl", "persona", "josi"):
        for case in load(name).cases:
            assert json.dumps(harness_messages(inspect_messages(case.messages, "k"))) == json.dumps(case.messages)
            infos = [ToolInfo(name=d.name, description=d.description, parameters=d.parameters, options=d.options)
                     for d in inspect_tools(case.tools)]  # fmt: skip
            assert json.dumps(harness_tools(infos)) == json.dumps(case.tools)


def test_scripted_run_sends_pytests_prompts(tmp_path: Path) -> None:
    """Every generation reaches the back end with the case's messages, tools (exact JSON) and max_tokens."""
    responses = tmp_path / "responses.json"
    responses.write_text(json.dumps({"*": "Ribbit."}))
    model = get_model(f"scripted/{responses}", memoize=False)
    try:
        tasks = [suite_task("pokkit"), suite_task("bfcl", per_category=4), suite_task("persona")]
        inspect_run(tasks, model, tmp_path / "logs")
        calls = model.api.backends[0].calls  # type: ignore[attr-defined]
    finally:
        model.api.close()
    want = {
        json.dumps([c.messages, c.tools, c.max_tokens]) for n in ("pokkit", "bfcl", "persona") for c in load(n).cases
    }
    got = [json.dumps([messages, tools, params.max_tokens]) for messages, tools, params in calls]
    assert len(got) == 37 + 20 + 18 and set(got) <= want
    assert all(params.temperature == 0.0 and params.seed == 0 and params.stop == () for _, _, params in calls)


# ---------------------------------------------------------------------------------------------- pytest vs inspect


def compare(pytest_side: dict[str, Verdict | str], inspect_side: dict[str, Verdict | str]) -> None:
    assert sorted(pytest_side) == sorted(inspect_side), "the two runs picked other cases"
    differ = [key for key in pytest_side if pytest_side[key] != inspect_side[key]]
    assert not differ, "\n".join(f"{k}:\n  pytest  {pytest_side[k]}\n  inspect {inspect_side[k]}" for k in differ[:5])


def test_pytest_and_inspect_agree_case_by_case_scripted(tmp_path: Path) -> None:
    suites = ["pokkit", "persona", "compression"]
    responses = tmp_path / "responses.json"
    responses.write_text(json.dumps(scripted_responses(suites)))
    files = [str(SUITES / name / "suite.yaml") for name in suites]
    by_pytest = pytest_run([*files, "--model", f"scripted:{responses}", "--limit", "2"], tmp_path / "pytest")
    model = get_model(f"scripted/{responses}", memoize=False)
    try:
        by_inspect = inspect_run([suite_task(n, per_category=2) for n in suites], model, tmp_path / "logs")
    finally:
        model.api.close()
    compare(by_pytest, by_inspect)
    outcomes = {v if isinstance(v, str) else v[0] for v in by_pytest.values()}
    assert outcomes == {"passed", "failed", "error", "skipped"}
    assert sum(1 for k in by_pytest if k.startswith("compression/")) == 12


@pytest.mark.integration
def test_pytest_and_inspect_agree_on_the_bundled_gguf(tmp_path: Path) -> None:
    """The real SmolLM2-135M, greedy, 2 workers each: persona's 5 categories (the thinking case skipped) and two
    pokkit tool categories, one case each. Same replies, same verdicts."""
    pokkit = SUITES / "pokkit" / "suite.yaml"
    args = [str(SUITES / "persona" / "suite.yaml"), f"{pokkit}::tool_call", f"{pokkit}::datetime"]
    by_pytest = pytest_run([*args, "--model", "default", "--limit", "1"], tmp_path / "pytest")
    model = get_model("gguf/default", memoize=False)
    try:
        tasks = [
            suite_task("persona", per_category=1),
            suite_task("pokkit", per_category=1, category="tool_call,datetime"),
        ]
        by_inspect = inspect_run(tasks, model, tmp_path / "logs")
    finally:
        model.api.close()
    compare(by_pytest, by_inspect)
    assert len(by_pytest) == 7 and list(by_pytest.values()).count("skipped") == 1


# ---------------------------------------------------------------------------------------------- inspect's providers


def test_any_providers_output_becomes_a_harness_completion() -> None:
    message = ChatMessageAssistant(
        content=[ContentReasoning(reasoning="think"), ContentText(text="Done!")],
        tool_calls=[
            InspectToolCall(id="1", function="set_alarm", arguments={"hour": 7, "minute": 0}),
            InspectToolCall(id="2", function="take_note", arguments={}, parse_error="bad JSON: {title"),
        ],
    )
    output = ModelOutput(
        model="m",
        choices=[ChatCompletionChoice(message=message, stop_reason="max_tokens")],
        usage=ModelUsage(input_tokens=12, output_tokens=3, total_tokens=15),
        time=0.5,
    )
    done = harness_completion(output)
    assert done.text == "<think>think</think>Done!"
    assert done.tool_calls == [ToolCall("set_alarm", {"hour": 7, "minute": 0})]
    assert [e.reason for e in done.parse_errors] == ["bad JSON: {title"]
    assert (done.finish_reason, done.prompt_tokens, done.completion_tokens, done.latency_s) == ("length", 12, 3, 0.5)


def test_tools_sent_to_inspects_providers_are_valid_tool_infos() -> None:
    """BFCL has parameters without a description, which inspect refuses: they get their name."""
    for case in load("bfcl").cases[:200]:
        for tool in inspect_tools(case.tools):
            assert all(p.description for p in (tool.parameters.properties or {}).values())


class _MockOpenAI(BaseHTTPRequestHandler):
    """A chat-completions endpoint: a right call, a malformed call or prose, by the last user message."""

    replies: ClassVar[dict[str, dict[str, Any]]] = {}
    requests: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.requests.append(body)
        if self.path != "/v1/chat/completions":  # the Responses API: unknown model names get it unless told
            self.send_error(400, f"mock serves /v1/chat/completions only, not {self.path}")
            return
        prompt = body["messages"][-1]["content"]
        message = self.replies.get(prompt, {"role": "assistant", "content": "Ribbit! Done."})
        reply = {"id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                 "choices": [{"index": 0, "message": message,
                              "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
                 "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}  # fmt: skip
        data = json.dumps(reply).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def mock_openai() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _MockOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def _call(name: str, arguments: str) -> dict[str, Any]:
    call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": arguments}}
    return {"role": "assistant", "content": None, "tool_calls": [call]}


# inspect's openai/ provider treats a model name it does not know as a frontier reasoning model: Responses API
# (``-M responses_api=false`` turns it off) and no temperature. openai-api/SERVICE/NAME is its generic
# OpenAI-compatible provider (llama-server, vLLM): chat completions with the task's temperature 0.
@pytest.mark.parametrize(
    ("model", "model_args", "greedy"),
    [("openai/mock-model", {"responses_api": False}, False), ("openai-api/local/mock-model", {}, True)],
)
def test_openai_providers_are_scored_by_our_scorers(
    tmp_path: Path,
    mock_openai: str,
    monkeypatch: pytest.MonkeyPatch,
    model: str,
    model_args: dict[str, Any],
    greedy: bool,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "test")
    monkeypatch.setenv("LOCAL_API_KEY", "test")
    cases = {c.id: c for c in load("pokkit").cases if c.category == "tool_call"}
    right, malformed = cases["tool_web_search_paris_weather"], cases["tool_write_clipboard_password"]
    _MockOpenAI.replies = {
        right.prompt: _call("web_search", json.dumps({"query": "weather in Paris"})),
        malformed.prompt: _call("write_clipboard", '{"text": frog-pond-42}'),
    }
    _MockOpenAI.requests = []
    task = suite_task("pokkit", category="tool_call")
    logs = inspect_eval(task, model=model, model_base_url=mock_openai, model_args=model_args,
                        log_dir=str(tmp_path / "logs"), display="none")  # fmt: skip
    assert logs[0].status == "success", logs[0].error
    samples = {str(s.id): s for s in read_eval_log(logs[0].location).samples or []}
    assert len(samples) == len(cases) == len(_MockOpenAI.requests)
    records = {}
    for case_id, sample in samples.items():
        (score,) = (sample.scores or {}).values()
        # the scorer's record is the harness's own, from the converted output
        assert score.metadata == score_reply(cases[case_id], harness_completion(sample.output))
        records[case_id] = score.metadata or {}
    check = {i: {c["name"]: c for c in r["checks"]} for i, r in records.items()}
    assert check[right.id]["tool_call"]["passed"], check[right.id]["tool_call"]
    assert records[right.id]["tool_calls"] == [{"name": "web_search", "arguments": {"query": "weather in Paris"}}]
    assert not check[malformed.id]["tool_call"]["passed"] and records[malformed.id]["parse_errors"]
    assert records["tool_screen_scroll_down"]["visible"] == "Ribbit! Done."
    sent = _MockOpenAI.requests[0]
    assert {t["function"]["name"] for t in sent["tools"]} == right.tool_names
    if greedy:
        assert (sent["temperature"], sent["max_tokens"], sent["seed"]) == (0.0, right.max_tokens, 0)


def _tiny_hf_model(path: Path) -> None:
    """A 1-layer Llama with random weights and a word-level tokenizer with a chat template (no download)."""
    torch = pytest.importorskip("torch")
    transformers = pytest.importorskip("transformers")
    from tokenizers import Tokenizer, models, pre_tokenizers

    words = ["<unk>", "<s>", "</s>", *"ribbit frog pond run easy rest today hop sure the a is and to you".split()]
    tokenizer = Tokenizer(models.WordLevel({w: i for i, w in enumerate(words)}, unk_token="<unk>"))
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    fast = transformers.PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, unk_token="<unk>", bos_token="<s>", eos_token="</s>"
    )
    fast.chat_template = "{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}assistant:"
    fast.save_pretrained(path)
    torch.manual_seed(0)
    config = transformers.LlamaConfig(
        vocab_size=len(words),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=1,
        max_position_embeddings=4096,
    )
    transformers.LlamaForCausalLM(config).save_pretrained(path)


def test_hf_provider_is_scored_by_our_scorers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # inspect's hf provider also asks the Hub about the name: 50 s of retries
    _tiny_hf_model(tmp_path / "tiny")
    task = suite_task("josi", per_category=1, category="fatigue,readiness")
    logs = inspect_eval(task, model="hf/tiny", model_args={"model_path": str(tmp_path / "tiny"), "do_sample": False,
                        "device": "cpu"}, log_dir=str(tmp_path / "logs"), display="none")  # fmt: skip
    assert logs[0].status == "success", logs[0].error
    cases = {c.id: c for c in load("josi").cases}
    samples = read_eval_log(logs[0].location).samples or []
    assert len(samples) == 2
    for sample in samples:
        (score,) = (sample.scores or {}).values()
        assert score.metadata == score_reply(cases[str(sample.id)], Completion(text=sample.output.completion,
                                             finish_reason=(score.metadata or {})["finish_reason"],
                                             prompt_tokens=score.metadata["prompt_tokens"],  # type: ignore[index]
                                             completion_tokens=score.metadata["completion_tokens"],  # type: ignore[index]
                                             latency_s=score.metadata["latency_s"]))  # type: ignore[index]  # fmt: skip
        assert {c["name"] for c in score.metadata["checks"]} == cases[str(sample.id)].check_names  # type: ignore[index]


# ---------------------------------------------------------------------------------------------- the provider


def test_gguf_provider_refuses_what_is_not_a_gguf(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no such file"):
        get_model(f"gguf/{tmp_path}/missing.gguf", memoize=False)
    (tmp_path / "notes.gguf").write_text("hello")
    with pytest.raises(ModelLoadError, match="not a GGUF file"):
        get_model(f"gguf/{tmp_path}/notes.gguf", memoize=False)
    with pytest.raises(Exception, match="unknown model args colour"):
        get_model(f"scripted/{tmp_path}/notes.gguf", colour="green", memoize=False)


def test_the_providers_come_from_the_entry_point() -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="inspect_ai") if e.name == "evals"]
    assert ep.value == "evals._registry"


def test_harness_never_imports_evals() -> None:
    for path in sorted((ROOT / "harness").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.append(node.module)
            assert not any(n.split(".")[0] == "evals" for n in names), f"{path} imports evals"
