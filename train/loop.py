"""The loop: evaluate -> find failing categories -> generate data aimed at them -> clean -> contamination
check -> fine-tune -> export a quantized GGUF -> evaluate that file -> repeat until every gate passes or the
rounds or time run out.

Each round trains a fresh LoRA on the base with all data generated so far (rounds stay comparable and the
best one can simply be kept). Evaluation runs the suite through pytest in a subprocess, exactly as a user
would, on the final quantized file. Everything a round produces lives in ``OUT/round-N/``; ``ledger.jsonl``
gets one line per finished round (data counts, losses, gate results, file hashes, regressions), so a crash
loses at most the round in progress and ``--resume`` carries on from the ledger.

Held-out score (``--heldout SET``): after round 0 and after every round the loop also runs a fixed sample of
another case set of the same suite (``--heldout-limit N`` cases per category, ``--heldout-seed``), into
``round-N/heldout``. The sample is the same every round (the same pytest selection; its case keys are hashed
into ``cases_sha256`` and checked), it never holds a case of the steering set (the set is another one, and a
held-out case whose prompt text is a steering case's is deselected), and it steers nothing: failure rates, the
best round, the gates and the stop rule read the steering run only. The ledger keeps it under ``heldout``,
in the same shape as ``eval``; ``report.md`` labels it as the figure to quote and ends with the paired exact
McNemar comparison base vs best round on it.

Stale verdicts (``--resume``): a round scored by other scorer code than this harness has
(``scoring_code_sha256``) is re-judged from its stored replies with today's scorers
(:func:`harness.rescore.rescore_run`, into ``round-N/eval-rescored`` and ``round-N/heldout-rescored``) before
the best round is chosen. The ledger is rewritten atomically with the new ``eval``/``heldout``; the entry's
``rescored`` object keeps, per key, the fingerprints before and after, the counts of changed and kept cases,
the run it was rescored from and the original result (``original``). A round's ``regressions`` stay as they
were computed then.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import EXIT_UNTRUSTED, ConfigError, HarnessError, TrainingError
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
from harness.suite import Suite, load_suite, suite_path
from harness.types import DEFAULT_SET
from harness.verdict import check_complete
from train.clean import clean, read_jsonl, write_jsonl
from train.config import TrainConfig
from train.contamination import ContaminationIndex, collect_eval_texts
from train.loop_report import HELDOUT_LABEL, Paired, Progress, heldout_description, pair_runs, report_text, write_report

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
    heldout: str | None = None  # a case set of the suite scored after every round, never steered by (e.g. large)
    heldout_limit: int | None = None  # at most N held-out cases per category (None: the whole set)
    heldout_seed: int = 0  # the --sample-seed of the held-out sample: the same cases every round
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
    gates: dict[str, str] | None = None  # "suite gate" -> passed | failed | not_evaluated (None: an older ledger)
    cases_sha256: str | None = None  # sha256 of the sorted suite/case_id keys it ran: the same sample, the same hash

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
    return read_eval(results_dir, seconds, exit_code=proc.returncode)


def read_eval(results_dir: Path, seconds: float, exit_code: int = EXIT_UNTRUSTED) -> EvalResult:
    """The EvalResult of the finished run in ``results_dir`` (a run pytest wrote, or one ``rescore`` wrote);
    ``exit_code`` stands in when the manifest has none."""
    manifest = read_manifest(results_dir / MANIFEST_FILE)
    records = read_records(results_dir / RESULTS_FILE)
    check_complete(results_dir, manifest, records)  # a run stopped early (-x) is no pass rate
    stats = suite_stats(records)
    passed = sum(s.passed for s in stats.values())
    total = sum(s.total for s in stats.values())
    by_category = {c: list(v) for s in stats.values() for c, v in s.by_category.items()}
    gates = manifest.gate_results or []
    keys = sorted(f"{r.suite}/{r.case_id}" for r in records)
    return EvalResult(
        results_dir=str(results_dir),
        exit_code=exit_code if manifest.exit_code is None else manifest.exit_code,
        passed=passed,
        total=total,
        by_category=by_category,
        gates_failed=[g.sentence for g in gates if g.status == "failed"],
        gates_passed=sum(1 for g in gates if g.status == "passed"),
        seconds=round(seconds, 1),
        scoring_code_sha256=manifest.scoring_code_sha256,
        gates={f"{g.suite} {g.gate}": g.status for g in gates},
        cases_sha256=hashlib.sha256("\n".join(keys).encode()).hexdigest(),
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
    """``(make(n, seed, failures) -> examples, describe())`` for the suite being trained: ``n`` examples from the
    suite's generators, weights shifted toward the failing categories; for Josi also every gold conversation
    (the same ones each round: the cleaner drops the repeats when the rounds' data are pooled)."""
    if suite not in ("pokkit", "josi"):
        raise ConfigError(f"--suite {suite}: the loop has training data for pokkit and josi (generators)")
    from train.generators import generate, generators

    gens = generators(suite)
    base_w = {g.name: g.weight for g in gens.values()}
    targets = {g.name: g.targets for g in gens.values()}
    gold: list[dict[str, Any]] = []
    if suite == "josi":
        from train.josi import DEFAULT_GOLD, prepare_josi

        gold, _ = prepare_josi([DEFAULT_GOLD])
    last: dict[str, Any] = {}

    def make(n: int, seed: int, failures: dict[str, float]) -> list[dict[str, Any]]:
        weights = shifted_weights(base_w, targets, failures, boost)
        last["weights"] = {k: round(v, 3) for k, v in weights.items()}
        return [*(dict(ex) for ex in gold), *generate(n, seed=seed, weights=weights, suite=suite)]

    def describe() -> dict[str, Any]:
        return {"source": f"{suite} generators" + (" + gold" if gold else ""), "gold": len(gold), **last}

    return make, describe


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


def _eval_from(entry: Mapping[str, Any]) -> EvalResult:
    return EvalResult(**entry["eval"])


def run_loop(opt: LoopOptions, log: Callable[[str], None] = print) -> dict[str, Any]:
    """Run the loop; returns the summary also written to ``OUT/loop.json``.

    Ctrl-C (or any error) mid-round leaves the ledger with the finished rounds only and ``loop.json`` with
    status ``interrupted`` (``failed`` for an error), then raises; ``--resume`` carries on from the ledger.
    """
    from train.export import export
    from train.finetune import finetune, resolve_base

    suite_dir = opt.suite_dir()
    ledger_file = opt.out / LEDGER
    if ledger_file.exists() and not opt.resume:
        raise ConfigError(f"{opt.out} already holds a loop; pass --resume to continue it or choose another --out")
    if opt.rounds < 1 or opt.examples < 1:
        raise ConfigError("--rounds and --examples must be at least 1")
    suite = load_suite(suite_dir / "suite.yaml")
    heldout = heldout_selection(opt, suite) if opt.heldout else None
    opt.out.mkdir(parents=True, exist_ok=True)
    make, describe = data_source(suite_dir.name, opt.boost)
    base = resolve_base(opt.base)
    if base.kind != "gguf":
        raise ConfigError(f"--base {opt.base}: the loop evaluates its base with the harness, which runs GGUF files")
    system = suite.default_system_prompt  # for the Modelfile: ollama starts in persona
    index = ContaminationIndex(collect_eval_texts())
    started = time.perf_counter()
    ledger = _read_ledger(ledger_file)
    settings = {"options": _options_dict(opt), "base_sha256": base.sha256, "started": utc_now()}
    if heldout is not None:
        settings["heldout"] = heldout
    write_json_atomic(opt.out / "loop.json", {**settings, "status": "running"})
    steering = suite_dir.name
    if heldout is not None:
        log(f"{HELDOUT_LABEL}: {heldout_description(heldout)}; it never steers (best round, data, gates: {steering})")

    def score_heldout(model: Path | str, rdir: Path) -> EvalResult | None:
        if heldout is None:
            return None
        result = evaluate(model, suite_dir, rdir / "heldout", heldout["args"])
        _same_sample(ledger, result)
        return result

    try:
        if rescore_stale(opt.out, ledger, log):
            write_jsonl_atomic(ledger_file, ledger)
        if not ledger:
            log(f"round 0: evaluating the base model {base.path} on {steering} ...")
            progress = Progress(0, None, log)
            with progress.step("evaluate"):
                baseline = evaluate(base.path, suite_dir, opt.out / "round-0" / "eval", opt.eval_args)
            with progress.step("held-out") if heldout else nullcontext():
                base_heldout = score_heldout(base.path, opt.out / "round-0")
            entry: dict[str, Any] = {
                "round": 0,
                "model": str(base.path),
                "gguf_sha256": base.sha256,
                "eval": baseline.__dict__,
                "steps": progress.times,
            }
            if base_heldout is not None:
                entry["heldout"] = base_heldout.__dict__
            append_jsonl(ledger_file, entry)
            ledger.append(entry)
            log(_round_line(0, baseline, base_heldout))
            write_report(opt.out, report_text(ledger, 0, steering, heldout))
        elif heldout is not None and (missing := [str(e["round"]) for e in ledger if "heldout" not in e]):
            log(f"note: round(s) {', '.join(missing)} have no held-out score (run before --heldout was given)")
        best = max(ledger, key=lambda e: _score(_eval_from(e)))
        _sync_best(opt.out, best)
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
                    log(
                        f"time budget: {elapsed:.0f}s used, a round takes ~{expected:.0f}s; stopping before round {rnd}"
                    )
                    break
            t0 = time.perf_counter()
            rdir = opt.out / f"round-{rnd}"
            progress = Progress(rnd, ledger[-1].get("steps") if rnd > 1 else None, log)
            failures = failure_rates(previous)  # the steering run only: the held-out result never steers
            worst = sorted((c for c in failures if failures[c] > 0), key=lambda c: -failures[c])
            log(f"round {rnd}: failing categories {', '.join(worst) or 'none'}; generating {opt.examples} examples")
            with progress.step("generate data"):
                new = make(opt.examples, opt.seed + rnd, failures)
                write_jsonl(rdir / "new_data.jsonl", new)
            data = [*_previous_data(opt.out, rnd), *new]
            with progress.step("clean"):
                kept, report = clean(data, max_share=opt.max_share, seed=opt.seed + rnd)
            for line in report.lines()[:1]:
                log(f"  data: {line}")
            with progress.step("contamination"):
                contamination = index.check(kept)
                contamination.raise_if_contaminated(f"round {rnd} training data")
            data_file = rdir / "train_data.jsonl"
            write_jsonl(data_file, kept)
            # a round cut short by a crash carries on from its last checkpoint if its data is the same (finetune checks)
            with progress.step("train"):
                result, model, tokenizer = finetune(
                    kept, base, rdir / "train", opt.train, resume=opt.resume,
                    inputs={"data": str(data_file), "data_sha256": sha256_file(data_file)},
                )  # fmt: skip
            losses = f"loss {result.loss_before} -> {result.loss_after}"
            log(f"  train: {result.steps} steps in {result.runtime_s:.0f}s, {result.tokens_per_s} tok/s, {losses}")
            with progress.step("export"):
                exported = export(
                    model, tokenizer, base, rdir / "export", opt.train, name=f"{steering}-round{rnd}",
                    system=system, adapter_dir=result.adapter_dir,
                )  # fmt: skip
            del model
            with progress.step("evaluate"):
                current = evaluate(exported.gguf, suite_dir, rdir / "eval", opt.eval_args)
            with progress.step("held-out") if heldout else nullcontext():
                current_heldout = score_heldout(exported.gguf, rdir)
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
                "steps": progress.times,
            }  # fmt: skip
            if current_heldout is not None:
                entry["heldout"] = current_heldout.__dict__
            append_jsonl(ledger_file, entry)
            ledger.append(entry)
            round_times.append(float(entry["seconds"]))
            log(
                _round_line(rnd, current, current_heldout)
                + (f"; regressions: {'; '.join(regressed)}" if regressed else "")
            )
            if _score(current) > _score(_eval_from(best)):  # chosen by the steering suite only
                best = entry
                _keep_best(opt.out, entry)
            previous = current
            write_report(opt.out, report_text(ledger, best["round"], steering, heldout))
    except (KeyboardInterrupt, HarnessError) as exc:
        interrupted = isinstance(exc, KeyboardInterrupt) or isinstance(exc.__context__, KeyboardInterrupt)
        finished = [e["round"] for e in ledger]
        status = {"status": "interrupted" if interrupted else "failed", "error": str(exc) or type(exc).__name__,
                  "finished": utc_now(), "rounds_in_ledger": finished,
                  "resume": f"python -m harness loop --resume --out {opt.out} (with the same options)"}  # fmt: skip
        write_json_atomic(opt.out / "loop.json", {**settings, **status})
        if interrupted:
            log(f"interrupted: the ledger holds round(s) {', '.join(map(str, finished)) or 'none'}; "
                f"continue with --resume --out {opt.out}")  # fmt: skip
        raise
    best_eval = _eval_from(best)
    paired = _paired(ledger[0], best)
    summary = {
        **settings,
        "status": "gates_passed" if best_eval.all_gates_pass else "budget_exhausted",
        "finished": utc_now(),
        "rounds_run": len(ledger) - 1,
        "best_round": best["round"],
        "best_chosen_by": f"the steering suite {steering}: every gate passing first, then its pass rate "
        "(the held-out score never chooses)",
        "best_model": str(opt.out / "best" / Path(best["export"]["gguf"]).name) if best["round"] else str(base.path),
        "pass_rates": {e["round"]: round(_eval_from(e).pass_rate, 4) for e in ledger},
        "heldout_pass_rates": {
            e["round"]: round(EvalResult(**e["heldout"]).pass_rate, 4) for e in ledger if "heldout" in e
        },
        "heldout_comparison": paired.to_dict() if paired else None,
        "rescored_rounds": [e["round"] for e in ledger if e.get("rescored")],
        "best_gates_failed": best_eval.gates_failed,
    }
    summary["report"] = str(
        write_report(opt.out, report_text(ledger, best["round"], steering, heldout, paired, summary["status"]))
    )
    write_json_atomic(opt.out / "loop.json", summary)
    return summary


def heldout_selection(opt: LoopOptions, suite: Suite) -> dict[str, Any]:
    """The fixed held-out sample: the pytest arguments that select it, every round the same.

    The case set must be another than the steering run's; a held-out case whose prompt text equals a steering
    case's is deselected (the large Josi set repeats 5 of the 50 built-in prompts). The steering run's own
    selection options (``--limit``, ``--case-set``, ``-k`` ...) are left out; its other arguments are kept.
    """
    assert opt.heldout is not None
    steering_sets = set(_option_values(opt.eval_args, "--case-set")) or {DEFAULT_SET}
    if opt.heldout not in suite.case_sets:
        sets = ", ".join(sorted(suite.case_sets))
        raise ConfigError(f"--heldout {opt.heldout}: suite {suite.name} has no such case set (it has: {sets})")
    if opt.heldout in steering_sets:
        raise ConfigError(f"--heldout {opt.heldout}: that is the set the loop steers by; name another case set")
    if opt.heldout_limit is not None and opt.heldout_limit < 1:
        raise ConfigError(f"--heldout-limit must be at least 1, got {opt.heldout_limit}")

    def text(messages: Sequence[Mapping[str, Any]]) -> str:
        return " ".join(str(messages[-1]["content"]).split()).casefold()

    steering_prompts = {text(c.messages) for c in suite.cases if c.case_set in steering_sets}
    overlap = [c for c in suite.cases if c.case_set == opt.heldout and text(c.messages) in steering_prompts]
    args = [*_without_selection(opt.eval_args), "--case-set", opt.heldout]
    if opt.heldout_limit is not None:
        args += ["--limit", str(opt.heldout_limit), "--sample-seed", str(opt.heldout_seed)]
    try:
        where = suite.path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        where = None  # pytest names nodes relative to the checkout; a suite elsewhere keeps its repeats
    if where is not None:
        for case in overlap:
            args += ["--deselect", f"{where}::{case.category}::{case.id}"]
    return {
        "suite": suite.name,
        "case_set": opt.heldout,
        "limit": opt.heldout_limit,
        "sample_seed": opt.heldout_seed,
        "excluded": [f"{c.suite}/{c.id}" for c in overlap] if where is not None else [],
        "args": args,
    }


SELECTION_OPTIONS = ("--limit", "--sample-seed", "--case-set", "--deselect", "-k", "-m")


def _option_values(args: Sequence[str], name: str) -> list[str]:
    out = []
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            out.append(args[i + 1])
        elif arg.startswith(name + "="):
            out.append(arg.split("=", 1)[1])
    return out


def _without_selection(args: Sequence[str]) -> list[str]:
    """``args`` without the options that choose cases (``--limit 2``, ``--limit=2``, ``-k expr`` ...)."""
    out: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in SELECTION_OPTIONS:
            skip = True
        elif not any(arg.startswith(o + "=") for o in SELECTION_OPTIONS):
            out.append(arg)
    return out


def _same_sample(ledger: Sequence[Mapping[str, Any]], result: EvalResult) -> None:
    """The held-out run scored the cases the first held-out run scored, or the loop stops: a moving sample is
    no comparison."""
    first = next((e["heldout"] for e in ledger if "heldout" in e), None)
    if first and first.get("cases_sha256") and result.cases_sha256 and first["cases_sha256"] != result.cases_sha256:
        raise TrainingError(
            f"the held-out sample in {result.results_dir} is not the one round {ledger[0]['round']} scored "
            "(other cases); keep --heldout, --heldout-limit and --heldout-seed as the loop started"
        )


def rescore_stale(out: Path, ledger: list[dict[str, Any]], log: Callable[[str], None]) -> bool:
    """Re-judge every ledger round scored by other scorer code than today's (see the module docstring); the
    entries are updated in place. True when any was rescored (the caller rewrites the ledger)."""
    from harness.rescore import rescore_run

    now = scoring_code_sha256()
    changed = False
    for entry in ledger:
        for key in ("eval", "heldout"):
            if key not in entry or EvalResult(**entry[key]).scoring_code_sha256 == now:
                continue
            old = EvalResult(**entry[key])
            note = (entry.get("rescored") or {}).get(key) or {}
            source = Path(note.get("from") or old.results_dir)  # a rescored run is rescored from the original
            where = f"round {entry['round']} {'held-out' if key == 'heldout' else 'steering'} run"
            if not (source / RESULTS_FILE).is_file():
                log(f"caution: {where} was scored by other scorer code and its replies ({source}) are gone; "
                    "it is compared as it was scored")  # fmt: skip
                continue
            dest = out / f"round-{entry['round']}" / f"{key}-rescored"
            try:
                rescored = rescore_run(source, dest, overwrite=True)
                new = read_eval(dest, old.seconds)
            except HarnessError as exc:
                log(f"caution: {where} could not be rescored ({exc}); it is compared as it was scored")
                continue
            entry.setdefault("rescored", {})[key] = {
                "at": utc_now(),
                "from": str(source),
                "scoring_code_sha256_before": old.scoring_code_sha256,
                "scoring_code_sha256_after": now,
                "changed_cases": len(rescored.changed),
                "kept_cases": len(rescored.kept),
                "original": note.get("original") or old.__dict__,
            }
            entry[key] = new.__dict__
            gates = "pass" if new.all_gates_pass else "fail"
            log(
                f"rescored {where} with today's scorers: {old.passed}/{old.total} -> {new.passed}/{new.total} "
                f"passed ({len(rescored.changed)} case(s) changed), gates {gates}"
            )
            changed = True
    return changed


def _paired(base: Mapping[str, Any], best: Mapping[str, Any]) -> Paired | None:
    """Base vs best on the held-out sample (None: no held-out runs, or the best round is the base)."""
    if best["round"] == base["round"] or "heldout" not in base or "heldout" not in best:
        return None
    a, b = Path(base["heldout"]["results_dir"]), Path(best["heldout"]["results_dir"])
    if not ((a / RESULTS_FILE).is_file() and (b / RESULTS_FILE).is_file()):
        return None
    return pair_runs(a, b, base["round"], best["round"])


def _round_line(rnd: int, r: EvalResult, heldout: EvalResult | None = None) -> str:
    gates = "all gates pass" if r.all_gates_pass else f"{len(r.gates_failed)} gate(s) fail"
    line = f"round {rnd}: steering {r.passed}/{r.total} passed ({r.pass_rate:.0%}), {gates}, eval {r.seconds:.0f}s"
    if heldout is not None:
        line += f"; {HELDOUT_LABEL}: {heldout.passed}/{heldout.total} ({heldout.pass_rate:.0%})"
    return line


def _sync_best(out: Path, best: Mapping[str, Any]) -> None:
    """``OUT/best`` holds the best round (none for the base): after rescoring it may be another round."""
    marker = out / "best" / "round.json"
    kept = json.loads(marker.read_text(encoding="utf-8"))["round"] if marker.is_file() else 0
    if kept == best["round"]:
        return
    if best["round"] == 0:
        shutil.rmtree(out / "best", ignore_errors=True)
    else:
        _keep_best(out, dict(best))


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
        "max_share": opt.max_share, "heldout": opt.heldout, "heldout_limit": opt.heldout_limit,
        "heldout_seed": opt.heldout_seed, "train": opt.train.to_dict(),
    }  # fmt: skip
