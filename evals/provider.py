"""inspect-ai model providers that run models through the harness's own back ends.

``--model gguf/default`` (the bundled SmolLM2-135M), ``--model gguf/PATH.gguf`` (``gguf//abs/path.gguf`` for an
absolute path) and ``--model scripted/FILE.yaml`` (a scripted responses file, as pytest's ``--model
scripted:FILE``). A GGUF runs in harness worker processes (``harness.session.open_model``) with the harness's chat
template rendering and tool-call format, so a case's prompt is the one pytest sends. inspect's own llama-cpp-python
provider needs a server; this one loads the file.

Model args (``-M name=value``), as pytest's options: ``threads`` (1), ``threads_batch``, ``n_ctx`` (4096),
``chat_template``, ``workers`` (default: one per ``threads`` CPUs, at most 4), ``case_timeout`` (120 s),
``repack`` (true), ``log_dir`` (worker logs; default a temporary folder).

Registered through the ``inspect_ai`` entry point (evals._registry), so installing the project is all it takes.
"""

from __future__ import annotations

import logging
import queue
import threading
from pathlib import Path
from typing import Any

import anyio
from inspect_ai.model import ChatMessage, GenerateConfig, ModelAPI, ModelOutput
from inspect_ai.model._model_call import ModelCall
from inspect_ai.tool import ToolChoice, ToolInfo

from evals.convert import error_output, generation_params, harness_messages, harness_tools, message_key, model_output
from harness.backends.base import KINDS, Backend, GenerationParams, LoadOptions
from harness.errors import BackendError, ConfigError, ModelLoadError
from harness.models import inspect_gguf, resolve_model
from harness.session import default_workers, open_model
from harness.types import Completion, Message, ToolSchema

logger = logging.getLogger(__name__)


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off")
    return bool(value)


class HarnessModelAPI(ModelAPI):
    """One harness model opened once, on the first generation, as ``workers`` back ends used one at a time."""

    spec_prefix = ""  # what turns the model name into a harness --model spec
    kind = "gguf"

    def __init__(
        self,
        model_name: str,
        base_url: str | None = None,
        api_key: str | None = None,
        config: GenerateConfig = GenerateConfig(),  # noqa: B008 - inspect's own signature
        *,
        threads: int = 1,
        threads_batch: int | None = None,
        n_ctx: int = 4096,
        chat_template: str | None = None,
        workers: int | None = None,
        case_timeout: float = 120.0,
        repack: bool | str = True,
        log_dir: str | None = None,
        **model_args: Any,
    ) -> None:
        super().__init__(model_name=model_name, base_url=base_url, api_key=api_key, config=config)
        if model_args:
            known = "threads, threads_batch, n_ctx, chat_template, workers, case_timeout, repack, log_dir"
            raise ConfigError(f"unknown model args {', '.join(sorted(model_args))} (known: {known})")
        self.ref = resolve_model(self.spec_prefix + model_name)
        if self.ref.kind != self.kind:
            raise ModelLoadError(
                f"{model_name}: is a {self.ref.kind} model, not {self.kind}; pass a .gguf file or default"
            )
        if self.ref.kind == "gguf":
            inspect_gguf(self.ref.file)  # a bad file is one line now, before any worker starts
        # The kind must be registered; looked up here, in one thread (the registry's first load is not thread-safe).
        KINDS.get(self.ref.kind)
        self.options = LoadOptions(
            n_ctx=int(n_ctx),
            n_threads=int(threads),
            n_threads_batch=int(threads_batch) if threads_batch is not None else None,
            chat_template=chat_template,
            extra={"repack": _flag(repack)},
        )
        self.case_timeout = float(case_timeout)
        self.n_workers = int(workers) if workers is not None else default_workers(self.ref.kind, int(threads))
        if not 1 <= self.n_workers <= 64:
            raise ConfigError(f"workers must be between 1 and 64, got {self.n_workers}")
        self.log_dir = Path(log_dir) if log_dir else None
        self.backends: list[Backend] = []
        self._free: queue.Queue[Backend] = queue.Queue()
        self._open_lock = threading.Lock()

    # ------------------------------------------------------------------------------------------ back ends

    def _open(self) -> list[Backend]:
        """Open the back ends once, on first use (one after another: a GGUF worker loads in a second or two)."""
        with self._open_lock:
            if not self.backends:
                opened: list[Backend] = []
                try:
                    for i in range(self.n_workers):
                        opened.append(open_model(self.ref, self.options, self.log_dir, f"inspect-{i}"))
                except BaseException:
                    for backend in opened:
                        backend.close()
                    raise
                for notice in getattr(opened[0], "notices", None) or []:
                    logger.warning("harness: %s", notice)
                self.backends = opened
                for backend in opened:
                    self._free.put(backend)
            return self.backends

    def _with_backend(self, work: Any) -> Any:
        self._open()
        backend = self._free.get()
        try:
            return work(backend)
        finally:
            self._free.put(backend)

    def _generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None
    ) -> Completion:
        return self._with_backend(lambda b: b.generate(messages, tools, params, key=key))  # type: ignore[no-any-return]

    # ------------------------------------------------------------------------------------------ ModelAPI

    async def generate(
        self, input: list[ChatMessage], tools: list[ToolInfo], tool_choice: ToolChoice, config: GenerateConfig
    ) -> tuple[ModelOutput, ModelCall]:
        messages, schemas, key = harness_messages(input), harness_tools(tools), message_key(input)
        params = generation_params(config, self.case_timeout)
        request = {"key": key, "messages": messages, "tools": [t["function"]["name"] for t in schemas],
                   "params": params.to_dict()}  # fmt: skip
        try:
            completion = await anyio.to_thread.run_sync(self._generate, messages, schemas, params, key)
        except BackendError as exc:  # a failed generation is the case's error record, as in pytest
            return error_output(str(exc), self.model_name), ModelCall.create(request, {"error": str(exc)})
        response = {"text": completion.text, "finish_reason": completion.finish_reason,
                    "prompt": completion.prompt_text}  # fmt: skip
        return model_output(completion, self.model_name), ModelCall.create(request, response, time=completion.latency_s)

    async def count_tokens(self, input: str | list[ChatMessage], config: GenerateConfig | None = None) -> int:
        """Prompt tokens as the back end counts them (the compression task's token_reduction uses this)."""
        if isinstance(input, str):
            return await super().count_tokens(input, config)
        messages = harness_messages(input)
        return int(await anyio.to_thread.run_sync(self._with_backend, lambda b: b.count_tokens(messages)))

    async def supports_requirement(self, requirement: str) -> bool:
        """Whether the model can run a case that ``requires`` this (e.g. "thinking"), as pytest asks."""
        return bool(await anyio.to_thread.run_sync(self._with_backend, lambda b: b.supports(requirement)))

    def max_connections(self) -> int:
        return self.n_workers

    def close(self) -> None:
        backends, self.backends = self.backends, []
        for backend in backends:
            backend.close()
        self._free = queue.Queue()


class GGUFModelAPI(HarnessModelAPI):
    """``gguf/default`` or ``gguf/PATH.gguf``."""


class ScriptedModelAPI(HarnessModelAPI):
    """``scripted/FILE``: the outputs of a scripted responses file, looked up by case key."""

    spec_prefix = "scripted:"
    kind = "scripted"
