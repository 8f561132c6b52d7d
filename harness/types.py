"""Plain data passed between back ends, parsing and scorers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from harness.scoring import BuiltScorer

Message = dict[str, Any]  # OpenAI-style chat message: role, content, optional tool_calls / name
ToolSchema = dict[str, Any]  # OpenAI-style {"type": "function", "function": {name, description, parameters}}
DEFAULT_SET = "default"  # the case set of a case whose source names none
# The checks every compression case records (besides the case's own checks, which judge the summary).
TASK_CHECKS = ("token_reduction", "recall_full", "recall_compressed", "recall_retained")


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
    # Where the tool calls were read: "server" (the reply's own tool_calls field) or "text" (parsed from the
    # text by harness.parsing). Set only by back ends that can get either (openai-compatible servers); None
    # elsewhere, where calls always come from the text.
    tool_calls_from: str | None = None

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


def recorded_check_name(name: str, args: dict[str, Any] | None) -> str:
    """The name a check records: its scorer's name, except a judge check, which records
    ``judge.<criterion>`` (see ``harness.scorers.judge``)."""
    criterion = (args or {}).get("criterion")
    if name == "judge" and isinstance(criterion, str):
        return f"judge.{criterion}"
    return name


@dataclass
class Check:
    """One check of a case: the scorer's name, its arguments from the suite, and the built scorer."""

    name: str
    args: dict[str, Any]
    fn: BuiltScorer


@dataclass
class Case:
    """A resolved case: ready to send to a back end and score."""

    suite: str
    id: str
    category: str
    messages: list[Message]
    tools: list[ToolSchema]
    checks: list[Check]
    max_tokens: int
    stop: list[str]
    system_name: str | None = None
    notes: str = ""
    kind: str = "chat"
    data: dict[str, Any] = field(default_factory=dict)
    requires: list[str] = field(default_factory=list)
    case_set: str = DEFAULT_SET
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        return str(self.messages[-1].get("content") or "")

    @property
    def tool_names(self) -> set[str]:
        return {t["function"]["name"] for t in self.tools}

    @property
    def check_names(self) -> set[str]:
        """The names this case's checks record in ``checks`` (what check and metric gates refer to)."""
        names = {recorded_check_name(c.name, c.args) for c in self.checks}
        if self.kind == "compression":
            names.update(TASK_CHECKS)
        return names

    def tool_schema(self, name: str) -> ToolSchema | None:
        for tool in self.tools:
            if tool["function"]["name"] == name:
                return tool
        return None
