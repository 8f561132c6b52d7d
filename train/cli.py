"""Training subcommands of ``python -m harness``: data, check-data, train, export, loop, fetch-converter.

Only argument parsing lives here; each command calls the library functions that tests cover.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from harness.errors import EXIT_GATE_FAILED, EXIT_OK, EXIT_UNTRUSTED, ConfigError
from train.config import DEFAULT_WORD_LIMIT, QUANT_TYPES, TrainConfig, read_config

# TrainConfig fields settable from the command line: flag -> (field, type, help)
TRAIN_FLAGS: dict[str, tuple[str, type, str]] = {
    "--backend": ("backend", str, "auto (unsloth on a CUDA GPU when installed, else trl), trl or unsloth"),
    "--rank": ("rank", int, "LoRA rank (16)"),
    "--alpha": ("alpha", int, "LoRA alpha (32)"),
    "--dropout": ("dropout", float, "LoRA dropout (0.05)"),
    "--lr": ("learning_rate", float, "learning rate (2e-4)"),
    "--scheduler": ("lr_scheduler", str, "learning-rate schedule (cosine)"),
    "--warmup": ("warmup", float, "warmup: a ratio of the steps when < 1, else steps (0.05)"),
    "--epochs": ("epochs", float, "epochs (2)"),
    "--max-steps": ("max_steps", int, "optimizer steps; overrides --epochs (tests use 2)"),
    "--batch-size": ("batch_size", int, "examples per device batch (4)"),
    "--grad-accum": ("grad_accum", int, "gradient accumulation steps (4)"),
    "--max-length": ("max_length", int, "tokens per example, longer ones truncated (2048)"),
    "--train-seed": ("seed", int, "training seed (0)"),
    "--save-steps": ("save_steps", int, "checkpoint every N steps, for --resume (50)"),
    "--torch-threads": ("threads", int, "torch CPU threads (all cores)"),
    "--quant": ("quant", str, f"GGUF type the gate runs on: {', '.join(QUANT_TYPES)} (Q4_K_M)"),
    "--train-template": ("train_template", str, "training chat template with {%% generation %%} markers"),
}


def _add_train_flags(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("training settings (override --config)")
    g.add_argument("--config", type=Path, help="YAML/JSON training config (a saved train_config.json works)")
    for flag, (_, typ, help_text) in TRAIN_FLAGS.items():
        g.add_argument(flag, type=typ, default=None, help=help_text)
    g.add_argument("--load-in-4bit", action="store_true", default=None, help="QLoRA via bitsandbytes (CUDA only)")
    g.add_argument("--gradient-checkpointing", action="store_true", default=None, help="trade compute for memory")


def train_config(args: argparse.Namespace) -> TrainConfig:
    overrides: dict[str, Any] = {
        field: getattr(args, flag[2:].replace("-", "_")) for flag, (field, _, _) in TRAIN_FLAGS.items()
    }
    overrides["load_in_4bit"] = args.load_in_4bit
    overrides["gradient_checkpointing"] = args.gradient_checkpointing
    overrides = {k: v for k, v in overrides.items() if v is not None}
    if args.config:
        return TrainConfig.from_file(args.config, **overrides)
    return TrainConfig.build(overrides)


def _weights(items: list[str]) -> dict[str, float]:
    out = {}
    for item in items:
        name, _, value = item.partition("=")
        try:
            if not name:
                raise ValueError
            out[name] = float(value)
        except ValueError:
            raise ConfigError(f"--weight {item!r}: expected NAME=NUMBER, e.g. alarms=2") from None
    return out


def cmd_data(args: argparse.Namespace) -> int:
    from train.clean import clean, write_jsonl
    from train.contamination import check_contamination
    from train.generators import generate, generators
    from train.generators.diversity import diversity, diversity_lines

    if args.list:
        for g in generators(args.source).values():  # no --source: every suite's generators
            print(
                f"{g.name:<24} suite {g.suite:<6} weight {g.weight:<5g} persona {g.persona:<7} "
                f"targets {', '.join(g.targets)}"
            )
        return EXIT_OK
    source = args.source or "pokkit"
    if args.out is None and not args.stats:
        raise ConfigError("data: --out FILE is required to generate data (--list and --stats need none)")
    examples = generate(args.n, seed=args.seed, weights=_weights(args.weight), suite=source)
    if args.stats:
        for line in diversity_lines(diversity(examples)):
            print(line)
        if args.out is None:
            return EXIT_OK
    if source == "josi":  # the generated conversations, then the gold ones
        from train.josi import DEFAULT_GOLD, prepare_josi

        gold, prep = prepare_josi(args.gold or [DEFAULT_GOLD], word_limit=args.word_limit)
        for line in prep.lines():
            print(line)
        examples += gold
    kept, report = clean(examples, max_share=args.max_share, seed=args.seed)
    for line in report.lines():
        print(line)
    contamination = check_contamination(kept)
    contamination.raise_if_contaminated(str(args.out))
    write_jsonl(args.out, kept)
    print(f"wrote {len(kept)} examples to {args.out} (checked against {contamination.eval_texts} eval prompts: clean)")
    return EXIT_OK


def cmd_check_data(args: argparse.Namespace) -> int:
    from train.clean import clean, read_jsonl
    from train.contamination import check_contamination

    examples = read_jsonl(args.file)
    _, report = clean(examples, max_share=1.0)
    for line in report.lines():
        print(line)
    contamination = check_contamination(examples)
    for hit in contamination.hits[:20]:
        print(f"  CONTAMINATED {hit.describe()}")
    contamination.raise_if_contaminated(str(args.file))
    print(f"{args.file}: {len(examples)} examples, none contains any of {contamination.eval_texts} eval prompts")
    return EXIT_OK if not report.invalid else EXIT_UNTRUSTED


def cmd_train(args: argparse.Namespace) -> int:
    from harness.models import sha256_file
    from train.clean import read_jsonl
    from train.contamination import check_contamination
    from train.export import export
    from train.finetune import finetune, resolve_base

    cfg = train_config(args)
    base = resolve_base(args.base)
    examples = read_jsonl(args.data)
    check_contamination(examples).raise_if_contaminated(str(args.data))
    inputs = {"data": str(args.data), "data_sha256": sha256_file(args.data)}
    result, model, tok = finetune(examples, base, args.out, cfg, resume=args.resume, inputs=inputs)
    print(json.dumps(result.to_dict(), indent=2))
    if not args.no_export:
        exported = export(model, tok, base, args.out / "export", cfg, adapter_dir=result.adapter_dir)
        print(json.dumps(exported.to_dict(), indent=2))
        print(f"evaluate it: pytest suites/ --model {exported.gguf}")
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from train.export import export
    from train.finetune import load_tokenizer, resolve_base

    if not (args.adapter / "adapter_config.json").is_file():
        raise ConfigError(f"{args.adapter}: not a LoRA adapter directory (no adapter_config.json)")
    if args.config is None and (args.adapter / "train_config.json").is_file():
        args.config = args.adapter / "train_config.json"  # the settings it was trained with, flags on top
    cfg = train_config(args)
    base = resolve_base(args.base)
    result = export(args.adapter, load_tokenizer(base), base, args.out, cfg)
    print(json.dumps(result.to_dict(), indent=2))
    return EXIT_OK


# Loop settings a --config file may hold in its ``loop:`` section (flags override them) and their defaults.
LOOP_DEFAULTS: dict[str, Any] = {
    "base": "default", "suite": "pokkit", "rounds": 5, "examples": 400, "time_budget": None, "out": None,
    "eval_arg": [], "boost": 3.0, "seed": 0, "heldout": None, "heldout_limit": None, "heldout_seed": 0,
}  # fmt: skip


def loop_settings(args: argparse.Namespace) -> dict[str, Any]:
    """The loop's settings: each flag given on the command line, else the --config file's ``loop:`` section
    (keys as the flags, ``time_budget`` in minutes, ``eval_arg`` a list), else the default."""
    section: dict[str, Any] = {}
    if args.config is not None:
        section = read_config(args.config).get("loop") or {}
        if not isinstance(section, dict):
            raise ConfigError(f"--config {args.config}: 'loop' must be a mapping of loop settings")
        unknown = sorted(set(section) - set(LOOP_DEFAULTS))
        if unknown:
            raise ConfigError(
                f"--config {args.config}: unknown loop setting(s) {', '.join(unknown)}; known: "
                f"{', '.join(LOOP_DEFAULTS)}"
            )
    out = {}
    for key, default in LOOP_DEFAULTS.items():
        given = getattr(args, key, None)
        out[key] = given if given not in (None, []) else section.get(key, default)
    out["eval_arg"] = [str(a) for a in out["eval_arg"] or []]
    return out


def cmd_loop(args: argparse.Namespace) -> int:
    from train.loop import LoopOptions, run_loop

    v = loop_settings(args)
    opts = LoopOptions(
        base=v["base"], suite=v["suite"], rounds=v["rounds"], examples=v["examples"], seed=v["seed"],
        time_budget_s=v["time_budget"] * 60 if v["time_budget"] else None, eval_args=v["eval_arg"],
        boost=v["boost"], resume=args.resume, heldout=v["heldout"], heldout_limit=v["heldout_limit"],
        heldout_seed=v["heldout_seed"], train=train_config(args),
    )  # fmt: skip
    if v["out"]:
        opts.out = Path(v["out"])
    try:
        summary = run_loop(opts, log=lambda line: print(line, flush=True))
    except KeyboardInterrupt:
        print(f"stopped; loop.json says interrupted; continue with: python -m harness loop --resume --out {opts.out}")
        return 130  # the shell's code for Ctrl-C
    print(f"best round {summary['best_round']} (chosen by {summary['best_chosen_by']}): {summary['best_model']}")
    print("steering pass rate per round: " + ", ".join(f"{r}: {v:.0%}" for r, v in summary["pass_rates"].items()))
    if summary["heldout_pass_rates"]:
        rates = ", ".join(f"{r}: {v:.0%}" for r, v in summary["heldout_pass_rates"].items())
        print(f"held-out pass rate per round (quote this): {rates}")
    if summary["heldout_comparison"]:
        c = summary["heldout_comparison"]
        print(f"held-out base vs best: exact McNemar p = {c['p_value']:.2g} (p < 0.01: {c['p_below_0.01']})")
    print(f"ledger: {opts.out / 'ledger.jsonl'}; report: {summary['report']}")
    return EXIT_OK if summary["status"] == "gates_passed" else EXIT_GATE_FAILED


def cmd_fetch_converter(args: argparse.Namespace) -> int:
    from train.export import find_converter

    print(find_converter())
    return EXIT_OK


def add_commands(sub: Any) -> None:
    d = sub.add_parser("data", help="generate a cleaned, contamination-checked training set (chat JSONL)")
    d.add_argument("--out", type=Path, help="JSONL file to write (needed to generate; not for --list or --stats)")
    d.add_argument(
        "--source",
        choices=["pokkit", "josi"],
        help="suite: pokkit generators (default), or josi generators plus the Josi gold files",
    )
    d.add_argument("-n", type=int, default=1000, help="examples to generate (1000; josi adds its gold files)")
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--weight", action="append", default=[], metavar="NAME=W", help="override a generator weight")
    d.add_argument("--max-share", type=float, default=0.25, help="cap per category after cleaning (0.25)")
    d.add_argument("--gold", type=Path, action="append", help="Josi gold conversation JSONL (repeatable)")
    d.add_argument(
        "--word-limit", type=int, default=DEFAULT_WORD_LIMIT, help=f"Josi reply word limit ({DEFAULT_WORD_LIMIT})"
    )
    d.add_argument(
        "--list", action="store_true", help="list the generators (of --source, else every suite), weights and targets"
    )
    d.add_argument(
        "--stats", action="store_true", help="print reply length and distinct-n-gram statistics per generator"
    )
    d.set_defaults(func=cmd_data)

    c = sub.add_parser("check-data", help="validate a dataset and check it for evaluation prompts (exit 3 if any)")
    c.add_argument("file", type=Path)
    c.set_defaults(func=cmd_check_data)

    t = sub.add_parser("train", help="LoRA fine-tune on a dataset, then export a quantized GGUF")
    t.add_argument("--data", type=Path, required=True, help="chat JSONL (from 'harness data')")
    t.add_argument("--base", default="default", help="base model: .gguf, 'default' or a HF directory")
    t.add_argument("--out", type=Path, required=True, help="output directory (adapter, export, config)")
    t.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    t.add_argument("--no-export", action="store_true", help="stop after saving the adapter")
    _add_train_flags(t)
    t.set_defaults(func=cmd_train)

    e = sub.add_parser("export", help="merge an adapter, convert to GGUF, quantize, write a Modelfile")
    e.add_argument("adapter", type=Path, help="adapter directory (OUT/adapter from 'harness train')")
    e.add_argument("--base", default="default")
    e.add_argument("--out", type=Path, required=True)
    _add_train_flags(e)
    e.set_defaults(func=cmd_export)

    lp = sub.add_parser("loop", help="evaluate, generate data for failing categories, train, export, repeat")
    lp.add_argument("--base", default=None, help="base model: .gguf, 'default' or a HF directory (default)")
    lp.add_argument("--suite", default=None, help="suite to train for: pokkit or josi (pokkit)")
    lp.add_argument("--rounds", type=int, default=None, help="training rounds at most (5)")
    lp.add_argument("--examples", type=int, default=None, help="new examples per round (400)")
    lp.add_argument("--time-budget", type=float, help="minutes; no round starts that would overrun it")
    lp.add_argument("--out", type=Path, help="loop directory (runs/loop-<timestamp>)")
    lp.add_argument(
        "--eval-arg", action="append", metavar="ARG", help="extra pytest argument, e.g. --eval-arg=--limit=2"
    )
    lp.add_argument("--boost", type=float, default=None, help="weight shift toward failing categories (3)")
    lp.add_argument("--seed", type=int, default=None, help="data seed (0)")
    lp.add_argument(
        "--resume",
        action="store_true",
        help="continue a loop from its ledger; rounds scored by older scorer code are re-judged first",
    )
    lp.add_argument(
        "--heldout",
        metavar="SET",
        help="a case set of the suite (e.g. large: Josi's 1,031 prompts) scored after every round on a fixed sample, "
        "into round-N/heldout; the figure to quote, never steered by (the best round is chosen by --suite)",
    )
    lp.add_argument(
        "--heldout-limit", type=int, metavar="N", help="held-out cases per category at most (default: the whole set)"
    )
    lp.add_argument(
        "--heldout-seed",
        type=int,
        default=None,
        metavar="N",
        help="sample seed of --heldout-limit (0); fixed for the whole loop",
    )
    _add_train_flags(lp)
    lp.set_defaults(func=cmd_loop)

    f = sub.add_parser("fetch-converter", help="fetch llama.cpp's convert_hf_to_gguf.py once (from the sdist)")
    f.set_defaults(func=cmd_fetch_converter)


if __name__ == "__main__":  # pragma: no cover
    sys.exit("use: python -m harness COMMAND")
