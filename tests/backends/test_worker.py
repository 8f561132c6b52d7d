"""The worker-process back end on the real bundled GGUF: same answers as in-process, real signals survived."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness.backends.base import GenerationParams, LoadOptions
from harness.backends.llama_cpp import LlamaCppBackend, cpu_has_amx
from harness.backends.worker import (
    CRASH_ENV,
    HARD_TIMEOUT_FRACTION,
    HARD_TIMEOUT_GRACE_S,
    WorkerBackend,
    WorkerCrashError,
)
from harness.errors import ConfigError, ModelLoadError
from harness.models import ModelRef, resolve_model

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]
OPTIONS = LoadOptions(n_ctx=1024, n_threads=1)
PARAMS = GenerationParams(max_tokens=24)
PROMPTS = [
    [{"role": "system", "content": "You are a frog."}, {"role": "user", "content": "Say hello."}],
    [{"role": "user", "content": "What is 7 times 8?"}],
    [{"role": "system", "content": "You are a frog."}, {"role": "user", "content": "Name three colours."}],
]


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie waiting for a reaper counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def _wait_gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture(scope="module")
def model() -> ModelRef:
    return resolve_model("default")


@pytest.fixture(scope="module")
def worker(model: ModelRef, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerBackend]:
    w = WorkerBackend(model, OPTIONS, log_dir=tmp_path_factory.mktemp("workers"))
    yield w
    w.close()


@pytest.fixture
def spawn(model: ModelRef, tmp_path: Path) -> Iterator[Callable[..., WorkerBackend]]:
    """``spawn(options=OPTIONS)``: a WorkerBackend on the bundled model, logging to tmp_path, closed at teardown."""
    made: list[WorkerBackend] = []

    def make(options: LoadOptions = OPTIONS) -> WorkerBackend:
        made.append(WorkerBackend(model, options, log_dir=tmp_path))
        return made[-1]

    yield make
    for w in made:
        w.close()


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The crash hooks are read by the child from its environment; never inherit them from the caller."""
    monkeypatch.delenv(CRASH_ENV, raising=False)
    monkeypatch.delenv("HARNESS_ASSUME_AMX", raising=False)
    return monkeypatch


def test_worker_answers_exactly_like_the_in_process_backend(worker: WorkerBackend, model: ModelRef) -> None:
    local = LlamaCppBackend(model, OPTIONS)
    try:
        for messages in PROMPTS:
            a, b = local.generate(messages, [], PARAMS), worker.generate(messages, [], PARAMS)
            assert (b.text, b.finish_reason, b.prompt_tokens, b.completion_tokens, b.prompt_text) == (
                a.text,
                a.finish_reason,
                a.prompt_tokens,
                a.completion_tokens,
                a.prompt_text,
            )
            assert b.text.strip() and b.timings["decode_s"] > 0
            assert worker.count_tokens(messages) == local.count_tokens(messages) == a.prompt_tokens
        assert worker.supports("thinking") is local.supports("thinking") is False
    finally:
        local.close()
    d = worker.describe()
    assert (d["repack"], d["architecture"], d["n_threads"]) == ("on", "llama", 1)
    assert "CPU" in d["system_info"] and d["cpu"] and isinstance(d["amx"], bool)
    assert d["worker"]["restarts"] == 0 and Path(d["worker"]["log"]).name == "model-0.log"
    assert worker.notices == []


def test_in_process_backend_records_repack_off(model: ModelRef) -> None:
    b = LlamaCppBackend(model, LoadOptions(n_ctx=512, n_threads=1, extra={"repack": False}))
    try:
        assert b.llm.model_params.use_extra_bufts is False
        assert b.describe()["repack"] == "off"
        assert b.generate(PROMPTS[0], [], PARAMS).text.strip()
    finally:
        b.close()


def test_real_sigsegv_while_generating_fails_one_case_and_the_worker_restarts(
    env: pytest.MonkeyPatch, spawn: Callable[..., WorkerBackend]
) -> None:
    env.setenv(CRASH_ENV, "generate:CRASH-HERE")
    w = spawn()
    before = w.generate(PROMPTS[0], [], PARAMS)
    first_pid = w.pid
    with pytest.raises(WorkerCrashError) as info:
        w.generate([{"role": "user", "content": "please CRASH-HERE now"}], [], PARAMS)
    message = str(info.value)
    assert "died by SIGSEGV" in message and "--no-repack" in message and "AMX" in message
    assert str(w.log_path) in message and "restarted" in message and "\n" not in message
    assert "Segmentation fault" in w.log_path.read_text()  # faulthandler wrote to the log, not the terminal
    assert first_pid is not None and not _alive(first_pid) and w.pid != first_pid
    assert w.generate(PROMPTS[0], [], PARAMS).text == before.text
    assert w.describe()["worker"] | {"log": ""} == {"log": "", "restarts": 1, "crashes": 1}


def test_crash_while_loading_is_a_model_load_error_within_seconds(
    env: pytest.MonkeyPatch, model: ModelRef, tmp_path: Path
) -> None:
    env.setenv(CRASH_ENV, "load")
    start = time.monotonic()
    with pytest.raises(ModelLoadError) as info:
        WorkerBackend(model, OPTIONS, log_dir=tmp_path)
    assert time.monotonic() - start < 10
    message = str(info.value)
    assert str(model.path) in message and "died by SIGSEGV during the model's load" in message
    assert "--no-repack" in message and "\n" not in message


def test_probe_crash_on_an_amx_cpu_falls_back_to_no_repack(
    env: pytest.MonkeyPatch, spawn: Callable[..., WorkerBackend]
) -> None:
    env.setenv(CRASH_ENV, "probe-repack")
    env.setenv("HARNESS_ASSUME_AMX", "1")
    w = spawn()
    d = w.describe()
    assert d["repack"] == "off" and "SIGSEGV during the model's probe" in d["repack_reason"]
    assert len(w.notices) == 1 and "reloaded with weight repacking off (--no-repack)" in w.notices[0]
    assert w.generate(PROMPTS[1], [], PARAMS).text.strip()


@pytest.mark.skipif(cpu_has_amx(assume_env=False), reason="this CPU has AMX: the fallback would apply")
def test_probe_crash_without_amx_is_a_load_error_and_no_repack_forces_it_off(
    env: pytest.MonkeyPatch, spawn: Callable[..., WorkerBackend]
) -> None:
    env.setenv(CRASH_ENV, "probe-repack")
    with pytest.raises(ModelLoadError, match="died by SIGSEGV during the model's probe"):
        spawn()
    w = spawn(LoadOptions(n_ctx=1024, n_threads=1, extra={"repack": False}))
    assert w.describe()["repack"] == "off" and "repack_reason" not in w.describe() and w.notices == []


def test_errors_raised_in_the_child_keep_their_class_and_message(model: ModelRef, tmp_path: Path) -> None:
    cut = tmp_path / "cut.gguf"
    with model.path.open("rb") as fh:
        cut.write_bytes(fh.read(2_000_000))
    ref = ModelRef(str(cut), cut, "gguf", "path")
    with pytest.raises(ModelLoadError) as local:
        LlamaCppBackend(ref, OPTIONS)
    with pytest.raises(ModelLoadError) as remote:
        WorkerBackend(ref, OPTIONS, log_dir=tmp_path)
    assert str(remote.value) == str(local.value) and "truncated" in str(local.value)
    bad = LoadOptions(n_ctx=512, n_threads=1, chat_template=str(tmp_path / "missing.jinja"))
    with pytest.raises(ConfigError) as local_cfg:
        LlamaCppBackend(model, bad)
    with pytest.raises(ConfigError) as remote_cfg:
        WorkerBackend(model, bad, log_dir=tmp_path)
    assert str(remote_cfg.value) == str(local_cfg.value) and "missing.jinja" in str(local_cfg.value)


def test_a_hung_generation_is_killed_at_the_hard_timeout_and_keeps_its_text(
    env: pytest.MonkeyPatch, spawn: Callable[..., WorkerBackend]
) -> None:
    env.setenv(CRASH_ENV, "hang:STUCK")
    w = spawn()
    pid = w.pid
    timeout_s = 1.0
    hard_s = timeout_s + HARD_TIMEOUT_GRACE_S + HARD_TIMEOUT_FRACTION * timeout_s
    start = time.monotonic()
    c = w.generate([{"role": "user", "content": "STUCK: say hello"}], [], GenerationParams(64, timeout_s=timeout_s))
    assert c.finish_reason == "timeout" and hard_s <= c.latency_s < hard_s + 1
    assert time.monotonic() - start < hard_s + 8  # the restart (a reload) included
    assert c.completion_tokens == 1 and c.text and c.prompt_tokens > 0  # streamed before the hang
    assert pid is not None and not _alive(pid)
    assert w.generate(PROMPTS[1], [], PARAMS).finish_reason in ("stop", "length")


def test_close_ends_the_worker(spawn: Callable[..., WorkerBackend]) -> None:
    w = spawn()
    pid = w.pid
    assert pid is not None and _alive(pid)
    w.close()
    assert _wait_gone(pid, 5)


def test_one_worker_serves_several_threads(worker: WorkerBackend) -> None:
    params = GenerationParams(max_tokens=8)
    expected = [worker.generate(m, [], params).text for m in PROMPTS]
    got: dict[int, list[str]] = {}

    def run(i: int) -> None:
        got[i] = [worker.generate(m, [], params).text for m in PROMPTS]

    threads = [threading.Thread(target=run, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert got == {i: expected for i in range(3)}


def test_close_during_a_generation_in_another_thread_kills_the_worker(
    env: pytest.MonkeyPatch, spawn: Callable[..., WorkerBackend]
) -> None:
    env.setenv(CRASH_ENV, "hang:STUCK")
    w = spawn()
    pid = w.pid
    errors: list[Exception] = []

    def run() -> None:
        try:
            w.generate([{"role": "user", "content": "STUCK"}], [], GenerationParams(16, timeout_s=60))
        except WorkerCrashError as exc:
            errors.append(exc)

    t = threading.Thread(target=run)
    t.start()
    time.sleep(1.0)
    w.close()
    t.join(timeout=10)
    assert not t.is_alive() and len(errors) == 1 and "closed" in str(errors[0])
    assert pid is not None and _wait_gone(pid, 5) and w.pid is None


@pytest.mark.parametrize("spawn", ["main-thread", "other-thread"])
def test_a_busy_worker_dies_when_its_parent_is_killed(model: ModelRef, tmp_path: Path, spawn: str) -> None:
    # The worker is stuck in a generation, so it never sees its stdin close. Spawned from the main thread,
    # PR_SET_PDEATHSIG kills it; spawned from another thread (the signal would follow that thread, not the
    # process), its watchdog on the parent pid does.
    script = textwrap.dedent(
        f"""
        import os, threading, time
        from harness.backends.base import GenerationParams, LoadOptions
        from harness.backends.worker import WorkerBackend
        from harness.models import resolve_model

        os.environ["{CRASH_ENV}"] = "hang:STUCK"
        made = []

        def start():
            opts = LoadOptions(n_ctx=512, n_threads=1)
            made.append(WorkerBackend(resolve_model("default"), opts, log_dir={str(tmp_path)!r}))

        if {spawn == "main-thread"}:
            start()
        else:
            t = threading.Thread(target=start)
            t.start()
            t.join()
        w = made[0]
        msgs = [{{"role": "user", "content": "STUCK"}}]
        threading.Thread(target=w.generate, args=(msgs, [], GenerationParams(8, timeout_s=600)), daemon=True).start()
        time.sleep(0.5)
        print(w.pid, flush=True)
        time.sleep(120)
        """
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _alive(child)  # it outlived the thread that spawned it
        os.kill(parent.pid, 9)
        parent.wait(timeout=5)
        assert _wait_gone(child, 5), f"worker {child} outlived its killed parent"
    finally:
        parent.kill()
        parent.wait()
