"""Cleaning: schema validation with the scorer's rules, deduplication, rebalancing and counts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import DataError
from train.clean import clean, read_jsonl, validate_example, write_jsonl

TOOLS = json.loads((Path(__file__).parents[2] / "suites" / "pokkit" / "tools.json").read_text())


def _call_example(name: str, args: dict, category: str = "alarms", user: str = "wake me at 7") -> dict:
    return {
        "category": category,
        "tools": TOOLS,
        "messages": [
            {"role": "system", "content": "You are Pokkit."},
            {"role": "user", "content": user},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]},
            {"role": "tool", "tool_call_id": "c1", "name": name, "content": "ok"},
            {"role": "assistant", "content": "Done! 🐸"},
        ],
    }  # fmt: skip


def _chat(user: str, category: str = "chat") -> dict:
    return {
        "category": category,
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": "hi"}],
    }


@pytest.mark.parametrize(
    ("example", "problem"),
    [
        (_call_example("set_alarm", {"hour": 7, "minute": 0}), None),
        (_call_example("set_alarm", {"hour": "7", "minute": 0}), "hour expected integer"),
        (_call_example("set_alarm", {"hour": 7}), "required param minute is missing"),
        (_call_example("set_alarm", {"hour": 7, "minute": 0, "snooze": True}), "param snooze is not in the schema"),
        (_call_example("call_mom", {}), "call_mom is not one of the tools"),
        ({"messages": [{"role": "user", "content": "hi"}]}, "no assistant turn"),
        ({"messages": [{"role": "user", "content": "x"}, {"role": "assistant", "content": " "}]}, "empty assistant"),
        (
            {
                "messages": [
                    {"role": "user", "content": "x"},
                    {"role": "tool", "content": "r"},
                    {"role": "assistant", "content": "y"},
                ]
            },
            "tool result with no tool call",
        ),
        ({"messages": [{"role": "robot", "content": "x"}]}, "unknown role"),
    ],
)
def test_validate_example(example: dict, problem: str | None) -> None:
    found = validate_example(example)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def _with_messages(*changes: tuple[int, dict | None]) -> dict:
    """The good alarm example with message ``i`` replaced by ``msg`` (removed when None), last index first."""
    ex = _call_example("set_alarm", {"hour": 7, "minute": 0})
    for i, msg in sorted(changes, key=lambda c: c[0], reverse=True):
        if msg is None:
            del ex["messages"][i]
        else:
            ex["messages"][i] = msg
    return ex


@pytest.mark.parametrize(
    ("example", "problem"),
    [
        (_with_messages((3, None)), "message 3: call(s) 'c1' got no tool result before this assistant turn"),
        (_with_messages((3, None), (4, None)), "call(s) 'c1' got no tool result"),
        (
            _with_messages((3, {"role": "tool", "tool_call_id": "c9", "name": "set_alarm", "content": "ok"})),
            "message 3: a tool result for call id 'c9', which matches no pending call (waiting for 'c1')",
        ),
        (
            _with_messages((3, {"role": "tool", "tool_call_id": "c9", "content": "ok"})),
            "message 3: a tool result for call id 'c9', which matches no pending call (waiting for 'c1')",
        ),
        (
            _with_messages((3, {"role": "tool", "content": "ok"})),
            "message 3: a tool result for call id None, which matches no pending call (waiting for 'c1')",
        ),
        (
            _with_messages((3, {"role": "tool", "tool_call_id": "c1", "name": "take_note", "content": "ok"})),
            "message 3: the result of call 'c1' is named 'take_note', but the call was to 'set_alarm'",
        ),
    ],
)  # fmt: skip
def test_every_call_gets_exactly_its_one_result(example: dict, problem: str) -> None:
    assert validate_example(example) == problem


def test_a_result_without_a_name_answers_its_call_by_id() -> None:
    """OpenAI tool messages carry no name: the id is what pairs a result with its call."""
    assert validate_example(_with_messages((3, {"role": "tool", "tool_call_id": "c1", "content": "ok"}))) is None


def test_a_second_result_for_one_call_is_rejected() -> None:
    ex = _call_example("set_alarm", {"hour": 7, "minute": 0})
    ex["messages"].insert(4, dict(ex["messages"][3]))
    assert validate_example(ex) == "message 4: a tool result with no tool call before it"


def test_calls_need_distinct_ids() -> None:
    ex = _call_example("set_alarm", {"hour": 7, "minute": 0})
    ex["messages"][2]["tool_calls"].append(dict(ex["messages"][2]["tool_calls"][0]))
    assert validate_example(ex) == "message 2: two calls share the id 'c1'"
    del ex["messages"][2]["tool_calls"][1]["id"]
    assert validate_example(ex) == "message 2: the call to set_alarm has no id, so no tool result can answer it"


def test_malformed_arguments_json_is_invalid() -> None:
    ex = _call_example("set_alarm", {"hour": 7, "minute": 0})
    ex["messages"][2]["tool_calls"][0]["function"]["arguments"] = '{"hour": 7,'
    assert "malformed tool call" in (validate_example(ex) or "")


def test_clean_dedupes_drops_invalid_and_counts() -> None:
    good = _call_example("set_alarm", {"hour": 7, "minute": 0})
    dup = json.loads(json.dumps(good))
    dup["messages"][1]["content"] = "  WAKE me   at 7 "  # same after case/space normalisation
    bad = _call_example("set_alarm", {"hour": 7})
    kept, report = clean([good, dup, bad, _chat("how are you")], max_share=1.0)
    assert len(kept) == 2 and report.duplicates == 1 and len(report.invalid) == 1
    assert report.invalid[0][0] == 2
    assert report.after == {"alarms": 1, "chat": 1}
    assert report.to_dict()["kept"] == 2
    assert any("read 4, kept 2" in line for line in report.lines())


def test_rebalance_caps_each_category() -> None:
    data = [_chat(f"question {i}", "big") for i in range(30)] + [_chat(f"other {i}", f"c{i % 5}") for i in range(10)]
    kept, report = clean(data, max_share=0.25, seed=1)
    assert report.after["big"] == 10  # ceil(0.25 * 40)
    assert all(report.after[f"c{i}"] == 2 for i in range(5))
    assert report.rebalanced_out == 20
    again, _ = clean(data, max_share=0.25, seed=1)
    assert again == kept  # deterministic for a seed


def test_jsonl_round_trip_and_errors(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    write_jsonl(path, [_chat("a"), _chat("b")])
    assert [e["messages"][0]["content"] for e in read_jsonl(path)] == ["a", "b"]
    path.write_text('{"messages": []}\n{"messages": [\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"d\.jsonl:2: not valid JSON"):
        read_jsonl(path)
    path.write_text('{"text": "x"}\n', encoding="utf-8")
    with pytest.raises(DataError, match="needs a 'messages' list"):
        read_jsonl(path)
    with pytest.raises(DataError, match="cannot read"):
        read_jsonl(tmp_path / "missing.jsonl")
