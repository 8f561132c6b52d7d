"""What ``--concurrency N`` buys against an OpenAI-compatible server: the same cases at each level, side by side.

    python benchmarks/concurrency.py URL [--model NAME] [--levels 1,4] [--suites pokkit,josi] [--cases 4] [--rounds 2]

``URL`` is the server's API base (``http://127.0.0.1:8080/v1``), as in ``--model openai:URL[#NAME]``; the API
key, if the server wants one, comes from ``$HARNESS_OPENAI_API_KEY`` or ``$OPENAI_API_KEY``. For each level N
the first ``--cases`` chat cases of each suite run on N back ends on the harness's own case pool
(``harness.pool.CasePool``), which is what the session does for ``--concurrency N``; greedy decoding, each case's
own max_tokens. Every level runs ``--rounds`` times, alternating with the others, and keeps its fastest round (a
shared machine is noisy). One untimed request first warms the server up. Printed per level: wall time, cases/s,
completion tokens/s (all completion tokens over the wall time), the mean request latency, the cases passed, and
whether every reply equals the first level's; then the ratio of the last level's cases/s to the first's.

A server that answers one request at a time (llama-cpp-python's) gains nothing: requests queue (the latency grows
with N), the ratio stays near 1x. One that batches (``llama-server --parallel 4``, vLLM) should gain.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from harness.backends.base import Backend, GenerationParams, LoadOptions
from harness.backends.openai_compat import OpenAICompatBackend
from harness.models import resolve_model
from harness.pool import CasePool
from harness.records import CaseRecord
from harness.runner import run_case
from harness.suite import load_suite
from harness.types import Case

SUITES = Path(__file__).parents[1] / "suites"
BASE = GenerationParams(max_tokens=256)


def run_level(spec: str, options: LoadOptions, n: int, cases: list[Case]) -> tuple[float, list[CaseRecord]]:
    """(wall seconds, records in case order) of ``cases`` on ``n`` back ends through the case pool."""
    backends: list[Backend] = [OpenAICompatBackend(resolve_model(spec), options) for _ in range(n)]
    pool = CasePool(backends, lambda b, c: run_case(b, c, BASE), lambda record: None)
    try:
        start = time.perf_counter()
        pool.start(cases)
        records = [pool.result(c) for c in cases]
        return time.perf_counter() - start, records
    finally:
        pool.stop(timeout=10)
        for b in backends:
            b.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("url", help="the server's API base, e.g. http://127.0.0.1:8080/v1")
    ap.add_argument("--model", default=None, help="the server's model name (default: its only one)")
    ap.add_argument("--levels", default="1,4", help="comma-separated concurrency levels (default 1,4)")
    ap.add_argument("--suites", default="pokkit,josi", help="suites to take cases from (default pokkit,josi)")
    ap.add_argument("--cases", type=int, default=4, help="first N chat cases of each suite (default 4)")
    ap.add_argument("--tool-mode", choices=("native", "prompt"), default="native")
    ap.add_argument("--rounds", type=int, default=2, help="runs of every level, alternating; the fastest kept")
    args = ap.parse_args()
    spec = f"openai:{args.url}" + (f"#{args.model}" if args.model else "")
    levels = list(dict.fromkeys(int(x) for x in args.levels.split(",")))
    options = LoadOptions(extra={"tool_mode": args.tool_mode})
    cases = [
        case
        for name in args.suites.split(",")
        for case in [c for c in load_suite(SUITES / name / "suite.yaml").cases if c.kind == "chat"][: args.cases]
    ]
    probe = OpenAICompatBackend(resolve_model(spec), options)
    d = probe.describe()
    server = d["server"]
    print(f"server: {server['software'] or server['header'] or 'unknown'} {server['version'] or ''} at {args.url}")
    print(f"model: {d['server_model']}; tool mode {args.tool_mode}; {len(cases)} cases of {args.suites}")
    probe.generate(cases[0].messages, cases[0].tools, GenerationParams(max_tokens=1))  # warm-up, untimed
    probe.close()

    results: dict[int, tuple[float, list[CaseRecord]]] = {}
    for _ in range(args.rounds):  # levels alternate; each keeps its fastest round (a shared machine is noisy)
        for n in levels:
            wall, records = run_level(spec, options, n, cases)
            if n not in results or wall < results[n][0]:
                results[n] = (wall, records)
    first = results[levels[0]][1]
    rows: list[tuple[str, list[str]]] = [
        ("wall s", [f"{w:.1f}" for w, _ in results.values()]),
        ("cases/s", [f"{len(cases) / w:.3f}" for w, _ in results.values()]),
        ("completion tokens/s", [f"{sum(r.completion_tokens or 0 for r in rs) / w:.1f}" for w, rs in results.values()]),
        ("mean latency s", [f"{sum(r.latency_s or 0 for r in rs) / len(rs):.2f}" for _, rs in results.values()]),
        ("passed", [str(sum(r.outcome == "passed" for r in rs)) for _, rs in results.values()]),
        ("errors", [str(sum(r.outcome == "error" for r in rs)) for _, rs in results.values()]),
        ("replies as level 1", ["yes" if [r.response for r in rs] == [r.response for r in first] else "no"
                                for _, rs in results.values()]),
    ]  # fmt: skip
    print()
    print(f"{'':<22}" + "".join(f"{f'concurrency {n}':>16}" for n in levels))
    for label, values in rows:
        print(f"{label:<22}" + "".join(f"{v:>16}" for v in values))
    w_first, w_last = results[levels[0]][0], results[levels[-1]][0]
    print(f"\nspeed-up, concurrency {levels[-1]} over {levels[0]}: {w_first / w_last:.2f}x")


if __name__ == "__main__":
    main()
