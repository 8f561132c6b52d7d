"""The scorer contract: a factory returns a scoring function or a ScorerSpec; build_scorer gives a BuiltScorer."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from harness.errors import ConfigError
from harness.scoring import BuiltScorer, ScorerSpec, ScoringContext, build_scorer, registered_scorers
from harness.types import Case, Completion, Score

ALARM = {"type": "function", "function": {"name": "set_alarm", "parameters": {"type": "object", "properties": {}}}}


def _case(tools: list[dict[str, Any]] | None = None) -> Case:
    return Case("s", "c1", "cat", [{"role": "user", "content": "Hi"}], tools or [], [], 32, [])


def test_a_plain_function_factory_is_built_with_no_context_and_no_case_check() -> None:
    built = build_scorer("short", max_words=3)
    assert isinstance(built, BuiltScorer) and built.name == "short" and built.args == {"max_words": 3}
    assert built.spec.needs_context is False and built.spec.validate_case is None
    built.validate_case(_case())  # nothing to check: no error
    score = built(_case(), Completion(text="one two", visible="one two"))
    assert score.passed and score.name == "short" and score.args == {"max_words": 3}


def test_the_judge_needs_the_context() -> None:
    built = build_scorer("judge", criterion="warmth")
    assert built.spec.needs_context is True
    with pytest.raises(ConfigError, match="needs a judge model"):
        built(_case(), Completion(text="Hi", visible="Hi"), ScoringContext())


def test_tool_call_checks_the_case_at_load_time() -> None:
    built = build_scorer("tool_call", calls=[{"set_alarm": {}}])
    built.validate_case(_case([ALARM]))
    with pytest.raises(ConfigError, match="not among the tools offered"):
        built.validate_case(_case())


def test_a_spec_is_a_scoring_function_too() -> None:
    def fn(case: Case, completion: Completion) -> Score:
        return Score("x", True, "ok", 1.0)

    spec = ScorerSpec(fn)
    assert spec(_case(), Completion(text="")).passed
    with pytest.raises(AttributeError):
        spec.needs_context = True  # type: ignore[misc]  # frozen


def test_every_builtin_scorer_without_required_arguments_builds() -> None:
    built_names = []
    for name, info in registered_scorers().items():
        params = inspect.signature(info.factory).parameters.values()
        if all(p.default is not inspect.Parameter.empty for p in params):
            built = build_scorer(name)
            assert isinstance(built, BuiltScorer) and isinstance(built.spec, ScorerSpec), name
            built_names.append(name)
    # The loop must have met the scorers: an empty registry would pass it silently.
    assert {"finished", "no_echo", "warmth", "pushback", "stops_training", "no_prompt_leak", "not_empty"} <= set(
        built_names
    )
