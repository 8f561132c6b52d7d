"""The Pokkit suite data: it loads, has the agreed shape, and its expectations are well-formed."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from harness.suite import Suite, load_suite

ROOT = Path(__file__).resolve().parents[2]
SUITE_DIR = ROOT / "suites" / "pokkit"
SHARED_TOOLS = Path("/work/shared/data/pokkit/tools.json")

EXPECTED_COUNTS = {
    "tool_call": 7,
    "datetime": 4,
    "emotional": 5,
    "voice": 5,
    "multi_step": 2,
    "edge": 4,
    "pet": 3,
    "sage": 2,
    "rival": 2,
    "emoji": 3,
}
TOOL_NAMES = {
    "set_alarm",
    "show_notification",
    "write_clipboard",
    "read_clipboard",
    "screen_read",
    "screen_tap",
    "screen_type",
    "screen_scroll",
    "screen_back",
    "screen_home",
    "screen_find_and_tap",
    "web_search",
    "take_note",
    "store_value",
    "retrieve_value",
}


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite(SUITE_DIR / "suite.yaml")


def test_suite_identity(suite: Suite) -> None:
    assert suite.name == "pokkit"
    assert suite.version == "2"
    assert suite.description


def test_case_count_and_categories(suite: Suite) -> None:
    assert len(suite.cases) == 37
    assert Counter(c.category for c in suite.cases) == EXPECTED_COUNTS


def test_ids_unique_and_snake_case(suite: Suite) -> None:
    ids = [c.id for c in suite.cases]
    assert len(ids) == len(set(ids))
    for case_id in ids:
        assert case_id == case_id.lower() and " " not in case_id and "-" not in case_id, case_id


def test_every_case_has_checks_and_notes(suite: Suite) -> None:
    for case in suite.cases:
        assert case.checks, case.id
        assert case.notes.strip(), case.id


def test_tools_file_has_the_15_tools(suite: Suite) -> None:
    tools = json.loads((SUITE_DIR / "tools.json").read_text(encoding="utf-8"))
    assert {t["function"]["name"] for t in tools} == TOOL_NAMES
    assert len(tools) == 15
    for case in suite.cases:
        assert case.tool_names == TOOL_NAMES, case.id


@pytest.mark.skipif(not SHARED_TOOLS.exists(), reason="shared Pokkit data not present")
def test_tools_file_is_a_copy_of_the_shared_data() -> None:
    assert (SUITE_DIR / "tools.json").read_bytes() == SHARED_TOOLS.read_bytes()


def test_expected_tools_exist(suite: Suite) -> None:
    for case in suite.cases:
        for check in case.checks:
            if check.name == "tool_call":
                for call in check.args["calls"]:
                    assert set(call) <= TOOL_NAMES, case.id


def test_set_alarm_expectations_are_valid_integers(suite: Suite) -> None:
    seen = 0
    for case in suite.cases:
        for check in case.checks:
            if check.name != "tool_call":
                continue
            for call in check.args["calls"]:
                params = call.get("set_alarm")
                if params is None:
                    continue
                seen += 1
                assert set(params) >= {"hour", "minute"}, case.id
                for hour in params["hour"]:
                    assert type(hour) is int and 0 <= hour <= 23, (case.id, hour)
                for minute in params["minute"]:
                    assert type(minute) is int and 0 <= minute <= 59, (case.id, minute)
    assert seen >= 6  # 4 datetime cases, the pet alarm and the sage alarm


def test_category_checks_make_sense(suite: Suite) -> None:
    def names(case_id: str) -> set[str]:
        return {c.name for c in next(c for c in suite.cases if c.id == case_id).checks}

    for case in suite.cases:
        checks = {c.name for c in case.checks}
        if case.category == "datetime":
            assert "tool_call" in checks, case.id
        if case.category == "emotional":
            assert {"no_tool_call", "frog_voice", "max_questions", "no_toxic_positivity"} <= checks, case.id
        if case.category == "voice":
            assert "frog_voice" in checks, case.id
        if case.category == "edge":
            assert "not_empty" in checks, case.id
        if case.category == "pet":
            assert case.system_name == "pet" and "pet_only" in checks, case.id
        if case.category == "sage":
            assert case.system_name == "sage", case.id
        if case.category == "rival":
            assert case.system_name == "rival" and {"banned_phrases", "no_toxic_positivity"} <= checks, case.id
        if case.category == "emoji":
            assert {"expression_used", "no_tool_call"} <= checks, case.id
        if case.category == "multi_step":
            (tool_check,) = [c for c in case.checks if c.name == "tool_call"]
            assert tool_check.args["match"] == "chain" and len(tool_check.args["calls"]) >= 2, case.id
        if case.system_name not in ("pet", "sage", "rival"):
            assert case.system_name == "pokkit", case.id
    assert names("edge_arithmetic_7x8") >= {"contains", "no_tool_call"}
    tool_cases = [c for c in suite.cases if c.category == "tool_call"]
    assert sum("tool_call" in {k.name for k in c.checks} for c in tool_cases) == 5
    assert sum("no_tool_call" in {k.name for k in c.checks} for c in tool_cases) == 2


def test_system_prompts_are_distinct(suite: Suite) -> None:
    prompts = {c.system_name: c.messages[0]["content"] for c in suite.cases}
    assert set(prompts) == {"pokkit", "pet", "sage", "rival"}
    assert len(set(prompts.values())) == 4
    assert 120 <= len(prompts["pokkit"].split()) <= 200
    for case in suite.cases:
        assert case.messages[0]["role"] == "system" and case.messages[-1]["role"] == "user"
        assert case.max_tokens == 160
