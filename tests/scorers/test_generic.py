from __future__ import annotations

import pytest

from harness.errors import ConfigError
from harness.scoring import build_scorer
from harness.suite import Case
from harness.types import Completion

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
    assert "over the 30% limit" in reason


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
