"""``python -m harness report`` and ``compare``: turn stored run directories into report files.

Only argument parsing lives here; loading, statistics and rendering are library functions the tests cover.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from harness.errors import EXIT_OK, ConfigError


def _print_paths(paths: list[Path]) -> None:
    for path in paths:
        print(f"wrote {path}")


def cmd_report(args: argparse.Namespace) -> int:
    from reports.aggregate import summarize
    from reports.load import load_run
    from reports.render import write_report

    run = load_run(args.run_dir, label=args.label)
    out = args.out or args.run_dir / "report"
    _print_paths(write_report(run, out))
    overall = summarize(run).overall
    statuses = [g.status for g in run.gate_results]
    gates = ", ".join(f"{statuses.count(s)} {s.replace('_', ' ')}" for s in ("passed", "failed", "not_evaluated"))
    print(f"{run.label}: {overall.text} cases passed [95% CI {overall.interval_text}]; gates: {gates}")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from reports.compare import compare_runs
    from reports.load import load_run
    from reports.render import write_comparison

    labels = args.label or [None] * len(args.runs)
    if len(labels) != len(args.runs):
        raise ConfigError(
            f"--label given {len(labels)} times for {len(args.runs)} runs; give one per run, in the same order"
        )
    comparison = compare_runs([load_run(path, label=label) for path, label in zip(args.runs, labels, strict=True)])
    out = args.out or Path("runs") / f"compare-{datetime.now():%Y%m%d-%H%M%S}"
    _print_paths(write_comparison(comparison, out))
    for pair in comparison.pairs:
        print(f"{pair.verdict}.")
        for caveat in pair.caveats:
            print(f"  caution: {caveat}.")
    return EXIT_OK


def add_commands(sub: Any) -> None:
    """Register the report/compare subcommands."""
    report = sub.add_parser(
        "report",
        help="write report.html, report.md, cases.csv and junit.xml for one run directory",
        description="Report on one stored run: pass rates with 95% Wilson intervals, metrics, gates, speed.",
    )
    report.add_argument("run_dir", type=Path, metavar="RUN_DIR", help="a run directory (pytest --results DIR)")
    report.add_argument("--out", type=Path, default=None, metavar="DIR", help="output directory (RUN_DIR/report)")
    report.add_argument("--label", default=None, metavar="NAME", help="name for the run (the model's file name)")
    report.set_defaults(func=cmd_report)

    compare = sub.add_parser(
        "compare",
        help="compare runs case by case: flips, exact McNemar test, side-by-side report",
        description="Compare the first run (the baseline) with each other run on the cases they share.",
    )
    compare.add_argument("runs", type=Path, nargs="+", metavar="RUN", help="two or more run directories")
    compare.add_argument(
        "--out", type=Path, default=None, metavar="DIR", help="output directory (runs/compare-<timestamp>)"
    )
    compare.add_argument(
        "--label", action="append", default=None, metavar="NAME", help="name for each run, once per run, in order"
    )
    compare.set_defaults(func=cmd_compare)
