"""Turn raw generated text into visible prose, thinking and tool calls.

Recognised call formats, tried in order:

a) Hermes/Qwen ``<tool_call>{"name": ..., "arguments": {...}}</tool_call>`` blocks (several allowed);
b) without such tags, a bare JSON call object or list (the whole response, or in a fenced json block),
   including the OpenAI ``{"tool_calls": [...]}`` and ``{"function": {...}}`` shapes;
c) as a last resort, a complete ``{"name": ..., "arguments": {...}}`` object embedded in prose.

Text that clearly tries to be a call but is malformed becomes a ``ParseError``; prose never does.
JSON is parsed strictly (``json.loads``): no trailing commas, no single quotes.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from typing import Any

from harness.types import Completion, ParseError, ToolCall

THINK_OPEN = "<think>"
THINK_CLOSE = "</think>"
CALL_OPEN = "<tool_call>"
CALL_CLOSE = "</tool_call>"

# End-of-turn tokens some back ends leave in the text, and prefixes some models put before a JSON call.
_END_TOKENS = ("<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "</s>")
_CALL_PREFIXES = ("<|python_tag|>", "[TOOL_CALLS]")

_FENCE_RE = re.compile(r"```[ \t]*(json)?[ \t]*\n?(.*?)```", re.DOTALL | re.IGNORECASE)
_OPEN_FENCE_RE = re.compile(r"```[ \t]*json[ \t]*\n?(.*)\Z", re.DOTALL | re.IGNORECASE)
_CALL_KEY_RE = re.compile(r'"(?:name|function|tool_calls)"\s*:')
_EMBEDDED_RE = re.compile(r'\{\s*"name"\s*:')
_INNER_FENCE_RE = re.compile(r"\A```[ \t]*(?:json)?[ \t]*\n?(.*?)\n?```\Z", re.DOTALL | re.IGNORECASE)
# A <tool_call> tag named in a sentence: words before it on its line, a word (not JSON) after it.
_WORD_CHAR_RE = re.compile(r"\w")
_PROSE_AFTER_TAG_RE = re.compile(r" +[^\W\d_]+(?:\s|[.,;:!?])")

_ERROR_TEXT_LIMIT = 500
_DECODER = json.JSONDecoder()


def split_thinking(text: str) -> tuple[str, str]:
    """Return ``(text without <think> blocks, the thinking)``, both stripped.

    An unclosed ``<think>`` makes everything after it thinking; a ``</think>`` with no ``<think>``
    before it (the template opened the block in the prompt) makes everything before it thinking.
    """
    thinking: list[str] = []
    visible: list[str] = []
    rest = text
    close = rest.find(THINK_CLOSE)
    opening = rest.find(THINK_OPEN)
    if close != -1 and (opening == -1 or close < opening):
        thinking.append(rest[:close])
        rest = rest[close + len(THINK_CLOSE) :]
    while True:
        start = rest.find(THINK_OPEN)
        if start == -1:
            visible.append(rest)
            break
        visible.append(rest[:start])
        end = rest.find(THINK_CLOSE, start + len(THINK_OPEN))
        if end == -1:
            thinking.append(rest[start + len(THINK_OPEN) :])
            break
        thinking.append(rest[start + len(THINK_OPEN) : end])
        rest = rest[end + len(THINK_CLOSE) :]
    shown = "".join(visible).replace(THINK_CLOSE, "")
    return shown.strip(), "\n".join(part.strip() for part in thinking if part.strip())


def _strip_end_tokens(text: str) -> str:
    text = text.strip()
    changed = True
    while changed:
        changed = False
        for token in _END_TOKENS:
            if text.endswith(token):
                text = text[: -len(token)].rstrip()
                changed = True
    return text


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _ERROR_TEXT_LIMIT else text[:_ERROR_TEXT_LIMIT] + "..."


def _json_error(exc: json.JSONDecodeError) -> str:
    return f"invalid JSON: {exc.msg} at char {exc.pos}"


def _too_big(exc: Exception, text: str, pos: int) -> json.JSONDecodeError:
    """A reply JSON cannot hold in Python (nested deeper than the recursion limit, an integer of more than
    ``sys.get_int_max_str_digits()`` digits) is malformed JSON to the parser, not a crash."""
    what = "nested too deeply" if isinstance(exc, RecursionError) else "integer too long"
    return json.JSONDecodeError(what, text, pos)


def _loads(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _too_big(exc, text, 0) from None


def _raw_decode(text: str, pos: int) -> tuple[Any, int]:
    try:
        return _DECODER.raw_decode(text, pos)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _too_big(exc, text, pos) from None


def _call_from_obj(obj: Any) -> ToolCall | str:
    """A ToolCall from a decoded call object, or the reason it is not one."""
    if not isinstance(obj, dict):
        return f"call is not a JSON object (got {type(obj).__name__})"
    if "name" not in obj and isinstance(obj.get("function"), dict):
        obj = obj["function"]  # OpenAI {"type": "function", "function": {...}}
    if "name" not in obj:
        return f'missing "name" (keys: {", ".join(map(str, obj)) or "none"})'
    name = obj["name"]
    if not isinstance(name, str) or not name.strip():
        return '"name" is not a non-empty string'
    if "arguments" in obj:
        args, key = obj["arguments"], "arguments"
    elif "parameters" in obj:
        args, key = obj["parameters"], "parameters"
    else:
        extra = [k for k in obj if k not in ("name", "type", "id")]
        if extra:
            return f'missing "arguments" (keys: {", ".join(map(str, obj))})'
        args, key = {}, "arguments"
    if args is None or args == "":
        args = {}
    if isinstance(args, str):
        try:
            args = _loads(args)
        except json.JSONDecodeError as exc:
            return f'"{key}" is a string that is not valid JSON ({_json_error(exc)})'
    if not isinstance(args, dict):
        return f'"{key}" is not an object (got {type(args).__name__})'
    return ToolCall(name=name.strip(), arguments=args)


def _calls_from_value(value: Any, text: str) -> tuple[list[ToolCall], list[ParseError]]:
    """Calls from a decoded JSON value: a call object, an OpenAI ``tool_calls`` wrapper, or a list."""
    if isinstance(value, dict) and "name" not in value and isinstance(value.get("tool_calls"), list):
        value = value["tool_calls"]
    items = value if isinstance(value, list) else [value]
    calls: list[ToolCall] = []
    errors: list[ParseError] = []
    if not items:
        errors.append(ParseError(_clip(text), "empty list of calls"))
    for item in items:
        result = _call_from_obj(item)
        if isinstance(result, ToolCall):
            calls.append(result)
        else:
            errors.append(ParseError(_clip(json.dumps(item, ensure_ascii=False) if len(items) > 1 else text), result))
    return calls, errors


def _decode_sequence(text: str) -> list[Any]:
    """Decode one JSON value, or several written back to back (a block holding one call per line)."""
    try:
        return [_loads(text)]
    except json.JSONDecodeError as exc:
        if not exc.msg.startswith("Extra data"):
            raise
    values: list[Any] = []
    pos = 0
    while pos < len(text):
        value, end = _raw_decode(text, pos)
        values.append(value)
        pos = end
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
    return values


def _parse_block(content: str) -> tuple[list[ToolCall], list[ParseError]]:
    body = _strip_end_tokens(content)
    fenced = _INNER_FENCE_RE.match(body)
    if fenced:
        body = fenced.group(1).strip()
    if not body:
        return [], [ParseError("", "empty <tool_call> block")]
    try:
        values = _decode_sequence(body)
    except json.JSONDecodeError as exc:
        return [], [ParseError(_clip(body), _json_error(exc))]
    return _calls_from_values(values, body)


def _calls_from_values(values: list[Any], body: str) -> tuple[list[ToolCall], list[ParseError]]:
    calls: list[ToolCall] = []
    errors: list[ParseError] = []
    for value in values:
        got_calls, got_errors = _calls_from_value(value, body)
        calls += got_calls
        errors += got_errors
    return calls, errors


def _mentioned_in_prose(text: str, start: int, content_start: int) -> bool:
    """ "I won't use a <tool_call> for this": the tag sits inside a sentence (words before it on its line) and
    words, not a call, follow it. A tag that opens its line, or is followed by JSON, is an attempt at a call."""
    line_before = text[text.rfind("\n", 0, start) + 1 : start]
    after = text[content_start : content_start + 40]
    next_close = text.find(CALL_CLOSE, content_start)
    next_open = text.find(CALL_OPEN, content_start)
    unclosed = next_close == -1 or (next_open != -1 and next_open < next_close)  # a later real call keeps its tags
    return unclosed and bool(_WORD_CHAR_RE.search(line_before)) and _PROSE_AFTER_TAG_RE.match(after) is not None


def _parse_tagged(text: str) -> tuple[list[ToolCall], list[ParseError], str]:
    calls: list[ToolCall] = []
    errors: list[ParseError] = []
    visible: list[str] = []
    pos = 0
    while True:
        start = text.find(CALL_OPEN, pos)
        if start == -1:
            visible.append(text[pos:])
            break
        content_start = start + len(CALL_OPEN)
        if _mentioned_in_prose(text, start, content_start):
            visible.append(text[pos:content_start])
            pos = content_start
            continue
        visible.append(text[pos:start])
        end = text.find(CALL_CLOSE, content_start)
        if end == -1:
            content = text[content_start:]
            # A complete call whose closing tag was eaten (e.g. by a stop sequence) is accepted;
            # anything else (typically a call cut off by max_tokens) is an error.
            got_calls, got_errors = _parse_block(content)
            if got_calls and not got_errors:
                calls += got_calls
            else:
                errors.append(ParseError(_clip(CALL_OPEN + content), "unterminated <tool_call> block"))
            break
        got_calls, got_errors = _parse_block(text[content_start:end])
        calls += got_calls
        errors += got_errors
        pos = end + len(CALL_CLOSE)
    return calls, errors, "".join(visible).replace(CALL_CLOSE, "")


def _looks_like_call(text: str) -> bool:
    """Does JSON-ish text (starting with ``{`` or ``[``) try to be a call?"""
    return bool(_CALL_KEY_RE.search(text))


def _is_call_shaped(value: Any) -> bool:
    if isinstance(value, list):
        return any(_is_call_shaped(item) for item in value)
    if not isinstance(value, dict):
        return False
    return "name" in value or isinstance(value.get("function"), dict) or isinstance(value.get("tool_calls"), list)


def _parse_json_candidate(body: str) -> tuple[list[ToolCall], list[ParseError]] | None:
    """Calls from text that is entirely JSON; None when it is not a call attempt at all."""
    for prefix in _CALL_PREFIXES:
        if body.startswith(prefix):
            body = body[len(prefix) :].lstrip()
    if not body.startswith(("{", "[")):
        return None
    try:
        values = _decode_sequence(body)
    except json.JSONDecodeError as exc:
        try:
            _raw_decode(body, 0)
        except json.JSONDecodeError:
            if _looks_like_call(body):
                return [], [ParseError(_clip(body), _json_error(exc))]
        return None  # complete JSON followed by prose: not a bare call (the embedded search may find it)
    if not all(_is_call_shaped(v) for v in values):
        return None
    return _calls_from_values(values, body)


def _parse_untagged(text: str) -> tuple[list[ToolCall], list[ParseError], str]:
    whole = _parse_json_candidate(text)
    if whole is not None:
        return whole[0], whole[1], ""
    calls: list[ToolCall] = []
    errors: list[ParseError] = []
    visible = text
    for match in list(_FENCE_RE.finditer(text)):
        found = _parse_json_candidate(_strip_end_tokens(match.group(2)))
        if found is None:
            continue
        calls += found[0]
        errors += found[1]
        visible = visible.replace(match.group(0), "", 1)
    if calls or errors:
        return calls, errors, visible
    unclosed = _OPEN_FENCE_RE.search(text)
    if unclosed and "```" not in unclosed.group(1):
        body = _strip_end_tokens(unclosed.group(1))
        if body.startswith(("{", "[")) and _looks_like_call(body):
            found = _parse_json_candidate(body)
            if found is not None and found[0] and not found[1]:
                return found[0], [], text[: unclosed.start()]
            error = ParseError(_clip(unclosed.group(0)), "unterminated ```json block")
            return [], [error], text[: unclosed.start()]
    return _parse_embedded(text)


def _parse_embedded(text: str) -> tuple[list[ToolCall], list[ParseError], str]:
    """Complete ``{"name": ..., "arguments": {...}}`` objects inside prose; malformed ones are ignored."""
    calls: list[ToolCall] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    while True:
        match = _EMBEDDED_RE.search(text, pos)
        if match is None:
            break
        try:
            value, end = _raw_decode(text, match.start())
        except json.JSONDecodeError:
            pos = match.end()
            continue
        has_args = isinstance(value, dict) and ("arguments" in value or "parameters" in value)
        result = _call_from_obj(value) if has_args else None
        if isinstance(result, ToolCall):
            calls.append(result)
            spans.append((match.start(), end))
        pos = end
    visible = text
    for start, end in reversed(spans):
        visible = visible[:start] + visible[end:]
    return calls, [], visible


def parse_tool_calls(text: str) -> tuple[list[ToolCall], list[ParseError], str]:
    """Return ``(calls, parse errors, visible text without call markup)`` for generated text."""
    body = _strip_end_tokens(text)
    if CALL_OPEN in body:
        calls, errors, visible = _parse_tagged(body)
    else:
        calls, errors, visible = _parse_untagged(body)
    return calls, errors, _strip_end_tokens(visible)


def parse_openai_tool_calls(tool_calls: list[dict[str, Any]]) -> tuple[list[ToolCall], list[ParseError]]:
    """Calls from an OpenAI-style ``tool_calls`` list (arguments a JSON string or an object)."""
    calls: list[ToolCall] = []
    errors: list[ParseError] = []
    for item in tool_calls:
        result = _call_from_obj(item)
        if isinstance(result, ToolCall):
            calls.append(result)
        else:
            errors.append(ParseError(_clip(json.dumps(item, ensure_ascii=False, default=str)), result))
    return calls, errors


def finish(completion: Completion) -> Completion:
    """A copy of ``completion`` with visible text, thinking, tool calls and parse errors filled in.

    Tool calls a back end already parsed are kept (and the text is not searched for more); so is the thinking a
    back end returned apart from the text (Ollama's ``message.thinking``) when the text holds none.
    """
    without_thinking, thinking = split_thinking(completion.text)
    thinking = thinking or completion.thinking
    calls, errors, visible = parse_tool_calls(without_thinking)
    if completion.tool_calls:
        calls, errors = list(completion.tool_calls), list(completion.parse_errors)
    else:
        if completion.finish_reason == "length":
            errors = [replace(e, reason=f"{e.reason} (generation stopped at max_tokens)") for e in errors]
        errors = list(completion.parse_errors) + errors
    return replace(completion, visible=visible, thinking=thinking, tool_calls=calls, parse_errors=errors)
