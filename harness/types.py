"""Plain data passed between back ends, parsing and scorers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Message = dict[str, Any]  # OpenAI-style chat message: role, content, optional tool_calls / name
ToolSchema = dict[str, Any]  # OpenAI-style {"type": "function", "function": {name, description, parameters}}


@dataclass(frozen=True)
class ToolCall:
    """One call the model made: a function name and its decoded JSON arguments."""

    name: str
    arguments: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "arguments": self.arguments}


@dataclass(frozen=True)
class ParseError:
    """A tool call the model tried to make whose JSON did not parse or had the wrong shape."""

    text: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"text": self.text, "reason": self.reason}


@dataclass
class Completion:
    """What a back end returns for one generation, before and after parsing.

    ``text`` is the raw generated text, ``visible`` the text with ``<think>`` blocks and tool-call
    markup removed (what scorers of prose look at), ``thinking`` the removed reasoning.
    """

    text: str
    visible: str = ""
    thinking: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    parse_errors: list[ParseError] = field(default_factory=list)
    finish_reason: str = "stop"  # "stop" | "length" (cut at max_tokens) | "timeout" (cut by the time limit)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    prompt_text: str | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def cut(self) -> str | None:
        """Why the reply did not end on its own ("cut at max_tokens", "cut by the time limit"), or None.

        A cut reply is not a short one: we never saw its end, so length checks fail it."""
        return CUT_REASONS.get(self.finish_reason)


CUT_REASONS = {"length": "cut at max_tokens", "timeout": "cut by the time limit"}


@dataclass(frozen=True)
class Score:
    """The verdict of one named check on one completion."""

    name: str
    passed: bool
    reason: str = ""
    value: float | None = None
    error_type: str | None = None
    args: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "passed": self.passed, "reason": self.reason}
        if self.value is not None:
            out["value"] = self.value
        if self.error_type is not None:
            out["error_type"] = self.error_type
        if self.args:
            out["args"] = self.args
        return out
