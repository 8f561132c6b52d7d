"""Run cases on N model workers at once, each driven by one thread of this process.

Every worker is a back end (for GGUF models a worker process, see ``harness.backends.worker``) with its own KV
cache. Cases that share a prompt prefix (system prompt + tool schemas) go to the same worker, in their suite
order, so llama.cpp's prefix reuse keeps working; a group is split only when there are fewer groups than
workers. Cases differ in cost (a Pokkit case carries 1,265 prompt tokens of tools, a Josi one 200), so a
worker whose queue runs dry takes the back half of the longest other queue (when it holds 2 or more cases:
the thief pays that prefix once). Greedy decoding makes a case's response independent of the worker it ran on.

The pool runs ahead of pytest: ``start`` schedules every selected case, the pytest item of a case waits for
its record (``result``). Records reach ``on_record`` (the result writer) as they finish, so a killed run
keeps every finished case.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future

from harness.backends.base import Backend
from harness.records import CaseRecord
from harness.types import Case

Record = CaseRecord
RunOne = Callable[[Backend, Case], Record]


def prefix_key(case: Case) -> str:
    """What a case's prompt starts with: its system message and tool schemas."""
    first = case.messages[0] if case.messages and case.messages[0].get("role") == "system" else {}
    blob = json.dumps([case.suite, first.get("content"), case.tools], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def plan(cases: Sequence[Case], n_workers: int) -> list[list[Case]]:
    """Split ``cases`` into ``n_workers`` queues: whole prefix groups, balanced by case count (longest first).

    Groups are split in halves (largest first) until there are at least as many groups as workers, so two
    workers never idle while one group of 37 cases runs on one of them. Order inside a group is kept.
    """
    n_workers = max(1, n_workers)
    groups: dict[str, list[Case]] = {}
    for case in cases:
        groups.setdefault(prefix_key(case), []).append(case)
    chunks = list(groups.values())
    while len(chunks) < n_workers:
        chunks.sort(key=len, reverse=True)
        if len(chunks[0]) < 2:
            break
        big = chunks.pop(0)
        half = (len(big) + 1) // 2
        chunks[:0] = [big[:half], big[half:]]
    queues: list[list[Case]] = [[] for _ in range(n_workers)]
    for chunk in sorted(chunks, key=len, reverse=True):
        min(queues, key=len).extend(chunk)
    return [q for q in queues if q] or [[]]


def case_key(case: Case) -> str:
    return f"{case.suite}/{case.id}"


class CasePool:
    """Threads that feed scheduled cases to their worker and hand back each case's record."""

    def __init__(self, backends: Sequence[Backend], run_one: RunOne, on_record: Callable[[Record], None]) -> None:
        self.backends = list(backends)
        self._run_one = run_one
        self._on_record = on_record
        self._futures: dict[str, Future[Record]] = {}
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()
        self._queue_lock = threading.Lock()
        self._pending: list[deque[Case]] = []
        self.queues: list[list[Case]] = []  # the plan (before any stealing)
        self.steals = 0

    def start(self, cases: Sequence[Case]) -> None:
        self.queues = plan(cases, len(self.backends))
        self._pending = [deque(q) for q in self.queues]
        for case in cases:
            self._futures[case_key(case)] = Future()
        for i in range(len(self.queues)):
            thread = threading.Thread(target=self._drive, args=(i,), name=f"harness-worker-{i}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _next(self, i: int) -> Case | None:
        """Worker ``i``'s next case: the front of its queue, else (stolen) the back half of the longest queue."""
        with self._queue_lock:
            own = self._pending[i]
            if not own:
                victim = max(self._pending, key=len)
                if len(victim) >= 2:
                    stolen = [victim.pop() for _ in range(len(victim) // 2)]
                    own.extend(reversed(stolen))
                    self.steals += 1
            return own.popleft() if own else None

    def _drive(self, i: int) -> None:
        backend = self.backends[i]
        while (case := self._next(i)) is not None:
            future = self._futures[case_key(case)]
            if self._stop.is_set():
                future.cancel()
                continue
            try:
                record = self._run_one(backend, case)
                if self._stop.is_set():  # the run was interrupted while this case ran: its record is not kept
                    future.cancel()
                    continue
                self._on_record(record)
            except BaseException as exc:  # noqa: BLE001 - handed to the waiting pytest item, which reports it
                future.set_exception(exc)
                continue
            future.set_result(record)

    def scheduled(self, case: Case) -> bool:
        return case_key(case) in self._futures

    def result(self, case: Case) -> Record:
        """Wait for ``case``'s record (re-raising what running it raised)."""
        return self._futures[case_key(case)].result()

    def stop(self, timeout: float = 5.0) -> None:
        """Let no further case start; wait briefly for the threads (the caller closes the back ends)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
