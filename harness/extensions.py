"""What the upper packages add to harness, found through entry points so that harness never imports them.

``harness`` is the core: ``train`` and ``reports`` build on it and register what they add in
``pyproject.toml``, and the core finds them by group when it runs:

- ``harness.commands``: ``add_commands(subparsers)`` functions; ``python -m harness`` adds their commands.
- ``harness.report_writers``: ``write(run_directory) -> str`` functions; the pytest plugin calls each one at
  the end of a run (the report under ``runs/<ts>/report/``) and prints the line it returns.

Entry points come from the installed package's metadata (``pip install -e .`` writes them), so a source tree
that was never installed has the core commands only (and the pytest plugin says that no report writer is
installed).
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

COMMANDS = "harness.commands"
REPORT_WRITERS = "harness.report_writers"
# The order the command groups appear in `harness --help`; groups not listed follow by name.
_ORDER = ("train", "reports", "ci")


def load(group: str) -> list[Callable[..., Any]]:
    """The callables registered under ``group``, in a stable order (:data:`_ORDER`, then by name)."""
    found = sorted(
        entry_points(group=group), key=lambda ep: (_ORDER.index(ep.name) if ep.name in _ORDER else len(_ORDER), ep.name)
    )
    return [ep.load() for ep in found]
