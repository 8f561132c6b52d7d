"""Whole runs on the real bundled GGUF in worker processes: a worker that really crashes (a signal) or hangs
costs one case, the run goes on and ends with our verdict; Ctrl-C leaves no process behind; 2 workers give the
same verdicts as 1."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration
ROOT = Path(__file__).parents[2]

SUITE = """
name: tiny
version: "1"
system_prompts:
  main: You are Pokkit, a cheerful frog.
default_system: main
generation: {max_tokens: 12}
cases:
  - {id: hello, category: talk, prompt: Say hello., checks: [{not_empty: {}}]}
  - {id: crash, category: talk, prompt: CRASHME please, checks: [{not_empty: {}}]}
  - {id: pond, category: talk, prompt: Describe your pond., checks: [{not_empty: {}}]}
  - {id: hang, category: talk, prompt: HANGME please, checks: [{not_empty: {}}]}
  - {id: fly, category: talk, prompt: "Do you like flies?", checks: [{not_empty: {}}]}
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "suites" / "tiny").mkdir(parents=True)
    (tmp_path / "suites" / "tiny" / "suite.yaml").write_text(SUITE)
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["harness.pytest_plugin"]\n')
    return tmp_path


def _pytest(project: Path, *args: str, env: dict[str, str] | None = None, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "suites", "--model", "default", *args],
        cwd=project,
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        **kw,
    )


def _records(run: Path) -> dict[str, dict]:
    return {r["case_id"]: r for r in map(json.loads, (run / "results.jsonl").read_text().splitlines())}


def _children(pid: int) -> set[int]:
    """Every live descendant of ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry.name)] = int(fields[1])
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        kids = {c for c, pp in parents.items() if pp == p}
        out |= kids
        todo.extend(kids)
    return out


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def test_a_crash_and_a_hang_cost_one_case_each_and_the_run_goes_on(project: Path) -> None:
    env = {"HARNESS_WORKER_CRASH": "generate:CRASHME"}
    start = time.perf_counter()
    proc = _pytest(project, "--results", "out", "--workers", "1", "--case-timeout", "4", "--no-report", env=env)
    out, _ = proc.communicate(timeout=300)
    records = _records(project / "out")
    assert sorted(records) == ["crash", "fly", "hang", "hello", "pond"], out
    crash = records["crash"]
    assert crash["outcome"] == "error" and "SIGSEGV" in crash["error"] and "--no-repack" in crash["error"]
    assert records["hello"]["outcome"] == records["pond"]["outcome"] == "passed"  # after the restart
    # 1 errored case of 5 is over the default max_error_rate 0.1: the run is not trustworthy, exit 2, our verdict.
    assert proc.returncode == 2, out
    assert "verdict: run not trustworthy (exit 2)" in out
    assert "Fatal Python error" not in out and "Segmentation fault" not in out  # no native trace in our terminal
    manifest = json.loads((project / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["workers"]["processes"][0]["crashes"] == 1
    assert 0 < manifest["timing"]["worker_peak_rss_mb"] < 500
    assert time.perf_counter() - start < 240
    # The hang: a second run where the model hangs inside generation; the hard timeout kills the worker.
    env = {"HARNESS_WORKER_CRASH": "hang:HANGME"}
    proc = _pytest(project, "--results", "out2", "--workers", "1", "--case-timeout", "3", "--no-report", env=env)
    out, _ = proc.communicate(timeout=300)
    records = _records(project / "out2")
    assert records["hang"]["finish_reason"] == "timeout", out
    assert records["hang"]["latency_s"] < 3 + 2 + 0.3 + 2
    assert records["fly"]["outcome"] == "passed"
    assert not _workers_of(project)  # both runs ended: no worker left behind


def test_a_crash_at_load_is_one_line_exit_2_and_leaves_no_worker(project: Path) -> None:
    start = time.perf_counter()
    proc = _pytest(project, "--results", "out", "--workers", "2", env={"HARNESS_WORKER_CRASH": "load"})
    out, _ = proc.communicate(timeout=120)
    assert proc.returncode == 2, out
    assert "the worker died by SIGSEGV during the model's load" in out and "try --no-repack" in out
    assert "Traceback" not in out and "Fatal Python error" not in out
    assert time.perf_counter() - start < 30
    time.sleep(0.5)
    assert not _workers_of(project)


def _workers_of(project: Path) -> list[int]:
    """Live worker processes started in ``project`` (their working directory)."""
    out = []
    for p in Path("/proc").iterdir():
        if p.name.isdigit() and "harness.backends.worker" in _cmdline(int(p.name)) and _alive(int(p.name)):
            try:
                if Path(os.readlink(p / "cwd")) == project.resolve():
                    out.append(int(p.name))
            except OSError:
                continue
    return out


def test_ctrl_c_leaves_no_worker_behind(project: Path) -> None:
    proc = _pytest(
        project,
        "--results",
        "out",
        "--workers",
        "2",
        "--no-report",
        env={"HARNESS_WORKER_CRASH": "hang:HANGME"},
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.5)
        workers = {p for p in _children(proc.pid) if "harness.backends.worker" in _cmdline(p)}
    assert len(workers) == 2, "the run did not start its two workers"
    results = project / "out" / "results.jsonl"
    while time.monotonic() < deadline and not (results.is_file() and results.read_text().strip()):
        time.sleep(0.2)  # mid-run: a case is recorded, and one worker hangs in HANGME
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground process group
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == pytest.ExitCode.INTERRUPTED, out
    time.sleep(1)
    assert not [p for p in workers if _alive(p)], f"orphaned workers: {workers}"
    manifest = json.loads((project / "out" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted"


def test_killed_parent_leaves_no_worker_behind(project: Path) -> None:
    proc = _pytest(
        project, "--results", "out", "--workers", "2", "--no-report", env={"HARNESS_WORKER_CRASH": "hang:HANGME"}
    )
    deadline = time.monotonic() + 120
    workers: set[int] = set()
    while time.monotonic() < deadline and len(workers) < 2:
        time.sleep(0.5)
        workers = {p for p in _children(proc.pid) if "harness.backends.worker" in _cmdline(p)}
    assert len(workers) == 2
    proc.kill()  # SIGKILL: no cleanup code of the parent runs
    proc.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(p) for p in workers):
        time.sleep(0.2)
    assert not [p for p in workers if _alive(p)], f"orphaned workers: {workers}"


def test_two_workers_give_the_same_verdicts_as_one_on_real_cases(tmp_path: Path) -> None:
    """Greedy decoding on 2 workers = 1 worker, case by case, on real persona cases."""
    runs = {}
    for n in ("1", "2"):
        out = tmp_path / f"w{n}"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-p",
                "no:cacheprovider",
                "suites/persona",
                "--model",
                "default",
                "--limit",
                "2",
                "--workers",
                n,
                "--results",
                str(out),
                "--no-report",
                "-q",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode in (0, 1), proc.stdout[-3000:]
        lines = (out / "results.jsonl").read_text().splitlines()
        runs[n] = {(r["suite"], r["case_id"]): (r["outcome"], r["response"]) for r in map(json.loads, lines)}
    assert runs["1"] == runs["2"] and len(runs["1"]) >= 8


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""
