"""Scorers that apply to any suite: degenerate output (loops) and the like."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

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


# List markers ("1.", "2)", "-", "•") are layout, not words: "1. Rest 2. Rest 3. Rest" repeats "Rest".
_MAX_SENTENCES = 120
_LIST_MARKER = re.compile(r"^(?:\d{1,3}[.)]|[-*+\u2022\u2013])$")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+|\s+[-*\u2022]\s+")


def _loop_words(text: str) -> list[str]:
    words = [w for w in _TOKEN.findall(_split_symbols(text)) if not _LIST_MARKER.match(w)]
    return [w.lower().strip(".,!?;:\"'") or w for w in words]


def repeated_run(words: list[str], min_words: int = 10) -> tuple[list[str], int] | None:
    """The first unit of 1-8 words said again and again back to back ("okay okay okay ...", "Keep going! Keep
    going! ...") for at least ``min_words`` words (3 times at least, 4 for a single word), as (unit, times)."""
    n = len(words)
    for size in range(1, 9):
        least = 4 if size == 1 else 3
        for start in range(n - size * least + 1):
            unit = words[start : start + size]
            times = 1
            while words[start + times * size : start + (times + 1) * size] == unit:
                times += 1
            if times >= least and times * size >= min_words:
                return unit, times
    return None


def repeated_sentences(text: str) -> tuple[str, int] | None:
    """A line said three times, a sentence of 5+ words said twice word for word, or 3+ sentences of 2+ words that
    share half their words
    with another ("Rest is important. Rest is really important. Rest is so important."): (an example, how many
    sentences)."""
    lines = Counter(tuple(words) for words in map(_loop_words, text.splitlines()) if words)
    if lines and (top := lines.most_common(1)[0])[1] >= 3:  # "1. Rest / 2. Rest / 3. Rest": a line said thrice
        return " ".join(top[0]), top[1]
    sentences = [s for s in (_loop_words(part) for part in _SENTENCES.split(text)) if len(s) >= 2]
    seen: dict[tuple[str, ...], int] = {}
    for words in sentences:
        key = tuple(words)
        seen[key] = seen.get(key, 0) + 1
        if len(words) >= 5 and seen[key] == 2:
            return " ".join(words), 2
    sets = [set(words) for words in sentences[:_MAX_SENTENCES]]  # pairs grow with the square; a loop shows early
    similar = [
        i for i, a in enumerate(sets) if any(j != i and len(a & b) / len(a | b) >= 0.5 for j, b in enumerate(sets))
    ]
    if len(similar) >= 3:
        return " ".join(sentences[similar[0]]), len(similar)
    return None


@scorer("no_repetition", higher_is_better=False)
def no_repetition(ngram: int = 4, max_ratio: float = 0.3, min_words: int = 16) -> ScoreFn:
    """The reply does not loop.

    It fails when, in order: a unit of 1-8 words is said back to back until it fills 10+ words ("okay okay
    okay ...", "1. Rest 2. Rest 3. Rest ..."); a sentence of 5+ words is said twice, or 3+ sentences say nearly
    the same (half their words shared: "I'm Juniper. I'm Juniper from Bookworm. I'm Juniper, really."); or,
    from ``min_words`` words on, more than ``max_ratio`` of its word
    ``ngram``-grams repeat earlier ones. Each emoji counts as a word, list markers do not. A phrase said twice
    on purpose ("Easy days, easy days, I know ...") and a short pet's "ribbit ribbit ribbit" pass."""
    if ngram < 1 or not 0 < max_ratio < 1 or min_words < ngram:
        raise ConfigError(
            f"no_repetition: need ngram >= 1, 0 < max_ratio < 1, min_words >= ngram; got {ngram}, {max_ratio}, "
            f"{min_words}"
        )

    def score(case: Case, completion: Completion) -> Score:
        text, _ = split_thinking(completion.text)
        ratio, n_words = repetition_ratio(text, ngram)
        run = repeated_run(_loop_words(text))
        if run is not None:
            unit, times = run
            return Score("no_repetition", False, f"loops: {' '.join(unit)!r} {times} times in a row", max(ratio, 0.5))
        again = repeated_sentences(text)
        if again is not None:
            example, count = again
            what = "says the same sentence twice" if count == 2 else f"says nearly the same thing in {count} sentences"
            return Score("no_repetition", False, f"{what}: {example[:60]!r}", max(ratio, 0.5))
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


@scorer("finished")
def finished() -> ScoreFn:
    """The reply ended on its own: not cut at max_tokens (finish_reason "length") or by the time limit.

    A model that never stops (a loop, a ramble) is broken whatever the first tokens say, and a cut reply
    can look brief or well-formed only because we never saw the rest of it."""
    name = "finished"

    def score(case: Case, completion: Completion) -> Score:
        if completion.cut:
            return Score(name, False, f"{completion.cut}: the reply did not end on its own", 0.0, "cut")
        return Score(name, True, "ended on its own", 1.0)

    return score


_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_CONTRACTIONS = {
    "n't": " not",
    "'re": " are",
    "'ve": " have",
    "'ll": " will",
    "'d": " would",
    "'m": " am",
    "'s": " is",
}
_NUMBERS = {
    w: str(i)
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
        "seventeen eighteen nineteen twenty".split()
    )
}
# First and second person fold together: an echo may swap "my" for "your" ("Why is your readiness red?").
_PERSON = {
    **dict.fromkeys(("i", "me", "you", "we", "us", "myself", "yourself"), "<p>"),
    **dict.fromkeys(("my", "your", "our", "mine", "yours"), "<pp>"),
    **dict.fromkeys(("am", "are", "is", "was", "were"), "<be>"),
}


def echo_words(text: str) -> list[str]:
    """Words of ``text`` for echo matching: lowercase, contractions expanded ("can't" -> "can not"), number words
    as digits, and I/you, my/your, am/are/is folded together, so "Why is your readiness red when you feel
    fine?" matches "Why is my readiness red? I feel fine."."""
    out: list[str] = []
    for word in _WORD.findall(text.lower().replace("\u2019", "'")):
        if word == "can't":
            word = "can n't"
        elif word == "won't":
            word = "will n't"
        for suffix, full in _CONTRACTIONS.items():
            if word.endswith(suffix) and len(word) > len(suffix):
                word = word[: -len(suffix)] + full
                break
        out.extend(_PERSON.get(w, _NUMBERS.get(w, w)) for w in word.replace("n't", "not").split())
    return out


def split_repeats(prompt: list[str], reply: list[str], n: int = 3) -> tuple[int, list[str]]:
    """``(words of reply that repeat prompt, the other words)``; see ``words_from``."""
    covered = _covered(prompt, reply, n)
    return sum(covered), [w for w, c in zip(reply, covered, strict=True) if not c]


def echoed_words(prompt: list[str], reply: list[str], n: int = 3) -> list[str]:
    """The words of ``reply`` that repeat ``prompt`` (see ``words_from``)."""
    return [w for w, c in zip(reply, _covered(prompt, reply, n), strict=True) if c]


def words_from(prompt: list[str], reply: list[str], n: int = 3) -> int:
    """How many of ``reply``'s words sit inside a run of ``n`` words that also occurs in ``prompt`` (shorter runs
    when the prompt or the reply is shorter than ``n``): the part of the reply that repeats the prompt."""
    return sum(_covered(prompt, reply, n))


def _covered(prompt: list[str], reply: list[str], n: int) -> list[bool]:
    n = min(n, len(prompt), len(reply))
    covered = [False] * len(reply)
    if n == 0:
        return covered
    grams = {tuple(prompt[i : i + n]) for i in range(len(prompt) - n + 1)}
    for i in range(len(reply) - n + 1):
        if tuple(reply[i : i + n]) in grams:
            covered[i : i + n] = [True] * n
    return covered


# Words that add nothing to an echo: "You said: ...", "... Great question.", "... OK.", "Let me think about that.",
# the small words that join two echoed pieces ("Why is your readiness red when you feel fine?") and
# interjections ("... Ribbit."). A number or a noun is an answer: "What's 7 times 8? 56!" is no echo.
_FILLER = frozenset(
    (
        "ok okay sure yes no yeah yep hmm um uh well so oh ah wow ha thanks thank great good nice interesting "
        "question user said asked ask wrote says say <p> <pp> <be> let think about that this these those it its "
        "is a an the and or but if when then because as to of in on at for with from by what how why who which "
        "where do does did not just really very hi hello hey ribbit croak brrup"
    ).split()
)


@scorer("no_echo")
def no_echo(min_prompt_share: float = 0.5) -> ScoreFn:
    """The reply is not the user's last message said back.

    Rule: count the reply's words that repeat the message (runs of 3 words found in it; case, punctuation,
    contractions, number words and my/your swaps ignored). It is an echo when they amount to at least
    ``min_prompt_share`` of the message and the rest of the reply adds nothing (only filler: "You said:",
    "Great question.", "OK", joining words). So the message said back (once, twice, cut off, behind "You
    said:") fails, while "What's 7 times 8? 56!" and a real answer that quotes the question pass. A reply that
    makes a tool call acts, an echo of filler alone ("Hi! 📚" to "Hi Juniper!") is a greeting, and an empty
    message cannot be echoed."""
    name = "no_echo"
    if (
        isinstance(min_prompt_share, bool)
        or not isinstance(min_prompt_share, int | float)
        or not 0 < min_prompt_share <= 1
    ):
        raise ConfigError(f"scorer {name!r}: min_prompt_share must be a number in (0, 1], got {min_prompt_share!r}")

    def score(case: Case, completion: Completion) -> Score:
        asked = echo_words(case.prompt)
        said = echo_words(completion.visible)
        if completion.tool_calls:
            return Score(name, True, "acts with a tool call", 0.0)
        if not asked or not said:
            return Score(name, True, "nothing to echo" if not asked else "no prose to compare", 0.0)
        repeated, rest = split_repeats(asked, said)
        of_reply = repeated / len(said)
        new_words = [w for w in rest if w not in _FILLER]
        echoed_content = any(w not in _FILLER for w in echoed_words(asked, said))
        if repeated >= min_prompt_share * len(asked) and not new_words and echoed_content:
            added = f"; adds only {' '.join(rest[:4])!r}" if rest else ""
            return Score(
                name,
                False,
                f"echoes the user's message: {of_reply:.0%} of the reply ({repeated} of {len(said)} words) "
                f"repeats it{added}",
                of_reply,
                "echo",
            )
        return Score(name, True, f"answers rather than echoes ({of_reply:.0%} of the reply repeats the user)", of_reply)

    return score
