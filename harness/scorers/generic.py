"""Scorers that apply to any suite: degenerate output (loops) and the like."""

from __future__ import annotations

import re
import unicodedata

from harness.errors import ConfigError
from harness.parsing import split_thinking
from harness.scoring import ScoreFn, scorer
from harness.suite import Case
from harness.types import Completion, Score

_TOKEN = re.compile(r"\S+")


def _split_symbols(text: str) -> str:
    """Each emoji or other symbol becomes a word of its own: "🐸🐸🐸..." (a loop a fine-tuned model fell into,
    53 frogs until max_tokens) is 53 words, not one, so it counts as the loop it is."""
    return "".join(f" {c} " if unicodedata.category(c) == "So" else c for c in text)


def repetition_ratio(text: str, ngram: int) -> tuple[float, int]:
    """Share of word n-grams that repeat an earlier one (0 = none, near 1 = a loop), and the word count."""
    words = [w.lower().strip(".,!?;:\"'") or w for w in _TOKEN.findall(_split_symbols(text))]
    grams = [tuple(words[i : i + ngram]) for i in range(len(words) - ngram + 1)]
    if not grams:
        return 0.0, len(words)
    return 1 - len(set(grams)) / len(grams), len(words)


@scorer("no_repetition", higher_is_better=False)
def no_repetition(ngram: int = 4, max_ratio: float = 0.3, min_words: int = 16) -> ScoreFn:
    """The reply does not loop: at most ``max_ratio`` of its word n-grams repeat earlier ones."""
    if ngram < 1 or not 0 < max_ratio < 1 or min_words < ngram:
        raise ConfigError(
            f"no_repetition: need ngram >= 1, 0 < max_ratio < 1, min_words >= ngram; got {ngram}, {max_ratio}, "
            f"{min_words}"
        )

    def score(case: Case, completion: Completion) -> Score:
        text, _ = split_thinking(completion.text)
        ratio, n_words = repetition_ratio(text, ngram)
        if n_words < min_words:
            return Score("no_repetition", True, f"{n_words} words, too short to loop", 0.0)
        ok = ratio <= max_ratio
        verdict = "within" if ok else "over"
        return Score(
            "no_repetition",
            ok,
            f"{ratio:.0%} of {ngram}-word sequences repeat ({verdict} the {max_ratio:.0%} limit)",
            ratio,
        )

    return score
