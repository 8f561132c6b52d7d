"""Berkeley Function Calling Leaderboard (BFCL) single-turn questions as cases.

``load_bfcl`` reads a BFCL question file (one JSON object per line: ``id``, ``question``, ``function``) and,
for every category but irrelevance, its ``possible_answer`` file (``id``, ``ground_truth``). Each question
becomes one case: the last user message of its single turn is the prompt, earlier messages (a BFCL system
message included) the history, the converted functions the case's ``tool_schemas``, and the ground truth a
``tool_call`` check (BFCL's possible-answer format is the scorer's own). Irrelevance questions get
``no_tool_call``. Multi-turn questions are refused.

The schema conversion follows BFCL's own for function-calling (OpenAI-style) models, in the gorilla repository
(berkeley-function-call-leaderboard/bfcl_eval, read at commit 6ea5797):

- ``model_handler/utils.py`` ``convert_to_tool``: dots in function names become underscores
  (``re.sub(r"\\.", "_", name)``: OpenAI names must match ``^[a-zA-Z0-9_-]{1,64}$``), ``parameters.type``
  is set to ``"object"``, and each tool is wrapped as ``{"type": "function", "function": {...}}``
  (the ``OPENAI_COMPLETIONS`` style).
- ``model_handler/utils.py`` ``_cast_to_openai_type``: each property's type is mapped with
  ``GORILLA_TO_OPENAPI`` (``constants/type_mappings.py``: dict->object, float->number, tuple->array,
  list->array, bool->boolean, any->string, ...); a missing or unknown type becomes ``"string"``; a float
  property also gets ``"format": "float"`` and " This is a float type value." appended to its description;
  nested ``properties`` and ``items`` are converted too. BFCL descends into items only two levels deep;
  here the same mapping is applied at any depth.
- ``eval_checker/ast_eval/ast_checker.py`` ``convert_func_name``: the same dot-to-underscore replacement is
  applied to the ground-truth function names, so expected calls name the tools as the model saw them.

Ground-truth values are kept as they are (any JSON type, nested lists and dicts included).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.loaders import case_loader
from harness.results import iter_jsonl

GORILLA_TO_OPENAPI = {
    "integer": "integer",
    "number": "number",
    "float": "number",
    "string": "string",
    "boolean": "boolean",
    "bool": "boolean",
    "array": "array",
    "list": "array",
    "dict": "object",
    "object": "object",
    "tuple": "array",
    "any": "string",
    "byte": "integer",
    "short": "integer",
    "long": "integer",
    "double": "number",
    "char": "string",
    "ArrayList": "array",
    "Array": "array",
    "HashMap": "object",
    "Hashtable": "object",
    "Queue": "array",
    "Stack": "array",
    "Any": "string",
    "String": "string",
    "Bigint": "integer",
}
"""BFCL's ``GORILLA_TO_OPENAPI`` (bfcl_eval/constants/type_mappings.py), copied as is."""

FLOAT_NOTE = " This is a float type value."
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
_ID_SUFFIX = re.compile(r"_\d[\d-]*$")


def openai_name(name: str) -> str:
    """BFCL's function-name conversion for OpenAI-style tools: dots become underscores."""
    return re.sub(r"\.", "_", name)


def _openai_type(declared: Any) -> str:
    return GORILLA_TO_OPENAPI.get(declared, "string") if isinstance(declared, str) else "string"


def convert_schema(schema: dict[str, Any], is_property: bool = True) -> dict[str, Any]:
    """A copy of one BFCL parameter schema with OpenAI types, converted recursively.

    ``is_property``: the schema is a named property (not an array's ``items``); as in BFCL, only those get
    the float ``format`` and description note.
    """
    out = dict(schema)
    declared = schema.get("type")
    out["type"] = _openai_type(declared)
    if is_property and declared == "float":
        out["format"] = "float"
        out["description"] = f"{schema.get('description', '')}{FLOAT_NOTE}".lstrip()
    if isinstance(schema.get("properties"), dict):
        out["properties"] = {
            key: convert_schema(sub) if isinstance(sub, dict) else sub for key, sub in schema["properties"].items()
        }
    if isinstance(schema.get("items"), dict):
        out["items"] = convert_schema(schema["items"], is_property=False)
    return out


def convert_function(function: dict[str, Any]) -> dict[str, Any]:
    """One BFCL function document as an OpenAI tool: ``{"type": "function", "function": {...}}``."""
    item = copy.deepcopy(function)
    item["name"] = openai_name(item["name"])
    params = dict(item.get("parameters") or {})
    params["type"] = "object"
    properties = params.get("properties") or {}
    params["properties"] = {
        key: convert_schema(sub) if isinstance(sub, dict) else sub for key, sub in properties.items()
    }
    item["parameters"] = params
    return {"type": "function", "function": item}


def convert_ground_truth(ground_truth: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """BFCL ground truth with the function names converted like the tools; values untouched."""
    return [{openai_name(name): params for name, params in call.items()} for call in ground_truth]


def category_from_id(case_id: str) -> str:
    """``simple_python_12`` -> ``simple_python``; ``live_simple_3-2-0`` -> ``live_simple``."""
    return _ID_UNSAFE.sub("_", _ID_SUFFIX.sub("", case_id)) or "bfcl"


def _read_jsonl(path: Path) -> list[tuple[int, dict[str, Any]]]:
    out = []
    for i, item in iter_jsonl(path, error=ConfigError, what="BFCL file", fix="one JSON object per line"):
        if not isinstance(item, dict):
            raise ConfigError(f"{path}:{i}: expected a JSON object, got {type(item).__name__}")
        if not isinstance(item.get("id"), str) or not item["id"]:
            raise ConfigError(f"{path}:{i}: missing or empty 'id'")
        out.append((i, item))
    if not out:
        raise ConfigError(f"{path}: no questions in the file")
    return out


def _read_answers(path: Path) -> dict[str, tuple[int, list[dict[str, Any]]]]:
    answers: dict[str, tuple[int, list[dict[str, Any]]]] = {}
    for line, item in _read_jsonl(path):
        where = f"{path}:{line}"
        if item["id"] in answers:
            raise ConfigError(f"{where}: id {item['id']!r} appears twice (first on line {answers[item['id']][0]})")
        truth = item.get("ground_truth")
        if not isinstance(truth, list) or not truth:
            raise ConfigError(f"{where}: 'ground_truth' must be a non-empty list of calls")
        for j, call in enumerate(truth):
            if not isinstance(call, dict) or len(call) != 1:
                raise ConfigError(f"{where}: ground_truth[{j}] must be one {{function: {{param: [values]}}}}")
            ((name, params),) = call.items()
            if not isinstance(params, dict) or not all(isinstance(v, list) and v for v in params.values()):
                raise ConfigError(f"{where}: ground_truth[{j}].{name}: each param needs a non-empty list of values")
        answers[item["id"]] = (line, truth)
    return answers


def _functions(where: str, raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise ConfigError(f"{where}: 'function' must be a non-empty list of function documents")
    tools = []
    for j, function in enumerate(raw):
        if not isinstance(function, dict) or not isinstance(function.get("name"), str) or not function["name"]:
            raise ConfigError(f"{where}: function[{j}] has no name")
        params = function.get("parameters", {})
        if not isinstance(params, dict) or not isinstance(params.get("properties", {}), dict):
            raise ConfigError(f"{where}: function {function['name']!r}: 'parameters' must be an object schema")
        tools.append(convert_function(function))
    names = [t["function"]["name"] for t in tools]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"{where}: two functions are both named {dupes[0]!r} once dots become underscores")
    return tools


def _messages(where: str, question: Any) -> tuple[list[dict[str, Any]], str]:
    if not isinstance(question, list) or not question:
        raise ConfigError(f"{where}: 'question' must be a non-empty list of turns")
    if len(question) > 1:
        raise ConfigError(f"{where}: {len(question)} turns; multi-turn BFCL questions are not supported")
    turn = question[0]
    if not isinstance(turn, list) or not turn or not all(isinstance(m, dict) for m in turn):
        raise ConfigError(f"{where}: the turn must be a non-empty list of messages")
    for j, message in enumerate(turn):
        if message.get("role") not in ("system", "user", "assistant") or not isinstance(message.get("content"), str):
            raise ConfigError(f"{where}: message {j} needs a role (system/user/assistant) and string content")
    if turn[-1]["role"] != "user":
        raise ConfigError(f"{where}: the last message of the turn is {turn[-1]['role']!r}, not 'user'")
    history = [{"role": m["role"], "content": m["content"]} for m in turn[:-1]]
    return history, turn[-1]["content"]


@case_loader("bfcl")
def load_bfcl(path: Path, answers: str | None = None, category: str | None = None) -> list[dict[str, Any]]:
    """BFCL single-turn questions at ``path``, scored against ``answers`` (irrelevance: none, expect no call).

    ``category``: the cases' category; by default taken from each id (``parallel_3`` -> ``parallel``).
    """
    questions = _read_jsonl(path)
    if answers is None:
        first = category or category_from_id(questions[0][1]["id"])
        if "irrelevance" not in first:
            raise ConfigError(
                f"{path}: no 'answers' file given; only irrelevance questions (no call expected) may omit it"
            )
        truth_by_id = None
    else:
        truth_by_id = _read_answers(Path(answers))
    cases: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for line, item in questions:
        where = f"{path}:{line}"
        qid = item["id"]
        if qid in seen:
            raise ConfigError(f"{where}: id {qid!r} appears twice (first on line {seen[qid]})")
        seen[qid] = line
        history, prompt = _messages(where, item.get("question"))
        tools = _functions(where, item.get("function"))
        checks: list[dict[str, Any]]
        if truth_by_id is None:
            checks = [{"no_tool_call": {}}]
        else:
            if qid not in truth_by_id:
                raise ConfigError(f"{where}: question {qid!r} has no answer in {answers}")
            calls = convert_ground_truth(truth_by_id[qid][1])
            offered = {t["function"]["name"] for t in tools}
            for call in calls:
                for name in call:
                    if name not in offered:
                        raise ConfigError(
                            f"{answers}:{truth_by_id[qid][0]}: answer for {qid!r} calls {name!r}, which the "
                            f"question does not offer ({', '.join(sorted(offered))})"
                        )
            checks = [{"tool_call": {"calls": calls}}]
        case_id = _ID_UNSAFE.sub("_", qid)
        case: dict[str, Any] = {
            "id": case_id,
            "category": category or category_from_id(qid),
            "prompt": prompt,
            "history": history,
            "tool_schemas": tools,
            "checks": checks,
        }
        if case_id != qid:
            case["notes"] = f"BFCL id {qid}"
        cases.append(case)
    if truth_by_id is not None:
        extra = sorted(set(truth_by_id) - set(seen))
        if extra:
            raise ConfigError(f"{answers}: answer for {extra[0]!r} has no question in {path}")
    return cases
