"""Measure llama.cpp prompt and decode speed for thread settings, idle and with the other core busy.

    python benchmarks/threads.py [--model default] [--configs 1x1,1x2,2x2] [--tokens 64]

Each config is DECODExBATCH threads. "busy" runs a spinning process beside the model, as on a shared
machine. Prints one line per (config, load): prompt tokens/s, decode tokens/s.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import time
from pathlib import Path

from harness.backends.base import GenerationParams, LoadOptions
from harness.backends.llama_cpp import LlamaCppBackend
from harness.models import resolve_model

TOOLS = Path(__file__).parents[1] / "suites" / "pokkit" / "tools.json"


def _spin(stop_at: float) -> None:
    x = 0
    while time.time() < stop_at:
        x += 1


def measure(model: str, decode: int, batch: int, tokens: int) -> tuple[float, float]:
    backend = LlamaCppBackend(resolve_model(model), LoadOptions(n_threads=decode, n_threads_batch=batch))
    tools = json.loads(TOOLS.read_text()) if TOOLS.exists() else []
    msgs = [{"role": "system", "content": "You are Pokkit, a frog."}, {"role": "user", "content": "Tell me a story."}]
    c = backend.generate(msgs, tools, GenerationParams(max_tokens=tokens))
    backend.close()
    t = c.timings
    return t["prompt_tokens_evaluated"] / t["prompt_s"], max(c.completion_tokens - 1, 1) / max(t["decode_s"], 1e-9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="default")
    ap.add_argument("--configs", default="1x1,1x2,2x2")
    ap.add_argument("--tokens", type=int, default=64)
    args = ap.parse_args()
    print(f"cpu_count={mp.cpu_count()}")
    for cfg in args.configs.split(","):
        decode, batch = (int(x) for x in cfg.split("x"))
        for load in ("idle", "busy"):
            spinner = None
            if load == "busy":
                spinner = mp.Process(target=_spin, args=(time.time() + 600,), daemon=True)
                spinner.start()
            try:
                p, d = measure(args.model, decode, batch, args.tokens)
            finally:
                if spinner is not None:
                    spinner.terminate()
                    spinner.join()
            print(
                f"threads decode={decode} batch={batch} {load:>4}: prompt {p:7.1f} tok/s  decode {d:6.1f} tok/s",
                flush=True,
            )


if __name__ == "__main__":
    main()
