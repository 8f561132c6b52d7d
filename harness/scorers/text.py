"""Text helpers the scorers share: normalising, phrase matching, counting words and questions, negation.

Decision: a helper lives here when more than one scorer module uses it; a helper one module alone uses stays
in that module, private. Nothing here is a scorer, so nothing here registers. Some helpers know the markup
and sounds of the pet suite, because counting must be right in every suite: ``count_words`` skips
``[pokkit_*]`` expressions and ``count_questions`` does not count a "Ribbit?".

Phrase matching is case-insensitive, treats curly and straight apostrophes alike (``normalise``), lets any
run of whitespace or a hyphen stand for a space, and respects word boundaries at phrase ends that are word
characters (``phrase_pattern``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from harness.errors import ConfigError
from harness.scorers.wordlists import NUMBER_WORDS

# Curly apostrophes and the Unicode hyphens ("fifty\u2011six" with a non-breaking hyphen) read as ASCII.
_APOSTROPHES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'", "\u2010": "-", "\u2011": "-", "\u2012": "-"}
)
# Any expression Pokkit writes, e.g. ``[pokkit_happy]`` (group 1: "happy"): not a word, not a question.
POKKIT_EXPRESSION_RE = re.compile(r"\[\s*pokkit_([a-z0-9_]+)\s*\]", re.IGNORECASE)
_QUESTION_RE = re.compile(r"(?<![!?\uff1f])[?\uff1f]+(?![!?\uff1f\w=&])")
_MARK_RUN_RE = re.compile(r"[!?\uff1f]{2,}")
# "Are you okay?!" asks; "NOBODY?!", "What?!" and "On your birthday?!" cry out.
_ASKING_START_RE = re.compile(
    r"^\W*(?:what|how|why|who|where|when|which|are|is|do|does|did|can|could|would|will|have|has|should|am|were|was"
    r"|isn't|aren't|don't|didn't|won't|can't)\s+\w",
    re.IGNORECASE,
)
# "Do you have chives.": a yes/no question to the user that ends in a full stop.
_UNMARKED_QUESTION_RE = re.compile(
    r"(?:^|(?<=[.!?]\s)|(?<=\n))(?:do|does|did|are|can|could|would|will|have|should)\s+you\b[^.!?\n]*[^\W\d_]{2}\.(?=\s|$)",
    re.IGNORECASE,
)
# "Ribbit?", "Hmm?": a sound with a question mark asks the user nothing.
_INTERJECTION_QUESTION_RE = re.compile(
    r"(?:^|(?<=[.!?\s]))(?:r+i+b+i+t+|c+r+o+a+k+|brr+up|h+m+|hu+h|eh|oh+|ooh+|ah+|um+|uh+)\?+(?=\s|$)", re.IGNORECASE
)
_TRAILING_QUESTION_RE = re.compile(
    r"^\W*(?:what|how|when|where|which|who|why|do|does|did|are|is|can|could|would|will|have)\b[^\n]*\byou(?:r)?\b",
    re.IGNORECASE,
)
# Quoted text: "...", “...”, «...» (``DOUBLE_QUOTED_RE``), and in ``QUOTED_RE`` also '...' that starts and
# ends outside a word (not an apostrophe).
_DOUBLE_QUOTED = r'"[^"\n]*"|\u201c[^\u201d\n]*\u201d|\u00ab[^\u00bb\n]*\u00bb'
DOUBLE_QUOTED_RE = re.compile(_DOUBLE_QUOTED)
QUOTED_RE = re.compile(_DOUBLE_QUOTED + r"|(?<!\w)'[^'\n]+'(?!\w)")
_NAME_RE = re.compile(r"[A-Z][a-z]+")
# A list item: "- ...", "* ...", "• ...", "1. ...", "2) ...".
LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+\u2022\u2013]|\d{1,3}[.)])\s+")


# ---------------------------------------------------------------------------------------------
# Argument validation
# ---------------------------------------------------------------------------------------------


def phrase_list(scorer_name: str, arg: str, value: Any) -> list[str]:
    """A non-empty list of non-empty strings, or a ConfigError."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise ConfigError(f"scorer {scorer_name!r}: {arg} must be a list of strings, got {value!r}")
    if not value:
        raise ConfigError(f"scorer {scorer_name!r}: {arg} must not be empty")
    out: list[str] = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"scorer {scorer_name!r}: every entry of {arg} must be a non-empty string, got {item!r}")
        out.append(item.strip())
    return out


def int_arg(scorer_name: str, arg: str, value: Any, minimum: int) -> int:
    """``value`` as an integer >= ``minimum``, or a ConfigError."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"scorer {scorer_name!r}: {arg} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"scorer {scorer_name!r}: {arg} must be >= {minimum}, got {value}")
    return value


# ---------------------------------------------------------------------------------------------
# Normalising and phrase matching
# ---------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Curly apostrophes and Unicode hyphens as their ASCII forms."""
    return text.translate(_APOSTROPHES)


def phrase_pattern(phrase: str) -> str:
    """Regex source for ``phrase``: a space or a hyphen between its words matches either ("win-win" finds "win
    win", "fifty six" finds "fifty-six"), word-bounded at word-character ends."""
    parts = [part for part in re.split(r"[\s-]+", normalise(phrase)) if part]
    body = r"[\s-]+".join(re.escape(part) for part in parts)
    start = r"(?<!\w)" if re.match(r"\w", phrase) else ""
    end = r"(?!\w)" if re.search(r"\w$", phrase) else ""
    return start + body + end


def phrase_regex(phrases: Sequence[str], names_keep_case: bool = False) -> re.Pattern[str]:
    """One alternation over ``phrases``, longest first so the fullest phrase is reported. Matching ignores case;
    with ``names_keep_case`` (lists of what must not be said), a single capitalised word ("Juniper", "Bookworm")
    is a name and keeps its capital ("juniper bushes" are no one)."""
    ordered = sorted(phrases, key=len, reverse=True)
    parts = []
    for phrase in ordered:
        name = phrase.strip()
        if names_keep_case and _NAME_RE.fullmatch(name):
            pattern = rf"(?<!\w)(?-i:{name[0]}){re.escape(name[1:])}(?!\w)"
        else:
            pattern = phrase_pattern(phrase)
        parts.append(f"(?:{pattern})")
    return re.compile("|".join(parts), re.IGNORECASE)


# ---------------------------------------------------------------------------------------------
# Counting
# ---------------------------------------------------------------------------------------------


def without_expressions(text: str) -> str:
    """``text`` with its ``[pokkit_*]`` expressions blanked out."""
    return POKKIT_EXPRESSION_RE.sub(" ", text)


def count_words(text: str) -> int:
    """Words in ``text``: whitespace-separated tokens holding a letter or digit; expressions don't count."""
    return sum(1 for tok in without_expressions(text).split() if any(c.isalnum() for c in tok))


def count_questions(text: str) -> int:
    """Questions in ``text``: runs of '?' count once, and so does a question that forgot its mark ("Do you have
    chives."); URL query marks, quoted questions ("she asked 'why today?'"), sounds ("Ribbit?") and outbursts
    ("NOBODY?!", "What?!") don't, while "Are you okay?!" does."""
    text = _INTERJECTION_QUESTION_RE.sub(" ", QUOTED_RE.sub(" ", normalise(text)))
    asked = len(_QUESTION_RE.findall(text)) + len(_UNMARKED_QUESTION_RE.findall(text))
    last = text.rstrip()
    if last and last[-1] not in ".!?\uff1f" and _TRAILING_QUESTION_RE.match(clause_before(last, len(last), ".!?\n")):
        asked += 1  # "... What's your shift pattern like at the moment": the question lost its mark
    for run in _MARK_RUN_RE.finditer(text):  # "?!": a question only when it is worded as one
        marks = run.group(0)
        if "!" in marks and ("?" in marks or "\uff1f" in marks):
            asked += bool(_ASKING_START_RE.match(clause_before(text, run.start(), ".!?\n")))
    return asked


def clause_before(text: str, end: int, stops: str, window: int = 300) -> str:
    """The text from the last of ``stops`` before ``end`` up to ``end``, looking back at most ``window``
    characters (a long reply is not rescanned for every match)."""
    start = max(0, end - window)
    chunk = text[start:end]
    cut = max(chunk.rfind(c) for c in stops)
    return chunk[cut + 1 :]


def count_paragraphs(text: str) -> tuple[int, int, int]:
    """``(units, prose paragraphs, list items)``: blank lines split paragraphs, each list item is a unit.

    Inside a block, a list item starts a new unit; an indented line after an item continues it, and
    any other line after an item starts a new prose paragraph.
    """
    prose = 0
    items = 0
    for block in re.split(r"\n\s*\n", text.strip()):
        last: str | None = None
        for line in block.splitlines():
            if not line.strip():
                continue
            if LIST_ITEM_RE.match(line):
                items += 1
                last = "item"
            elif last == "prose" or (last == "item" and line[:1] in (" ", "\t")):
                continue
            else:
                prose += 1
                last = "prose"
    return prose + items, prose, items


# ---------------------------------------------------------------------------------------------
# Reasons
# ---------------------------------------------------------------------------------------------


def plural(n: int, word: str) -> str:
    """``"1 word"``, ``"3 words"``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def quote_list(items: Sequence[str], limit: int = 5) -> str:
    """The first ``limit`` items quoted, and how many more."""
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


# ---------------------------------------------------------------------------------------------
# Mentioned, not used: negation, quotes, mockery
# ---------------------------------------------------------------------------------------------

# A negation a few words before a mention, in the same clause: "you don't need a doctor", "not an emergency",
# "I'm not Juniper". Idioms that negate nothing ("can't wait to", "not only", "no doubt") do not count.
_NEGATION_BEFORE_RE = re.compile(r"(?:\b(?:not|never|no)\b|n't)\s+(?:[\w'-]+\s+){0,2}$", re.IGNORECASE)
_NOT_A_NEGATION_RE = re.compile(r"^(?:can't|cannot|can\s+not)\s+wait|^not\s+only|^no\s+doubt", re.IGNORECASE)
# "Paradigm shift? No. Socks.": a phrase thrown back as a question and dismissed is mocked, not used.
_MOCKED_AFTER_RE = re.compile(r"\s*\?+\s*(?:no|nope|nah|please|pfft|ha|lol|ugh)\b", re.IGNORECASE)


def negated_mention(text: str, start: int) -> bool:
    """Is the mention at ``start`` negated ("don't need a doctor", "not an emergency")? Looks at the up to
    two words before it in its clause (commas end a clause: "not 54, it's 56" says 56)."""
    clause = clause_before(text, start, ".!?;:,\n")
    match = _NEGATION_BEFORE_RE.search(clause)
    if match is None:
        return False
    word_start = len(re.sub(r"[\w']*$", "", clause[: match.start()]))  # where "can't" starts, for "can't wait"
    return _NOT_A_NEGATION_RE.search(clause[word_start:]) is None


def mentions_not_used(text: str, match: re.Match[str], quoted: Sequence[tuple[int, int]] = ()) -> bool:
    """A phrase that is negated ("I won't say everything happens for a reason"), quoted (inside one of the
    ``quoted`` spans), or mocked ("Synergy? Please.") is mentioned, not used."""
    inside_quotes = any(start <= match.start() and match.end() <= end for start, end in quoted)
    mocked = _MOCKED_AFTER_RE.match(text, match.end()) is not None
    return inside_quotes or mocked or negated_mention(text, match.start())


# ---------------------------------------------------------------------------------------------
# Echo: the words of a reply that repeat the user
# ---------------------------------------------------------------------------------------------

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
_NUMBERS = {w: str(i) for i, w in enumerate(NUMBER_WORDS)}
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


def split_repeats(prompt: list[str], reply: list[str], n: int = 3) -> tuple[list[str], list[str]]:
    """``(the words of reply that repeat prompt, the other words)``, in reply order; see ``words_from``."""
    echoed: list[str] = []
    rest: list[str] = []
    for word, covered in zip(reply, _covered(prompt, reply, n), strict=True):
        (echoed if covered else rest).append(word)
    return echoed, rest


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
