"""Making model output safe for the formats reports write it into. Model responses are arbitrary text:
they contain markup, pipes, newlines and now and then control characters."""

from __future__ import annotations

import html
import re

# Characters XML 1.0 forbids even when escaped (most C0 controls, lone surrogates, U+FFFE/U+FFFF).
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """``text`` with characters XML cannot hold replaced by U+FFFD, so JUnit and SVG output always parse;
    ElementTree escapes ``<``, ``&`` and quotes but writes these through, producing an unreadable file."""
    return _XML_INVALID.sub("\ufffd", text)


def md_text(text: str) -> str:
    """Escape ``&``, ``<`` and ``>`` so Markdown renderers that accept HTML (GitHub, model cards) show a
    response such as ``<tool_call>`` or ``<script>`` as text instead of swallowing or running it."""
    return html.escape(text, quote=False)


def md_cell(value: object, limit: int | None = None) -> str:
    """One Markdown table cell: HTML-escaped, ``|`` escaped and newlines turned into ``<br>`` so the cell
    cannot end the row or the table, backticks escaped so a code span cannot swallow the ``<br>``s;
    ``limit`` shortens long responses to keep a PR comment readable."""
    text = "" if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = md_text(text).replace("|", "\\|").replace("`", "\\`")
    return re.sub(r"\r\n|\r|\n", "<br>", text)
