"""``--model ollama:NAME``: a model served by an Ollama server (``$OLLAMA_HOST``), through the official ``ollama``
Python client and Ollama's native chat API (``POST /api/chat``, docs/api.md of ollama/ollama).

Opening checks the server and the model before any case runs: ``GET /api/version`` (no answer: a one-line
ModelLoadError naming ``ollama serve`` and ``OLLAMA_HOST``), ``POST /api/show`` (404: the model is not there, pull
or create it), ``GET /api/tags`` (the model's digest and size), then loads the model with an empty chat (the
documented "load a model" request), so a model the server cannot load is one line too and ``load_s`` is the
server's load.

Generation: one non-streamed ``/api/chat`` request per case. ``tools`` go as the suite wrote them (Ollama renders
them with the model's own template); ``options`` hold every decoding parameter of :class:`GenerationParams`
(temperature, top_p, top_k, min_p, repeat_penalty, seed, num_predict = max_tokens, stop) and ``num_ctx`` =
``--n-ctx``; ``truncate: false`` makes a prompt longer than the context an error instead of Ollama silently
dropping the oldest messages. The reply's ``tool_calls`` (arguments are objects) become the Completion's calls;
without them the text is parsed later by the same parser as a GGUF model's. ``message.thinking`` is the
Completion's thinking. ``done_reason`` "length" is a reply cut at max_tokens; no answer within the case's time
limit is a reply cut by the time limit (finish_reason "timeout", no text: the reply is not streamed).

``count_tokens``: Ollama's stable API has no tokenize endpoint, so the count is the ``prompt_eval_count`` of a chat
request with the same messages and tools and ``num_predict`` 1 (the whole prompt, cached tokens included, since
ollama/ollama#5371 of July 2024): the prompt exactly as the server renders it, at the cost of one prompt evaluation.

The requests go through the client's own request method (its httpx client, headers, ``OLLAMA_API_KEY`` and error
mapping) with bodies built here: ollama-python 0.6's ``chat()`` re-validates tools through its ``Tool`` model,
which drops nested object properties the server keeps, its ``show()`` drops ``system``, and it has no
``version()``.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import time
from typing import Any

from harness.backends.base import GenerationParams, LoadOptions, backend_kind, missing_dependency
from harness.chat import history_call
from harness.errors import BackendError, ContextOverflowError, ModelLoadError
from harness.models import ModelRef
from harness.parsing import parse_openai_tool_calls
from harness.types import Completion, Message, ToolSchema

KIND = "ollama"
OPEN_TIMEOUT_S = 30.0  # version, show and tags: a server that answers at all answers these at once
LOAD_TIMEOUT_S = 600.0  # loading the weights into the server's memory
COUNT_TIMEOUT_S = 120.0  # count_tokens: one prompt evaluation
NS = 1e9  # Ollama reports durations in nanoseconds
COUNT_TOKENS_METHOD = (
    "prompt_eval_count of an /api/chat request with the same messages and tools and num_predict 1 "
    "(Ollama has no tokenize endpoint)"
)


def new_client(host: str) -> Any:
    """An ``ollama.Client`` for ``host`` (the tests replace this to serve recorded exchanges)."""
    try:
        import ollama
    except ImportError as exc:
        raise missing_dependency(KIND, "the ollama Python client", exc) from None
    return ollama.Client(host=host)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class OllamaBackend:
    name = "ollama"

    def __init__(self, ref: ModelRef, options: LoadOptions, client: Any = None) -> None:
        if ref.name is None or ref.endpoint is None:
            raise ModelLoadError(f"{ref.spec}: name the model, e.g. ollama:pokkit-mini")
        self.ref = ref
        self.model: str = ref.name
        self.host: str = ref.endpoint
        self.options = options
        self.client = client if client is not None else new_client(self.host)
        start = time.perf_counter()
        try:
            self.server_version = str(self._open_call("GET", "/api/version").get("version") or "unknown")
            self.show = self._open_call("POST", "/api/show", {"model": self.model})
            self.listed = self._listed()
            self.load_s = self._load()
        except BaseException:
            self.close()
            raise
        self.open_s = time.perf_counter() - start
        self.capabilities = [str(c) for c in self.show.get("capabilities") or []]
        self.parameters = parse_show_parameters(str(self.show.get("parameters") or ""))
        stops = self.parameters.get("stop", [])
        self.model_stops = [str(s) for s in (stops if isinstance(stops, list) else [stops])]

    # -- requests ------------------------------------------------------------------------------------------------

    def _raw(self, method: str, path: str, body: dict[str, Any] | None, timeout: float) -> dict[str, Any]:
        """The decoded JSON object one request answers, through the client (its httpx client, headers and
        error mapping). Raises :class:`_Unreachable` (no connection), :class:`_TimedOut` (no answer in time),
        :class:`_HTTPStatus` (an error status, with the server's ``error``) or a BackendError (not JSON)."""
        import httpx
        from ollama import ResponseError

        kwargs: dict[str, Any] = {"timeout": timeout}
        if body is not None:
            kwargs["json"] = body
        try:
            response = self.client._request_raw(method, path, **kwargs)
        except ResponseError as exc:
            raise _HTTPStatus(exc.status_code, _one_line(exc.error)) from None
        except ConnectionError:  # what the client makes of httpx.ConnectError
            raise _Unreachable("connection refused") from None
        except (httpx.ConnectTimeout, httpx.PoolTimeout):
            raise _Unreachable(f"no connection within {timeout:g}s") from None
        except httpx.TimeoutException:
            raise _TimedOut from None
        except httpx.HTTPError as exc:
            raise _Unreachable(_one_line(exc) or type(exc).__name__) from None
        try:
            out = response.json()
        except ValueError:
            out = None
        if not isinstance(out, dict):
            raise BackendError(
                f"{self.ref.spec}: {method} {path} at {self.host} did not answer a JSON object "
                f"({_one_line(response.text)[:80]!r})"
            )
        return out

    def _down(self, why: str) -> ModelLoadError:
        return ModelLoadError(
            f"{self.ref.spec}: no Ollama server answers at {self.host} ({why}); start `ollama serve` or set OLLAMA_HOST"
        )

    def _missing(self, why: str) -> ModelLoadError:
        name = self.model
        return ModelLoadError(
            f"{self.ref.spec}: the Ollama server at {self.host} has no model {name!r} ({why}); pull it "
            f"(`ollama pull {name}`) or build it from a Modelfile (`ollama create {name} -f Modelfile`)"
        )

    def _open_call(
        self, method: str, path: str, body: dict[str, Any] | None = None, timeout: float = OPEN_TIMEOUT_S
    ) -> dict[str, Any]:
        """A request made while opening: every failure is one ModelLoadError line."""
        what = f"{method} {path}"
        try:
            return self._raw(method, path, body, timeout)
        except _Unreachable as exc:
            raise self._down(exc.why) from None
        except _TimedOut:
            raise ModelLoadError(
                f"{self.ref.spec}: the Ollama server at {self.host} did not answer {what} within {timeout:g}s"
            ) from None
        except _HTTPStatus as exc:
            if path == "/api/version":
                raise ModelLoadError(
                    f"{self.ref.spec}: {self.host} answers but is not an Ollama server ({what}: {exc.status} "
                    f"{exc.text}); set OLLAMA_HOST to the Ollama server"
                ) from None
            if exc.status == 404 and path != "/api/tags":
                raise self._missing(exc.text) from None
            doing = "could not load the model" if path == "/api/chat" else f"refused {what}"
            raise ModelLoadError(
                f"{self.ref.spec}: the Ollama server at {self.host} {doing} ({exc.status}: {exc.text})"
            ) from None
        except BackendError as exc:
            raise ModelLoadError(f"{exc}; is it an Ollama server?") from None

    def _listed(self) -> dict[str, Any]:
        """The model's entry in ``/api/tags`` (digest, size), matched with Ollama's default tag ``latest``."""
        models = self._open_call("GET", "/api/tags").get("models") or []
        names = {self.model, f"{self.model}:latest"}
        return next((m for m in models if isinstance(m, dict) and {m.get("model"), m.get("name")} & names), {})

    def _load(self) -> float | None:
        """Load the model into the server (a chat with no messages, docs/api.md "Load a model") with the context
        size the cases will ask for; the server's own load time in seconds."""
        body = {"model": self.model, "messages": [], "stream": False, "options": {"num_ctx": self.options.n_ctx}}
        out = self._open_call("POST", "/api/chat", body, LOAD_TIMEOUT_S)
        load_ns = out.get("load_duration")
        return load_ns / NS if isinstance(load_ns, int | float) else None

    # -- generation ----------------------------------------------------------------------------------------------

    def _options(self, params: GenerationParams, num_predict: int) -> dict[str, Any]:
        options: dict[str, Any] = {
            "num_ctx": self.options.n_ctx,
            "num_predict": num_predict,
            "temperature": params.temperature,
            "top_p": params.top_p,
            "top_k": params.top_k,
            "min_p": params.min_p,
            "repeat_penalty": params.repeat_penalty,
            "seed": params.seed,
        }
        if params.stop:
            # Ollama replaces the Modelfile's stop list with the request's: keep the model's own stops as well, as
            # the GGUF back end adds its template's.
            options["stop"] = list(dict.fromkeys((*params.stop, *self.model_stops)))
        return options

    def request_body(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, num_predict: int
    ) -> dict[str, Any]:
        """The ``/api/chat`` body for one generation."""
        body: dict[str, Any] = {"model": self.model, "messages": ollama_messages(messages)}
        if tools:
            body["tools"] = tools
        body["stream"] = False
        body["options"] = self._options(params, num_predict)
        body["truncate"] = False
        if params.json_schema is not None:
            body["format"] = params.json_schema
        return body

    def _chat(self, body: dict[str, Any], timeout: float) -> dict[str, Any]:
        """One ``/api/chat`` request; every failure but no answer in time (:class:`_TimedOut`) is a BackendError
        naming the server's reason (a prompt longer than the context: a ContextOverflowError)."""
        try:
            out = self._raw("POST", "/api/chat", body, timeout)
        except _Unreachable as exc:
            raise BackendError(
                f"{self.ref.spec}: the Ollama server at {self.host} is unreachable ({exc.why})"
            ) from None
        except _HTTPStatus as exc:
            if "context length" in exc.text or "context window" in exc.text:
                raise ContextOverflowError(
                    f"{self.ref.spec}: the prompt does not fit num_ctx {self.options.n_ctx} ({exc.text}); raise "
                    "--n-ctx or shorten the case"
                ) from None
            raise BackendError(f"{self.ref.spec}: the Ollama server answered {exc.status}: {exc.text}") from None
        if not isinstance(out.get("message"), dict):
            raise BackendError(f"{self.ref.spec}: /api/chat answered without a message: {_one_line(out)[:200]}")
        return out

    def generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None = None
    ) -> Completion:
        body = self.request_body(messages, tools, params, num_predict=params.max_tokens)
        start = time.perf_counter()
        try:
            out = self._chat(body, params.timeout_s)
        except _TimedOut:
            return Completion(text="", finish_reason="timeout", latency_s=time.perf_counter() - start)
        latency = time.perf_counter() - start
        message = out["message"]
        raw_calls = message.get("tool_calls") or []
        calls, errors = parse_openai_tool_calls(raw_calls if isinstance(raw_calls, list) else [raw_calls])
        eval_count = _count(out.get("eval_count"))
        reason = out.get("done_reason")
        if reason == "length" or (not reason and eval_count >= params.max_tokens):
            finish = "length"  # older servers send no done_reason: a reply that used the whole budget was cut
        else:
            finish = "stop"
        prompt_count = _count(out.get("prompt_eval_count"))
        timings = {
            "prompt_s": _seconds(out.get("prompt_eval_duration")),
            "decode_s": _seconds(out.get("eval_duration")),
            "prompt_tokens_evaluated": prompt_count,
            "load_s": _seconds(out.get("load_duration")),
            "server_total_s": _seconds(out.get("total_duration")),
        }
        return Completion(
            text=str(message.get("content") or ""),
            thinking=str(message.get("thinking") or ""),
            tool_calls=calls,
            parse_errors=errors,
            tool_calls_from="server" if raw_calls else "text",
            finish_reason=finish,
            prompt_tokens=prompt_count,
            completion_tokens=eval_count,
            latency_s=latency,
            timings=timings,
        )

    def count_tokens(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> int:
        """The prompt's tokens as the server renders and counts them (see the module's docstring)."""
        params = GenerationParams(max_tokens=1)
        body = self.request_body(messages, tools or [], params, num_predict=1)
        try:
            out = self._chat(body, COUNT_TIMEOUT_S)
        except _TimedOut:
            raise BackendError(
                f"{self.ref.spec}: counting the prompt's tokens took more than {COUNT_TIMEOUT_S:g}s"
            ) from None
        count = out.get("prompt_eval_count")
        if not isinstance(count, int) or count <= 0:
            raise BackendError(f"{self.ref.spec}: the server reported no prompt_eval_count; cannot count tokens")
        return count

    def supports(self, requirement: str) -> bool:
        return requirement == "thinking" and "thinking" in self.capabilities

    def describe(self) -> dict[str, Any]:
        show, listed = self.show, self.listed
        details: dict[str, Any] = _object(show.get("details")) or _object(listed.get("details"))
        info = _object(show.get("model_info"))
        arch = info.get("general.architecture") or details.get("family")
        template = str(show.get("template") or "")
        system = show.get("system")
        out: dict[str, Any] = {
            "backend": "ollama",
            "ollama_python": _version("ollama"),
            "host": self.host,
            "server_version": self.server_version,
            "model_name": self.model,
            "digest": listed.get("digest"),
            "modified_at": show.get("modified_at") or listed.get("modified_at"),
            "details": details,
            "architecture": arch,
            "quantization": details.get("quantization_level"),
            "context_length_trained": info.get(f"{arch}.context_length"),
            "n_params": info.get("general.parameter_count"),
            "n_ctx": self.options.n_ctx,
            "capabilities": self.capabilities,
            "parameters": self.parameters,
            "template_sha256": _sha256(template) if template else None,
            "system_sha256": _sha256(system) if isinstance(system, str) and system else None,
            "chat_template": {
                "source": f"ollama:{self.model}",
                "sha256": _sha256(template) if template else None,
                "handles_tools": "tools" in self.capabilities,
                "tool_format": "ollama (tools and tool_calls in the chat API)",
                "stop": self.model_stops,
            },
            "count_tokens": COUNT_TOKENS_METHOD,
            "think": "server default (on for a model with the thinking capability)",
            "truncate": False,
            "load_s": round(self.load_s, 3) if self.load_s is not None else None,
            "open_s": round(self.open_s, 3),
        }
        if isinstance(listed.get("size"), int):
            out["size_bytes"] = listed["size"]
        return out

    def close(self) -> None:
        client = getattr(self, "client", None)
        if client is not None:
            client.close()


def ollama_messages(messages: list[Message]) -> list[dict[str, Any]]:
    """The harness's OpenAI-style messages as Ollama's chat API takes them: an assistant's tool calls with object
    arguments, a tool result with ``tool_name`` (from ``name`` or the call its ``tool_call_id`` answers)."""
    out: list[dict[str, Any]] = []
    call_names: dict[str, str] = {}
    for msg in messages:
        role = str(msg.get("role") or "")
        item: dict[str, Any] = {"role": role, "content": str(msg.get("content") or "")}
        if role == "assistant" and msg.get("tool_calls"):
            calls = []
            for call in msg["tool_calls"]:
                name, args = history_call(call)
                if call.get("id"):
                    call_names[str(call["id"])] = name
                calls.append({"function": {"name": name, "arguments": args}})
            item["tool_calls"] = calls
        elif role == "tool":
            tool = msg.get("tool_name") or msg.get("name") or call_names.get(str(msg.get("tool_call_id")))
            if tool:
                item["tool_name"] = str(tool)
        out.append(item)
    return out


def parse_show_parameters(text: str) -> dict[str, Any]:
    """``/api/show``'s ``parameters``: one ``NAME VALUE`` line per value (the server writes ``%-30s %#v``, a Go
    quoted string for text); a name that repeats (``stop``) gives a list."""
    out: dict[str, Any] = {}
    for line in text.splitlines():
        name, _, raw = line.strip().partition(" ")
        if not name:
            continue
        raw = raw.strip()
        try:
            value: Any = json.loads(raw)
        except ValueError:
            value = raw
        if name == "stop" or name in out:
            prev = out.get(name, [])
            out[name] = [*(prev if isinstance(prev, list) else [prev]), value]
        else:
            out[name] = value
    return out


class _Unreachable(Exception):
    """No connection to the server (refused, reset, no route, connect timeout)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class _TimedOut(Exception):
    """The server took the request but sent no answer in time."""


class _HTTPStatus(Exception):
    """The server answered an error status; ``text`` is its ``error`` field."""

    def __init__(self, status: int, text: str) -> None:
        super().__init__(f"{status}: {text}")
        self.status = status
        self.text = text


def _object(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _seconds(value: Any) -> float:
    return value / NS if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


@backend_kind(KIND, install="pip install 'smallmodel-harness[ollama]'", in_process=True)
def open_ollama(ref: ModelRef, options: LoadOptions) -> OllamaBackend:
    """``ollama:NAME``: the model ``NAME`` of the Ollama server at ``$OLLAMA_HOST``, in this process."""
    return OllamaBackend(ref, options)
