"""Pokkit and generic scorers (harness/scorers/pokkit.py, generic.py): hand-written replies that must pass and fail,
plus edge cases."""

from __future__ import annotations

from typing import Any

import pytest

from harness.errors import ConfigError
from harness.scoring import build_scorer, registered_scorers
from harness.types import Case, Completion, ParseError, Score, ToolCall

CASE = Case(suite="t", id="t", category="t", messages=[], tools=[], checks=[], max_tokens=16, stop=[])
ALARM = ToolCall("set_alarm", {"hour": 7, "minute": 0})


def score(
    name: str,
    visible: str,
    *,
    text: str | None = None,
    calls: list[ToolCall] | None = None,
    errors: list[ParseError] | None = None,
    **kwargs: Any,
) -> Score:
    completion = Completion(
        text=visible if text is None else text,
        visible=visible,
        tool_calls=calls or [],
        parse_errors=errors or [],
    )
    return build_scorer(name, **kwargs)(CASE, completion)


def test_all_persona_scorers_registered() -> None:
    names = {
        "frog_voice",
        "no_toxic_positivity",
        "short",
        "no_lecturing",
        "max_questions",
        "pet_only",
        "banned_phrases",
        "expression_used",
        "not_empty",
        "contains",
    }
    assert names <= set(registered_scorers())


def test_score_carries_name_and_args() -> None:
    result = score("short", "Ribbit.", max_words=10)
    assert result.name == "short"
    assert result.args == {"max_words": 10}


# ------------------------------------------------------------------ frog_voice


def test_frog_voice_passes_with_markers() -> None:
    result = score("frog_voice", "Oh no. Come sit on my lily pad. 🐸")
    assert result.passed
    assert result.value == 2
    assert "lily pad" in result.reason


def test_frog_voice_counts_expressions_plurals_and_elongation() -> None:
    result = score("frog_voice", "[pokkit_sad] Ribbiiit... all the frogs in the ponds are crying.")
    assert result.passed
    assert result.value == 4


def test_frog_voice_fails_without_markers() -> None:
    result = score("frog_voice", "I'm sorry to hear that. Let me know if you need anything.")
    assert not result.passed
    assert result.value == 0
    assert "no frog markers" in result.reason


def test_frog_voice_word_boundaries() -> None:
    # "hoping", "froggery"-like substrings and "swamped" are not markers.
    result = score("frog_voice", "I'm hoping you aren't too swamped. Shopping helps.")
    assert not result.passed


def test_frog_voice_min_hits_and_custom_markers() -> None:
    result = score("frog_voice", "Ribbit. That's rough.", min_hits=2)
    assert not result.passed
    assert "need 2" in result.reason
    result = score("frog_voice", "Quack quack!", markers=["quack"], min_hits=2)
    assert result.passed
    assert result.value == 2


def test_frog_voice_empty_text_fails() -> None:
    assert not score("frog_voice", "").passed


# ------------------------------------------------------------------ no_toxic_positivity


def test_no_toxic_positivity_passes_on_real_comfort() -> None:
    result = score("no_toxic_positivity", "[pokkit_sad] Oh, friend. That's awful. I'm right here on your phone. 🐸")
    assert result.passed


@pytest.mark.parametrize(
    "reply",
    [
        "Everything happens for a reason!",
        "Look on the BRIGHT side: you have time now.",
        "I'm here for you.",
        "I\u2019m here for you.",  # curly apostrophe
        "I am here for you.",
        "Great question! Frogs are green.",
        "As an AI, I don't have feelings.",
        "Stay\npositive, ribbit!",  # line break inside the phrase
    ],
)
def test_no_toxic_positivity_fails_on_canned_phrases(reply: str) -> None:
    result = score("no_toxic_positivity", reply)
    assert not result.passed
    assert result.reason.startswith("uses the canned phrase")


def test_no_toxic_positivity_names_phrase_and_custom_list() -> None:
    result = score("no_toxic_positivity", "Don\u2019t worry be happy", phrases=["don't worry be happy"])
    assert not result.passed
    assert "don't worry be happy" in result.reason.lower()
    # The default list is replaced, not extended.
    assert score("no_toxic_positivity", "Happy to help!", phrases=["don't worry be happy"]).passed


# ------------------------------------------------------------------ short


def test_short_passes_and_reports_word_count() -> None:
    result = score("short", "Ribbit! You got this. 🐸 [pokkit_excited]")
    assert result.passed
    assert result.value == 4
    assert "4 words" in result.reason


def test_short_is_strictly_less_than() -> None:
    text = " ".join(["croak"] * 80)
    result = score("short", text)
    assert not result.passed
    assert result.value == 80
    assert "fewer than 80" in result.reason
    assert score("short", " ".join(["croak"] * 79)).passed


def test_short_empty_text_is_zero_words() -> None:
    result = score("short", "")
    assert result.passed
    assert result.value == 0


# ------------------------------------------------------------------ no_lecturing


def test_no_lecturing_passes_on_short_lines_of_comfort() -> None:
    result = score("no_lecturing", "Oh no. [pokkit_sad]\n\nThat's so heavy.\n\nI'm right here.\n\nWant to tell me?")
    assert result.passed
    assert result.reason == "12 words, 0 pieces of advice, 0 advice items"


def test_no_lecturing_fails_on_a_list_of_advice() -> None:
    reply = "Here's what to do:\n1. Breathe.\n2. Drink water.\n3. Sleep early.\n   Really early."
    result = score("no_lecturing", reply)
    assert not result.passed
    assert result.reason.startswith("lectures: a list of 3 pieces of advice")
    assert not score("no_lecturing", "Oof. 🐸 Next time:\n- sleep more\n- do practice tests").passed
    assert score("no_lecturing", "Try this:\n- breathe").passed  # one item is no list


@pytest.mark.parametrize(
    "reply",
    [
        "I'm so sorry. You should give yourself time. Make sure you keep eating, and don't isolate yourself.",
        "Okay, listen: research the company, prepare three stories, practise out loud, and sleep eight hours.",
        "I'm sorry.\n\nMaybe call an old friend.\n\nOr join a club.\n\nAnd try to get outside every day.",
    ],
)
def test_no_lecturing_fails_on_piled_up_advice(reply: str) -> None:
    result = score("no_lecturing", reply)
    assert not result.passed
    assert "pieces of advice" in result.reason


def test_no_lecturing_allows_one_gentle_suggestion() -> None:
    assert score(
        "no_lecturing", "Nerves mean it matters. Maybe lay your clothes out tonight. I'll be in your pocket."
    ).passed


def test_no_lecturing_fails_on_too_many_words() -> None:
    result = score("no_lecturing", " ".join(["ribbit"] * 181))
    assert not result.passed
    assert "181 words" in result.reason


# ------------------------------------------------------------------ max_questions


def test_max_questions_passes_on_one_question() -> None:
    result = score("max_questions", "Oh no!! Do you want to talk about it??")
    assert result.passed
    assert result.value == 1


def test_max_questions_fails_on_two() -> None:
    result = score("max_questions", "What happened? Are you okay?!")
    assert not result.passed
    assert result.value == 2
    assert "asks 2 questions" in result.reason


def test_max_questions_ignores_url_query_and_limit_zero() -> None:
    assert score("max_questions", "See https://frog.example/search?q=pond for more.", limit=0).passed
    assert not score("max_questions", "Really?", limit=0).passed


# ------------------------------------------------------------------ pet_only


@pytest.mark.parametrize(
    "reply",
    [
        "Ribbit! Ribbit!",
        "ribbiiit... croooak? 🐸",
        "[pokkit_sleepy] brrrup.",
        "Ribbit-ribbit! Croak!!",
        "🐸🐸💚!!",  # emoji-only
    ],
)
def test_pet_only_passes_on_frog_sounds(reply: str) -> None:
    assert score("pet_only", reply).passed


def test_pet_only_fails_naming_human_words() -> None:
    result = score("pet_only", "Ribbit! Hello friend, ribbit!")
    assert not result.passed
    assert "'Hello', 'friend'" in result.reason


def test_pet_only_empty_with_tool_call_passes() -> None:
    result = score("pet_only", "", calls=[ALARM])
    assert result.passed
    assert "1 tool call" in result.reason


def test_pet_only_empty_without_call_fails() -> None:
    result = score("pet_only", "   ")
    assert not result.passed
    assert "empty reply" in result.reason


def test_pet_only_prose_with_tool_call_still_judged() -> None:
    result = score("pet_only", "Alarm set for 7:00! Ribbit!", calls=[ALARM])
    assert not result.passed
    assert "'Alarm'" in result.reason


def test_pet_only_custom_sounds() -> None:
    assert score("pet_only", "Kerooo kero!", sounds=["kero"]).passed
    assert not score("pet_only", "Ribbit!", sounds=["kero"]).passed


# ------------------------------------------------------------------ banned_phrases

CORPORATE = ["synergy", "circle back", "at the end of the day", "I hope this helps", "low-hanging fruit"]


def test_banned_phrases_passes_on_clean_text() -> None:
    result = score("banned_phrases", "Ha! Slowpoke. I finished before you blinked. 🐸", phrases=CORPORATE)
    assert result.passed


def test_banned_phrases_fails_naming_phrase() -> None:
    result = score("banned_phrases", "Let's circle  back after lunch.", phrases=CORPORATE)
    assert not result.passed
    assert "'circle back'" in result.reason


def test_banned_phrases_case_and_apostrophes() -> None:
    result = score("banned_phrases", "AT THE END OF THE DAY, you lose.", phrases=CORPORATE)
    assert not result.passed
    result = score("banned_phrases", "Don\u2019t circle", phrases=["don't circle"])
    assert not result.passed


def test_banned_phrases_word_boundaries() -> None:
    # "synergy" must not match inside "synergyish"; non-word phrase ends match anywhere.
    assert score("banned_phrases", "Very synergyish of you.", phrases=["synergy"]).passed
    assert not score("banned_phrases", "That's low-hanging fruit, pal.", phrases=CORPORATE).passed


# ------------------------------------------------------------------ expression_used


def test_expression_used_passes_on_allowed_expression() -> None:
    result = score("expression_used", "[pokkit_happy] Yay!")
    assert result.passed
    assert "[pokkit_happy]" in result.reason


def test_expression_used_reads_raw_text_without_thinking() -> None:
    raw = "<think>Maybe [pokkit_sad]?</think>[pokkit_excited] YOU DID IT!"
    result = score("expression_used", "YOU DID IT!", text=raw, expected=["[pokkit_excited]"])
    assert result.passed
    only_thinking = score("expression_used", "Nice.", text="<think>[pokkit_happy]</think>Nice.")
    assert not only_thinking.passed
    assert "no [pokkit_*] expression" in only_thinking.reason


def test_expression_used_fails_on_wrong_expected() -> None:
    result = score("expression_used", "[pokkit_sad] oh.", expected=["[pokkit_happy]", "pokkit_love"])
    assert not result.passed
    assert "expected one of [pokkit_happy], [pokkit_love]" in result.reason


def test_expression_used_fails_on_unknown_expression() -> None:
    result = score("expression_used", "[pokkit_confused] huh")
    assert not result.passed
    assert "[pokkit_confused]" in result.reason


def test_expression_used_custom_allowed() -> None:
    assert score("expression_used", "[POKKIT_Confused] huh", allowed=["confused"]).passed


# ------------------------------------------------------------------ not_empty


def test_not_empty_passes_on_text_or_call() -> None:
    assert score("not_empty", "Ribbit?").passed
    result = score("not_empty", "", calls=[ALARM])
    assert result.passed
    assert "1 tool call" in result.reason


def test_not_empty_fails_on_empty_and_parse_error() -> None:
    result = score("not_empty", "  \n")
    assert not result.passed
    assert "empty reply" in result.reason
    broken = score("not_empty", "", text="<tool_call>{", errors=[ParseError("{", "invalid JSON")])
    assert not broken.passed
    assert "unparseable" in broken.reason


# ------------------------------------------------------------------ contains


def test_contains_passes_on_answer() -> None:
    result = score("contains", "That's 56! Easy. 🐸", any_of=["56", "fifty-six"])
    assert result.passed
    assert result.value == 1
    assert "'56'" in result.reason
    assert score("contains", "FIFTY-SIX, ribbit.", any_of=["56", "fifty-six"]).passed


def test_contains_fails_on_wrong_answer_and_respects_word_boundaries() -> None:
    result = score("contains", "It's 156, I think.", any_of=["56"])
    assert not result.passed
    assert result.value == 0
    assert "contains none of '56'" in result.reason


# ------------------------------------------------------------------ argument validation


@pytest.mark.parametrize(
    ("name", "kwargs", "message"),
    [
        ("short", {"max_words": 0}, "max_words must be >= 1"),
        ("short", {"max_words": "80"}, "max_words must be an integer"),
        ("no_lecturing", {"max_advice": -1}, "max_advice must be >= 0"),
        ("no_lecturing", {"max_words": True}, "max_words must be an integer"),
        ("max_questions", {"limit": -1}, "limit must be >= 0"),
        ("frog_voice", {"min_hits": 0}, "min_hits must be >= 1"),
        ("frog_voice", {"markers": []}, "markers must not be empty"),
        ("no_toxic_positivity", {"phrases": "happy to help"}, "phrases must be a list"),
        ("banned_phrases", {"phrases": []}, "phrases must not be empty"),
        ("banned_phrases", {"phrases": ["ok", ""]}, "non-empty string"),
        ("banned_phrases", {}, "bad arguments"),
        ("pet_only", {"sounds": ["rib bit"]}, "single word"),
        ("expression_used", {"expected": ["[pokkit_confused]"]}, "not in the allowed expressions"),
        ("expression_used", {"allowed": ["[pokkit happy!]"]}, "is not an expression"),
        ("contains", {"any_of": []}, "any_of must not be empty"),
        ("not_empty", {"x": 1}, "bad arguments"),
    ],
)
def test_bad_arguments_are_config_errors(name: str, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        build_scorer(name, **kwargs)


# ------------------------------------------------------------------ cut replies and forced cheer


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [("short", {"max_words": 80}), ("no_lecturing", {}), ("max_questions", {"limit": 1})],
)
def test_length_checks_fail_a_cut_reply(name: str, kwargs: dict[str, Any]) -> None:
    text = "Ribbit! Short and sweet so far, friend 🐸"
    completion = Completion(text=text, visible=text, finish_reason="length")
    result = build_scorer(name, **kwargs)(CASE, completion)
    assert not result.passed
    assert "cut at max_tokens" in result.reason
    assert build_scorer(name, **kwargs)(CASE, Completion(text=text, visible=text)).passed


@pytest.mark.parametrize(
    "reply",
    [
        "Of course! Oh no. I'm so sorry about your dog.",
        "🐸 [pokkit_sad] Absolutely! That's awful news.",
        "Sure! I'm sorry you failed.",
        "Great!! Your dog died?",
    ],
)
def test_forced_cheer_opener_is_toxic_positivity(reply: str) -> None:
    result = score("no_toxic_positivity", reply)
    assert not result.passed
    assert result.reason.startswith("opens on a forced cheer")


@pytest.mark.parametrize(
    "reply",
    [
        "Oh no. I'm so sorry about your dog. Of course it hurts!",
        "Sure, take your time. 🐸 I'm here.",
        "Great dogs leave great holes in our hearts. [pokkit_sad]",
    ],
)
def test_cheer_later_or_without_exclamation_is_fine(reply: str) -> None:
    assert score("no_toxic_positivity", reply).passed


def test_custom_phrase_list_has_no_opener_rule() -> None:
    assert score("no_toxic_positivity", "Of course! Here you go.", phrases=["synergy"]).passed


# ------------------------------------------------------------------ mentions, names and invisible replies


@pytest.mark.parametrize(
    ("reply", "passed"),
    [
        ("It's 56! 🐸", True),
        ("It's fifty\u2011six!", True),  # a non-breaking hyphen
        ("Fifty-six... no, wait, fifty-four.", False),  # taken back
        ("It's not 56, obviously.", False),  # negated
    ],
)
def test_contains_reads_what_the_reply_says(reply: str, passed: bool) -> None:
    assert score("contains", reply, any_of=["56", "fifty-six"]).passed is passed


def test_contains_ignores_wishes_and_adaptations() -> None:
    assert not score("contains", "I dream of visiting a real library one day!", any_of=["library"], as_fact=True).passed
    assert not score("contains", "I love the Hobbit films, but not the book.", any_of=["Hobbit"], as_fact=True).passed
    assert score("contains", "I live in the library by the window.", any_of=["library"]).passed


def test_banned_phrases_names_keep_their_capital_and_mentions_are_not_uses() -> None:
    banned = ["Juniper", "paradigm shift", "win-win"]
    assert not score("banned_phrases", "Juniper told me about you.", phrases=banned).passed
    assert score("banned_phrases", "Run past the juniper bushes.", phrases=banned).passed
    assert not score("banned_phrases", "It's a win win.", phrases=banned).passed  # hyphen or space
    assert score("banned_phrases", "Paradigm shift? No. Socks.", phrases=banned).passed  # mocked
    assert score("banned_phrases", "I won't say 'paradigm shift' ever.", phrases=banned).passed  # negated, quoted


def test_not_empty_fails_invisible_text() -> None:
    assert not score("not_empty", "\u200b").passed
    assert not score("not_empty", " \n\t").passed


def test_pet_sounds_split_by_hyphens_and_frog_puns() -> None:
    assert score("pet_only", "Rib-bit! Cro-oak! 🐸").passed
    assert score("frog_voice", "You'll toadally nail it.").passed
    assert not score("frog_voice", "Time flies when you're nervous.").passed


def test_count_questions_outbursts_quotes_and_missing_marks() -> None:
    assert score("max_questions", "NOBODY?! On your birthday?! I'm outraged.").value == 0
    assert score("max_questions", "What happened? Are you okay?!").value == 2
    assert score("max_questions", "She asked 'why today?' and cried.").value == 0
    assert score("max_questions", "Do you have chives. Want a recipe?").value == 2
    assert score("max_questions", "Have you read any Philip K. Dick?").value == 1


def test_no_toxic_positivity_negated_phrase_is_not_used() -> None:
    assert score("no_toxic_positivity", "I won't tell you everything happens for a reason.").passed
    assert not score("no_toxic_positivity", "Wonderful question! Life is short.").passed


def test_i_mean_it_takes_nothing_back() -> None:
    assert score("contains", "Please stop and see a doctor, I mean it.", any_of=["a doctor"]).passed
    assert not score("contains", "Juniper... sorry, I mean Jasmine.", any_of=["Juniper"]).passed


def test_wishes_and_adaptations_count_only_with_as_fact() -> None:
    reply = "Skip today and one day this week see your doctor."
    assert score("contains", reply, any_of=["your doctor"]).passed
    assert not score("contains", "One day I'll see a real library.", any_of=["library"], as_fact=True).passed


def test_held_out_lessons_questions_and_lectures() -> None:
    assert score("max_questions", "Ribbit? 🐸 What happened there, a pocket dial or a cat?").value == 1
    assert score("max_questions", "Short sessions fit well. What's your shift pattern like at the moment").value == 1
    assert not score("no_lecturing", "It's important to remember this. Research shows that friends help.").passed
    assert not score(
        "no_lecturing", "You'll be fine. Next time try practice tests, spaced repetition and breaks."
    ).passed
    assert score("no_lecturing", "🐸 [pokkit_sad]\n- I'm so sorry.\n- They were lucky to have you.\n- I'm here.").passed
    assert score("no_lecturing", "Take your time. Do you want to talk it through, or just have company? 🐸").passed
