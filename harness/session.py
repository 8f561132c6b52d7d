"""One evaluation run: opens the model once, runs cases, stores results, judges gates.

Used by the pytest plugin; independent of pytest so other front ends can drive a run the same way.
"""

from __future__ import annotations

import os
import platform
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import harness
from harness.backends.base import KINDS, Backend, GenerationParams, LoadOptions, open_backend
from harness.backends.batching import BatchingBackend, CanBatch
from harness.errors import ConfigError
from harness.fingerprint import scoring_code_sha256, suite_sha256
from harness.gates import GateConfig, load_gates
from harness.models import SERVER_KINDS, ModelRef, inspect_gguf, model_sha256, model_size, resolve_model
from harness.pool import CasePool, case_key
from harness.records import CaseRecord, RunManifest, read_manifest, read_records
from harness.results import (
    MANIFEST_FILE,
    RESULTS_FILE,
    ResultWriter,
    peak_rss_mb,
    proc_status_mb,
    utc_now,
    write_json_atomic,
)
from harness.runner import run_case
from harness.scoring import ScoringContext
from harness.suite import Suite
from harness.summary import Summary, judge_agreement
from harness.types import Case
from harness.verdict import check_gate_names, judge_run, suite_manifest_entry


@dataclass
class RunOptions:
    model: str = "default"
    chat_template: str | None = None
    results: Path | None = None
    results_overwrite: bool = False
    n_threads: int = 1
    n_threads_batch: int | None = None
    n_ctx: int = 4096
    seed: int = 0
    case_timeout: float = 120.0
    gates_file: Path | None = None
    gate_overrides: list[str] = field(default_factory=list)
    judge: str | None = None
    judge_chat_template: str | None = None
    summarizer: str | None = None
    rootdir: Path = Path(".")
    command: list[str] = field(default_factory=list)
    workers: int | None = None  # None: default_workers()
    concurrency: int | None = None  # server back ends: requests in flight (None: 1)
    adapter: str | None = None  # hf models: a LoRA adapter folder applied without merging
    judge_adapter: str | None = None
    repack: bool = True  # False: --no-repack (llama.cpp's CPU weight repacking off)
    resume: bool = False  # keep the finished cases of the run in --results and run only the rest


def available_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(kind: str, n_threads: int) -> int:
    """Workers when --workers is not given: one per n_threads CPUs for a GGUF model (at most 4), else one
    (a server back end's requests in flight are ``--concurrency``).

    Measured on 2-core machines (benchmarks/workers.py): two 1-thread workers beat one 2-thread worker, as
    llama.cpp's decode of a small model does not scale past one thread on a shared machine.
    """
    if kind != "gguf":
        return 1
    return max(1, min(4, available_cpus() // max(1, n_threads)))


def add_judge_options(add: Callable[..., Any], judge_help: str) -> None:
    """Declare ``--judge MODEL`` and ``--judge-chat-template`` with ``add``: argparse's ``add_argument`` or a
    pytest option group's ``addoption`` (the plugin and ``harness calibrate`` open the judge the same way)."""
    add("--judge", default=None, metavar="MODEL", help=judge_help)
    add("--judge-chat-template", default=None, metavar="NAME|PATH", help="chat template for the judge model")


def open_model(ref: ModelRef, options: LoadOptions, log_dir: Path | None, name: str) -> Backend:
    """A back end for ``ref``: GGUF models in a worker process of their own, the rest in this process."""
    if not KINDS.get(ref.kind).in_process:
        from harness.backends.worker import open_worker_backend

        return open_worker_backend(ref, options, log_dir=log_dir, label=name)
    return open_backend(ref, options)


def describe_ref(ref: ModelRef, sha256: str | None) -> dict[str, Any]:
    """What the manifest says of a model before its back end adds its own description."""
    out: dict[str, Any] = {"spec": ref.spec, "path": str(ref.path) if ref.path else None, "source": ref.source,
                           "kind": ref.kind, "size_bytes": model_size(ref), "model_sha256": sha256}  # fmt: skip
    if ref.endpoint is not None:
        out.update(endpoint=ref.endpoint, server_model=ref.name)
    return out


def default_results_dir(rootdir: Path) -> Path:
    return rootdir / "runs" / datetime.now().strftime("%Y%m%d-%H%M%S")


@dataclass
class HarnessSession:
    options: RunOptions
    backend: Backend | None = None
    judge: Backend | None = None
    summarizer: Backend | None = None
    ref: ModelRef | None = None
    gates: GateConfig | None = None
    writer: ResultWriter | None = None
    manifest: dict[str, Any] = field(default_factory=dict)
    summary: Summary | None = None
    aborted: bool = False
    workers: list[Backend] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)  # one-line messages for the terminal (e.g. a fallback)
    pool: CasePool | None = None
    kept: dict[str, CaseRecord] = field(default_factory=dict)  # --resume: records kept from the old run
    records: list[CaseRecord] = field(default_factory=list)  # every record of the run, kept ones first
    _start: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def is_open(self) -> bool:
        return self.writer is not None

    def base_params(self) -> GenerationParams:
        return GenerationParams(max_tokens=256, seed=self.options.seed, timeout_s=self.options.case_timeout)

    def _check_options(self) -> None:
        opt = self.options
        if opt.n_threads < 1 or (opt.n_threads_batch is not None and opt.n_threads_batch < 1):
            raise ConfigError(f"--threads must be >= 1, got {opt.n_threads}")
        if opt.n_ctx < 256:
            raise ConfigError(f"--n-ctx {opt.n_ctx} is too small; use at least 256")
        if opt.workers is not None and not 1 <= opt.workers <= 64:
            raise ConfigError(f"--workers must be between 1 and 64, got {opt.workers}")
        if not opt.case_timeout > 0:
            raise ConfigError(f"--case-timeout must be > 0 seconds, got {opt.case_timeout}")
        if opt.resume and opt.results is None:
            raise ConfigError("--resume needs --results DIR: the run directory to carry on")
        if opt.resume and opt.results_overwrite:
            raise ConfigError("--resume keeps the run in --results; --results-overwrite would discard it: pick one")
        if opt.concurrency is not None and not 1 <= opt.concurrency <= 256:
            raise ConfigError(f"--concurrency must be between 1 and 256, got {opt.concurrency}")

    def _open_backends(
        self,
        load_opts: LoadOptions,
        n: int,
        log_dir: Path,
        judge_ref: ModelRef | None,
        summ_ref: ModelRef | None,
        batch: bool = False,
    ) -> None:
        """Open the model under test ``n`` times (in parallel), the judge and the summarizer once each; with
        ``batch``, open it once and let ``n`` case threads share it, their turns batched (BatchingBackend)."""
        assert self.ref is not None
        opened: list[Backend] = []
        copies = 1 if batch else n
        try:
            with ThreadPoolExecutor(max_workers=copies) as ex:
                futures = [ex.submit(open_model, self.ref, load_opts, log_dir, f"model-{i}") for i in range(copies)]
                errors = []
                for fut in futures:
                    try:
                        opened.append(fut.result())
                    except BaseException as exc:  # noqa: BLE001 - re-raised below, after closing the others
                        errors.append(exc)
                if errors:
                    raise errors[0]
            if judge_ref is not None:
                judge_opts = replace(
                    load_opts, chat_template=self.options.judge_chat_template, adapter=self.options.judge_adapter
                )
                self.judge = open_model(judge_ref, judge_opts, log_dir, "judge")
            if summ_ref is not None:
                self.summarizer = open_model(summ_ref, load_opts, log_dir, "summarizer")
        except BaseException:
            for helper in (*opened, self.judge, self.summarizer):
                if helper is not None:
                    helper.close()
            raise
        if batch:
            opened = [BatchingBackend(cast(CanBatch, opened[0]), max_batch=n)] * n
        self.workers = opened
        self.backend = opened[0]
        for b in (*opened[:1], self.judge, self.summarizer):
            self.notices.extend(getattr(b, "notices", []) or [])

    def _load_resume(self, writer: ResultWriter, selected: set[str], new_sha: str | None) -> RunManifest:
        """Read the run to carry on (it must have scored the model of sha256 ``new_sha``, or for a server the
        same spec); keep its finished (passed/failed) records of selected cases."""
        old = read_manifest(writer.directory / MANIFEST_FILE)
        old_sha = old.model.model_sha256
        if old_sha and old_sha != new_sha:
            raise ConfigError(
                f"--resume {writer.directory}: that run scored another model (sha256 {old_sha[:12]}, this one "
                f"{(new_sha or 'none')[:12]}); resume with the same --model or start a new --results DIR"
            )
        assert self.ref is not None
        if new_sha is None and old.model.spec != self.ref.spec:
            raise ConfigError(
                f"--resume {writer.directory}: that run scored {old.model.spec}, not {self.ref.spec}; resume with "
                "the same --model or start a new --results DIR"
            )
        for r in read_records(writer.directory / RESULTS_FILE):
            key = f"{r.suite}/{r.case_id}"  # harness.pool.case_key of the record's case
            if key in selected and r.outcome in ("passed", "failed"):
                self.kept[key] = r
        return old

    def open(self, suites: list[Suite], n_cases: int, selection: dict[str, Any] | None = None) -> None:
        """Check configuration, open the model, create the run directory; any problem raises HarnessError.

        ``selection`` describes how the cases were chosen (``partial``: fewer than the suites' cases in the
        asked-for case sets; ``selected``: the case keys) and goes into the manifest.
        """
        opt = self.options
        self._check_options()
        self.gates = load_gates(opt.gates_file, opt.gate_overrides)
        check_gate_names(self.gates, suites, opt.rootdir)
        selection = dict(selection or {})
        selected_keys = set(selection.pop("selected", []) or [])
        writer = ResultWriter(opt.results or default_results_dir(opt.rootdir))
        if opt.resume:
            if not (writer.directory / RESULTS_FILE).is_file():
                raise ConfigError(f"--resume: {writer.directory} holds no run ({RESULTS_FILE}); drop --resume")
        else:
            writer.check_free(overwrite=opt.results_overwrite)  # before the model load: fail fast
        self._start = time.perf_counter()
        self.ref = resolve_model(opt.model)
        if self.ref.kind == "gguf":
            inspect_gguf(self.ref.file)  # a bad file is one line now, before any worker starts
        _check_writable(writer.directory)
        model_sha = model_sha256(self.ref)
        judge_ref = resolve_model(opt.judge) if opt.judge else None
        summ_ref = resolve_model(opt.summarizer) if opt.summarizer else None
        old_manifest: RunManifest | None = None
        if opt.resume:
            old_manifest = self._load_resume(writer, selected_keys, model_sha)
        load_opts = LoadOptions(
            n_ctx=opt.n_ctx,
            n_threads=opt.n_threads,
            n_threads_batch=opt.n_threads_batch,
            chat_template=opt.chat_template,
            adapter=opt.adapter,
            extra={"repack": opt.repack},
        )
        batches = KINDS.get(self.ref.kind).batches
        if opt.concurrency is not None and self.ref.kind not in SERVER_KINDS and not batches:
            raise ConfigError(
                f"--concurrency sets requests in flight to a server (openai:, ollama:) or cases batched on one hf "
                f"model, not for a {self.ref.kind} model; use --workers"
            )
        if batches and opt.concurrency is not None and opt.workers is not None:
            raise ConfigError(f"a {self.ref.kind} model takes --concurrency (cases batched on one copy), not --workers")
        n_workers = opt.workers or opt.concurrency or default_workers(self.ref.kind, opt.n_threads)
        to_run = n_cases - len(self.kept)
        n_workers = max(1, min(n_workers, to_run)) if to_run > 0 else 1
        self._open_backends(
            load_opts, n_workers, writer.directory / "workers", judge_ref, summ_ref, batch=batches and n_workers > 1
        )
        assert self.backend is not None
        judge_info: dict[str, Any] | None = None
        summarizer_info: dict[str, Any] | None = None
        try:
            if self.judge is not None and judge_ref is not None:
                judge_info = {
                    "spec": opt.judge,
                    "path": str(judge_ref.path) if judge_ref.path else None,
                    "model_sha256": model_sha256(judge_ref),
                    **self.judge.describe(),
                }
            if self.summarizer is not None and summ_ref is not None:
                summarizer_info = {"spec": opt.summarizer, "path": str(summ_ref.path) if summ_ref.path else None,
                                   **self.summarizer.describe()}  # fmt: skip
            if opt.resume:
                writer.open_resume([r.to_json_dict() for r in self.kept.values()])
                self.records = list(self.kept.values())
            else:
                writer.open(overwrite=opt.results_overwrite)
        except BaseException:
            self._close_backends()
            raise
        self.writer = writer
        self.manifest = {
            "status": "running",
            "harness_version": harness.__version__,
            "started": utc_now(),
            "finished": None,
            "command": opt.command,
            "model": describe_ref(self.ref, model_sha) | self.backend.describe(),
            "decoding": self.base_params().to_dict() | {"max_tokens": "per suite (see suites)"},
            "suites": {
                s.name: {
                    "version": s.version,
                    "path": str(s.path),
                    "cases_total": len(s.cases),
                    "max_tokens": sorted({c.max_tokens for c in s.cases}),
                    "sha256": suite_sha256(s.path),
                    **suite_manifest_entry(s),
                }
                for s in suites
            },
            "scoring_code_sha256": scoring_code_sha256(),
            "cases_selected": n_cases,
            "partial": bool(selection.get("partial", False)),
            "selection": selection,
            "workers": {"count": n_workers, "case_timeout_s": opt.case_timeout},
            "judge": judge_info,
            "summarizer": summarizer_info,
            "gates": self.gates.model_dump(),
            "environment": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpu_count": os.cpu_count(),
                "cpus_available": available_cpus(),
            },
            "results_file": RESULTS_FILE,
        }
        if opt.resume and old_manifest is not None:
            self.manifest["started"] = old_manifest.started or self.manifest["started"]
            self.manifest["resumed"] = [
                *(old_manifest.resumed or []),
                {"at": utc_now(), "kept": len(self.kept), "command": opt.command},
            ]
        self._write_manifest()

    def _write_manifest(self) -> None:
        """Write ``self.manifest`` to the run directory through :class:`~harness.records.RunManifest`."""
        assert self.writer is not None
        write_json_atomic(self.writer.directory / MANIFEST_FILE, RunManifest.build(self.manifest).to_json_dict())

    def unmet_requirement(self, case: Case) -> str | None:
        """The first of the case's requirements that the open model does not meet, if any."""
        if self.backend is None:
            return None
        return next((r for r in case.requires if not self.backend.supports(r)), None)

    def skip_case(self, case: Case, missing: str) -> None:
        """List a case the model cannot run in the manifest's ``cases_skipped``, so the run still counts as
        complete (every selected case is either recorded or listed here)."""
        self.manifest.setdefault("cases_skipped", []).append({"case": case_key(case), "needs": missing})

    def _run_one(self, backend: Backend, case: Case, suite_version: str, nodeid: str) -> CaseRecord:
        ctx = ScoringContext(judge=self.judge, summarizer=self.summarizer)
        return run_case(backend, case, self.base_params(), suite_version=suite_version, ctx=ctx, nodeid=nodeid)

    def _write(self, record: CaseRecord) -> None:
        assert self.writer is not None
        with self._lock:
            self.writer.write(record.to_json_dict())
            self.records.append(record)

    def start(self, cases: list[tuple[Case, str, str]]) -> None:
        """Schedule ``(case, suite_version, nodeid)`` on the workers; skipped and kept cases are left out."""
        if self.backend is None or self.writer is None:
            raise RuntimeError("HarnessSession.start before open")
        meta = {case_key(c): (v, n) for c, v, n in cases}
        todo = [c for c, _, _ in cases if case_key(c) not in self.kept and self.unmet_requirement(c) is None]

        def run_one(backend: Backend, case: Case) -> CaseRecord:
            version, nodeid = meta[case_key(case)]
            return self._run_one(backend, case, version, nodeid)

        self.pool = CasePool(self.workers, run_one, self._write)
        self.pool.start(todo)

    def run_case(self, case: Case, suite_version: str, nodeid: str = "") -> CaseRecord:
        """The record of ``case``: kept from the resumed run, computed by the pool, or run here and now."""
        if self.backend is None or self.writer is None:
            raise RuntimeError("HarnessSession.run_case before open")
        kept = self.kept.get(case_key(case))
        if kept is not None:
            return kept
        if self.pool is not None and self.pool.scheduled(case):
            return self.pool.result(case)
        record = self._run_one(self.backend, case, suite_version, nodeid)
        self._write(record)
        return record

    def _distinct_backends(self) -> list[Backend]:
        """The open back ends, each once (the case threads of a batched model share one)."""
        out: list[Backend] = []
        for backend in (*self.workers, self.judge, self.summarizer):
            if backend is not None and all(backend is not b for b in out):
                out.append(backend)
        return out

    def _close_backends(self) -> None:
        for backend in self._distinct_backends():
            if backend is not None:
                backend.close()

    def finish(self, interrupted: bool = False) -> int:
        """Close the model, finalise the manifest, judge the gates; returns the exit code."""
        assert self.writer is not None and self.gates is not None
        if self.pool is not None:
            self.pool.stop(timeout=0)
        processes = [_process_stats(b) for b in self._distinct_backends()]
        self.manifest.setdefault("workers", {})["processes"] = [p for p in processes if p]
        if isinstance(self.backend, BatchingBackend):
            self.manifest["workers"]["batching"] = self.backend.batch_stats()
        self._close_backends()
        if self.pool is not None:
            self.pool.stop(timeout=10)
        with self._lock:
            self.writer.close()
        records = list(self.records)
        total_s = time.perf_counter() - self._start
        model = self.manifest["model"]
        completion_tokens = sum(r.completion_tokens or 0 for r in records)
        decode_s = sum((r.timings or {}).get("decode_s", 0.0) for r in records)
        prompt_eval = sum((r.timings or {}).get("prompt_tokens_evaluated", 0) for r in records)
        prompt_s = sum((r.timings or {}).get("prompt_s", 0.0) for r in records)
        self.manifest["timing"] = {
            "load_s": model.get("load_s"),
            "total_s": round(total_s, 3),
            "cases_run": len(records) - len(self.kept),
            "cases_kept": len(self.kept),
            "prompt_tokens": sum(r.prompt_tokens or 0 for r in records),
            "prompt_tokens_evaluated": prompt_eval,
            "completion_tokens": completion_tokens,
            "decode_tokens_per_s": round(completion_tokens / decode_s, 2) if decode_s else None,
            # generated tokens over the run's wall time: with several cases in flight (workers, a batching server
            # or model) the cases' decode times overlap, so this is the throughput, decode_tokens_per_s per case
            "completion_tokens_per_wall_s": round(completion_tokens / total_s, 2) if total_s > 0 else None,
            "prompt_tokens_per_s": round(prompt_eval / prompt_s, 2) if prompt_s else None,
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "worker_peak_rss_mb": max((p.get("peak_rss_mb") or 0 for p in processes if p), default=None),
        }
        self.manifest.update(status="interrupted" if interrupted else "complete", finished=utc_now())
        # One verdict for pytest and `harness gate`: completeness, error rate and gates (a partial run is judged
        # and labelled here; `gate`/`publish` refuse it unless --allow-partial).
        verdict = judge_run(
            RunManifest.build(self.manifest), records, self.gates, allow_partial=True, check_status=False
        )
        code = verdict.exit_code
        gate_results = verdict.gate_results
        self.manifest.update(
            gate_results=[g.to_dict() for g in gate_results],
            error_rate=round(verdict.error_rate, 4),
            verdict=verdict.to_dict(),
            judge_agreement={k: {"agree": a, "total": t} for k, (a, t) in judge_agreement(records).items()},
            exit_code=None if interrupted else code,
        )
        self._write_manifest()
        self.summary = Summary(self.manifest, verdict.stats, gate_results, self.writer.directory)
        return code


def _check_writable(directory: Path) -> None:
    """Fail before a model load when the run directory cannot be created or written (nothing is created here)."""
    probe = directory.absolute()
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        raise ConfigError(
            f"--results {directory}: cannot be created, {probe} is not a directory; pass another --results DIR"
        )
    if not os.access(probe, os.W_OK | os.X_OK):
        raise ConfigError(f"--results {directory}: {probe} is not writable; pass a writable --results DIR")


def _process_stats(backend: Backend) -> dict[str, Any] | None:
    """A worker process's counters (restarts, crashes, log) and its peak resident memory, for the manifest."""
    worker = backend.describe().get("worker")
    if not isinstance(worker, dict):
        return None
    out = {"label": getattr(backend, "label", None), **worker}
    peak = proc_status_mb(getattr(backend, "pid", None))
    if peak is not None:
        out["peak_rss_mb"] = round(peak, 1)
    return out
