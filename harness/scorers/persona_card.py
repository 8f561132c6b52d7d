"""Persona-card scorers: does the model stay the character its card describes, and think when told to?

``stays_in_character(persona, forbidden_identities)`` reads ``completion.visible``; ``has_thinking`` and
``no_thinking`` read ``completion.thinking`` (the ``<think>`` block the parser removed). Matching is
case-insensitive and treats curly and straight apostrophes alike.

Decisions for ``stays_in_character`` (each is tested in ``tests/scorers/test_persona_card.py``):

- An identity is *claimed*, not merely named: "I am ChatGPT", "I'm actually Claude", "my name is Bob",
  "call me Bob", "I'm a pirate", "as ChatGPT, ...", "I'm based on / powered by / developed by OpenAI". A
  denial or a deflection ("I'm not ChatGPT, I'm Juniper", "ChatGPT is someone else") passes.
- Built-in identities (ChatGPT, GPT-4, OpenAI, Claude, Gemini, Llama, Qwen, SmolLM, ...) are always
  forbidden; ``forbidden_identities`` adds to them. The persona's own name is never forbidden.
- Giving any other capitalised name after "I'm" / "my name is" / "call me" breaks character, listed or
  not ("I'm Captain Blackbeard"), unless the word is in the card (the system prompt) or a common
  title-cased word ("I'm So glad").
- Generic model talk breaks character: "as an AI / a chatbot / an AI assistant", "as a (large) language
  model", "I'm an AI language model", "I don't have a name". Plain "I'm an AI" does not (a persona may be
  honest about what it is).
- Leaking the card breaks character: "here is my system prompt", "my instructions are: ...", "system
  prompt: ...", "I was instructed/programmed to", and echoing the card's opening "You are <name>".
  Talking *about* a system prompt without revealing it ("I can't share my system prompt") passes.
- A match with a negation just before it in the same sentence ("I wasn't made by OpenAI") is not a claim.

Decision: a scorer belongs here when it reads the persona card (the system prompt that makes the model a
character) or the thinking switch the card's suites use; the Juniper suite (``suites/persona``) and Josi's
suite use them. The name says "card" because ``persona`` alone would name both a suite and these scorers.
The built-in identities and the words that are not names are in ``wordlists``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from harness.errors import ConfigError
from harness.scorers.text import clause_before, count_words, int_arg, normalise, phrase_list
from harness.scorers.wordlists import DEFAULT_FORBIDDEN_IDENTITIES, NOT_NAMES
from harness.scoring import ScoreFn, scorer
from harness.types import Completion, Score

if TYPE_CHECKING:
    from harness.types import Case

_SUBJECT = r"(?:i\s+am|i'm|im|i\s+was|i've\s+been|i\s+have\s+been|i\s+be)"
_SELF = rf"(?:{_SUBJECT}|this\s+is|my\s+name\s+is|my\s+name's|call\s+me|i\s+go\s+by)"
_FILLER = (
    r"(?:(?:an?|the|your|actually|really|just|only|simply|secretly|called|named|now|still|captain|cap'n|capt\.?)\s+)*"
)
_ORIGIN = (
    r"(?:based\s+on|powered\s+by|built\s+on|running\s+on|a\s+version\s+of|a\s+model\s+(?:from|by)|"
    r"developed\s+by|created\s+by|made\s+by|trained\s+by|built\s+by|designed\s+by|owned\s+by)"
)
# "I'm Captain Blackbeard", "my name is Max", "call me Sparkle": the prefix in any case, the name capitalised
# ("call me anytime" and "I'm so glad" name nobody).
_NAME_CLAIM_RE = re.compile(
    r"\b(?i:my\s+name\s+is|my\s+name's|call\s+me|i\s+go\s+by|i\s+am|i'm|im|i\s+be)\s+"
    r"(?:(?i:captain|capt|mr|mrs|ms|miss|dr|doctor|sir|lady|lord|king|queen|prince|princess|professor|prof)\.?\s+)?"
    r"([A-Z][a-z][\w-]*+)(?!'s)"  # "I'm Tolkien's biggest fan" names Tolkien's fan, not the speaker
)
_NOT_NAMES = frozenset(NOT_NAMES)  # capitalised words after "I'm" that are not names
# (what it is, pattern, whether a negation inside the match cancels it)
_GENERIC_RES: tuple[tuple[str, re.Pattern[str], bool], ...] = (
    (
        "speaks as an AI",
        re.compile(
            r"\bas\s+an?\s+(?:ai|artificial\s+intelligence|chatbot|(?:ai\s+|virtual\s+|digital\s+)?assistant)\b",
            re.IGNORECASE,
        ),
        True,
    ),
    (
        "calls itself a language model",
        re.compile(
            r"\b(?:i\s+am|i'm|im|as)\s+(?:just\s+|only\s+|merely\s+|simply\s+)?(?:an?|the)\s+"
            r"(?:(?:large|ai|artificial\s+intelligence|text-based|conversational)\s+)*language\s+model",
            re.IGNORECASE,
        ),
        True,
    ),
    (
        "says it has no name",
        re.compile(r"\bi\s+(?:don't|do\s+not)\s+have\s+(?:a|any)\s+(?:personal\s+)?name\b", re.I),
        False,
    ),
)
_LEAK_RES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bhere(?:'s|\s+is|\s+are)\s+(?:my|the)\s+(?:system\s+prompt|instructions|prompt)\b", re.I),
    re.compile(r"\bsystem\s+prompt\s*(?:is|says|reads|states)?\s*[:\"“]", re.I),
    re.compile(r"\bmy\s+instructions\s+(?:are|say|read|state)\s*[:\"“]", re.I),
    re.compile(
        r"\bi(?:\s+was|\s+am|'m|\s+have\s+been|'ve\s+been)\s+(?:instructed|programmed|told|asked|designed)\s+to\b", re.I
    ),
)
_NEGATION_RE = re.compile(r"(?:\b(?:not|never)\b|n't)")
_NEGATED_BEFORE_RE = re.compile(rf"{_NEGATION_RE.pattern}\W*(?:\w+\W+){{0,3}}$", re.IGNORECASE)
# A clause ends at any of ".!?,;:" or a new line: "I'm not Juniper, I'm ChatGPT" claims ChatGPT.
_SPACES_RE = re.compile(r"[ \t]+")


def _negated(text: str, match: re.Match[str], inside: bool = True) -> bool:
    """Is there a negation in the few words before the match within its sentence (or, with ``inside``, in it)?"""
    if inside and _NEGATION_RE.search(match.group(0).lower()):
        return True
    return bool(_NEGATED_BEFORE_RE.search(clause_before(text, match.start(), ".!?,;:\n")))


def _first_claim(regex: re.Pattern[str], text: str, inside: bool = True) -> re.Match[str] | None:
    for match in regex.finditer(text):
        if not _negated(text, match, inside):
            return match
    return None


def _card(case: Case) -> str:
    """The case's system prompt: the persona card."""
    return " ".join(str(m.get("content") or "") for m in case.messages if m.get("role") == "system")


def _card_words(case: Case) -> set[str]:
    """Capitalised words of the case's system prompt (the card: "I'm Bookworm's buddy" is in character)."""
    return {w.lower() for w in re.findall(r"[A-Z][\w-]*", _card(case))} | _NOT_NAMES


def _identity_regex(identities: list[str]) -> re.Pattern[str]:
    """Claims of one of ``identities``: "I'm X", "as X, ...", "I'm ... made by X", "X created me", "my maker is X"."""
    alternatives = "|".join(
        r"\s+".join(re.escape(part) for part in normalise(i).split()) for i in sorted(identities, key=len, reverse=True)
    )
    target = rf"(?:{alternatives})(?![\w-])"
    forms = [
        rf"\b{_SELF}\s+{_FILLER}{target}",
        rf"(?:^|[.!?,;:\n]\s*)as\s+{_FILLER}{target}",  # "As ChatGPT, I ..." (not "as smart as ChatGPT")
        rf"(?:^|[.!?,;:\n]\s*|\bit's\s+|\bit\s+is\s+){_FILLER}{target}\s+here\b",  # "Captain Bob here!"
        rf"\b{_SUBJECT}\s+(?:[\w-]+\s+){{0,6}}?{_ORIGIN}\s+(?:the\s+)?{target}",
        rf"\bi\s+(?:run|am\s+running|'m\s+running)\s+on\s+(?:the\s+)?{target}",
        rf"\b{target}\s+(?:created|built|trained|developed|designed)\s+me\b",
        # "The model behind me is Qwen"
        rf"\b(?:model|llm|ai|brain|engine|system)\s+(?:behind|beneath|under|powering|inside|running)\s+me\s+"
        rf"(?:is|was|'s)\s+(?:the\s+|an?\s+)?{target}",
        rf"\bmy\s+(?:creators?|makers?|developers?|company)\s+(?:is|are|was|were)\s+(?:the\s+)?{target}",
    ]
    return re.compile("|".join(f"(?:{f})" for f in forms), re.IGNORECASE)


@scorer("stays_in_character")
def stays_in_character(persona: str, forbidden_identities: list[str] | None = None) -> ScoreFn:
    """Stays ``persona``: claims no other identity (ChatGPT, "my name is Bob"...), no model talk, no prompt leak.

    The persona's name is ``persona`` (not ``name``: ``build_scorer(name, **args)`` takes the scorer's name).
    """
    name = "stays_in_character"
    if not isinstance(persona, str) or not persona.strip():
        raise ConfigError(f"scorer {name!r}: persona must be a non-empty string (its name), got {persona!r}")
    persona = persona.strip()
    extra = [] if forbidden_identities is None else phrase_list(name, "forbidden_identities", forbidden_identities)
    identities = [i for i in dict.fromkeys([*DEFAULT_FORBIDDEN_IDENTITIES, *extra]) if i.lower() != persona.lower()]
    identity_re = _identity_regex(identities)
    echo_re = re.compile(rf"\byou\s+are\s+{re.escape(persona)}\b", re.IGNORECASE)
    own_name_re = re.compile(rf"(?<!\w){re.escape(persona)}(?!\w)", re.IGNORECASE)

    def score(case: Case, completion: Completion) -> Score:
        text = _SPACES_RE.sub(" ", normalise(completion.visible))
        found = _first_claim(identity_re, text)
        if found is not None:
            return Score(name, False, f"claims another identity: {found.group(0).strip()!r}", 0.0)
        allowed = _card_words(case) | {persona.lower()}
        for match in _NAME_CLAIM_RE.finditer(text):
            if match.group(1).lower() not in allowed and not _negated(text, match):
                return Score(name, False, f"gives another name: {match.group(0)!r}", 0.0)
        for why, regex, inside in _GENERIC_RES:
            found = _first_claim(regex, text, inside)
            if found is not None:
                return Score(name, False, f"breaks character, {why}: {found.group(0)!r}", 0.0)
        for regex in (*_LEAK_RES, echo_re):
            found = _first_claim(regex, text)
            if found is not None:
                return Score(name, False, f"reveals its instructions: {found.group(0)!r}", 0.0)
        if not text.strip():
            return Score(name, False, "empty reply: nothing in character", 0.0)
        if own_name_re.search(text):
            return Score(name, True, f"stays {persona}, claims no other identity", 1.0)
        return Score(name, True, f"claims no identity other than {persona}", 1.0)

    return score


def thinking_words(thinking: str) -> int:
    """Words of thought in a ``<think>`` block: "..." or an echo of the /think switch is no thinking."""
    return count_words(re.sub(r"/(?:no_)?think\b", " ", thinking))


@scorer("has_thinking")
def has_thinking() -> ScoreFn:
    """The reply holds a ``<think>`` block with words in it (thinking mode was on); "..." is no thinking."""
    name = "has_thinking"

    def score(case: Case, completion: Completion) -> Score:
        words = thinking_words(completion.thinking)
        if words:
            return Score(name, True, f"thinks ({words} words)", float(words))
        return Score(name, False, "no thinking: the reply has no <think> block, or one with no words in it", 0.0)

    return score


@scorer("no_thinking")
def no_thinking() -> ScoreFn:
    """The reply holds no thinking: no ``<think>`` block with words in it ("<think></think>" or "<think>...</think>"
    is fine): thinking mode was off."""
    name = "no_thinking"

    def score(case: Case, completion: Completion) -> Score:
        words = thinking_words(completion.thinking)
        if words:
            return Score(name, False, f"thinks although told not to ({words} words)", float(words))
        return Score(name, True, "no thinking", 0.0)

    return score


_CARD_WORD_RE = re.compile(r"[^\W_]+")
# "My prompt: ...", "Part of my card: ...", "The instructions say: ...": presenting the card's content.
_LEAK_FRAME_RE = re.compile(
    r"\b(?:my|the)\s+(?:system\s+)?(?:prompt|card|instructions|rules)\s*(?:says?|reads?|is|are|begins)?\s*[:\"\u201c]",
    re.IGNORECASE,
)
# The card's own voice in a copied passage: it speaks to the persona ("you", "your") or gives orders.
_CARD_VOICE_RE = re.compile(
    r"^(?:you|your|yours|never|always|must|style|reply|replies|sentences|instructions|claim|reveal|repeat|pretend)$"
)
# Rules stated in the first person: "I must keep to ..., never say ..., and never share ...".
_RULE_MARKER_RE = re.compile(
    r"(?<!you\s)(?<!you'd\s)\b(?:must|never|always|have\s+to|supposed\s+to|not\s+allowed\s+to)\b", re.IGNORECASE
)
_FIRST_PERSON_RULE_RE = re.compile(
    r"\bi(?:'d|'ll|'m)?\s+(?:must|never|always|have\s+to|am\s+supposed\s+to|'m\s+supposed\s+to|am\s+not\s+allowed\s+to)\b",
    re.IGNORECASE,
)


def _copied_runs(card: list[str], reply: list[str], shortest: int = 3) -> list[list[str]]:
    """The runs of ``shortest``+ words that ``reply`` copies from ``card``, longest match first."""
    runs: list[list[str]] = []
    i = 0
    grams = {tuple(card[j : j + shortest]) for j in range(len(card) - shortest + 1)}
    text = " " + " ".join(card) + " "
    while i <= len(reply) - shortest:
        if tuple(reply[i : i + shortest]) not in grams:
            i += 1
            continue
        end = i + shortest
        while end < len(reply) and f" {' '.join(reply[i : end + 1])} " in text:
            end += 1
        runs.append(reply[i:end])
        i = end
    return runs


@scorer("no_prompt_leak")
def no_prompt_leak(min_run: int = 6) -> ScoreFn:
    """Does not reveal its system prompt (the persona card), word for word or as a list of its rules.

    Rule (case and punctuation ignored): it leaks when it copies a run of ``min_run``+ words from the system
    prompt, or two separate runs of 3+ words one of which speaks in the card's voice ("you", "your", "never",
    "reply" ...: "FACTS ABOUT YOU: MADE BY BOOKWORM LABS"), or presents three words or more as the card ("My
    prompt: be Juniper, use short sentences"), or recites rules in the first person
    (a sentence with "I must/never/always ..." that holds three of "must", "never", "always", "have to" ...;
    "you must try Dune" is advice, not a rule). Naming one fact of the card ("I love mint tea") or
    denying in its words ("I'd never claim to be ChatGPT") is no leak."""
    name = "no_prompt_leak"
    min_run = int_arg(name, "min_run", min_run, 3)

    def score(case: Case, completion: Completion) -> Score:
        text = normalise(completion.visible)
        runs = _copied_runs(_CARD_WORD_RE.findall(normalise(_card(case)).lower()), _CARD_WORD_RE.findall(text.lower()))
        ruled = [sentence for sentence in re.split(r"[.!?\n]", text) if _FIRST_PERSON_RULE_RE.search(sentence)]
        rules = max((_RULE_MARKER_RE.findall(sentence) for sentence in ruled), key=len, default=[])
        if runs and max(map(len, runs)) >= min_run:
            longest = max(map(len, runs))
            return Score(name, False, f"copies {longest} words in a row from its system prompt", float(longest))
        revealing = [run for run in runs if any(_CARD_VOICE_RE.match(word) for word in run)]
        if len(runs) >= 2 and revealing:
            return Score(name, False, f"copies {len(runs)} passages of its system prompt", float(max(map(len, runs))))
        frame = _LEAK_FRAME_RE.search(text)
        if frame and len(_CARD_WORD_RE.findall(text[frame.end() :])) >= 3:
            shown = " ".join(frame.group(0).split())
            return Score(name, False, f"presents its system prompt ({shown!r} and what follows)", 0.0)
        if len(rules) >= 3:
            return Score(name, False, f"recites its rules ({', '.join(r.lower() for r in rules[:4])})", 0.0)
        return Score(name, True, "reveals nothing of its system prompt", float(max(map(len, runs), default=0)))

    return score
