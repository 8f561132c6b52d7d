"""The loop: evaluate -> find failing categories -> generate data aimed at them -> clean -> contamination
check -> fine-tune -> export a quantized GGUF -> evaluate that file -> repeat until every gate passes or the
rounds or time run out.

Each round trains a fresh LoRA on the base with all data generated so far (rounds stay comparable and the
best one can simply be kept). Evaluation runs the suite through pytest in a subprocess, exactly as a user
would, on the final quantized file. Everything a round produces lives in ``OUT/round-N/``; ``ledger.jsonl``
gets one line per finished round (data counts, losses, gate results, file hashes, regressions), so a crash
loses at most the round in progress and ``--resume`` carries on from the ledger.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ConfigError, TrainingError
from harness.fingerprint import scoring_code_sha256
from harness.gates import suite_stats
from harness.models import sha256_file
from harness.records import read_manifest, read_records
from harness.results import (
    MANIFEST_FILE,
    RESULTS_FILE,
    append_jsonl,
    loads_line,
    split_jsonl,
    utc_now,
    write_json_atomic,
    write_jsonl_atomic,
)
from harness.suite import load_suite, suite_path
from harness.verdict import check_complete
from train.clean import clean, read_jsonl, write_jsonl
from train.config import TrainConfig
from train.contamination import ContaminationIndex, collect_eval_texts

ROOT = Path(__file__).resolve().parents[1]
LEDGER = "ledger.jsonl"


@dataclass
class LoopOptions:
    base: str = "default"
    suite: str = "pokkit"
    rounds: int = 5
    out: Path = field(default_factory=lambda: ROOT / "runs" / f"loop-{time.strftime('%Y%m%d-%H%M%S')}")
    examples: int = 400  # new examples per round
    time_budget_s: float | None = None
    eval_args: list[str] = field(default_factory=list)  # extra pytest arguments, e.g. ["--limit", "2"]
    seed: int = 0
    boost: float = 3.0  # weight multiplier per unit of failure rate in a generator's target categories
    max_share: float = 0.25
    resume: bool = False
    train: TrainConfig = field(default_factory=TrainConfig)

    def suite_dir(self) -> Path:
        path = Path(self.suite)
        if (path / "suite.yaml").is_file():
            return path
        try:
            return suite_path(self.suite).parent
        except ConfigError as exc:
            raise ConfigError(f"--suite {self.suite}: {exc}") from None


@dataclass
class EvalResult:
    results_dir: str
    exit_code: int
    passed: int
    total: int
    by_category: dict[str, list[int]]
    gates_failed: list[str]
    gates_passed: int
    seconds: float
    scoring_code_sha256: str | None = None  # which scorer code judged it (None: an older harness)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.total if self.total else 0.0

    @property
    def all_gates_pass(self) -> bool:
        return self.exit_code == 0

    def category_rate(self, category: str) -> float | None:
        p, n = self.by_category.get(category, (0, 0))
        return p / n if n else None


def evaluate(model: Path | str, suite_dir: Path, results_dir: Path, extra: Sequence[str] = ()) -> EvalResult:
    """Run the suite on ``model`` through pytest (a subprocess, as a user would) and read back its results."""
    cmd = [sys.executable, "-m", "pytest", str(suite_dir), "--model", str(model), "--results", str(results_dir),
           "--results-overwrite", "-q", "-p", "no:cacheprovider", *extra]  # fmt: skip
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    results_dir.parent.mkdir(parents=True, exist_ok=True)  # pytest may have died before creating it
    (results_dir.parent / f"{results_dir.name}.log").write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode not in (0, 1) or not (results_dir / MANIFEST_FILE).is_file():
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-6:])
        raise TrainingError(f"evaluation of {model} could not be trusted (pytest exit {proc.returncode}):\n{tail}")
    manifest = read_manifest(results_dir / MANIFEST_FILE)
    records = read_records(results_dir / RESULTS_FILE)
    check_complete(results_dir, manifest, records)  # a run stopped early (-x) is no pass rate
    stats = suite_stats(records)
    passed = sum(s.passed for s in stats.values())
    total = sum(s.total for s in stats.values())
    by_category = {c: list(v) for s in stats.values() for c, v in s.by_category.items()}
    gates = manifest.gate_results or []
    return EvalResult(
        results_dir=str(results_dir),
        exit_code=proc.returncode if manifest.exit_code is None else manifest.exit_code,
        passed=passed,
        total=total,
        by_category=by_category,
        gates_failed=[g.sentence for g in gates if g.status == "failed"],
        gates_passed=sum(1 for g in gates if g.status == "passed"),
        seconds=round(seconds, 1),
        scoring_code_sha256=manifest.scoring_code_sha256,
    )


def failure_rates(result: EvalResult) -> dict[str, float]:
    return {c: 1 - p / n for c, (p, n) in result.by_category.items() if n}


def shifted_weights(
    base_weights: dict[str, float], targets: Mapping[str, Sequence[str]], failures: dict[str, float], boost: float
) -> dict[str, float]:
    """Weights moved toward generators whose target categories fail: ``w * (1 + boost * worst failure rate)``.

    Generators with no evaluated target keep their weight, so skills that pass are still rehearsed.
    """
    out = {}
    for name, w in base_weights.items():
        rates = [failures[c] for c in targets.get(name, ()) if c in failures]
        out[name] = w * (1 + boost * max(rates)) if rates else w
    return out


DataSource = Callable[[int, int, dict[str, float]], list[dict[str, Any]]]


def data_source(suite: str, boost: float) -> tuple[DataSource, Callable[[], dict[str, Any]]]:
    """``(make(n, seed, failures) -> examples, describe())`` for the suite being trained."""
    if suite not in ("pokkit", "josi"):
        raise ConfigError(f"--suite {suite}: the loop has training data for pokkit (generators) and josi (gold files)")
    if suite == "josi":
        from train.josi import DEFAULT_GOLD, prepare_josi

        gold, _ = prepare_josi([DEFAULT_GOLD])

        def make_josi(n: int, seed: int, failures: dict[str, float]) -> list[dict[str, Any]]:
            import random

            rng = random.Random(seed)
            weights = [1 + boost * max((failures.get(t, 0.0) for t in ex["targets"]), default=0.0) for ex in gold]
            return [dict(ex) for ex in rng.choices(gold, weights=weights, k=n)]

        return make_josi, lambda: {"source": "josi_gold", "examples": len(gold)}
    from train.generators import generate, generators

    gens = generators()
    base_w = {g.name: g.weight for g in gens.values()}
    targets = {g.name: g.targets for g in gens.values()}
    last: dict[str, Any] = {}

    def make(n: int, seed: int, failures: dict[str, float]) -> list[dict[str, Any]]:
        weights = shifted_weights(base_w, targets, failures, boost)
        last["weights"] = {k: round(v, 3) for k, v in weights.items()}
        return generate(n, seed=seed, weights=weights)

    return make, lambda: {"source": "pokkit generators", **last}


def regressions(previous: EvalResult, current: EvalResult) -> list[str]:
    """Categories that passed every case before and now lose some, or any category that dropped by half."""
    out = []
    for cat, (p, n) in previous.by_category.items():
        now = current.category_rate(cat)
        before = p / n if n else None
        if now is None or before is None:
            continue
        if (before == 1 and now < 1) or (before > 0 and now <= before / 2):
            out.append(f"{cat}: {before:.0%} -> {now:.0%}")
    return out


def _score(result: EvalResult) -> tuple[int, float]:
    return (int(result.all_gates_pass), result.pass_rate)


def _eval_from(entry: dict[str, Any]) -> EvalResult:
    return EvalResult(**entry["eval"])


def run_loop(opt: LoopOptions, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the loop; returns the summary also written to ``OUT/loop.json``."""
    from train.export import export
    from train.finetune import finetune, resolve_base

    suite_dir = opt.suite_dir()
    ledger_file = opt.out / LEDGER
    if ledger_file.exists() and not opt.resume:
        raise ConfigError(f"{opt.out} already holds a loop; pass --resume to continue it or choose another --out")
    if opt.rounds < 1 or opt.examples < 1:
        raise ConfigError("--rounds and --examples must be at least 1")
    opt.out.mkdir(parents=True, exist_ok=True)
    make, describe = data_source(suite_dir.name, opt.boost)
    base = resolve_base(opt.base)
    if base.kind != "gguf":
        raise ConfigError(f"--base {opt.base}: the loop evaluates its base with the harness, which runs GGUF files")
    system = load_suite(suite_dir / "suite.yaml").default_system_prompt  # for the Modelfile: ollama starts in persona
    index = ContaminationIndex(collect_eval_texts())
    started = time.perf_counter()
    ledger = _read_ledger(ledger_file)
    stale = [str(e["round"]) for e in ledger if _eval_from(e).scoring_code_sha256 != scoring_code_sha256()]
    if stale:
        log(
            f"caution: round(s) {', '.join(stale)} were scored by other scorer code than this harness has; "
            "the best round and the regressions compare them with new rounds as they were scored"
        )
    settings = {"options": _options_dict(opt), "base_sha256": base.sha256, "started": utc_now()}
    write_json_atomic(opt.out / "loop.json", {**settings, "status": "running"})

    if not ledger:
        log(f"round 0: evaluating the base model {base.path} on {suite_dir.name} ...")
        baseline = evaluate(base.path, suite_dir, opt.out / "round-0" / "eval", opt.eval_args)
        entry: dict[str, Any] = {
            "round": 0,
            "model": str(base.path),
            "gguf_sha256": base.sha256,
            "eval": baseline.__dict__,
        }
        append_jsonl(ledger_file, entry)
        ledger.append(entry)
        log(_round_line(0, baseline))
    best = max(ledger, key=lambda e: _score(_eval_from(e)))
    previous = _eval_from(ledger[-1])
    round_times: list[float] = []
    for rnd in range(len(ledger), opt.rounds + 1):
        if previous.all_gates_pass:
            log(f"every gate passes after round {rnd - 1}; stopping")
            break
        if opt.time_budget_s is not None:
            elapsed = time.perf_counter() - started
            expected = max(round_times, default=0.0)
            if elapsed + expected > opt.time_budget_s:
                log(f"time budget: {elapsed:.0f}s used, a round takes ~{expected:.0f}s; stopping before round {rnd}")
                break
        t0 = time.perf_counter()
        rdir = opt.out / f"round-{rnd}"
        failures = failure_rates(previous)
        worst = sorted((c for c in failures if failures[c] > 0), key=lambda c: -failures[c])
        log(f"round {rnd}: failing categories {', '.join(worst) or 'none'}; generating {opt.examples} examples")
        new = make(opt.examples, opt.seed + rnd, failures)
        write_jsonl(rdir / "new_data.jsonl", new)
        data = [*_previous_data(opt.out, rnd), *new]
        kept, report = clean(data, max_share=opt.max_share, seed=opt.seed + rnd)
        for line in report.lines()[:1]:
            log(f"  data: {line}")
        contamination = index.check(kept)
        contamination.raise_if_contaminated(f"round {rnd} training data")
        data_file = rdir / "train_data.jsonl"
        write_jsonl(data_file, kept)
        # a round cut short by a crash carries on from its last checkpoint if its data is the same (finetune checks)
        result, model, tokenizer = finetune(
            kept, base, rdir / "train", opt.train, resume=opt.resume,
            inputs={"data": str(data_file), "data_sha256": sha256_file(data_file)},
        )  # fmt: skip
        losses = f"loss {result.loss_before} -> {result.loss_after}"
        log(f"  train: {result.steps} steps in {result.runtime_s:.0f}s, {result.tokens_per_s} tok/s, {losses}")
        exported = export(
            model, tokenizer, base, rdir / "export", opt.train, name=f"{suite_dir.name}-round{rnd}", system=system,
            adapter_dir=result.adapter_dir,
        )  # fmt: skip
        del model
        current = evaluate(exported.gguf, suite_dir, rdir / "eval", opt.eval_args)
        regressed = regressions(_eval_from(best), current)
        entry = {
            "round": rnd,
            "finished": utc_now(),
            "seconds": round(time.perf_counter() - t0, 1),
            "data": {"new": len(new), "cumulative": len(data), "clean": report.to_dict(),
                     "per_category": dict(Counter(str(e.get("category")) for e in kept)),
                     "contamination_checked": contamination.checked, "generator": describe()},
            "train": result.to_dict(),
            "export": exported.to_dict(),
            "gguf_sha256": exported.sha256,
            "eval": current.__dict__,
            "regressions": regressed,
        }  # fmt: skip
        append_jsonl(ledger_file, entry)
        ledger.append(entry)
        round_times.append(float(entry["seconds"]))
        log(_round_line(rnd, current) + (f"; regressions: {'; '.join(regressed)}" if regressed else ""))
        if _score(current) > _score(_eval_from(best)):
            best = entry
            _keep_best(opt.out, entry)
        previous = current
    best_eval = _eval_from(best)
    summary = {
        **settings,
        "status": "gates_passed" if best_eval.all_gates_pass else "budget_exhausted",
        "finished": utc_now(),
        "rounds_run": len(ledger) - 1,
        "best_round": best["round"],
        "best_model": str(opt.out / "best" / Path(best["export"]["gguf"]).name) if best["round"] else str(base.path),
        "pass_rates": {e["round"]: round(_eval_from(e).pass_rate, 4) for e in ledger},
        "best_gates_failed": best_eval.gates_failed,
    }
    write_json_atomic(opt.out / "loop.json", summary)
    return summary


def _round_line(rnd: int, r: EvalResult) -> str:
    gates = "all gates pass" if r.all_gates_pass else f"{len(r.gates_failed)} gate(s) fail"
    return f"round {rnd}: {r.passed}/{r.total} passed ({r.pass_rate:.0%}), {gates}, eval {r.seconds:.0f}s"


def _keep_best(out: Path, entry: dict[str, Any]) -> None:
    best_dir = out / "best"
    tmp = out / "best.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    export_dir = Path(entry["export"]["gguf"]).parent
    for name in (Path(entry["export"]["gguf"]).name, "Modelfile", "train_config.json", "export.json"):
        if (export_dir / name).exists():
            shutil.copy2(export_dir / name, tmp / name)
    (tmp / "round.json").write_text(json.dumps(entry, indent=2) + "\n", encoding="utf-8")
    shutil.rmtree(best_dir, ignore_errors=True)
    os.replace(tmp, best_dir)


def _previous_data(out: Path, rnd: int) -> list[dict[str, Any]]:
    data: list[dict[str, Any]] = []
    for r in range(1, rnd):
        path = out / f"round-{r}" / "new_data.jsonl"
        if path.is_file():
            data.extend(read_jsonl(path))
    return data


def _read_ledger(path: Path) -> list[dict[str, Any]]:
    """Finished rounds. A line cut by a crash (and anything after it) is moved aside to ``ledger.jsonl.cut``
    and the ledger rewritten, so the round it described runs again and new lines append cleanly."""
    if not path.is_file():
        return []
    entries: list[dict[str, Any]] = []
    lines = [line for line in split_jsonl(path.read_text(encoding="utf-8")) if line.strip()]
    for n, line in enumerate(lines):
        try:
            entries.append(loads_line(line))
        except json.JSONDecodeError:
            path.with_name(path.name + ".cut").write_text("\n".join(lines[n:]) + "\n", encoding="utf-8")
            write_jsonl_atomic(path, entries)
            break
    return entries


def _options_dict(opt: LoopOptions) -> dict[str, Any]:
    return {
        "base": opt.base, "suite": opt.suite, "rounds": opt.rounds, "out": str(opt.out), "examples": opt.examples,
        "time_budget_s": opt.time_budget_s, "eval_args": opt.eval_args, "seed": opt.seed, "boost": opt.boost,
        "max_share": opt.max_share, "train": opt.train.to_dict(),
    }  # fmt: skip
