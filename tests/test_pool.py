"""Scheduling cases on N workers: prefix groups stay together, every case runs once, records come back."""

from __future__ import annotations

import threading
import time

import pytest

from harness.pool import CasePool, plan, prefix_key
from harness.types import Case


def _case(suite: str, cid: str, system: str = "S", tools: list | None = None) -> Case:
    return Case(
        suite=suite,
        id=cid,
        category="c",
        messages=[{"role": "system", "content": system}, {"role": "user", "content": cid}],
        tools=tools or [],
        checks=[],
        max_tokens=8,
        stop=[],
    )


def test_prefix_key_depends_on_system_prompt_tools_and_suite() -> None:
    a = _case("s", "a")
    assert prefix_key(a) == prefix_key(_case("s", "b"))
    assert prefix_key(a) != prefix_key(_case("s", "b", system="T"))
    assert prefix_key(a) != prefix_key(_case("s", "b", tools=[{"type": "function"}]))
    assert prefix_key(a) != prefix_key(_case("t", "b"))


def test_plan_keeps_groups_whole_and_balances() -> None:
    cases = [_case("p", f"p{i}") for i in range(6)] + [_case("j", f"j{i}", system="J") for i in range(5)]
    queues = plan(cases, 2)
    assert len(queues) == 2
    assert sorted(c.id for q in queues for c in q) == sorted(c.id for c in cases)
    for q in queues:
        assert len({prefix_key(c) for c in q}) == 1  # one system prompt per worker: its prefix stays cached
    assert [c.id for c in queues[0]] == [f"p{i}" for i in range(6)]  # suite order kept inside a group


def test_plan_splits_a_single_group_when_workers_would_idle() -> None:
    cases = [_case("p", f"p{i}") for i in range(7)]
    queues = plan(cases, 2)
    assert [len(q) for q in queues] == [4, 3]
    assert [c.id for c in queues[0] + queues[1]] == [f"p{i}" for i in range(7)]
    assert plan(cases[:1], 4) == [cases[:1]]  # one case cannot be split; no empty queues


def test_pool_runs_each_case_once_and_hands_back_records_and_errors() -> None:
    cases = [_case("p", f"p{i}") for i in range(4)] + [_case("j", f"j{i}", system="J") for i in range(4)]
    seen: list[str] = []
    written: list[str] = []
    lock = threading.Lock()

    def run_one(backend: object, case: Case) -> dict:
        if case.id == "j3":
            raise RuntimeError("boom")
        time.sleep(0.01)
        with lock:
            seen.append(case.id)
        return {"case_id": case.id}

    pool = CasePool([object(), object()], run_one, lambda r: written.append(r["case_id"]))  # type: ignore[list-item]
    pool.start(cases)
    assert [pool.result(c)["case_id"] for c in cases[:7]] == [c.id for c in cases[:7]]
    with pytest.raises(RuntimeError, match="boom"):
        pool.result(cases[7])
    pool.stop()
    assert sorted(seen) == sorted(written) == sorted(c.id for c in cases[:7])  # each once


def test_an_idle_worker_steals_the_back_half_of_the_longest_queue() -> None:
    slow = [_case("p", f"p{i}") for i in range(7)]
    quick = [_case("j", "j0", system="J")]
    ran_on: dict[str, int] = {}
    backends: list[object] = [object(), object()]

    def run_one(backend: object, case: Case) -> dict:
        ran_on[case.id] = backends.index(backend)
        time.sleep(0.05 if case.suite == "p" else 0)
        return {"case_id": case.id}

    pool = CasePool(backends, run_one, lambda r: None)  # type: ignore[arg-type]
    pool.start(slow + quick)
    for case in slow + quick:
        pool.result(case)
    pool.stop()
    assert pool.queues == [slow, quick]  # the plan keeps the group whole ...
    thief = ran_on["j0"]
    stolen = [c.id for c in slow if ran_on[c.id] == thief]
    assert pool.steals >= 1 and stolen  # ... and the idle worker took the tail of it
    assert stolen == [c.id for c in slow[-len(stolen) :]]  # the back of the queue, in suite order


def test_stopped_pool_starts_no_further_case() -> None:
    started: list[str] = []
    gate = threading.Event()

    def run_one(backend: object, case: Case) -> dict:
        started.append(case.id)
        gate.wait(2)
        return {"case_id": case.id}

    cases = [_case("p", f"p{i}") for i in range(5)]
    pool = CasePool([object()], run_one, lambda r: None)  # type: ignore[list-item]
    pool.start(cases)
    time.sleep(0.05)
    pool.stop(timeout=0)
    gate.set()
    pool.stop(timeout=2)
    assert started == ["p0"]
