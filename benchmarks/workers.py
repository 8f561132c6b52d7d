"""Measure what worker processes cost and buy, and llama.cpp speed with weight repacking on and off.

    python benchmarks/workers.py [--model default] [--suites pokkit,josi] [--cases 12] [--threads 1]

On the first N chat cases of each suite (max_tokens as in the suite), prints the wall time of
(a) a naive loop: ``llama_cpp.Llama.create_chat_completion`` per case with the cache reset each time,
(b) the harness with one ``WorkerBackend`` (cases in order, so a shared system prompt's prefix is reused),
(c) two ``WorkerBackend``s, the cases scheduled by the harness's own pool (``harness.pool.CasePool``: whole
    prompt-prefix groups per worker, a lone group cut in halves, an idle worker stealing half a queue);
then ratios, the peak RSS of each worker (VmHWM), and prompt/decode tokens/s with repacking on and off, on the
model and on a Q4_0 copy of it: llama.cpp's generic x86 repacking has a layout for Q4_0 but none for Q4_1 (only
the AMX buffer type takes Q4_1), so off AMX the bundled Q4_1 model loads the same either way; "load adds MiB
anon" shows whether the load made a repacked copy of the weights.
Load times are printed apart and left out of the run times.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from harness.backends.base import Backend, GenerationParams, LoadOptions
from harness.backends.llama_cpp import LlamaCppBackend, cpu_has_amx, cpu_model_name
from harness.backends.worker import WorkerBackend
from harness.chat import inline_tools
from harness.models import ModelRef, inspect_gguf, resolve_model
from harness.pool import CasePool, prefix_key
from harness.results import proc_status_mb
from harness.runner import case_params
from harness.suite import load_suite
from harness.types import Case

SUITES = Path(__file__).parents[1] / "suites"
BASE = GenerationParams(max_tokens=200)


def status_mb(pid: int | str | None, field: str) -> float:
    """``harness.results.proc_status_mb``, NaN where it cannot be read (so the table still prints)."""
    value = proc_status_mb(pid, field)
    return float("nan") if value is None else value


def naive(ref: ModelRef, cases: list[Case], threads: int, n_ctx: int) -> tuple[float, float, int]:
    """(load s, run s, prompt tokens) of create_chat_completion per case, cache reset each time."""
    import llama_cpp

    start = time.perf_counter()
    llm = llama_cpp.Llama(
        model_path=str(ref.path), n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, seed=0, verbose=False
    )
    load_s = time.perf_counter() - start
    prompt_tokens = 0
    start = time.perf_counter()
    for case in cases:
        llm.reset()
        params = case_params(case, BASE)
        out = llm.create_chat_completion(
            messages=inline_tools(case.messages, case.tools),  # type: ignore[arg-type]
            max_tokens=params.max_tokens,
            temperature=0.0,
            stop=list(params.stop) or None,
            seed=0,
        )
        prompt_tokens += out["usage"]["prompt_tokens"]  # type: ignore[index]
    run_s = time.perf_counter() - start
    llm.close()
    return load_s, run_s, prompt_tokens


def run_pool(workers: list[WorkerBackend], cases: list[Case]) -> tuple[float, int, CasePool]:
    """(run s, prompt tokens evaluated, the pool) of ``cases`` on ``workers`` through the harness's own scheduler
    (``harness.pool.CasePool``: prompt-prefix groups per worker, an idle worker steals the back half of a queue)."""
    evaluated: list[int] = []

    def run_one(worker: Backend, case: Case) -> dict[str, object]:
        c = worker.generate(case.messages, case.tools, case_params(case, BASE), key=f"{case.suite}/{case.id}")
        evaluated.append(int(c.timings.get("prompt_tokens_evaluated", 0)))
        return {}

    pool = CasePool(workers, run_one, lambda record: None)
    start = time.perf_counter()
    pool.start(cases)
    for case in cases:
        pool.result(case)
    elapsed = time.perf_counter() - start
    pool.stop()
    return elapsed, sum(evaluated), pool


def requantize_q4_0(ref: ModelRef, out: Path) -> ModelRef:
    """A Q4_0 copy of ``ref``, a type llama.cpp repacks on any AVX2/AVX-512 CPU."""
    import ctypes

    import llama_cpp

    qp = llama_cpp.llama_model_quantize_default_params()
    qp.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0
    qp.allow_requantize = True
    qp.nthread = 1
    from llama_cpp._utils import suppress_stdout_stderr

    with suppress_stdout_stderr(disable=False):
        rc = llama_cpp.llama_model_quantize(str(ref.path).encode(), str(out).encode(), ctypes.byref(qp))
    if rc != 0:
        raise SystemExit(f"could not requantize {ref.path} to Q4_0")
    return ModelRef(str(out), out, "gguf", "path")


def speed(ref: ModelRef, case: Case, threads: int, reps: int) -> dict[bool, tuple[float, float, float]]:
    """Repack on/off -> best-of-``reps`` (prompt tok/s, decode tok/s, anon MiB added by the load), on ``case``
    with 64 new tokens; the two models are loaded side by side and measured alternately."""
    backends: dict[bool, LlamaCppBackend] = {}
    extra_mb: dict[bool, float] = {}
    for repack in (True, False):
        before = status_mb("self", "RssAnon")
        backends[repack] = LlamaCppBackend(ref, LoadOptions(n_ctx=4096, n_threads=threads, extra={"repack": repack}))
        extra_mb[repack] = status_mb("self", "RssAnon") - before
    best = {r: (0.0, 0.0) for r in backends}
    try:
        for _ in range(reps):
            for repack, b in backends.items():
                b.llm.reset()
                c = b.generate(case.messages, case.tools, GenerationParams(max_tokens=64))
                t = c.timings
                p = t["prompt_tokens_evaluated"] / max(t["prompt_s"], 1e-9)
                d = max(c.completion_tokens - 1, 1) / max(t["decode_s"], 1e-9)
                best[repack] = (max(best[repack][0], p), max(best[repack][1], d))
    finally:
        for b in backends.values():
            b.close()
    return {r: (*best[r], extra_mb[r]) for r in backends}


def run_all(ref: ModelRef, cases: list[Case], options: LoadOptions, args: argparse.Namespace) -> None:
    """(a), (b) and (c): the table of run times, ratios and peak RSS."""
    load_a, run_a, prompt_a = naive(ref, cases, args.threads, args.n_ctx)

    start = time.perf_counter()
    one = WorkerBackend(ref, options)
    load_b = time.perf_counter() - start
    run_b, eval_b, _ = run_pool([one], cases)
    rss_b = status_mb(one.pid, "VmHWM")
    one.close()

    start = time.perf_counter()
    pair = [WorkerBackend(ref, options, label=f"model-{i}") for i in range(2)]
    load_c = time.perf_counter() - start
    run_c, eval_c, pool = run_pool(pair, cases)
    rss_c = [status_mb(w.pid, "VmHWM") for w in pair]
    for w in pair:
        w.close()
    planned = "+".join(str(len(q)) for q in pool.queues)

    print()
    print(f"{'run':<52} {'load s':>7} {'run s':>7} {'vs (a)':>7} {'prompt tok eval':>16} {'peak RSS MiB':>14}")
    print(
        f"{'(a) naive create_chat_completion, reset':<52} {load_a:7.2f} {run_a:7.2f} {1.0:7.2f} "
        f"{prompt_a:16d} {'-':>14}"
    )
    print(
        f"{'(b) 1 WorkerBackend, in order':<52} {load_b:7.2f} {run_b:7.2f} {run_a / run_b:7.2f} "
        f"{eval_b:16d} {rss_b:14.0f}"
    )
    label_c = f"(c) 2 workers x {args.threads} thread ({planned} planned, {pool.steals} steal(s))"
    print(
        f"{label_c:<52} {load_c:7.2f} {run_c:7.2f} {run_a / run_c:7.2f} "
        f"{eval_c:16d} {' / '.join(f'{r:.0f}' for r in rss_c):>14}"
    )
    print(f"(b)/(c) speed-up of two workers over one: {run_b / run_c:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default")
    ap.add_argument("--skip-runs", action="store_true", help="only the repack speed test")
    ap.add_argument("--cases", type=int, default=12, help="first N chat cases of each suite")
    ap.add_argument("--suites", default="pokkit", help="comma-separated suites to take cases from (default pokkit)")
    ap.add_argument("--threads", type=int, default=1, help="llama.cpp threads per model (each worker)")
    ap.add_argument("--n-ctx", type=int, default=4096)
    ap.add_argument("--reps", type=int, default=3, help="repetitions of the repack speed test (best kept)")
    ap.add_argument("--no-q4_0", action="store_true", help="skip the repack test on a Q4_0 copy of the model")
    args = ap.parse_args()
    ref = resolve_model(args.model)
    cases = [
        case
        for name in args.suites.split(",")
        for case in [c for c in load_suite(SUITES / name / "suite.yaml").cases if c.kind == "chat"][: args.cases]
    ]
    groups = len({prefix_key(c) for c in cases})
    print(f"cpu: {cpu_model_name()} (amx: {cpu_has_amx(assume_env=False)}); model: {ref.path.name}")
    print(f"cases: {len(cases)} chat cases of {args.suites}, {groups} prompt-prefix group(s); threads: {args.threads}")
    options = LoadOptions(n_ctx=args.n_ctx, n_threads=args.threads)

    if not args.skip_runs:
        run_all(ref, cases, options, args)
    print()
    longest = max(cases, key=lambda c: len(str(c.messages)) + len(str(c.tools)))
    with tempfile.TemporaryDirectory() as tmp:
        models = [ref] if args.no_q4_0 else [ref, requantize_q4_0(ref, Path(tmp) / "q4_0.gguf")]
        for model in models:
            quant = inspect_gguf(model.path).file_type
            for repack, (p, d, mb) in speed(model, longest, args.threads, args.reps).items():
                print(
                    f"{quant:<5} repack {'on ' if repack else 'off'}: prompt {p:7.1f} tok/s  decode {d:6.1f} tok/s  "
                    f"load adds {mb:5.0f} MiB anon  (case {longest.id}, best of {args.reps})"
                )


if __name__ == "__main__":
    main()
