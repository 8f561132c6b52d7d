"""Chat templates: render a conversation (and the tools it may call) into the prompt a model sees.

The template is the GGUF's own (``tokenizer.chat_template``) unless ``--chat-template`` names a
built-in one (``chatml``, ``gemma``, ``llama3``) or a Jinja file. Rendering follows Hugging Face's
conventions (sandboxed Jinja, ``raise_exception``, ``tojson``, ``strftime_now``).

Tools: a template that uses ``tools`` gets them as-is. One that ignores them (SmolLM2's) gets them in
the system prompt in the Hermes/Qwen format, and calls are expected back as
``<tool_call>{"name": ..., "arguments": {...}}</tool_call>``. Assistant turns with ``tool_calls`` and
``tool`` results are rewritten into that same text format for such templates.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment, safe_range
from markupsafe import Markup

from harness.errors import ConfigError
from harness.results import strip_control
from harness.types import Message, ToolSchema

BUILTIN_DIR = Path(__file__).parent / "templates"

TOOL_PROMPT_HEADER = (
    "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
    "You are provided with function signatures within <tools></tools> XML tags:\n<tools>"
)
TOOL_PROMPT_FOOTER = (
    "</tools>\n\nFor each function call, return a json object with function name and arguments within "
    "<tool_call></tool_call> XML tags:\n<tool_call>\n"
    '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>'
)

# End-of-turn markers a template may use; the ones present in its source become stop strings.
END_MARKERS = ("<|im_end|>", "<end_of_turn>", "<|eot_id|>", "<|end|>", "<|endoftext|>", "</s>")

_PROBE_TOOL: ToolSchema = {
    "type": "function",
    "function": {"name": "harness_probe_tool", "description": "probe", "parameters": {"type": "object"}},
}


def builtin_templates() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.jinja"))


def tool_system_block(tools: list[ToolSchema]) -> str:
    """The Hermes/Qwen tool block appended to the system prompt (one JSON schema per line)."""
    lines = "\n".join(json.dumps(t, ensure_ascii=False) for t in tools)
    return f"{TOOL_PROMPT_HEADER}\n{lines}\n{TOOL_PROMPT_FOOTER}"


# A chat template is code from the model file. Rendering it is bounded: RENDER_SECONDS of wall-clock time and
# MAX_RENDER_CHARS of output (also the largest string, list or number of repetitions an operation may make).
RENDER_SECONDS = 3.0
MAX_RENDER_CHARS = 2_000_000
_MAX_POWER_BITS = 4096  # 2 ** 100_000_000 would take minutes inside one C call that no signal interrupts
_BIG_FORMAT_WIDTH = re.compile(r"\d{7,}")  # '%200000000s', '{:>200000000}': a width past MAX_RENDER_CHARS


class RenderOverrun(Exception):
    """A chat template ran past its time or size budget (raised from inside the render, then reworded)."""


_budget = threading.local()  # .deadline: time.monotonic() after which the render on this thread must stop


def _check_deadline() -> None:
    deadline = getattr(_budget, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise RenderOverrun("time")


_SIZED_TYPES = frozenset({str, Markup, bytes, list, tuple, dict, set, frozenset, range})


def _check_size(value: Any) -> Any:
    """``value``, unless it is a string/collection longer than MAX_RENDER_CHARS or an int past
    _MAX_POWER_BITS (checked by exact type: this runs on every attribute access, so it must be cheap)."""
    kind = type(value)
    if kind in _SIZED_TYPES:
        if len(value) > MAX_RENDER_CHARS:
            raise RenderOverrun("size")
    elif kind is int and value.bit_length() > _MAX_POWER_BITS:
        raise RenderOverrun("size")
    return value


_PADDING_METHODS = frozenset({"ljust", "rjust", "center", "zfill", "expandtabs"})  # refused: sized by an argument


def _check_args(args: tuple[Any, ...], kwargs: dict[str, Any], ints: bool = True) -> None:
    """Refuse a call whose arguments ask for more than the budget: a count or width past MAX_RENDER_CHARS
    (``indent(10**9)``, ``'%200000000s'``; ``ints``: numbers are sizes here) or a list whose strings add up
    to more (``join``)."""
    for arg in (*args, *kwargs.values()):
        if ints and isinstance(arg, int) and not isinstance(arg, bool) and abs(arg) > MAX_RENDER_CHARS:
            raise RenderOverrun("size")
        if isinstance(arg, str) and _BIG_FORMAT_WIDTH.search(arg) and ("%" in arg or "{" in arg):
            raise RenderOverrun("size")
        if isinstance(arg, list | tuple) and len(arg) > 1:
            total = 0
            for item in arg:
                if isinstance(item, str):
                    total += len(item)
                    if total > MAX_RENDER_CHARS:
                        raise RenderOverrun("size")


def _check_replace(text: Any, old: Any, new: Any) -> None:
    """``text.replace(old, new)`` would grow past the budget (``'a' * 10**6 | replace('a', 'a' * 10**6)``)."""
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        hits = len(text) + 1 if not old else text.count(old)
        if len(text) + hits * (len(new) - len(old)) > MAX_RENDER_CHARS:
            raise RenderOverrun("size")


class _BoundedRange:
    """``range()`` for templates: the sandbox's (at most 100,000 items) checking the deadline as it is walked,
    so two nested loops stop on time even off the main thread, where no timer signal can interrupt them."""

    def __init__(self, rng: range) -> None:
        self._range = rng

    def __iter__(self) -> Iterator[int]:
        for i, value in enumerate(self._range):
            if not i & 255:
                _check_deadline()
            yield value

    def __len__(self) -> int:
        return len(self._range)

    def __getitem__(self, index: Any) -> Any:
        item = self._range[index]
        return _BoundedRange(item) if isinstance(item, range) else item

    def __reversed__(self) -> Iterator[int]:
        return iter(_BoundedRange(self._range[::-1]))

    def __contains__(self, value: object) -> bool:
        return value in self._range

    def __repr__(self) -> str:
        return repr(self._range)


def _template_range(*args: int) -> _BoundedRange:
    return _BoundedRange(safe_range(*args))


def _bounded_filter(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    """A Jinja filter that checks the budget before (its arguments) and after (its result) it runs."""

    is_replace = name == "replace"  # decided once, not on every call

    @functools.wraps(fn)  # keeps jinja_pass_arg (pass_context & co.)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check_deadline()
        _check_args(args, kwargs)
        if is_replace:
            values = [a for a in args if isinstance(a, str)]
            if len(values) >= 3:
                _check_replace(*values[-3:])
        return _check_size(fn(*args, **kwargs))

    return wrapper


class _BoundedCodeGenerator(CodeGenerator):
    """Checks the result of every ``~`` (string concatenation is not an interceptable operator): repeated
    ``{% set s = s ~ s %}`` would otherwise double a string past any memory within a second."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.bounded(")
        super().visit_Concat(node, frame)
        self.write(")")


class _BoundedEnvironment(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox (no attribute tricks, no mutation of lists and dicts) that also keeps a
    template from hanging the run or eating the memory: ``*``, ``**``, ``+``, ``%`` and ``~`` are checked,
    every call, filter, attribute and item access checks the deadline and the size of what it returns,
    ``range`` checks the deadline as it is walked, and padding methods (``ljust`` & co.) are refused."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    code_generator_class = _BoundedCodeGenerator

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.globals["range"] = _template_range
        self.globals.pop("lipsum", None)  # lipsum(n=10**6) writes hundreds of MB; no chat template uses it

    def bound_filters(self) -> None:
        """Wrap every filter (call after the last one is added)."""
        self.filters = {name: _bounded_filter(name, fn) for name, fn in self.filters.items()}

    @staticmethod
    def bounded(value: Any) -> Any:
        _check_deadline()
        return _check_size(value)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if isinstance(obj, str) and attr in _PADDING_METHODS:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        _check_deadline()
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if (
                    isinstance(seq, str | bytes | list | tuple)
                    and isinstance(n, int)
                    and len(seq) * n > MAX_RENDER_CHARS
                ):
                    raise RenderOverrun("size")
        elif operator == "**":
            if isinstance(left, int) and isinstance(right, int) and right > 0:
                if max(abs(left), 2).bit_length() * right > _MAX_POWER_BITS:
                    raise RenderOverrun("size")
        elif operator == "%" and isinstance(left, str):
            _check_args((left,), {})
        return _check_size(super().call_binop(context, operator, left, right))

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _check_deadline()
        owner = getattr(__obj, "__self__", None)
        _check_args(args, kwargs, ints=isinstance(owner, str))
        if isinstance(owner, str) and getattr(__obj, "__name__", "") == "replace" and len(args) >= 2:
            _check_replace(owner, args[0], args[1])
        wrapped = getattr(__obj, "__wrapped__", None)  # the sandbox's str.format wrapper
        fmt = getattr(wrapped, "__self__", None)
        if isinstance(fmt, str) and _BIG_FORMAT_WIDTH.search(fmt):
            raise RenderOverrun("size")
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _check_deadline()
        return _check_size(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        _check_deadline()
        return _check_size(super().getitem(obj, argument))


class _Alarm:
    """On the main thread, a SIGALRM timer that raises RenderOverrun inside the render when the budget is
    spent (interrupting any Python loop); the previous handler is put back afterwards. Not used off the
    main thread, nor when a timer is already armed (pytest-timeout, a caller's own alarm): then the
    deadline checks of _BoundedEnvironment stop the render."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.armed = False
        self.previous: Any = None

    def _fire(self, signum: int, frame: FrameType | None) -> None:
        if self.armed:
            raise RenderOverrun("time")

    def __enter__(self) -> _Alarm:
        if (
            hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
            and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
            and signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)
        ):
            self.previous = signal.signal(signal.SIGALRM, self._fire)
            self.armed = True
            signal.setitimer(signal.ITIMER_REAL, self.seconds)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            self.armed = False
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, self.previous)


def _tojson(value: Any, indent: int | None = None, ensure_ascii: bool = False, sort_keys: bool = False) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii, sort_keys=sort_keys)


def _one_line(exc: BaseException, limit: int = 300) -> str:
    """The exception's text on one line, without terminal escapes (``raise_exception`` text is the template's)."""
    text = " ".join(strip_control(str(exc)).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _raise(message: str) -> None:
    raise jinja2.exceptions.TemplateError(message)


def _strftime_now(fmt: str) -> str:
    return datetime.now().strftime(fmt)


@dataclass
class ChatTemplate:
    """A compiled chat template and where it came from (``source`` is recorded in the manifest)."""

    text: str
    source: str  # "gguf", "builtin:chatml", or a file path
    bos_token: str = ""
    eos_token: str = ""
    origin: str = ""  # the file the template came from, for messages (the GGUF's path when source is "gguf")

    def __post_init__(self) -> None:
        env = _BoundedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
        env.filters["tojson"] = _tojson
        env.bound_filters()
        env.globals["raise_exception"] = _raise
        env.globals["strftime_now"] = _strftime_now
        try:
            self._template = env.from_string(self.text)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"chat template {self.source}: syntax error line {exc.lineno}: {exc.message}") from None
        except RecursionError:
            raise ConfigError(f"chat template {self.where}: nested too deeply to compile; fix the template") from None
        self.handles_tools = self._render_raw([{"role": "user", "content": "x"}], [_PROBE_TOOL]) != self._render_raw(
            [{"role": "user", "content": "x"}], None
        )

    @property
    def where(self) -> str:
        """The template's file (the GGUF's path for a GGUF's own), else its source."""
        return self.origin or self.source

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    @property
    def supports_thinking(self) -> bool:
        """The template has a thinking mode (Qwen3-style ``enable_thinking`` or ``<think>`` handling)."""
        return "enable_thinking" in self.text or "<think>" in self.text

    @property
    def stop(self) -> list[str]:
        markers = [m for m in END_MARKERS if m in self.text]
        if self.eos_token and self.eos_token not in markers:
            markers.append(self.eos_token)
        return markers

    def _render_raw(self, messages: list[Message], tools: list[ToolSchema] | None) -> str:
        """Render within RENDER_SECONDS and MAX_RENDER_CHARS (see :class:`_BoundedEnvironment`); any failure
        of the template's code is one ConfigError line."""
        variables = {
            "messages": messages,
            "tools": tools,
            "add_generation_prompt": True,
            "bos_token": self.bos_token,
            "eos_token": self.eos_token,
        }
        previous = getattr(_budget, "deadline", None)
        _budget.deadline = time.monotonic() + RENDER_SECONDS
        try:
            with _Alarm(RENDER_SECONDS):
                parts: list[str] = []
                size = 0
                for chunk in self._template.generate(variables):
                    size += len(chunk)
                    if size > MAX_RENDER_CHARS:
                        raise RenderOverrun("size")
                    parts.append(chunk)
                _check_deadline()
                return "".join(parts)
        except RenderOverrun:
            raise ConfigError(
                f"chat template of {self.where} did not finish rendering within {RENDER_SECONDS:g}s (or produced "
                f"more than {MAX_RENDER_CHARS:,} chars): fix the template or pass --chat-template chatml"
            ) from None
        except jinja2.TemplateError as exc:
            raise ConfigError(f"chat template {self.where} failed to render: {_one_line(exc)}") from None
        except (RecursionError, MemoryError) as exc:
            raise ConfigError(
                f"chat template {self.where} failed to render ({type(exc).__name__}): fix the template or pass "
                "--chat-template chatml"
            ) from None
        except Exception as exc:  # noqa: BLE001 - the template is code from the model file: any error is its own
            raise ConfigError(
                f"chat template {self.where} failed to render: {type(exc).__name__}: {_one_line(exc)}; fix the "
                "template or pass --chat-template chatml"
            ) from None
        finally:
            _budget.deadline = previous

    def render(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> str:
        """The prompt text for ``messages`` with ``tools`` offered, ending with the assistant's turn."""
        if self.handles_tools:
            return self._render_raw(messages, tools or None)
        return self._render_raw(inline_tools(messages, tools or []), None)

    def describe(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "sha256": self.sha256,
            "handles_tools": self.handles_tools,
            "tool_format": "template" if self.handles_tools else "hermes-system-prompt",
            "stop": self.stop,
        }


def history_call(call: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``(name, arguments)`` of a tool call in the conversation so far (OpenAI shape, arguments as a JSON string
    or an object); arguments that are not a JSON object are a ConfigError naming the call."""
    fn = call.get("function", call)
    args = fn.get("arguments") or {}
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            args = None
    if not isinstance(args, dict):
        raise ConfigError(f"a tool call in the history has arguments that are not a JSON object: {call}")
    return str(fn.get("name") or ""), args


def inline_tools(messages: list[Message], tools: list[ToolSchema]) -> list[Message]:
    """Rewrite messages for a template that knows nothing of tools (Hermes text format)."""
    out: list[Message] = []
    for msg in messages:
        role = msg.get("role")
        if role == "assistant" and msg.get("tool_calls"):
            calls = []
            for call in msg["tool_calls"]:
                name, args = history_call(call)
                calls.append(
                    "<tool_call>\n"
                    + json.dumps({"name": name, "arguments": args}, ensure_ascii=False)
                    + "\n</tool_call>"
                )
            text = "\n".join(filter(None, [msg.get("content") or "", *calls]))
            out.append({"role": "assistant", "content": text})
        elif role == "tool":
            out.append({"role": "user", "content": f"<tool_response>\n{msg.get('content', '')}\n</tool_response>"})
        else:
            out.append({"role": role, "content": msg.get("content") or ""})
    if tools:
        block = tool_system_block(tools)
        if out and out[0]["role"] == "system":
            out[0] = {"role": "system", "content": f"{out[0]['content']}\n\n{block}"}
        else:
            out.insert(0, {"role": "system", "content": block})
    return out


def load_template(
    spec: str | None, gguf_template: str | None, model_path: Path, bos_token: str = "", eos_token: str = ""
) -> ChatTemplate:
    """Pick the chat template: ``spec`` (a built-in name or a file) if given, else the GGUF's own.

    A GGUF without a template and no ``spec`` is refused: guessing a format silently gives scores
    that mean nothing.
    """
    origin = ""
    if spec:
        if spec in builtin_templates():
            text, source = (BUILTIN_DIR / f"{spec}.jinja").read_text(encoding="utf-8"), f"builtin:{spec}"
        else:
            path = Path(spec).expanduser()
            if not path.is_file():
                raise ConfigError(
                    f"--chat-template {spec}: neither a built-in template ({', '.join(builtin_templates())}) "
                    "nor a readable file"
                )
            try:
                text, source = path.read_text(encoding="utf-8"), str(path.resolve())
            except (OSError, UnicodeDecodeError) as exc:
                why = exc.strerror if isinstance(exc, OSError) else f"not UTF-8 text: {exc.reason}"
                raise ConfigError(
                    f"--chat-template {spec}: cannot read the file ({why}); pass a UTF-8 Jinja file"
                ) from None
    elif gguf_template:
        text, source = gguf_template, "gguf"
        origin = str(model_path)
    else:
        raise ConfigError(
            f"{model_path}: the GGUF has no chat template (tokenizer.chat_template); pass --chat-template "
            f"NAME|PATH (built-in: {', '.join(builtin_templates())})"
        )
    return ChatTemplate(text=text, source=source, bos_token=bos_token, eos_token=eos_token, origin=origin)
