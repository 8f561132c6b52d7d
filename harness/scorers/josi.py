"""Josi scorers: MiValta's endurance coach explains the training engine's decisions warmly and briefly.

Josi must not leak the engine's internals, should not talk jargon at beginners, must not send the user to
other apps or coaches, should sound warm, stay brief, ask questions, and push back on unrealistic goals.
All scorers read ``completion.visible`` (prose without thinking and tool-call markup). Matching is
case-insensitive unless stated, treats curly and straight apostrophes alike and respects word boundaries
(a term never matches inside a longer word).

Decisions on the traps (each one is tested in ``tests/scorers/test_josi.py``):

``forbidden_words`` (engine internals; counted even when the user used the term first):

- ``hmm`` is a leak only as the model name: uppercase ``HMM``/``HMMs`` anywhere, any case when followed by
  ``model(s)``/``state(s)`` ("hmm states"), and "hidden Markov (model)". The interjection "Hmm, let me
  think" / "Hmmm" is not a leak, nor is an all-caps interjection ("HMM, ...", "HMM...", "HMM?") that no "the",
  "an", "our" ... turns into a noun.
- ``tss``, ``ctl``, ``atl``, ``tsb``, ``ewma``, ``acwr``, ``gatc`` count as standalone words in any case
  ("TSS", "your ACWR", "ctl/atl", "ATL airport" too: a coach's reply has no reason to abbreviate Atlanta,
  and small models often write metrics in lowercase). Inside words they never match: "Atlanta",
  "Seattle", "latte", "stack", "bitter", "catalyst", "settle".
- acute:chronic: "acute:chronic", "acute/chronic", "acute-to-chronic" and "acute chronic (work)load
  ratio" count; "from acute to chronic" (spaced, no "ratio") is the medical sense of an injury and does
  not; "load ratio"/"workload ratio" count on their own.
- ``monotony`` counts only as the metric ("training monotony", "monotony score/index", "monotony of 2.1");
  the everyday "break the monotony of the treadmill" does not. ``strain`` counts only as "strain index" or
  "training strain" (a muscle strain is not a leak).
- "the engine" counts ("the engine decided", "the training engine", "our engine"), except in the aerobic
  metaphor "build(s/ing) the engine" and the body metaphor "the engine of your body/heart/fitness"; "your
  engine" is never counted. "my model" counts ("role model" not).
- ``banister`` counts (the Banister model); the runner "Roger Bannister" (double n) does not.
- ``algorithm(s)``, "algorithmic", ``viterbi``, "fitness-fatigue model", "impulse-response" count.

``jargon``: periodization/periodisation, meso/micro/macrocycle, VO2 / VO2max / VO2 max, lactate threshold,
FTP / functional threshold power, anaerobic and ventilatory threshold, supercompensation, HRV / heart rate
variability. Zones ("zone 2") are user-facing in the app and are never jargon; neither are "threshold",
"tempo" or "intervals" alone. A term the user wrote themselves (any user turn) is allowed: answering
"what's my FTP?" with "FTP" is not talking over their head. HRV is jargon under the same rule.

``no_deflection``: other apps by name (Strava, Garmin Connect, TrainingPeaks, Nike Run Club, Zwift, ...) and
"another app"/"an app like", hiring/consulting/finding "a coach" or "a (personal) trainer", coaching
services, "fitness professional". Medical referrals are correct behaviour for red flags and are never
deflection: doctor, physician, GP, physio, sports medicine, dietitian. "your coach" (a coach the user
already has) and equipment ("a smart trainer") are not deflection, nor are "different apps" in passing.
A bare "consult a professional" / "professional advice" is deflection unless its sentence is about health
(pain, injury, symptoms, doctor, ...). A negated mention is not deflection: "no need to hire a coach",
"you don't need another app", "instead of Strava", "don't use Strava for this".

The ``warmth``, ``brevity`` and ``pushback`` rules are in their own docstrings.

Decision: every scorer here is Josi's (a coach's leaks, jargon, deflection, warmth, brevity, questions,
pushback, red flags). Their phrase lists are in ``wordlists``; the term patterns (``DEFAULT_FORBIDDEN``,
``DEFAULT_JARGON``, the deflection and warmth patterns) are regexes, not word lists, and stay here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from harness.errors import ConfigError
from harness.scorers.text import (
    DOUBLE_QUOTED_RE,
    clause_before,
    count_paragraphs,
    count_questions,
    count_words,
    echo_words,
    int_arg,
    negated_mention,
    normalise,
    phrase_list,
    phrase_pattern,
    phrase_regex,
    plural,
    quote_list,
    words_from,
)
from harness.scorers.wordlists import (
    DEFAULT_DEFLECTION_APPS,
    PUSHBACK_CHALLENGE,
    PUSHBACK_CHEER,
    WARMTH_COLD,
    WARMTH_EMPATHY,
    WARMTH_ENCOURAGEMENT,
    WARMTH_REASSURANCE,
)
from harness.scoring import ScoreFn, scorer
from harness.types import Completion, Score

if TYPE_CHECKING:
    from harness.types import Case

_START = r"(?<!\w)"
_END = r"(?!\w)"
_I = re.IGNORECASE


@dataclass(frozen=True)
class Term:
    """A labelled pattern; ``regex`` already carries its word boundaries and flags."""

    label: str
    regex: re.Pattern[str]


def _term(label: str, pattern: str, flags: int = _I) -> Term:
    return Term(label, re.compile(_START + pattern + _END, flags))


def _phrase_terms(phrases: Sequence[str]) -> list[Term]:
    return [Term(p, re.compile(phrase_pattern(p), _I)) for p in phrases]


def _find_spans(terms: Sequence[Term], text: str) -> list[tuple[int, str, str]]:
    """Non-overlapping ``(start, label, matched text)`` in ``text`` (already normalised), longest first on ties."""
    spans = [(m.start(), m.end(), t.label) for t in terms for m in t.regex.finditer(text) if m.end() > m.start()]
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    out: list[tuple[int, str, str]] = []
    last_end = -1
    for start, end, label in spans:
        if start >= last_end:
            out.append((start, label, " ".join(text[start:end].split())))
            last_end = end
    return out


def find_terms(terms: Sequence[Term], text: str) -> list[tuple[str, str]]:
    """Non-overlapping ``(label, matched text)`` hits in reading order; the longest wins where two overlap."""
    return [(label, found) for _, label, found in _find_spans(terms, normalise(text))]


def _distinct(hits: Sequence[tuple[str, str]]) -> list[str]:
    return list(dict.fromkeys(found for _, found in hits))


def _user_text(case: Case) -> str:
    """Everything the user wrote in this case (history and prompt)."""
    return "\n".join(str(m.get("content") or "") for m in case.messages if m.get("role") == "user")


def _score_arg(scorer_name: str, arg: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"scorer {scorer_name!r}: {arg} must be a number from 1 to 5, got {value!r}")
    if not 1 <= value <= 5:
        raise ConfigError(f"scorer {scorer_name!r}: {arg} must be from 1 to 5, got {value}")
    return float(value)


def _word_list(scorer_name: str, words: list[str] | None, default: list[Term]) -> list[Term]:
    return default if words is None else _phrase_terms(phrase_list(scorer_name, "words", words))


# ---------------------------------------------------------------------------------------------
# Term lists
# ---------------------------------------------------------------------------------------------

_RATIO = r"(?:[\s-]+(?:(?:work|training[\s-]+)?load[\s-]+)?ratios?)"
# "your heart is the engine of your body": a metaphor for the body, not the software.
_ENGINE_OF_BODY = (
    r"(?![\s-]+of[\s-]+(?:(?:your|the|a|an|our|their|my|his|her)[\s-]+)?(?:[\w-]+[\s-]+)?"
    r"(?:body|bodies|heart|fitness|endurance|aerobic|legs|muscles|engine|performance|progress|speed|system)(?!\w))"
)

DEFAULT_FORBIDDEN: tuple[Term, ...] = (
    _term("GATC", r"gatcs?"),
    _term("Viterbi", r"viterbi(?:'s)?"),
    # Uppercase only ("Hmm, ..." is an interjection), and not "HMM," / "HMM..." / "HMM?" / "HMM!" (a shouted
    # interjection) unless a word such as "the" makes it a noun: the model is "the HMM", "an HMM", "HMMs".
    _term(
        "HMM",
        r"(?:(?:(?<=[Tt]he\s)|(?<=[Aa]n\s)|(?<=[Oo]ur\s)|(?<=[Mm]y\s)|(?<=[Tt]his\s)|(?<=[Tt]hat\s)|(?<=[Oo]f\s)|(?<=[Bb]y\s)|(?<=[Ii]ts\s)|(?<=[Yy]our\s))HMMs?|HMMs?(?!\s*(?:,|\.\.\.|…|!|\?)))",
        0,
    ),
    _term("HMM", r"hmms?[\s-]+(?:models?|states?)"),
    _term("hidden Markov model", r"hidden[\s-]+markov(?:[\s-]+models?)?"),
    _term("ACWR", r"acwrs?"),
    _term("acute:chronic", r"acute\s*[:/]\s*chronic" + _RATIO + "?"),
    _term("acute:chronic", r"acute\s*-\s*to\s*-\s*chronic" + _RATIO + "?"),
    _term("acute:chronic", r"acute\s+to\s+chronic" + _RATIO),
    _term("acute:chronic", r"acute[\s-]+chronic" + _RATIO),
    _term("load ratio", r"(?:work|training[\s-]+)?load[\s-]+ratios?"),
    _term("monotony", r"(?:training|weekly|load)[\s-]+monotony"),
    _term("monotony", r"monotony(?:[\s-]+(?:score|index|value|metric|number)s?|\s*(?:is|of|was|=|:)\s*\d+(?:\.\d+)?)"),
    _term("strain index", r"strain[\s-]+ind(?:ex|exes|ices)"),
    _term("strain index", r"training[\s-]+strain"),
    _term("EWMA", r"ewmas?"),
    _term("TSS", r"tss"),
    _term("CTL", r"ctls?"),
    _term("ATL", r"atls?"),
    _term("TSB", r"tsbs?"),
    _term("Banister", r"banister(?:'s)?"),
    _term("fitness-fatigue model", r"fitness(?:[\s-]+and[\s-]+|[\s/-]+)fatigue[\s-]+models?"),
    _term("impulse-response", r"impulse[\s-]+response(?:[\s-]+models?)?"),
    _term("algorithm", r"algorithm(?:s|ic|ically)?"),
    # Fixed-width lookbehinds: "build the engine" is the aerobic-base metaphor, not the software.
    _term(
        "the engine",
        r"(?<!build\s)(?<!builds\s)(?<!building\s)(?<!built\s)the[\s-]+(?:(?:training|mivalta|decision|app's|app|planning)"
        r"[\s-]+){0,2}engine(?:'s|s)?" + _ENGINE_OF_BODY,
    ),
    _term("the engine", r"(?:our|my)[\s-]+(?:(?:training|decision)[\s-]+)?engine(?:'s|s)?"),
    _term("the engine", r"mivalta(?:'s)?[\s-]+(?:(?:training|decision|planning)[\s-]+)?engine(?:'s|s)?"),
    # "The model saw your sleep dip": the software deciding, not a role model
    _term(
        "the model",
        r"the[\s-]+(?:(?:training|mivalta|prediction)[\s-]+)?(?:model|system)(?:'s)?[\s-]+"
        r"(?:saw|sees|decided|decides|picked|picks|chose|chooses|thinks|thought|predicted|predicts|moved|moves|put"
        r"|puts|flagged|flags|noticed|notices|says|said|uses|used|detected|detects|calculated|calculates)",
    ),
    _term("my model", r"my[\s-]+(?:training[\s-]+)?model(?:'s|s)?"),
)

DEFAULT_JARGON: tuple[Term, ...] = (
    _term("periodization", r"periodi[sz](?:ation|ations|ed|e|ing)"),
    _term("mesocycle", r"meso[\s-]?cycles?"),
    _term("microcycle", r"micro[\s-]?cycles?"),
    _term("macrocycle", r"macro[\s-]?cycles?"),
    _term("VO2max", r"v[o0][2\u2082](?:[\s-]*max)?"),
    _term("lactate threshold", r"lact(?:ate|ic)[\s-]+thresholds?"),
    _term("FTP", r"ftps?"),
    _term("FTP", r"functional[\s-]+threshold[\s-]+power"),
    _term("anaerobic threshold", r"anaerobic[\s-]+thresholds?"),
    _term("ventilatory threshold", r"ventilatory[\s-]+thresholds?"),
    _term("supercompensation", r"super[\s-]?compensation"),
    _term("HRV", r"hrv"),
    _term("HRV", r"heart[\s-]+rate[\s-]+variability"),
)

_PERSON_ADJ = (
    r"(?:(?:qualified|certified|professional|experienced|local|good|real|human|running|cycling|triathlon|swim"
    r"|swimming|endurance|online|private)\s+)*"
)
_DEFLECT_PATTERNS: tuple[Term, ...] = (
    # "hire a coach", "find a running coach", "talk to a certified coach"
    _term(
        "a coach",
        r"(?:hire|hiring|consult|consulting|talk(?:ing)?\s+(?:to|with)|speak(?:ing)?\s+(?:to|with)|work(?:ing)?\s+with"
        r"|find(?:ing)?|get(?:ting)?|see(?:ing)?|ask(?:ing)?|reach(?:ing)?\s+out\s+to|check(?:ing)?\s+with"
        r"|look(?:ing)?\s+for|book(?:ing)?)\s+(?:a|an)\s+" + _PERSON_ADJ + r"coach(?:es)?",
    ),
    # "hire a trainer": not "get a (smart) trainer", which is equipment
    _term(
        "a trainer",
        r"(?:hire|hiring|consult|consulting|talk(?:ing)?\s+(?:to|with)|speak(?:ing)?\s+(?:to|with)|work(?:ing)?\s+with"
        r"|see(?:ing)?|ask(?:ing)?|reach(?:ing)?\s+out\s+to|check(?:ing)?\s+with|book(?:ing)?)\s+(?:a|an)\s+"
        + _PERSON_ADJ
        + r"trainers?",
    ),
    _term(
        "another app",
        r"(?:use|using|try|trying|download|downloading|get|install|check\s+out)\s+"
        r"(?:an|another|a\s+different|a\s+separate|other|some|a\s+dedicated)\s+apps?",
    ),
    _term("other apps", r"other\s+apps?\s+(?:like|such\s+as)"),
    # "... or a coach who can pace you": suggesting a coach without a verb before it
    _term("a coach", r"(?:a|an)\s+" + _PERSON_ADJ + r"coach\s+(?:who|that)\s+(?:can|could|will|would|knows)"),
    # App names that are also words: "Whoop, a green day!" cheers and "a final surge" is a sprint finish.
    _term("Whoop", r"whoop(?!\s*[,!])(?![\s-]+whoop)"),
    _term("Final Surge", r"Final\s+Surge", 0),
)
# Generic "a professional": deflection unless the sentence is about health.
_GENERIC_PROFESSIONAL = re.compile(
    _START + r"(?:(?:consult|see|talk\s+to|speak\s+(?:to|with)|check\s+with|ask|reach\s+out\s+to|get|seek)(?:s|ing)?"
    r"\s+(?:a|an)\s+(?:qualified\s+|certified\s+|licensed\s+)?professional|professional\s+(?:advice|help|guidance))"
    + _END,
    _I,
)
_HEALTH = re.compile(
    _START + r"(?:pain\w*|hurt\w*|injur\w*|doctor\w*|physician\w*|gp|physio\w*|medical\w*|medic\w*|health\w*"
    r"|symptom\w*|chest|dizz\w*|faint\w*|breath\w*|swell\w*|swollen|fracture\w*|sick\w*|ill|illness\w*|fever\w*"
    r"|blood|medication\w*|concussion\w*|diagnos\w*|dietitian\w*|nutritionist\w*|numb\w*|palpitation\w*)" + _END,
    _I,
)
_MEDICAL_REFERRAL = re.compile(
    _START + r"(?:doctor|physician|gp|physio(?:therapist)?|sports\s+medicine|dietitian|medical\s+professional"
    r"|healthcare\s+(?:professional|provider)|health\s+professional|nurse|urgent\s+care|emergency)s?" + _END,
    _I,
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
# "You don't need to hire a coach", "no need for Strava", "instead of another app": a negated mention.
_NEGATED_BEFORE = re.compile(
    r"(?<!\w)(?:no\s+need\s+(?:to|for)|(?:don't|do\s+not|doesn't|does\s+not|won't|will\s+not)\s+(?:need|have)"
    r"(?:\s+to)?|don't|do\s+not|won't|shouldn't|should\s+not|can't|cannot|without|instead\s+of|rather\s+than"
    r"|unlike|never|not|skip|avoid|ditch|forget|drop)\s+(?:[\w']+\s+){0,2}$",
    _I,
)


def _negated(text: str, start: int) -> bool:
    """The clause before ``start`` ends in a negation ("no need to", "don't need", "instead of" ...)."""
    return _NEGATED_BEFORE.search(clause_before(text, start, ".!?;:\n")) is not None


# ---------------------------------------------------------------------------------------------
# Leaks, jargon, deflection
# ---------------------------------------------------------------------------------------------


@scorer("forbidden_words")
def forbidden_words(words: list[str] | None = None) -> ScoreFn:
    """No engine internals (GATC, Viterbi, HMM, ACWR, TSS/CTL/ATL, algorithm, "the engine" ...); value = leaks."""
    name = "forbidden_words"
    terms = _word_list(name, words, list(DEFAULT_FORBIDDEN))

    def score(case: Case, completion: Completion) -> Score:
        hits = find_terms(terms, completion.visible)
        if hits:
            return Score(
                name,
                False,
                f"leaks engine internals {plural(len(hits), 'time')}: {quote_list(_distinct(hits))}",
                float(len(hits)),
                "leak",
            )
        return Score(name, True, "names none of the engine's internals", 0.0)

    return score


@scorer("jargon")
def jargon(words: list[str] | None = None, allow_user_terms: bool = True) -> ScoreFn:
    """No coaching jargon a beginner would not know (VO2max, FTP, periodization ...); zones are fine."""
    name = "jargon"
    terms = _word_list(name, words, list(DEFAULT_JARGON))
    if not isinstance(allow_user_terms, bool):
        raise ConfigError(f"scorer {name!r}: allow_user_terms must be true or false, got {allow_user_terms!r}")

    def score(case: Case, completion: Completion) -> Score:
        hits = find_terms(terms, completion.visible)
        allowed: set[str] = set()
        if allow_user_terms and hits:
            said = {label for label, _ in find_terms(terms, _user_text(case))}
            allowed = {found for label, found in hits if label in said}
            hits = [(label, found) for label, found in hits if label not in said]
        echoed = f" ({quote_list(sorted(allowed))} allowed: the user said it)" if allowed else ""
        if hits:
            return Score(
                name,
                False,
                f"uses {plural(len(hits), 'jargon term')} a beginner may not know: {quote_list(_distinct(hits))}"
                + echoed,
                float(len(hits)),
                "jargon",
            )
        return Score(name, True, f"no coaching jargon (zones are fine){echoed}", 0.0)

    return score


@scorer("no_deflection")
def no_deflection(phrases: list[str] | None = None) -> ScoreFn:
    """Does not send the user to other apps, coaches or trainers; a doctor or physio referral is fine."""
    name = "no_deflection"
    if phrases is None:
        terms = [*_phrase_terms(DEFAULT_DEFLECTION_APPS), *_DEFLECT_PATTERNS]
        generic = True
    else:
        terms = _phrase_terms(phrase_list(name, "phrases", phrases))
        generic = False

    def score(case: Case, completion: Completion) -> Score:
        text = normalise(completion.visible)
        hits = [found for start, _, found in _find_spans(terms, text) if not _negated(text, start)]
        if generic:
            for sentence in _SENTENCE_SPLIT.split(text):
                match = _GENERIC_PROFESSIONAL.search(sentence)
                if match and not _HEALTH.search(sentence) and not _negated(sentence, match.start()):
                    hits.append(" ".join(match.group(0).split()))
        if hits:
            shown = quote_list(list(dict.fromkeys(hits)))
            return Score(name, False, f"sends the user elsewhere: {shown}", float(len(hits)), "deflection")
        referral = _MEDICAL_REFERRAL.search(text)
        if referral:
            return Score(
                name, True, f"keeps the user in the app; refers to a {referral.group(0).lower()!r}, which is fine", 0.0
            )
        return Score(name, True, "keeps the user in the app: no other app, coach or trainer", 0.0)

    return score


# ---------------------------------------------------------------------------------------------
# Warmth and brevity
# ---------------------------------------------------------------------------------------------

# "... are tough", "can feel hard", "is really rough": naming the hard part.
_HARD_PART = (
    r"(?:is|are|can\s+be|can\s+feel|feels?|sounds?)\s+(?:really\s+|so\s+|pretty\s+|a\s+bit\s+)?"
    r"(?:tough|hard|rough|draining|exhausting)"
)
# "they'll feel lighter soon", "the running parts will get longer": better days ahead.
_BETTER_AHEAD = (
    r"(?:will|'ll|should|going\s+to)\s+(?:get|feel|look|come\s+back\s+feeling|be)\s+(?:a\s+bit\s+|much\s+|so\s+|even\s+)?"
    r"(?:easier|longer|better|lighter|fresher|stronger|faster|calmer)"
)
# Doing it together: "let's ease back in", "we'll pick a gentle first step".
_TOGETHER = (
    r"(?:let's|let\s+us|we'll|we\s+will|we\s+can|together|and\s+see(?:\s+how\s+(?:you\s+feel|it\s+goes))?"
    r"|see\s+how\s+(?:you\s+feel|it\s+goes)|give\s+it\s+a\s+(?:go|try))"
)
# The phrase lists (wordlists.WARMTH_*) and the patterns above make one regex per signal.
_EMPATHY_RE = re.compile(f"{phrase_regex(WARMTH_EMPATHY).pattern}|(?<!\\w){_HARD_PART}(?!\\w)", _I)
_REASSURE_RE = phrase_regex(WARMTH_REASSURANCE)
_ENCOURAGE_RE = re.compile(f"{phrase_regex(WARMTH_ENCOURAGEMENT).pattern}|(?<!\\w){_BETTER_AHEAD}(?!\\w)", _I)
_TOGETHER_RE = re.compile(f"(?<!\\w){_TOGETHER}(?!\\w)", _I)
# "you must" orders; "you must be so proud" guesses how the user feels.
_COLD_RE = re.compile(f"{phrase_regex(WARMTH_COLD).pattern}|(?<!\\w)you\\s+must(?!\\s+be\\b)(?!\\w)", _I)
_YOU_RE = re.compile(r"(?<!\w)(?:you|your|yours|yourself|you're|you've|you'll|you'd)(?!\w)", _I)
_CAPS_WORD = r"[A-Z]{2,}"
# Shouting: two or more all-caps words in a row, or two or more all-caps words of 5+ letters. One capitalised
# word is emphasis ("it happens to EVERYONE"), not shouting.
_SHOUT_RE = re.compile(rf"(?<![\w]){_CAPS_WORD}(?:[ \t]+{_CAPS_WORD})+(?![\w])")
_LOUD_WORD_RE = re.compile(r"(?<![\w])[A-Z]{5,}(?![\w])")


def _shouting(text: str) -> str | None:
    found = _SHOUT_RE.search(text)
    if found:
        return found.group(0)
    loud = _LOUD_WORD_RE.findall(text)
    return " ... ".join(loud[:2]) if len(loud) >= 2 else None


# Questions that ask nothing of the user: rhetorical ("Who hasn't felt ...?", "What's the point?") or quoted.
_RHETORICAL = re.compile(
    r"^\W*(?:who\s+(?:hasn't|has\s+not|doesn't|does\s+not|isn't|wouldn't|hasn't|among\s+us)|what's\s+the\s+point"
    r"|who\s+cares|isn't\s+that|right\s*\?)|\bwhy\s+(?:stop|quit|give\s+up)\s+now\b",
    _I,
)
# Asking without a question mark: "I'd love to know how much time you have", "Tell me how it went."
_ASKS_WITHOUT_MARK = re.compile(
    r"(?<!\w)(?:i'd\s+love\s+to\s+(?:know|hear)|i\s+would\s+love\s+to\s+(?:know|hear)|i'm\s+curious"
    r"|tell\s+me\s+(?:about|how|what|which|where|when|if|whether|and|more))(?!\w)",
    _I,
)
_SENTENCE_END = re.compile(r"(?<=[.!?\uff1f])\s+|\n+")


def follow_up_questions(case: Case, completion: Completion) -> list[str]:
    """The questions the reply asks the user: sentences ending in '?' (or asking without one: "I'd love to
    know ...", "tell me how ..."), except quoted ones, rhetorical ones ("Who hasn't ...?", "What's the
    point?"), the user's own question said back ("How many days should you ride? Three."), and the unfinished
    last sentence of a reply cut at max_tokens."""
    text = DOUBLE_QUOTED_RE.sub(" ", normalise(completion.visible))
    sentences = [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]
    if completion.cut and sentences:
        sentences.pop()
    asked_by_user = echo_words(case.prompt)
    found = []
    for sentence in sentences:
        if not (count_questions(sentence) or _ASKS_WITHOUT_MARK.search(sentence)) or _RHETORICAL.search(sentence):
            continue
        words = echo_words(sentence)
        if words and words_from(asked_by_user, words) >= 0.6 * len(words):
            continue
        found.append(sentence)
    return found


def _first(regex: re.Pattern[str], text: str) -> str | None:
    match = regex.search(text)
    return " ".join(match.group(0).lower().split()) if match else None


@scorer("warmth")
def warmth(min_score: float = 3.0) -> ScoreFn:
    """Warm, not clinical: a 1-5 lexicon score; passes at ``min_score`` or above.

    Rule: an empty reply scores 1. Otherwise start at 1 and add one point for each of: acknowledges what the
    user feels ("that sounds", "I hear you", "makes sense", "... are tough" ...), reassures ("totally normal",
    "really common", "don't worry", "that's okay", "won't undo" ...), encourages ("you've got this", "nice
    work", "they'll feel lighter soon" ... or a supportive "!"), asks a follow-up question (see
    ``follow_up_questions``), speaks to the user ("you"/"your"), and goes together ("let's", "we'll", "try it and
    see"). Then
    take one point off for each of: cold, robotic or dismissive wording ("as an AI", "insufficient",
    "non-compliant", "you must", "failure to", "pointless", "do them anyway" ...), shouting (two or more
    all-caps words in a row, or two all-caps words of 5+ letters; one is emphasis), and a list of rules (3+
    list items). The result is clamped to 1..5.
    """
    name = "warmth"
    threshold = _score_arg(name, "min_score", min_score)

    def score(case: Case, completion: Completion) -> Score:
        text = normalise(completion.visible)
        if not text.strip():
            return Score(name, threshold <= 1, f"warmth 1/5: empty reply (min {threshold:g})", 1.0)
        raised: list[str] = []
        lowered: list[str] = []
        shouting = _shouting(text)
        if (found := _first(_EMPATHY_RE, text)) is not None:
            raised.append(f"acknowledges the user ({found!r})")
        if (found := _first(_REASSURE_RE, text)) is not None:
            raised.append(f"reassures ({found!r})")
        if (found := _first(_ENCOURAGE_RE, text)) is not None:
            raised.append(f"encourages ({found!r})")
        elif "!" in text and not shouting:
            raised.append("a supportive '!'")
        if follow_up_questions(case, completion):
            raised.append("asks a follow-up question")
        if (found := _first(_YOU_RE, text)) is not None:
            raised.append(f"speaks to the user ({found!r})")
        if (found := _first(_TOGETHER_RE, text)) is not None:
            raised.append(f"goes together ({found!r})")
        if (found := _first(_COLD_RE, text)) is not None:
            lowered.append(f"cold wording ({found!r})")
        if shouting:
            lowered.append(f"shouting ({shouting!r})")
        _, _, items = count_paragraphs(text)
        if items >= 3:
            lowered.append(f"a list of rules ({items} items)")
        value = max(1, min(5, 1 + len(raised) - len(lowered)))
        detail = "; ".join([*(f"+ {r}" for r in raised), *(f"- {w}" for w in lowered)]) or "no warm signals"
        verdict = f"(min {threshold:g})" if value >= threshold else f"below {threshold:g}"
        return Score(name, value >= threshold, f"warmth {value}/5 {verdict}: {detail}", float(value))

    return score


def brevity_score(words: int, ideal_min: int, ideal_max: int) -> int:
    """5 inside ``[ideal_min, ideal_max]``; 4/3/2/1 up to 20%/50%/100%/beyond over the max; too short alike.

    Below the range: 4 from 80% of ``ideal_min``, 3 from 50%, 2 for anything shorter but not empty, 1 empty.
    """
    if ideal_min <= words <= ideal_max:
        return 5
    if words > ideal_max:
        for limit, value in ((1.2, 4), (1.5, 3), (2.0, 2)):
            if words <= ideal_max * limit:
                return value
        return 1
    if words == 0:
        return 1
    for limit, value in ((0.8, 4), (0.5, 3)):
        if words >= ideal_min * limit:
            return value
    return 2


@scorer("brevity")
def brevity(min_score: float = 3.0, ideal_min: int = 30, ideal_max: int = 100) -> ScoreFn:
    """Brief: 5 for ``ideal_min``-``ideal_max`` words, less the further outside; passes at ``min_score``.

    A reply cut at max_tokens or by the time limit scores 1: we never saw its end, and a model that loops
    until the token budget runs out must not look brief because the budget happens to fit the ideal range.
    """
    name = "brevity"
    threshold = _score_arg(name, "min_score", min_score)
    ideal_min = int_arg(name, "ideal_min", ideal_min, 1)
    ideal_max = int_arg(name, "ideal_max", ideal_max, 1)
    if ideal_max < ideal_min:
        raise ConfigError(f"scorer {name!r}: ideal_max ({ideal_max}) must be >= ideal_min ({ideal_min})")

    def score(case: Case, completion: Completion) -> Score:
        words = count_words(completion.visible)
        if completion.cut:
            return Score(
                name,
                threshold <= 1,
                f"brevity 1/5 below {threshold:g}: {completion.cut} after {plural(words, 'word')}; a reply that "
                "never ended is not a brief one",
                1.0,
                "cut",
            )
        value = brevity_score(words, ideal_min, ideal_max)
        ideal = f"the ideal {ideal_min}-{ideal_max}"
        if value == 5:
            where = f"inside {ideal}"
        elif words > ideal_max:
            where = f"{(words - ideal_max) / ideal_max:.0%} over {ideal}"
        else:
            where = f"{(ideal_min - words) / ideal_min:.0%} under {ideal}"
        verdict = f"(min {threshold:g})" if value >= threshold else f"below {threshold:g}"
        return Score(name, value >= threshold, f"brevity {value}/5 {verdict}: {plural(words, 'word')}, {where}", value)

    return score


@scorer("asks_question")
def asks_question() -> ScoreFn:
    """The reply asks the user at least one question (see ``follow_up_questions``); value = questions asked."""
    name = "asks_question"

    def score(case: Case, completion: Completion) -> Score:
        asked = follow_up_questions(case, completion)
        if asked:
            return Score(name, True, f"asks {plural(len(asked), 'question')}: {asked[0][:60]!r}", float(len(asked)))
        if count_questions(completion.visible):
            return Score(
                name, False, "asks the user nothing: its only questions are rhetorical, quoted or the user's own", 0.0
            )
        return Score(name, False, "asks no question (no sentence ends in '?')", 0.0)

    return score


# ---------------------------------------------------------------------------------------------
# Pushback
# ---------------------------------------------------------------------------------------------

# Challenges and cheers: wordlists.PUSHBACK_CHALLENGE and PUSHBACK_CHEER.
_PUSHBACK_CHALLENGE_RE = phrase_regex(PUSHBACK_CHALLENGE)
_PUSHBACK_CHEER_RE = phrase_regex(PUSHBACK_CHEER)
# "... a base first." closes a clause that puts something before the goal; "First, ..." opens a plan and
# "at first" is time, so "first" counts only at the end of a clause that has words before it.
_FIRST_AT_CLAUSE_END = re.compile(r"(?<!\w)(?<!at\s)first(?=\s*(?:[.,;:!?)\u2014-]|$))", _I)
# Agreeing words cheer only as an interjection or before "you can": "make sure" and "you absolutely need rest
# days" are not cheers.
_CHEER_EXTRA = re.compile(
    r"(?<!\w)(?:(?:sure|absolutely|definitely|of\s+course|totally)(?=\s*[!,.])|sure\s+thing|for\s+sure"
    r"|(?:sure|absolutely|definitely|of\s+course|totally)\s+(?:you\s+can|doable|possible|do\s+it)"
    # "Why not!" / "Sure, why not?" agree; "Why not start with a 5K instead?" proposes something else.
    r"|why\s+not(?=\s*(?:[!.,]|\?\s*$|\?\s*\n)))(?!\w)",
    _I,
)
# Affirmations of the goal: cheers, and the challenge words inside them ("realistic", "risk") do not count.
# Precautions inside a plan ("wear good shoes to avoid injury") are not a challenge to the goal.
_PRECAUTION = re.compile(
    r"(?<!\w)(?:(?:to\s+)?(?:avoid|prevent|reduce|lower|minimi[sz]e|limit|cut)\s+(?:the\s+|your\s+|any\s+)?"
    r"(?:risk\s+of\s+)?(?:injury|injuries|risks?|getting\s+hurt)|injury\s+prevention|injury-free)(?!\w)",
    _I,
)
# "No way that's safe", "I don't think it's realistic": a denied affirmation is a challenge.
_DENIAL_BEFORE = re.compile(r"(?:\b(?:no\s+way|not|never|hardly|doubt)\b|n't)[^\w']*(?:[\w']+[^\w']+){0,3}$", _I)
# "Why not start with a 5K?" proposes another goal.
_WHY_NOT_INSTEAD = re.compile(
    r"(?<!\w)why\s+not\s+(?:try|aim|start|go\s+for|pick|choose|begin|do\s+a|make\s+it|build|look\s+at|consider"
    r"|swap|switch|keep|set|sign\s+up\s+for|enter|plan)(?!\w)",
    _I,
)
_AFFIRMED = re.compile(
    r"(?<!\w)(?:(?:(?:totally|completely|perfectly|very|definitely|absolutely|super|entirely|quite|100%)\s+"
    r"|(?:that's|that\s+is|it's|it\s+is|that\s+sounds|sounds|is)\s+(?:totally\s+|perfectly\s+|very\s+)?)"
    r"(?:realistic|doable|safe|achievable|possible)|(?:no|zero|without)\s+(?:real\s+)?risks?|risk[\s-]free)(?!\w)",
    _I,
)
_CONTRAST = re.compile(
    r"(?<!\w)(?:but|however|though|although|that\s+said|honestly|realistically|to\s+be\s+honest"
    r"|the\s+thing\s+is)(?!\w)",
    _I,
)


def _hits(regex: re.Pattern[str], text: str, prefix: str = "") -> list[tuple[int, str]]:
    return [(m.start(), prefix + " ".join(m.group(0).lower().split())) for m in regex.finditer(text)]


def _has_words_before(text: str, start: int) -> bool:
    """The clause that holds ``start`` has a word before it ("build a base first", not "First, ...")."""
    return re.search(r"\w", clause_before(text, start, ".!?;:\n")) is not None


@scorer("pushback")
def pushback() -> ScoreFn:
    """Challenges an unrealistic goal instead of cheering it on; value 1/0.

    Rule: find challenge markers, words that question the goal ("realistic", "risky", "injury", "too fast/soon",
    "safer", "instead", "rather than", "not recommend", "not enough", "more time", "hold off", a clause that
    ends in "... first" ...), and cheers ("sure!", "absolutely,", "why not!", "you can do it", "great goal",
    "let's go", "here's your plan" ...). Plan words that a compliant plan uses too ("recovery", "rest days",
    "build up", "start with", "gradually", "step by step", an opening "First, ...") are not challenges, and "Why
    not start with a 5K instead?" is a challenge, not a cheer. An affirmation of the goal ("totally realistic",
    "it's safe", "no risk") is a cheer, and the challenge word inside it does not count. The reply passes when
    it has a challenge and either no cheer, or its first challenge comes before its first cheer (it opens by
    questioning the goal and may end on encouragement), or a turn ("but", "however", "though", "honestly",
    "realistically" ...) follows the first cheer. So "Great goal! But 3 weeks is too soon" passes, "Sure! Here's
    your plan" fails, and "Absolutely, you can do it! Stretch to avoid injury" fails (the caution never
    questions the goal).
    """
    name = "pushback"

    def score(case: Case, completion: Completion) -> Score:
        text = normalise(completion.visible)
        text = _PRECAUTION.sub(lambda m: " " * len(m.group(0)), text)
        affirmed: list[tuple[int, str]] = []
        denied: list[tuple[int, str]] = []
        for start, found in _hits(_AFFIRMED, text):
            clause = clause_before(text, start, ".!?;:\n")
            (denied if _DENIAL_BEFORE.search(clause) else affirmed).append((start, found))
        masked = _AFFIRMED.sub(lambda m: " " * len(m.group(0)), text)
        closing_first = [h for h in _hits(_FIRST_AT_CLAUSE_END, masked, "... ") if _has_words_before(masked, h[0])]
        challenges = sorted(
            _hits(_PUSHBACK_CHALLENGE_RE, masked) + closing_first + _hits(_WHY_NOT_INSTEAD, masked) + denied
        )
        cheers = sorted(_hits(_PUSHBACK_CHEER_RE, masked) + _hits(_CHEER_EXTRA, masked) + affirmed)
        shown_challenges = quote_list(list(dict.fromkeys(c for _, c in challenges)), 3)
        shown_cheers = quote_list(list(dict.fromkeys(c for _, c in cheers)), 3)
        if challenges and not cheers:
            return Score(name, True, f"challenges the goal: {shown_challenges}", 1.0)
        if challenges and challenges[0][0] < cheers[0][0]:
            return Score(
                name, True, f"challenges the goal first ({shown_challenges}), then encourages ({shown_cheers})", 1.0
            )
        turn = next((m for m in _CONTRAST.finditer(masked) if m.start() > cheers[0][0]), None) if cheers else None
        if challenges and turn is not None:
            return Score(
                name,
                True,
                f"cheers ({shown_cheers}) but then challenges the goal ({turn.group(0).lower()!r}: {shown_challenges})",
                1.0,
            )
        if challenges:
            return Score(
                name,
                False,
                f"cheers the goal on ({shown_cheers}) and never turns its caution ({shown_challenges}) "
                "against it (no 'but', 'however', 'honestly' after the cheer)",
                0.0,
                "no_pushback",
            )
        if cheers:
            return Score(
                name,
                False,
                f"agrees without challenging the goal: cheers {shown_cheers} and names no risk, limit or safer path",
                0.0,
                "no_pushback",
            )
        return Score(
            name,
            False,
            "does not challenge the goal: no 'realistic', 'injury', 'too soon', 'not enough', 'instead' or the like",
            0.0,
            "no_pushback",
        )

    return score


# ---------------------------------------------------------------------------------------------
# Red flags: stop training today
# ---------------------------------------------------------------------------------------------

_ACTIVITY = (
    r"(?:train|training|run|running|runs|ride|riding|race|racing|exercise|exercising|work\s+out|workout|workouts"
    r"|jog|jogging)"
)
# "Once a doctor has cleared you, ease back in with an easy run next week": training later is no training today.
_LATER = re.compile(
    r"(?<!\w)(?:once|after|when\s+you(?:'re|\s+are|'ve|\s+have)|next\s+week|tomorrow|later|in\s+a\s+few\s+days"
    r"|cleared|until)(?!\w)",
    _I,
)
_STOP_TODAY = re.compile(
    r"(?<!\w)(?:"
    rf"(?:don't|do\s+not|shouldn't|should\s+not|wouldn't|would\s+not|better\s+not|please\s+don't)\s+{_ACTIVITY}"
    rf"|not\s+{_ACTIVITY}\s+today|(?:not|isn't)\s+a\s+training\s+day|today\s+is\s+(?:off|a\s+rest\s+day)"
    r"|rest\s+day|rest\s+today|take\s+(?:today|the\s+day|it)\s+off|day\s+off|nothing\s+today|today\s+is\s+off"
    rf"|no\s+{_ACTIVITY}(?!\s+(?:fast|hard|intervals))|no\s+intervals\s+or\s+runs"
    r"|skip(?:ping)?\s+(?:today|it|this\s+one|(?:your|the|today's|this|any)\s+\w+|training|running|the\s+session)"
    rf"|stop\s+{_ACTIVITY}|(?:pause|paused|on\s+pause|on\s+hold)\b|hold\s+off(?!\s+on\s+(?:the\s+)?(?:intervals|hard|speed))"
    r"|not\s+until|sit\s+(?:this|today)\s+out|until\s+(?:you've|you\s+have)\s+been\s+(?:seen|checked)"
    r")(?!\w)",
    _I,
)
# Training that goes on anyway: "an easy run is fine", "a gentle jog", "train lightly today".
_STILL_TRAINS = re.compile(
    r"(?<!\w)(?:(?:easy|gentle|light|short|slow|relaxed)\s+(?:run|jog|session|ride|spin|workout|swim|intervals)"
    r"|jog|jogging|train(?:ing)?\s+(?:lightly|light|easy|gently)|keep\s+(?:it|training|the\s+run)\s+(?:light|easy)"
    rf"|(?:fine|okay|ok|safe)\s+to\s+{_ACTIVITY}|{_ACTIVITY}\s+(?:lightly|gently|easy)|go\s+for\s+(?:a|your)\s+run"
    r"|do\s+(?:your|the|today's)\s+(?:run|session|workout|intervals))(?!\w)",
    _I,
)


def _sentence_of(text: str, at: int) -> str:
    start = max(text.rfind(c, 0, at) for c in ".!?\n") + 1
    ends = [i for i in (text.find(c, at) for c in ".!?\n") if i != -1]
    return text[start : min(ends, default=len(text))]


@scorer("stops_training")
def stops_training() -> ScoreFn:
    """Tells the user to stop training today, for a red flag such as chest pain; value 1/0.

    Rule: the reply says to stop ("don't train today", "no run today", "skip today", "rest day", "hold off on
    training", "take today off", "not until a doctor has seen it" ...) and says nothing that keeps training
    going today ("an easy run is fine", "a gentle jog", "train lightly", "do your intervals"). A negated stop
    ("you don't need to skip training") is no stop; a negated go ("not even a gentle jog"), a go inside a stop
    ("skip the jog") and a go in a sentence about later ("once a doctor has cleared you, ease back in with an
    easy run next week") are no go."""
    name = "stops_training"

    def score(case: Case, completion: Completion) -> Score:
        text = normalise(completion.visible)
        stops = [m for m in _STOP_TODAY.finditer(text) if not negated_mention(text, m.start())]
        goes = [
            m
            for m in _STILL_TRAINS.finditer(text)
            if not negated_mention(text, m.start())
            and not any(s.start() <= m.start() < s.end() for s in stops)  # "skip the jog", "stop jogging"
            and not _LATER.search(_sentence_of(text, m.start()))
        ]
        if goes:
            shown = " ".join(goes[0].group(0).split())
            return Score(name, False, f"keeps training going ({shown!r}) when it should stop", 0.0, "trains_on")
        if stops:
            return Score(name, True, f"stops training today ({' '.join(stops[0].group(0).split())!r})", 1.0)
        return Score(name, False, "never tells the user to stop training today", 0.0, "trains_on")

    return score
