"""Measure what worker processes cost and buy, and llama.cpp speed with weight repacking on and off.

    python benchmarks/workers.py [--model default] [--cases 12] [--threads 1]

On the first N chat cases of the Pokkit suite (max_tokens as in the suite), prints the wall time of
(a) a naive loop: ``llama_cpp.Llama.create_chat_completion`` per case with the cache reset each time,
(b) the harness with one ``WorkerBackend`` (cases in order, so a shared system prompt's prefix is reused),
(c) two ``WorkerBackend``s each driven by a thread, each given whole system-prompt groups when possible;
then ratios, the peak RSS of each worker (VmHWM), and prompt/decode tokens/s with repacking on and off.
Load times are printed apart and left out of the run times.
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Callable
from pathlib import Path

from harness.backends.base import GenerationParams, LoadOptions
from harness.backends.llama_cpp import LlamaCppBackend, cpu_has_amx, cpu_model_name
from harness.backends.worker import WorkerBackend
from harness.chat import inline_tools
from harness.models import ModelRef, resolve_model
from harness.runner import case_params
from harness.suite import Case, load_suite

POKKIT = Path(__file__).parents[1] / "suites" / "pokkit" / "suite.yaml"
BASE = GenerationParams(max_tokens=200)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def peak_rss_mb(pid: int | None) -> float:
    """VmHWM (peak resident set) of ``pid`` in MiB, from /proc."""
    if pid is None:
        return float("nan")
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def split_by_system(cases: list[Case], n: int) -> list[list[Case]]:
    """``n`` shares of ``cases``, each made of whole system-prompt groups (a lone group is cut in halves)."""
    groups: dict[str | None, list[Case]] = {}
    for case in cases:
        groups.setdefault(case.system_name, []).append(case)
    parts: list[list[Case]] = [[] for _ in range(n)]
    if len(groups) < n:
        ordered = [c for g in groups.values() for c in g]
        size = -(-len(ordered) // n)
        return [ordered[i * size : (i + 1) * size] for i in range(n)]
    for group in sorted(groups.values(), key=len, reverse=True):
        min(parts, key=len).extend(group)
    return parts


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


def drive(worker: WorkerBackend, cases: list[Case], evaluated: list[int]) -> None:
    for case in cases:
        c = worker.generate(case.messages, case.tools, case_params(case, BASE), key=f"{case.suite}/{case.id}")
        evaluated.append(int(c.timings.get("prompt_tokens_evaluated", 0)))


def speed(ref: ModelRef, case: Case, threads: int, repack: bool, reps: int) -> tuple[float, float]:
    """Best-of-``reps`` (prompt tok/s, decode tok/s) in-process on ``case`` with 64 new tokens."""
    b = LlamaCppBackend(ref, LoadOptions(n_ctx=4096, n_threads=threads, extra={"repack": repack}))
    best_p = best_d = 0.0
    try:
        for _ in range(reps):
            b.llm.reset()
            c = b.generate(case.messages, case.tools, GenerationParams(max_tokens=64))
            t = c.timings
            best_p = max(best_p, t["prompt_tokens_evaluated"] / max(t["prompt_s"], 1e-9))
            best_d = max(best_d, max(c.completion_tokens - 1, 1) / max(t["decode_s"], 1e-9))
    finally:
        b.close()
    return best_p, best_d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default")
    ap.add_argument("--cases", type=int, default=12, help="first N chat cases of the Pokkit suite")
    ap.add_argument("--threads", type=int, default=1, help="llama.cpp threads per model (each worker)")
    ap.add_argument("--n-ctx", type=int, default=4096)
    ap.add_argument("--reps", type=int, default=2, help="repetitions of the repack speed test (best kept)")
    args = ap.parse_args()
    ref = resolve_model(args.model)
    cases = [c for c in load_suite(POKKIT).cases if c.kind == "chat"][: args.cases]
    groups = len({c.system_name for c in cases})
    print(f"cpu: {cpu_model_name()} (amx: {cpu_has_amx(assume_env=False)}); model: {ref.path.name}")
    print(f"cases: {len(cases)} Pokkit chat cases, {groups} system-prompt group(s); threads per model: {args.threads}")
    options = LoadOptions(n_ctx=args.n_ctx, n_threads=args.threads)

    load_a, run_a, prompt_a = naive(ref, cases, args.threads, args.n_ctx)

    start = time.perf_counter()
    one = WorkerBackend(ref, options)
    load_b = time.perf_counter() - start
    eval_b: list[int] = []
    run_b = timed(lambda: drive(one, cases, eval_b))
    rss_b = peak_rss_mb(one.pid)
    one.close()

    start = time.perf_counter()
    pair = [WorkerBackend(ref, options, label=f"model-{i}") for i in range(2)]
    load_c = time.perf_counter() - start
    shares = split_by_system(cases, 2)
    eval_c: list[list[int]] = [[], []]
    threads = [threading.Thread(target=drive, args=(w, s, e)) for w, s, e in zip(pair, shares, eval_c, strict=True)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    run_c = time.perf_counter() - start
    rss_c = [peak_rss_mb(w.pid) for w in pair]
    for w in pair:
        w.close()

    print()
    print(f"{'run':<44} {'load s':>7} {'run s':>7} {'vs (a)':>7} {'prompt tok eval':>16} {'peak RSS MiB':>14}")
    print(
        f"{'(a) naive create_chat_completion, reset':<44} {load_a:7.2f} {run_a:7.2f} {1.0:7.2f} "
        f"{prompt_a:16d} {'-':>14}"
    )
    print(
        f"{'(b) 1 WorkerBackend, in order':<44} {load_b:7.2f} {run_b:7.2f} {run_a / run_b:7.2f} "
        f"{sum(eval_b):16d} {rss_b:14.0f}"
    )
    split = "+".join(str(len(s)) for s in shares)
    print(
        f"{f'(c) 2 WorkerBackends x 1 thread ({split} cases)':<44} {load_c:7.2f} {run_c:7.2f} {run_a / run_c:7.2f} "
        f"{sum(map(sum, eval_c)):16d} {' / '.join(f'{r:.0f}' for r in rss_c):>14}"
    )
    print(f"(b)/(c) speed-up of two workers over one: {run_b / run_c:.2f}x")

    print()
    longest = max(cases, key=lambda c: len(str(c.messages)) + len(str(c.tools)))
    for repack in (True, False):
        p, d = speed(ref, longest, args.threads, repack, args.reps)
        print(f"repack {'on ' if repack else 'off'}: prompt {p:8.1f} tok/s  decode {d:7.1f} tok/s  (case {longest.id})")


if __name__ == "__main__":
    main()
