"""How varied generated data is, per generator: reply lengths, distinct n-grams and verbatim duplicates.

A small model copies what it sees most, so a generator that repeats one reply (or a few) teaches that reply
word for word. ``diversity`` measures each generator's final replies: how many examples, their length in
words (counted as the suites' brevity check counts them), distinct-1 and distinct-2 (distinct word n-grams
over all word n-grams of the generator's replies: 1.0 is no word reused, near 0 is one reply over and over)
and the share of replies that repeat an earlier one verbatim. ``diversity_lines`` prints it as a table.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.scorers.text import count_words

_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class Diversity:
    generator: str
    examples: int
    mean_words: float
    min_words: int
    max_words: int
    distinct_1: float  # distinct words / words, over the generator's replies
    distinct_2: float  # distinct word pairs / word pairs
    duplicate_share: float  # replies equal to an earlier one of the same generator / replies


def _reply(example: dict[str, Any]) -> str:
    messages = example.get("messages") or []
    return str(messages[-1].get("content") or "") if messages else ""


def _distinct(tokens: Sequence[Sequence[str]], n: int) -> float:
    grams = [tuple(t[i : i + n]) for t in tokens for i in range(len(t) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def diversity(examples: Sequence[dict[str, Any]]) -> dict[str, Diversity]:
    """Per generator (``example["generator"]``, else its category), statistics of its examples' final replies."""
    replies: dict[str, list[str]] = {}
    for ex in examples:
        name = str(ex.get("generator") or ex.get("category") or "?")
        replies.setdefault(name, []).append(_reply(ex))
    out: dict[str, Diversity] = {}
    for name, texts in sorted(replies.items()):
        lengths = [count_words(t) for t in texts]
        tokens = [_WORD.findall(t.lower()) for t in texts]
        unique = len({" ".join(t.split()) for t in texts})
        out[name] = Diversity(
            generator=name,
            examples=len(texts),
            mean_words=sum(lengths) / len(lengths),
            min_words=min(lengths),
            max_words=max(lengths),
            distinct_1=_distinct(tokens, 1),
            distinct_2=_distinct(tokens, 2),
            duplicate_share=1 - unique / len(texts),
        )
    return out


def diversity_lines(stats: dict[str, Diversity]) -> list[str]:
    """A table: one row per generator, reply words (mean, min-max), distinct-1/-2 and duplicate share."""
    out = [
        f"{'generator':<24} {'examples':>8} {'words mean':>10} {'min-max':>8} {'distinct-1':>10} {'distinct-2':>10} "
        f"{'duplicates':>10}"
    ]
    for d in stats.values():
        out.append(
            f"{d.generator:<24} {d.examples:>8} {d.mean_words:>10.1f} {f'{d.min_words}-{d.max_words}':>8} "
            f"{d.distinct_1:>10.3f} {d.distinct_2:>10.3f} {d.duplicate_share:>10.1%}"
        )
    return out
