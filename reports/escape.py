"""Making model output safe for the formats reports write it into. Model responses are arbitrary text:
they contain markup, pipes, newlines and now and then control characters. So do file names and GGUF
metadata (``general.name`` is whatever the file's author wrote). :func:`redact` keeps Hugging Face tokens
out of every line ``harness gate`` and ``harness publish`` print or write."""

from __future__ import annotations

import html
import os
import re
import shlex

# Characters XML 1.0 forbids even when escaped (most C0 controls, lone surrogates, U+FFFE/U+FFFF).
_XML_INVALID = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Line breaks a Markdown renderer or a reader may honour: CR, LF, CRLF, and the Unicode ones.
_MD_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Other C0/C1 controls (tab kept) and lone surrogates: nothing a reader should see in a report.
_MD_INVISIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff]")
# CSV cells a spreadsheet would run as a formula: leading =, +, -, @, or a tab/CR before one.
_CSV_FORMULA = ("=", "+", "-", "@", "\t", "\r")
# Hugging Face user access tokens: "hf_" and letters/digits (30+ in real ones; 20+ matched, to be safe). Redacted
# wherever text leaves gate/publish.
_TOKEN_PATTERN = re.compile(r"hf_[A-Za-z0-9]{20,}")
_TOKEN_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")


def xml_safe(text: str) -> str:
    """``text`` with characters XML cannot hold replaced by U+FFFD, so JUnit and SVG output always parse;
    ElementTree escapes ``<``, ``&`` and quotes but writes these through, producing an unreadable file."""
    return _XML_INVALID.sub("\ufffd", text)


def _md_inline(text: str) -> str:
    """HTML-escaped, backslash and link brackets escaped (a response cannot become a link or an image),
    controls replaced by U+FFFD; line breaks are left for the caller."""
    text = _MD_INVISIBLE.sub("\ufffd", text).replace("\\", "\\\\")
    return html.escape(text, quote=False).replace("[", "\\[").replace("]", "\\]")


def md_text(text: object) -> str:
    """Prose in Markdown (a title, a verdict, a model or file name): ``&``, ``<`` and ``>`` escaped so
    renderers that accept HTML (GitHub, model cards) show a ``<tool_call>`` or ``<script>`` as text
    instead of swallowing or running it; ``[``/``]`` escaped so it cannot become a link; line breaks
    become spaces so it cannot start a heading, a list or a table of its own."""
    return _MD_BREAK.sub(" ", _md_inline("" if text is None else str(text)))


def md_cell(value: object, limit: int | None = None) -> str:
    """One Markdown table cell: escaped as :func:`md_text`, ``|`` escaped and newlines turned into ``<br>``
    so the cell cannot end the row or the table, backticks escaped so a code span cannot swallow the
    ``<br>``s; ``limit`` shortens long responses to keep a PR comment readable."""
    text = "" if value is None else str(value)
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    text = _md_inline(text).replace("|", "\\|").replace("`", "\\`")
    return _MD_BREAK.sub("<br>", text)


def _one_line(value: object) -> str:
    """``value`` as text on one line: line breaks become spaces, other controls U+FFFD (nothing escaped)."""
    return _MD_BREAK.sub(" ", _MD_INVISIBLE.sub("\ufffd", "" if value is None else str(value)))


def md_code(value: object) -> str:
    """``value`` as an inline code span shown verbatim (a file name, a command): the fence is one backtick
    longer than any run inside, line breaks become spaces and controls U+FFFD, so the span cannot be
    closed early or spill into the following lines. Inside a span Markdown renders no HTML."""
    text = _one_line(value)
    longest = max((len(m) for m in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def sh_word(value: object) -> str:
    """``value`` as one shell word for a command shown in a fenced code block of a card or a report
    (``llama-cli -m NAME``): quoted when needed, so pasting the command cannot run a second one, and on
    one line (breaks become spaces, controls U+FFFD), so it cannot close the fence."""
    return shlex.quote(_one_line(value))


def csv_cell(value: object) -> object:
    """A cases.csv cell a spreadsheet will not run: text starting with ``=``, ``+``, ``-``, ``@``, a tab or
    a CR (Excel/LibreOffice formula injection) gets a leading ``'``; anything else, numbers included,
    is returned as is."""
    if isinstance(value, str) and value.startswith(_CSV_FORMULA):
        return "'" + value
    return value


def redact(text: str) -> str:
    """Replace any Hugging Face token (the environment's, or anything token-shaped) with ``[redacted]``.

    Nothing here ever reads a token in order to use it; this only guarantees that one that slipped into an
    error message or a recorded command line is not printed or written.
    """
    for name in _TOKEN_ENV:
        value = os.environ.get(name, "").strip()
        if len(value) >= 8:
            text = text.replace(value, "[redacted]")
    return _TOKEN_PATTERN.sub("[redacted]", text)
