"""Built-in scorers. Importing this package registers them (see ``harness.scoring``)."""

from __future__ import annotations

from harness.scorers import generic, josi, judge, persona, persona_card, tool_call  # noqa: F401
