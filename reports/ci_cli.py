"""``python -m harness gate`` and ``publish`` (filled in by the CI-gate work)."""

from __future__ import annotations

from typing import Any


def add_commands(sub: Any) -> None:
    """Register the gate/publish subcommands."""
