"""A scripted back end: fixed outputs, or a function of the messages. For tests, and for scoring
responses produced elsewhere (``--model scripted:responses.yaml``).

A responses file maps keys to outputs. A key is ``suite/case_id``, ``case_id`` or ``*`` (any case).
An output is a string, or a mapping with ``text`` and optional ``finish_reason``, or
``{error: message}`` to simulate a back-end failure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.backends.base import GenerationParams, LoadOptions, backend_kind
from harness.errors import BackendError, ConfigError
from harness.models import ModelRef
from harness.types import Completion, Message, ToolSchema
from harness.yamlio import load_yaml

Responder = Callable[[list[Message], list[ToolSchema]], "str | Completion"]


class ScriptedBackend:
    name = "scripted"

    def __init__(
        self,
        responses: dict[str, Any] | list[str] | Responder,
        source: str = "inline",
    ) -> None:
        self._supports: set[str] | None = None
        if isinstance(responses, dict) and "__supports__" in responses:
            responses = dict(responses)
            self._supports = set(responses.pop("__supports__") or [])
        self._responses = responses
        self._source = source
        self._next = 0
        self.calls: list[tuple[list[Message], list[ToolSchema], GenerationParams]] = []

    @classmethod
    def from_file(cls, path: Path) -> ScriptedBackend:
        if path.suffix == ".json":
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise ConfigError(f"{path}: cannot read scripted responses: {exc}") from None
        else:
            data = load_yaml(path)
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: a scripted responses file maps 'suite/case_id', 'case_id' or '*' to outputs")
        return cls(data, source=str(path))

    def _lookup(self, messages: list[Message], tools: list[ToolSchema], key: str | None) -> Any:
        r = self._responses
        if callable(r):
            return r(messages, tools)
        if isinstance(r, list):
            if self._next >= len(r):
                raise BackendError(f"scripted back end ran out of outputs after {len(r)} generations")
            self._next += 1
            return r[self._next - 1]
        candidates = [key, key.split("/", 1)[-1]] if key else []
        for k in [*candidates, "*"]:
            if k is not None and k in r:
                return r[k]
        raise BackendError(f"scripted back end ({self._source}) has no output for {key!r} and no '*' default")

    def generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None = None
    ) -> Completion:
        self.calls.append((messages, tools, params))
        start = time.perf_counter()
        out = self._lookup(messages, tools, key)
        if isinstance(out, Completion):
            return out
        finish = "stop"
        if isinstance(out, dict):
            if "error" in out:
                raise BackendError(str(out["error"]))
            finish = str(out.get("finish_reason", "stop"))
            out = out.get("text", "")
        text = str(out)
        return Completion(
            text=text,
            finish_reason=finish,
            prompt_tokens=self.count_tokens(messages),
            completion_tokens=len(text.split()),
            latency_s=time.perf_counter() - start,
        )

    def supports(self, requirement: str) -> bool:
        """Every requirement is met unless the responses file lists them under ``__supports__``."""
        return self._supports is None or requirement in self._supports

    def count_tokens(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> int:
        """Whitespace-separated words of the contents: a stand-in for tokens."""
        return sum(len(str(m.get("content") or "").split()) for m in messages)

    def describe(self) -> dict[str, Any]:
        return {"backend": "scripted", "source": self._source}

    def close(self) -> None:
        pass


@backend_kind("scripted")
def open_scripted(ref: ModelRef, options: LoadOptions) -> ScriptedBackend:
    """``scripted:FILE``: the responses file's outputs, in this process."""
    return ScriptedBackend.from_file(ref.file)
