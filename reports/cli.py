"""``python -m harness report`` and ``compare`` (filled in by the reports work)."""

from __future__ import annotations

from typing import Any


def add_commands(sub: Any) -> None:
    """Register the report/compare subcommands."""
