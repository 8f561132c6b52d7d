from __future__ import annotations

import pytest

from harness.errors import ConfigError
from harness.scoring import build_scorer
from harness.types import Case, Completion

CASE = Case(
    suite="s",
    id="c",
    category="k",
    messages=[{"role": "user", "content": "hi"}],
    tools=[],
    checks=[],
    max_tokens=10,
    stop=[],
)


def _score(text: str, **kwargs: object) -> tuple[bool, str, float | None]:
    s = build_scorer("no_repetition", **kwargs)(CASE, Completion(text=text))
    return s.passed, s.reason, s.value


def test_loop_fails() -> None:
    ok, reason, value = _score("I'm a frog, a frog, a frog. " + "I'm a frog. " * 30)
    assert not ok and value is not None and value > 0.8
    assert reason == 'loops: "a frog i\'m" 30 times in a row'
    ok, reason, _ = _score(" ".join(f"frog pond lily pad and tadpole x{i}" for i in range(5)))
    assert not ok and "over the 30% limit" in reason  # repeats, but no unit back to back


def test_code_fence_loop_fails() -> None:
    assert not _score("```\n# Tools\n" * 40)[0]


def test_natural_reply_passes() -> None:
    text = (
        "Ribbit! Your alarm is set for 6:30 tomorrow morning. I will croak loudly until you get up, so no "
        "hiding under the lily pad this time. Want me to add a reminder for breakfast too?"
    )
    ok, reason, value = _score(text)
    assert ok and value == 0.0 and "within" in reason


def test_emoji_loop_without_spaces_fails() -> None:
    """A fine-tuned 135M model answered with 53 frogs and no spaces; each emoji must count as a word."""
    ok, reason, value = _score("🐸" * 53)
    assert not ok and value is not None and value > 0.9, reason


def test_a_reply_with_a_few_emoji_still_passes() -> None:
    text = "🐸 [pokkit_happy] Done! Alarm set for 7:45 tomorrow. I will croak until you are up, so no snoozing 🐸🐸"
    assert _score(text)[0]


def test_short_replies_are_not_judged() -> None:
    ok, reason, _ = _score("ribbit ribbit ribbit ribbit")
    assert ok and "too short" in reason


def test_thinking_is_ignored() -> None:
    assert _score(
        "<think>" + "hmm " * 50 + "</think>Fine, the alarm is set for seven and I will wake you up "
        "with a gentle croak and a little song about ponds and flies and lily pads."
    )[0]


@pytest.mark.parametrize("kwargs", [{"ngram": 0}, {"max_ratio": 1.5}, {"min_words": 2, "ngram": 4}])
def test_bad_arguments(kwargs: dict) -> None:
    with pytest.raises(ConfigError, match="no_repetition"):
        build_scorer("no_repetition", **kwargs)


# ------------------------------------------------------------------ finished, no_echo


def _case(prompt: str) -> Case:
    return Case(
        suite="s",
        id="c",
        category="k",
        messages=[{"role": "user", "content": prompt}],
        tools=[],
        checks=[],
        max_tokens=10,
        stop=[],
    )


@pytest.mark.parametrize(("finish", "passed"), [("stop", True), ("length", False), ("timeout", False)])
def test_finished_fails_a_cut_reply(finish: str, passed: bool) -> None:
    s = build_scorer("finished")(CASE, Completion(text="A fine start to a reply", finish_reason=finish))
    assert s.passed is passed
    if not passed:
        assert s.reason.startswith("cut ") and s.error_type == "cut"


PROMPT = "Why did my intervals get swapped? I only slept 4 hours but I feel okay."


@pytest.mark.parametrize(
    ("reply", "passed"),
    [
        (PROMPT, False),
        ("why did my INTERVALS get swapped?? i only slept 4 hours, but i feel okay!", False),
        (PROMPT + " Thanks.", False),
        ("You asked: " + PROMPT, False),
        # A real answer may quote the question back
        (
            "Why did your intervals get swapped? Four hours of sleep leaves your body short on recovery, even "
            "when you feel okay, so today became an easy run. How are you sleeping tonight?",
            True,
        ),
        ("Short sleep is the reason: an easy run today keeps you fresh for the intervals later this week.", True),
        ("", True),
    ],
)
def test_no_echo(reply: str, passed: bool) -> None:
    s = build_scorer("no_echo")(_case(PROMPT), Completion(text=reply, visible=reply))
    assert s.passed is passed, s.reason


def test_no_echo_empty_prompt_and_bad_args() -> None:
    assert build_scorer("no_echo")(_case(""), Completion(text="", visible="")).passed
    with pytest.raises(ConfigError, match="min_reply_share"):
        build_scorer("no_echo", min_reply_share=0)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("okay okay okay okay okay okay okay okay okay okay", "loops: 'okay' 10 times in a row"),
        ("Stay with me. " + "Keep going! " * 6, "loops: 'keep going' 6 times in a row"),
        ("Here is what to do: " + " ".join(f"{i}. Rest" for i in range(1, 13)), "loops: 'rest' 12 times in a row"),
        ("💪" * 12, "loops: '💪' 12 times in a row"),
        (
            "Not at all. Your fitness doesn't vanish in a week. Your fitness doesn't vanish in a week. Ease back in.",
            'says the same sentence twice: "your fitness doesn\'t vanish in a week"',
        ),
        (
            "Rest is important. Rest is really important. Rest is very important. Rest is so important for you.",
            "says nearly the same thing in 4 sentences: 'rest is important'",
        ),
    ],
)
def test_short_loops_and_repeated_sentences_fail(text: str, reason: str) -> None:
    ok, got, _ = _score(text)
    assert not ok
    assert got == reason


@pytest.mark.parametrize(
    "text",
    [
        "Ribbit ribbit ribbit! 🐸",
        "Easy days, easy days, I know they can feel like a chore. But they build you, one step at a time.",
        "Try these: - Try to go to bed 30 minutes earlier - Try to go for a walk at lunch - Try to go easy on coffee",
        "No, no, no, don't worry about it.",
    ],
)
def test_deliberate_repeats_pass(text: str) -> None:
    ok, reason, _ = _score(text)
    assert ok, reason


def test_a_greeting_back_is_no_echo() -> None:
    assert build_scorer("no_echo")(_case("Hi Juniper!"), Completion(text="Hi! 📚", visible="Hi! 📚")).passed
    assert not build_scorer("no_echo")(
        _case("Hi Juniper!"), Completion(text="Hi Juniper!", visible="Hi Juniper!")
    ).passed


def test_a_list_of_one_line_said_thrice_loops() -> None:
    ok, reason, _ = _score("1. Rest\n2. Rest\n3. Rest\n4. Rest\n5. Rest\n6. Rest")
    assert not ok and "rest" in reason
