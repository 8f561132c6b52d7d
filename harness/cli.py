"""Command line: ``python -m harness COMMAND`` (info, the training commands of train/cli.py, the report, gate
and publish commands of reports/, calibrate, rescore). Scoring runs through pytest: ``pytest suites/ --model X``.

The entry point only parses arguments and calls library functions.
"""

from __future__ import annotations

import argparse
import json
import sys

from harness import extensions
from harness.chat import builtin_templates, load_template
from harness.errors import HarnessError
from harness.models import inspect_gguf, resolve_model
from harness.results import strip_control


def cmd_info(args: argparse.Namespace) -> int:
    ref = resolve_model(args.model)
    if ref.kind != "gguf":
        found = {"spec": ref.spec, "kind": ref.kind, "path": str(ref.path) if ref.path else None}
        print(json.dumps(found | ({"endpoint": ref.endpoint, "name": ref.name} if ref.endpoint else {}), indent=2))
        return 0
    info = inspect_gguf(ref.file)
    out = {
        "spec": ref.spec,
        "source": ref.source,
        "path": str(ref.path),
        "size_bytes": info.size_bytes,
        "architecture": info.architecture,
        "name": info.name,
        "quantization": info.file_type,
        "context_length": info.context_length,
        "tensors": info.tensor_count,
        "has_chat_template": info.chat_template is not None,
    }
    if info.chat_template or args.chat_template:
        out["chat_template"] = load_template(args.chat_template, info.chat_template, ref.file).describe()
    print(json.dumps(out, indent=2))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="harness",
        description="Evaluate small chat/tool-calling models. Score with: pytest suites/ --model MODEL",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    info = sub.add_parser("info", help="check a model file and show what its header says")
    info.add_argument("model", help="path to a .gguf file, or 'default'")
    info.add_argument(
        "--chat-template",
        default=None,
        help=f"template to describe instead of the GGUF's own ({', '.join(builtin_templates())} or a file)",
    )
    info.set_defaults(func=cmd_info)
    # train's and reports' commands come through entry points (harness.extensions): the core imports neither.
    # Heavy libraries load only when one of their commands runs.
    for add_commands in extensions.load(extensions.COMMANDS):
        add_commands(sub)
    from harness.calibrate import add_commands as add_calibrate_command

    add_calibrate_command(sub)
    from harness.rescore import add_commands as add_rescore_command

    add_rescore_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except HarnessError as exc:
        print(f"harness: {strip_control(str(exc))}", file=sys.stderr)
        return exc.exit_code


if __name__ == "__main__":
    sys.exit(main())
