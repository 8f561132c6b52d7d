"""Pokkit scorers: is the pet frog's prose in frog voice, free of canned positivity, and only frog sounds when it
plays the pet?

Decision: a scorer belongs here when its rule or its words are Pokkit's: frogs and frog sounds
(``frog_voice``, ``pet_only``), the ``[pokkit_*]`` expressions (``expression_used``), or an assistant cheer
that reads an expression as part of the opening (``no_toxic_positivity``). Rules that hold for any character
are in ``generic``; the word lists are in ``wordlists``.

All scorers read ``completion.visible`` (prose without thinking and tool-call markup) unless their docstring
says otherwise. Phrase matching is as ``text.phrase_pattern`` describes.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from harness.errors import ConfigError
from harness.parsing import split_thinking
from harness.scorers.generic import phrase_scorer
from harness.scorers.text import (
    POKKIT_EXPRESSION_RE,
    int_arg,
    normalise,
    phrase_list,
    phrase_pattern,
    phrase_regex,
    plural,
    quote_list,
    without_expressions,
)
from harness.scorers.wordlists import (
    DEFAULT_FROG_MARKERS,
    DEFAULT_PET_SOUNDS,
    DEFAULT_TOXIC_POSITIVITY,
    POKKIT_EXPRESSIONS,
)
from harness.scoring import ScoreFn, scorer
from harness.types import Completion, Score

if TYPE_CHECKING:
    from harness.types import Case

_TIME_FLIES_RE = re.compile(r"\btime\s+flies\b", re.IGNORECASE)
_ELONGATED_RIBBIT_RE = r"r+i+b+i+t+s?|r+i+b+b+e+t+|c+r+o+a+k+s?"
_TOKEN_RE = re.compile(r"[^\W_]+")  # runs of letters and digits


def _normalise_expression(scorer_name: str, arg: str, value: str) -> str:
    name = value.strip().strip("[]").strip().lower()
    if not name.startswith("pokkit_"):
        name = "pokkit_" + name
    if not re.fullmatch(r"pokkit_[a-z0-9_]+", name):
        raise ConfigError(f"scorer {scorer_name!r}: {arg} entry {value!r} is not an expression like '[pokkit_happy]'")
    return f"[{name}]"


@scorer("frog_voice")
def frog_voice(markers: list[str] | None = None, min_hits: int = 1) -> ScoreFn:
    """In frog voice: the prose holds at least ``min_hits`` frog markers (🐸, ribbit, pond, [pokkit_*] ...)."""
    name = "frog_voice"
    min_hits = int_arg(name, "min_hits", min_hits, 1)
    if markers is None:
        parts = [
            rf"(?<!\w)(?:{_ELONGATED_RIBBIT_RE})(?!\w)",
            POKKIT_EXPRESSION_RE.pattern,
            r"(?<!\w)(?:frog|toad)\w*",  # frogs, froggy, frogtastic, toadally
        ]
        for marker in sorted(DEFAULT_FROG_MARKERS, key=len, reverse=True):
            pattern = phrase_pattern(marker)
            if pattern.endswith(r"(?!\w)"):  # let plurals match: frogs, ponds, lily pads
                pattern = pattern.removesuffix(r"(?!\w)") + r"(?:e?s)?(?!\w)"
            parts.append(pattern)
        regex = re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)
    else:
        regex = phrase_regex(phrase_list(name, "markers", markers))

    def score(case: Case, completion: Completion) -> Score:
        text = _TIME_FLIES_RE.sub(" ", normalise(completion.visible))  # "time flies" is no frog's lunch
        found = [m.group(0) for m in regex.finditer(text)]
        hits = len(found)
        distinct = list(dict.fromkeys(f.lower() for f in found))
        if hits >= min_hits:
            return Score(name, True, f"{plural(hits, 'frog marker')}: {quote_list(distinct)}", float(hits))
        if hits == 0:
            return Score(name, False, "no frog markers (🐸, ribbit, pond, [pokkit_*] ...) in the reply", 0.0)
        return Score(
            name, False, f"only {plural(hits, 'frog marker')} ({quote_list(distinct)}), need {min_hits}", float(hits)
        )

    return score


# A reply that opens on an upbeat interjection ("Of course! Oh no, I'm so sorry") cheers before it has heard
# the news: the forced cheer of an assistant, not a friend. Emoji and [pokkit_*] expressions before it count
# as the opening too.
_CHEER_OPENER_RE = re.compile(
    r"^[\W_]*(?:\[\s*pokkit_[a-z0-9_]+\s*\][\W_]*)*"
    r"((?:of\s+course|sure(?:\s+thing)?|absolutely|certainly|definitely|great|awesome|yay|wonderful|perfect"
    r"|fantastic|amazing|excellent|hooray|woo+hoo+|splendid|marvell?ous)\s*!)",
    re.IGNORECASE,
)


@scorer("no_toxic_positivity")
def no_toxic_positivity(phrases: list[str] | None = None) -> ScoreFn:
    """No canned assistant positivity ("happy to help", "everything happens for a reason", "as an AI" ...).

    With the default phrases, any reply that opens on a forced cheer ("Of course!", "Sure!", "Absolutely!",
    "Great!" ...) fails too: it is an assistant's canned cheer, and before bad news the worst kind."""
    name = "no_toxic_positivity"
    listed = list(DEFAULT_TOXIC_POSITIVITY) if phrases is None else phrase_list(name, "phrases", phrases)
    canned = phrase_scorer(name, listed, "canned phrase")
    if phrases is not None:
        return canned

    def score(case: Case, completion: Completion) -> Score:
        opener = _CHEER_OPENER_RE.match(normalise(completion.visible))
        if opener is not None:
            shown = " ".join(opener.group(1).split())
            return Score(name, False, f"opens on a forced cheer {shown!r}", 0.0)
        return canned(case, completion)

    return score


@scorer("pet_only")
def pet_only(sounds: list[str] | None = None) -> ScoreFn:
    """The pet speaks only frog sounds, emoji, punctuation and [pokkit_*] expressions (tool calls allowed)."""
    name = "pet_only"
    listed = list(DEFAULT_PET_SOUNDS) if sounds is None else phrase_list(name, "sounds", sounds)
    for sound in listed:
        if not re.fullmatch(r"[^\W\d_]+", sound):
            raise ConfigError(f"scorer {name!r}: sound {sound!r} must be a single word of letters")
    stretched = []
    for sound in listed:
        collapsed = re.sub(r"(.)\1+", r"\1", sound.lower())
        stretched.append("".join(re.escape(c) + "+" for c in collapsed))
    sound_re = re.compile(f"(?:{'|'.join(stretched)})+", re.IGNORECASE)

    def score(case: Case, completion: Completion) -> Score:
        # "Rib-bit!", "cro-oak": a sound split by a hyphen is one sound
        text = re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", "", without_expressions(normalise(completion.visible)))
        calls = len(completion.tool_calls)
        if not completion.visible.strip():
            if calls:
                return Score(name, True, f"no prose, {plural(calls, 'tool call')}", 1.0)
            return Score(name, False, "empty reply: no frog sounds and no tool call", 0.0)
        tokens = _TOKEN_RE.findall(text)
        human = [t for t in tokens if not sound_re.fullmatch(t)]
        if human:
            unique = list(dict.fromkeys(human))
            return Score(name, False, f"speaks human words: {quote_list(unique)}", 0.0)
        if not tokens:
            return Score(name, True, "only emoji, punctuation or expressions", 1.0)
        return Score(name, True, f"only frog sounds ({plural(len(tokens), 'sound')})", 1.0)

    return score


@scorer("expression_used")
def expression_used(allowed: list[str] | None = None, expected: list[str] | None = None) -> ScoreFn:
    """The raw reply (thinking removed) uses a [pokkit_*] expression from ``allowed``, one of ``expected`` if given."""
    name = "expression_used"
    allowed_set = list(POKKIT_EXPRESSIONS) if allowed is None else phrase_list(name, "allowed", allowed)
    allowed_set = list(dict.fromkeys(_normalise_expression(name, "allowed", a) for a in allowed_set))
    expected_set: list[str] | None = None
    if expected is not None:
        expected_set = [_normalise_expression(name, "expected", e) for e in phrase_list(name, "expected", expected)]
        outside = [e for e in expected_set if e not in allowed_set]
        if outside:
            raise ConfigError(f"scorer {name!r}: expected {', '.join(outside)} not in the allowed expressions")

    def score(case: Case, completion: Completion) -> Score:
        raw, _ = split_thinking(completion.text)
        used = list(dict.fromkeys(f"[pokkit_{m.group(1).lower()}]" for m in POKKIT_EXPRESSION_RE.finditer(raw)))
        valid = [u for u in used if u in allowed_set]
        if not used:
            return Score(name, False, "uses no [pokkit_*] expression", 0.0)
        if not valid:
            return Score(name, False, f"uses only unknown expressions {', '.join(used)}", 0.0)
        if expected_set is not None:
            fitting = [u for u in valid if u in expected_set]
            if not fitting:
                return Score(name, False, f"uses {', '.join(valid)}, expected one of {', '.join(expected_set)}", 0.0)
            return Score(name, True, f"uses {', '.join(fitting)}", 1.0)
        return Score(name, True, f"uses {', '.join(valid)}", 1.0)

    return score
