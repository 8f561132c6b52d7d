"""The BFCL loader: schema conversion as BFCL does it, the bundled suite, and ground truth scored back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from harness.errors import ConfigError
from harness.loaders import get_loader
from harness.loaders.bfcl import category_from_id, convert_function, convert_ground_truth, load_bfcl
from harness.scorers.tool_call import check_calls
from harness.suite import Suite, load_suite
from harness.types import Case, ToolCall

ROOT = Path(__file__).parents[2]
SUITE = ROOT / "suites" / "bfcl" / "suite.yaml"
DATA = SUITE.parent / "data"
CATEGORIES = ("simple_python", "multiple", "parallel", "parallel_multiple", "irrelevance")

# Real answers that "first accepted value of each param, '' = leave it out" cannot turn into a passing call.
KNOWN_UNREALISABLE = {
    # fuel_efficiency (required) lists "" first; only the second value, 25.0, can pass (as in BFCL).
    "simple_python_200": "missing_required",
    # "type" (first value "credit") is not a parameter of bank.calculate_balance; only leaving it out passes.
    "parallel_multiple_26": "unexpected_param",
    # BFCL accepts these by its "variable" rule (a value of the possible answer's type, here a string, where
    # the schema wants another type); the harness scorer checks the schema type and cannot express that.
    "parallel_multiple_21": "wrong_type",
    "parallel_multiple_94": "wrong_type",
}


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite(SUITE)


def _case(suite: Suite, case_id: str) -> Case:
    return next(c for c in suite.cases if c.id == case_id)


def _realise(value: Any) -> Any:
    """A concrete value from a BFCL possible answer: nested dicts map keys to accepted-value lists too."""
    if isinstance(value, dict) and value and all(isinstance(v, list) and v for v in value.values()):
        return {k: _realise(v[0]) for k, v in value.items() if v[0] != ""}
    if isinstance(value, list):
        return [_realise(v) for v in value]
    return value


def _ground_truth_calls(case: Case) -> list[ToolCall]:
    """The expected calls as a model would make them: each param's first accepted value, "" = omitted."""
    assert case.checks[0].name == "tool_call"
    return [
        ToolCall(name, {p: _realise(values[0]) for p, values in params.items() if values[0] != ""})
        for call in _expected(case)
        for name, params in call.items()
    ]


def _expected(case: Case) -> list[dict[str, Any]]:
    return case.checks[0].args["calls"]


def _line_count(path: Path) -> int:
    return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())


def _write_jsonl(path: Path, items: list[Any]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


# -- conversion --------------------------------------------------------------------------------------------


def test_types_converted_recursively_like_bfcl() -> None:
    function = {
        "name": "shop.order",
        "description": "Order things.",
        "parameters": {
            "type": "dict",
            "properties": {
                "price": {"type": "float", "description": "Price."},
                "point": {"type": "tuple", "items": {"type": "float"}, "description": "x, y."},
                "anything": {"type": "any", "description": "Whatever."},
                "untyped": {"description": "No type given."},
                "odd": {"type": "frobnicate"},
                "address": {
                    "type": "dict",
                    "properties": {"zip": {"type": "integer"}, "lat": {"type": "float", "description": "Lat."}},
                },
                "rows": {
                    "type": "array",
                    "items": {"type": "array", "items": {"type": "dict", "properties": {"v": {"type": "any"}}}},
                },
                "flag": {"type": "bool"},
                "names": {"type": "list", "items": {"type": "String"}},
            },
            "required": ["price"],
        },
    }
    before = json.dumps(function, sort_keys=True)
    tool = convert_function(function)
    assert json.dumps(function, sort_keys=True) == before  # the input is not modified
    assert tool["type"] == "function"
    fn = tool["function"]
    assert fn["name"] == "shop_order"
    params = fn["parameters"]
    assert params["type"] == "object"
    assert params["required"] == ["price"]
    props = params["properties"]
    assert props["price"] == {"type": "number", "format": "float", "description": "Price. This is a float type value."}
    assert props["point"]["type"] == "array"
    assert props["point"]["items"] == {"type": "number"}  # items get the type only, as in BFCL
    assert props["anything"]["type"] == "string"
    assert props["untyped"]["type"] == "string"
    assert props["odd"]["type"] == "string"
    assert props["address"]["type"] == "object"
    assert props["address"]["properties"]["zip"] == {"type": "integer"}
    assert props["address"]["properties"]["lat"]["type"] == "number"
    assert props["address"]["properties"]["lat"]["format"] == "float"
    inner = props["rows"]["items"]["items"]
    assert props["rows"]["items"]["type"] == "array"
    assert inner["type"] == "object"
    assert inner["properties"]["v"]["type"] == "string"
    assert props["flag"]["type"] == "boolean"
    assert props["names"] == {"type": "array", "items": {"type": "string"}}


def test_no_bfcl_only_type_is_left_in_the_bundled_suite(suite: Suite) -> None:
    allowed = {"object", "array", "string", "integer", "number", "boolean"}

    def types(schema: dict[str, Any]) -> set[str]:
        found = {schema["type"]} if "type" in schema else set()
        for sub in (schema.get("properties") or {}).values():
            found |= types(sub)
        if isinstance(schema.get("items"), dict):
            found |= types(schema["items"])
        return found

    seen = set().union(*(types(t["function"]["parameters"]) for c in suite.cases for t in c.tools))
    assert seen == allowed
    assert all("." not in t["function"]["name"] for c in suite.cases for t in c.tools)


def test_dotted_names_in_ground_truth_converted_values_kept() -> None:
    truth = [{"math.gcd": {"a": [12], "b": [18, ""], "opts": [{"deep": [[1, [2]]]}], "n": [None]}}]
    assert convert_ground_truth(truth) == [
        {"math_gcd": {"a": [12], "b": [18, ""], "opts": [{"deep": [[1, [2]]]}], "n": [None]}}
    ]


def test_dotted_names_in_real_questions(suite: Suite) -> None:
    case = _case(suite, "parallel_0")  # spotify.play in BFCL
    assert case.tool_names == {"spotify_play"}
    assert [next(iter(c)) for c in _expected(case)] == ["spotify_play", "spotify_play"]
    calls = _ground_truth_calls(case)
    assert check_calls(calls, _expected(case), case.tools).passed
    dotted = ToolCall("spotify.play", calls[0].arguments)
    assert check_calls([dotted, calls[1]], _expected(case), case.tools).error_type == "wrong_func_name"


def test_category_from_id() -> None:
    assert category_from_id("simple_python_12") == "simple_python"
    assert category_from_id("parallel_multiple_0") == "parallel_multiple"
    assert category_from_id("live_simple_3-2-0") == "live_simple"
    assert category_from_id("irrelevance_239") == "irrelevance"


# -- the bundled suite --------------------------------------------------------------------------------------


def test_loader_is_registered() -> None:
    assert get_loader("bfcl") is load_bfcl


def test_suite_counts_per_category(suite: Suite) -> None:
    assert suite.name == "bfcl"
    assert suite.version == "4"
    counts = {cat: sum(c.category == cat for c in suite.cases) for cat in CATEGORIES}
    expected = {cat: _line_count(DATA / f"BFCL_v4_{cat}.json") for cat in CATEGORIES}
    assert counts == expected
    assert expected == {
        "simple_python": 400,
        "multiple": 200,
        "parallel": 200,
        "parallel_multiple": 200,
        "irrelevance": 240,
    }
    assert len(suite.cases) == sum(expected.values())
    assert {c.case_set for c in suite.cases} == {"default"}


@pytest.mark.parametrize("category", CATEGORIES)
def test_real_question_becomes_a_case(suite: Suite, category: str) -> None:
    line = (DATA / f"BFCL_v4_{category}.json").read_text(encoding="utf-8").splitlines()[3]
    raw = json.loads(line)
    case = _case(suite, raw["id"])
    assert case.category == category
    assert case.suite == "bfcl"
    assert case.messages == [{"role": "user", "content": raw["question"][0][-1]["content"]}]  # no system prompt
    assert case.system_name is None
    assert case.max_tokens == 256
    assert case.tools == [convert_function(f) for f in raw["function"]]
    assert [t["function"]["name"] for t in case.tools] == [f["name"].replace(".", "_") for f in raw["function"]]
    if category == "irrelevance":
        assert [c.name for c in case.checks] == ["no_tool_call"]
    else:
        answers = DATA / "possible_answer" / f"BFCL_v4_{category}.json"
        truth = next(json.loads(a) for a in answers.read_text(encoding="utf-8").splitlines() if raw["id"] in a)
        assert truth["id"] == raw["id"]
        assert [c.name for c in case.checks] == ["tool_call"]
        assert _expected(case) == convert_ground_truth(truth["ground_truth"])


def test_irrelevance_cases_expect_no_call(suite: Suite) -> None:
    cases = [c for c in suite.cases if c.category == "irrelevance"]
    assert len(cases) == 240
    assert all([c.name for c in case.checks] == ["no_tool_call"] for case in cases)
    assert all(case.tools for case in cases)  # tools are offered; the right answer is not to use them
    others = [c for c in suite.cases if c.category != "irrelevance"]
    assert all([check.name for check in c.checks] == ["tool_call"] for c in others)


# -- ground truth scored back -------------------------------------------------------------------------------

HANDFUL = ["simple_python_0", "simple_python_7", "simple_python_89", "simple_python_250", "simple_python_399"]
HANDFUL += ["parallel_0", "parallel_2", "parallel_142", "parallel_150", "parallel_199"]


@pytest.mark.parametrize("case_id", HANDFUL)
def test_ground_truth_as_model_output_passes(suite: Suite, case_id: str) -> None:
    case = _case(suite, case_id)
    calls = _ground_truth_calls(case)
    result = check_calls(calls, _expected(case), case.tools)
    assert result.passed, result.reason
    assert result.matched == len(_expected(case))
    if case.category == "parallel":
        assert len(calls) >= 2
        reversed_result = check_calls(list(reversed(calls)), _expected(case), case.tools)
        assert reversed_result.passed, reversed_result.reason  # any order


def _perturb(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 7
    if isinstance(value, str):
        return value + " zebra"
    if isinstance(value, list) and value:
        return [_perturb(value[0]), *value[1:]]
    raise AssertionError(f"no perturbation for {value!r}")


@pytest.mark.parametrize("case_id", HANDFUL)
def test_perturbed_ground_truth_is_wrong_value(suite: Suite, case_id: str) -> None:
    case = _case(suite, case_id)
    calls = _ground_truth_calls(case)
    first = calls[0]
    name = next(p for p, v in first.arguments.items() if not isinstance(v, dict))
    bad = ToolCall(first.name, {**first.arguments, name: _perturb(first.arguments[name])})
    result = check_calls([bad, *calls[1:]], _expected(case), case.tools)
    assert not result.passed
    assert result.error_type == "wrong_value", result.reason
    assert name in result.reason


def test_every_real_answer_scores_back(suite: Suite) -> None:
    failures = {}
    for case in suite.cases:
        if case.category == "irrelevance":
            continue
        result = check_calls(_ground_truth_calls(case), _expected(case), case.tools)
        if not result.passed:
            failures[case.id] = result.error_type
    assert failures == KNOWN_UNREALISABLE


def test_known_unrealisable_answers_have_a_passing_call(suite: Suite) -> None:
    case = _case(suite, "simple_python_200")
    call = ToolCall("calculate_emissions", {"distance": 12000, "fuel_type": "gas", "fuel_efficiency": 25})
    assert check_calls([call], _expected(case), case.tools).passed
    case = _case(suite, "parallel_multiple_26")
    calls = [
        ToolCall("bank_get_transaction_history", {"account": "00125648", "days": 7}),
        ToolCall("bank_calculate_balance", {"account": "00125648"}),
    ]
    assert check_calls(calls, _expected(case), case.tools).passed


def test_no_call_fails_and_irrelevance_passes_without_call(suite: Suite) -> None:
    case = _case(suite, "multiple_0")
    assert check_calls([], _expected(case), case.tools).error_type == "wrong_count"
    irrelevant = _case(suite, "irrelevance_0")
    assert check_calls([], [], irrelevant.tools).passed
    name = irrelevant.tools[0]["function"]["name"]
    assert check_calls([ToolCall(name, {})], [], irrelevant.tools).error_type == "unexpected_call"


# -- the loader on its own files ----------------------------------------------------------------------------


def _question(qid: str, turns: list[list[dict[str, str]]] | None = None) -> dict[str, Any]:
    return {
        "id": qid,
        "question": turns or [[{"role": "user", "content": "Add 2 and 3."}]],
        "function": [
            {
                "name": "math.add",
                "description": "Add.",
                "parameters": {
                    "type": "dict",
                    "properties": {"a": {"type": "integer"}, "b": {"type": "float", "description": "B."}},
                    "required": ["a", "b"],
                },
            }
        ],
    }


def _answer(qid: str) -> dict[str, Any]:
    return {"id": qid, "ground_truth": [{"math.add": {"a": [2], "b": [3.0]}}]}


def test_loader_output(tmp_path: Path) -> None:
    q = _write_jsonl(tmp_path / "q.json", [_question("simple_python_0"), _question("odd id_1")])
    a = _write_jsonl(tmp_path / "a.json", [_answer("simple_python_0"), _answer("odd id_1")])
    cases = load_bfcl(q, answers=str(a))
    assert [c["id"] for c in cases] == ["simple_python_0", "odd_id_1"]
    assert [c["category"] for c in cases] == ["simple_python", "odd_id"]
    assert cases[1]["notes"] == "BFCL id odd id_1"
    assert "notes" not in cases[0]
    assert cases[0]["prompt"] == "Add 2 and 3."
    assert cases[0]["history"] == []
    assert cases[0]["checks"] == [{"tool_call": {"calls": [{"math_add": {"a": [2], "b": [3.0]}}]}}]
    assert cases[0]["tool_schemas"][0]["function"]["name"] == "math_add"
    assert load_bfcl(q, answers=str(a), category="mine")[1]["category"] == "mine"


def test_system_message_kept_in_history(tmp_path: Path) -> None:
    turn = [
        {"role": "system", "content": "You are a calculator."},
        {"role": "user", "content": "Add 2 and 3."},
    ]
    _write_jsonl(tmp_path / "q.json", [_question("simple_python_0", [turn])])
    _write_jsonl(tmp_path / "a.json", [_answer("simple_python_0")])
    (tmp_path / "suite.yaml").write_text(
        "name: t\nversion: '1'\ncase_sources:\n  - loader: bfcl\n    path: q.json\n    args: {answers: a.json}\n",
        encoding="utf-8",
    )
    (case,) = load_suite(tmp_path / "suite.yaml").cases
    assert case.messages == turn
    assert case.tool_names == {"math_add"}


def test_bad_json_line_names_file_and_line(tmp_path: Path) -> None:
    q = tmp_path / "BFCL_v4_simple_python.json"
    q.write_text(json.dumps(_question("simple_python_0")) + "\n{not json\n", encoding="utf-8")
    a = _write_jsonl(tmp_path / "a.json", [_answer("simple_python_0")])
    with pytest.raises(ConfigError, match=r"BFCL_v4_simple_python\.json:2: not valid JSON"):
        load_bfcl(q, answers=str(a))


def test_bad_json_in_answers_names_that_file(tmp_path: Path) -> None:
    q = _write_jsonl(tmp_path / "q.json", [_question("simple_python_0")])
    a = tmp_path / "answers.json"
    a.write_text("[1, 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"answers\.json:1: not valid JSON"):
        load_bfcl(q, answers=str(a))


def test_missing_answer_names_the_file(tmp_path: Path) -> None:
    q = _write_jsonl(tmp_path / "questions.json", [_question("simple_python_0"), _question("simple_python_1")])
    a = _write_jsonl(tmp_path / "answers.json", [_answer("simple_python_0")])
    with pytest.raises(ConfigError, match=r"questions\.json:2: question 'simple_python_1' has no answer in .*answers"):
        load_bfcl(q, answers=str(a))


def test_missing_answer_through_the_suite_is_a_config_error(tmp_path: Path) -> None:
    _write_jsonl(tmp_path / "q.json", [_question("simple_python_0")])
    _write_jsonl(tmp_path / "a.json", [_answer("simple_python_9")])
    (tmp_path / "suite.yaml").write_text(
        "name: t\nversion: '1'\ncase_sources:\n  - loader: bfcl\n    path: q.json\n    args: {answers: a.json}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"q\.json:1: .*no answer"):
        load_suite(tmp_path / "suite.yaml")


@pytest.mark.parametrize(
    ("question", "answer", "message"),
    [
        (
            _question("simple_python_0", [[{"role": "user", "content": "a"}], [{"role": "user", "content": "b"}]]),
            _answer("simple_python_0"),
            "2 turns; multi-turn BFCL questions are not supported",
        ),
        ({**_question("simple_python_0"), "function": []}, _answer("simple_python_0"), "'function' must be"),
        ({"question": [], "function": []}, _answer("simple_python_0"), "missing or empty 'id'"),
        (
            _question("simple_python_0", [[{"role": "assistant", "content": "hi"}]]),
            _answer("simple_python_0"),
            "not 'user'",
        ),
        (
            _question("simple_python_0"),
            {"id": "simple_python_0", "ground_truth": [{"math.sub": {"a": [1]}}]},
            "calls 'math_sub', which the question does not offer",
        ),
        (_question("simple_python_0"), {"id": "simple_python_0", "ground_truth": []}, "non-empty list of calls"),
        (
            _question("simple_python_0"),
            {"id": "simple_python_0", "ground_truth": [{"math.add": {"a": 2}}]},
            "non-empty list of values",
        ),
    ],
    ids=["multi_turn", "no_functions", "no_id", "last_not_user", "unknown_function", "empty_truth", "bare_value"],
)
def test_malformed_input_is_a_config_error(tmp_path: Path, question: Any, answer: Any, message: str) -> None:
    q = _write_jsonl(tmp_path / "q.json", [question])
    a = _write_jsonl(tmp_path / "a.json", [answer])
    with pytest.raises(ConfigError, match=r"\.json:1: ") as info:
        load_bfcl(q, answers=str(a))
    assert message in str(info.value)


def test_duplicate_and_extra_answers_rejected(tmp_path: Path) -> None:
    q = _write_jsonl(tmp_path / "q.json", [_question("simple_python_0")])
    a = _write_jsonl(tmp_path / "a.json", [_answer("simple_python_0"), _answer("simple_python_0")])
    with pytest.raises(ConfigError, match=r"a\.json:2: id 'simple_python_0' appears twice"):
        load_bfcl(q, answers=str(a))
    a = _write_jsonl(tmp_path / "a.json", [_answer("simple_python_0"), _answer("simple_python_5")])
    with pytest.raises(ConfigError, match=r"a\.json: answer for 'simple_python_5' has no question"):
        load_bfcl(q, answers=str(a))


def test_answers_required_except_for_irrelevance(tmp_path: Path) -> None:
    q = _write_jsonl(tmp_path / "q.json", [_question("simple_python_0")])
    with pytest.raises(ConfigError, match=r"q\.json: no 'answers' file"):
        load_bfcl(q)
    (case,) = load_bfcl(q, category="irrelevance")
    assert case["checks"] == [{"no_tool_call": {}}]


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"nope\.json: cannot read"):
        load_bfcl(tmp_path / "nope.json", category="irrelevance")
