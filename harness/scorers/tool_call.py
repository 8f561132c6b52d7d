"""BFCL-grade tool-call checking: names, required and unexpected parameters, types and accepted values.

Expected calls use BFCL's possible-answer format: a list of ``{function_name: {param: [accepted, ...]}}``
where ``""`` among the accepted values means the parameter may be omitted. An accepted dict whose values are
all lists is a possible answer too (each key: its accepted values). A null argument is of the wrong type
unless the first accepted value other than ``""`` is None (as in BFCL) or the schema allows null.
``check_calls`` is pure (no ``Case``) so other suites can reuse it; ``tool_call`` and ``no_tool_call`` are
the registered scorers.

Error types: ``parse_error``, ``wrong_func_name``, ``missing_required``, ``unexpected_param``,
``wrong_type``, ``wrong_value``, ``wrong_count``, ``unexpected_call``.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.errors import ConfigError
from harness.scorers.text import negated_mention
from harness.scoring import ScoreFn, ScorerSpec, scorer
from harness.types import Completion, ParseError, Score, ToolCall

if TYPE_CHECKING:
    from harness.types import Case

ExpectedCall = dict[str, dict[str, list[Any]]]

MATCH_MODES = ("all", "chain")
_MAX_EXHAUSTIVE = 7  # up to this many calls, try every pairing; above it, a maximum bipartite matching
_STANDARDIZE_RE = re.compile(r"[ ,./\-_*^]")
_LETTERS_RE = re.compile(r"[\W_]+")
# How close a failing pair came to matching; higher is closer. Used to pick the best partial match.
_CLOSENESS = {"wrong_func_name": 0, "missing_required": 1, "unexpected_param": 1, "wrong_type": 2, "wrong_value": 3}


@dataclass(frozen=True)
class CallCheck:
    """The verdict of ``check_calls``: pass/fail, the error type and one readable sentence."""

    passed: bool
    error_type: str | None
    reason: str
    matched: int
    expected: int

    @property
    def value(self) -> float:
        if self.expected == 0:
            return 1.0 if self.passed else 0.0
        return self.matched / self.expected


@dataclass(frozen=True)
class _Pair:
    ok: bool
    error_type: str | None
    reason: str
    params_ok: int = 0

    @property
    def closeness(self) -> int:
        return 10 if self.ok else _CLOSENESS.get(self.error_type or "", 0)


def standardize_string(text: str) -> str:
    """BFCL's normalisation: lowercase, drop spaces and ``,./-_*^``, turn ``'`` into ``"``."""
    return _STANDARDIZE_RE.sub("", text).lower().replace("'", '"')


def _show(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_call(call: ToolCall) -> str:
    """``set_alarm(hour=6, minute=0)``, shortened when long."""
    args = ", ".join(f"{k}={_show(v, 40)}" for k, v in call.arguments.items())
    text = f"{call.name}({args})"
    return text if len(text) <= 160 else text[:157] + "..."


_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), ((list, tuple), "array"))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "object"
    return next((name for kind, name in _JSON_TYPES if isinstance(value, kind)), type(value).__name__)


_TYPE_ALIASES = {"dict": "object", "float": "number", "tuple": "array", "list": "array", "int": "integer"}


def _type_matches(value: Any, type_name: str) -> bool:
    kind = _TYPE_ALIASES.get(type_name, type_name)
    actual = _json_type(value)
    if kind == "any":
        return True
    if kind == "number":
        return actual in ("integer", "number")
    if kind in ("integer", "string", "boolean", "array", "object", "null"):
        return actual == kind
    return True  # a type this checker does not know: do not fail the model for it


def _schema_error(value: Any, schema: dict[str, Any], path: str) -> tuple[str, str] | None:
    """``(error_type, reason)`` when ``value`` breaks the parameter schema (type, enum, items)."""
    declared = schema.get("type")
    types = declared if isinstance(declared, list) else [declared] if isinstance(declared, str) else []
    if value is None:  # BFCL: null is a value of the wrong type, even for "any", unless the schema allows null
        if schema.get("nullable") or "null" in types:
            return None
        want = " or ".join(str(t) for t in types) or "a value"
        return "wrong_type", f"{path} expected {want}, got null"
    if types and not any(_type_matches(value, t) for t in types):
        want = " or ".join(str(t) for t in types)
        return "wrong_type", f"{path} expected {want}, got {_json_type(value)} {_show(value)}"
    enum = schema.get("enum")
    if isinstance(enum, list) and enum and not any(_values_equal(value, option) for option in enum):
        return "wrong_value", f"{path} must be one of {_show(enum)}, got {_show(value)}"
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            error = _schema_error(item, schema["items"], f"{path}[{i}]")
            if error:
                return error
    if isinstance(value, dict) and isinstance(schema.get("properties"), dict):
        for key, sub in schema["properties"].items():
            if key in value and isinstance(sub, dict):
                error = _schema_error(value[key], sub, f"{path}.{key}")
                if error:
                    return error
    return None


def _values_equal(actual: Any, accepted: Any) -> bool:
    if isinstance(actual, bool) or isinstance(accepted, bool):
        return isinstance(actual, bool) and isinstance(accepted, bool) and actual == accepted
    if isinstance(actual, int) and isinstance(accepted, int):
        return actual == accepted  # exact, and no float overflow for a 400-digit integer
    if isinstance(actual, int | float) and isinstance(accepted, int | float):
        try:
            return math.isclose(actual, accepted, rel_tol=0, abs_tol=1e-9) or actual == accepted
        except OverflowError:  # an integer too large for a float cannot equal a finite float
            return False
    if isinstance(actual, str) and isinstance(accepted, str):
        return standardize_string(actual) == standardize_string(accepted)
    if isinstance(actual, list | tuple) and isinstance(accepted, list | tuple):
        return len(actual) == len(accepted) and all(_values_equal(a, b) for a, b in zip(actual, accepted, strict=True))
    if isinstance(actual, dict) and isinstance(accepted, dict):
        if _is_possible_answer_dict(accepted):
            return _dict_matches_possible_answer(actual, accepted)
        return actual.keys() == accepted.keys() and all(_values_equal(actual[k], accepted[k]) for k in actual)
    return actual is None and accepted is None


def _dict_matches_possible_answer(actual: dict[str, Any], accepted: dict[str, list[Any]]) -> bool:
    """BFCL's dict_checker: each key maps to a list of accepted values for that key, ``""`` meaning the
    key may be left out. The model's value for a key is compared with each accepted value, never with the
    list itself, so ``{"math": [90]}`` does not match ``{"math": [90]}`` (only ``{"math": 90}`` does)."""
    return _dict_problem(actual, accepted) is None


def _is_possible_answer_dict(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, list) for v in value.values())


def _dict_problem(actual: dict[str, Any], accepted: dict[str, list[Any]]) -> str | None:
    """Which key of ``actual`` breaks the possible-answer dict ``accepted``: ``".math expected 90, got [90]"``."""
    for key in actual:
        if key not in accepted:
            return f".{key} is not an expected key (expected: {', '.join(accepted) or 'none'})"
    for key, options in accepted.items():
        shown = [o for o in options if not (isinstance(o, str) and o == "")]
        if key not in actual:
            if len(shown) < len(options):
                continue
            return f".{key} expected but missing"
        if not any(_values_equal(actual[key], option) for option in options):
            want = _show(shown[0]) if len(shown) == 1 else f"one of {_show(shown)}"
            return f".{key} expected {want}, got {_show(actual[key])}"
    return None


def _tool_index(tools: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    for tool in tools:
        function = tool.get("function", tool)
        index[function["name"]] = function.get("parameters") or {}
    return index


def _null_accepted(accepted: Sequence[Any] | None) -> bool:
    """BFCL's rule for a null argument: it is of the wrong type unless the possible answer's type is
    ``None``, i.e. the first accepted value other than ``""`` is ``None`` (``["", None]`` or ``[None]``)."""
    return next((a for a in accepted or () if not (isinstance(a, str) and a == "")), "") is None


def _validate_schema(
    call: ToolCall, params: dict[str, Any], accepted: dict[str, list[Any]] | None = None
) -> _Pair | None:
    """A failing pair when ``call`` breaks its tool's schema (required, unexpected, types). ``accepted``:
    the expected call's accepted values, which decide whether a null argument is allowed."""
    properties = params.get("properties") or {}
    required = params.get("required") or []
    args = call.arguments
    for name in required:
        if name not in args:
            return _Pair(False, "missing_required", f"{call.name}: required param {name} is missing")
    for name in args:
        if name not in properties:
            allowed = ", ".join(properties) or "none"
            reason = f"{call.name}: param {name} is not in the schema (allowed: {allowed})"
            return _Pair(False, "unexpected_param", reason)
    for name, value in args.items():
        schema = properties[name]
        if value is None and _null_accepted((accepted or {}).get(name)):
            continue
        error = _schema_error(value, schema, name) if isinstance(schema, dict) else None
        if error:
            return _Pair(False, error[0], f"{call.name}: {error[1]}")
    return None


def schema_problem(call: ToolCall, tools: Sequence[dict[str, Any]]) -> str | None:
    """Why ``call`` is not a valid call of one of ``tools`` (unknown name, missing/unexpected/mistyped
    argument), or None. Used to validate training data with the same rules the scorer applies."""
    index = _tool_index(tools)
    if call.name not in index:
        return f"{call.name} is not one of the tools ({', '.join(index) or 'none'})"
    problem = _validate_schema(call, index[call.name])
    return problem.reason if problem else None


def _exact_equal(actual: Any, accepted: Any) -> bool:
    """Strings compared as written (surrounding whitespace aside): a password or a code is not
    "the same after lowercasing and dropping punctuation". Other values as ``_values_equal``."""
    if isinstance(actual, str) and isinstance(accepted, str):
        return actual.strip() == accepted.strip()
    return _values_equal(actual, accepted)


def _loose_equal(actual: Any, accepted: Any) -> bool:
    """Strings compared on their letters and digits alone ("Drink a glass of water!!" == "drink a glass of
    water", curly quotes and all); other values as ``_values_equal``."""
    if isinstance(actual, str) and isinstance(accepted, str):
        return _LETTERS_RE.sub("", actual).lower() == _LETTERS_RE.sub("", accepted).lower()
    return _values_equal(actual, accepted)


@dataclass(frozen=True)
class StringRules:
    """How string arguments compare: BFCL's normalisation by default; ``loose`` ignores all punctuation;
    parameters in ``exact`` (``function.param``) must match as written."""

    exact: frozenset[str] = frozenset()
    loose: bool = False

    def equal(self, function: str, param: str) -> Any:
        if f"{function}.{param}" in self.exact:
            return _exact_equal
        return _loose_equal if self.loose else _values_equal


_BFCL_STRINGS = StringRules()


def _check_pair(
    call: ToolCall, expected: ExpectedCall, tools: dict[str, dict[str, Any]], rules: StringRules = _BFCL_STRINGS
) -> _Pair:
    ((want_name, want_params),) = expected.items()
    if call.name not in tools:
        reason = f"called {call.name}, which is not one of the offered tools (expected {want_name})"
        return _Pair(False, "wrong_func_name", reason)
    if call.name != want_name:
        return _Pair(False, "wrong_func_name", f"expected a call to {want_name}, got {call.name}")
    params = tools[want_name]
    schema_failure = _validate_schema(call, params, want_params)
    if schema_failure:
        return schema_failure
    required = params.get("required") or []
    args = call.arguments
    params_ok = 0
    for name, accepted in want_params.items():
        if name not in args:
            if "" in accepted:
                params_ok += 1
                continue
            kind = "missing_required" if name in required else "wrong_value"
            what = "required param" if name in required else "optional param"
            return _Pair(False, kind, f"{call.name}: {what} {name} expected but omitted", params_ok)
        equal = rules.equal(want_name, name)
        if not any(equal(args[name], option) for option in accepted):
            shown = [a for a in accepted if a != ""]
            reason = f"{call.name}: {name} expected one of {_show(shown)}, got {_show(args[name])}"
            if isinstance(args[name], dict) and len(shown) == 1 and _is_possible_answer_dict(shown[0]):
                detail = _dict_problem(args[name], shown[0])
                reason = f"{call.name}: {name}{detail}" if detail else reason
            return _Pair(False, "wrong_value", reason, params_ok)
        params_ok += 1
    return _Pair(True, None, f"{call.name} matched", params_ok)


def _max_matching(ok: list[list[bool]], n_act: int) -> dict[int, int]:
    """A maximum matching of expected to actual calls where ``ok[e][a]`` (Kuhn's augmenting paths).

    Expected calls are tried in order and one that finds no augmenting path stays unmatched, so an expected
    call is left out only when no matching covers it together with every earlier call that was matched."""
    owner: dict[int, int] = {}  # actual index -> expected index

    def augment(e: int, seen: set[int]) -> bool:
        for a in range(n_act):
            if ok[e][a] and a not in seen:
                seen.add(a)
                if a not in owner or augment(owner[a], seen):
                    owner[a] = e
                    return True
        return False

    for e in range(len(ok)):
        augment(e, set())
    return {e: a for a, e in owner.items()}


def _best_assignment(pairs: list[list[_Pair]], n_exp: int, n_act: int) -> list[tuple[int, int]]:
    """The (expected, actual) index pairs that match the most calls, then come closest on the rest.

    Up to ``_MAX_EXHAUSTIVE`` calls every pairing is tried. Above that, a maximum bipartite matching of the
    passing pairs gives the most matches (exactly); each unmatched expected call, in order, then takes the
    closest remaining actual call, which explains why it failed."""

    def key(assignment: list[tuple[int, int]]) -> tuple[int, int, int]:
        chosen = [pairs[e][a] for e, a in assignment]
        return sum(p.ok for p in chosen), sum(p.closeness for p in chosen), sum(p.params_ok for p in chosen)

    k = min(n_exp, n_act)
    if max(n_exp, n_act) <= _MAX_EXHAUSTIVE:
        if n_exp <= n_act:
            options = ([(e, a) for e, a in enumerate(perm)] for perm in itertools.permutations(range(n_act), k))
        else:
            options = ([(e, a) for a, e in enumerate(perm)] for perm in itertools.permutations(range(n_exp), k))
        best = max(options, key=key)
        return sorted(best)
    matching = _max_matching([[p.ok for p in row] for row in pairs], n_act)
    free = set(range(n_act)) - set(matching.values())
    assignment = list(matching.items())
    for e in range(n_exp):
        if e in matching or not free:
            continue
        a = max(sorted(free), key=lambda j: (pairs[e][j].ok, pairs[e][j].closeness, pairs[e][j].params_ok))
        free.discard(a)
        assignment.append((e, a))
    return sorted(assignment)


def _names(calls: Sequence[str]) -> str:
    return ", ".join(calls) if calls else "none"


def _plural(n: int) -> str:
    return f"{n} call" if n == 1 else f"{n} calls"


def _parse_reason(parse_errors: Sequence[ParseError]) -> str:
    more = f" (and {len(parse_errors) - 1} more)" if len(parse_errors) > 1 else ""
    return f"malformed tool call: {parse_errors[0].reason}{more}"


def _check_no_call(actual: Sequence[ToolCall], parse_errors: Sequence[ParseError]) -> CallCheck:
    if actual:
        more = f" (and {len(actual) - 1} more)" if len(actual) > 1 else ""
        return CallCheck(False, "unexpected_call", f"expected no tool call, got {describe_call(actual[0])}{more}", 0, 0)
    if parse_errors:
        return CallCheck(False, "parse_error", f"expected no tool call, got a {_parse_reason(parse_errors)}", 0, 0)
    return CallCheck(True, None, "no tool call, as expected", 0, 0)


def _check_all(
    actual: Sequence[ToolCall],
    expected: list[ExpectedCall],
    tools: dict[str, dict[str, Any]],
    parse_errors: Sequence[ParseError],
    rules: StringRules,
) -> CallCheck:
    n_exp, n_act = len(expected), len(actual)
    want = [next(iter(e)) for e in expected]
    if n_act == 0:
        if parse_errors:
            return CallCheck(False, "parse_error", _parse_reason(parse_errors), 0, n_exp)
        reason = f"expected {_plural(n_exp)} ({_names(want)}), but no tool call was made"
        return CallCheck(False, "wrong_count", reason, 0, n_exp)
    pairs = [[_check_pair(call, exp, tools, rules) for call in actual] for exp in expected]
    assignment = _best_assignment(pairs, n_exp, n_act)
    chosen = [pairs[e][a] for e, a in assignment]
    matched = sum(p.ok for p in chosen)
    failures = [p for p in chosen if not p.ok]
    if parse_errors and matched == 0:
        return CallCheck(False, "parse_error", _parse_reason(parse_errors), 0, n_exp)
    if n_act != n_exp:
        if parse_errors and not failures and n_act < n_exp:
            reason = f"{_parse_reason(parse_errors)}; matched {matched} of {n_exp} expected calls"
            return CallCheck(False, "parse_error", reason, matched, n_exp)
        got = [c.name for c in actual]
        also = f"; also {failures[0].reason}" if failures else ""
        reason = f"expected {_plural(n_exp)} ({_names(want)}), got {n_act} ({_names(got)}){also}"
        return CallCheck(False, "wrong_count", reason, matched, n_exp)
    if failures:
        more = f" (and {len(failures) - 1} more wrong calls)" if len(failures) > 1 else ""
        return CallCheck(False, failures[0].error_type, failures[0].reason + more, matched, n_exp)
    if parse_errors:
        reason = f"all expected calls matched, but there was also a {_parse_reason(parse_errors)}"
        return CallCheck(False, "parse_error", reason, matched, n_exp)
    reason = f"{want[0]} matched" if n_exp == 1 else f"all {n_exp} expected calls matched ({_names(want)})"
    return CallCheck(True, None, reason, matched, n_exp)


def _check_chain(
    actual: Sequence[ToolCall],
    expected: list[ExpectedCall],
    tools: dict[str, dict[str, Any]],
    parse_errors: Sequence[ParseError],
    rules: StringRules,
) -> CallCheck:
    n_exp = len(expected)
    if not actual:
        if parse_errors:
            return CallCheck(False, "parse_error", _parse_reason(parse_errors), 0, n_exp)
        first = next(iter(expected[0]))
        return CallCheck(False, "wrong_count", f"expected a first call to {first}, but no tool call was made", 0, n_exp)
    head = _check_pair(actual[0], expected[0], tools, rules)
    if not head.ok:
        return CallCheck(False, head.error_type, f"first call: {head.reason}", 0, n_exp)
    matched = 1
    remaining = list(range(1, n_exp))
    for call in actual[1:]:
        if call.name not in tools:
            reason = f"later call to {call.name}: that tool does not exist"
            return CallCheck(False, "wrong_func_name", reason, matched, n_exp)
        hit = next((i for i in remaining if _check_pair(call, expected[i], tools, rules).ok), None)
        if hit is not None:
            remaining.remove(hit)
            matched += 1
            continue
        failure = _validate_schema(call, tools[call.name])
        if failure:
            return CallCheck(False, failure.error_type, f"later call: {failure.reason}", matched, n_exp)
    if parse_errors:
        reason = f"first call matched, but there was also a {_parse_reason(parse_errors)}"
        return CallCheck(False, "parse_error", reason, matched, n_exp)
    reason = f"first call {next(iter(expected[0]))} matched; chain covered {matched} of {n_exp}"
    return CallCheck(True, None, reason, matched, n_exp)


def check_calls(
    actual: Sequence[ToolCall],
    expected: list[ExpectedCall],
    tools: Sequence[dict[str, Any]],
    parse_errors: Sequence[ParseError] = (),
    match: str = "all",
    exact: Sequence[str] = (),
    loose: bool = False,
) -> CallCheck:
    """Check the calls a model made against BFCL-style expected calls and the offered tool schemas.

    ``match="all"``: every expected call must be made exactly once, in any order, and nothing else.
    ``match="chain"``: the first call must match ``expected[0]``; later calls must be schema-valid and
    count towards ``matched`` when they match a remaining expected call. ``expected=[]``: no call at all.
    ``exact``: ``"function.param"`` names whose strings must match as written, without BFCL's normalisation;
    ``loose``: other strings compare on letters and digits alone (punctuation and symbols ignored).
    """
    if match not in MATCH_MODES:
        raise ConfigError(f"tool call match mode must be one of {', '.join(MATCH_MODES)}, got {match!r}")
    if not expected:
        return _check_no_call(actual, parse_errors)
    index = _tool_index(tools)
    missing = [name for exp in expected for name in exp if name not in index]
    if missing:
        offered = ", ".join(index) or "none"
        raise ConfigError(f"expected call to {', '.join(missing)}, which is not among the offered tools ({offered})")
    rules = StringRules(frozenset(exact), loose)
    if match == "chain":
        return _check_chain(actual, expected, index, parse_errors, rules)
    return _check_all(actual, expected, index, parse_errors, rules)


def validate_expected(calls: Any) -> list[ExpectedCall]:
    """Check and normalise expected calls from a suite file; problems are ConfigErrors."""
    if not isinstance(calls, list) or not calls:
        raise ConfigError(
            f"tool_call: 'calls' must be a non-empty list of {{function: {{param: [values]}}}}, "
            f"got {calls!r} (use the no_tool_call scorer when no call is expected)"
        )
    out: list[ExpectedCall] = []
    for i, call in enumerate(calls):
        if not isinstance(call, dict) or len(call) != 1:
            raise ConfigError(f"tool_call: calls[{i}] must be a mapping with one function name, got {call!r}")
        ((name, params),) = call.items()
        if not isinstance(name, str) or not name:
            raise ConfigError(f"tool_call: calls[{i}] function name must be a non-empty string, got {name!r}")
        params = {} if params is None else params
        if not isinstance(params, dict):
            raise ConfigError(f"tool_call: calls[{i}].{name} must map parameter names to lists, got {params!r}")
        for param, accepted in params.items():
            if not isinstance(accepted, list) or not accepted:
                raise ConfigError(
                    f"tool_call: calls[{i}].{name}.{param} must be a non-empty list of accepted "
                    f"values, e.g. [{accepted!r}], got {accepted!r}"
                )
        out.append({name: {str(k): list(v) for k, v in params.items()}})
    return out


def _validate_exact(exact: Any, expected: list[ExpectedCall]) -> list[str]:
    if exact is None:
        return []
    if not isinstance(exact, list) or not all(isinstance(e, str) for e in exact):
        raise ConfigError(f"tool_call: exact must be a list of 'function.param' names, got {exact!r}")
    known = {f"{name}.{param}" for call in expected for name, params in call.items() for param in params}
    for name in exact:
        if name not in known:
            raise ConfigError(
                f"tool_call: exact names {name!r}, which is not an expected parameter "
                f"(expected: {', '.join(sorted(known)) or 'none'}); write it as function.param"
            )
    return list(exact)


@scorer("tool_call")
def tool_call(
    calls: list[Any], match: str = "all", exact: list[str] | None = None, ignore_punctuation: bool = False
) -> ScorerSpec:
    """The model made the expected tool calls (BFCL-style: names, parameters, types, accepted values).

    Strings are compared after BFCL's normalisation (``ignore_punctuation``: on their letters and digits
    alone), except the parameters named in ``exact`` (``function.param``, e.g. ``write_clipboard.text``), which
    must match as written: case and punctuation count.
    """
    if not isinstance(ignore_punctuation, bool):
        raise ConfigError(f"tool_call: ignore_punctuation must be true or false, got {ignore_punctuation!r}")
    expected = validate_expected(calls)
    if match not in MATCH_MODES:
        raise ConfigError(f"tool_call: match must be one of {', '.join(MATCH_MODES)}, got {match!r}")
    exact_names = _validate_exact(exact, expected)

    def score(case: Case, completion: Completion) -> Score:
        try:
            result = check_calls(
                completion.tool_calls,
                expected,
                case.tools,
                completion.parse_errors,
                match,
                exact_names,
                ignore_punctuation,
            )
        except ConfigError as exc:
            raise ConfigError(f"case {case.id!r}: {exc}") from None
        return Score("tool_call", result.passed, result.reason, result.value, result.error_type)

    def validate_case(case: Case) -> None:
        offered = case.tool_names
        for call in calls:
            for name in call:
                if name not in offered:
                    raise ConfigError(
                        f"tool_call expects {name!r}, which is not among the tools offered to this case "
                        f"({', '.join(sorted(offered)) or 'none'})"
                    )

    return ScorerSpec(score, validate_case=validate_case)


@scorer("no_tool_call")
def no_tool_call() -> ScoreFn:
    """The model answered without calling a tool: no parsed call, no malformed attempt at one, and no call of an
    offered tool written as code in the prose."""

    def score(case: Case, completion: Completion) -> Score:
        result = _check_no_call(completion.tool_calls, completion.parse_errors)
        if result.passed and (written := code_call(completion.visible, case.tool_names)) is not None:
            reason = f"expected no tool call, got a call to {written} written as code"
            return Score("no_tool_call", False, reason, 0.0, "unexpected_call")
        return Score("no_tool_call", result.passed, result.reason, result.value, result.error_type)

    return score


def code_call(text: str, tool_names: set[str]) -> str | None:
    """The offered tool that ``text`` calls in code form (``web_search(query="...")``, ``[math.factorial(n=5)]``),
    as BFCL's decoder would read it, or None. BFCL names have their dots turned into underscores, so either
    matches."""
    for name in sorted(tool_names, key=len, reverse=True):
        pattern = r"[._]".join(re.escape(part) for part in name.split("_"))
        # name( followed by ")" or an argument: "web_search(query=...)", "f('x')", "f(5)"; not "web_search (no need)"
        for match in re.finditer(rf"(?<![\w.]){pattern}\((?=\s*(?:\)|\w+\s*=|[\"'\d\[{{-]))", text):
            if not negated_mention(text, match.start()):
                return name
    return None
