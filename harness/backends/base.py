"""The back-end interface and the factory that opens one from a resolved model reference."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from harness.models import ModelRef
from harness.types import Completion, Message, ToolSchema


@dataclass(frozen=True)
class GenerationParams:
    """Every decoding parameter, explicit: nothing is left to a library default."""

    max_tokens: int
    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = 0  # 0 = off
    min_p: float = 0.0
    repeat_penalty: float = 1.0
    seed: int = 0
    stop: tuple[str, ...] = ()
    timeout_s: float = 120.0  # wall-clock limit for one generation; the case ends with finish_reason "timeout"
    json_schema: dict[str, Any] | None = None  # constrain the output to this JSON schema (a grammar in llama.cpp)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["stop"] = list(self.stop)
        return out


@dataclass(frozen=True)
class LoadOptions:
    """How to open a model: context size, threads, template. Recorded in the manifest."""

    n_ctx: int = 4096
    n_threads: int = 1
    n_threads_batch: int | None = None  # None = same as n_threads
    n_batch: int = 512
    chat_template: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    name: str

    def generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None = None
    ) -> Completion:
        """Generate one assistant turn. ``key`` ("suite/case_id") identifies the case, for scripted back ends."""
        ...

    def supports(self, requirement: str) -> bool:
        """Whether the model can run cases that require ``requirement`` (e.g. "thinking")."""
        ...

    def count_tokens(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> int:
        """Prompt tokens of ``messages`` (with ``tools`` offered) as this back end would send them."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the manifest records about the model and how it was opened."""
        ...

    def close(self) -> None: ...


def open_backend(ref: ModelRef, options: LoadOptions) -> Backend:
    """Open the back end for ``ref``; optional dependencies are imported here, with an install hint."""
    if ref.kind == "scripted":
        from harness.backends.scripted import ScriptedBackend

        return ScriptedBackend.from_file(ref.path)
    if ref.kind == "gguf":
        from harness.backends.llama_cpp import LlamaCppBackend

        return LlamaCppBackend(ref, options)
    raise NotImplementedError(f"no back end for model kind {ref.kind!r}")
