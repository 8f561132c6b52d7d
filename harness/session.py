"""One evaluation run: opens the model once, runs cases, stores results, judges gates.

Used by the pytest plugin; independent of pytest so other front ends can drive a run the same way.
"""

from __future__ import annotations

import os
import platform
import time
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import harness
from harness.backends.base import Backend, GenerationParams, LoadOptions, open_backend
from harness.errors import EXIT_GATE_FAILED, EXIT_OK, EXIT_UNTRUSTED, ConfigError
from harness.fingerprint import scoring_code_sha256, suite_sha256
from harness.gates import GateConfig, error_rate, evaluate_gates, load_gates, suite_stats
from harness.models import ModelRef, resolve_model, sha256_file
from harness.results import MANIFEST_FILE, RESULTS_FILE, ResultWriter, peak_rss_mb, utc_now, write_json_atomic
from harness.runner import run_case
from harness.scoring import ScoringContext
from harness.suite import Case, Suite
from harness.summary import Summary, build_summary, judge_agreement


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
    _start: float = 0.0

    @property
    def is_open(self) -> bool:
        return self.writer is not None

    def base_params(self) -> GenerationParams:
        return GenerationParams(max_tokens=256, seed=self.options.seed, timeout_s=self.options.case_timeout)

    def open(self, suites: list[Suite], n_cases: int) -> None:
        """Check configuration, open the model, create the run directory; any problem raises HarnessError."""
        opt = self.options
        if opt.n_threads < 1 or (opt.n_threads_batch is not None and opt.n_threads_batch < 1):
            raise ConfigError(f"--threads must be >= 1, got {opt.n_threads}")
        if opt.n_ctx < 256:
            raise ConfigError(f"--n-ctx {opt.n_ctx} is too small; use at least 256")
        self.gates = load_gates(opt.gates_file, opt.gate_overrides)
        writer = ResultWriter(opt.results or default_results_dir(opt.rootdir))
        writer.check_free(overwrite=opt.results_overwrite)  # before the model load: fail fast
        self._start = time.perf_counter()
        self.ref = resolve_model(opt.model)
        load_opts = LoadOptions(
            n_ctx=opt.n_ctx,
            n_threads=opt.n_threads,
            n_threads_batch=opt.n_threads_batch,
            chat_template=opt.chat_template,
        )
        self.backend = open_backend(self.ref, load_opts)
        judge_info: dict[str, Any] | None = None
        summarizer_info: dict[str, Any] | None = None
        try:
            if opt.judge:
                judge_ref = resolve_model(opt.judge)
                self.judge = open_backend(judge_ref, replace(load_opts, chat_template=opt.judge_chat_template))
                judge_info = {
                    "spec": opt.judge,
                    "path": str(judge_ref.path),
                    "model_sha256": sha256_file(judge_ref.path),
                    **self.judge.describe(),
                }
            if opt.summarizer:
                summ_ref = resolve_model(opt.summarizer)
                self.summarizer = open_backend(summ_ref, load_opts)
                summarizer_info = {"spec": opt.summarizer, "path": str(summ_ref.path), **self.summarizer.describe()}
            writer.open(overwrite=opt.results_overwrite)
        except BaseException:
            for helper in (self.backend, self.judge, self.summarizer):
                if helper is not None:
                    helper.close()
            raise
        self.writer = writer
        directory = writer.directory
        size = self.ref.path.stat().st_size
        self.manifest = {
            "status": "running",
            "harness_version": harness.__version__,
            "started": utc_now(),
            "finished": None,
            "command": opt.command,
            "model": {
                "spec": self.ref.spec,
                "path": str(self.ref.path),
                "source": self.ref.source,
                "kind": self.ref.kind,
                "size_bytes": size,
                "model_sha256": sha256_file(self.ref.path),
                **self.backend.describe(),
            },
            "decoding": self.base_params().to_dict() | {"max_tokens": "per suite (see suites)"},
            "suites": {
                s.name: {
                    "version": s.version,
                    "path": str(s.path),
                    "cases_total": len(s.cases),
                    "max_tokens": sorted({c.max_tokens for c in s.cases}),
                    "sha256": suite_sha256(s.path),
                }
                for s in suites
            },
            "scoring_code_sha256": scoring_code_sha256(),
            "cases_selected": n_cases,
            "judge": judge_info,
            "summarizer": summarizer_info,
            "gates": self.gates.model_dump(),
            "environment": {
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpu_count": os.cpu_count(),
            },
            "results_file": RESULTS_FILE,
        }
        write_json_atomic(directory / MANIFEST_FILE, self.manifest)

    def unmet_requirement(self, case: Case) -> str | None:
        """The first of the case's requirements that the open model does not meet, if any."""
        if self.backend is None:
            return None
        return next((r for r in case.requires if not self.backend.supports(r)), None)

    def skip_case(self, case: Case, missing: str) -> None:
        """List a case the model cannot run in the manifest's ``cases_skipped``, so the run still counts as
        complete (every selected case is either recorded or listed here)."""
        self.manifest.setdefault("cases_skipped", []).append({"case": f"{case.suite}/{case.id}", "needs": missing})

    def run_case(self, case: Case, suite_version: str, nodeid: str = "") -> dict[str, Any]:
        if self.backend is None or self.writer is None:
            raise RuntimeError("HarnessSession.run_case before open")
        ctx = ScoringContext(judge=self.judge, summarizer=self.summarizer)
        record = run_case(self.backend, case, self.base_params(), suite_version=suite_version, ctx=ctx)
        record["nodeid"] = nodeid
        self.writer.write(record)
        return record

    def finish(self, interrupted: bool = False) -> int:
        """Close the model, finalise the manifest, judge the gates; returns the exit code."""
        assert self.writer is not None and self.gates is not None
        for backend in (self.backend, self.judge, self.summarizer):
            if backend is not None:
                backend.close()
        self.writer.close()
        records = self.writer.records
        total_s = time.perf_counter() - self._start
        model = self.manifest["model"]
        completion_tokens = sum(r.get("completion_tokens") or 0 for r in records)
        decode_s = sum((r.get("timings") or {}).get("decode_s", 0.0) for r in records)
        prompt_eval = sum((r.get("timings") or {}).get("prompt_tokens_evaluated", 0) for r in records)
        prompt_s = sum((r.get("timings") or {}).get("prompt_s", 0.0) for r in records)
        self.manifest["timing"] = {
            "load_s": model.get("load_s"),
            "total_s": round(total_s, 3),
            "cases_run": len(records),
            "prompt_tokens": sum(r.get("prompt_tokens") or 0 for r in records),
            "prompt_tokens_evaluated": prompt_eval,
            "completion_tokens": completion_tokens,
            "decode_tokens_per_s": round(completion_tokens / decode_s, 2) if decode_s else None,
            "prompt_tokens_per_s": round(prompt_eval / prompt_s, 2) if prompt_s else None,
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
        stats = suite_stats(records)
        gate_results = evaluate_gates(self.gates, stats)
        err = error_rate(stats)
        if err > self.gates.max_error_rate:
            code = EXIT_UNTRUSTED
        elif any(not g.passed for g in gate_results):
            code = EXIT_GATE_FAILED
        else:
            code = EXIT_OK
        self.manifest.update(
            status="interrupted" if interrupted else "complete",
            finished=utc_now(),
            gate_results=[g.to_dict() for g in gate_results],
            error_rate=round(err, 4),
            judge_agreement={k: {"agree": a, "total": t} for k, (a, t) in judge_agreement(records).items()},
            exit_code=None if interrupted else code,
        )
        write_json_atomic(self.writer.directory / MANIFEST_FILE, self.manifest)
        self.summary = build_summary(self.manifest, records, gate_results, self.writer.directory)
        return code
