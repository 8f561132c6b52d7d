"""Persona scorers: is the prose in Pokkit's voice, short, kind without being canned, and on-character?

All scorers read ``completion.visible`` (prose without thinking and tool-call markup) unless their
docstring says otherwise. Phrase matching is case-insensitive, treats curly and straight apostrophes
alike, lets any run of whitespace stand for a space, and respects word boundaries at phrase ends that
are word characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from harness.errors import ConfigError
from harness.parsing import split_thinking
from harness.scoring import ScoreFn, scorer
from harness.types import Completion, Score

if TYPE_CHECKING:
    from harness.suite import Case

# The expressions Pokkit may write, e.g. ``[pokkit_happy]``.
POKKIT_EXPRESSIONS: tuple[str, ...] = (
    "[pokkit_happy]",
    "[pokkit_flustered]",
    "[pokkit_sad]",
    "[pokkit_excited]",
    "[pokkit_thinking]",
    "[pokkit_love]",
    "[pokkit_angry]",
    "[pokkit_sleepy]",
)

# Words and emoji that mark frog voice. Plurals ("frogs", "ponds") match too.
DEFAULT_FROG_MARKERS: tuple[str, ...] = (
    "🐸",
    "ribbit",
    "ribbiting",
    "croak",
    "croaking",
    "croaked",
    "croaky",
    "hop",
    "hopping",
    "hopped",
    "hoppy",
    "lily pad",
    "lilypad",
    "pond",
    "tadpole",
    "froggy",
    "froggo",
    "flies",
    "amphibian",
    "swamp",
    "webbed",
    "brrup",
)

DEFAULT_TOXIC_POSITIVITY: tuple[str, ...] = (
    "happy to help",
    "glad to help",
    "great question",
    "what a great question",
    "wonderful question",
    "excellent question",
    "fantastic question",
    "awesome question",
    "amazing question",
    "brilliant question",
    "i'm here for you",
    "i am here for you",
    "everything happens for a reason",
    "look on the bright side",
    "looking on the bright side",
    "stay positive",
    "think positive",
    "positive vibes",
    "good vibes only",
    "just be happy",
    "choose happiness",
    "happiness is a choice",
    "cheer up",
    "it could be worse",
    "every cloud has a silver lining",
    "silver lining",
    "time heals all wounds",
    "as an ai",
    "as a language model",
    "i understand how you feel",
    "i understand your feelings",
    "i hope this helps",
    "how can i assist you",
    "is there anything else i can help",
    "let me know if there's anything else",
    "feel free to reach out",
)

_TIME_FLIES_RE = re.compile(r"\btime\s+flies\b", re.IGNORECASE)
# Sounds a pet frog may make; elongations ("ribbiiit", "croooak") and repeats ("ribbitribbit") match too.
DEFAULT_PET_SOUNDS: tuple[str, ...] = ("ribbit", "ribbet", "croak", "brrup", "kero", "gribbit", "blub", "glub")

# Curly apostrophes and the Unicode hyphens ("fifty\u2011six" with a non-breaking hyphen) read as ASCII.
_APOSTROPHES = str.maketrans(
    {"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'", "\u2010": "-", "\u2011": "-", "\u2012": "-"}
)
_EXPRESSION_RE = re.compile(r"\[\s*pokkit_([a-z0-9_]+)\s*\]", re.IGNORECASE)
_ANY_EXPRESSION_RE = re.compile(r"\[\s*pokkit_[a-z0-9_]+\s*\]", re.IGNORECASE)
_ELONGATED_RIBBIT_RE = r"r+i+b+i+t+s?|r+i+b+b+e+t+|c+r+o+a+k+s?"
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
# Quoted text: "...", “...”, «...», and '...' that starts and ends outside a word (not an apostrophe).
_QUOTED_RE = re.compile(r'"[^"\n]*"|\u201c[^\u201d\n]*\u201d|\u00ab[^\u00bb\n]*\u00bb|(?<!\w)\'[^\'\n]+\'(?!\w)')
_TOKEN_RE = re.compile(r"[^\W_]+")  # runs of letters and digits
_NAME_RE = re.compile(r"[A-Z][a-z]+")
_LIST_ITEM_RE = re.compile(r"^\s*(?:[-*+\u2022\u2013]|\d{1,3}[.)])\s+")


# ---------------------------------------------------------------------------------------------
# Argument validation and shared helpers
# ---------------------------------------------------------------------------------------------


def _phrases(scorer_name: str, arg: str, value: Any) -> list[str]:
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


def _int_arg(scorer_name: str, arg: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"scorer {scorer_name!r}: {arg} must be an integer, got {value!r}")
    if value < minimum:
        raise ConfigError(f"scorer {scorer_name!r}: {arg} must be >= {minimum}, got {value}")
    return value


def _norm(text: str) -> str:
    return text.translate(_APOSTROPHES)


def _phrase_pattern(phrase: str) -> str:
    """Regex source for ``phrase``: a space or a hyphen between its words matches either ("win-win" finds "win
    win", "fifty six" finds "fifty-six"), word-bounded at word-character ends."""
    parts = [part for part in re.split(r"[\s-]+", _norm(phrase)) if part]
    body = r"[\s-]+".join(re.escape(part) for part in parts)
    start = r"(?<!\w)" if re.match(r"\w", phrase) else ""
    end = r"(?!\w)" if re.search(r"\w$", phrase) else ""
    return start + body + end


def _phrase_regex(phrases: Sequence[str], names_keep_case: bool = False) -> re.Pattern[str]:
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
            pattern = _phrase_pattern(phrase)
        parts.append(f"(?:{pattern})")
    return re.compile("|".join(parts), re.IGNORECASE)


def _without_expressions(text: str) -> str:
    return _ANY_EXPRESSION_RE.sub(" ", text)


def count_words(text: str) -> int:
    """Words in ``text``: whitespace-separated tokens holding a letter or digit; expressions don't count."""
    return sum(1 for tok in _without_expressions(text).split() if any(c.isalnum() for c in tok))


def count_questions(text: str) -> int:
    """Questions in ``text``: runs of '?' count once, and so does a question that forgot its mark ("Do you have
    chives."); URL query marks, quoted questions ("she asked 'why today?'"), sounds ("Ribbit?") and outbursts
    ("NOBODY?!", "What?!") don't, while "Are you okay?!" does."""
    text = _INTERJECTION_QUESTION_RE.sub(" ", _QUOTED_RE.sub(" ", _norm(text)))
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
            if _LIST_ITEM_RE.match(line):
                items += 1
                last = "item"
            elif last == "prose" or (last == "item" and line[:1] in (" ", "\t")):
                continue
            else:
                prose += 1
                last = "prose"
    return prose + items, prose, items


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _quote_list(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(repr(i) for i in items[:limit])
    return shown + (f" (+{len(items) - limit} more)" if len(items) > limit else "")


def _normalise_expression(scorer_name: str, arg: str, value: str) -> str:
    name = value.strip().strip("[]").strip().lower()
    if not name.startswith("pokkit_"):
        name = "pokkit_" + name
    if not re.fullmatch(r"pokkit_[a-z0-9_]+", name):
        raise ConfigError(f"scorer {scorer_name!r}: {arg} entry {value!r} is not an expression like '[pokkit_happy]'")
    return f"[{name}]"


# ---------------------------------------------------------------------------------------------
# Scorers
# ---------------------------------------------------------------------------------------------


@scorer("frog_voice")
def frog_voice(markers: list[str] | None = None, min_hits: int = 1) -> ScoreFn:
    """In frog voice: the prose holds at least ``min_hits`` frog markers (🐸, ribbit, pond, [pokkit_*] ...)."""
    name = "frog_voice"
    min_hits = _int_arg(name, "min_hits", min_hits, 1)
    if markers is None:
        parts = [
            rf"(?<!\w)(?:{_ELONGATED_RIBBIT_RE})(?!\w)",
            _ANY_EXPRESSION_RE.pattern,
            r"(?<!\w)(?:frog|toad)\w*",  # frogs, froggy, frogtastic, toadally
        ]
        for marker in sorted(DEFAULT_FROG_MARKERS, key=len, reverse=True):
            pattern = _phrase_pattern(marker)
            if pattern.endswith(r"(?!\w)"):  # let plurals match: frogs, ponds, lily pads
                pattern = pattern.removesuffix(r"(?!\w)") + r"(?:e?s)?(?!\w)"
            parts.append(pattern)
        regex = re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)
    else:
        regex = _phrase_regex(_phrases(name, "markers", markers))

    def score(case: Case, completion: Completion) -> Score:
        text = _TIME_FLIES_RE.sub(" ", _norm(completion.visible))  # "time flies" is no frog's lunch
        found = [m.group(0) for m in regex.finditer(text)]
        hits = len(found)
        distinct = list(dict.fromkeys(f.lower() for f in found))
        if hits >= min_hits:
            return Score(name, True, f"{_plural(hits, 'frog marker')}: {_quote_list(distinct)}", float(hits))
        if hits == 0:
            return Score(name, False, "no frog markers (🐸, ribbit, pond, [pokkit_*] ...) in the reply", 0.0)
        return Score(
            name, False, f"only {_plural(hits, 'frog marker')} ({_quote_list(distinct)}), need {min_hits}", float(hits)
        )

    return score


# "Paradigm shift? No. Socks.": a phrase thrown back as a question and dismissed is mocked, not used.
_MOCKED_AFTER_RE = re.compile(r"\s*\?+\s*(?:no|nope|nah|please|pfft|ha|lol|ugh)\b", re.IGNORECASE)


def mentions_not_used(text: str, match: re.Match[str], quoted: Sequence[tuple[int, int]] = ()) -> bool:
    """A phrase that is negated ("I won't say everything happens for a reason"), quoted (inside one of the
    ``quoted`` spans), or mocked ("Synergy? Please.") is mentioned, not used."""
    inside_quotes = any(start <= match.start() and match.end() <= end for start, end in quoted)
    mocked = _MOCKED_AFTER_RE.match(text, match.end()) is not None
    return inside_quotes or mocked or negated_mention(text, match.start())


def _phrase_scorer(name: str, listed: list[str], kind: str) -> ScoreFn:
    """A scorer that fails when the prose uses any of ``listed`` (a ``kind`` such as "banned phrase"); a
    negated, quoted or mocked mention is not a use (see ``mentions_not_used``), and a capitalised single word
    is a name that keeps its capital."""
    regex = _phrase_regex(listed, names_keep_case=True)

    def score(case: Case, completion: Completion) -> Score:
        text = _norm(completion.visible)
        quoted = [q.span() for q in _QUOTED_RE.finditer(text)]
        for match in regex.finditer(text):
            if not mentions_not_used(text, match, quoted):
                return Score(name, False, f"uses the {kind} {' '.join(match.group(0).split())!r}", 0.0)
        return Score(name, True, f"none of {_plural(len(listed), kind)}", 1.0)

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
    listed = list(DEFAULT_TOXIC_POSITIVITY) if phrases is None else _phrases(name, "phrases", phrases)
    canned = _phrase_scorer(name, listed, "canned phrase")
    if phrases is not None:
        return canned

    def score(case: Case, completion: Completion) -> Score:
        opener = _CHEER_OPENER_RE.match(_norm(completion.visible))
        if opener is not None:
            shown = " ".join(opener.group(1).split())
            return Score(name, False, f"opens on a forced cheer {shown!r}", 0.0)
        return canned(case, completion)

    return score


@scorer("short")
def short(max_words: int = 80) -> ScoreFn:
    """The prose has fewer than ``max_words`` words; a reply cut at max_tokens is not short (it fails)."""
    name = "short"
    max_words = _int_arg(name, "max_words", max_words, 1)

    def score(case: Case, completion: Completion) -> Score:
        words = count_words(completion.visible)
        if completion.cut:
            return Score(
                name, False, f"{completion.cut} after {_plural(words, 'word')}: not a short reply", float(words)
            )
        if words < max_words:
            return Score(name, True, f"{_plural(words, 'word')} (< {max_words})", float(words))
        return Score(name, False, f"{_plural(words, 'word')}, should be fewer than {max_words}", float(words))

    return score


# Advice said to the user: "you should", "make sure", "it's important to", or a clause that opens on an
# advice verb ("Research the company, prepare three stories, ...", "Maybe call an old friend").
_ADVICE_PHRASE_RE = re.compile(
    r"(?<!\w)(?:you\s+should|you\s+need\s+to|you\s+must|you\s+have\s+to|make\s+sure|be\s+sure\s+to|it's\s+important\s+to"
    r"|it\s+is\s+important\s+to|don't\s+forget|remember\s+to|try\s+to|the\s+best\s+things?\s+you\s+can\s+do"
    r"|here\s+are\s+some|here's\s+what\s+you\s+can\s+do|tips?\s*:|next\s+time\s*:)(?!\w)",
    re.IGNORECASE,
)
_ADVICE_VERBS = (
    "allow avoid arrive ask be breathe call consider do don't drink eat focus get give go join journal keep let "
    "limit make pick plan practice practise prepare reach read remember research rest review schedule see send "
    "set sleep space spend start stay stop study swap switch take talk text track treat try use walk write"
).split()
_ADVICE_CLAUSE_RE = re.compile(
    r"^\W*(?:(?:maybe|or|and|also|then|just|please|first|next|finally|perhaps|next\s+time)\W+)*(?:"
    + "|".join(_ADVICE_VERBS)
    + r")\b",
    re.IGNORECASE,
)
# Citing research at someone who is hurting is a lecture on its own.
_CITATION_RE = re.compile(
    r"(?<!\w)(?:research\s+(?:shows|says|suggests)|studies\s+(?:show|say|suggest)|experts\s+(?:say|recommend|agree)"
    r"|according\s+to\s+(?:research|experts|studies|science)|science\s+says)(?!\w)",
    re.IGNORECASE,
)
_CLAUSES_RE = re.compile(r"[.,;:!?\n]+|\s+-\s+|\s+and\s+(?=\w)")


def advice_items(text: str) -> int:
    """List items that give advice ("- Keep a routine", "1. Research the company"), or every item of a list that
    a line announces as advice ("Tips:", "Here are some things that may help:"). A list of comfort ("- I'm so
    sorry. - I'm here.") gives none."""
    lines = text.splitlines()
    items = [i for i, line in enumerate(lines) if _LIST_ITEM_RE.match(line)]
    if not items:
        return 0
    announced = any(_ADVICE_PHRASE_RE.search(line) for line in lines[: items[0]])
    return sum(1 for i in items if announced or advice_given(_LIST_ITEM_RE.sub("", lines[i])))


def advice_given(text: str) -> list[str]:
    """Pieces of advice in ``text``: advice phrases, clauses that open on an advice verb, and the clauses that
    follow an advice clause in its sentence ("Next time try practice tests, spaced repetition and short
    breaks" is three). A question gives no advice ("Do you want to talk it through?")."""
    found = [" ".join(m.group(0).split()) for m in _ADVICE_PHRASE_RE.finditer(text)]
    for sentence in re.findall(r"[^.!?\n]+[.!?]*", text):
        if sentence.rstrip().endswith("?"):  # "Do you want to talk it through, or just have company?" asks
            continue
        advising = False
        for clause in _CLAUSES_RE.split(sentence):
            if not clause.strip():
                continue
            if _ADVICE_CLAUSE_RE.match(clause) and not _ADVICE_PHRASE_RE.search(clause):
                advising = True
                found.append(" ".join(clause.split()[:3]))
            elif advising and not _ADVICE_PHRASE_RE.search(clause):
                found.append(" ".join(clause.split()[:3]))
    return found


@scorer("no_lecturing")
def no_lecturing(max_advice: int = 2, max_items: int = 1, max_words: int = 180) -> ScoreFn:
    """Stays with the user instead of lecturing: no list of advice, no pile of instructions, no essay.

    Fails on more than ``max_items`` list items of advice (see ``advice_items``), more than ``max_advice``
    pieces of advice (see ``advice_given``: "you should", "make sure", "tips:", clauses that open on an advice
    verb such as "call", "prepare", "sleep"), a citation ("research shows", "experts say"), more than
    ``max_words`` words, or a reply cut at max_tokens (it did not end, so it may go on). Short lines of comfort on
    separate lines are not a lecture."""
    name = "no_lecturing"
    max_advice = _int_arg(name, "max_advice", max_advice, 0)
    max_items = _int_arg(name, "max_items", max_items, 0)
    max_words = _int_arg(name, "max_words", max_words, 1)

    def score(case: Case, completion: Completion) -> Score:
        text = _norm(completion.visible)
        items = advice_items(text)
        words = count_words(text)
        advice = advice_given(text)
        shape = f"{_plural(words, 'word')}, {_plural(len(advice), 'piece')} of advice, {_plural(items, 'advice item')}"
        if completion.cut:
            return Score(
                name, False, f"{completion.cut} after {shape}: it did not end, so it may go on", float(len(advice))
            )
        if items > max_items:
            return Score(name, False, f"lectures: a list of {items} pieces of advice ({shape})", float(len(advice)))
        if cited := _CITATION_RE.search(text):
            return Score(name, False, f"lectures: cites {' '.join(cited.group(0).split())!r}", float(len(advice)))
        if len(advice) > max_advice:
            return Score(
                name, False, f"lectures: {len(advice)} pieces of advice ({_quote_list(advice, 3)})", float(len(advice))
            )
        if words > max_words:
            return Score(name, False, f"lectures: {_plural(words, 'word')}, more than {max_words}", float(len(advice)))
        return Score(name, True, shape, float(len(advice)))

    return score


@scorer("max_questions", higher_is_better=False)
def max_questions(limit: int = 1) -> ScoreFn:
    """Asks at most ``limit`` questions (as ``count_questions`` counts them); a cut reply fails."""
    name = "max_questions"
    limit = _int_arg(name, "limit", limit, 0)

    def score(case: Case, completion: Completion) -> Score:
        n = count_questions(completion.visible)
        if completion.cut:
            return Score(name, False, f"{completion.cut} after {_plural(n, 'question')}: more may follow", float(n))
        if n > limit:
            return Score(name, False, f"asks {_plural(n, 'question')}, at most {limit} allowed", float(n))
        return Score(name, True, f"{_plural(n, 'question')} (limit {limit})", float(n))

    return score


@scorer("pet_only")
def pet_only(sounds: list[str] | None = None) -> ScoreFn:
    """The pet speaks only frog sounds, emoji, punctuation and [pokkit_*] expressions (tool calls allowed)."""
    name = "pet_only"
    listed = list(DEFAULT_PET_SOUNDS) if sounds is None else _phrases(name, "sounds", sounds)
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
        text = re.sub(r"(?<=[^\W\d_])-(?=[^\W\d_])", "", _without_expressions(_norm(completion.visible)))
        calls = len(completion.tool_calls)
        if not completion.visible.strip():
            if calls:
                return Score(name, True, f"no prose, {_plural(calls, 'tool call')}", 1.0)
            return Score(name, False, "empty reply: no frog sounds and no tool call", 0.0)
        tokens = _TOKEN_RE.findall(text)
        human = [t for t in tokens if not sound_re.fullmatch(t)]
        if human:
            unique = list(dict.fromkeys(human))
            return Score(name, False, f"speaks human words: {_quote_list(unique)}", 0.0)
        if not tokens:
            return Score(name, True, "only emoji, punctuation or expressions", 1.0)
        return Score(name, True, f"only frog sounds ({_plural(len(tokens), 'sound')})", 1.0)

    return score


@scorer("banned_phrases")
def banned_phrases(phrases: list[str]) -> ScoreFn:
    """None of ``phrases`` appears in the prose."""
    name = "banned_phrases"
    listed = _phrases(name, "phrases", phrases)
    return _phrase_scorer(name, listed, "banned phrase")


@scorer("expression_used")
def expression_used(allowed: list[str] | None = None, expected: list[str] | None = None) -> ScoreFn:
    """The raw reply (thinking removed) uses a [pokkit_*] expression from ``allowed``, one of ``expected`` if given."""
    name = "expression_used"
    allowed_set = list(POKKIT_EXPRESSIONS) if allowed is None else _phrases(name, "allowed", allowed)
    allowed_set = list(dict.fromkeys(_normalise_expression(name, "allowed", a) for a in allowed_set))
    expected_set: list[str] | None = None
    if expected is not None:
        expected_set = [_normalise_expression(name, "expected", e) for e in _phrases(name, "expected", expected)]
        outside = [e for e in expected_set if e not in allowed_set]
        if outside:
            raise ConfigError(f"scorer {name!r}: expected {', '.join(outside)} not in the allowed expressions")

    def score(case: Case, completion: Completion) -> Score:
        raw, _ = split_thinking(completion.text)
        used = list(dict.fromkeys(f"[pokkit_{m.group(1).lower()}]" for m in _EXPRESSION_RE.finditer(raw)))
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


@scorer("not_empty")
def not_empty() -> ScoreFn:
    """The model produced something: visible prose (not just whitespace or invisible characters) or a parsed tool
    call."""
    name = "not_empty"

    def score(case: Case, completion: Completion) -> Score:
        calls = len(completion.tool_calls)
        words = count_words(completion.visible)
        if any(not (c.isspace() or unicodedata.category(c) in ("Cf", "Cc")) for c in completion.visible):
            extra = f", {_plural(calls, 'tool call')}" if calls else ""
            return Score(name, True, f"{_plural(words, 'word')} of prose{extra}", 1.0)
        if calls:
            return Score(name, True, f"no prose, {_plural(calls, 'tool call')}", 1.0)
        if completion.parse_errors:
            return Score(name, False, "no prose and only an unparseable tool call", 0.0)
        return Score(name, False, "empty reply: no prose and no tool call", 0.0)

    return score


# A negation a few words before a mention, in the same clause: "you don't need a doctor", "not an emergency",
# "I'm not Juniper". Idioms that negate nothing ("can't wait to", "not only", "no doubt") do not count.
_NEGATION_BEFORE_RE = re.compile(r"(?:\b(?:not|never|no)\b|n't)\s+(?:[\w'-]+\s+){0,2}$", re.IGNORECASE)
_NOT_A_NEGATION_RE = re.compile(r"^(?:can't|cannot|can\s+not)\s+wait|^not\s+only|^no\s+doubt", re.IGNORECASE)
# "I dream of visiting a real library one day": a wish states no fact.
_WISHED_BEFORE_RE = re.compile(
    r"(?<!\w)(?:dream(?:s|ed|ing)?\s+(?:of|about)|wish(?:es|ed)?|i'd\s+love\s+to|i\s+would\s+love\s+to|hope\s+to"
    r"|someday|one\s+day|if\s+only)(?!\w)",
    re.IGNORECASE,
)
# "the Hobbit films": a title that names its adaptation is not the book.
_ADAPTATION_AFTER_RE = re.compile(r"\s+(?:films?|movies?|trilogy|tv\s+show|series|video\s+games?|adaptations?)\b", re.I)
_RETRACTED_AFTER_RE = re.compile(
    r"\W{0,6}(?:no+\W+wait|wait\W+no|sorry\W+(?:i\s+mean|no)|actually\W+no|scratch\s+that|correction)\b",
    re.IGNORECASE,
)


def negated_mention(text: str, start: int) -> bool:
    """Is the mention at ``start`` negated ("don't need a doctor", "not an emergency")? Looks at the up to
    two words before it in its clause (commas end a clause: "not 54, it's 56" says 56)."""
    clause = clause_before(text, start, ".!?;:,\n")
    match = _NEGATION_BEFORE_RE.search(clause)
    if match is None:
        return False
    word_start = len(re.sub(r"[\w']*$", "", clause[: match.start()]))  # where "can't" starts, for "can't wait"
    return _NOT_A_NEGATION_RE.search(clause[word_start:]) is None


@scorer("contains")
def contains(any_of: list[str], as_fact: bool = False) -> ScoreFn:
    """The prose contains at least one of ``any_of`` (case-insensitive, whole words at word-character ends).

    A negated mention does not count: "you don't need a doctor" holds no referral, "I'm not Juniper" no name;
    nor does one taken back at once ("fifty-six... no, wait, fifty-four"). With ``as_fact`` (a fact the reply
    must state about itself), a mention inside a wish ("I dream of visiting a real library one day") or a title
    followed by "films"/"movie"/"series" (the adaptation, not the book) does not count either.
    """
    name = "contains"
    if not isinstance(as_fact, bool):
        raise ConfigError(f"scorer {name!r}: as_fact must be true or false, got {as_fact!r}")
    listed = _phrases(name, "any_of", any_of)
    regex = _phrase_regex(listed)

    def score(case: Case, completion: Completion) -> Score:
        text = _norm(completion.visible)
        negated: list[str] = []
        for match in regex.finditer(text):
            shown = " ".join(match.group(0).split())
            if (
                negated_mention(text, match.start())
                or _RETRACTED_AFTER_RE.match(text, match.end())
                or (as_fact and _WISHED_BEFORE_RE.search(clause_before(text, match.start(), ".!?;:,\n")))
                or (as_fact and _ADAPTATION_AFTER_RE.match(text, match.end()))
            ):
                negated.append(shown)
                continue
            return Score(name, True, f"contains {shown!r}", 1.0)
        also = f" (only negated: {_quote_list(list(dict.fromkeys(negated)))})" if negated else ""
        return Score(name, False, f"contains none of {_quote_list(listed)}{also}", 0.0)

    return score
