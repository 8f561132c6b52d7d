"""The back-end interface and the factory that opens one from a resolved model reference."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol

from harness.errors import ModelLoadError
from harness.models import ModelRef
from harness.registry import Registry
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
    adapter: str | None = None  # a LoRA adapter folder applied on top without merging (hf models)
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


@dataclass(frozen=True)
class BackendKind:
    """A model form ``--model`` can name (``ModelRef.kind``) and how to open it.

    ``opener(ref, options)`` returns the back end; it imports its optional dependencies itself and raises a
    :class:`~harness.errors.ModelLoadError` with ``install`` (the pip command) when one is missing.
    ``in_process``: opened in this process (servers, scripted, transformers) rather than in a worker process.
    ``batches``: the back end has ``generate_many``; ``--concurrency N`` runs N cases on one copy of the model,
    their turns batched (:class:`harness.backends.batching.BatchingBackend`).
    """

    kind: str
    opener: Callable[[ModelRef, LoadOptions], Backend]
    install: str | None = None
    in_process: bool = True
    batches: bool = False


def _load_builtin_kinds() -> None:
    # Importing each module registers its kind; none imports its heavy library at import time.
    for module in BUILTIN_MODULES:
        importlib.import_module(module)
    for ep in entry_points(group=BACKENDS_GROUP):  # back ends other packages add
        ep.load()


BUILTIN_MODULES = (
    "harness.backends.scripted",
    "harness.backends.llama_cpp",
    "harness.backends.hf",
    "harness.backends.openai_compat",
    "harness.backends.ollama",
)
BACKENDS_GROUP = "harness.backends"
KINDS: Registry[BackendKind] = Registry("model kind", load=_load_builtin_kinds)


def backend_kind(
    kind: str, *, install: str | None = None, in_process: bool = True, batches: bool = False
) -> Callable[[Callable[[ModelRef, LoadOptions], Backend]], Callable[[ModelRef, LoadOptions], Backend]]:
    """Register ``opener`` for model kind ``kind`` (what :func:`harness.models.resolve_model` names)."""

    def register(opener: Callable[[ModelRef, LoadOptions], Backend]) -> Callable[[ModelRef, LoadOptions], Backend]:
        KINDS.add(kind, BackendKind(kind, opener, install, in_process, batches), origin=opener)
        return opener

    return register


def missing_dependency(kind: str, what: str, exc: ImportError) -> ModelLoadError:
    """The error for a back end whose optional library is not installed: what is missing and the pip command."""
    hint = KINDS.get(kind).install
    return ModelLoadError(f"{kind} models need {what} ({exc.name or exc}): {hint or 'install it'}")


def open_backend(ref: ModelRef, options: LoadOptions) -> Backend:
    """Open the back end registered for ``ref.kind``; a missing optional dependency is a ModelLoadError with
    the pip command that installs it."""
    return KINDS.get(ref.kind).opener(ref, options)
