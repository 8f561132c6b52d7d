"""OpenAI-compatible chat servers: ``--model openai:URL[#model]`` (llama.cpp's ``llama-server``, vLLM,
llama-cpp-python's server, and any other server that answers ``POST {URL}/chat/completions``).

Open: ``GET {URL}/models`` before any case runs. A server that does not answer, answers with an error, or does
not list the requested model is one :class:`~harness.errors.ModelLoadError` line (exit 2). Without ``#model``
the server's only model is used (several are listed in the error). The server is then asked about itself,
where it says (llama.cpp: ``/props``; llama-cpp-python: ``/openapi.json``; vLLM: ``/version``; the ``server``
header), for ``describe()``.

Requests: one non-streamed ``POST /chat/completions`` per generation with ``temperature``, ``top_p``, ``seed``,
``max_tokens`` and ``stop`` from :class:`GenerationParams`, plus ``top_k``, ``min_p`` and ``repeat_penalty``
(``repetition_penalty`` for vLLM) when the server is one known to take them (llama.cpp, llama-cpp-python,
vLLM: llama-cpp-python's own default repeat_penalty is 1.1, which changes greedy text). ``timeout_s`` is the
request's read timeout: a reply that takes longer ends the case with finish_reason ``"timeout"`` (a cut reply
with no text: the server sends nothing before it is done). Connection errors, a connect phase that times out
and 5xx replies are retried (:data:`TRIES` tries, exponential backoff with jitter, at most
:data:`BACKOFF_MAX_S` between tries); a 4xx never is: it is a BackendError naming the status and the server's
message (a context overflow is a ContextOverflowError).

Tool calls (``tool_mode``: ``LoadOptions.extra["tool_mode"]``, else ``$HARNESS_OPENAI_TOOL_MODE``):

- ``native`` (default): the tools go in the request (``tools``, ``tool_choice: "auto"`` only when tools are
  offered); calls are read from the reply's ``tool_calls`` (arguments JSON-decoded; a malformed one is a
  ParseError, as in the text parser), or, when the reply has none, parsed from its text by
  :mod:`harness.parsing` like a GGUF model's. ``Completion.tool_calls_from`` (the record's ``tool_calls_from``)
  says which: ``"server"`` or ``"text"``.
- ``prompt``: the harness writes the tools into the system prompt in the Hermes format and sends no ``tools``
  (:func:`harness.chat.inline_tools`, what the in-process back ends do for a template that ignores tools, such
  as SmolLM2's); calls are parsed from the text. For a server whose chat template drops ``tools`` (llama-cpp-
  python's server renders the GGUF's template and never tells the model about them), this is what makes its
  prompts the in-process back end's.

The API key comes only from ``$HARNESS_OPENAI_API_KEY``, else ``$OPENAI_API_KEY``, and is sent as a Bearer
token; ``describe()`` names the variable, never the key, and error text has it masked.

``count_tokens``: exact through llama.cpp's ``/apply-template`` + ``/tokenize`` or vLLM's ``/tokenize``;
llama-cpp-python's ``/extras/tokenize`` on the messages' text plus an estimate of the template's markup; else
an estimate (characters / 4). ``describe()["count_tokens"]`` says which.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import math
import os
import random
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import harness
from harness.backends.base import GenerationParams, LoadOptions, backend_kind, missing_dependency
from harness.chat import inline_tools
from harness.errors import BackendError, ConfigError, ContextOverflowError, ModelLoadError
from harness.models import ModelRef
from harness.parsing import parse_openai_tool_calls
from harness.results import strip_control
from harness.types import Completion, Message, ParseError, ToolCall, ToolSchema

if TYPE_CHECKING:
    import httpx

KIND = "openai"
API_KEY_ENVS = ("HARNESS_OPENAI_API_KEY", "OPENAI_API_KEY")  # the first one set is used
TOOL_MODE_ENV = "HARNESS_OPENAI_TOOL_MODE"
TOOL_MODES = ("native", "prompt")
TRIES = 4  # connection errors, connect timeouts and 5xx: this many tries in all
BACKOFF_S = 0.5  # the wait before the second try; doubled for each later one (with jitter)
BACKOFF_MAX_S = 8.0
CONNECT_TIMEOUT_S = 10.0
PROBE_TIMEOUT_S = 10.0  # GET /models at open
INFO_TIMEOUT_S = 3.0  # the optional questions a server may not answer (/props, /version, tokenizers)
COUNT_TIMEOUT_S = 120.0  # count_tokens' requests, which may wait behind generations on a busy server
CHARS_PER_TOKEN = 4  # count_tokens' estimate when the server has no tokenizer endpoint
MARKUP_TOKENS_PER_MESSAGE = 4  # a chat template's role markers around each message (estimated)
ERROR_TEXT_LIMIT = 300
# count_tokens' ways, by what the server offers (describe() records the sentence).
COUNTERS = {
    "apply-template": "exact: llama.cpp's /apply-template renders the prompt, /tokenize counts it",
    "vllm-tokenize": "exact: vLLM's /tokenize of the messages",
    "tokenize": "estimate: llama.cpp's /tokenize of the message texts + 4 tokens a message for the template",
    "extras-tokenize": "estimate: llama-cpp-python's /extras/tokenize of the message texts + 4 tokens a message "
    "for the template",
    "estimate": "estimate: characters / 4 + 4 tokens a message (the server has no tokenizer endpoint)",
}
# The llama.cpp sampling fields sent to servers known to take them (llama-server, llama-cpp-python, vLLM).
EXTENSION_FLAVOURS = ("llama.cpp", "llama-cpp-python", "vllm")
_ERRNO_RE = re.compile(r"^\[Errno -?\d+\]\s*")


class _GaveUp(Exception):
    """Every try failed on a retryable problem; ``reason`` is the last one, ``connection`` whether it was one
    of connecting (rather than a 5xx reply)."""

    def __init__(self, reason: str, connection: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.connection = connection


def api_key_env() -> str | None:
    """The environment variable the API key comes from (the first of :data:`API_KEY_ENVS` set), or None."""
    return next((name for name in API_KEY_ENVS if os.environ.get(name)), None)


def _one_line(text: str, limit: int = ERROR_TEXT_LIMIT) -> str:
    text = " ".join(strip_control(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _connection_reason(exc: Exception) -> str:
    """What went wrong connecting, in a few words: "connection refused", "cannot resolve the host", ..."""
    text = str(exc) or type(exc).__name__
    low = text.lower()
    if "refused" in low:
        return "connection refused"
    if "name or service not known" in low or "name resolution" in low or "nodename nor servname" in low:
        return "cannot resolve the host"
    if "disconnected" in low or "connection reset" in low:
        return "the server closed the connection"
    text = _ERRNO_RE.sub("", text)
    return _one_line(text[:1].lower() + text[1:], 120)


def _server_message(resp: httpx.Response) -> str:
    """The server's own words in an error reply: ``error.message`` (OpenAI, llama.cpp), ``detail`` (FastAPI),
    ``message``, else the body's start."""
    try:
        data = resp.json()
    except ValueError:
        data = None
    if isinstance(data, dict):
        err = data.get("error")
        for value in (err.get("message") if isinstance(err, dict) else err, data.get("detail"), data.get("message")):
            if isinstance(value, str) and value.strip():
                return _one_line(value)
            if value:
                return _one_line(json.dumps(value, default=str))
    return _one_line(resp.text) or "(empty reply)"


def _root(endpoint: str) -> str:
    """The server's root: the API base without its ``/v1`` (where llama.cpp and vLLM keep their own routes)."""
    return endpoint[: -len("/v1")] if endpoint.endswith("/v1") else endpoint


def _wire_messages(messages: list[Message]) -> list[Message]:
    """Messages as the chat API takes them: an assistant turn's calls with ids and JSON-string arguments, a tool
    result with the id of the call it answers."""
    out: list[Message] = []
    pending: list[str] = []
    for n, msg in enumerate(messages):
        msg = dict(msg)
        if msg.get("role") == "assistant" and msg.get("tool_calls"):
            calls: list[dict[str, Any]] = []
            pending = []
            for i, call in enumerate(msg["tool_calls"]):
                fn = call.get("function", call)
                args = fn.get("arguments", {})
                pending.append(str(call.get("id") or f"call_{n}_{i}"))
                calls.append({"id": pending[-1], "type": "function", "function": {
                    "name": fn.get("name"),
                    "arguments": args if isinstance(args, str) else json.dumps(args, ensure_ascii=False),
                }})  # fmt: skip
            msg["tool_calls"] = calls
            msg.setdefault("content", None)
        elif msg.get("role") == "tool" and not msg.get("tool_call_id"):
            msg["tool_call_id"] = pending.pop(0) if pending else f"call_{n}"
        out.append(msg)
    return out


class OpenAICompatBackend:
    """A model behind an OpenAI-compatible server. ``transport`` (an httpx transport: tests pass a
    ``MockTransport``), ``sleep`` and ``rng`` (the backoff's) are for tests."""

    name = KIND

    def __init__(
        self,
        ref: ModelRef,
        options: LoadOptions,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        import httpx

        if ref.endpoint is None:
            raise ModelLoadError(f"{ref.spec}: no server URL; pass openai:URL[#model]")
        if options.chat_template:
            raise ConfigError(
                f"--chat-template {options.chat_template}: {ref.spec} is rendered by the server with its own chat "
                f"template; drop --chat-template (or set {TOOL_MODE_ENV}=prompt to put tools in the system prompt)"
            )
        if options.adapter:
            raise ConfigError(f"--adapter {options.adapter}: a server applies its own adapters; drop --adapter")
        self.ref = ref
        self.options = options
        self.spec = ref.spec
        self.endpoint = ref.endpoint
        self.root = _root(ref.endpoint)
        self.tool_mode = self._tool_mode(options)
        self._sleep = sleep
        self._rng = rng
        self._key_env = api_key_env()
        self._key = os.environ.get(self._key_env) if self._key_env else None
        headers = {"User-Agent": f"smallmodel-harness/{harness.__version__}", "Accept": "application/json"}
        if self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        self._client = httpx.Client(headers=headers, transport=transport, follow_redirects=True)
        self.notices: list[str] = []
        self.server: dict[str, Any] = {}
        self.flavour = "unknown"
        self.n_ctx: int | None = None
        self._chat_template: str | None = None
        self._server_header: str | None = None
        self.counter = "estimate"
        start = time.perf_counter()
        try:
            self.model, self.model_entry = self._probe_models()
            self._ask_server()
        except BaseException:
            self._client.close()
            raise
        self.load_s = time.perf_counter() - start

    # -- requests -------------------------------------------------------------------------------------------

    @staticmethod
    def _tool_mode(options: LoadOptions) -> str:
        mode = options.extra.get("tool_mode") or os.environ.get(TOOL_MODE_ENV) or "native"
        if mode not in TOOL_MODES:
            raise ConfigError(f"tool mode {mode!r} ({TOOL_MODE_ENV}): use one of {', '.join(TOOL_MODES)}")
        return str(mode)

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "***") if self._key else text

    def _backoff(self, tried: int) -> float:
        """The wait after the ``tried``-th failed try: exponential, half of it random, at most BACKOFF_MAX_S."""
        ceiling = min(BACKOFF_MAX_S, BACKOFF_S * 2 ** (tried - 1))
        return ceiling / 2 + self._rng() * ceiling / 2

    def _send(
        self, method: str, url: str, body: dict[str, Any] | None, timeout: httpx.Timeout, tries: int = TRIES
    ) -> tuple[httpx.Response, int]:
        """The first reply below 500 and the tries it took. Connection errors, connect timeouts and 5xx are
        tried again after a backoff; every try failing raises :class:`_GaveUp`. Other timeouts propagate."""
        import httpx

        reason, connection = "", True
        for tried in range(1, tries + 1):
            try:
                resp = self._client.request(method, url, json=body, timeout=timeout)
            except httpx.ConnectTimeout:
                reason, connection = f"no connection within {timeout.connect:g}s", True
            except (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                reason, connection = _connection_reason(exc), True
            else:
                if resp.status_code < 500:
                    return resp, tried
                reason, connection = f"{resp.status_code} {resp.reason_phrase}: {_server_message(resp)}", False
            if tried < tries:
                self._sleep(self._backoff(tried))
        raise _GaveUp(self._redact(reason), connection)

    def _refusal(self, what: str, resp: httpx.Response) -> str:
        """One line for a 4xx: the request, the status, the server's message and what to do."""
        message = _server_message(resp)
        hint = ""
        if resp.status_code in (401, 403):
            hint = (
                f"; check the key in ${self._key_env}"
                if self._key_env
                else f"; set {' or '.join(API_KEY_ENVS)} to the server's API key"
            )
        elif resp.status_code == 404 and not self.endpoint.endswith("/v1"):
            hint = "; is the URL the API base? it usually ends in /v1"
        elif resp.status_code == 429:
            hint = "; lower --concurrency or wait"
        return self._redact(f"{what}: {resp.status_code} {resp.reason_phrase}: {message}{hint}")

    def _ask(self, method: str, path: str, body: dict[str, Any] | None = None, counting: bool = False) -> Any:
        """A question to the server's own routes (under its root): the JSON answer, or None (no such route, not
        JSON, no answer). ``counting``: for count_tokens, with retries and the long timeout a busy server needs
        (llama-cpp-python answers one request at a time)."""
        import httpx

        timeout = httpx.Timeout(COUNT_TIMEOUT_S if counting else INFO_TIMEOUT_S, connect=CONNECT_TIMEOUT_S)
        try:
            resp, _ = self._send(method, f"{self.root}{path}", body, timeout, tries=TRIES if counting else 1)
            return resp.json() if resp.status_code == 200 else None
        except (_GaveUp, httpx.HTTPError, ValueError):
            return None

    # -- open -----------------------------------------------------------------------------------------------

    def _probe_models(self) -> tuple[str, dict[str, Any]]:
        """``GET /models``: the model to ask for and the server's entry for it; any problem is a ModelLoadError."""
        import httpx

        url = f"{self.endpoint}/models"
        try:
            resp, _ = self._send("GET", url, None, httpx.Timeout(PROBE_TIMEOUT_S, connect=CONNECT_TIMEOUT_S))
        except _GaveUp as exc:
            if exc.connection:
                why = f"no server answers ({exc.reason}); start it or fix the URL"
            else:
                why = f"GET /models failed after {TRIES} tries ({exc.reason})"
            raise ModelLoadError(f"{self.spec}: {why}") from None
        except httpx.TimeoutException:
            raise ModelLoadError(
                f"{self.spec}: the server took the connection but did not answer GET /models within "
                f"{PROBE_TIMEOUT_S:g}s; is it busy or still loading?"
            ) from None
        self._server_header = resp.headers.get("server")
        if resp.status_code != 200:
            raise ModelLoadError(_one_line(self._refusal(f"{self.spec}: GET /models was refused", resp), 500))
        try:
            data = resp.json()
        except ValueError:
            data = None
        models = data.get("data") if isinstance(data, dict) else None
        if not isinstance(models, list):
            raise ModelLoadError(self._redact(
                f"{self.spec}: the server answered GET /models with {_one_line(resp.text, 80)!r}, not a model "
                "list; is it OpenAI-compatible, and is the URL its API base (usually ending in /v1)?"
            ))  # fmt: skip
        entries = {str(m["id"]): m for m in models if isinstance(m, dict) and m.get("id") is not None}
        names = ", ".join(sorted(entries)) or "none"
        if self.ref.name is not None:
            if self.ref.name not in entries:
                why = f"the server does not serve {self.ref.name!r}; it lists: {names}"
                raise ModelLoadError(self._redact(_one_line(f"{self.spec}: {why}", 500)))
            return self.ref.name, entries[self.ref.name]
        if len(entries) != 1:
            how = "lists no model" if not entries else f"serves {len(entries)} models ({names})"
            example = f"openai:{self.endpoint}#{next(iter(sorted(entries)), 'NAME')}"
            raise ModelLoadError(self._redact(_one_line(f"{self.spec}: the server {how}; name one: {example}", 500)))
        return next(iter(entries.items()))

    def _ask_server(self) -> None:
        """What the server says of itself (software, version, settings) and how tokens can be counted."""
        server: dict[str, Any] = {"software": None, "version": None, "header": self._server_header}
        props = self._ask("GET", "/props")
        if isinstance(props, dict) and ("default_generation_settings" in props or "build_info" in props):
            self.flavour = "llama.cpp"
            settings = props.get("default_generation_settings") or {}
            n_ctx = props.get("n_ctx", settings.get("n_ctx") if isinstance(settings, dict) else None)
            self.n_ctx = n_ctx if isinstance(n_ctx, int) else None
            template = props.get("chat_template")
            self._chat_template = template if isinstance(template, str) else None
            server.update(software="llama.cpp", version=props.get("build_info"), settings={
                "n_ctx": self.n_ctx,
                "total_slots": props.get("total_slots"),
                "model_path": props.get("model_path"),
                "chat_template_sha256": _sha256(self._chat_template),
                "chat_template_renders_tools": ("tools" in self._chat_template) if self._chat_template else None,
            })  # fmt: skip
        elif isinstance(api := self._ask("GET", "/openapi.json"), dict) and "llama.cpp Python" in str(
            (api.get("info") or {}).get("title")
        ):
            self.flavour = "llama-cpp-python"
            server.update(software="llama-cpp-python", version=(api.get("info") or {}).get("version"))
        elif isinstance(version := self._ask("GET", "/version"), dict) and version.get("version"):
            self.flavour = "vllm" if self.model_entry.get("owned_by") == "vllm" else "unknown"
            server.update(software=self.flavour if self.flavour != "unknown" else None, version=version["version"])
            max_len = self.model_entry.get("max_model_len")
            self.n_ctx = max_len if isinstance(max_len, int) else None
        elif isinstance(ollama := self._ask("GET", "/api/version"), dict) and ollama.get("version"):
            self.flavour = "ollama"
            server.update(software="ollama", version=ollama["version"])
        self.server = server
        self.counter = self._pick_counter()
        if self.flavour == "llama-cpp-python" and self.tool_mode == "native":
            self.notices.append(
                f"{self.spec}: llama-cpp-python's server renders the model's own chat template, and a template "
                f"that ignores tools (SmolLM2's) never shows them to the model; {TOOL_MODE_ENV}=prompt writes "
                "them into the system prompt as the in-process back end does"
            )

    def _pick_counter(self) -> str:
        """How count_tokens counts on this server: a key of :data:`COUNTERS`."""
        if self.flavour == "llama.cpp":
            probe = {"messages": [{"role": "user", "content": "hi"}]}
            return "apply-template" if isinstance(self._ask("POST", "/apply-template", probe), dict) else "tokenize"
        if self.flavour == "vllm":
            return "vllm-tokenize"
        if self.flavour == "llama-cpp-python" and isinstance(
            self._ask("POST", "/extras/tokenize", {"input": "hi"}), dict
        ):
            return "extras-tokenize"
        return "estimate"

    # -- the Backend protocol -------------------------------------------------------------------------------

    def _messages(self, messages: list[Message], tools: list[ToolSchema]) -> tuple[list[Message], list[ToolSchema]]:
        """The messages and tools to send in this tool mode."""
        if self.tool_mode == "prompt":
            return inline_tools(messages, tools), []
        return _wire_messages(messages), tools

    def _body(self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams) -> dict[str, Any]:
        msgs, tools = self._messages(messages, tools)
        body: dict[str, Any] = {
            "model": self.model,
            "messages": msgs,
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "seed": params.seed,
            "stream": False,
        }
        if params.stop:
            body["stop"] = list(params.stop)
        if tools:
            body["tools"] = tools
            body["tool_choice"] = "auto"
        if self.flavour in EXTENSION_FLAVOURS:
            body["min_p"] = params.min_p
            if self.flavour == "vllm":
                body.update(top_k=params.top_k or -1, repetition_penalty=params.repeat_penalty)
            else:
                body.update(top_k=params.top_k, repeat_penalty=params.repeat_penalty)
        if params.json_schema is not None:
            if self.flavour == "llama-cpp-python":  # takes json_object with a schema, refuses json_schema
                body["response_format"] = {"type": "json_object", "schema": params.json_schema}
            else:
                body["response_format"] = {
                    "type": "json_schema",
                    "json_schema": {"name": "reply", "schema": params.json_schema, "strict": True},
                }
        return body

    def generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None = None
    ) -> Completion:
        import httpx

        body = self._body(messages, tools, params)
        timeout = httpx.Timeout(params.timeout_s, connect=min(CONNECT_TIMEOUT_S, params.timeout_s))
        what = f"{self.spec}: POST /chat/completions"
        start = time.perf_counter()
        try:
            resp, tries = self._send("POST", f"{self.endpoint}/chat/completions", body, timeout)
        except _GaveUp as exc:
            how = "no server answers" if exc.connection else "the server failed"
            raise BackendError(f"{what}: {how} after {TRIES} tries ({exc.reason})") from None
        except httpx.TimeoutException:
            elapsed = time.perf_counter() - start
            return Completion(text="", finish_reason="timeout", latency_s=elapsed, timings={"request_s": elapsed})
        latency = time.perf_counter() - start
        if resp.status_code != 200:
            message = self._refusal(f"{what} was refused", resp)
            low = message.lower()
            if resp.status_code == 400 and "context" in low and ("length" in low or "window" in low or "size" in low):
                raise ContextOverflowError(f"{message}; shorten the case or raise the server's context size")
            raise BackendError(message)
        return self._completion(resp, latency, tries)

    def _completion(self, resp: httpx.Response, latency: float, tries: int) -> Completion:
        what = f"{self.spec}: the reply to POST /chat/completions"
        try:
            data = resp.json()
        except ValueError:
            raise BackendError(self._redact(f"{what} is not JSON: {_one_line(resp.text, 120)!r}")) from None
        choices = data.get("choices") if isinstance(data, dict) else None
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise BackendError(self._redact(f"{what} has no choices: {_one_line(resp.text, 120)!r}"))
        choice = choices[0]
        message: dict[str, Any] = choice["message"] if isinstance(choice.get("message"), dict) else {}
        content = message.get("content")
        text = content if isinstance(content, str) else ""
        reasoning = message.get("reasoning_content") or message.get("reasoning")
        if isinstance(reasoning, str) and reasoning.strip():
            text = f"<think>{reasoning}</think>{text}"  # harness.parsing.split_thinking puts it in `thinking`
        raw_calls = message.get("tool_calls")
        if not raw_calls and isinstance(message.get("function_call"), dict):  # the pre-tools API
            raw_calls = [message["function_call"]]
        calls: list[ToolCall] = []
        errors: list[ParseError] = []
        source = "text"
        if isinstance(raw_calls, list) and raw_calls:
            calls, errors = parse_openai_tool_calls(raw_calls)
            source = "server"
        usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
        timings: dict[str, float] = {"request_s": latency}
        if tries > 1:
            timings["tries"] = tries
        server_timings = data.get("timings")  # llama.cpp's llama-server: prompt and decode time of this request
        if isinstance(server_timings, dict):
            for src, dst, scale in (("prompt_ms", "prompt_s", 1e-3), ("predicted_ms", "decode_s", 1e-3),
                                    ("prompt_n", "prompt_tokens_evaluated", 1)):  # fmt: skip
                value = server_timings.get(src)
                if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                    timings[dst] = value * scale
        return Completion(
            text=text,
            tool_calls=calls,
            parse_errors=errors,
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            prompt_tokens=_count(usage.get("prompt_tokens")),
            completion_tokens=_count(usage.get("completion_tokens")),
            latency_s=latency,
            timings=timings,
            tool_calls_from=source,
        )

    def supports(self, requirement: str) -> bool:
        """Whether the server's chat template has a thinking mode, for "thinking" (only llama.cpp shows it:  /props)."""
        template = self._chat_template or ""
        return requirement == "thinking" and ("enable_thinking" in template or "<think>" in template)

    def count_tokens(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> int:
        """Prompt tokens as :data:`COUNTERS` ``[self.counter]`` says; a tokenizer that stops answering is a
        BackendError."""
        msgs, tools = self._messages(messages, tools or [])
        with_tools = {"tools": tools} if tools else {}
        if self.counter == "apply-template":
            rendered = self._ask("POST", "/apply-template", {"messages": msgs, **with_tools}, counting=True)
            prompt = rendered.get("prompt") if isinstance(rendered, dict) else None
            if not isinstance(prompt, str):
                raise BackendError(f"{self.spec}: POST /apply-template gave no prompt; the server stopped answering it")
            return len(self._tokens("/tokenize", {"content": prompt, "add_special": True, "parse_special": True}))
        if self.counter == "vllm-tokenize":
            body = {"model": self.model, "messages": msgs, "add_generation_prompt": True, **with_tools}
            answer = self._ask("POST", "/tokenize", body, counting=True)
            if not isinstance(answer, dict) or not isinstance(answer.get("count"), int):
                raise BackendError(f"{self.spec}: POST /tokenize gave no count; the server stopped answering it")
            return int(answer["count"])
        text = "\n".join(str(m.get("content") or "") for m in msgs)
        if tools:
            text += "\n" + json.dumps(tools, ensure_ascii=False)
        markup = MARKUP_TOKENS_PER_MESSAGE * len(msgs)
        if self.counter == "tokenize":
            return len(self._tokens("/tokenize", {"content": text})) + markup
        if self.counter == "extras-tokenize":
            return len(self._tokens("/extras/tokenize", {"input": text, "model": self.model})) + markup
        return math.ceil(len(text) / CHARS_PER_TOKEN) + markup

    def _tokens(self, path: str, body: dict[str, Any]) -> list[Any]:
        answer = self._ask("POST", path, body, counting=True)
        tokens = answer.get("tokens") if isinstance(answer, dict) else None
        if not isinstance(tokens, list):
            raise BackendError(f"{self.spec}: POST {path} gave no tokens; the server stopped answering it")
        return tokens

    def describe(self) -> dict[str, Any]:
        entry = {k: v for k, v in self.model_entry.items() if k in ("id", "owned_by", "created", "root", "meta",
                                                                   "max_model_len")}  # fmt: skip
        return {
            "backend": KIND,
            "httpx": importlib.metadata.version("httpx"),
            "endpoint": self.endpoint,
            "server_model": self.model,
            "model_name": self.model,
            "server": self.server,
            "server_model_entry": entry,
            "n_ctx": self.n_ctx,
            "api_key": f"from ${self._key_env}" if self._key_env else None,
            "tool_mode": self.tool_mode,
            "tool_calls": (
                "tools sent natively; calls read from the reply's tool_calls, else parsed from its text"
                if self.tool_mode == "native"
                else "tools written into the system prompt (Hermes); calls parsed from the text"
            ),
            "sampling_extensions": (
                ["top_k", "min_p", "repetition_penalty" if self.flavour == "vllm" else "repeat_penalty"]
                if self.flavour in EXTENSION_FLAVOURS
                else []
            ),
            "count_tokens": COUNTERS[self.counter],
            "requests": {"tries": TRIES, "backoff_s": [BACKOFF_S, BACKOFF_MAX_S], "timeout": "--case-timeout"},
            "load_s": round(self.load_s, 3),
        }

    def close(self) -> None:
        self._client.close()


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _sha256(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None


@backend_kind(KIND, install="pip install 'smallmodel-harness[openai]'")
def open_openai_compat(ref: ModelRef, options: LoadOptions) -> OpenAICompatBackend:
    """``openai:URL[#model]``: a model behind an OpenAI-compatible server, in this process."""
    try:
        import httpx  # noqa: F401
    except ImportError as exc:
        raise missing_dependency(KIND, "httpx", exc) from None
    return OpenAICompatBackend(ref, options)
