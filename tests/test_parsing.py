from __future__ import annotations

import json

import pytest

from harness.parsing import finish, parse_openai_tool_calls, parse_tool_calls, split_thinking
from harness.types import Completion, ParseError, ToolCall

ALARM = '{"name": "set_alarm", "arguments": {"hour": 6, "minute": 30}}'
ALARM_CALL = ToolCall("set_alarm", {"hour": 6, "minute": 30})


# --- split_thinking ---------------------------------------------------------------------------------


def test_split_thinking_closed_block() -> None:
    assert split_thinking("<think>plan it</think>\nThe answer is 4.") == ("The answer is 4.", "plan it")


def test_split_thinking_unclosed_block_is_all_thinking() -> None:
    assert split_thinking("Hi <think>still going and then cut") == ("Hi", "still going and then cut")


def test_split_thinking_stray_leading_close() -> None:
    # Qwen3 templates put <think> in the prompt: the output starts with thinking then </think>.
    assert split_thinking("the user wants 4\n</think>\n\nIt is 4.") == ("It is 4.", "the user wants 4")


def test_split_thinking_several_blocks_and_empty() -> None:
    visible, thinking = split_thinking("<think>a</think>one <think></think>two<think>b</think>")
    assert visible == "one two"
    assert thinking == "a\nb"


def test_split_thinking_without_tags_is_identity() -> None:
    assert split_thinking("  plain text  ") == ("plain text", "")


# --- parse_tool_calls: <tool_call> blocks -----------------------------------------------------------


def test_single_hermes_block_with_prose() -> None:
    calls, errors, visible = parse_tool_calls(f"Setting it now.\n<tool_call>\n{ALARM}\n</tool_call><|im_end|>")
    assert calls == [ALARM_CALL]
    assert errors == []
    assert visible == "Setting it now."


def test_multiple_hermes_blocks() -> None:
    text = (
        f"<tool_call>\n{ALARM}\n</tool_call>\n"
        '<tool_call>\n{"name": "show_notification", "parameters": {"title": "t", "body": "b"}}\n</tool_call>'
    )
    calls, errors, visible = parse_tool_calls(text)
    assert [c.name for c in calls] == ["set_alarm", "show_notification"]
    assert calls[1].arguments == {"title": "t", "body": "b"}
    assert errors == []
    assert visible == ""


def test_block_arguments_as_json_string_are_decoded() -> None:
    block = json.dumps({"name": "set_alarm", "arguments": json.dumps({"hour": 6, "minute": 30})})
    calls, errors, _ = parse_tool_calls(f"<tool_call>{block}</tool_call>")
    assert calls == [ALARM_CALL]
    assert errors == []


def test_block_with_list_of_calls() -> None:
    text = f'<tool_call>[{ALARM}, {{"name": "screen_home", "arguments": {{}}}}]</tool_call>'
    calls, errors, _ = parse_tool_calls(text)
    assert calls == [ALARM_CALL, ToolCall("screen_home", {})]
    assert errors == []


def test_block_with_broken_json_is_parse_error() -> None:
    calls, errors, visible = parse_tool_calls('<tool_call>{"name": "set_alarm" "arguments": {}}</tool_call>')
    assert calls == []
    assert len(errors) == 1
    assert errors[0].reason.startswith("invalid JSON: Expecting ',' delimiter at char 21")
    assert visible == ""


def test_trailing_comma_is_not_tolerated() -> None:
    _, errors, _ = parse_tool_calls('<tool_call>{"name": "set_alarm", "arguments": {"hour": 6,}}</tool_call>')
    assert len(errors) == 1 and errors[0].reason.startswith("invalid JSON")


def test_block_missing_name() -> None:
    calls, errors, _ = parse_tool_calls('<tool_call>{"arguments": {"hour": 6}}</tool_call>')
    assert calls == []
    assert errors[0].reason.startswith('missing "name"')


def test_block_arguments_not_an_object() -> None:
    calls, errors, _ = parse_tool_calls('<tool_call>{"name": "set_alarm", "arguments": [6, 30]}</tool_call>')
    assert calls == []
    assert errors[0].reason.startswith('"arguments" is not an object')


def test_block_arguments_string_that_is_not_json() -> None:
    _, errors, _ = parse_tool_calls('<tool_call>{"name": "set_alarm", "arguments": "hour=6"}</tool_call>')
    assert "not valid JSON" in errors[0].reason


def test_unterminated_block_is_parse_error() -> None:
    calls, errors, visible = parse_tool_calls(f'Ok.\n<tool_call>\n{ALARM}\n</tool_call>\n<tool_call>\n{{"name": "set_')
    assert calls == [ALARM_CALL]
    assert [e.reason for e in errors] == ["unterminated <tool_call> block"]
    assert visible == "Ok."


def test_unterminated_block_with_complete_json_is_accepted() -> None:
    # A stop sequence on </tool_call> removes the closing tag; the call itself is complete.
    calls, errors, _ = parse_tool_calls(f"<tool_call>\n{ALARM}\n")
    assert calls == [ALARM_CALL]
    assert errors == []


def test_good_and_bad_blocks_together() -> None:
    calls, errors, _ = parse_tool_calls(f"<tool_call>{ALARM}</tool_call><tool_call>not json</tool_call>")
    assert calls == [ALARM_CALL]
    assert len(errors) == 1 and errors[0].text == "not json"


# --- parse_tool_calls: bare, fenced and OpenAI-shaped JSON ------------------------------------------


def test_bare_json_whole_response() -> None:
    calls, errors, visible = parse_tool_calls(f"\n  {ALARM}\n<|im_end|>")
    assert calls == [ALARM_CALL]
    assert errors == []
    assert visible == ""


def test_bare_json_llama_parameters_shape() -> None:
    text = '{"type": "function", "name": "set_alarm", "parameters": {"hour": 6, "minute": 30}}'
    assert parse_tool_calls(text)[0] == [ALARM_CALL]


def test_bare_json_list() -> None:
    calls, errors, _ = parse_tool_calls(f'[{ALARM}, {{"name": "screen_home", "arguments": {{}}}}]')
    assert [c.name for c in calls] == ["set_alarm", "screen_home"]
    assert errors == []


def test_fenced_json_with_prose() -> None:
    calls, errors, visible = parse_tool_calls(f"I'll set it.\n```json\n{ALARM}\n```\nDone.")
    assert calls == [ALARM_CALL]
    assert errors == []
    assert visible == "I'll set it.\n\nDone."


def test_fenced_json_broken_is_parse_error() -> None:
    calls, errors, _ = parse_tool_calls('```json\n{"name": "set_alarm", "arguments": {"hour": 6\n```')
    assert calls == []
    assert len(errors) == 1 and errors[0].reason.startswith("invalid JSON")


def test_fenced_json_that_is_not_a_call_is_prose() -> None:
    text = 'Here is the data:\n```json\n{"temperature": 21}\n```'
    assert parse_tool_calls(text) == ([], [], text)


def test_openai_tool_calls_shape() -> None:
    text = json.dumps(
        {
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "set_alarm", "arguments": '{"hour": 6, "minute": 30}'},
                }
            ]
        }
    )
    assert parse_tool_calls(text) == ([ALARM_CALL], [], "")


def test_function_wrapper_shape() -> None:
    text = '{"function": {"name": "set_alarm", "arguments": {"hour": 6, "minute": 30}}}'
    assert parse_tool_calls(text)[0] == [ALARM_CALL]


def test_bare_broken_json_starting_with_name_is_parse_error() -> None:
    calls, errors, visible = parse_tool_calls('{"name": "set_alarm", "arguments": {"hour": 6 "minute": 30}}')
    assert calls == []
    assert errors[0].reason == "invalid JSON: Expecting ',' delimiter at char 46"
    assert visible == ""


def test_bare_flat_arguments_is_parse_error() -> None:
    _, errors, _ = parse_tool_calls('{"name": "set_alarm", "hour": 6, "minute": 30}')
    assert errors[0].reason.startswith('missing "arguments"')


def test_call_embedded_in_prose_is_found() -> None:
    calls, errors, visible = parse_tool_calls(f"Sure, calling {ALARM} now.")
    assert calls == [ALARM_CALL]
    assert errors == []
    assert "set_alarm" not in visible


@pytest.mark.parametrize(
    "text",
    [
        "The capital of France is Paris.",
        "In Python use {curly} braces for sets, e.g. {1, 2}.",
        '{"answer": 42}',
        "{not json at all",
        "",
    ],
)
def test_prose_is_not_a_call(text: str) -> None:
    calls, errors, visible = parse_tool_calls(text)
    assert calls == [] and errors == []
    assert visible == text.strip()


# --- parse_openai_tool_calls ------------------------------------------------------------------------


def test_parse_openai_tool_calls_string_and_dict_arguments() -> None:
    calls, errors = parse_openai_tool_calls(
        [
            {
                "id": "1",
                "type": "function",
                "function": {"name": "set_alarm", "arguments": '{"hour": 6, "minute": 30}'},
            },
            {"type": "function", "function": {"name": "screen_home", "arguments": {}}},
            {"type": "function", "function": {"name": "read_clipboard", "arguments": ""}},
        ]
    )
    assert calls == [ALARM_CALL, ToolCall("screen_home", {}), ToolCall("read_clipboard", {})]
    assert errors == []


def test_parse_openai_tool_calls_bad_arguments() -> None:
    calls, errors = parse_openai_tool_calls([{"function": {"name": "set_alarm", "arguments": '{"hour": 6'}}])
    assert calls == []
    assert "not valid JSON" in errors[0].reason


# --- finish ----------------------------------------------------------------------------------------


def test_finish_fills_fields() -> None:
    done = finish(Completion(text=f"<think>need an alarm</think>\nOn it.\n<tool_call>\n{ALARM}\n</tool_call>"))
    assert done.thinking == "need an alarm"
    assert done.visible == "On it."
    assert done.tool_calls == [ALARM_CALL]
    assert done.parse_errors == []


def test_finish_ignores_calls_inside_thinking() -> None:
    done = finish(Completion(text=f"maybe <tool_call>{ALARM}</tool_call>?</think>No alarm needed."))
    assert done.tool_calls == []
    assert done.visible == "No alarm needed."


def test_finish_keeps_back_end_tool_calls() -> None:
    done = finish(Completion(text="<think>x</think>Calling.", tool_calls=[ALARM_CALL]))
    assert done.tool_calls == [ALARM_CALL]
    assert done.visible == "Calling."
    assert done.thinking == "x"


def test_finish_marks_truncation() -> None:
    done = finish(Completion(text='<tool_call>{"name": "set_al', finish_reason="length"))
    assert done.tool_calls == []
    assert done.parse_errors == [
        ParseError('<tool_call>{"name": "set_al', "unterminated <tool_call> block (generation stopped at max_tokens)")
    ]


def test_finish_broken_json_does_not_raise() -> None:
    done = finish(Completion(text="<tool_call>{{{</tool_call>"))
    assert done.tool_calls == [] and len(done.parse_errors) == 1


def test_a_tool_call_tag_named_in_a_sentence_is_prose() -> None:
    calls, errors, visible = parse_tool_calls("I won't use a <tool_call> for this: the answer is 47.")
    assert (calls, errors) == ([], [])
    assert "<tool_call> for this" in visible
    calls, errors, _ = parse_tool_calls("<tool_call>set_alarm(hour=7)")
    assert errors  # a tag that opens the reply is an attempt at a call


def test_a_named_tag_before_a_real_call_keeps_the_call() -> None:
    text = 'I won\'t use a <tool_call> for this.\n<tool_call>{"name": "f", "arguments": {}}</tool_call>'
    calls, errors, _ = parse_tool_calls(text)
    assert [c.name for c in calls] == ["f"] and errors == []
