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

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment

from harness.errors import ConfigError
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


def _tojson(value: Any, indent: int | None = None, ensure_ascii: bool = False, sort_keys: bool = False) -> str:
    return json.dumps(value, indent=indent, ensure_ascii=ensure_ascii, sort_keys=sort_keys)


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

    def __post_init__(self) -> None:
        env = ImmutableSandboxedEnvironment(
            trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"]
        )
        env.filters["tojson"] = _tojson
        env.globals["raise_exception"] = _raise
        env.globals["strftime_now"] = _strftime_now
        try:
            self._template = env.from_string(self.text)
        except jinja2.TemplateSyntaxError as exc:
            raise ConfigError(f"chat template {self.source}: syntax error line {exc.lineno}: {exc.message}") from None
        self.handles_tools = self._render_raw([{"role": "user", "content": "x"}], [_PROBE_TOOL]) != self._render_raw(
            [{"role": "user", "content": "x"}], None
        )

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
        try:
            return self._template.render(
                messages=messages,
                tools=tools,
                add_generation_prompt=True,
                bos_token=self.bos_token,
                eos_token=self.eos_token,
            )
        except jinja2.TemplateError as exc:
            raise ConfigError(f"chat template {self.source} failed to render: {exc}") from None

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


def inline_tools(messages: list[Message], tools: list[ToolSchema]) -> list[Message]:
    """Rewrite messages for a template that knows nothing of tools (Hermes text format)."""
    out: list[Message] = []
    for msg in messages:
        role = msg.get("role")
        if role == "assistant" and msg.get("tool_calls"):
            calls = []
            for call in msg["tool_calls"]:
                fn = call.get("function", call)
                args = fn.get("arguments", {})
                if isinstance(args, str):
                    args = json.loads(args)
                calls.append(
                    "<tool_call>\n"
                    + json.dumps({"name": fn["name"], "arguments": args}, ensure_ascii=False)
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
            text, source = path.read_text(encoding="utf-8"), str(path.resolve())
    elif gguf_template:
        text, source = gguf_template, "gguf"
    else:
        raise ConfigError(
            f"{model_path}: the GGUF has no chat template (tokenizer.chat_template); pass --chat-template "
            f"NAME|PATH (built-in: {', '.join(builtin_templates())})"
        )
    return ChatTemplate(text=text, source=source, bos_token=bos_token, eos_token=eos_token)
