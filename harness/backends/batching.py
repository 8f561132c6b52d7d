"""One in-process model shared by N case threads, their concurrent turns generated as one batch.

A back end that can batch (``generate_many``, e.g. transformers) holds one copy of the weights; ``--concurrency
N`` runs N cases at once on it: each case's thread calls :meth:`BatchingBackend.generate` and blocks, one of the
waiting threads (the leader) takes up to N pending requests and runs them through ``generate_many``, then hands
each thread its own result. It is the dynamic batching a server does (llama-server ``--parallel``, vLLM), inside
the process, with no server. While a batch runs, the next turns queue up; a leader waits at most ``window_s``
for more requests before it starts a batch that is not full.

Which requests really batch is the inner back end's decision (the hf one: greedy, short prompts, equal
parameters; the rest one at a time), so a case's reply is the one it gets alone wherever batching was measured
to give the same greedy text.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from harness.backends.base import Backend, GenerationParams
from harness.errors import BackendError
from harness.types import Completion, Message, ToolSchema

Request = tuple[list[Message], list[ToolSchema], GenerationParams]


class CanBatch(Backend, Protocol):
    def generate_many(self, requests: Sequence[Request], batch_size: int = ...) -> list[Completion | BackendError]: ...


@dataclass
class _Pending:
    request: Request
    result: Completion | BaseException | None = None
    done: bool = False


class BatchingBackend:
    """``inner`` behind a queue: concurrent ``generate`` calls become ``inner.generate_many`` batches."""

    def __init__(self, inner: CanBatch, max_batch: int, window_s: float = 0.02) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.inner = inner
        self.name = inner.name
        self.max_batch = max_batch
        self.window_s = window_s
        self._cond = threading.Condition()
        self._pending: list[_Pending] = []
        self._busy = False
        self._closed = False
        self.batches: list[int] = []  # the size of every batch run, in order (describe() summarises them)

    def generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None = None
    ) -> Completion:
        mine = _Pending((messages, tools, params))
        with self._cond:
            self._pending.append(mine)
            self._cond.notify_all()
        while True:
            with self._cond:
                while not mine.done and (self._busy or not self._pending):
                    self._cond.wait()
                if mine.done:
                    break
                self._busy = True  # this thread leads the next batch
                deadline = time.monotonic() + self.window_s
                while len(self._pending) < self.max_batch and (left := deadline - time.monotonic()) > 0:
                    self._cond.wait(left)
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            self._run(batch)
        if isinstance(mine.result, BaseException):
            raise mine.result
        assert mine.result is not None
        return mine.result

    def _run(self, batch: list[_Pending]) -> None:
        results: list[Completion | BaseException]
        try:
            results = list(self.inner.generate_many([p.request for p in batch], batch_size=self.max_batch))
            if len(results) != len(batch):
                raise BackendError(f"{self.name}: generate_many returned {len(results)} results for {len(batch)}")
        except BaseException as exc:  # noqa: BLE001 - every caller of the batch gets it, raised in its own thread
            results = [exc] * len(batch)
        with self._cond:
            for pending, result in zip(batch, results, strict=True):
                pending.result, pending.done = result, True
            self.batches.append(len(batch))
            self._busy = False
            self._cond.notify_all()

    def supports(self, requirement: str) -> bool:
        return self.inner.supports(requirement)

    def count_tokens(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> int:
        return self.inner.count_tokens(messages, tools)

    def describe(self) -> dict[str, Any]:
        return self.inner.describe() | {"batching": {"max_batch": self.max_batch, "window_s": self.window_s}}

    def batch_stats(self) -> dict[str, Any]:
        with self._cond:
            sizes = list(self.batches)
        mean = round(sum(sizes) / len(sizes), 2) if sizes else 0
        return {"batches": len(sizes), "turns": sum(sizes), "mean_batch": mean}

    def close(self) -> None:
        """Close the inner back end once, however many case threads share this one."""
        with self._cond:
            if self._closed:
                return
            self._closed = True
        self.inner.close()

    def __getattr__(self, name: str) -> Any:  # the inner back end's other attributes (n_ctx, template...)
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)
