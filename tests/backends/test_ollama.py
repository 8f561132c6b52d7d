"""The Ollama back end against recorded exchanges of Ollama's API (tests/fixtures/ollama/, README_fixtures.md says
where each comes from): the real ``ollama`` client with an ``httpx.MockTransport`` in place of the server. The tests
check what the back end sends (model, messages, tools, options, ``stream: false``) and what it makes of each answer.
No Ollama server runs here."""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import ollama
import pytest

from harness.backends.base import KINDS, GenerationParams, LoadOptions, open_backend
from harness.backends.ollama import OllamaBackend, ollama_messages, parse_show_parameters
from harness.errors import BackendError, ContextOverflowError, ModelLoadError
from harness.modelfile import OLLAMA_CHATML_TEMPLATE
from harness.models import ModelRef, resolve_model
from harness.scoring import parse_reply
from harness.types import ToolCall

pytest_plugins = ["pytester"]

FIXTURES = Path(__file__).parents[1] / "fixtures" / "ollama"
HOST = "http://127.0.0.1:11434"
OPENING = ["version", "show_pokkit_mini", "tags_pokkit_mini", "chat_load"]


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


Reply = Callable[[httpx.Request], httpx.Response]


class FakeOllama:
    """Answers each request with the recorded response of its fixture: by method and path, the chat answers in the
    order given (the first one for the load request of an opening). Keeps every request it was sent."""

    def __init__(self, *names: str) -> None:
        self.routes: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for name in names:
            ex = fixture(name)
            self.routes.setdefault((ex["request"]["method"], ex["request"]["path"]), []).append(ex["response"])
        self.requests: list[httpx.Request] = []
        self.raise_on_chat: Exception | None = None

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = (request.method, request.url.path)
        if key == ("POST", "/api/chat") and self.raise_on_chat is not None and json.loads(request.content)["messages"]:
            raise self.raise_on_chat
        answers = self.routes.get(key)
        if not answers:
            return httpx.Response(404, text="404 page not found")
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        return httpx.Response(answer["status"], json=answer["body"])

    def bodies(self, path: str = "/api/chat") -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests if r.url.path == path and r.content]

    @property
    def last(self) -> dict[str, Any]:
        return self.bodies()[-1]


def open_ollama(server: Reply, name: str = "pokkit-mini", n_ctx: int = 2048) -> OllamaBackend:
    ref = ModelRef(f"ollama:{name}", None, "ollama", "server", endpoint=HOST, name=name)
    client = ollama.Client(host=HOST, transport=httpx.MockTransport(server))
    return OllamaBackend(ref, LoadOptions(n_ctx=n_ctx), client=client)


def params(**kw: Any) -> GenerationParams:
    return GenerationParams(**({"max_tokens": 512} | kw))


# ------------------------------------------------------------------------------------------------------- opening


def test_open_checks_the_server_and_the_model_then_loads_it() -> None:
    server = FakeOllama(*OPENING)
    backend = open_ollama(server)
    sent = [(r.method, r.url.path) for r in server.requests]
    assert sent == [("GET", "/api/version"), ("POST", "/api/show"), ("GET", "/api/tags"), ("POST", "/api/chat")]
    assert server.bodies("/api/show") == [{"model": "pokkit-mini"}]
    assert server.last == {"model": "pokkit-mini", "messages": [], "stream": False, "options": {"num_ctx": 2048}}
    assert server.requests[0].headers["user-agent"].startswith("ollama-python/")

    show = fixture("show_pokkit_mini")["response"]["body"]
    d = backend.describe()
    assert d["backend"] == "ollama" and d["host"] == HOST and d["model_name"] == "pokkit-mini"
    assert d["server_version"] == "0.5.1" and d["ollama_python"] == importlib.metadata.version("ollama")
    assert d["digest"] == "8c5a4f3f2d1e0b9a7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b"
    assert d["modified_at"] == "2026-11-30T10:12:03.52139Z" and d["size_bytes"] == 105447232
    assert d["details"] == show["details"] and d["quantization"] == "Q4_K_M" and d["architecture"] == "llama"
    assert (d["context_length_trained"], d["n_params"], d["n_ctx"]) == (8192, 134515008, 2048)
    assert d["parameters"] == {"stop": ["<|im_end|>"], "temperature": 0}
    template_sha = hashlib.sha256(OLLAMA_CHATML_TEMPLATE.encode()).hexdigest()
    assert d["template_sha256"] == template_sha == d["chat_template"]["sha256"]
    assert d["system_sha256"] == hashlib.sha256(show["system"].encode()).hexdigest()
    assert d["capabilities"] == ["completion", "tools"] and d["chat_template"]["handles_tools"] is True
    assert d["count_tokens"].startswith("prompt_eval_count of an /api/chat request")
    assert d["load_s"] is None  # the docs' load answer reports no load_duration
    json.dumps(d)  # the manifest can hold it
    assert not backend.supports("thinking")
    backend.close()


def test_the_docs_show_and_tags_examples_describe_a_model() -> None:
    """docs/api.md's own /api/show (a llama 3 8B) and /api/tags answers: the name matches with its ':latest' tag."""
    backend = open_ollama(FakeOllama("version", "show_llava", "tags", "chat_load"), name="llama3.2")
    d = backend.describe()
    assert d["digest"] == "a80c4f17acd55265feec403c7aef86be0c25983ab279d83f3bcd3abbcb5b8b72"
    assert d["size_bytes"] == 2019393189 and d["quantization"] == "Q4_0" and d["n_params"] == 8030261248
    assert d["parameters"] == {"num_keep": 24, "stop": ["<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]}
    assert d["modified_at"] == "2025-05-04T17:37:44.706015396-07:00"  # the docs' show has none: the tags' one
    assert d["system_sha256"] is None
    assert d["capabilities"] == ["completion", "vision"] and not d["chat_template"]["handles_tools"]
    unlisted = open_ollama(FakeOllama("version", "show_llava", "tags", "chat_load"), name="llava").describe()
    assert unlisted["digest"] is None and "size_bytes" not in unlisted


def test_no_server_is_one_line_naming_ollama_serve(monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:  # a port nothing listens on: the real client, a real refused connection
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{port}")
    ref = resolve_model("ollama:pokkit-mini")
    with pytest.raises(ModelLoadError) as exc:
        open_backend(ref, LoadOptions())
    assert str(exc.value) == (
        f"ollama:pokkit-mini: no Ollama server answers at http://127.0.0.1:{port} (connection refused); start "
        "`ollama serve` or set OLLAMA_HOST"
    )

    def timing_out(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectTimeout("timed out", request=request)

    with pytest.raises(ModelLoadError, match=r"no Ollama server answers at .* \(no connection within 30s\)"):
        open_ollama(timing_out)


def test_a_missing_model_names_pull_and_create() -> None:
    server = FakeOllama("version", "show_missing")
    with pytest.raises(ModelLoadError) as exc:
        open_ollama(server)
    assert str(exc.value) == (
        f"ollama:pokkit-mini: the Ollama server at {HOST} has no model 'pokkit-mini' (model 'pokkit-mini' not found); "
        "pull it (`ollama pull pokkit-mini`) or build it from a Modelfile (`ollama create pokkit-mini -f Modelfile`)"
    )
    assert [r.url.path for r in server.requests] == ["/api/version", "/api/show"]  # nothing after the refusal


def test_a_server_that_is_not_ollama_or_cannot_load_the_model_is_one_line() -> None:
    with pytest.raises(ModelLoadError, match=r"answers but is not an Ollama server \(GET /api/version: 404"):
        open_ollama(FakeOllama())

    def no_memory(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/chat":
            return httpx.Response(500, json={"error": "model requires more system memory (9.1 GiB) than is available"})
        return FakeOllama(*OPENING)(request)

    with pytest.raises(ModelLoadError, match=r"could not load the model \(500: model requires more system memory"):
        open_ollama(no_memory)


def test_registered_as_the_ollama_kind() -> None:
    kind = KINDS.get("ollama")
    assert kind.in_process and kind.install == "pip install 'smallmodel-harness[ollama]'"


# ---------------------------------------------------------------------------------------------------- generation


def test_options_carry_every_decoding_parameter_and_stream_is_off() -> None:
    server = FakeOllama(*OPENING, "chat_no_stream")
    backend = open_ollama(server)
    docs = fixture("chat_no_stream")["request"]["body"]
    p = params(temperature=0.2, top_p=0.9, top_k=40, min_p=0.05, repeat_penalty=1.1, seed=7, stop=("\n\n",))
    c = backend.generate(docs["messages"], [], p)
    assert server.last == {
        "model": "pokkit-mini",
        "messages": docs["messages"],
        "stream": False,
        "options": {"num_ctx": 2048, "num_predict": 512, "temperature": 0.2, "top_p": 0.9, "top_k": 40,
                    "min_p": 0.05, "repeat_penalty": 1.1, "seed": 7, "stop": ["\n\n", "<|im_end|>"]},
        "truncate": False,
    }  # fmt: skip
    assert "stop" not in backend.request_body(docs["messages"], [], params(), 8)["options"]  # the model's own apply
    assert (c.text, c.finish_reason, c.cut, c.tool_calls, c.thinking) == (
        "Hello! How are you today?",
        "stop",
        None,
        [],
        "",
    )
    assert (c.prompt_tokens, c.completion_tokens) == (26, 298)
    assert c.timings == pytest.approx(
        {
            "prompt_s": 0.383809,
            "decode_s": 4.799921,
            "prompt_tokens_evaluated": 26,
            "load_s": 0.002154458,
            "server_total_s": 5.191566416,
        }
    )
    assert c.latency_s > 0
    assert server.requests[-1].extensions["timeout"]["read"] == 120.0  # the case's time limit


def test_native_tool_calls_with_tools_passed_as_given() -> None:
    server = FakeOllama(*OPENING, "chat_with_tools")
    backend = open_ollama(server)
    docs = fixture("chat_with_tools")["request"]["body"]
    c = backend.generate(docs["messages"], docs["tools"], params())
    assert server.last["tools"] == docs["tools"] and server.last["messages"] == docs["messages"]
    assert c.tool_calls == [ToolCall("get_current_weather", {"format": "celsius", "location": "Paris, FR"})]
    assert c.text == "" and c.parse_errors == [] and c.finish_reason == "stop"
    assert parse_reply(c).tool_calls == c.tool_calls  # kept, not searched for in the (empty) text

    nested = {"type": "function", "function": {"name": "db_fetch", "parameters": {"type": "object", "properties": {
        "conditions": {"type": "object", "description": "filters", "properties": {"school": {"type": "string"}},
                       "required": ["school"]}}, "required": ["conditions"]}}}  # fmt: skip
    backend.generate(docs["messages"], [nested], params())
    assert server.last["tools"] == [nested]  # ollama-python's Tool model would drop the nested properties


def test_history_with_tool_calls_is_sent_in_ollamas_form() -> None:
    server = FakeOllama(*OPENING, "chat_history_with_tools")
    backend = open_ollama(server)
    docs = fixture("chat_history_with_tools")["request"]["body"]
    history: list[dict[str, Any]] = [
        {"role": "user", "content": "what is the weather in Toronto?"},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function",
             "function": {"name": "get_weather", "arguments": '{"city": "Toronto"}'}}
        ]},
        {"role": "tool", "tool_call_id": "call_1", "content": "11 degrees celsius"},
    ]  # fmt: skip
    c = backend.generate(history, docs["tools"], params())
    assert server.last["messages"] == docs["messages"] and server.last["tools"] == docs["tools"]
    assert c.text == "The current temperature in Toronto is 11°C." and c.tool_calls == []
    assert ollama_messages([{"role": "tool", "name": "get_weather", "content": "x"}])[0]["tool_name"] == "get_weather"


def test_a_tool_call_left_in_the_text_is_parsed_as_for_a_gguf_model() -> None:
    backend = open_ollama(FakeOllama(*OPENING, "chat_tool_call_in_text"))
    docs = fixture("chat_tool_call_in_text")["request"]["body"]
    c = backend.generate(docs["messages"], docs["tools"], params())
    assert c.tool_calls == [] and c.text.startswith("<tool_call>")
    parsed = parse_reply(c)
    assert parsed.tool_calls == [ToolCall("get_current_weather", {"location": "Paris, FR", "format": "celsius"})]
    assert parsed.visible == ""


def _thinking_model(*chats: str) -> tuple[FakeOllama, OllamaBackend]:
    server = FakeOllama(*OPENING, *chats)
    show = server.routes[("POST", "/api/show")][0]["body"]
    show["capabilities"] = [*show["capabilities"], "thinking"]
    return server, open_ollama(server)


def test_thinking_is_the_completions_thinking() -> None:
    server, backend = _thinking_model("chat_thinking")
    assert backend.supports("thinking") and not backend.supports("vision")
    docs = fixture("chat_thinking")
    c = backend.generate(docs["request"]["body"]["messages"], [], params())
    message = docs["response"]["body"]["message"]
    assert (c.text, c.thinking) == (message["content"], message["thinking"])
    assert "think" not in server.last  # the server's default: on for a model with the thinking capability


def test_thinking_survives_parsing() -> None:
    _, backend = _thinking_model("chat_thinking")
    docs = fixture("chat_thinking")
    c = backend.generate(docs["request"]["body"]["messages"], [], params())
    assert parse_reply(c).thinking == docs["response"]["body"]["message"]["thinking"]


def test_done_reason_length_is_a_cut_reply() -> None:
    server = FakeOllama(*OPENING, "chat_length", "chat_no_stream")
    backend = open_ollama(server)
    docs = fixture("chat_length")["request"]["body"]
    c = backend.generate(docs["messages"], [], params(max_tokens=12))
    assert server.last["options"]["num_predict"] == 12
    assert (c.finish_reason, c.cut, c.completion_tokens) == ("length", "cut at max_tokens", 12)
    # an older server sends no done_reason: a reply that used the whole budget was cut
    old = backend.generate(docs["messages"], [], params(max_tokens=298))
    assert old.finish_reason == "length"


def test_no_answer_within_the_time_limit_is_a_reply_cut_by_the_timeout() -> None:
    server = FakeOllama(*OPENING)
    server.raise_on_chat = httpx.ReadTimeout("timed out")
    backend = open_ollama(server)
    c = backend.generate([{"role": "user", "content": "Hi"}], [], params(timeout_s=0.5))
    assert (c.text, c.finish_reason, c.cut) == ("", "timeout", "cut by the time limit")
    assert server.requests[-1].extensions["timeout"]["read"] == 0.5


def test_structured_output_goes_as_format() -> None:
    server = FakeOllama(*OPENING, "chat_structured")
    backend = open_ollama(server)
    docs = fixture("chat_structured")["request"]["body"]
    c = backend.generate(docs["messages"], [], params(json_schema=docs["format"]))
    assert server.last["format"] == docs["format"] and server.last["options"]["temperature"] == 0
    assert json.loads(c.text) == {"age": 22, "available": False}


def test_server_failures_while_generating_are_backend_errors() -> None:
    server = FakeOllama(*OPENING, "chat_context_overflow")
    backend = open_ollama(server)
    hi = [{"role": "user", "content": "Hi"}]
    with pytest.raises(
        ContextOverflowError, match=r"does not fit num_ctx 2048 \(the prompt is longer than the context"
    ):
        backend.generate(hi, [], params())
    server.routes[("POST", "/api/chat")] = [{"status": 500, "body": {"error": "llama runner process has terminated"}}]
    with pytest.raises(BackendError, match="the Ollama server answered 500: llama runner process has terminated"):
        backend.generate(hi, [], params())
    server.raise_on_chat = httpx.ConnectError("refused")
    with pytest.raises(BackendError, match=r"is unreachable \(connection refused\)"):
        backend.generate(hi, [], params())
    server.raise_on_chat = None
    server.routes[("POST", "/api/chat")] = [{"status": 200, "body": {"done": True}}]
    with pytest.raises(BackendError, match="answered without a message"):
        backend.generate(hi, [], params())


def test_count_tokens_is_the_servers_prompt_eval_count() -> None:
    server = FakeOllama(*OPENING, "chat_no_stream")
    backend = open_ollama(server)
    docs = fixture("chat_with_tools")["request"]["body"]
    assert backend.count_tokens(docs["messages"], docs["tools"]) == 26
    sent = server.last
    assert sent["messages"] == docs["messages"] and sent["tools"] == docs["tools"]
    assert sent["options"]["num_predict"] == 1 and sent["options"]["num_ctx"] == 2048
    server.routes[("POST", "/api/chat")] = [fixture("chat_load")["response"]]
    with pytest.raises(BackendError, match="reported no prompt_eval_count"):
        backend.count_tokens(docs["messages"])


def test_show_parameters_are_read_as_the_server_writes_them() -> None:
    text = f'{"stop":<30} "<|im_end|>"\n{"stop":<30} "a \\"b\\""\n{"temperature":<30} 0.7\n{"num_ctx":<30} 4096'
    assert parse_show_parameters(text) == {"stop": ["<|im_end|>", 'a "b"'], "temperature": 0.7, "num_ctx": 4096}


# -------------------------------------------------------------------------------------------- a run of the plugin

CONFTEST = """
import json
from pathlib import Path

import httpx
import ollama

import harness.backends.ollama as backend

FIXTURES = Path({fixtures!r})
ANSWERS = {{name: json.loads((FIXTURES / f"{{name}}.json").read_text(encoding="utf-8"))["response"]
           for name in ("version", "show_pokkit_mini", "tags_pokkit_mini", "chat_load", "chat_pokkit_mini")}}
ROUTES = {{"/api/version": "version", "/api/show": "show_pokkit_mini", "/api/tags": "tags_pokkit_mini"}}
SENT = Path("sent.jsonl")
_real = backend.new_client


def answer(request):
    with SENT.open("a") as fh:
        fh.write(json.dumps({{"path": request.url.path, "body": json.loads(request.content or b"null")}}) + "\\n")
    body = json.loads(request.content or b"null")
    name = ROUTES.get(request.url.path) or ("chat_pokkit_mini" if body["messages"] else "chat_load")
    return httpx.Response(ANSWERS[name]["status"], json=ANSWERS[name]["body"])


def pytest_configure(config):
    backend.new_client = lambda host: ollama.Client(host=host, transport=httpx.MockTransport(answer))


def pytest_unconfigure(config):
    backend.new_client = _real
"""


def test_a_plugin_run_on_pokkit_writes_the_back_ends_description(pytester: pytest.Pytester) -> None:
    pokkit = Path(__file__).parents[2] / "suites" / "pokkit"
    target = pytester.path / "suites" / "pokkit"
    target.mkdir(parents=True)
    for name in ("suite.yaml", "tools.json"):
        (target / name).write_bytes((pokkit / name).read_bytes())
    pytester.makeconftest(CONFTEST.format(fixtures=str(FIXTURES)))
    result = pytester.runpytest(
        "-p", "harness.pytest_plugin", "suites/pokkit", "--model", "ollama:pokkit-mini", "--limit", "1",
        "--results", "out", "--no-report",
    )  # fmt: skip
    manifest = json.loads((pytester.path / "out" / "manifest.json").read_text())
    records = [json.loads(line) for line in (pytester.path / "out" / "results.jsonl").read_text().splitlines()]
    sent = [json.loads(line) for line in (pytester.path / "sent.jsonl").read_text().splitlines()]
    model = manifest["model"]
    assert (model["spec"], model["kind"], model["backend"]) == ("ollama:pokkit-mini", "ollama", "ollama")
    assert model["endpoint"] == model["host"] == HOST and model["server_model"] == "pokkit-mini"
    assert model["server_version"] == "0.5.1" and model["digest"].startswith("8c5a4f3f")
    assert model["template_sha256"] == hashlib.sha256(OLLAMA_CHATML_TEMPLATE.encode()).hexdigest()
    assert model["parameters"] == {"stop": ["<|im_end|>"], "temperature": 0}
    assert model["model_sha256"] is None  # the server names the model; there is no file to hash
    assert manifest["status"] == "complete" and 1 < len(records) == manifest["cases_selected"]
    assert all(r["outcome"] != "error" and r["prompt_tokens"] == 618 for r in records)
    assert records[0]["response"] == "Ribbit! I'm right here with you. 🐸 [pokkit_happy]"
    chats = [s["body"] for s in sent if s["path"] == "/api/chat" and s["body"]["messages"]]
    assert len(chats) == len(records)
    assert all(c["stream"] is False and len(c["tools"]) == 15 and c["messages"][0]["role"] == "system" for c in chats)
    assert {c["options"]["num_predict"] for c in chats} == {160} and chats[0]["options"]["num_ctx"] == 4096
    output = result.stdout.str() + result.stderr.str()
    assert result.ret in (0, 1), output  # the gates judged on the canned reply: not an untrusted run
    assert f"model: pokkit-mini [Q4_K_M] at {HOST} via ollama" in output  # the summary names the server
