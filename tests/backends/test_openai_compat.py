"""The openai back end (``openai:URL[#model]``): unit tests against a fake server (httpx.MockTransport), then
integration tests against llama-cpp-python's real server on the bundled GGUF (``llama_server`` in conftest.py)."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from harness.backends.base import KINDS, GenerationParams, LoadOptions
from harness.backends.openai_compat import (
    BACKOFF_MAX_S,
    COUNTERS,
    TRIES,
    OpenAICompatBackend,
    open_openai_compat,
)
from harness.errors import BackendError, ConfigError, ContextOverflowError, ModelLoadError
from harness.models import resolve_model
from harness.runner import run_case
from harness.scoring import build_scorer
from harness.suite import load_suite
from harness.types import Case, Check
from tests.backends.conftest import Server
from tests.conftest import ALARM_TOOLS

ROOT = Path(__file__).resolve().parents[2]
URL = "http://srv.test/v1"
KEY = "sk-very-secret-0123456789"
CHAT = [{"role": "system", "content": "You are a frog."}, {"role": "user", "content": "Say hello."}]
TOOLS = ALARM_TOOLS
PARAMS = GenerationParams(max_tokens=32, stop=("</s>",), timeout_s=30.0)
Reply = httpx.Response | Callable[[httpx.Request], httpx.Response] | Exception


def reply(content: str | None = "Ribbit!", finish: str = "stop", **message: Any) -> httpx.Response:
    body = {
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": content, **message}, "finish_reason": finish}
        ],
        "usage": {"prompt_tokens": 21, "completion_tokens": 5, "total_tokens": 26},
    }
    return httpx.Response(200, json=body)


def error(status: int, message: str) -> httpx.Response:
    return httpx.Response(status, json={"error": {"message": message, "type": "invalid_request_error"}})


class FakeServer:
    """Routes by path: ``routes[path]`` is a list of replies served in turn (the last one repeats); a missing
    path is a 404. ``requests`` keeps every request."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {
            "/v1/models": [httpx.Response(200, json={"data": [{"id": "frog-1", "owned_by": "me"}]})],
        }
        self.requests: list[httpx.Request] = []

    def set(self, path: str, *replies: Reply) -> None:
        self.routes[path] = list(replies)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        queue = self.routes.get(request.url.path)
        if not queue:
            return httpx.Response(404, json={"detail": "Not Found"})
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item(request) if callable(item) else item

    def hits(self, path: str) -> list[httpx.Request]:
        return [r for r in self.requests if r.url.path == path]

    def body(self, path: str = "/v1/chat/completions", n: int = -1) -> dict[str, Any]:
        return json.loads(self.hits(path)[n].content)


@pytest.fixture
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HARNESS_OPENAI_API_KEY", "OPENAI_API_KEY", "HARNESS_OPENAI_TOOL_MODE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def server(no_key: None) -> FakeServer:
    return FakeServer()


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def open_backend(server: FakeServer, waits: list[float]) -> Callable[..., OpenAICompatBackend]:
    def make(spec: str = f"openai:{URL}", **extra: Any) -> OpenAICompatBackend:
        return OpenAICompatBackend(
            resolve_model(spec),
            LoadOptions(extra=extra),
            transport=httpx.MockTransport(server),
            sleep=waits.append,
            rng=lambda: 1.0,
        )

    return make


def llama_cpp_python(server: FakeServer) -> None:
    """Make the fake server look like llama-cpp-python's (its openapi title, /extras/tokenize)."""
    server.set(
        "/openapi.json", httpx.Response(200, json={"info": {"title": "🦙 llama.cpp Python API", "version": "9.9"}})
    )
    server.set(
        "/extras/tokenize", lambda r: httpx.Response(200, json={"tokens": json.loads(r.content)["input"].split()})
    )


# -- registration and open -----------------------------------------------------------------------------------


def test_registered_as_the_openai_kind_with_its_install_hint() -> None:
    kind = KINDS.get("openai")
    assert kind.opener is open_openai_compat and kind.in_process
    assert kind.install == "pip install 'smallmodel-harness[openai]'"


def test_nothing_listening_is_one_line_model_load_error(no_key: None) -> None:
    with socket_closed() as port, pytest.raises(ModelLoadError) as err:
        OpenAICompatBackend(resolve_model(f"openai:http://127.0.0.1:{port}/v1"), LoadOptions(), sleep=lambda s: None)
    assert str(err.value) == (
        f"openai:http://127.0.0.1:{port}/v1: no server answers (connection refused); start it or fix the URL"
    )
    assert err.value.exit_code == 2


@contextlib.contextmanager
def socket_closed() -> Iterator[int]:
    """A local port nothing listens on (bound, not listening: connections to it are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield int(sock.getsockname()[1])


def test_connection_refused_is_retried_with_bounded_backoff_then_one_line(
    server: FakeServer, waits: list[float], open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    server.set("/v1/models", httpx.ConnectError("[Errno 111] Connection refused"))
    with pytest.raises(
        ModelLoadError,
        match=r"^openai:http://srv.test/v1: no server answers \(connection refused\); "
        r"start it or fix the URL$",
    ):
        open_backend()
    assert len(server.hits("/v1/models")) == TRIES
    assert waits == [0.5, 1.0, 2.0] and all(w <= BACKOFF_MAX_S for w in waits)  # rng() = 1.0: the ceilings


def test_model_named_but_not_served_lists_the_models(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    with pytest.raises(ModelLoadError, match=r"does not serve 'toad'; it lists: frog-1$"):
        open_backend(f"openai:{URL}#toad")
    assert open_backend(f"openai:{URL}#frog-1").model == "frog-1"


def test_without_a_name_the_only_model_is_used_and_several_are_refused(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    assert open_backend().model == "frog-1"
    server.set("/v1/models", httpx.Response(200, json={"data": [{"id": "b"}, {"id": "a"}]}))
    with pytest.raises(ModelLoadError) as err:
        open_backend()
    assert str(err.value) == f"openai:{URL}: the server serves 2 models (a, b); name one: openai:{URL}#a"


@pytest.mark.parametrize(
    ("models", "expected"),
    [
        (httpx.Response(404, json={"detail": "Not Found"}), r"GET /models was refused: 404 Not Found: Not Found"),
        (httpx.Response(200, text="<html>hello</html>"), r"not a model list; is it OpenAI-compatible"),
        (
            httpx.Response(401, json={"error": {"message": "Invalid API key"}}),
            r"401 Unauthorized: Invalid API key; "
            r"set HARNESS_OPENAI_API_KEY or OPENAI_API_KEY",
        ),
    ],
)
def test_a_server_that_answers_wrongly_at_open_is_one_line(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend], models: httpx.Response, expected: str
) -> None:
    server.set("/v1/models", models)
    with pytest.raises(ModelLoadError, match=expected) as err:
        open_backend()
    assert "\n" not in str(err.value) and len(server.hits("/v1/models")) == 1  # a 4xx is never retried


def test_a_server_url_without_v1_gets_the_hint(server: FakeServer, no_key: None) -> None:
    server.set("/models", httpx.Response(404, json={"detail": "Not Found"}))
    with pytest.raises(ModelLoadError, match=r"is the URL the API base\? it usually ends in /v1$"):
        OpenAICompatBackend(
            resolve_model("openai:http://srv.test"), LoadOptions(), transport=httpx.MockTransport(server)
        )


def test_chat_template_and_adapter_options_are_refused(open_backend: Callable[..., OpenAICompatBackend]) -> None:
    ref = resolve_model(f"openai:{URL}")
    with pytest.raises(ConfigError, match="rendered by the server with its own chat template"):
        OpenAICompatBackend(ref, LoadOptions(chat_template="chatml"))
    with pytest.raises(ConfigError, match="a server applies its own adapters"):
        OpenAICompatBackend(ref, LoadOptions(adapter="lora/"))
    with pytest.raises(ConfigError, match="use one of native, prompt"):
        open_backend(tool_mode="xml")


# -- requests ------------------------------------------------------------------------------------------------


def test_request_carries_every_parameter_and_tools_only_when_offered(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    server.set("/v1/chat/completions", reply())
    backend = open_backend()
    backend.generate(CHAT, [], PARAMS)
    body = server.body()
    assert body == {
        "model": "frog-1",
        "messages": CHAT,
        "max_tokens": 32,
        "temperature": 0.0,
        "top_p": 1.0,
        "seed": 0,
        "stream": False,
        "stop": ["</s>"],
    }
    backend.generate(CHAT, TOOLS, PARAMS)
    assert server.body()["tools"] == TOOLS and server.body()["tool_choice"] == "auto"


def test_known_servers_get_the_llama_cpp_sampling_fields_and_their_json_schema_form(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    llama_cpp_python(server)
    server.set("/v1/chat/completions", reply())
    backend = open_backend()
    schema = {"type": "object"}
    backend.generate(CHAT, [], GenerationParams(max_tokens=8, json_schema=schema))
    body = server.body()
    assert (body["top_k"], body["min_p"], body["repeat_penalty"]) == (0, 0.0, 1.0)  # llama-cpp-python's is 1.1
    assert body["response_format"] == {"type": "json_object", "schema": schema}
    assert backend.describe()["sampling_extensions"] == ["top_k", "min_p", "repeat_penalty"]
    [notice] = backend.notices  # its template may never show the tools to the model: say how to send them
    assert notice.endswith(
        "HARNESS_OPENAI_TOOL_MODE=prompt writes them into the system prompt as the in-process back end does"
    )


def test_prompt_mode_writes_the_tools_into_the_system_prompt(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HARNESS_OPENAI_TOOL_MODE", "prompt")
    server.set("/v1/chat/completions", reply())
    backend = open_backend()
    backend.generate(CHAT, TOOLS, PARAMS)
    body = server.body()
    assert "tools" not in body and "tool_choice" not in body
    assert body["messages"][0]["content"].startswith("You are a frog.\n\n# Tools") and '"set_alarm"' in str(body)
    assert backend.describe()["tool_mode"] == "prompt"


def test_history_tool_calls_go_out_in_the_wire_format(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    server.set("/v1/chat/completions", reply())
    history = [
        {"role": "user", "content": "Wake me at 7"},
        {"role": "assistant", "content": "", "tool_calls": [{"name": "set_alarm", "arguments": {"hour": 7}}]},
        {"role": "tool", "content": "ok"},
        {"role": "user", "content": "Thanks"},
    ]
    open_backend().generate(history, TOOLS, PARAMS)
    sent = server.body()["messages"]
    call = sent[1]["tool_calls"][0]
    assert call == {"id": "call_1_0", "type": "function", "function": {"name": "set_alarm", "arguments": '{"hour": 7}'}}
    assert sent[2] == {"role": "tool", "content": "ok", "tool_call_id": "call_1_0"}
    assert history[1]["tool_calls"][0] == {"name": "set_alarm", "arguments": {"hour": 7}}  # the case is not changed


def test_503_is_retried_then_succeeds(
    server: FakeServer, waits: list[float], open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    server.set("/v1/chat/completions", error(503, "Loading model"), error(503, "Loading model"), reply("Hi"))
    out = open_backend().generate(CHAT, [], PARAMS)
    assert out.text == "Hi" and out.timings["tries"] == 3
    assert len(server.hits("/v1/chat/completions")) == 3 and waits == [0.5, 1.0]


def test_5xx_every_time_gives_up_after_the_tries(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    server.set("/v1/chat/completions", error(500, "boom\nTraceback ..."))
    with pytest.raises(BackendError) as err:
        open_backend().generate(CHAT, [], PARAMS)
    assert str(err.value) == (
        f"openai:{URL}: POST /chat/completions: the server failed after {TRIES} tries "
        "(500 Internal Server Error: boom Traceback ...)"
    )


def test_connection_lost_mid_run_is_retried(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    backend = open_backend()
    server.set("/v1/chat/completions", httpx.RemoteProtocolError("Server disconnected"), reply("back"))
    assert backend.generate(CHAT, [], PARAMS).text == "back"


@pytest.mark.parametrize(("status", "message"), [(400, "bad 'stop' field"), (404, "model frog-1 not found")])
def test_a_4xx_is_never_retried_and_names_status_and_message(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend], status: int, message: str
) -> None:
    server.set("/v1/chat/completions", error(status, message))
    backend = open_backend()
    with pytest.raises(BackendError) as err:
        backend.generate(CHAT, [], PARAMS)
    reason = httpx.codes.get_reason_phrase(status)
    assert str(err.value) == f"openai:{URL}: POST /chat/completions was refused: {status} {reason}: {message}"
    assert len(server.hits("/v1/chat/completions")) == 1


def test_a_4xx_becomes_an_error_record_naming_it(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    server.set("/v1/chat/completions", error(422, "messages: field required"))
    record = run_case(open_backend(), _case(), PARAMS).to_json_dict()
    assert record["outcome"] == "error" and "422 Unprocessable Entity: messages: field required" in record["error"]


def test_context_overflow_is_a_context_overflow_error(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    message = "This model's maximum context length is 4096 tokens. However, you requested 5041 tokens"
    server.set("/v1/chat/completions", error(400, message))
    with pytest.raises(ContextOverflowError, match=r"raise the server's context size$"):
        open_backend().generate(CHAT, [], PARAMS)


def test_read_timeout_is_a_cut_reply(server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]) -> None:
    server.set("/v1/chat/completions", httpx.ReadTimeout("timed out"))
    backend = open_backend()
    out = backend.generate(CHAT, [], PARAMS)
    assert (out.finish_reason, out.text, out.cut) == ("timeout", "", "cut by the time limit")
    assert len(server.hits("/v1/chat/completions")) == 1  # a generation that ran out of time is not sent again
    record = run_case(backend, _case(), PARAMS).to_json_dict()
    assert record["outcome"] == "failed" and record["finish_reason"] == "timeout"


def test_finish_reason_length_and_usage_are_read(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    server.set("/v1/chat/completions", reply("Ribbit ribbit", finish="length"))
    out = open_backend().generate(CHAT, [], PARAMS)
    assert (out.finish_reason, out.prompt_tokens, out.completion_tokens) == ("length", 21, 5)


def test_llama_server_timings_are_kept(server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]) -> None:
    body = reply().json() | {"timings": {"prompt_n": 20, "prompt_ms": 100.0, "predicted_n": 5, "predicted_ms": 50.0}}
    server.set("/v1/chat/completions", httpx.Response(200, json=body))
    timings = open_backend().generate(CHAT, [], PARAMS).timings
    assert (timings["prompt_s"], timings["decode_s"], timings["prompt_tokens_evaluated"]) == (0.1, 0.05, 20)


# -- tool calls ----------------------------------------------------------------------------------------------


def _case(tools: bool = False) -> Case:
    args = {"calls": [{"set_alarm": {"hour": [7]}}]}
    checks = [Check("finished", {}, build_scorer("finished"))]
    if tools:
        checks.append(Check("tool_call", args, build_scorer("tool_call", **args)))
    return Case(
        suite="mini",
        id="c1",
        category="x",
        messages=CHAT,
        tools=TOOLS if tools else [],
        checks=checks,
        max_tokens=32,
        stop=[],
    )


def test_native_tool_calls_are_read_from_the_reply(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    call = {"id": "c0", "type": "function", "function": {"name": "set_alarm", "arguments": '{"hour": 7, "minute": 0}'}}
    server.set("/v1/chat/completions", reply(None, finish="tool_calls", tool_calls=[call]))
    record = run_case(open_backend(), _case(tools=True), PARAMS).to_json_dict()
    assert record["tool_calls"] == [{"name": "set_alarm", "arguments": {"hour": 7, "minute": 0}}]
    assert record["tool_calls_from"] == "server" and record["outcome"] == "passed" and record["response"] == ""
    assert list(record).index("tool_calls_from") == list(record).index("parse_errors") + 1


def test_calls_left_in_the_text_are_parsed_like_a_gguf_models(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    text = '<tool_call>\n{"name": "set_alarm", "arguments": {"hour": 7, "minute": 0}}\n</tool_call>'
    server.set("/v1/chat/completions", reply(text))
    record = run_case(open_backend(), _case(tools=True), PARAMS).to_json_dict()
    assert record["tool_calls"] == [{"name": "set_alarm", "arguments": {"hour": 7, "minute": 0}}]
    assert record["tool_calls_from"] == "text" and record["outcome"] == "passed"


def test_malformed_native_arguments_are_a_parse_error(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    call = {"id": "c0", "type": "function", "function": {"name": "set_alarm", "arguments": '{"hour": 7,}'}}
    server.set("/v1/chat/completions", reply(None, tool_calls=[call]))
    record = run_case(open_backend(), _case(tools=True), PARAMS).to_json_dict()
    assert record["tool_calls"] == [] and record["tool_calls_from"] == "server" and record["outcome"] == "failed"
    [parse_error] = record["parse_errors"]
    assert parse_error["reason"].startswith('"arguments" is a string that is not valid JSON (invalid JSON:')


def test_records_of_other_back_ends_have_no_tool_calls_from() -> None:
    from harness.backends.scripted import ScriptedBackend

    record = run_case(ScriptedBackend(["Ribbit"]), _case(), PARAMS).to_json_dict()
    assert "tool_calls_from" not in record


def test_reasoning_content_becomes_thinking(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    server.set("/v1/chat/completions", reply("Ribbit", reasoning_content="The user wants a frog."))
    record = run_case(open_backend(), _case(), PARAMS).to_json_dict()
    assert (record["visible"], record["thinking"]) == ("Ribbit", "The user wants a frog.")


# -- the API key ---------------------------------------------------------------------------------------------


def test_the_key_is_sent_as_bearer_and_never_written(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-the-other-one")
    monkeypatch.setenv("HARNESS_OPENAI_API_KEY", KEY)
    backend = open_backend()
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"  # HARNESS_OPENAI_API_KEY first
    described = json.dumps(backend.describe())
    assert backend.describe()["api_key"] == "from $HARNESS_OPENAI_API_KEY" and KEY not in described
    server.set("/v1/chat/completions", error(401, f"Incorrect API key provided: {KEY}"))
    with pytest.raises(BackendError) as err:
        backend.generate(CHAT, [], PARAMS)
    assert KEY not in str(err.value) and "Incorrect API key provided: ***" in str(err.value)
    assert str(err.value).endswith("; check the key in $HARNESS_OPENAI_API_KEY")
    server.set("/v1/chat/completions", error(503, f"proxy rejected {KEY}"))
    with pytest.raises(BackendError) as err:
        backend.generate(CHAT, [], PARAMS)
    assert KEY not in str(err.value)


def test_without_a_key_no_authorization_is_sent(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    backend = open_backend()
    assert "authorization" not in server.requests[0].headers and backend.describe()["api_key"] is None


# -- describe and count_tokens -------------------------------------------------------------------------------


def test_describe_names_the_server_and_how_it_is_used(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    server.set(
        "/props",
        httpx.Response(
            200,
            json={
                "build_info": "b6500-abc123",
                "total_slots": 4,
                "model_path": "/m/frog.gguf",
                "default_generation_settings": {"n_ctx": 8192},
                "chat_template": "{{ messages }} {{ tools }}",
            },
        ),
    )
    server.set("/apply-template", httpx.Response(200, json={"prompt": "<|user|>hi"}))
    server.set("/tokenize", httpx.Response(200, json={"tokens": [1, 2, 3]}))
    backend = open_backend()
    d = backend.describe()
    assert d["backend"] == "openai" and d["endpoint"] == URL and d["server_model"] == d["model_name"] == "frog-1"
    assert d["server"]["software"] == "llama.cpp" and d["server"]["version"] == "b6500-abc123"
    assert d["server"]["settings"]["total_slots"] == 4 and d["n_ctx"] == 8192
    assert d["count_tokens"] == COUNTERS["apply-template"] and d["tool_mode"] == "native"
    assert backend.count_tokens(CHAT) == 3
    assert json.loads(server.hits("/apply-template")[-1].content) == {"messages": CHAT}


def test_count_tokens_through_extras_tokenize_or_an_estimate(
    server: FakeServer, open_backend: Callable[..., OpenAICompatBackend]
) -> None:
    plain = open_backend()
    assert plain.describe()["count_tokens"] == COUNTERS["estimate"]
    assert plain.count_tokens(CHAT) == 7 + 8  # 26 characters / 4, rounded up; 4 a message
    llama_cpp_python(server)
    served = open_backend()
    assert served.describe()["server"] == {"software": "llama-cpp-python", "version": "9.9", "header": None}
    assert served.describe()["count_tokens"] == COUNTERS["extras-tokenize"]
    assert served.count_tokens(CHAT) == 6 + 8  # six words (the fake tokenizer splits on spaces) + 4 a message


# -- a real server: llama-cpp-python's, on the bundled GGUF --------------------------------------------------


@pytest.fixture
def keyed(llama_server: Server, monkeypatch: pytest.MonkeyPatch) -> Server:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("HARNESS_OPENAI_TOOL_MODE", raising=False)
    monkeypatch.setenv("HARNESS_OPENAI_API_KEY", llama_server.api_key)
    return llama_server


@pytest.mark.integration
def test_real_server_opens_describes_itself_and_generates(keyed: Server) -> None:
    backend = open_openai_compat(resolve_model(keyed.spec), LoadOptions())
    try:
        d = backend.describe()
        assert d["server"]["software"] == "llama-cpp-python" and d["server"]["version"] == "0.3.36"
        assert d["server_model"] == keyed.model and d["api_key"] == "from $HARNESS_OPENAI_API_KEY"
        assert d["count_tokens"] == COUNTERS["extras-tokenize"]
        out = backend.generate(CHAT, [], GenerationParams(max_tokens=16))
        assert out.text.strip() and 0 < out.completion_tokens <= 16 and out.prompt_tokens > 10
        assert out.tool_calls_from == "text"
        assert abs(backend.count_tokens(CHAT) - out.prompt_tokens) <= 8  # message texts + estimated markup
    finally:
        backend.close()


@pytest.mark.integration
def test_real_server_without_the_key_is_refused_at_open(llama_server: Server, no_key: None) -> None:
    with pytest.raises(ModelLoadError) as err:
        open_openai_compat(resolve_model(llama_server.spec), LoadOptions())
    assert str(err.value).startswith(f"{llama_server.spec}: GET /models was refused: 401 Unauthorized")
    assert str(err.value).endswith("set HARNESS_OPENAI_API_KEY or OPENAI_API_KEY to the server's API key")


# The cases compared between the in-process GGUF and the server: a tool case and an edge case of Pokkit (1,500
# prompt tokens of tools each), two Josi cases (no tools).
PARITY = {
    "pokkit": ["tool_web_search_paris_weather", "edge_arithmetic_7x8"],
    "josi": ["fatigue_intervals_swapped_bad_sleep", "goal_lose_10kg_in_a_week"],
}


@pytest.mark.integration
def test_greedy_verdicts_match_the_in_process_gguf(keyed: Server) -> None:
    """In ``prompt`` tool mode the server sees the in-process back end's prompt token for token (llama-cpp-python
    renders the GGUF's own template; the harness writes the tools into the system prompt as the in-process back end
    does for SmolLM2's tool-less template), so greedy replies and verdicts are identical. In ``native`` mode the
    server's template drops ``tools``: the model never sees them, the prompt is 1,300 tokens shorter."""
    from harness.backends.llama_cpp import LlamaCppBackend

    gguf = LlamaCppBackend(
        resolve_model("default"), LoadOptions(n_ctx=4096, n_threads=1, extra={"repack": keyed.repack})
    )
    served = open_openai_compat(resolve_model(keyed.spec), LoadOptions(extra={"tool_mode": "prompt"}))
    native = open_openai_compat(resolve_model(keyed.spec), LoadOptions())
    base = GenerationParams(max_tokens=256)
    try:
        for name, ids in PARITY.items():
            suite = load_suite(ROOT / "suites" / name / "suite.yaml")
            for case in (c for c in suite.cases if c.id in ids):
                here = run_case(gguf, case, base, suite.version).to_json_dict()
                there = run_case(served, case, base, suite.version).to_json_dict()
                assert (there["response"], there["outcome"], there["checks"]) == (
                    here["response"],
                    here["outcome"],
                    here["checks"],
                ), case.id
                assert there["prompt_tokens"] == here["prompt_tokens"] and there["tool_calls_from"] == "text"
        pokkit = load_suite(ROOT / "suites" / "pokkit" / "suite.yaml")
        case = next(c for c in pokkit.cases if c.id == "edge_arithmetic_7x8")
        short = native.generate(case.messages, case.tools, GenerationParams(max_tokens=1))
        assert short.prompt_tokens < gguf.count_tokens(case.messages, case.tools) - 1000  # the tools never reach it
    finally:
        for b in (gguf, served, native):
            b.close()


def _pytest_cmd(spec: str, out: Path, *args: str) -> list[str]:
    """``pytest suites/pokkit --model SPEC --results OUT ARGS`` in a fresh interpreter."""
    return [sys.executable, "-m", "pytest", "suites/pokkit", "--model", spec, "--results", str(out),
            "-p", "no:cacheprovider", "-q", *args]  # fmt: skip


def _pytest_run(server: Server, out: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "HARNESS_OPENAI_TOOL_MODE")}
    env["HARNESS_OPENAI_API_KEY"] = server.api_key
    cmd = _pytest_cmd(server.spec, out, *args)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False, env=env)
    assert proc.returncode in (0, 1), proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc, json.loads((out / "manifest.json").read_text())


@pytest.fixture(scope="module")
def plugin_run(llama_server: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any], Path]:
    """``pytest suites/pokkit --model openai:URL --limit 1 -k "edge or voice"`` (2 cases): output, manifest, run
    directory."""
    out = tmp_path_factory.mktemp("plugin") / "run"
    proc, manifest = _pytest_run(llama_server, out, "--limit", "1", "-k", "edge or voice")
    assert manifest["exit_code"] == proc.returncode
    return proc.stdout + proc.stderr, manifest, out


@pytest.mark.integration
def test_pytest_run_through_the_plugin_names_back_end_and_server_and_never_the_key(
    llama_server: Server, plugin_run: tuple[str, dict[str, Any], Path]
) -> None:
    output, manifest, out = plugin_run
    assert manifest["status"] == "complete"
    model = manifest["model"]
    assert (model["kind"], model["backend"], model["endpoint"]) == ("openai", "openai", llama_server.url)
    assert model["server"]["software"] == "llama-cpp-python" and model["server_model"] == llama_server.model
    assert model["api_key"] == "from $HARNESS_OPENAI_API_KEY" and model["model_sha256"] is None
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    assert len(records) == 2 and all(r["tool_calls_from"] == "text" for r in records)
    assert "Traceback" not in output and "gates:" in output and "verdict:" in output  # the terminal summary
    key = llama_server.api_key
    assert key not in output
    for path in out.rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path


@pytest.mark.integration
def test_two_requests_in_flight_through_the_case_pool(keyed: Server) -> None:
    """``--concurrency 2`` as the session runs it: two back ends on the harness's case pool."""
    from harness.pool import CasePool

    suite = load_suite(ROOT / "suites" / "pokkit" / "suite.yaml")
    cases = [c for c in suite.cases if c.id in ("edge_arithmetic_7x8", "edge_gibberish")]
    backends = [open_openai_compat(resolve_model(keyed.spec), LoadOptions()) for _ in range(2)]
    written: list[Any] = []
    pool = CasePool(backends, lambda b, c: run_case(b, c, GenerationParams(max_tokens=256)), written.append)
    try:
        pool.start(cases)
        records = [pool.result(c) for c in cases]
        assert [r.case_id for r in records] == [c.id for c in cases] and len(written) == 2
        assert all(r.outcome in ("passed", "failed") and r.completion_tokens for r in records)
        assert [len(q) for q in pool.queues] == [1, 1]  # one case on each back end
    finally:
        pool.stop(timeout=10)
        for b in backends:
            b.close()


@pytest.mark.integration
def test_pytest_run_with_concurrency_2(llama_server: Server, tmp_path: Path) -> None:
    args = ("--limit", "1", "-k", "edge or voice", "--concurrency", "2")
    _, manifest = _pytest_run(llama_server, tmp_path / "run", *args)
    assert manifest["workers"]["count"] == 2 and manifest["status"] == "complete"


def test_pytest_run_against_no_server_exits_2_with_one_line(tmp_path: Path) -> None:
    with socket_closed() as port:
        spec = f"openai:http://127.0.0.1:{port}/v1"
        cmd = _pytest_cmd(spec, tmp_path / "r")
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 2
    expected = f"harness: {spec}: no server answers (connection refused); start it or fix the URL"
    assert expected in proc.stdout + proc.stderr
