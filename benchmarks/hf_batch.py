"""Measure greedy generation through transformers one prompt at a time against batches (left padding).

    python benchmarks/hf_batch.py [--model DIR] [--suites pokkit,josi] [--cases 4] [--batch 8] [--max-tokens 48]
                                   [--repeat 1] [--gguf default]

``--model`` is a Hugging Face folder; without it the bundled SmolLM2-135M GGUF is dequantised into the harness
cache (train.finetune.hf_directory) and used. The prompts are the suites' first cases, run through the hf back
end's ``generate`` (one at a time) and ``generate_many`` (batches; here every prompt, however long). For each
suite it prints generated tokens per second of both ways side by side, and how many batched replies are the same
(text and token count) as the sequential ones: batching is worth offering only when it is faster AND gives the
same greedy text (a different text is a different score). ``--gguf default`` adds llama.cpp's figure.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from harness.backends.base import GenerationParams, LoadOptions
from harness.backends.hf import HFBackend
from harness.models import resolve_model
from harness.suite import load_suite
from harness.types import Completion

ROOT = Path(__file__).parents[1]


def default_folder() -> Path:
    from train.finetune import hf_directory, load_tokenizer, resolve_base

    base = resolve_base("default")
    return hf_directory(base, load_tokenizer(base))


Request = tuple[list[dict[str, Any]], list[dict[str, Any]], GenerationParams]


def sequential(backend: HFBackend, requests: list[Request]) -> tuple[list[Completion], float]:
    start = time.perf_counter()
    outs = [backend.generate(*r) for r in requests]
    return outs, time.perf_counter() - start


def batched(backend: HFBackend, requests: list[Request], size: int) -> tuple[list[Completion], float]:
    start = time.perf_counter()
    outs = backend.generate_many(requests, batch_size=size, max_prompt_tokens=1 << 30)  # batch every prompt
    for out in outs:
        if not isinstance(out, Completion):
            raise out
    return [o for o in outs if isinstance(o, Completion)], time.perf_counter() - start


def gguf_sequential(spec: str, threads: int, cases: list[Any], max_tokens: int) -> tuple[int, float]:
    """Generated tokens and seconds of the same cases through llama.cpp, one after another."""
    from harness.backends.llama_cpp import LlamaCppBackend

    backend = LlamaCppBackend(resolve_model(spec), LoadOptions(n_threads=threads))
    try:
        start = time.perf_counter()
        n = sum(backend.generate(c.messages, c.tools, GenerationParams(max_tokens=max_tokens)).completion_tokens
                for c in cases)  # fmt: skip
        return n, time.perf_counter() - start
    finally:
        backend.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, default=None, help="a Hugging Face folder (default: the bundled 135M)")
    ap.add_argument("--suites", default="pokkit,josi")
    ap.add_argument("--cases", type=int, default=4, help="first N cases of each suite")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--max-tokens", type=int, default=48)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="time both ways this many times, alternating; best kept")
    ap.add_argument("--gguf", default=None, help="also time this GGUF (e.g. default) through llama.cpp, sequentially")
    args = ap.parse_args()
    folder = args.model or default_folder()
    backend = HFBackend(resolve_model(f"hf:{folder}"), LoadOptions(n_threads=args.threads))
    print(f"model {folder} (load {backend.load_s:.1f}s), threads {args.threads}, batch {args.batch}, "
          f"max_tokens {args.max_tokens}")  # fmt: skip
    for name in args.suites.split(","):
        suite = load_suite(ROOT / "suites" / name / "suite.yaml")
        cases = [c for c in suite.cases if c.kind != "compression"][: args.cases]
        params = GenerationParams(max_tokens=args.max_tokens)
        requests: list[Request] = [(c.messages, c.tools, params) for c in cases]
        seq_s = bat_s = float("inf")
        for _ in range(args.repeat):  # alternate the two; keep each one's fastest (a shared machine is noisy)
            seq, took = sequential(backend, requests)
            seq_s = min(seq_s, took)
            bat, took = batched(backend, requests, args.batch)
            bat_s = min(bat_s, took)
        same = sum(
            (a.text, a.completion_tokens) == (b.text, b.completion_tokens) for a, b in zip(seq, bat, strict=True)
        )
        n_seq, n_bat = sum(c.completion_tokens for c in seq), sum(c.completion_tokens for c in bat)
        mean_prompt = sum(c.prompt_tokens for c in seq) / len(seq)
        if args.gguf:
            gguf_tokens, gguf_s = gguf_sequential(args.gguf, args.threads, cases, args.max_tokens)
            print(f"{name:>8}: llama.cpp {args.gguf}: {gguf_tokens} tokens in {gguf_s:6.1f}s = "
                  f"{gguf_tokens / gguf_s:5.1f} tok/s (sequential, its prompt cache on)")  # fmt: skip
        print(
            f"{name:>8}: {len(seq)} prompts of {mean_prompt:.0f} tokens | sequential {n_seq} tokens in "
            f"{seq_s:6.1f}s = {n_seq / seq_s:5.1f} tok/s | batched {n_bat} tokens in {bat_s:6.1f}s = "
            f"{n_bat / bat_s:5.1f} tok/s ({seq_s / bat_s:4.2f}x) | identical greedy outputs {same}/{len(seq)}",
            flush=True,
        )
    backend.close()


if __name__ == "__main__":
    main()
