"""Ollama's Modelfile parser, ported to Python for the tests: ``parser/parser.go`` of ollama/ollama (last changed in
commit a18c230189b9, read at fb30760996871fa9460115c753afd2c60d4ab0f7) and the parameter typing of
``api.FormatParams`` (``api/types.go``), rune for rune, so a test can say what ``ollama create`` makes of a
Modelfile without an Ollama binary.

What the Go parser does, and so this port:

- a state machine over runes (the file decoded from UTF-8, or UTF-16 after a byte-order mark; a UTF-8 BOM dropped);
  commands are case-insensitive: FROM (named ``model``), ADAPTER, DRAFT, TEMPLATE, SYSTEM, LICENSE, RENDERER,
  PARSER, REQUIRES, PARAMETER NAME VALUE and MESSAGE ROLE VALUE (role system, user or assistant); any other is a
  ParserError naming the line;
- ``#`` starts a comment only where a command could start; a value runs to the end of its line, spaces inside
  kept and the ends trimmed, unless it opens a ``"`` or ``\"\"\"`` quote, which may span lines and must be closed;
  a quote is closed when, at a space or line break, the text so far ends with the closing quote;
- there are no escapes: a backslash is a backslash; only printable runes (Go's ``strconv.IsPrint``: letters,
  marks, numbers, punctuation, symbols, ASCII space) and the spaces, tabs and line breaks between words reach a
  value: any other character (a no-break space, a zero-width joiner, U+2028, a control character) is dropped;
- ``CreateRequest`` turns commands into the request: FROM, TEMPLATE, SYSTEM as given, LICENSE and MESSAGE collected,
  REQUIRES checked as semver, every other name a parameter typed by ``api.Options`` (float32, int, bool, []string;
  an unknown name is an error, a deprecated one skipped).

Not ported: reading the FROM/ADAPTER/DRAFT paths and hashing the files (``from_`` keeps the text as written), and
Go's exact float32 rounding of decimal text (Python rounds through float64; they differ only on halfway cases).
"""

from __future__ import annotations

import codecs
import math
import re
import struct
import unicodedata
from dataclasses import dataclass, field
from typing import Any

NIL, NAME, VALUE, PARAMETER, MESSAGE, COMMENT = range(6)

INVALID_COMMAND = (
    'command must be one of "from", "license", "template", "system", "adapter", "draft", "renderer", "parser", '
    '"parameter", "message", or "requires"'
)
INVALID_MESSAGE_ROLE = 'message role must be one of "system", "user", or "assistant"'
COMMANDS = ("from", "license", "template", "system", "adapter", "draft", "renderer", "parser", "parameter",
            "message", "requires")  # fmt: skip
DEPRECATED_PARAMETERS = ("penalize_newline", "low_vram", "f16_kv", "logits_all", "vocab_only", "use_mlock",
                         "mirostat", "mirostat_tau", "mirostat_eta")  # fmt: skip

# api.Options and its embedded api.Runner: the JSON name of each field and its Go kind.
PARAMETER_KINDS = {
    "num_ctx": "int", "num_batch": "int", "num_gpu": "int", "main_gpu": "*int", "use_mmap": "*bool",
    "num_thread": "int", "draft_num_predict": "int",
    "num_keep": "int", "seed": "int", "num_predict": "int", "top_k": "int", "top_p": "float32", "min_p": "float32",
    "typical_p": "float32", "repeat_last_n": "int", "temperature": "float32", "repeat_penalty": "float32",
    "presence_penalty": "float32", "frequency_penalty": "float32", "stop": "[]string",
}  # fmt: skip


class ModelfileError(ValueError):
    """Any error ``parser.ParseFile`` or ``Modelfile.CreateRequest`` returns."""


class ParserError(ModelfileError):
    """``*parser.ParserError``: a message and the line it was found on."""

    def __init__(self, line: int, msg: str) -> None:
        super().__init__(f"(line {line}): {msg}" if line > 0 else msg)
        self.line = line
        self.msg = msg


class UnexpectedEOF(ModelfileError):
    """``io.ErrUnexpectedEOF``: an unclosed quote, a command without its value."""


class MissingFrom(ModelfileError):
    """``errMissingFrom``: no FROM line."""


@dataclass(frozen=True)
class Command:
    name: str
    args: str


@dataclass
class CreateRequest:
    """The fields of ``api.CreateRequest`` that ``Modelfile.CreateRequest`` fills without touching files."""

    from_: str = ""
    adapters: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    template: str = ""
    system: str = ""
    license: list[str] = field(default_factory=list)
    renderer: str = ""
    parser: str = ""
    requires: str = ""
    messages: list[dict[str, str]] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)


def _is_alpha(r: str) -> bool:
    return "a" <= r <= "z" or "A" <= r <= "Z"


def _is_number(r: str) -> bool:
    return "0" <= r <= "9"


def _is_space(r: str) -> bool:
    return r in (" ", "\t")


def _is_newline(r: str) -> bool:
    return r in ("\r", "\n")


def is_print(r: str) -> bool:
    """Go's ``strconv.IsPrint``: Unicode categories L, M, N, P, S and the ASCII space."""
    return r == " " or unicodedata.category(r)[0] in "LMNPS"


# Go's unicode.IsSpace (what strings.TrimSpace trims): not Python's str.isspace, which adds U+001C..U+001F.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"  # noqa: E501


def _trim_space(s: str) -> str:
    return s.strip(_GO_SPACE)


def _decode(data: bytes | str) -> str:
    """``unicode.BOMOverride(unicode.UTF8.NewDecoder())``: UTF-16 after its BOM, else UTF-8 (a BOM dropped);
    invalid bytes become U+FFFD."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if raw.startswith(codecs.BOM_UTF8):
        return raw[3:].decode("utf-8", errors="replace")
    if raw.startswith(codecs.BOM_UTF16_LE):
        return raw[2:].decode("utf-16-le", errors="replace")
    if raw.startswith(codecs.BOM_UTF16_BE):
        return raw[2:].decode("utf-16-be", errors="replace")
    return raw.decode("utf-8", errors="replace")


def unquote(s: str) -> tuple[str, bool]:
    if len(s) >= 3 and s[:3] == '"""':
        if len(s) >= 6 and s[-3:] == '"""':
            return s[3:-3], True
        return "", False
    if len(s) >= 1 and s[0] == '"':
        if len(s) >= 2 and s[-1] == '"':
            return s[1:-1], True
        return "", False
    return s, True


class _Unexpected(Exception):
    pass


def _next_state(r: str, cs: int) -> tuple[int, str]:
    """``parseRuneForState``: the next state and the rune to keep ("" for none)."""
    if cs == NIL:
        if r == "#":
            return COMMENT, ""
        if _is_space(r) or _is_newline(r):
            return NIL, ""
        return NAME, r
    if cs == NAME:
        if _is_alpha(r):
            return NAME, r
        if _is_space(r):
            return VALUE, ""
        raise ParserError(-1, INVALID_COMMAND)
    if cs == VALUE:
        if _is_newline(r) or _is_space(r):
            return NIL, r
        return VALUE, r
    if cs == PARAMETER:
        if _is_alpha(r) or _is_number(r) or r == "_":
            return PARAMETER, r
        if _is_space(r):
            return VALUE, ""
        raise _Unexpected
    if cs == MESSAGE:
        if _is_alpha(r):
            return MESSAGE, r
        if _is_space(r):
            return VALUE, ""
        raise _Unexpected
    if cs == COMMENT:
        return (NIL, "") if _is_newline(r) else (COMMENT, "")
    raise ParserError(-1, "")


def parse_file(data: bytes | str) -> list[Command]:
    """``parser.ParseFile``: the commands of a Modelfile, or a :class:`ModelfileError`."""
    commands: list[Command] = []
    name = args = role = ""
    curr = NIL
    line = 1
    b: list[str] = []
    for r in _decode(data):
        if _is_newline(r):
            line += 1
        try:
            nxt, r = _next_state(r, curr)
        except _Unexpected:
            raise UnexpectedEOF("".join(b)) from None
        except ParserError as exc:
            raise ParserError(line, exc.msg) from None
        if nxt != curr:
            if curr == NAME:
                word = "".join(b)
                if word.lower() not in COMMANDS:
                    raise ParserError(line, INVALID_COMMAND)
                s = word.lower()
                if s == "from":
                    name = "model"
                elif s == "parameter":
                    nxt = PARAMETER
                elif s == "message":
                    nxt = MESSAGE
                    name = s
                else:
                    name = s
            elif curr == PARAMETER:
                name = "".join(b)
            elif curr == MESSAGE:
                if "".join(b) not in ("system", "user", "assistant"):
                    raise ParserError(line, INVALID_MESSAGE_ROLE)
                role = "".join(b)
            elif curr == VALUE:
                s, ok = unquote(_trim_space("".join(b)))
                if not ok or _is_space(r):
                    b.append(r)
                    continue
                if role:
                    s, role = f"{role}: {s}", ""
                args = s
                commands.append(Command(name, args))
            b = []
            curr = nxt
        if r and is_print(r):
            b.append(r)
    if curr == VALUE:
        s, ok = unquote(_trim_space("".join(b)))
        if not ok:
            raise UnexpectedEOF("".join(b))
        if role:
            s = f"{role}: {s}"
        commands.append(Command(name, s))
    elif curr not in (COMMENT, NIL):
        raise UnexpectedEOF("".join(b))
    if not any(c.name == "model" for c in commands):
        raise MissingFrom("no FROM line")
    return commands


def quote(s: str) -> str:
    """``parser.quote``, what ``Command.String`` (``ollama show --modelfile``) writes a value with."""
    if "\n" in s or s.startswith(" ") or s.endswith(" "):
        return f'"""{s}"""' if '"' in s else f'"{s}"'
    return s


def format_command(c: Command) -> str:
    """``Command.String``."""
    if c.name == "model":
        return f"FROM {c.args}"
    if c.name in ("license", "template", "system", "adapter", "renderer", "parser", "requires", "draft"):
        return f"{c.name.upper()} {quote(c.args)}"
    if c.name == "message":
        role, _, message = c.args.partition(": ")
        return f"MESSAGE {role} {quote(message)}"
    return f"PARAMETER {c.name} {quote(c.args)}"


def format_file(commands: list[Command]) -> str:
    """``Modelfile.String``: one command a line."""
    return "".join(format_command(c) + "\n" for c in commands)


# Go's strconv syntax: ParseInt(s, 10, 64), ParseFloat(s, 32) (decimal or hex, inf, nan), ParseBool.
_GO_INT = re.compile(r"[+-]?[0-9]+")
_GO_DEC_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_GO_HEX_FLOAT = re.compile(r"[+-]?0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+")
_GO_SPECIAL_FLOAT = re.compile(r"[+-]?(?:inf|infinity)|nan", re.IGNORECASE)
_GO_BOOLS = {"1": True, "t": True, "T": True, "TRUE": True, "true": True, "True": True,
             "0": False, "f": False, "F": False, "FALSE": False, "false": False, "False": False}  # fmt: skip


def go_parse_int(s: str) -> int:
    if not _GO_INT.fullmatch(s) or not -(2**63) <= int(s) < 2**63:
        raise ValueError(s)
    return int(s)


def _underscore_ok(s: str) -> bool:
    """Go's ``strconv.underscoreOK``: an underscore only between digits (or after a base prefix)."""
    saw, i = "^", 0
    s = s[1:] if s[:1] in ("+", "-") else s
    hexa = False
    if len(s) >= 2 and s[0] == "0" and s[1].lower() in "box":
        i, saw, hexa = 2, "0", s[1].lower() == "x"
    for c in s[i:]:
        if "0" <= c <= "9" or (hexa and "a" <= c.lower() <= "f"):
            saw = "0"
        elif c == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def go_parse_float32(s: str) -> float:
    """The float32 ``strconv.ParseFloat(s, 32)`` gives, as a Python float (Go literal syntax: decimal or hex,
    underscores between digits, inf, infinity, nan); beyond the float32 range is an error."""
    if _GO_SPECIAL_FLOAT.fullmatch(s):
        return float(s.lower().replace("infinity", "inf"))
    if "_" in s:
        if not _underscore_ok(s):
            raise ValueError(s)
        s = s.replace("_", "")
    if _GO_HEX_FLOAT.fullmatch(s):
        value = float.fromhex(s)
    elif _GO_DEC_FLOAT.fullmatch(s):
        value = float(s)
    else:
        raise ValueError(s)
    if math.isinf(value):
        raise ValueError(f"{s}: out of float32 range")
    try:
        return float(struct.unpack("<f", struct.pack("<f", value))[0])
    except OverflowError:
        raise ValueError(f"{s}: out of float32 range") from None


def format_params(name: str, value: str) -> Any:
    """``api.FormatParams`` for one ``PARAMETER name value``: the typed value, or a ModelfileError."""
    kind = PARAMETER_KINDS.get(name)
    if kind is None:
        raise ModelfileError(f"unknown parameter '{name}'")
    try:
        if kind == "float32":
            return go_parse_float32(value)
        if kind in ("int", "*int"):
            return go_parse_int(value)
        if kind == "*bool":
            return _GO_BOOLS[value]
    except (ValueError, KeyError):
        what = "float" if kind == "float32" else "int" if "int" in kind else "bool"
        raise ModelfileError(f"invalid {what} value [{value}]") from None
    return [value]  # []string


_SEMVER = re.compile(
    r"v(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)(?:\.(0|[1-9][0-9]*)"
    r"(?:-(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9][0-9]*|[0-9]*[A-Za-z-][0-9A-Za-z-]*))*)?"
    r"(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?)?"
)


# The commands CreateRequest copies as they are: into one field, or appended to a list (ADAPTER and DRAFT files are
# hashed into digest maps by Ollama; here their paths are kept).
_TEXT_FIELDS = {
    "model": "from_",
    "template": "template",
    "system": "system",
    "renderer": "renderer",
    "parser": "parser",
}
_LIST_FIELDS = {"adapter": "adapters", "draft": "drafts", "license": "license"}


def create_request(commands: list[Command]) -> CreateRequest:
    """``Modelfile.CreateRequest`` without the file system: FROM is kept as written (Ollama hashes a file that
    exists there and otherwise treats it as a model name)."""
    req = CreateRequest()
    for c in commands:
        if c.name in _TEXT_FIELDS:
            setattr(req, _TEXT_FIELDS[c.name], c.args)
        elif c.name in _LIST_FIELDS:
            getattr(req, _LIST_FIELDS[c.name]).append(c.args)
        elif c.name == "requires":
            requires = c.args if c.args.startswith("v") else f"v{c.args}"
            if not _SEMVER.fullmatch(requires):
                raise ModelfileError("requires must be a valid semver (e.g. 0.14.0)")
            req.requires = requires.removeprefix("v")
        elif c.name == "message":
            role, _, content = c.args.partition(": ")
            req.messages.append({"role": role, "content": content})
        elif c.name in DEPRECATED_PARAMETERS:
            continue  # Ollama prints "warning: parameter NAME is deprecated"
        else:
            value = format_params(c.name, c.args)
            if isinstance(value, list) and isinstance(req.parameters.get(c.name), list):
                req.parameters[c.name] = [*req.parameters[c.name], *value]
            else:
                req.parameters[c.name] = value
    return req
