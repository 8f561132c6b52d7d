"""Built-in scorers. Importing this package registers them (see ``harness.scoring``)."""

from __future__ import annotations

from harness.scorers import generic, josi, judge, persona_card, pokkit, tool_call  # noqa: F401
