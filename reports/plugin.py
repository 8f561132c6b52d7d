"""The end-of-run report the pytest plugin writes, registered as a ``harness.report_writers`` entry point."""

from __future__ import annotations

from pathlib import Path

from reports.load import load_run
from reports.render import write_report


def write_run_report(directory: Path) -> str:
    """Write ``directory/report/`` (HTML, Markdown, CSV, JUnit) for the run in ``directory``; the line to print."""
    paths = write_report(load_run(directory), directory / "report")
    return f"report: {paths[0]} (+ report.md, cases.csv, junit.xml)"
