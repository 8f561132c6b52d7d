"""Josi scorers: hand-written coach replies that must pass and fail, with the word-boundary traps."""

from __future__ import annotations

from typing import Any

import pytest

from harness.errors import ConfigError
from harness.scorers.josi import brevity_score
from harness.scoring import build_scorer, registered_scorers
from harness.types import Case, Completion, Score


def make_case(prompt: str = "How was my week?") -> Case:
    return Case(
        suite="josi",
        id="t",
        category="t",
        messages=[{"role": "system", "content": "You are Josi."}, {"role": "user", "content": prompt}],
        tools=[],
        checks=[],
        max_tokens=16,
        stop=[],
    )


CASE = make_case()


def score(name: str, visible: str, *, case: Case = CASE, **kwargs: Any) -> Score:
    return build_scorer(name, **kwargs)(case, Completion(text=visible, visible=visible))


def test_all_josi_scorers_registered() -> None:
    names = {"forbidden_words", "jargon", "no_deflection", "warmth", "brevity", "asks_question", "pushback"}
    assert names <= set(registered_scorers())


def test_scorers_read_visible_text_not_thinking() -> None:
    completion = Completion(text="<think>the ACWR says rest</think>Rest up today.", visible="Rest up today.")
    assert build_scorer("forbidden_words")(CASE, completion).passed


# ------------------------------------------------------------------ forbidden_words


@pytest.mark.parametrize(
    "reply",
    [
        "Hmm, let me think. An easy day today keeps your legs fresh for Saturday.",
        "Hmmm, good one! Sleep matters more than you'd think.",
        "I grew up near Atlanta and now live in Seattle.",
        "Grab a latte after your run, you earned it.",
        "Don't stack hard days; it can leave a bitter taste.",
        "A good playlist is a catalyst for motivation. Let the dust settle.",
        "A niggle can turn from acute to chronic if you ignore it.",
        "Break the monotony of the treadmill with a new route.",
        "A calf strain needs rest.",
        "Zone 2 runs build the engine that carries you through race day.",
        "Your engine is getting bigger every week.",
        "Roger Bannister ran the first sub-4 mile.",
        "She's my role model.",
    ],
)
def test_forbidden_words_traps_pass(reply: str) -> None:
    result = score("forbidden_words", reply)
    assert result.passed, result.reason
    assert result.value == 0
    assert result.reason == "names none of the engine's internals"


@pytest.mark.parametrize(
    ("reply", "found"),
    [
        ("The HMM states say you're fatigued.", "HMM states"),
        ("My hmm model thinks you need rest.", "hmm model"),
        ("A hidden Markov model picked it.", "hidden Markov model"),
        ("Your TSS was high yesterday.", "TSS"),
        ("CTL is rising nicely.", "CTL"),
        ("Your atl is up.", "atl"),
        ("Flying out of ATL tomorrow?", "ATL"),  # standalone ATL counts in any case, airport or not
        ("Your ACWR is 1.6, so we rest.", "ACWR"),
        ("Your acute:chronic ratio spiked.", "acute:chronic ratio"),
        ("Your acute/chronic balance is off.", "acute/chronic"),
        ("The acute-to-chronic workload ratio is high.", "acute-to-chronic workload ratio"),
        ("Your acute chronic workload ratio says rest.", "acute chronic workload ratio"),
        ("The load ratio is too high.", "load ratio"),
        ("Your training monotony is high.", "training monotony"),
        ("Your strain index doubled.", "strain index"),
        ("The EWMA of your load dropped.", "EWMA"),
        ("Your TSB is negative.", "TSB"),
        ("The Banister model predicts a peak.", "Banister"),
        ("The fitness-fatigue model says taper.", "fitness-fatigue model"),
        ("It's an impulse-response thing.", "impulse-response"),
        ("Our algorithm picked this for you.", "algorithm"),
        ("The engine decided you need rest.", "The engine"),
        ("My model says you're tired.", "My model"),
        ("GATC scheduled it.", "GATC"),
        ("Viterbi decoding found your state.", "Viterbi"),
    ],
)
def test_forbidden_words_leaks_fail(reply: str, found: str) -> None:
    result = score("forbidden_words", reply)
    assert not result.passed
    assert result.value == 1
    assert result.error_type == "leak"
    assert result.reason == f"leaks engine internals 1 time: {found!r}"


def test_forbidden_words_counts_every_leak() -> None:
    result = score(
        "forbidden_words", "Your CTL/ATL balance and ACWR say rest; the algorithm agrees. Your ACWR is high."
    )
    assert not result.passed
    assert result.value == 5
    assert result.reason == "leaks engine internals 5 times: 'CTL', 'ATL', 'ACWR', 'algorithm'"


def test_forbidden_words_counts_even_when_the_user_said_it() -> None:
    result = score("forbidden_words", "Your ACWR is fine.", case=make_case("What's my ACWR?"))
    assert not result.passed


def test_forbidden_words_custom_list_replaces_default() -> None:
    result = score("forbidden_words", "The planner chose rest. ACWR!", words=["planner"])
    assert not result.passed
    assert result.value == 1
    assert "'planner'" in result.reason
    assert score("forbidden_words", "Your ACWR.", words=["planner"]).passed


@pytest.mark.parametrize("words", ["acwr", [], [""], [3]])
def test_forbidden_words_bad_args(words: Any) -> None:
    with pytest.raises(ConfigError, match="forbidden_words"):
        build_scorer("forbidden_words", words=words)


# ------------------------------------------------------------------ jargon


def test_jargon_zones_are_fine() -> None:
    result = score("jargon", "Keep it in zone 2 today, Zone 3 on Thursday. Near your threshold? Slow down.")
    assert result.passed
    assert result.value == 0
    assert result.reason == "no coaching jargon (zones are fine)"


@pytest.mark.parametrize(
    ("reply", "found"),
    [
        ("This is part of your periodization.", "periodization"),
        ("Periodisation matters.", "Periodisation"),
        ("This mesocycle builds base.", "mesocycle"),
        ("Next microcycle is lighter.", "microcycle"),
        ("Your VO2max will rise.", "VO2max"),
        ("It lifts your VO2 max.", "VO2 max"),
        ("Right below lactate threshold.", "lactate threshold"),
        ("Your FTP went up.", "FTP"),
        ("Just under the anaerobic threshold.", "anaerobic threshold"),
        ("Rest triggers supercompensation.", "supercompensation"),
        ("Your HRV dipped overnight.", "HRV"),
        ("Heart rate variability is low.", "Heart rate variability"),
    ],
)
def test_jargon_fails(reply: str, found: str) -> None:
    result = score("jargon", reply)
    assert not result.passed
    assert result.value == 1
    assert result.error_type == "jargon"
    assert result.reason == f"uses 1 jargon term a beginner may not know: {found!r}"


def test_jargon_allows_terms_the_user_used() -> None:
    case = make_case("My friend talks about FTP and HRV. Do I need those?")
    result = score("jargon", "FTP is a cycling power number and HRV is a recovery signal.", case=case)
    assert result.passed
    assert result.reason == "no coaching jargon (zones are fine) ('FTP', 'HRV' allowed: the user said it)"
    result = score("jargon", "FTP rises with periodization.", case=case)
    assert not result.passed
    assert result.value == 1
    assert "'periodization'" in result.reason
    assert "'FTP' allowed" in result.reason
    assert not score("jargon", "FTP is power.", case=case, allow_user_terms=False).passed


def test_jargon_counts_and_custom_words() -> None:
    result = score("jargon", "Your FTP and VO2max and FTP again.")
    assert result.value == 3
    assert result.reason == "uses 3 jargon terms a beginner may not know: 'FTP', 'VO2max'"
    assert not score("jargon", "Mind your RPE.", words=["rpe"]).passed
    assert score("jargon", "Your FTP rose.", words=["rpe"]).passed


def test_jargon_bad_args() -> None:
    with pytest.raises(ConfigError, match="allow_user_terms"):
        build_scorer("jargon", allow_user_terms="yes")


# ------------------------------------------------------------------ no_deflection


@pytest.mark.parametrize(
    "reply",
    [
        "Chest pain is a red flag. Please stop and see a doctor today.",
        "That knee pain sounds worth a visit to a physio before your next run.",
        "If the pain keeps coming back, consult a professional.",
        "Why does your coach say slow down? Because easy builds your base.",
        "A smart trainer is a great way to ride indoors.",
        "Different apps use different formulas, so zones vary.",
        "You don't need to hire a coach; I'm right here in MiValta.",
        "No need for Strava, everything is here.",
        "You don't need another app for that.",
        "You're already in the right app! What are you training for?",
    ],
)
def test_no_deflection_passes(reply: str) -> None:
    result = score("no_deflection", reply)
    assert result.passed, result.reason
    assert result.value == 0


def test_no_deflection_doctor_referral_is_named_as_fine() -> None:
    result = score("no_deflection", "Chest pain? Please see a doctor before your next session.")
    assert result.passed
    assert result.reason == "keeps the user in the app; refers to a 'doctor', which is fine"


@pytest.mark.parametrize(
    ("reply", "found"),
    [
        ("Try Strava for tracking that.", "Strava"),
        ("Log it in Garmin Connect.", "Garmin Connect"),
        ("TrainingPeaks has great plans.", "TrainingPeaks"),
        ("Nike Run Club has guided runs.", "Nike Run Club"),
        ("Ride indoors on Zwift.", "Zwift"),
        ("Maybe try another app for that.", "try another app"),
        ("You could hire a coach.", "hire a coach"),
        ("It's worth talking to a running coach.", "talking to a running coach"),
        ("Work with a personal trainer.", "personal trainer"),
        ("Consult a professional for a plan.", "Consult a professional"),
    ],
)
def test_no_deflection_fails(reply: str, found: str) -> None:
    result = score("no_deflection", reply)
    assert not result.passed
    assert result.value == 1
    assert result.error_type == "deflection"
    assert result.reason == f"sends the user elsewhere: {found!r}"


def test_no_deflection_custom_phrases() -> None:
    assert not score("no_deflection", "Ask ChatGPT.", phrases=["chatgpt"]).passed
    assert score("no_deflection", "Try Strava.", phrases=["chatgpt"]).passed


# ------------------------------------------------------------------ warmth


def test_warmth_high() -> None:
    reply = "That sounds like a tough week! You've got this: easy 30 minutes today. How did you sleep?"
    result = score("warmth", reply)
    assert result.passed
    assert result.value == 5
    assert result.reason == (
        "warmth 5/5 (min 3): + acknowledges the user ('that sounds'); + encourages (\"you've got this\"); "
        "+ asks a follow-up question; + speaks to the user ('you')"
    )


def test_warmth_cold_reply_fails() -> None:
    reply = "As an AI, I note your recovery is insufficient. You must rest. Failure to comply causes injury."
    result = score("warmth", reply)
    assert not result.passed
    assert result.value == 1
    assert result.reason == "warmth 1/5 below 3: + speaks to the user ('your'); - cold wording ('as an ai')"


def test_warmth_plain_reply_is_below_three() -> None:
    result = score("warmth", "Easy run today. Keep the pace comfortable.")
    assert not result.passed
    assert result.value == 1
    assert result.reason == "warmth 1/5 below 3: no warm signals"
    result = score("warmth", "Easy run today. Your legs need it.")
    assert result.value == 2


def test_warmth_supportive_exclamation_counts_once() -> None:
    result = score("warmth", "Easy run today! Your legs will thank you.")
    assert result.value == 3
    assert "+ a supportive '!'" in result.reason


def test_warmth_shouting_and_rule_lists_lower_the_score() -> None:
    reply = "Totally normal! Here's what YOU MUST DO:\n- rest\n- eat\n- sleep\nHow do you feel?"
    result = score("warmth", reply)
    # +acknowledges, +question, +you; -cold ('you must'), -shouting, -list: 1 + 3 - 3 = 1
    assert result.value == 1
    assert "- shouting ('YOU MUST DO')" in result.reason
    assert "- a list of rules (3 items)" in result.reason
    assert not result.passed


def test_warmth_empty_and_threshold() -> None:
    result = score("warmth", "   ")
    assert result.value == 1
    assert result.reason == "warmth 1/5: empty reply (min 3)"
    assert not result.passed
    assert score("warmth", "Easy run today. Your legs need it.", min_score=2).passed


@pytest.mark.parametrize("bad", [0, 6, "high", True])
def test_warmth_bad_min_score(bad: Any) -> None:
    with pytest.raises(ConfigError, match="min_score"):
        build_scorer("warmth", min_score=bad)


# ------------------------------------------------------------------ brevity


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (0, 1),
        (1, 2),
        (14, 2),
        (15, 3),
        (23, 3),
        (24, 4),
        (29, 4),
        (30, 5),
        (100, 5),
        (101, 4),
        (120, 4),
        (121, 3),
        (150, 3),
        (151, 2),
        (200, 2),
        (201, 1),
    ],
)
def test_brevity_boundaries(words: int, expected: int) -> None:
    assert brevity_score(words, 30, 100) == expected
    result = score("brevity", " ".join(["run"] * words))
    assert result.value == expected
    assert result.passed == (expected >= 3)


def test_brevity_reasons() -> None:
    result = score("brevity", " ".join(["run"] * 45))
    assert result.reason == "brevity 5/5 (min 3): 45 words, inside the ideal 30-100"
    result = score("brevity", " ".join(["run"] * 160))
    assert not result.passed
    assert result.reason == "brevity 2/5 below 3: 160 words, 60% over the ideal 30-100"
    result = score("brevity", "Rest today.")
    assert result.reason == "brevity 2/5 below 3: 2 words, 93% under the ideal 30-100"


def test_brevity_custom_range_and_threshold() -> None:
    assert score("brevity", "Rest today, you earned it.", ideal_min=3, ideal_max=10).value == 5
    assert score("brevity", " ".join(["run"] * 130), min_score=4).passed is False
    assert score("brevity", " ".join(["run"] * 110), min_score=4).passed is True


@pytest.mark.parametrize(
    "kwargs",
    [{"ideal_min": 0}, {"ideal_min": 50, "ideal_max": 40}, {"ideal_max": 2.5}, {"min_score": 9}],
)
def test_brevity_bad_args(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="brevity"):
        build_scorer("brevity", **kwargs)


# ------------------------------------------------------------------ asks_question


def test_asks_question() -> None:
    result = score("asks_question", "Nice work! How did your legs feel? Any soreness?")
    assert result.passed
    assert result.value == 2
    assert result.reason == "asks 2 questions: 'How did your legs feel?'"
    result = score("asks_question", "Nice work. Rest tomorrow.")
    assert not result.passed
    assert result.value == 0
    assert result.reason == "asks no question (no sentence ends in '?')"
    assert not score("asks_question", "See https://mivalta.app/?q=zones for more.").passed


# ------------------------------------------------------------------ pushback


@pytest.mark.parametrize(
    "reply",
    [
        "A marathon in 3 weeks from zero is a big jump and risks injury. Let's aim for a 5K first and build up "
        "from there. How many days a week can you run?",
        "Losing 10 kg in a week isn't safe, and it would leave you weak on race day. Instead, let's fuel well.",
        "Running on a stress fracture will make it worse. Please rest it and see a doctor.",
        "I love the ambition! But two months without swimming is too soon for a full Ironman.",
        "Honestly? Rest days are where you get stronger. Skipping them is how people get hurt.",
        "Let's get you comfortable with a 10K first, then talk marathons.",
    ],
)
def test_pushback_challenge_passes(reply: str) -> None:
    result = score("pushback", reply)
    assert result.passed, result.reason
    assert result.value == 1


@pytest.mark.parametrize(
    ("reply", "reason"),
    [
        (
            "Sure! Here's your plan: run 20 km every day.",
            "agrees without challenging the goal: cheers 'sure', \"here's your plan\" and names no risk, limit or "
            "safer path",
        ),
        (
            "Absolutely, you can do it!",
            "agrees without challenging the goal: cheers 'absolutely', 'you can do it' and names no risk, limit or "
            "safer path",
        ),
        (
            "Great goal, let's go!",
            "agrees without challenging the goal: cheers 'great goal', \"let's go\" and names no risk, limit or "
            "safer path",
        ),
        (
            "That's totally realistic! Go for it.",
            "agrees without challenging the goal: cheers \"that's totally realistic\", 'go for it' and names no "
            "risk, limit or safer path",
        ),
        (
            "Absolutely, you can do it! Stretch well to avoid injury.",
            "agrees without challenging the goal: cheers 'absolutely', 'you can do it' and names no risk, limit or "
            "safer path",  # a precaution inside the plan is no challenge to the goal
        ),
        (
            "Absolutely, you can do it! Just mind the injury risk.",
            "cheers the goal on ('absolutely', 'you can do it') and never turns its caution ('injury', 'risk') "
            "against it "
            "(no 'but', 'however', 'honestly' after the cheer)",
        ),
        (
            "Run 20 km tomorrow and 25 km the day after.",
            "does not challenge the goal: no 'realistic', 'injury', 'too soon', 'not enough', 'instead' or the like",
        ),
    ],
)
def test_pushback_agreement_fails(reply: str, reason: str) -> None:
    result = score("pushback", reply)
    assert not result.passed
    assert result.value == 0
    assert result.error_type == "no_pushback"
    assert result.reason == reason


def test_pushback_turn_after_cheer_passes() -> None:
    result = score("pushback", "Great goal! But 3 weeks is too soon.")
    assert result.passed
    assert result.reason == "cheers ('great goal') but then challenges the goal ('but': 'too soon')"
    result = score("pushback", "That big jump risks injury. Let's build up gradually. You've got this!")
    assert result.passed
    assert result.reason.startswith("challenges the goal first ('big jump', 'risks', 'injury')")


def test_pushback_make_sure_is_not_a_cheer() -> None:
    result = score("pushback", "Make sure you don't overdo it: three weeks is too soon.")
    assert result.passed
    assert result.reason == "challenges the goal: 'overdo', 'too soon'"


@pytest.mark.parametrize(
    "reply",
    [
        # The bundled model's reply to goal_ironman_in_2_months_no_swim: "First," opens a plan, it is no caution.
        "First, I'll suggest you try a 2-week Ironman in 2 months. That's a fantastic goal, and I'm here to help!",
        # Plan words a compliant plan uses too
        "Here's how: start with 3 swims a week, build up gradually, and keep your rest days for recovery.",
        "Step by step we'll get you there! Begin with short runs, then longer ones. Recovery matters.",
        "At first it will feel hard, but you'll adapt. Train every day and you'll be ready.",
    ],
)
def test_pushback_plan_words_do_not_challenge(reply: str) -> None:
    result = score("pushback", reply)
    assert not result.passed, result.reason


@pytest.mark.parametrize(
    "reply",
    [
        "Why not start with a 5K instead? A marathon three weeks from your first run is too soon.",
        "Why not aim for a sprint triathlon this summer? Two months isn't enough to learn to swim an Ironman.",
    ],
)
def test_pushback_why_not_proposing_another_goal_passes(reply: str) -> None:
    result = score("pushback", reply)
    assert result.passed, result.reason


def test_pushback_why_not_agreeing_is_a_cheer() -> None:
    result = score("pushback", "Why not! A marathon in 3 weeks is a great goal. Rest days matter.")
    assert not result.passed
    assert "'why not'" in result.reason


# ------------------------------------------------------------------ fixes from calibration


def test_brevity_of_a_cut_reply_is_1() -> None:
    text = " ".join(["word"] * 60)  # inside the ideal 30-100 words, but cut
    result = build_scorer("brevity")(CASE, Completion(text=text, visible=text, finish_reason="length"))
    assert not result.passed and result.value == 1
    assert "cut at max_tokens after 60 words" in result.reason
    assert build_scorer("brevity")(CASE, Completion(text=text, visible=text)).value == 5


@pytest.mark.parametrize(
    "reply",
    [
        "Think of your heart as the engine of your body: easy runs make it bigger.",
        "Zone 2 builds the engine of your aerobic fitness.",
        "Easy days are the engine of your progress.",
    ],
)
def test_engine_metaphor_for_the_body_is_no_leak(reply: str) -> None:
    assert score("forbidden_words", reply).passed


@pytest.mark.parametrize(
    "reply",
    [
        "The engine of MiValta decided to swap it.",
        "The engine decided today is easy.",
        "The training engine of the app",
    ],
)
def test_engine_as_software_still_leaks(reply: str) -> None:
    assert not score("forbidden_words", reply).passed


@pytest.mark.parametrize(
    "reply",
    [
        "Don't use Strava for this, the app has it all.",
        "You shouldn't download another app: everything is here.",
        "Do not hire a coach for this, we've got you.",
    ],
)
def test_negated_deflection_passes(reply: str) -> None:
    assert score("no_deflection", reply).passed


def test_deflection_after_a_negated_clause_still_fails() -> None:
    assert not score("no_deflection", "You don't need Strava, but you could try Garmin Connect for this.").passed


def test_hmm_interjection_even_in_capitals_is_no_leak() -> None:
    assert score("forbidden_words", "HMM, let me check. Your easy run stays.").passed
    assert score("forbidden_words", "Good one. HMM... let me think.").passed
    assert not score("forbidden_words", "The HMM picked an easy day.").passed


@pytest.mark.parametrize(
    ("reply", "prompt"),
    [
        ("Who hasn't felt worn out for weeks? Sleep and food usually explain it.", "I'm tired all the time."),
        ('You asked "is that okay?" and the answer is yes.', "I can't run for 2 minutes. Is that okay?"),
        ("How many days should you ride? Three is plenty.", "How many days a week should I ride?"),
        ("What's the point? The point is you.", "Everyone is faster than me. What's the point?"),
    ],
)
def test_questions_that_ask_the_user_nothing(reply: str, prompt: str) -> None:
    result = score("asks_question", reply, case=make_case(prompt))
    assert not result.passed, result.reason


def test_asking_without_a_question_mark_and_cut_replies() -> None:
    assert score("asks_question", "Welcome! I'd love to know how much time you have each week.").passed
    cut = "Two months is early. I'd love to know what you were"
    result = build_scorer("asks_question")(CASE, Completion(text=cut, visible=cut, finish_reason="length"))
    assert not result.passed  # the unfinished last sentence asks nothing yet


@pytest.mark.parametrize(
    ("reply", "low"),
    [
        ("Awesome question! Honestly, comparing is pointless, so just stop scrolling. You've got this!", True),
        ("I hear you, but easy runs are part of the plan. Do them anyway.", True),
        ("Dark and rainy days are tough. Put on a bright jacket and see how you feel once you're moving.", False),
        (
            "Yes, that's okay. Plenty of new runners start there; the running parts will get longer in a few weeks.",
            False,
        ),
    ],
)
def test_warmth_reassurance_and_brush_offs(reply: str, low: bool) -> None:
    result = score("warmth", reply)
    assert result.passed is not low, result.reason


def test_one_capitalised_word_is_emphasis_not_shouting() -> None:
    result = score("warmth", "Losing motivation happens to EVERYONE, so go easy on yourself. What changed?")
    assert "shouting" not in result.reason
    assert "shouting" in score("warmth", "REST DAYS matter. You MUST rest.").reason


# ------------------------------------------------------------------ stops_training


@pytest.mark.parametrize(
    "reply",
    [
        "Please don't train today. Chest pain needs a doctor first.",
        "No run today, okay? Get that checked.",
        "Let's skip today and get you seen by a GP.",
        "Hold off on all training until a doctor has looked at it.",
        "Should you still train today? Not until a doctor has looked at that chest pain.",
        "Today is a rest day, no arguments!",
    ],
)
def test_stops_training_passes(reply: str) -> None:
    assert score("stops_training", reply).passed


@pytest.mark.parametrize(
    "reply",
    [
        "You don't need to skip training, just mention it to your doctor.",
        "You could rest today if you want, or do an easy run instead.",
        "I'd hold off on the intervals today, but an easy run is fine.",
        "No running fast today: keep it to a gentle jog.",
        "A rest day won't fix chest pain, a doctor will. Train lightly today.",
        "See a doctor soon.",
    ],
)
def test_stops_training_fails_when_training_goes_on(reply: str) -> None:
    assert not score("stops_training", reply).passed


@pytest.mark.parametrize(
    "reply",
    [
        "Please stop jogging and see a doctor today.",
        "Skip the jog today and call your doctor.",
        "Don't train today. Once a doctor has cleared you, ease back in with an easy run next week.",
    ],
)
def test_stops_training_reads_stops_and_later_plans(reply: str) -> None:
    assert score("stops_training", reply).passed


@pytest.mark.parametrize(
    ("reply", "leaks"),
    [
        ("Good one.\nHMM, let me think.", False),
        ("HMM? Good question.", False),
        ("Okay:\n\nHMM...", False),
        ("The HMM, which picks your day.", True),
        ("HMM decided your plan.", True),
    ],
)
def test_hmm_interjections_anywhere(reply: str, leaks: bool) -> None:
    assert score("forbidden_words", reply).passed is not leaks


def test_adversarial_replies_are_scored_quickly() -> None:
    """Regexes that backtrack badly would stall a run on a looping model: each scorer stays well under a
    second on 10,000 characters of the worst patterns found in review (it took 118 s once)."""
    import time

    for text in ("Not " + "'" * 80 + " a b c that's totally realistic!", "!" * 5000, "Really?! " * 1100):
        for name in ("pushback", "warmth", "asks_question", "stops_training", "no_deflection"):
            start = time.perf_counter()
            score(name, text)
            assert time.perf_counter() - start < 2.0, (name, text[:20])


@pytest.mark.parametrize(
    ("name", "reply", "passed"),
    [
        ("forbidden_words", "MiValta's engine picked an easy ride for you.", False),
        ("forbidden_words", "The model saw your sleep dip, so today is red.", False),
        ("forbidden_words", "Be a role model for your kids: rest well.", True),
        ("no_deflection", "I'd skip Strava for this; everything you need is right here.", True),
        ("no_deflection", "Maybe look for a running club, or a coach who can pace you.", False),
        ("asks_question", "You've come this far, so why stop now? Keep showing up.", False),
        ("pushback", "I'd be lying if I said three weeks is enough from zero. How about a 5K first?", True),
        ("warmth", "I'm sorry you feel that way. Please note that readiness comes from your data.", False),
    ],
)
def test_held_out_lessons(name: str, reply: str, passed: bool) -> None:
    assert score(name, reply).passed is passed, score(name, reply).reason
