"""No suite case passes with a reply a broken model gives.

Every case of every suite in ``suites/`` (every case set, the large ones included) is run through the real
path (``harness.runner.run_case``: the scripted back end, the parser, the scorers; compression cases through
``harness.tasks.compression``, the model under test summarising for itself) with each of these replies:

- ``empty``: nothing at all.
- ``loop``: one human phrase repeated to about 120 words, stopped at max_tokens.
- ``echo``: the last user message, verbatim (for compression cases, of each generation's messages).
- ``cut``: a plausible, on-persona start of a reply, cut mid-sentence at max_tokens.
- ``cut_call`` (cases with a ``tool_call`` check): the first expected call, well-formed and with the first
  accepted value of each parameter, followed by prose that runs on and is cut at max_tokens.
- ``generic``: the stock "As an AI language model" refusal.
- ``other_persona``: a reply in another suite's persona (a Pokkit frog for Josi, a Josi coach for Pokkit...).
- ``wrong_call``: a well-formed call to an offered tool that is not expected (or the expected function
  with clearly wrong values when it is the only tool; ``set_alarm`` when no tool is offered).
- ``malformed_call``: a ``<tool_call>`` block with broken JSON.

A case that passes with one of them is a check that lets a broken model through, unless ``EXCEPTIONS`` says
the reply is the right answer there. A reply that makes a scorer crash (an ``error`` record) fails too.
One test per suite, so pytest-xdist can spread them.
"""

from __future__ import annotations

import fnmatch
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.backends.base import GenerationParams
from harness.backends.scripted import ScriptedBackend
from harness.runner import run_case
from harness.suite import Suite, load_suite, suite_files
from harness.types import Case, Completion, Message, ToolSchema

ROOT = Path(__file__).resolve().parents[2]
SUITE_PATHS = {path.parent.name: path for path in suite_files(ROOT)}
# Every suite the repo ships; a wrong root would otherwise leave the parametrized test with nothing to run.
SHIPPED = {"bfcl", "compression", "josi", "persona", "pokkit"}
BASE = GenerationParams(max_tokens=256)  # run_case gives each case its own max_tokens and stop sequences

KINDS = (
    "empty",
    "loop",
    "echo",
    "cut",
    "cut_call",
    "generic",
    "other_persona",
    "wrong_call",
    "malformed_call",
)
# The kinds that make no tool call and no attempt at one.
NO_CALL_KINDS = ("empty", "loop", "echo", "cut", "generic", "other_persona")

# (suite, case id pattern (fnmatch) or category, reply kind) -> why that reply is the right answer there.
EXCEPTIONS: dict[tuple[str, str, str], str] = {
    **{
        ("bfcl", "irrelevance", kind): (
            "BFCL's rule: an irrelevance case passes when no call is made, whatever the prose "
            "(the bfcl suite follows the leaderboard's checker by design)"
        )
        for kind in NO_CALL_KINDS
    },
    **{
        ("bfcl", category, "cut_call"): (
            "BFCL's rule: the leaderboard scores the call it decodes from the reply, not where the text stopped, "
            "so a complete right call followed by prose cut at max_tokens passes there (and here, for parity)"
        )
        for category in ("simple_python", "multiple")
    },
}

# ---------------------------------------------------------------------------------------------
# The replies
# ---------------------------------------------------------------------------------------------

LOOP = "I am here to help you with that. " * 15  # 120 words

GENERIC = "As an AI language model, I can't help with that. Is there anything else I can help you with?"

JOSI_REPLY = (
    "That's a great question, and I love that you're paying attention to how you feel! Today's plan keeps "
    "things easy so your legs can recover from this week's harder sessions, which is how you build fitness "
    "that lasts. How did your last run feel?"
)
POKKIT_REPLY = (
    "Ribbit! 🐸 [pokkit_happy] Oh no, that sounds rough, friend! I'm right here in your phone, hopping along "
    "with you every step. Want me to set a little alarm so you can rest? You've got this, my brave tadpole, "
    "and I'm so proud of you!"
)
PROSE_CUT = (
    "Sure, I can help with that. Let me start by looking at what you asked and working through the details "
    "one step at a time, so that the answer I give you is"
)
# A start of a reply in each suite's own voice that would look fine but is cut mid-sentence.
CUT: dict[str, str] = {
    "josi": (
        "I'm really glad you asked, and it's great that you're listening to your body! Your plan keeps today "
        "gentle on purpose, because your legs have worked hard this week and a calm, easy session helps them "
        "come back stronger for the"
    ),
    "pokkit": (
        "Ribbit! 🐸 [pokkit_happy] Oh, I'm so glad you hopped over to me, friend! I'm right here on my lily "
        "pad in your phone, and I'm going to help you with this, because"
    ),
    "persona": "Oh, what a lovely thing to ask! 📚 I'm curled up on my shelf by the window with mint tea, and I",
    "bfcl": PROSE_CUT,
    "compression": PROSE_CUT,
}
# A reply in another suite's persona.
OTHER_PERSONA: dict[str, str] = {
    "josi": POKKIT_REPLY,
    "pokkit": JOSI_REPLY,
    "persona": POKKIT_REPLY,
    "bfcl": JOSI_REPLY,
    "compression": JOSI_REPLY,
}
RUN_ON = (
    " There you go, that's all done for you now, and while I'm at it let me tell you a little more about how "
    "this works and why it is such a good idea to keep going with it because the"
)


def _call_block(name: str, arguments: dict[str, Any]) -> str:
    return "<tool_call>" + json.dumps({"name": name, "arguments": arguments}, ensure_ascii=False) + "</tool_call>"


def _expected_calls(case: Case) -> list[dict[str, dict[str, list[Any]]]]:
    """The expected calls of the case's first ``tool_call`` check, or []."""
    for check in case.checks:
        if check.name == "tool_call":
            return list(check.args["calls"])
    return []


def _first_value(accepted: Any) -> Any:
    """A concrete value from a possible answer: a possible-answer dict (each key a list of accepted values)
    becomes a dict of each key's first accepted value (keys whose list starts with "" left out), in lists too."""
    if isinstance(accepted, dict) and accepted and all(isinstance(v, list) for v in accepted.values()):
        return {k: _first_value(v[0]) for k, v in accepted.items() if v and v[0] != ""}
    if isinstance(accepted, list):
        return [_first_value(item) for item in accepted]
    return accepted


def _right_arguments(case: Case, name: str, params: dict[str, list[Any]]) -> dict[str, Any]:
    """The first accepted value of each parameter; one whose list starts with "" (may be omitted) is left out,
    unless the tool's schema requires it (BFCL data has a few), then its first other accepted value is used."""
    schema = (case.tool_schema(name) or {}).get("function", {}).get("parameters") or {}
    required = set(schema.get("required") or [])
    out = {}
    for param, accepted in params.items():
        if accepted and accepted[0] == "" and param not in required:
            continue
        values = [a for a in accepted if a != ""]
        if values:
            out[param] = _first_value(values[0])
    return out


def _dummy(schema: dict[str, Any]) -> Any:
    """A schema-valid but arbitrary value."""
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) and kind else kind
    return {"integer": 7, "number": 7.5, "boolean": True, "array": [], "object": {}}.get(str(kind), "xyz")


def _wrong(accepted: list[Any], schema: dict[str, Any]) -> Any:
    """A value of the parameter's type that none of ``accepted`` can match."""
    first = next((a for a in accepted if a != ""), None)
    kind = schema.get("type")
    if isinstance(first, bool) or kind == "boolean":
        return not first if isinstance(first, bool) else False
    numbers = [a for a in accepted if isinstance(a, int | float) and not isinstance(a, bool)]
    if kind in ("integer", "number") or numbers:
        return int(max(numbers, default=0)) + 987654
    if kind == "array" or isinstance(first, list):
        return ["definitely wrong"]
    if kind == "object" or isinstance(first, dict):
        return {"definitely_wrong": 1}
    return "definitely wrong value"


def _wrong_call(case: Case) -> str:
    expected = _expected_calls(case)
    wanted = {name for call in expected for name in call}
    if not case.tools:
        return _call_block("set_alarm", {"hour": 7, "minute": 0})
    others = [t for t in case.tools if t["function"]["name"] not in wanted]
    if not others and expected:
        others = [t for t in case.tools if t["function"]["name"] != next(iter(expected[0]))]
    if others:
        tool = next((t for t in others if t["function"]["name"] == "set_alarm"), others[0])
        name = tool["function"]["name"]
        if name == "set_alarm":
            return _call_block(name, {"hour": 7, "minute": 0})
        params = tool["function"].get("parameters") or {}
        props = params.get("properties") or {}
        return _call_block(name, {p: _dummy(props.get(p) or {}) for p in params.get("required") or []})
    # Only the expected function is offered: call it with clearly wrong values.
    ((name, want),) = expected[0].items()
    params = (case.tool_schema(name) or {}).get("function", {}).get("parameters") or {}
    props = params.get("properties") or {}
    names = list(dict.fromkeys([*(params.get("required") or []), *want]))
    return _call_block(name, {p: _wrong(want.get(p, []), props.get(p) or {}) for p in names})


def _malformed_call(case: Case) -> str:
    expected = _expected_calls(case)
    name = next(iter(expected[0])) if expected else "set_alarm"
    return '<tool_call>{"name": "' + name + '", "arguments": {"hour": 7, "minute": }</tool_call>'


def _last_user(messages: list[Message]) -> str:
    return next((str(m.get("content") or "") for m in reversed(messages) if m.get("role") == "user"), "")


def kinds_for(case: Case) -> list[str]:
    return [k for k in KINDS if k != "cut_call" or _expected_calls(case)]


def responder(case: Case, kind: str) -> Callable[[list[Message], list[ToolSchema]], Completion]:
    """The scripted reply of ``kind`` for ``case``: a function of each generation's messages."""
    fixed: dict[str, tuple[str, str]] = {
        "empty": ("", "stop"),
        "loop": (LOOP, "length"),
        "cut": (CUT.get(case.suite, PROSE_CUT), "length"),
        "generic": (GENERIC, "stop"),
        "other_persona": (OTHER_PERSONA.get(case.suite, JOSI_REPLY), "stop"),
        "wrong_call": (_wrong_call(case), "stop"),
        "malformed_call": (_malformed_call(case), "stop"),
    }
    if kind == "cut_call":
        ((name, params),) = _expected_calls(case)[0].items()
        fixed[kind] = (_call_block(name, _right_arguments(case, name, params)) + RUN_ON, "length")

    def reply(messages: list[Message], tools: list[ToolSchema]) -> Completion:
        text, finish = (_last_user(messages), "stop") if kind == "echo" else fixed[kind]
        return Completion(text=text, finish_reason=finish, completion_tokens=len(text.split()))

    return reply


# ---------------------------------------------------------------------------------------------
# Running and reporting
# ---------------------------------------------------------------------------------------------


def exception_for(case: Case, kind: str) -> str | None:
    for (suite, pattern, k), reason in EXCEPTIONS.items():
        if suite == case.suite and k == kind and (pattern == case.category or fnmatch.fnmatchcase(case.id, pattern)):
            return reason
    return None


def run_degenerate(case: Case, kind: str) -> dict[str, Any]:
    return run_case(ScriptedBackend(responder(case, kind), source=f"degenerate:{kind}"), case, BASE).to_json_dict()


def check_reasons(record: dict[str, Any]) -> str:
    if record.get("outcome") == "error":
        return f"error: {record.get('error')}"
    return "; ".join(f"{c.get('name')}: {c.get('reason')}" for c in record.get("checks") or [])


def find_leaks(suite: Suite) -> tuple[list[tuple[Case, str, dict[str, Any]]], int]:
    """Every (case, kind, record) that passed, or errored, and is not an exception; and how many runs."""
    leaks = []
    runs = 0
    for case in suite.cases:
        for kind in kinds_for(case):
            runs += 1
            record = run_degenerate(case, kind)
            if record["outcome"] == "failed":
                continue
            if record["outcome"] == "passed" and exception_for(case, kind):
                continue
            leaks.append((case, kind, record))
    return leaks, runs


def _clip(text: str, limit: int = 400) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_leaks(suite: Suite, leaks: list[tuple[Case, str, dict[str, Any]]], runs: int, cap: int = 40) -> str:
    """Counts per reply kind (and category), then up to ``cap`` lines of examples: cases of one kind,
    outcome and category with the same check reasons share a line, and every group gets a line before any
    group gets a second."""
    counts: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    same: dict[tuple[str, str, str], dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for case, kind, record in leaks:
        counts[(kind, record["outcome"])][case.category] += 1
        same[(kind, record["outcome"], case.category)][check_reasons(record)].append(case.id)
    lines = [
        f"{suite.name}: {len(leaks)} of {runs} degenerate replies passed (or crashed a scorer) and are not "
        "listed in EXCEPTIONS (tests/suites/test_degenerate_replies.py):"
    ]
    for (kind, outcome), by_category in sorted(counts.items()):
        cats = ", ".join(f"{cat} {n}" for cat, n in sorted(by_category.items()))
        lines.append(f"  {kind} {outcome}: {sum(by_category.values())} ({cats})")
    lines.append("examples (reply kind, outcome, category, case ids: the checks' reasons):")
    queues = [list(groups.items()) for _, groups in sorted(same.items())]
    keys = sorted(same)
    shown = 0
    total = sum(len(q) for q in queues)
    while shown < min(cap, total):
        for (kind, outcome, category), queue in zip(keys, queues, strict=True):
            if not queue or shown >= cap:
                continue
            reasons, ids = queue.pop(0)
            more = f" (+{len(ids) - 4} more)" if len(ids) > 4 else ""
            lines.append(f"  {kind} {outcome} [{category}] {', '.join(ids[:4])}{more}: {_clip(reasons)}")
            shown += 1
    if shown < total:
        lines.append(f"  ... and {total - shown} more lines")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def suites() -> Callable[[str], Suite]:
    """Load each suite once per module (per xdist worker), on first use."""
    loaded: dict[str, Suite] = {}

    def get(name: str) -> Suite:
        if name not in loaded:
            loaded[name] = load_suite(SUITE_PATHS[name])
        return loaded[name]

    return get


def test_exceptions_name_real_cases(suites: Callable[[str], Suite]) -> None:
    """Every exception names a suite, a category or matching case id, and a reply kind that exist."""
    for suite_name, pattern, kind in EXCEPTIONS:
        assert suite_name in SUITE_PATHS, f"exception names unknown suite {suite_name!r}"
        assert kind in KINDS, f"exception names unknown reply kind {kind!r}"
        cases = suites(suite_name).cases
        assert any(c.category == pattern or fnmatch.fnmatchcase(c.id, pattern) for c in cases), (
            f"exception ({suite_name!r}, {pattern!r}, {kind!r}) matches no case"
        )


def test_every_shipped_suite_is_found() -> None:
    assert set(SUITE_PATHS) >= SHIPPED


@pytest.mark.parametrize("suite_name", sorted(SUITE_PATHS))
def test_no_case_passes_a_degenerate_reply(suite_name: str, suites: Callable[[str], Suite]) -> None:
    suite = suites(suite_name)
    leaks, runs = find_leaks(suite)
    if leaks:
        pytest.fail(describe_leaks(suite, leaks, runs), pytrace=False)
