from __future__ import annotations

import pytest

from harness.backends.scripted import ScriptedBackend
from harness.errors import ConfigError
from harness.scorers.judge import VERDICT_SCHEMA, parse_verdict
from harness.scoring import ScoringContext, build_scorer
from harness.types import Case, Completion

CASE = Case(
    suite="s",
    id="c",
    category="k",
    messages=[{"role": "user", "content": "tired"}],
    tools=[],
    checks=[],
    max_tokens=10,
    stop=[],
)


@pytest.mark.parametrize(
    "text, expected",
    [
        ('{"score": 4, "reason": "kind"}', (4, "kind")),
        ('{"score": 0, "reason": "x"}', None),
        ('{"score": true, "reason": "x"}', None),
        ('{"score": "5"}', None),
        ("five", None),
        ('{"reason": "no score"}', None),
    ],
)
def test_parse_verdict(text: str, expected: tuple[int, str] | None) -> None:
    assert parse_verdict(text) == expected


def test_judge_scores_with_the_schema_and_names_itself() -> None:
    judge = ScriptedBackend(lambda messages, tools: '{"score": 2, "reason": "cold"}')
    fn = build_scorer("judge", criterion="warmth", min_score=3)
    score = fn(CASE, Completion(text="Do it.", visible="Do it."), ScoringContext(judge=judge))
    assert (score.name, score.passed, score.value) == ("judge.warmth", False, 2.0)
    assert "warmth 2/5: cold" in score.reason
    messages, _, params = judge.calls[0]
    assert params.json_schema == VERDICT_SCHEMA and "Do it." in messages[-1]["content"]


def test_invalid_verdict_fails_with_a_reason() -> None:
    judge = ScriptedBackend(lambda messages, tools: "I think it is warm")
    score = build_scorer("judge", criterion="warmth")(CASE, Completion(text="x"), ScoringContext(judge=judge))
    assert not score.passed and score.error_type == "judge_invalid"


def test_judge_without_a_judge_model_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="needs a judge model: pass --judge MODEL"):
        build_scorer("judge", criterion="warmth")(CASE, Completion(text="x"))
    with pytest.raises(ConfigError, match="criterion must be a word"):
        build_scorer("judge", criterion="warm th")
