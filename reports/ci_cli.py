"""``python -m harness gate`` and ``publish``: argument parsing only; :mod:`reports.gate` and
:mod:`reports.publish` do the work.

Exit codes are the scoring run's: 0 every gate met, 1 a gate failed, 2 the run cannot be trusted (incomplete,
too many errors, partial without ``--allow-partial``, or made on another model file). Errors reach
``harness.cli.main`` as HarnessError and are printed there as one line. No option takes a Hugging Face token:
``huggingface_hub`` reads ``HF_TOKEN`` or the saved login itself, so a token never lands in shell history, CI
logs or ``ps`` output.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

PARTIAL_HELP = (
    "judge a partial run (cases deselected with -k, -m, --lf, --deselect or --limit) instead of refusing it "
    "with exit 2; its gates are labelled 'partial run: N of M cases'"
)


def cmd_gate(args: argparse.Namespace) -> int:
    from reports.gate import gate_run

    verdict = gate_run(
        args.run_dir, gates_file=args.gates, overrides=args.gate, model=args.model, allow_partial=args.allow_partial
    )
    for line in verdict.lines():
        print(line)
    return verdict.exit_code


def cmd_publish(args: argparse.Namespace) -> int:
    from harness.errors import EXIT_OK
    from reports.publish import publish

    result = publish(
        args.model,
        args.run,
        args.repo,
        dry_run=args.dry_run,
        out_dir=args.out,
        private=args.private,
        license_id=args.license,
        base_model=args.base_model,
        allow_partial=args.allow_partial,
    )
    for line in result.lines():
        print(line)
    return EXIT_OK


def add_commands(sub: Any) -> None:
    """Register the gate/publish subcommands."""
    g = sub.add_parser(
        "gate",
        help="re-judge a stored run's gates (no model run): exit 0 met, 1 a gate failed, 2 run not trustworthy",
        description="Re-evaluate the gates of a stored run from results.jsonl, with the gate config stored in its "
        "manifest (or --gates FILE), after checking the run is complete and --model is the file it scored.",
    )
    g.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="directory a run wrote (pytest --results DIR)")
    g.add_argument(
        "--model",
        default=None,
        metavar="PATH",
        help="model file whose sha256 must match the run's (a .gguf or 'default'). Default: the manifest's path",
    )
    g.add_argument("--gates", type=Path, default=None, metavar="FILE", help="gate file instead of the stored config")
    g.add_argument(
        "--gate",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override one gate, e.g. pokkit.pass_rate=0.8 or max_error_rate=0.2 (repeatable)",
    )
    g.add_argument("--allow-partial", action="store_true", help=PARTIAL_HELP)
    g.set_defaults(func=cmd_gate)

    p = sub.add_parser(
        "publish",
        help="upload a GGUF + Modelfile + model card to the Hugging Face Hub, only if its run passed its gates",
        description="Check the run's gates on exactly MODEL (sha256), then build a folder with the GGUF, an Ollama "
        "Modelfile and a README.md model card, and upload it. The token comes from HF_TOKEN or `hf auth login`, "
        "never from an option. Exit 1 when a gate failed, 2 when the run cannot vouch for MODEL.",
    )
    p.add_argument("model", type=Path, metavar="MODEL.gguf", help="the GGUF file to publish")
    p.add_argument("--run", type=Path, required=True, metavar="RUN_DIR", help="the run that scored MODEL")
    p.add_argument("--repo", required=True, metavar="ORG/NAME", help="Hugging Face model repository id")
    p.add_argument("--dry-run", action="store_true", help="write the folder only; contact nothing remote")
    p.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="folder to build. Default: RUN_DIR/publish/NAME"
    )
    p.add_argument("--private", action="store_true", help="create the repository as private")
    p.add_argument(
        "--license", default=None, metavar="ID", help="card license (default: the GGUF's general.license, else other)"
    )
    p.add_argument(
        "--base-model",
        default=None,
        metavar="ORG/NAME",
        help="card base_model (default: from the manifest or the GGUF's general.base_model.0.repo_url)",
    )
    p.add_argument("--allow-partial", action="store_true", help=PARTIAL_HELP + "; the model card says so")
    p.set_defaults(func=cmd_publish)
