"""Generic checks: rules that hold in any suite, whoever the character is.

Decision: a scorer belongs here when its rule and its words name no suite's character (no frogs, no
``[pokkit_*]`` expressions, no pet, no coach, no persona card): degenerate output (``no_repetition``,
``finished``, ``no_echo``, ``not_empty``), length and shape (``short``, ``max_questions``, ``no_lecturing``),
and the phrase checks a suite fills with its own words (``contains``, ``banned_phrases``). A suite-specific
scorer lives in its suite's module (``pokkit``, ``josi``, ``persona_card``); shared text helpers live in
``text`` and word lists in ``wordlists``.

All scorers read ``completion.visible`` (prose without thinking and tool-call markup) unless their docstring
says otherwise. Phrase matching is as ``text.phrase_pattern`` describes.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from harness.errors import ConfigError
from harness.parsing import split_thinking
from harness.scorers.text import (
    LIST_ITEM_RE,
    QUOTED_RE,
    clause_before,
    count_questions,
    count_words,
    echo_words,
    int_arg,
    mentions_not_used,
    negated_mention,
    normalise,
    phrase_list,
    phrase_regex,
    plural,
    quote_list,
    split_repeats,
)
from harness.scorers.wordlists import ADVICE_VERBS, ECHO_FILLER
from harness.scoring import ScoreFn, scorer
from harness.types import Case, Completion, Score

_TOKEN = re.compile(r"\S+")


def _split_symbols(text: str) -> str:
    """Each emoji or other symbol becomes a word of its own: "🐸🐸🐸..." (a loop a fine-tuned model fell into,
    53 frogs until max_tokens) is 53 words, not one, so it counts as the loop it is."""
    return "".join(f" {c} " if unicodedata.category(c) == "So" else c for c in text)


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_split_symbols(text))


def _words(tokens: Iterable[str]) -> list[str]:
    """Tokens as words to compare: lowercase, surrounding punctuation dropped (punctuation alone stays)."""
    return [w.lower().strip(".,!?;:\"'") or w for w in tokens]


def repetition_ratio(words: list[str], ngram: int) -> float:
    """Share of word n-grams that repeat an earlier one (0 = none, near 1 = a loop)."""
    grams = [tuple(words[i : i + ngram]) for i in range(len(words) - ngram + 1)]
    if not grams:
        return 0.0
    return 1 - len(set(grams)) / len(grams)


# List markers ("1.", "2)", "-", "•") are layout, not words: "1. Rest 2. Rest 3. Rest" repeats "Rest".
_MAX_SENTENCES = 120
_LIST_MARKER = re.compile(r"^(?:\d{1,3}[.)]|[-*+\u2022\u2013])$")
_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+|\s+[-*\u2022]\s+")


def _loop_words(tokens: list[str]) -> list[str]:
    return _words(t for t in tokens if not _LIST_MARKER.match(t))


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
    lines = Counter(tuple(words) for line in text.splitlines() if (words := _loop_words(_tokens(line))))
    if lines and (top := lines.most_common(1)[0])[1] >= 3:  # "1. Rest / 2. Rest / 3. Rest": a line said thrice
        return " ".join(top[0]), top[1]
    sentences = [s for s in (_loop_words(_tokens(part)) for part in _SENTENCES.split(text)) if len(s) >= 2]
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


@scorer("no_repetition")
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
        tokens = _tokens(text)
        words = _words(tokens)
        ratio, n_words = repetition_ratio(words, ngram), len(words)
        run = repeated_run(_loop_words(tokens))
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


# no_echo: words that add nothing to an echo (the list and its reasons are in ``wordlists.ECHO_FILLER``).
_FILLER = frozenset(ECHO_FILLER)


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
        if completion.tool_calls:
            return Score(name, True, "acts with a tool call", 0.0)
        asked = echo_words(case.prompt)
        said = echo_words(completion.visible)
        if not asked or not said:
            return Score(name, True, "nothing to echo" if not asked else "no prose to compare", 0.0)
        echoed, rest = split_repeats(asked, said)
        repeated = len(echoed)
        of_reply = repeated / len(said)
        new_words = [w for w in rest if w not in _FILLER]
        echoed_content = any(w not in _FILLER for w in echoed)
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


def phrase_scorer(name: str, listed: list[str], kind: str) -> ScoreFn:
    """A scorer that fails when the prose uses any of ``listed`` (a ``kind`` such as "banned phrase"); a
    negated, quoted or mocked mention is not a use (see ``mentions_not_used``), and a capitalised single word
    is a name that keeps its capital."""
    regex = phrase_regex(listed, names_keep_case=True)

    def score(case: Case, completion: Completion) -> Score:
        text = normalise(completion.visible)
        quoted = [q.span() for q in QUOTED_RE.finditer(text)]
        for match in regex.finditer(text):
            if not mentions_not_used(text, match, quoted):
                return Score(name, False, f"uses the {kind} {' '.join(match.group(0).split())!r}", 0.0)
        return Score(name, True, f"none of {plural(len(listed), kind)}", 1.0)

    return score


@scorer("short")
def short(max_words: int = 80) -> ScoreFn:
    """The prose has fewer than ``max_words`` words; a reply cut at max_tokens is not short (it fails)."""
    name = "short"
    max_words = int_arg(name, "max_words", max_words, 1)

    def score(case: Case, completion: Completion) -> Score:
        words = count_words(completion.visible)
        if completion.cut:
            return Score(
                name, False, f"{completion.cut} after {plural(words, 'word')}: not a short reply", float(words)
            )
        if words < max_words:
            return Score(name, True, f"{plural(words, 'word')} (< {max_words})", float(words))
        return Score(name, False, f"{plural(words, 'word')}, should be fewer than {max_words}", float(words))

    return score


# Advice said to the user: "you should", "make sure", "it's important to", or a clause that opens on an
# advice verb ("Research the company, prepare three stories, ...", "Maybe call an old friend").
_ADVICE_PHRASE_RE = re.compile(
    r"(?<!\w)(?:you\s+should|you\s+need\s+to|you\s+must|you\s+have\s+to|make\s+sure|be\s+sure\s+to|it's\s+important\s+to"
    r"|it\s+is\s+important\s+to|don't\s+forget|remember\s+to|try\s+to|the\s+best\s+things?\s+you\s+can\s+do"
    r"|here\s+are\s+some|here's\s+what\s+you\s+can\s+do|tips?\s*:|next\s+time\s*:)(?!\w)",
    re.IGNORECASE,
)
_ADVICE_CLAUSE_RE = re.compile(
    r"^\W*(?:(?:maybe|or|and|also|then|just|please|first|next|finally|perhaps|next\s+time)\W+)*(?:"
    + "|".join(ADVICE_VERBS)
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
    items = [i for i, line in enumerate(lines) if LIST_ITEM_RE.match(line)]
    if not items:
        return 0
    announced = any(_ADVICE_PHRASE_RE.search(line) for line in lines[: items[0]])
    return sum(1 for i in items if announced or advice_given(LIST_ITEM_RE.sub("", lines[i])))


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
    max_advice = int_arg(name, "max_advice", max_advice, 0)
    max_items = int_arg(name, "max_items", max_items, 0)
    max_words = int_arg(name, "max_words", max_words, 1)

    def score(case: Case, completion: Completion) -> Score:
        text = normalise(completion.visible)
        items = advice_items(text)
        words = count_words(text)
        advice = advice_given(text)
        shape = f"{plural(words, 'word')}, {plural(len(advice), 'piece')} of advice, {plural(items, 'advice item')}"
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
                name, False, f"lectures: {len(advice)} pieces of advice ({quote_list(advice, 3)})", float(len(advice))
            )
        if words > max_words:
            return Score(name, False, f"lectures: {plural(words, 'word')}, more than {max_words}", float(len(advice)))
        return Score(name, True, shape, float(len(advice)))

    return score


@scorer("max_questions")
def max_questions(limit: int = 1) -> ScoreFn:
    """Asks at most ``limit`` questions (as ``count_questions`` counts them); a cut reply fails."""
    name = "max_questions"
    limit = int_arg(name, "limit", limit, 0)

    def score(case: Case, completion: Completion) -> Score:
        n = count_questions(completion.visible)
        if completion.cut:
            return Score(name, False, f"{completion.cut} after {plural(n, 'question')}: more may follow", float(n))
        if n > limit:
            return Score(name, False, f"asks {plural(n, 'question')}, at most {limit} allowed", float(n))
        return Score(name, True, f"{plural(n, 'question')} (limit {limit})", float(n))

    return score


@scorer("banned_phrases")
def banned_phrases(phrases: list[str]) -> ScoreFn:
    """None of ``phrases`` appears in the prose."""
    name = "banned_phrases"
    listed = phrase_list(name, "phrases", phrases)
    return phrase_scorer(name, listed, "banned phrase")


@scorer("not_empty")
def not_empty() -> ScoreFn:
    """The model produced something: visible prose (not just whitespace or invisible characters) or a parsed tool
    call."""
    name = "not_empty"

    def score(case: Case, completion: Completion) -> Score:
        calls = len(completion.tool_calls)
        words = count_words(completion.visible)
        if any(not (c.isspace() or unicodedata.category(c) in ("Cf", "Cc")) for c in completion.visible):
            extra = f", {plural(calls, 'tool call')}" if calls else ""
            return Score(name, True, f"{plural(words, 'word')} of prose{extra}", 1.0)
        if calls:
            return Score(name, True, f"no prose, {plural(calls, 'tool call')}", 1.0)
        if completion.parse_errors:
            return Score(name, False, "no prose and only an unparseable tool call", 0.0)
        return Score(name, False, "empty reply: no prose and no tool call", 0.0)

    return score


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
    listed = phrase_list(name, "any_of", any_of)
    regex = phrase_regex(listed)

    def score(case: Case, completion: Completion) -> Score:
        text = normalise(completion.visible)
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
        also = f" (only negated: {quote_list(list(dict.fromkeys(negated)))})" if negated else ""
        return Score(name, False, f"contains none of {quote_list(listed)}{also}", 0.0)

    return score
