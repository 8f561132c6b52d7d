"""Run a GGUF model in a worker process the run owns, so a native crash in llama.cpp costs one case, not the run.

``WorkerBackend`` implements the ``Backend`` protocol by talking to a child ``python -m harness.backends.worker``
that hosts a ``LlamaCppBackend``. The protocol is length-prefixed pickle: requests on the child's stdin, replies
on a private copy of its stdout; the child points fds 1 and 2 at a log file, so llama.cpp and faulthandler output
never reaches the harness terminal.

- A child that dies while generating (any signal, any exit) makes ``generate`` raise ``WorkerCrashError`` (a
  ``BackendError``: the case becomes an error record) naming the signal, the likely cause and the fix; the
  worker is restarted, so the next case runs.
- ``generate`` gives the child ``timeout_s`` plus a grace; past it the child is killed and restarted and the
  result is a ``Completion`` with finish_reason "timeout" and the text streamed so far.
- After loading, the child runs a 4-token probe. If it dies by a signal during load or probe on a CPU with
  AMX while repacking is on (issue 10), the model is reloaded with repacking off and ``notices`` says so.
  Any other failure at load is a ``ModelLoadError``; errors raised in the child keep their class and message.
- No orphans: the child dies with its parent (PR_SET_PDEATHSIG when spawned from the main thread, plus a
  watchdog on its parent pid and EOF on its stdin), ignores SIGINT (the parent kills it), and the parent kills
  every live child at exit.

Test hooks, read by the child from its environment (for tests only, never set them in a real run):

- ``HARNESS_WORKER_CRASH=load``: SIGSEGV while loading.
- ``HARNESS_WORKER_CRASH=probe-repack``: SIGSEGV during the probe while repacking is on (simulates issue 10).
- ``HARNESS_WORKER_CRASH=generate:TEXT``: SIGSEGV when a user message contains TEXT.
- ``HARNESS_WORKER_CRASH=hang:TEXT``: hang forever after the first token (a stuck llama_decode) when a user
  message contains TEXT.
- ``HARNESS_ASSUME_AMX=1``: treat the CPU as having AMX (read by the parent; see harness.backends.llama_cpp).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import ctypes
import dataclasses
import faulthandler
import itertools
import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import harness.errors as errors
from harness.backends.base import GenerationParams, LoadOptions
from harness.errors import BackendError, HarnessError, ModelLoadError
from harness.models import ModelRef
from harness.results import strip_control
from harness.types import Completion, Message, ToolSchema

CRASH_ENV = "HARNESS_WORKER_CRASH"
HARD_TIMEOUT_GRACE_S = 2.0  # a generation may run timeout_s + this + HARD_TIMEOUT_FRACTION * timeout_s
HARD_TIMEOUT_FRACTION = 0.1
LOAD_TIMEOUT_S = 300.0
REQUEST_TIMEOUT_S = 120.0  # count_tokens, supports
CLOSE_TIMEOUT_S = 5.0
PROBE_MESSAGES: list[Message] = [{"role": "user", "content": "Say hi."}]
PROBE_PARAMS = GenerationParams(max_tokens=4, timeout_s=60.0)
CRASH_FIX = "try --no-repack, fewer --threads, or report the GGUF"
_HEADER = struct.Struct(">I")
_PR_SET_PDEATHSIG = 1


class WorkerCrashError(BackendError):
    """The worker process died (a signal or an exit) while serving a request; it has been restarted."""


class _ChildDied(Exception):
    def __init__(self, returncode: int | None, phase: str) -> None:
        super().__init__(returncode, phase)
        self.returncode = returncode
        self.phase = phase

    @property
    def signal_name(self) -> str | None:
        rc = self.returncode
        if rc is None or rc >= 0:
            return None
        try:
            return signal.Signals(-rc).name
        except ValueError:
            return f"signal {-rc}"

    def how(self) -> str:
        if self.signal_name:
            return f"died by {self.signal_name}"
        if self.returncode is None:
            return "stopped answering"
        return f"exited with code {self.returncode}"


class _Timeout(Exception):
    pass


def _one_line(text: str) -> str:
    """``text`` for a one-line error message: no escape sequences or control codes, whitespace runs as one space."""
    return " ".join(strip_control(text).split())


def _write_frame(fd: int, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read_exact(fd: int, n: int) -> bytes | None:
    """``n`` bytes from a blocking fd, or None at EOF."""
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _read_frame_blocking(fd: int) -> Any:
    """One frame from a blocking fd (the child's stdin); None at EOF."""
    head = _read_exact(fd, _HEADER.size)
    if head is None:
        return None
    body = _read_exact(fd, _HEADER.unpack(head)[0])
    if body is None:
        return None
    return pickle.loads(body)  # noqa: S301 - frames come from our own parent process


# --------------------------------------------------------------------------------------------------- parent side

_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()


@atexit.register
def _kill_live_children() -> None:
    with _LIVE_LOCK:
        procs = list(_LIVE)
        _LIVE.clear()
    for proc in procs:
        with contextlib.suppress(OSError):
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=CLOSE_TIMEOUT_S)


def _new_log_path(log_dir: Path, label: str) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    for n in itertools.count():
        path = log_dir / f"{label}-{n}.log"
        try:
            with path.open("x", encoding="utf-8"):
                return path
        except FileExistsError:
            continue
    raise AssertionError("unreachable")


def _error_class(name: str, default: type[HarnessError]) -> type[HarnessError]:
    cls = getattr(errors, name, None)
    if isinstance(cls, type) and issubclass(cls, HarnessError):
        return cls
    return default


class _Child:
    """One worker process and the reading end of its reply pipe."""

    def __init__(self, log_path: Path, label: str) -> None:
        cmd = [sys.executable, "-m", "harness.backends.worker", "--log", str(log_path), "--parent", str(os.getpid())]
        if threading.current_thread() is threading.main_thread():
            # PR_SET_PDEATHSIG fires when the spawning *thread* ends, so only a main-thread spawn can use it.
            cmd.append("--pdeathsig")
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        env["PYTHONUNBUFFERED"] = "1"
        with log_path.open("a", encoding="utf-8") as log:
            log.write(f"--- {label}: starting worker ({time.strftime('%Y-%m-%d %H:%M:%S')}) ---\n")
            log.flush()
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env, bufsize=0, close_fds=True
            )
        with _LIVE_LOCK:
            _LIVE.add(self.proc)
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in = self.proc.stdin.fileno()
        self._out = self.proc.stdout.fileno()
        self._buf = bytearray()
        self.pid = self.proc.pid

    def send(self, obj: Any, phase: str) -> None:
        try:
            _write_frame(self._in, obj)
        except (BrokenPipeError, OSError):
            raise self._died(phase) from None

    def recv(self, deadline: float | None, phase: str) -> Any:
        """The next reply; ``_Timeout`` past ``deadline`` (time.monotonic), ``_ChildDied`` at EOF."""
        while True:
            if len(self._buf) >= _HEADER.size:
                (n,) = _HEADER.unpack_from(self._buf)
                if len(self._buf) >= _HEADER.size + n:
                    body = bytes(self._buf[_HEADER.size : _HEADER.size + n])
                    del self._buf[: _HEADER.size + n]
                    return pickle.loads(body)  # noqa: S301 - frames come from our own child process
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise _Timeout
            try:
                ready, _, _ = select.select([self._out], [], [], wait)
                chunk = os.read(self._out, 1 << 16) if ready else None
            except (OSError, ValueError):
                chunk = b""
            if chunk is None:
                continue
            if not chunk:
                raise self._died(phase)
            self._buf += chunk

    def _died(self, phase: str) -> _ChildDied:
        try:
            rc: int | None = self.proc.wait(timeout=CLOSE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.kill()
            rc = None
        self._forget()
        return _ChildDied(rc, phase)

    def signal_kill(self) -> None:
        """SIGKILL the child without touching its pipes: safe from a thread other than the one using them."""
        with contextlib.suppress(OSError):
            self.proc.kill()

    def kill(self) -> None:
        """SIGKILL the child, reap it and close its pipes (only from the thread that talks to it)."""
        self.signal_kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=CLOSE_TIMEOUT_S)
        self._forget()

    def stop(self, timeout_s: float) -> None:
        """Ask the child to exit; kill it if it has not after ``timeout_s``."""
        with contextlib.suppress(_ChildDied):
            self.send(("exit",), "exit")
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=timeout_s)
        self.kill()

    def _forget(self) -> None:
        with _LIVE_LOCK:
            _LIVE.discard(self.proc)
        for f in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                if f is not None:
                    f.close()


class WorkerBackend:
    """A GGUF model served by a worker process (see the module docstring). Thread-safe: requests are serialised.

    ``notices`` holds one-line messages the caller should print (e.g. repacking turned off after a crash).
    """

    name = "llama.cpp"

    def __init__(
        self,
        ref: ModelRef,
        options: LoadOptions,
        log_dir: Path | None = None,
        label: str = "model",
    ) -> None:
        from harness.backends.llama_cpp import repack_option

        self.ref = ref
        self.options = options
        self.label = label
        self.repack = repack_option(options)
        self.repack_reason: str | None = None
        self.notices: list[str] = []
        self.restarts = 0
        self.crashes = 0
        self.log_path = _new_log_path(
            Path(log_dir) if log_dir is not None else Path(tempfile.mkdtemp(prefix="harness-workers-")), label
        )
        self._lock = threading.RLock()
        self._child: _Child | None = None
        self._closed = False
        self._describe: dict[str, Any] = {}
        self._supports: dict[str, bool] = {}
        self._load()

    # -- lifecycle ------------------------------------------------------------------------------------------

    @property
    def pid(self) -> int | None:
        """The worker's process id (None while no worker runs)."""
        child = self._child
        return child.pid if child is not None else None

    def _spawn_and_load(self, repack: bool) -> dict[str, Any]:
        child = _Child(self.log_path, self.label)
        self._child = child
        options = dataclasses.replace(self.options, extra={**self.options.extra, "repack": repack})
        deadline = time.monotonic() + LOAD_TIMEOUT_S
        phase = "load"
        try:
            child.send(("load", self.ref, options), phase)
            while True:
                msg = child.recv(deadline, phase)
                if msg[0] == "phase":
                    phase = msg[1]
                elif msg[0] == "ok":
                    return dict(msg[1])
                else:
                    _, cls_name, text = msg
                    cls = _error_class(cls_name, ModelLoadError)
                    if cls not in (ModelLoadError, errors.ConfigError):
                        cls, text = ModelLoadError, f"{self.ref.file}: the model failed its {phase} ({text})"
                    child.stop(CLOSE_TIMEOUT_S)
                    raise cls(_one_line(text))
        except _Timeout:
            child.kill()
            raise ModelLoadError(
                _one_line(
                    f"{self.ref.file}: the worker did not finish the model's {phase} in {LOAD_TIMEOUT_S:.0f} s "
                    f"and was killed; try fewer --threads or a smaller --n-ctx; log: {self.log_path}"
                )
            ) from None
        except BaseException:
            if self._child is child and child.proc.poll() is None:
                child.kill()
            raise
        finally:
            if child.proc.poll() is not None:
                self._child = None

    def _load(self) -> None:
        """Start a worker and load the model, falling back to repacking off after an AMX crash (issue 10)."""
        from harness.backends.llama_cpp import cpu_has_amx

        try:
            self._describe = self._spawn_and_load(self.repack)
            return
        except _ChildDied as died:
            if not (self.repack and died.signal_name and cpu_has_amx()):
                raise self._load_error(died) from None
            reason = (
                f"the worker {died.how()} during the model's {died.phase} with weight repacking on, on a CPU with "
                "AMX (llama.cpp issue: AMX repacking crashes on some virtualised Sapphire Rapids)"
            )
        self.repack = False
        self.repack_reason = _one_line(reason)
        try:
            self._describe = self._spawn_and_load(False)
        except _ChildDied as died:
            raise self._load_error(died, " (also with repacking off, after an AMX fallback)") from None
        self.notices.append(
            _one_line(f"{self.ref.file.name}: {reason}; reloaded with weight repacking off (--no-repack)")
        )

    def _load_error(self, died: _ChildDied, note: str = "") -> ModelLoadError:
        cause = "a native crash in llama.cpp" if died.signal_name else "see the log"
        return ModelLoadError(
            _one_line(
                f"{self.ref.file}: the worker {died.how()} during the model's {died.phase}{note} ({cause}); "
                f"try --no-repack, fewer --threads, or check or re-download the GGUF; log: {self.log_path}"
            )
        )

    def _ensure(self) -> _Child:
        if self._closed:
            raise BackendError(f"{self.ref.file.name}: the worker back end is closed")
        if self._child is None:
            try:
                self._load()
            except HarnessError as exc:
                raise WorkerCrashError(_one_line(f"restarting the worker failed: {exc}")) from None
            self.restarts += 1
        assert self._child is not None
        return self._child

    def _restart_after(self) -> str:
        """Start a fresh worker after a crash or kill; a note for the error message when that fails too."""
        if self._closed:
            return ""
        try:
            self._ensure()
        except BackendError as exc:
            return f"; {exc}"
        return "; the worker was restarted"

    def close(self) -> None:
        """Ask the worker to exit, kill it after a few seconds; a request in flight in another thread fails."""
        self._closed = True
        child = self._child
        if child is None:
            return
        if self._lock.acquire(timeout=0.2):
            try:
                child.stop(CLOSE_TIMEOUT_S)
                self._child = None
            finally:
                self._lock.release()
        else:
            child.signal_kill()  # the thread in the request reaps it and closes the pipes

    # -- requests -------------------------------------------------------------------------------------------

    def _crash_error(self, died: _ChildDied) -> WorkerCrashError:
        self.crashes += 1
        self._child = None
        if self._closed:
            return WorkerCrashError(_one_line(f"{self.ref.file.name}: the worker was closed during {died.phase}"))
        if died.signal_name:
            cause = "a native crash in llama.cpp; on Intel AMX CPUs often the weight repacking"
        else:
            cause = "see the log"
        restarted = self._restart_after()
        return WorkerCrashError(
            _one_line(
                f"{self.ref.file.name}: the llama.cpp worker {died.how()} during {died.phase} ({cause}); "
                f"{CRASH_FIX}; log: {self.log_path}{restarted}"
            )
        )

    def _drop(self, child: _Child) -> None:
        """Kill ``child`` (timed out or interrupted mid-request: its pipe state is unknown) and forget it."""
        child.kill()
        self._child = None

    def _request(self, request: tuple[Any, ...], phase: str, timeout_s: float = REQUEST_TIMEOUT_S) -> Any:
        with self._lock:
            child = self._ensure()
            try:
                child.send(request, phase)
                msg = child.recv(time.monotonic() + timeout_s, phase)
            except _ChildDied as died:
                raise self._crash_error(died) from None
            except _Timeout:
                self._drop(child)
                raise WorkerCrashError(
                    _one_line(
                        f"{self.ref.file.name}: the worker did not answer {phase} in {timeout_s:.0f} s and was "
                        f"killed; log: {self.log_path}{self._restart_after()}"
                    )
                ) from None
            except BaseException:
                self._drop(child)
                raise
            return self._reply(msg)

    @staticmethod
    def _reply(msg: tuple[Any, ...]) -> Any:
        if msg[0] == "ok":
            return msg[1]
        _, cls_name, text = msg
        raise _error_class(cls_name, BackendError)(_one_line(text))

    def generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None = None
    ) -> Completion:
        hard_s = params.timeout_s + HARD_TIMEOUT_GRACE_S + HARD_TIMEOUT_FRACTION * params.timeout_s
        with self._lock:
            child = self._ensure()
            prompt_text: str | None = None
            prompt_tokens = completion_tokens = 0
            text = ""
            start = time.monotonic()
            first: float | None = None
            try:
                child.send(("generate", messages, tools, params, key), "generation")
                while True:
                    msg = child.recv(start + hard_s, "generation")
                    if msg[0] == "start":
                        _, prompt_text, prompt_tokens = msg
                    elif msg[0] == "text":
                        _, text, completion_tokens = msg
                        first = first or time.monotonic()
                    else:
                        return self._reply(msg)  # type: ignore[no-any-return]
            except _ChildDied as died:
                raise self._crash_error(died) from None
            except _Timeout:
                self._drop(child)
                end = time.monotonic()
                self._restart_after()
                first = first or end
                return Completion(
                    text=text,
                    finish_reason="timeout",
                    prompt_tokens=prompt_tokens,
                    completion_tokens=completion_tokens,
                    latency_s=end - start,
                    prompt_text=prompt_text,
                    timings={"prompt_s": first - start, "decode_s": end - first, "hard_timeout_s": hard_s},
                )
            except BaseException:
                self._drop(child)
                raise

    def count_tokens(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> int:
        return int(self._request(("count_tokens", messages, tools or []), "count_tokens"))

    def supports(self, requirement: str) -> bool:
        if requirement not in self._supports:
            self._supports[requirement] = bool(self._request(("supports", requirement), "supports"))
        return self._supports[requirement]

    def describe(self) -> dict[str, Any]:
        out = dict(self._describe)
        out["repack"] = "on" if self.repack else "off"
        if self.repack_reason:
            out["repack_reason"] = self.repack_reason
        out["worker"] = {"log": str(self.log_path), "restarts": self.restarts, "crashes": self.crashes}
        return out


def open_worker_backend(
    ref: ModelRef, options: LoadOptions, log_dir: Path | None = None, label: str = "model"
) -> WorkerBackend:
    """Open ``ref`` (a GGUF) in a worker process; its log is ``<log_dir>/<label>-<n>.log`` (default: a temp dir)."""
    if ref.kind != "gguf":
        raise NotImplementedError(f"worker processes run GGUF models, not {ref.kind!r}")
    return WorkerBackend(ref, options, log_dir=log_dir, label=label)


# ---------------------------------------------------------------------------------------------------- child side


def _mentions(messages: list[Message], needle: str) -> bool:
    return any(
        m.get("role") == "user" and isinstance(m.get("content"), str) and needle in m["content"] for m in messages
    )


def _crash_now() -> None:
    os.kill(os.getpid(), signal.SIGSEGV)
    time.sleep(60)  # the signal is delivered before this returns


def _hang_forever() -> None:
    while True:
        time.sleep(3600)


def _die_with_parent(parent: int, pdeathsig: bool) -> None:
    if pdeathsig and sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)

    def watch() -> None:
        while True:
            if os.getppid() != parent:
                os.kill(os.getpid(), signal.SIGKILL)
            time.sleep(0.25)

    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)
    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


class _Server:
    """The child: one LlamaCppBackend, answering the parent's requests until told to exit or its stdin closes."""

    def __init__(self, out_fd: int) -> None:
        self.out = out_fd
        self.hook = os.environ.get(CRASH_ENV, "")
        self.backend: Any = None

    def send(self, obj: Any) -> None:
        _write_frame(self.out, obj)

    def serve(self) -> int:
        while True:
            request = _read_frame_blocking(0)
            if request is None or request[0] == "exit":
                if self.backend is not None:
                    self.backend.close()
                return 0
            try:
                reply = getattr(self, f"do_{request[0]}")(*request[1:])
            except HarnessError as exc:
                self.send(("error", type(exc).__name__, str(exc)))
            except Exception as exc:  # noqa: BLE001 - any failure is reported to the parent, which decides
                self.send(("error", "BackendError", f"worker {request[0]} failed: {type(exc).__name__}: {exc}"))
            else:
                self.send(("ok", reply))

    def do_load(self, ref: ModelRef, options: LoadOptions) -> dict[str, Any]:
        from harness.backends.llama_cpp import LlamaCppBackend

        if self.hook == "load":
            _crash_now()
        self.backend = LlamaCppBackend(ref, options)
        self.send(("phase", "probe"))
        if self.hook == "probe-repack" and self.backend.repack:
            _crash_now()
        probe = self.backend.generate(PROBE_MESSAGES, [], PROBE_PARAMS)
        return {**self.backend.describe(), "probe": {"tokens": probe.completion_tokens, "s": round(probe.latency_s, 3)}}

    def do_generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None
    ) -> Completion:
        hang = self.hook.startswith("hang:") and _mentions(messages, self.hook.removeprefix("hang:"))
        if self.hook.startswith("generate:") and _mentions(messages, self.hook.removeprefix("generate:")):
            _crash_now()

        def progress(prompt: str, prompt_tokens: int, text: str, completion_tokens: int) -> None:
            if completion_tokens == 0:
                self.send(("start", prompt, prompt_tokens))
                return
            self.send(("text", text, completion_tokens))
            if hang:
                _hang_forever()

        completion = self.backend.generate(messages, tools, params, key, on_progress=progress)
        if hang:
            _hang_forever()
        return completion  # type: ignore[no-any-return]

    def do_count_tokens(self, messages: list[Message], tools: list[ToolSchema]) -> int:
        return int(self.backend.count_tokens(messages, tools))

    def do_supports(self, requirement: str) -> bool:
        return bool(self.backend.supports(requirement))


def _child_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.backends.worker", description="harness model worker")
    parser.add_argument("--log", required=True, type=Path)
    parser.add_argument("--parent", required=True, type=int)
    parser.add_argument("--pdeathsig", action="store_true")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it kills its workers
    _die_with_parent(args.parent, args.pdeathsig)
    out_fd = os.dup(1)  # the protocol's private channel; fds 1 and 2 go to the log
    log_fd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a simulated or real crash leaves no core file
    faulthandler.enable()
    return _Server(out_fd).serve()


if __name__ == "__main__":
    sys.exit(_child_main(sys.argv[1:]))
