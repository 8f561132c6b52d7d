"""One suite through every form of a model, side by side: pass rate, wall time, tokens/s, agreement.

    python benchmarks/forms.py LABEL=MODEL [LABEL=MODEL ...] [--suite pokkit] [--limit N] [--inspect-gguf]
                               [--extra LABEL='--concurrency 4'] [--threads 2] [--out DIR]

Each ``LABEL=MODEL`` is one ``--model`` (``gguf=default``, ``hf=hf:DIR``, ``server=openai:http://127.0.0.1:8080/v1``,
``ollama=ollama:NAME``); ``--extra LABEL=ARGS`` adds pytest options to that one (``--concurrency 4``). Each runs
as the user runs it, ``pytest suites/SUITE --model MODEL``, one after another (never two at once: they would share
the cores), into ``--out``/LABEL; ``--inspect-gguf`` adds ``inspect eval evals/SUITE.py --model gguf/default``.
Printed per form, from its manifest (the inspect log for inspect): cases passed, pass rate, wall time of the
whole command (model load included), the run's own time, completion tokens and completion tokens per second of
run time (throughput: with cases in flight together, per-case decode times overlap), and how many cases got the
first form's verdict and its exact reply. Servers are started by you beforehand (README, "Model forms").
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parents[1]


def pytest_form(suite: str, model: str, out: Path, args: list[str]) -> tuple[float, dict[str, Any], list[dict]]:
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"suites/{suite}", "--model", model,
           "--results", str(out), "--results-overwrite", "--no-report", *args]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 1) or not (out / "manifest.json").is_file():
        tail = (proc.stdout + proc.stderr).strip().splitlines()[-5:]
        raise SystemExit(f"{model}: pytest exited {proc.returncode}: " + " | ".join(tail))
    manifest = json.loads((out / "manifest.json").read_text())
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line.strip()]
    return wall, manifest, records


def inspect_form(suite: str, out: Path, args: list[str]) -> tuple[float, list[dict]]:
    from inspect_ai.log import read_eval_log

    cmd = [sys.executable, "-m", "inspect_ai", "eval", f"evals/{suite}.py", "--model", "gguf/default",
           "--log-dir", str(out), "--display", "none", *args]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    logs = sorted(out.glob("*.eval")) + sorted(out.glob("*.json"))
    if proc.returncode != 0 or not logs:
        raise SystemExit(f"inspect eval exited {proc.returncode}: {(proc.stdout + proc.stderr)[-600:]}")
    log = read_eval_log(str(logs[-1]))
    records = []
    for sample in log.samples or []:
        fields = next(iter((sample.scores or {}).values())).metadata or {}
        records.append({"case_id": str(sample.id), "outcome": fields.get("outcome"), "response": fields.get("response"),
                        "completion_tokens": fields.get("completion_tokens")})  # fmt: skip
    return wall, records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("forms", nargs="+", metavar="LABEL=MODEL")
    ap.add_argument("--suite", default="pokkit")
    ap.add_argument("--limit", type=int, default=None, help="pytest --limit (at most N cases per category)")
    ap.add_argument("--threads", type=int, default=2, help="--threads for in-process models")
    ap.add_argument("--extra", action="append", default=[], metavar="LABEL=ARGS", help="more pytest options")
    ap.add_argument("--inspect-gguf", action="store_true", help="also inspect eval evals/SUITE.py --model gguf/default")
    ap.add_argument("--out", type=Path, default=None, help="keep the runs here (default: a temporary folder)")
    args = ap.parse_args()
    extra = {k: shlex.split(v) for k, _, v in (e.partition("=") for e in args.extra)}
    out = args.out or Path(tempfile.mkdtemp(prefix="forms-"))
    common = ["--threads", str(args.threads)] + (["--limit", str(args.limit)] if args.limit else [])
    rows: list[tuple[str, float, dict[str, Any] | None, list[dict]]] = []
    for form in args.forms:
        label, _, model = form.partition("=")
        print(f"[{label}] pytest suites/{args.suite} --model {model} {' '.join(extra.get(label, []))}", flush=True)
        wall, manifest, records = pytest_form(args.suite, model, out / label, common + extra.get(label, []))
        rows.append((label, wall, manifest, records))
    if args.inspect_gguf:
        print(f"[inspect] inspect eval evals/{args.suite}.py --model gguf/default", flush=True)
        limit = ["-T", f"per_category={args.limit}"] if args.limit else []
        wall, records = inspect_form(args.suite, out / "inspect", limit)
        rows.append(("inspect gguf/", wall, None, records))
    first = {r["case_id"]: r for r in rows[0][3]}
    print(f"\n{args.suite}: {out}")
    head = ("form", "passed", "rate", "wall s", "run s", "tokens", "tok/s", "same verdict", "same reply")
    print("| " + " | ".join(head) + " |\n|" + " --- |" * len(head))
    for label, wall, manifest, records in rows:
        n = len(records)
        passed = sum(r["outcome"] == "passed" for r in records)
        timing = (manifest or {}).get("timing") or {}
        if manifest is None:  # inspect: no manifest; its tokens over the command's wall time (load included)
            tokens = sum(r.get("completion_tokens") or 0 for r in records)
            timing = {"completion_tokens": tokens, "completion_tokens_per_wall_s": round(tokens / wall, 2)}
        same_v = sum(first.get(r["case_id"], {}).get("outcome") == r["outcome"] for r in records)
        same_r = sum(first.get(r["case_id"], {}).get("response") == r["response"] for r in records)
        cells = (label, f"{passed}/{n}", f"{passed / n:.3f}" if n else "-", f"{wall:.0f}",
                 f"{timing['total_s']:.0f}" if "total_s" in timing else "-", str(timing.get("completion_tokens", "-")),
                 str(timing.get("completion_tokens_per_wall_s", "-")), f"{same_v}/{n}", f"{same_r}/{n}")  # fmt: skip
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
