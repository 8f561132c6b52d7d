"""Clean a chat dataset before training: validate, deduplicate, rebalance by category, and report counts.

Validation uses the harness's own call parser (:func:`harness.parsing.parse_openai_tool_calls`) and the
scorer's schema rules (:func:`harness.scorers.tool_call.schema_problem`), so an example the harness would
score as a wrong call never teaches the model that call. An example is also rejected when its turns are
out of order (a call without its one result, a result answering no call) or the harness cannot render it
(:func:`harness.chat.inline_tools`).
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.chat import inline_tools
from harness.errors import DataError
from harness.parsing import parse_openai_tool_calls
from harness.results import iter_jsonl, write_jsonl_atomic
from harness.scorers.tool_call import schema_problem

ROLES = {"system", "user", "assistant", "tool"}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Examples from a JSONL file; a missing file or a bad line is a DataError naming file and line."""
    out = []
    for n, item in iter_jsonl(path, what="dataset", fix="each line must be one JSON object"):
        if not isinstance(item, dict) or not isinstance(item.get("messages"), list):
            raise DataError(f"{path}:{n}: each line needs a 'messages' list (chat JSONL)")
        out.append(item)
    return out


def write_jsonl(path: Path, examples: Sequence[dict[str, Any]]) -> None:
    """One example per line, through a temporary file and a rename (:func:`harness.results.write_jsonl_atomic`)."""
    write_jsonl_atomic(path, examples)


def _tool_result_problem(i: int, msg: dict[str, Any], pending: dict[str, str]) -> str | None:
    """Why tool result ``msg`` (message ``i``) answers none of the ``pending`` calls, or None (then it is popped).

    ``pending`` maps the ids of calls still waiting for a result to their tool names, in call order.
    """
    if not pending:
        return f"message {i}: a tool result with no tool call before it"
    call_id = msg.get("tool_call_id")
    if not isinstance(call_id, str) or call_id not in pending:
        return (
            f"message {i}: a tool result for call id {call_id!r}, which matches no pending call "
            f"(waiting for {', '.join(map(repr, pending))})"
        )
    name = pending.pop(call_id)
    # OpenAI tool messages need no name; one that gives it must name the tool that was called.
    if "name" in msg and msg["name"] != name:
        return f"message {i}: the result of call {call_id!r} is named {msg['name']!r}, but the call was to {name!r}"
    return None


def _tool_call_problem(i: int, call: Any, tools: list[dict[str, Any]], pending: dict[str, str]) -> str | None:
    """Why ``call`` in message ``i`` cannot be trained on, or None (then it is added to ``pending``)."""
    calls, errors = parse_openai_tool_calls([call])
    if errors:
        return f"message {i}: malformed tool call ({errors[0].reason})"
    problem = schema_problem(calls[0], tools)
    if problem:
        return f"message {i}: {problem}"
    call_id = call.get("id")
    if not isinstance(call_id, str) or not call_id:
        return f"message {i}: the call to {calls[0].name} has no id, so no tool result can answer it"
    if call_id in pending:
        return f"message {i}: two calls share the id {call_id!r}"
    pending[call_id] = calls[0].name
    return None


def validate_example(example: dict[str, Any]) -> str | None:
    """Why ``example`` cannot be trained on, or None.

    Turns must be in order: an optional system message first, and every tool call answered by exactly one
    tool result (same ``tool_call_id``; same ``name`` when the result gives one) before the next user or
    assistant turn. Calls must parse (:func:`harness.parsing.parse_openai_tool_calls`) and follow the
    scorer's schema rules, and the example must end with an assistant turn the harness can render.
    """
    messages = example.get("messages")
    tools = example.get("tools") or []
    if not isinstance(messages, list) or not messages:
        return "no messages"
    pending: dict[str, str] = {}  # id -> tool name of each call still waiting for its result
    assistant_turns = 0
    for i, msg in enumerate(messages):
        role = msg.get("role") if isinstance(msg, dict) else None
        if role not in ROLES:
            return f"message {i}: unknown role {role!r}"
        if role == "system" and i != 0:
            return f"message {i}: a system message must come first"
        if role == "tool":
            problem = _tool_result_problem(i, msg, pending)
            if problem:
                return problem
            continue
        if pending:
            return f"message {i}: call(s) {', '.join(map(repr, pending))} got no tool result before this {role} turn"
        if role == "assistant":
            assistant_turns += 1
            calls = msg.get("tool_calls") or []
            if not calls and not str(msg.get("content") or "").strip():
                return f"message {i}: an empty assistant turn"
            for call in calls:
                problem = _tool_call_problem(i, call, tools, pending)
                if problem:
                    return problem
    if pending:
        return f"call(s) {', '.join(map(repr, pending))} got no tool result"
    if assistant_turns == 0:
        return "no assistant turn to learn from"
    if messages[-1].get("role") != "assistant":
        return "the last message must be the assistant's"
    try:
        inline_tools(messages, tools)
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        return f"cannot be rendered ({exc})"
    return None


def dedupe_key(example: dict[str, Any]) -> str:
    """Examples that differ only in case or spacing count as duplicates."""
    parts = []
    for msg in example.get("messages", []):
        content = " ".join(str(msg.get("content") or "").lower().split())
        calls = json.dumps(msg.get("tool_calls") or [], sort_keys=True)
        parts.append(f"{msg.get('role')}|{content}|{calls}")
    return "\n".join(parts)


@dataclass
class CleanReport:
    read: int = 0
    duplicates: int = 0
    invalid: list[tuple[int, str]] = field(default_factory=list)
    rebalanced_out: int = 0
    before: Counter[str] = field(default_factory=Counter)
    after: Counter[str] = field(default_factory=Counter)

    @property
    def kept(self) -> int:
        return sum(self.after.values())

    def lines(self) -> list[str]:
        out = [
            f"read {self.read}, kept {self.kept}: {self.duplicates} duplicates, {len(self.invalid)} invalid, "
            f"{self.rebalanced_out} cut by rebalancing"
        ]
        out += [f"  invalid example {i}: {why}" for i, why in self.invalid[:10]]
        width = max((len(c) for c in self.before), default=8)
        out += [f"  {cat:<{width}}  {self.before[cat]:>5} -> {self.after[cat]:>5}" for cat in sorted(self.before)]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "read": self.read,
            "kept": self.kept,
            "duplicates": self.duplicates,
            "invalid": [{"index": i, "reason": why} for i, why in self.invalid],
            "rebalanced_out": self.rebalanced_out,
            "per_category": dict(sorted(self.after.items())),
        }


def clean(
    examples: Sequence[dict[str, Any]], *, max_share: float = 0.25, seed: int = 0
) -> tuple[list[dict[str, Any]], CleanReport]:
    """Valid, unique examples; no category above ``max_share`` of the total (1.0 turns rebalancing off)."""
    if not 0 < max_share <= 1:
        raise ValueError("max_share must be in (0, 1]")
    report = CleanReport(read=len(examples))
    seen: set[str] = set()
    valid: list[dict[str, Any]] = []
    for i, ex in enumerate(examples):
        report.before[str(ex.get("category", "uncategorised"))] += 1
        why = validate_example(ex)
        if why:
            report.invalid.append((i, why))
            continue
        key = dedupe_key(ex)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        valid.append(ex)
    kept = _rebalance(valid, max_share, random.Random(seed))
    report.rebalanced_out = len(valid) - len(kept)
    report.after = Counter(str(ex.get("category", "uncategorised")) for ex in kept)
    return kept, report


def _rebalance(examples: list[dict[str, Any]], max_share: float, rng: random.Random) -> list[dict[str, Any]]:
    """Downsample categories above the cap. With fewer than ``1/max_share`` categories the cap is an even
    split instead (one category keeps everything), so a small or single-topic set is not cut for nothing."""
    if max_share >= 1 or not examples:
        return examples
    by_cat: dict[str, list[int]] = {}
    for i, ex in enumerate(examples):
        by_cat.setdefault(str(ex.get("category", "uncategorised")), []).append(i)
    cap = max(1, math.ceil(max(max_share, 1 / len(by_cat)) * len(examples)))
    keep: set[int] = set()
    for idxs in by_cat.values():
        keep.update(idxs if len(idxs) <= cap else rng.sample(idxs, cap))
    return [ex for i, ex in enumerate(examples) if i in keep]
