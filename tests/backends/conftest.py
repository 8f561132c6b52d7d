"""A real OpenAI-compatible server for the openai back end's tests: llama-cpp-python's own server
(``llama_cpp.server``) serving the bundled SmolLM2-135M GGUF, started once per test session and always stopped.

It is started from a small launcher (:data:`LAUNCHER`, run with ``python -c``) rather than
``python -m llama_cpp.server``, because the server's settings (``ModelSettings``) cannot turn off llama.cpp's
CPU weight repacking, which segfaults at the first decode on virtualised Intel AMX CPUs (issue 10). The launcher
loads the model inside :func:`harness.backends.llama_cpp._model_params`, as the in-process back end does, with
repacking off on a CPU with AMX (``cpu_has_amx()``, which ``HARNESS_ASSUME_AMX=1`` forces) and on elsewhere,
then checks that llama.cpp took the setting. It also exits by itself when the test process that started it
goes away (checked every second), so a killed pytest leaves no server behind.

The server renders prompts with the GGUF's own chat template (``chat_format="chat_template.default"``: no
guessing of a built-in format), like the in-process back end; one thread, n_ctx 4096, no logits kept. It
requires an API key (random per session, :attr:`Server.api_key`): tests pass it through
``$HARNESS_OPENAI_API_KEY``, so the Bearer header is exercised for real.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from harness.backends.llama_cpp import cpu_has_amx
from harness.models import default_model_path

ROOT = Path(__file__).resolve().parents[2]
MODEL_ALIAS = "smollm2-135m-instruct"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0

# Run as `python -c LAUNCHER CONFIG_JSON`: build llama-cpp-python's app with repacking set, then serve it.
LAUNCHER = r"""
import json, os, sys, threading, time
import llama_cpp, uvicorn
from llama_cpp.server.app import create_app
from llama_cpp.server.settings import ModelSettings, ServerSettings
from harness.backends.llama_cpp import _model_params

config = json.loads(sys.argv[1])
parent, repack = os.getppid(), config.pop("repack")
server = ServerSettings(host=config.pop("host"), port=config.pop("port"), api_key=config.pop("api_key"))

def watch_parent():
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)

threading.Thread(target=watch_parent, daemon=True).start()
with _model_params(llama_cpp, use_extra_bufts=repack):
    app = create_app(server_settings=server, model_settings=[ModelSettings(**config)])
from llama_cpp.server import app as app_module
took = bool(app_module._llama_proxy._current_model.model_params.use_extra_bufts)
if took != repack:
    sys.exit(f"llama.cpp ignored use_extra_bufts={repack}")
print(f"repack={'on' if took else 'off'}", flush=True)
uvicorn.run(app, host=server.host, port=server.port, log_level="warning")
"""


@dataclass(frozen=True)
class Server:
    """A running server: ``url`` is the API base (``.../v1``) that ``openai:URL`` takes."""

    url: str
    model: str
    api_key: str
    repack: bool
    startup_s: float
    pid: int
    log: Path

    @property
    def spec(self) -> str:
        return f"openai:{self.url}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_ready(proc: subprocess.Popen[bytes], url: str, key: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(f"{url}/models", headers={"Authorization": f"Bearer {key}"}, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(
        f"the server did not answer within {START_TIMEOUT_S:g}s:\n{log.read_text(errors='replace')[-3000:]}"
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's process group (the launcher and anything it started): SIGTERM, then SIGKILL."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(STOP_TIMEOUT_S)


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """llama-cpp-python's server on the bundled GGUF at a free port, for the whole session."""
    pytest.importorskip("llama_cpp.server.app", reason="pip install 'smallmodel-harness[server]'")
    model, _ = default_model_path()
    port, key, repack = free_port(), f"sk-test-{secrets.token_hex(12)}", not cpu_has_amx()
    config = {
        "model": str(model),
        "model_alias": MODEL_ALIAS,
        "host": "127.0.0.1",
        "port": port,
        "api_key": key,
        "repack": repack,
        "n_threads": 1,
        "n_threads_batch": 1,
        "n_ctx": 4096,
        "n_batch": 512,
        "logits_all": False,
        "chat_format": "chat_template.default",  # the GGUF's own template, as the in-process back end renders
        "verbose": False,
    }
    log = tmp_path_factory.mktemp("llama_server") / "server.log"
    url = f"http://127.0.0.1:{port}/v1"
    start = time.perf_counter()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-c", LAUNCHER, json.dumps(config)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_ready(proc, url, key, log)
        yield Server(url, MODEL_ALIAS, key, repack, time.perf_counter() - start, proc.pid, log)
    finally:
        _stop(proc)
