from __future__ import annotations

from typing import Any

import pytest

from harness.errors import ConfigError
from harness.scorers.tool_call import check_calls, no_tool_call, standardize_string, tool_call
from harness.scoring import build_scorer
from harness.types import Case, Completion, ParseError, ToolCall

# Copied by value from the pokkit suite's tools.json (set_alarm, show_notification, screen_scroll),
# plus two BFCL-style schemas for the dict/float/array cases.
TOOLS: list[dict[str, Any]] = [
    {
        "type": "function",
        "function": {
            "name": "set_alarm",
            "description": "Schedule an alarm or timed reminder on the phone.",
            "parameters": {
                "type": "object",
                "properties": {
                    "hour": {"type": "integer", "description": "Hour of day, 24-hour clock, 0-23"},
                    "minute": {"type": "integer", "description": "Minute, 0-59"},
                    "label": {"type": "string", "description": "What the alarm is for"},
                },
                "required": ["hour", "minute"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "show_notification",
            "description": "Post a notification on the phone.",
            "parameters": {
                "type": "object",
                "properties": {
                    "title": {"type": "string", "description": "Notification title"},
                    "body": {"type": "string", "description": "Notification text"},
                },
                "required": ["title", "body"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "screen_scroll",
            "description": "Scroll the screen.",
            "parameters": {
                "type": "object",
                "properties": {
                    "direction": {
                        "type": "string",
                        "description": "Which way to scroll",
                        "enum": ["up", "down", "left", "right"],
                    }
                },
                "required": ["direction"],
            },
        },
    },
    {
        "type": "function",
        "function": {
            "name": "calc_area",
            "description": "BFCL-style schema.",
            "parameters": {
                "type": "dict",
                "properties": {
                    "base": {"type": "float"},
                    "sides": {"type": "array", "items": {"type": "integer"}},
                    "options": {"type": "dict", "properties": {"unit": {"type": "string"}}},
                    "extra": {"type": "any"},
                    "exact": {"type": "boolean"},
                },
                "required": ["base"],
            },
        },
    },
]

ALARM_6_30 = {"set_alarm": {"hour": [6], "minute": [30], "label": [""]}}
NOTIFY = {"show_notification": {"title": ["Meeting"], "body": ["Standup at 10"]}}


def alarm(**args: Any) -> ToolCall:
    return ToolCall("set_alarm", {"hour": 6, "minute": 30, **args})


def make_case(tools: list[dict[str, Any]] = TOOLS) -> Case:
    return Case(
        suite="test",
        id="c1",
        category="tools",
        messages=[{"role": "user", "content": "Wake me at 6:30"}],
        tools=tools,
        checks=[],
        max_tokens=100,
        stop=[],
    )


# --- passing cases ---------------------------------------------------------------------------------


def test_exact_call_passes() -> None:
    result = check_calls([alarm()], [ALARM_6_30], TOOLS)
    assert result.passed and result.error_type is None
    assert (result.matched, result.expected, result.value) == (1, 1, 1.0)
    assert result.reason == "set_alarm matched"


def test_optional_param_may_be_omitted_or_given_when_allowed() -> None:
    expected = [{"set_alarm": {"hour": [6], "minute": [30], "label": ["", "wake up"]}}]
    assert check_calls([alarm()], expected, TOOLS).passed
    assert check_calls([alarm(label="Wake-Up")], expected, TOOLS).passed  # standardised string compare


def test_param_in_schema_but_not_in_expected_is_not_checked() -> None:
    assert check_calls([alarm(label="anything")], [{"set_alarm": {"hour": [6], "minute": [30]}}], TOOLS).passed


def test_null_optional_param_is_wrong_type_like_bfcl() -> None:
    # BFCL's type_checker: type(None) is not str, and the possible answer's type (of "") is unknown.
    result = check_calls([alarm(label=None)], [ALARM_6_30], TOOLS)
    assert not result.passed
    assert result.error_type == "wrong_type"
    assert result.reason == "set_alarm: label expected string, got null"


def test_int_accepted_for_float_and_numbers_compare_numerically() -> None:
    expected = [{"calc_area": {"base": [6.0]}}]
    assert check_calls([ToolCall("calc_area", {"base": 6})], expected, TOOLS).passed
    assert check_calls([ToolCall("calc_area", {"base": 6.0})], [{"calc_area": {"base": [6]}}], TOOLS).passed


def test_lists_and_dicts_compare_elementwise() -> None:
    expected = [{"calc_area": {"base": [1.5], "sides": [[3, 4]], "options": [{"unit": ["Square Metres"]}]}}]
    call = ToolCall("calc_area", {"base": 1.5, "sides": [3, 4], "options": {"unit": "square_metres"}})
    assert check_calls([call], expected, TOOLS).passed
    literal = [{"calc_area": {"base": [1.5], "options": [{"unit": "m2"}]}}]
    assert check_calls([ToolCall("calc_area", {"base": 1.5, "options": {"unit": "M2"}})], literal, TOOLS).passed


def test_any_type_accepts_anything() -> None:
    assert check_calls([ToolCall("calc_area", {"base": 1, "extra": [1, "x"]})], [{"calc_area": {}}], TOOLS).passed


def test_unordered_multiple_calls_pass() -> None:
    calls = [ToolCall("show_notification", {"title": "meeting", "body": "Standup at 10"}), alarm()]
    result = check_calls(calls, [ALARM_6_30, NOTIFY], TOOLS)
    assert result.passed, result.reason
    assert (result.matched, result.expected) == (2, 2)


def test_same_function_twice_any_order() -> None:
    expected = [{"set_alarm": {"hour": [6], "minute": [30]}}, {"set_alarm": {"hour": [7], "minute": [0]}}]
    calls = [ToolCall("set_alarm", {"hour": 7, "minute": 0}), alarm()]
    assert check_calls(calls, expected, TOOLS).passed


def test_standardize_string_matches_bfcl() -> None:
    assert standardize_string("New York, NY") == "newyorkny"
    assert standardize_string("it's a_b-c.d/e*f^g") == 'it"sabcdefg'


# --- each error type -------------------------------------------------------------------------------


def test_parse_error_when_nothing_valid() -> None:
    errors = [ParseError('{"name": "set_alarm"', "invalid JSON: Expecting ',' delimiter at char 31")]
    result = check_calls([], [ALARM_6_30], TOOLS, errors)
    assert not result.passed
    assert result.error_type == "parse_error"
    assert "Expecting ',' delimiter at char 31" in result.reason


def test_parse_error_alongside_matching_call_still_fails() -> None:
    result = check_calls([alarm()], [ALARM_6_30], TOOLS, [ParseError("x", "unterminated <tool_call> block")])
    assert result.error_type == "parse_error"
    assert "unterminated" in result.reason
    assert result.matched == 1


def test_wrong_func_name() -> None:
    result = check_calls([ToolCall("show_notification", {"title": "a", "body": "b"})], [ALARM_6_30], TOOLS)
    assert result.error_type == "wrong_func_name"
    assert "set_alarm" in result.reason and "show_notification" in result.reason


def test_wrong_func_name_for_tool_that_does_not_exist() -> None:
    result = check_calls([ToolCall("get_weather", {"city": "Paris"})], [ALARM_6_30], TOOLS)
    assert result.error_type == "wrong_func_name"
    assert "get_weather" in result.reason and "not one of the offered tools" in result.reason


def test_missing_required() -> None:
    result = check_calls([ToolCall("set_alarm", {"hour": 6})], [ALARM_6_30], TOOLS)
    assert result.error_type == "missing_required"
    assert result.reason == "set_alarm: required param minute is missing"


def test_unexpected_param() -> None:
    result = check_calls([alarm(seconds=0)], [ALARM_6_30], TOOLS)
    assert result.error_type == "unexpected_param"
    assert "seconds" in result.reason


def test_string_rejected_for_integer() -> None:
    result = check_calls([ToolCall("set_alarm", {"hour": "6", "minute": 30})], [ALARM_6_30], TOOLS)
    assert result.error_type == "wrong_type"
    assert result.reason == 'set_alarm: hour expected integer, got string "6"'


def test_bool_rejected_as_integer() -> None:
    result = check_calls([ToolCall("set_alarm", {"hour": True, "minute": 30})], [ALARM_6_30], TOOLS)
    assert result.error_type == "wrong_type"
    assert "got boolean" in result.reason


def test_float_rejected_for_integer() -> None:
    assert check_calls([ToolCall("set_alarm", {"hour": 6.5, "minute": 30})], [ALARM_6_30], TOOLS).error_type == (
        "wrong_type"
    )


def test_array_items_type_checked() -> None:
    result = check_calls([ToolCall("calc_area", {"base": 1.0, "sides": [3, "4"]})], [{"calc_area": {}}], TOOLS)
    assert result.error_type == "wrong_type"
    assert "sides[1]" in result.reason


def test_dict_type_checked() -> None:
    result = check_calls([ToolCall("calc_area", {"base": 1.0, "options": "metric"})], [{"calc_area": {}}], TOOLS)
    assert result.error_type == "wrong_type"
    assert "options expected dict" in result.reason


def test_enum_enforced() -> None:
    ok = check_calls([ToolCall("screen_scroll", {"direction": "down"})], [{"screen_scroll": {}}], TOOLS)
    assert ok.passed
    result = check_calls([ToolCall("screen_scroll", {"direction": "downward"})], [{"screen_scroll": {}}], TOOLS)
    assert result.error_type == "wrong_value"
    assert "direction must be one of" in result.reason and "downward" in result.reason


def test_wrong_value_reason() -> None:
    result = check_calls([ToolCall("set_alarm", {"hour": 18, "minute": 30})], [ALARM_6_30], TOOLS)
    assert result.error_type == "wrong_value"
    assert result.reason == "set_alarm: hour expected one of [6], got 18"
    assert result.matched == 0 and result.value == 0.0


def test_optional_param_expected_but_omitted() -> None:
    expected = [{"set_alarm": {"hour": [6], "minute": [30], "label": ["wake up"]}}]
    result = check_calls([alarm()], expected, TOOLS)
    assert result.error_type == "wrong_value"
    assert result.reason == "set_alarm: optional param label expected but omitted"


def test_wrong_count_too_few() -> None:
    result = check_calls([alarm()], [ALARM_6_30, NOTIFY], TOOLS)
    assert result.error_type == "wrong_count"
    assert result.reason == "expected 2 calls (set_alarm, show_notification), got 1 (set_alarm)"
    assert result.matched == 1 and result.value == 0.5


def test_wrong_count_too_many() -> None:
    result = check_calls([alarm(), alarm()], [ALARM_6_30], TOOLS)
    assert result.error_type == "wrong_count"
    assert result.matched == 1


def test_wrong_count_when_no_call_made() -> None:
    result = check_calls([], [ALARM_6_30], TOOLS)
    assert result.error_type == "wrong_count"
    assert "no tool call was made" in result.reason


def test_equal_counts_report_specific_error_of_best_match() -> None:
    calls = [ToolCall("show_notification", {"title": "Meeting", "body": "Standup at 11"}), alarm()]
    result = check_calls(calls, [ALARM_6_30, NOTIFY], TOOLS)
    assert result.error_type == "wrong_value"
    assert "body" in result.reason and "Standup at 11" in result.reason
    assert result.matched == 1


def test_missing_call_explained_by_parse_error() -> None:
    result = check_calls([alarm()], [ALARM_6_30, NOTIFY], TOOLS, [ParseError("x", "unterminated <tool_call> block")])
    assert result.error_type == "parse_error"
    assert result.matched == 1


def test_unexpected_call_when_none_expected() -> None:
    result = check_calls([alarm()], [], TOOLS)
    assert result.error_type == "unexpected_call"
    assert result.reason == "expected no tool call, got set_alarm(hour=6, minute=30)"
    assert check_calls([], [], TOOLS).passed


def test_parse_error_when_none_expected() -> None:
    result = check_calls([], [], TOOLS, [ParseError("{", "invalid JSON: Expecting value at char 1")])
    assert result.error_type == "parse_error"


# --- chain mode ------------------------------------------------------------------------------------


def test_chain_first_call_only_passes_with_partial_value() -> None:
    result = check_calls([alarm()], [ALARM_6_30, NOTIFY], TOOLS, match="chain")
    assert result.passed
    assert (result.matched, result.expected, result.value) == (1, 2, 0.5)


def test_chain_counts_later_matching_calls() -> None:
    calls = [
        alarm(),
        ToolCall("screen_scroll", {"direction": "up"}),
        ToolCall("show_notification", {"title": "Meeting", "body": "Standup at 10"}),
    ]
    result = check_calls(calls, [ALARM_6_30, NOTIFY], TOOLS, match="chain")
    assert result.passed and result.value == 1.0


def test_chain_wrong_first_call_fails() -> None:
    result = check_calls(
        [ToolCall("show_notification", {"title": "Meeting", "body": "Standup at 10"}), alarm()],
        [ALARM_6_30, NOTIFY],
        TOOLS,
        match="chain",
    )
    assert result.error_type == "wrong_func_name"
    assert result.reason.startswith("first call:")


def test_chain_invalid_later_call_fails() -> None:
    result = check_calls(
        [alarm(), ToolCall("show_notification", {"title": "Meeting"})], [ALARM_6_30, NOTIFY], TOOLS, match="chain"
    )
    assert result.error_type == "missing_required"
    assert "body" in result.reason
    assert result.matched == 1


def test_chain_later_call_to_unknown_tool_fails() -> None:
    result = check_calls([alarm(), ToolCall("launch_rocket", {})], [ALARM_6_30, NOTIFY], TOOLS, match="chain")
    assert result.error_type == "wrong_func_name"
    assert "launch_rocket" in result.reason


# --- configuration ---------------------------------------------------------------------------------


def test_expected_function_not_offered_is_config_error() -> None:
    with pytest.raises(ConfigError, match="get_weather"):
        check_calls([], [{"get_weather": {}}], TOOLS)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"calls": {"set_alarm": {}}}, "non-empty list"),
        ({"calls": []}, "no_tool_call"),
        ({"calls": [{"set_alarm": {}, "screen_home": {}}]}, "one function name"),
        ({"calls": [{"set_alarm": {"hour": 6}}]}, r"calls\[0\].set_alarm.hour must be a non-empty list"),
        ({"calls": [{"set_alarm": {"hour": []}}]}, "non-empty list"),
        ({"calls": [{"set_alarm": [6]}]}, "must map parameter names"),
        ({"calls": [ALARM_6_30], "match": "any"}, "match must be one of all, chain"),
    ],
)
def test_factory_validates_arguments(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        tool_call(**kwargs)


# --- the registered scorers ------------------------------------------------------------------------


def test_tool_call_scorer_pass_and_fail() -> None:
    fn = tool_call(calls=[ALARM_6_30])
    good = fn(make_case(), Completion(text="", tool_calls=[alarm()]))
    assert good.passed and good.name == "tool_call" and good.value == 1.0 and good.error_type is None
    bad = fn(make_case(), Completion(text="", tool_calls=[ToolCall("set_alarm", {"hour": 18, "minute": 30})]))
    assert not bad.passed
    assert bad.error_type == "wrong_value"
    assert bad.reason == "set_alarm: hour expected one of [6], got 18"
    assert bad.value == 0.0


def test_tool_call_scorer_chain_value() -> None:
    fn = tool_call(calls=[ALARM_6_30, NOTIFY], match="chain")
    score = fn(make_case(), Completion(text="", tool_calls=[alarm()]))
    assert score.passed and score.value == 0.5


def test_tool_call_scorer_yaml_none_params_means_no_args() -> None:
    fn = tool_call(calls=[{"screen_scroll": None}])
    assert fn(make_case(), Completion(text="", tool_calls=[ToolCall("screen_scroll", {"direction": "up"})])).passed


def test_tool_call_scorer_names_case_on_config_error() -> None:
    fn = tool_call(calls=[ALARM_6_30])
    with pytest.raises(ConfigError, match="case 'c1'"):
        fn(make_case(tools=[]), Completion(text="", tool_calls=[alarm()]))


def test_no_tool_call_scorer() -> None:
    fn = no_tool_call()
    good = fn(make_case(), Completion(text="It is 4.", visible="It is 4."))
    assert good.passed and good.error_type is None
    bad = fn(make_case(), Completion(text="", tool_calls=[alarm(label="x")]))
    assert bad.error_type == "unexpected_call"
    assert "set_alarm(hour=6, minute=30" in bad.reason
    broken = fn(make_case(), Completion(text="", parse_errors=[ParseError("{", "invalid JSON: x")]))
    assert broken.error_type == "parse_error" and "invalid JSON" in broken.reason


def test_registered_through_build_scorer() -> None:
    from harness.scoring import build_scorer

    fn = build_scorer("tool_call", calls=[ALARM_6_30])
    score = fn(make_case(), Completion(text="", tool_calls=[alarm()]))
    assert score.passed and score.args == {"calls": [ALARM_6_30]}
    with pytest.raises(ConfigError):
        build_scorer("tool_call", calls="set_alarm")


def test_a_400_digit_integer_argument_fails_instead_of_crashing() -> None:
    from harness.scorers.tool_call import _values_equal

    huge = int("1" * 400)
    assert _values_equal(huge, huge) and not _values_equal(huge, 6)
    assert not _values_equal(huge, 6.0)  # int -> float overflows: not equal, no OverflowError


# --- BFCL parity: dict params, many parallel calls, null arguments ---------------------------------

GRADE_TOOLS: list[dict[str, Any]] = [  # BFCL multiple_9 (one of its three functions, description shortened)
    {
        "type": "function",
        "function": {
            "name": "calculate_average",
            "description": "This function calculates the average grade across different subjects.",
            "parameters": {
                "type": "object",
                "properties": {
                    "gradeDict": {
                        "type": "object",
                        "description": "A dictionary where keys represent subjects and values represent scores",
                    }
                },
                "required": ["gradeDict"],
            },
        },
    }
]
GRADES = {"calculate_average": {"gradeDict": [{"math": [90], "science": [75], "history": [82], "music": [89]}]}}


def test_dict_param_compares_each_key_with_its_accepted_values() -> None:
    call = ToolCall("calculate_average", {"gradeDict": {"math": 90, "science": 75, "history": 82, "music": 89}})
    assert check_calls([call], [GRADES], GRADE_TOOLS).passed
    several = [{"calculate_average": {"gradeDict": [{"math": [90, 95], "art": ["", 70]}]}}]
    assert check_calls([ToolCall("calculate_average", {"gradeDict": {"math": 95}})], several, GRADE_TOOLS).passed
    result = check_calls([ToolCall("calculate_average", {"gradeDict": {"math": 80}})], several, GRADE_TOOLS)
    assert result.reason == "calculate_average: gradeDict.math expected one of [90, 95], got 80"


def test_dict_values_wrapped_in_lists_fail_like_bfcl() -> None:
    # multiple_9: the accepted-value lists echoed back as the value; BFCL's dict_checker fails this.
    wrapped = {"math": [90], "science": [75], "history": [82], "music": [89]}
    result = check_calls([ToolCall("calculate_average", {"gradeDict": wrapped})], [GRADES], GRADE_TOOLS)
    assert not result.passed
    assert result.error_type == "wrong_value"
    assert result.reason == "calculate_average: gradeDict.math expected 90, got [90]"


def test_dict_with_a_wrong_missing_or_extra_key_fails() -> None:
    for value, why in (
        ({"math": 91, "science": 75, "history": 82, "music": 89}, "math expected 90, got 91"),
        ({"math": 90, "science": 75, "history": 82}, "music expected but missing"),
        (
            {"math": 90, "science": 75, "history": 82, "music": 89, "art": 70},
            "art is not an expected key (expected: math, science, history, music)",
        ),
    ):
        result = check_calls([ToolCall("calculate_average", {"gradeDict": value})], [GRADES], GRADE_TOOLS)
        assert result.error_type == "wrong_value", value
        assert result.reason == f"calculate_average: gradeDict.{why}"


def test_list_of_dicts_with_wrapped_values_fails() -> None:
    expected = [{"calc_area": {"base": [1.0], "extra": [[{"unit": ["m"]}, {"unit": ["cm"]}]]}}]
    good = ToolCall("calc_area", {"base": 1.0, "extra": [{"unit": "m"}, {"unit": "cm"}]})
    assert check_calls([good], expected, TOOLS).passed
    wrapped = ToolCall("calc_area", {"base": 1.0, "extra": [{"unit": ["m"]}, {"unit": ["cm"]}]})
    assert check_calls([wrapped], expected, TOOLS).error_type == "wrong_value"


STOCK_TOOLS: list[dict[str, Any]] = [  # BFCL parallel_180, by value
    {
        "type": "function",
        "function": {
            "name": "stock_price",
            "description": "Get stock price data for a given company over a specified number of days.",
            "parameters": {
                "type": "object",
                "properties": {
                    "company": {"type": "string", "description": "The company name."},
                    "days": {"type": "integer", "description": "The number of previous days to retrieve data for."},
                    "data_type": {
                        "type": "string",
                        "description": "The type of price data to retrieve (e.g., 'Open', 'Close', 'High', 'Low'). "
                        "Default is 'Close'.",
                    },
                },
                "required": ["company", "days"],
            },
        },
    }
]
COMPANIES = ("Microsoft", "Apple", "Google")
PRICES = ("Open", "Close", "High")
STOCKS_9 = [{"stock_price": {"company": [c], "days": [30], "data_type": [d, ""]}} for c in COMPANIES for d in PRICES]


def stock(company: str, data_type: str | None = None) -> ToolCall:
    args: dict[str, Any] = {"company": company, "days": 30}
    return ToolCall("stock_price", args if data_type is None else {**args, "data_type": data_type})


def test_nine_parallel_calls_pass_when_only_a_full_matching_pairs_them() -> None:
    # The call that leaves data_type out (it may: "" is accepted everywhere) must pair with "Close"; taking
    # it for "Open", as first-fit pairing does, leaves the explicit "Open" call with nothing to match.
    calls = [call for c in COMPANIES for call in (stock(c), stock(c, "Open"), stock(c, "High"))]
    result = check_calls(calls, STOCKS_9, STOCK_TOOLS)
    assert result.passed, result.reason
    assert (result.matched, result.expected) == (9, 9)
    assert check_calls(list(reversed(calls)), STOCKS_9, STOCK_TOOLS).passed


def test_nine_parallel_calls_without_a_full_matching_name_the_first_unmatched_call() -> None:
    calls = [call for c in COMPANIES for call in (stock(c), stock(c, "Open"), stock(c, "High"))]
    calls[2] = stock("Microsoft", "Low")  # now nothing can cover Microsoft/High
    result = check_calls(calls, STOCKS_9, STOCK_TOOLS)
    assert not result.passed
    assert (result.error_type, result.matched) == ("wrong_value", 8)
    assert result.reason == 'stock_price: data_type expected one of ["High"], got "Low"'


def test_nine_expected_calls_and_ten_made_is_wrong_count_with_all_matched() -> None:
    calls = [call for c in COMPANIES for call in (stock(c), stock(c, "Open"), stock(c, "High"))]
    result = check_calls([*calls, stock("Apple", "Low")], STOCKS_9, STOCK_TOOLS)
    assert (result.error_type, result.matched) == ("wrong_count", 9)
    assert "also" not in result.reason


POWER_TOOLS: list[dict[str, Any]] = [  # BFCL parallel_152, by value
    {
        "type": "function",
        "function": {
            "name": "math_power",
            "description": "Calculate the power of one number raised to another.",
            "parameters": {
                "type": "object",
                "properties": {
                    "base": {"type": "integer", "description": "The base number."},
                    "exponent": {"type": "integer", "description": "The exponent."},
                    "mod": {"type": "number", "description": "The modulus. Default is None."},
                },
                "required": ["base", "exponent"],
            },
        },
    }
]


def test_null_passes_when_the_accepted_values_give_null() -> None:
    expected = [{"math_power": {"base": [3], "exponent": [5], "mod": ["", None]}}]
    assert check_calls([ToolCall("math_power", {"base": 3, "exponent": 5, "mod": None})], expected, POWER_TOOLS).passed
    assert check_calls([ToolCall("math_power", {"base": 3, "exponent": 5})], expected, POWER_TOOLS).passed
    required = [{"math_power": {"base": [None], "exponent": [5]}}]
    assert check_calls([ToolCall("math_power", {"base": None, "exponent": 5})], required, POWER_TOOLS).passed


def test_null_is_wrong_type_unless_null_is_the_first_accepted_value() -> None:
    # BFCL takes the possible answer's type from its first value other than "": here float, so null is
    # a type error even though None is listed later.
    expected = [{"math_power": {"base": [3], "exponent": [5], "mod": ["", 7.0, None]}}]
    result = check_calls([ToolCall("math_power", {"base": 3, "exponent": 5, "mod": None})], expected, POWER_TOOLS)
    assert (result.error_type, result.reason) == ("wrong_type", "math_power: mod expected number, got null")


def test_null_required_param_and_null_for_any_are_wrong_type() -> None:
    result = check_calls([ToolCall("set_alarm", {"hour": None, "minute": 30})], [ALARM_6_30], TOOLS)
    assert (result.error_type, result.reason) == ("wrong_type", "set_alarm: hour expected integer, got null")
    result = check_calls([ToolCall("calc_area", {"base": 1.0, "extra": None})], [{"calc_area": {}}], TOOLS)
    assert (result.error_type, result.reason) == ("wrong_type", "calc_area: extra expected any, got null")


def test_null_allowed_by_the_schema_passes() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "f",
                "parameters": {
                    "type": "object",
                    "properties": {"a": {"type": "string", "nullable": True}, "b": {"type": ["string", "null"]}},
                },
            },
        }
    ]
    assert check_calls([ToolCall("f", {"a": None, "b": None})], [{"f": {}}], tools).passed


def test_chain_later_call_with_null_argument() -> None:
    expected = [ALARM_6_30, {"math_power": {"base": [2], "exponent": [3], "mod": ["", None]}}]
    tools = TOOLS + POWER_TOOLS
    later = ToolCall("math_power", {"base": 2, "exponent": 3, "mod": None})
    result = check_calls([alarm(), later], expected, tools, match="chain")
    assert result.passed and result.matched == 2
    bad = check_calls([alarm(), alarm(label=None)], expected, tools, match="chain")
    assert (bad.error_type, bad.matched) == ("wrong_type", 1)
    assert bad.reason == "later call: set_alarm: label expected string, got null"


def test_exact_param_keeps_case_and_punctuation() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "write_clipboard",
                "parameters": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]},
            },
        }
    ]
    case = make_case(tools)
    calls = [{"write_clipboard": {"text": ["frog-pond-42"]}}]
    exact = build_scorer("tool_call", calls=calls, exact=["write_clipboard.text"])
    loose = build_scorer("tool_call", calls=calls)
    for text, exact_ok in (
        ("frog-pond-42", True),
        (" frog-pond-42 ", True),
        ("FROG_POND_42", False),
        ("frogpond42", False),
    ):
        completion = Completion(text="", tool_calls=[ToolCall("write_clipboard", {"text": text})])
        assert exact(case, completion).passed is exact_ok, text
        assert loose(case, completion).passed  # BFCL normalisation elsewhere
    with pytest.raises(ConfigError, match=r"function\.param"):
        build_scorer("tool_call", calls=calls, exact=["text"])


def test_loose_strings_and_enums_compare_after_normalisation() -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "notify",
                "parameters": {
                    "type": "object",
                    "properties": {"body": {"type": "string"}, "level": {"type": "string", "enum": ["low", "high"]}},
                    "required": ["body"],
                },
            },
        }
    ]
    case = make_case(tools)
    calls = [{"notify": {"body": ["drink a glass of water"], "level": ["", "high"]}}]
    loose = build_scorer("tool_call", calls=calls, ignore_punctuation=True)
    bfcl = build_scorer("tool_call", calls=calls)
    shouted = Completion(
        text="", tool_calls=[ToolCall("notify", {"body": "Drink a glass of water!!", "level": "High"})]
    )
    assert loose(case, shouted).passed
    assert not bfcl(case, shouted).passed  # BFCL's normalisation keeps "!"
    curly = Completion(text="", tool_calls=[ToolCall("notify", {"body": "Drink a glass of water", "level": "HIGH"})])
    assert bfcl(case, curly).passed  # an enum value in another case is the same value


def test_a_call_written_as_code_is_a_call() -> None:
    case = make_case()
    text = "set_alarm(hour=7, minute=0)"
    result = no_tool_call()(case, Completion(text=text, visible=text))
    assert not result.passed and "written as code" in result.reason
    prose = "I could set an alarm, but you asked for none."
    assert no_tool_call()(case, Completion(text=prose, visible=prose)).passed


def test_a_tool_named_in_prose_is_no_code_call() -> None:
    case = make_case()
    for text in ("I won't use set_alarm (no need) - it's 56!", "Don't worry, I won't set_alarm(hour=7) for you."):
        assert no_tool_call()(case, Completion(text=text, visible=text)).passed, text
