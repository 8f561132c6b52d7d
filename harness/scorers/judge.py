"""A judge scorer: a second local model (``--judge MODEL``) grades the reply on a 1-5 scale.

The judge's output is constrained by a JSON schema (a llama.cpp grammar), so even a small judge can only
answer ``{"score": 1-5, "reason": "..."}``. With ``compare_with: <rule check>`` the run reports how often the
judge's pass/fail agrees with that deterministic check (judge-vs-rule agreement).
"""

from __future__ import annotations

import json

from harness.backends.base import GenerationParams
from harness.errors import ConfigError
from harness.scoring import ScorerSpec, ScoringContext, scorer
from harness.types import Case, Completion, Score

VERDICT_SCHEMA = {
    "type": "object",
    "properties": {"score": {"enum": [1, 2, 3, 4, 5]}, "reason": {"type": "string", "maxLength": 160}},
    "required": ["score", "reason"],
}
JUDGE_SYSTEM = (
    "You grade one reply of an assistant. Read the criterion, the user's message and the reply, then answer "
    'only with JSON: {"score": <1-5, 5 best>, "reason": "<one short sentence>"}.'
)


def judge_messages(criterion: str, rubric: str, prompt: str, reply: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": JUDGE_SYSTEM},
        {
            "role": "user",
            "content": f"Criterion: {criterion}. {rubric}\n\nUser's message:\n{prompt}\n\nReply to grade:\n{reply}",
        },
    ]


def parse_verdict(text: str) -> tuple[int, str] | None:
    """``(score, reason)`` from the judge's JSON, or None when it is not a valid verdict."""
    try:
        data = json.loads(text)
        score = data["score"]
    except (json.JSONDecodeError, KeyError, TypeError):
        return None
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        return None
    return score, str(data.get("reason", ""))


@scorer("judge")
def judge(
    criterion: str, rubric: str = "", min_score: int = 3, compare_with: str | None = None, max_tokens: int = 96
) -> ScorerSpec:
    """A judge model scores ``criterion`` 1-5; passes at ``min_score`` or above. Named ``judge.<criterion>``."""
    if not criterion.replace("_", "").isalnum():
        raise ConfigError(f"judge: criterion must be a word like 'warmth', got {criterion!r}")
    if not 1 <= min_score <= 5 or max_tokens < 16:
        raise ConfigError(f"judge: need 1 <= min_score <= 5 and max_tokens >= 16, got {min_score}, {max_tokens}")
    name = f"judge.{criterion}"

    def score(case: Case, completion: Completion, ctx: ScoringContext | None = None) -> Score:
        if ctx is None or ctx.judge is None:
            raise ConfigError(f"check {name} needs a judge model: pass --judge MODEL")
        params = GenerationParams(max_tokens=max_tokens, json_schema=VERDICT_SCHEMA)
        out = ctx.judge.generate(
            judge_messages(criterion, rubric, case.prompt, completion.visible), [], params, key=f"judge/{case.id}"
        )
        verdict = parse_verdict(out.text)
        if verdict is None:
            return Score(name, False, f"the judge gave no valid verdict: {out.text[:80]!r}", None, "judge_invalid")
        value, reason = verdict
        return Score(name, value >= min_score, f"judge: {criterion} {value}/5: {reason}", float(value))

    return ScorerSpec(score, needs_context=True)
