"""BatchingBackend: concurrent case threads on one model, their turns generated as batches."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from harness.backends.base import KINDS, BackendKind, GenerationParams, LoadOptions
from harness.backends.batching import BatchingBackend, Request
from harness.errors import BackendError, ConfigError
from harness.models import ModelRef
from harness.records import read_records
from harness.session import HarnessSession, RunOptions
from harness.suite import load_suite
from harness.types import Completion

ROOT = Path(__file__).parents[2]
GREEDY = GenerationParams(max_tokens=8)


def _reply(request: Request) -> str:
    """A reply that depends on the whole request, so a result handed to the wrong thread is seen."""
    messages, _, params = request
    return f"{messages[-1]['content']}|{len(messages)}|{params.max_tokens}"


class FakeBatcher:
    """``generate_many`` that records each batch's size and takes a while, like a model."""

    name = "fake"

    def __init__(self, delay: float = 0.03, fail_on: str | None = None, raise_on: str | None = None) -> None:
        self.delay = delay
        self.fail_on = fail_on  # a request whose content is this gets a BackendError in its place
        self.raise_on = raise_on  # a batch holding this content raises
        self.batches: list[int] = []
        self.closed = 0
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    def generate_many(self, requests: Sequence[Request], batch_size: int = 8) -> list[Completion | BackendError]:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            self.batches.append(len(requests))
            if any(r[0][-1]["content"] == self.raise_on for r in requests):
                raise RuntimeError("the batch broke")
            out: list[Completion | BackendError] = []
            for r in requests:
                if r[0][-1]["content"] == self.fail_on:
                    out.append(BackendError("this one failed"))
                else:
                    out.append(Completion(text=_reply(r), finish_reason="stop", prompt_tokens=3, completion_tokens=2))
            return out
        finally:
            with self._lock:
                self.in_flight -= 1

    def generate(self, messages: Any, tools: Any, params: GenerationParams, key: str | None = None) -> Completion:
        result = self.generate_many([(messages, tools, params)])[0]
        if isinstance(result, BaseException):
            raise result
        return result

    def supports(self, requirement: str) -> bool:
        return False

    def count_tokens(self, messages: Any, tools: Any = None) -> int:
        return sum(len(str(m.get("content", "")).split()) for m in messages)

    def describe(self) -> dict[str, Any]:
        return {"backend": "fake"}

    def close(self) -> None:
        self.closed += 1


def _threads(backend: BatchingBackend, n: int, turns: int) -> tuple[dict[str, list[str]], dict[str, BaseException]]:
    got: dict[str, list[str]] = {}
    errors: dict[str, BaseException] = {}

    def case(i: int) -> None:
        messages: list[dict[str, Any]] = []
        got[f"c{i}"] = []
        try:
            for t in range(turns):
                messages = [*messages, {"role": "user", "content": f"c{i}t{t}"}]
                params = GenerationParams(max_tokens=8 + i)
                got[f"c{i}"].append(backend.generate(messages, [], params).text)
                messages = [*messages, {"role": "assistant", "content": got[f"c{i}"][-1]}]
        except BaseException as exc:
            errors[f"c{i}"] = exc

    threads = [threading.Thread(target=case, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    return got, errors


def test_concurrent_turns_run_as_batches_and_each_thread_gets_its_own_reply() -> None:
    inner = FakeBatcher()
    backend = BatchingBackend(inner, max_batch=4)
    got, errors = _threads(backend, n=4, turns=3)
    assert not errors
    for i in range(4):
        assert got[f"c{i}"] == [f"c{i}t{t}|{2 * t + 1}|{8 + i}" for t in range(3)]
    assert sum(inner.batches) == 12 and max(inner.batches) > 1  # 12 turns, some of them together
    assert len(inner.batches) < 12
    assert inner.max_in_flight == 1  # one batch at a time on the one model
    assert backend.batch_stats()["turns"] == 12


def test_max_batch_bounds_a_batch() -> None:
    inner = FakeBatcher()
    got, errors = _threads(BatchingBackend(inner, max_batch=2), n=5, turns=2)
    assert not errors and len(got) == 5
    assert max(inner.batches) <= 2 and sum(inner.batches) == 10


def test_a_failed_request_fails_only_its_own_case() -> None:
    inner = FakeBatcher(fail_on="c1t0")
    got, errors = _threads(BatchingBackend(inner, max_batch=4), n=3, turns=1)
    assert set(errors) == {"c1"} and isinstance(errors["c1"], BackendError)
    assert got["c0"] == ["c0t0|1|8"] and got["c2"] == ["c2t0|1|10"]


def test_a_batch_that_raises_fails_each_case_in_it_and_the_next_batches_still_run() -> None:
    inner = FakeBatcher(raise_on="c0t0", delay=0.05)
    backend = BatchingBackend(inner, max_batch=1)  # one request per batch: only c0's batch breaks
    got, errors = _threads(backend, n=3, turns=2)
    assert set(errors) == {"c0"} and "the batch broke" in str(errors["c0"])
    assert len(got["c1"]) == len(got["c2"]) == 2


def test_close_closes_the_shared_model_once() -> None:
    inner = FakeBatcher()
    backend = BatchingBackend(inner, max_batch=3)
    for _ in range(3):
        backend.close()
    assert inner.closed == 1
    assert backend.describe()["batching"]["max_batch"] == 3 and backend.name == "fake"


# --- the session: --concurrency on a kind that batches --------------------------------------------------


class CaseFake(FakeBatcher):
    """Replies by the case's text alone (a pure function of the request, as greedy decoding is)."""

    def generate_many(self, requests: Sequence[Request], batch_size: int = 8) -> list[Completion | BackendError]:
        time.sleep(0.01)
        self.batches.append(len(requests))
        return [
            Completion(text=f"Ribbit! {r[0][-1]['content'][:40]}", finish_reason="stop", prompt_tokens=5,
                       completion_tokens=4)
            for r in requests
        ]  # fmt: skip


@pytest.fixture
def batchy() -> Iterator[list[CaseFake]]:
    opened: list[CaseFake] = []

    def opener(ref: ModelRef, options: LoadOptions) -> CaseFake:
        opened.append(CaseFake())
        return opened[-1]

    KINDS.add("batchy", BackendKind("batchy", opener, batches=True))
    try:
        yield opened
    finally:
        del KINDS["batchy"]


def _session_run(tmp_path: Path, name: str, **options: Any) -> tuple[HarnessSession, list[Any]]:
    from harness import models

    suite = load_suite(ROOT / "suites" / "josi" / "suite.yaml")
    cases = suite.cases[:6]
    session = HarnessSession(RunOptions(model="batchy:x", results=tmp_path / name, **options))
    real = models.resolve_model

    def resolve(spec: str, *a: Any, **k: Any) -> ModelRef:
        return ModelRef("batchy:x", None, "batchy", "batchy") if spec == "batchy:x" else real(spec, *a, **k)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("harness.session.resolve_model", resolve)
        session.open([suite], len(cases))
        session.start([(c, suite.version, c.id) for c in cases])
        records = [session.run_case(c, suite.version, c.id) for c in cases]
        session.finish()
    return session, records


def test_concurrency_on_a_batching_kind_opens_one_model_and_keeps_the_replies(
    batchy: list[CaseFake], tmp_path: Path
) -> None:
    _, alone = _session_run(tmp_path, "one")
    session, together = _session_run(tmp_path, "four", concurrency=4)
    assert len(batchy) == 2  # one model per run, not one per case thread
    assert max(batchy[1].batches) > 1 and max(batchy[0].batches) == 1
    assert batchy[1].closed == 1
    assert [(r.case_id, r.response, r.outcome) for r in together] == [(r.case_id, r.response, r.outcome) for r in alone]
    manifest = json.loads((tmp_path / "four" / "manifest.json").read_text())
    assert manifest["workers"]["count"] == 4 and manifest["workers"]["batching"]["turns"] == 6
    assert manifest["model"]["batching"]["max_batch"] == 4
    assert manifest["timing"]["completion_tokens_per_wall_s"] > 0
    assert len(read_records(tmp_path / "four" / "results.jsonl")) == 6 and session.summary is not None


def test_concurrency_with_workers_on_a_batching_kind_is_refused(batchy: list[CaseFake], tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"takes --concurrency .* not --workers"):
        _session_run(tmp_path, "x", concurrency=2, workers=2)
