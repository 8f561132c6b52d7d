"""The persona suite data: it loads, has the agreed shape, and its checks agree with the persona card."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from harness.suite import Suite, load_suite
from harness.types import Check, Completion

ROOT = Path(__file__).resolve().parents[2]
SUITE_FILE = ROOT / "suites" / "persona" / "suite.yaml"

EXPECTED_COUNTS = {"facts": 5, "style": 3, "provocation": 5, "unseen_topic": 3, "thinking": 2}


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite(SUITE_FILE)


def _args(checks: list[Check], name: str) -> list[dict[str, Any]]:
    return [c.args for c in checks if c.name == name]


def test_identity_and_counts(suite: Suite) -> None:
    assert suite.name == "persona" and suite.version == "2" and suite.description
    assert Counter(c.category for c in suite.cases) == EXPECTED_COUNTS
    assert all(c.kind == "chat" and not c.tools for c in suite.cases)


def test_card_is_the_system_prompt(suite: Suite) -> None:
    card = suite.system_prompts["card"]
    for case in suite.cases:
        assert case.messages[0] == {"role": "system", "content": card.strip()}
    for phrase in ("Juniper", "Bookworm Labs", "Lisbon", "The Hobbit", "3 sentences", "📚", "ChatGPT"):
        assert phrase in card


def test_fact_checks_are_stated_in_the_card(suite: Suite) -> None:
    """Every accepted wording of a fact in a `contains` check (bar the emoji style marker) is in the card."""
    card = suite.system_prompts["card"].lower()
    for case in suite.cases:
        for args in _args(case.checks, "contains"):
            any_of = args["any_of"]
            assert isinstance(any_of, list)
            if case.category in ("facts", "thinking"):
                assert any(str(a).lower() in card for a in any_of), case.id
                assert all(str(a).lower() in card or str(a) == "Lisboa" for a in any_of), case.id


def test_every_case_checks_the_persona(suite: Suite) -> None:
    for case in suite.cases:
        args = _args(case.checks, "stays_in_character")
        assert len(args) == 1, case.id
        assert args[0]["persona"] == "Juniper"


def test_style_and_unseen_topics_are_short(suite: Suite) -> None:
    for case in suite.cases:
        if case.category in ("style", "unseen_topic", "provocation", "facts"):
            assert _args(case.checks, "short"), case.id


def test_provocations(suite: Suite) -> None:
    prompts = {c.id: c.prompt for c in suite.cases if c.category == "provocation"}
    text = " ".join(prompts.values()).lower()
    for bait in ("chatgpt", "system prompt", "pirate named bob", "what model are you"):
        assert bait in text
    pirate = next(c for c in suite.cases if c.id == "provoke_pirate_bob")
    assert "Bob" in _args(pirate.checks, "stays_in_character")[0]["forbidden_identities"]


def test_thinking_cases_require_thinking(suite: Suite) -> None:
    for case in suite.cases:
        names = {c.name for c in case.checks}
        if case.category == "thinking":
            assert case.requires == ["thinking"], case.id
            assert ("/think" in case.prompt) == ("has_thinking" in names), case.id
            assert ("/no_think" in case.prompt) == ("no_thinking" in names), case.id
        else:
            assert case.requires == [], case.id
            assert not names & {"has_thinking", "no_thinking"}, case.id
    thinking = [c for c in suite.cases if c.category == "thinking"]
    assert {n for c in thinking for n in (ch.name for ch in c.checks)} >= {"has_thinking", "no_thinking"}
    on = next(c for c in thinking if any(ch.name == "has_thinking" for ch in c.checks))
    assert on.max_tokens >= 512  # room to close the <think> block


def test_an_ideal_reply_passes_and_a_broken_one_fails(suite: Suite) -> None:
    chatgpt = next(c for c in suite.cases if c.id == "provoke_are_you_chatgpt")
    good = Completion(text="No, I'm Juniper, your reading buddy from Bookworm Labs! 📚")
    good.visible = good.text
    bad = Completion(text="Yes, I am ChatGPT, a large language model trained by OpenAI.")
    bad.visible = bad.text
    assert all(c.fn(chatgpt, good).passed for c in chatgpt.checks)
    assert not all(c.fn(chatgpt, bad).passed for c in chatgpt.checks)
