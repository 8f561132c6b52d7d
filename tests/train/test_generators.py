"""Pokkit training-data generators: valid tool calls, replies the suite's own scorers accept, and no eval prompts.

Each generator is sampled on its own once per module (300 draws for tool generators, whose prompt variety is
counted, 100 for the rest); the message-level checks read the first 100 of each. Scorer checks are taken from
suites/pokkit itself, per category, so a reply style the suite would fail cannot slip into the training data.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import train.generators.registry as registry_module
from harness.chat import inline_tools
from harness.errors import DataError
from harness.parsing import finish, parse_tool_calls
from harness.scorers.text import count_questions, count_words
from harness.scorers.wordlists import POKKIT_EXPRESSIONS
from harness.scoring import ScoreFn, build_scorer
from harness.suite import Suite, load_suite, load_tools
from harness.types import Case, Completion
from train.contamination import ContaminationIndex, EvalText
from train.generators import CATEGORIES, Generator, generate, generator, generators
from train.generators import pokkit_requests as R

ROOT = Path(__file__).resolve().parents[2]
SUITE_DIR = ROOT / "suites" / "pokkit"
# Generators whose every example calls a tool; the variety test holds them to 100 distinct prompts in 300.
TOOL_GENERATORS = {
    "alarm",
    "web_search",
    "note",
    "clipboard",
    "notification",
    "email_notification",
    "storage",
    "screen_control",
    "multi_step",
    "voice_input",
    "multi_turn",
    "tool_failure",
}
CHAT_GENERATORS = {
    "personality",
    "arithmetic",
    "emotional",
    "clarify",
    "proactive",
    "code_help",
    "refusal",
    "expression",
}
# Scorers that judge a specific case's expected answer, not a reply style; tool calls are checked separately.
CASE_SPECIFIC = {"tool_call", "no_tool_call", "contains"}


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite(SUITE_DIR / "suite.yaml")


@pytest.fixture(scope="module")
def tools() -> list[dict[str, Any]]:
    return load_tools(SUITE_DIR / "tools.json")


def only(name: str) -> dict[str, float]:
    return {n: (1.0 if n == name else 0.0) for n in generators()}


@pytest.fixture(scope="module")
def drawn() -> dict[str, list[dict[str, Any]]]:
    """300 draws of each tool generator (the variety test counts their prompts), 100 of the others."""
    return {
        name: generate(300 if name in TOOL_GENERATORS else 100, seed=11, weights=only(name)) for name in generators()
    }


@pytest.fixture(scope="module")
def by_generator(drawn: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
    """100 examples of each generator, for the checks that read every message."""
    return {name: examples[:100] for name, examples in drawn.items()}


@pytest.fixture(scope="module")
def mixed() -> list[dict[str, Any]]:
    return generate(2000, seed=3)


def all_examples(by_generator: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [ex for examples in by_generator.values() for ex in examples]


def calls_of(example: dict[str, Any]) -> list[dict[str, Any]]:
    return [call for msg in example["messages"] for call in msg.get("tool_calls") or []]


def user_texts(example: dict[str, Any]) -> list[str]:
    return [m["content"] for m in example["messages"] if m["role"] == "user"]


def final_reply(example: dict[str, Any]) -> str:
    return example["messages"][-1]["content"]


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


# ------------------------------------------------------------------ registry


def test_registry_covers_every_suite_category(suite: Suite) -> None:
    gens = generators()
    assert set(CATEGORIES) == {c.category for c in suite.cases}
    assert {t for g in gens.values() for t in g.targets} == set(CATEGORIES)
    assert {g.persona for g in gens.values()} == set(suite.system_prompts)
    assert TOOL_GENERATORS | CHAT_GENERATORS | {"pet", "sage", "rival"} == set(gens)


def test_duplicate_or_invalid_registration_is_refused() -> None:
    def fake(rng: Any) -> list[dict[str, Any]]:
        return []

    with pytest.raises(ValueError, match="registered twice"):
        generator("alarm", weight=1, targets=["datetime"])(fake)
    with pytest.raises(ValueError, match="targets"):
        generator("fake_target", weight=1, targets=["weather"])
    with pytest.raises(ValueError, match="persona"):
        generator("fake_persona", weight=1, targets=["voice"], persona="toad")
    with pytest.raises(ValueError, match="weight"):
        generator("fake_weight", weight=-1, targets=["voice"])
    assert not {"fake_target", "fake_persona", "fake_weight"} & set(generators())


def test_tool_use_is_about_half_the_mass(mixed: list[dict[str, Any]]) -> None:
    gens = generators()
    tool_weight = sum(g.weight for g in gens.values() if g.name in TOOL_GENERATORS)
    assert tool_weight / sum(g.weight for g in gens.values()) == pytest.approx(0.5, abs=0.05)
    with_calls = sum(1 for ex in mixed if calls_of(ex)) / len(mixed)
    assert 0.45 <= with_calls <= 0.65


# ------------------------------------------------------------------ sampling


def test_same_seed_same_examples_other_seed_other_examples() -> None:
    assert generate(40, seed=7) == generate(40, seed=7)
    assert generate(40, seed=7) != generate(40, seed=8)
    assert generate(0) == []


def test_zero_weight_excludes_a_generator() -> None:
    examples = generate(400, seed=1, weights={"alarm": 0, "emotional": 0, "pet": 0})
    assert not {"alarm", "emotional", "pet"} & {ex["generator"] for ex in examples}


def test_bad_weights_are_refused() -> None:
    with pytest.raises(ValueError, match="no_such_generator"):
        generate(5, weights={"no_such_generator": 1})
    with pytest.raises(ValueError, match="alarm"):
        generate(5, weights={"alarm": -2})
    with pytest.raises(ValueError, match="nothing to sample"):
        generate(5, weights={name: 0 for name in generators()})
    with pytest.raises(ValueError, match="n must be"):
        generate(-1)


def test_sampling_follows_the_weights(mixed: list[dict[str, Any]]) -> None:
    gens = generators()
    total = sum(g.weight for g in gens.values())
    counts = Counter(ex["generator"] for ex in mixed)
    for name, gen in gens.items():
        assert counts[name] / len(mixed) == pytest.approx(gen.weight / total, abs=0.025), name


def test_weights_override_by_name() -> None:
    boosted = generate(600, seed=2, weights={"sage": 94.0})  # sage 94 of 188 instead of 6 of 100
    share = sum(ex["generator"] == "sage" for ex in boosted) / len(boosted)
    assert 0.4 <= share <= 0.6


def test_a_generator_writing_a_bad_call_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    def wrong_type(rng: Any) -> list[dict[str, Any]]:
        call = {"id": "call_1", "type": "function", "function": {"name": "set_alarm", "arguments": '{"hour": "7"}'}}
        return [
            {"role": "user", "content": "Alarm at 7."},
            {"role": "assistant", "content": "", "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "name": "set_alarm", "content": "{}"},
            {"role": "assistant", "content": "Done. 🐸 [pokkit_happy]"},
        ]

    monkeypatch.setitem(
        registry_module._REGISTRY, "broken", Generator("broken", 1.0, ("datetime",), "pokkit", wrong_type)
    )
    with pytest.raises(DataError, match="broken"):
        generate(3, weights={name: (1.0 if name == "broken" else 0.0) for name in generators()})


def _call(call_id: str) -> dict[str, Any]:
    arguments = '{"hour": 7, "minute": 5}'
    return {"id": call_id, "type": "function", "function": {"name": "set_alarm", "arguments": arguments}}


@pytest.mark.parametrize(
    ("messages", "problem"),
    [
        ([{"role": "assistant", "content": "Hi! 🐸 [pokkit_happy]"}], "must start with a user message"),
        (
            [
                {"role": "user", "content": "Alarm at 7:05."},
                {"role": "assistant", "content": "", "tool_calls": [_call("call_1")]},
                {"role": "tool", "tool_call_id": "call_1", "name": "set_alarm", "content": "{}"},
            ],
            "must end with an assistant reply in prose",
        ),
        (
            [
                {"role": "user", "content": "Alarm at 7:05."},
                {"role": "assistant", "content": "", "tool_calls": [_call("call_1")]},
                {"role": "tool", "tool_call_id": "call_9", "content": "{}"},
                {"role": "assistant", "content": "Done. 🐸 [pokkit_happy]"},
            ],
            "matches no pending call",
        ),
    ],
)
def test_a_generator_writing_a_bad_dialogue_is_refused(
    monkeypatch: pytest.MonkeyPatch, messages: list[dict[str, Any]], problem: str
) -> None:
    """generate() applies the trainer's validator and the generator rules: user first, a prose reply last."""
    gen = Generator("broken", 1.0, ("datetime",), "pokkit", lambda rng: messages)
    monkeypatch.setitem(registry_module._REGISTRY, "broken", gen)
    with pytest.raises(DataError, match=f"generator 'broken' wrote a bad example: .*{problem}"):
        generate(1, weights={name: (1.0 if name == "broken" else 0.0) for name in generators()})


# ------------------------------------------------------------------ example shape and tool calls


def test_examples_carry_the_suite_prompt_and_all_tools(
    by_generator: dict[str, list[dict[str, Any]]], suite: Suite, tools: list[dict[str, Any]]
) -> None:
    gens = generators()
    for name, examples in by_generator.items():
        for ex in examples:
            assert set(ex) == {"messages", "tools", "category", "targets", "persona", "generator"}
            assert ex["category"] == ex["generator"] == name
            assert ex["persona"] == gens[name].persona and ex["targets"] == list(gens[name].targets)
            assert ex["messages"][0] == {"role": "system", "content": suite.system_prompts[ex["persona"]].strip()}
            assert ex["tools"] == tools and len(ex["tools"]) == 15
            assert ex["messages"][1]["role"] == "user" and ex["messages"][-1]["role"] == "assistant"


def test_every_example_renders_and_its_calls_parse_back(by_generator: dict[str, list[dict[str, Any]]]) -> None:
    for ex in all_examples(by_generator):
        rendered = inline_tools(ex["messages"], ex["tools"])
        assert [m["role"] for m in rendered].count("tool") == 0
        want = [(c["function"]["name"], json.loads(c["function"]["arguments"])) for c in calls_of(ex)]
        got = []
        for msg in rendered:
            if msg["role"] == "assistant":
                calls, errors, _ = parse_tool_calls(msg["content"])
                assert not errors, msg["content"]
                got += [(c.name, c.arguments) for c in calls]
        assert got == want


def test_tool_calls_cover_every_tool_with_alarm_times_in_range(
    by_generator: dict[str, list[dict[str, Any]]], tools: list[dict[str, Any]]
) -> None:
    """Schemas are checked by generate() itself (train.clean.validate_example); this checks what they allow."""
    seen = set()
    for ex in all_examples(by_generator):
        for call in calls_of(ex):
            assert call["type"] == "function" and re.fullmatch(r"call_\d+", call["id"])
            raw = call["function"]["arguments"]
            assert isinstance(raw, str)
            args = json.loads(raw)
            name = call["function"]["name"]
            if name == "set_alarm":
                assert 0 <= args["hour"] <= 23 and 0 <= args["minute"] <= 59
            seen.add(name)
    assert seen == {t["function"]["name"] for t in tools}


def test_each_result_answers_the_call_before_it(by_generator: dict[str, list[dict[str, Any]]]) -> None:
    for ex in all_examples(by_generator):
        messages = ex["messages"]
        for i, msg in enumerate(messages):
            if msg.get("tool_calls"):
                assert msg["content"] == ""  # act, don't announce: prose goes in the reply after the result
                for j, call in enumerate(msg["tool_calls"], 1):
                    result = messages[i + j]
                    assert result["role"] == "tool"
                    assert (result["tool_call_id"], result["name"]) == (call["id"], call["function"]["name"])
                    assert isinstance(result["content"], str) and result["content"]
        ids = [c["id"] for c in calls_of(ex)]
        assert len(ids) == len(set(ids))


def test_chat_generators_never_call_a_tool(by_generator: dict[str, list[dict[str, Any]]]) -> None:
    for name in CHAT_GENERATORS:
        for ex in by_generator[name]:
            assert not calls_of(ex), name
            assert len(ex["messages"]) == 3


def test_tool_generators_always_call_a_tool(by_generator: dict[str, list[dict[str, Any]]]) -> None:
    for name in TOOL_GENERATORS:
        for ex in by_generator[name]:
            assert calls_of(ex), name
    assert {len(calls_of(ex)) for ex in by_generator["multi_step"]} == {2}


def test_tool_generators_vary_their_prompts(drawn: dict[str, list[dict[str, Any]]]) -> None:
    for name in TOOL_GENERATORS:
        assert len(drawn[name]) == 300
        distinct = {tuple(user_texts(ex)) for ex in drawn[name]}
        assert len(distinct) >= 100, (name, len(distinct))


# ------------------------------------------------------------------ alarms mean what was asked

_PART = r"(in the morning|in the afternoon|in the evening|at night)"


def _to_24h(hour: int, ampm: str | None, part: str | None) -> int:
    if ampm:
        return hour % 12 + (12 if ampm == "pm" else 0)
    if part == "in the morning":
        return hour % 12
    if part in ("in the afternoon", "in the evening"):
        return hour % 12 + 12
    if part == "at night":
        return 0 if hour == 12 else hour if hour <= 4 else hour + 12
    return hour


def _clock(text: str) -> int:
    """Minutes after midnight of the first time written in ``text``."""
    low = text.lower()
    if "midnight" in low:
        return 0
    if re.search(r"\b(noon|midday)\b", low):
        return 12 * 60
    words = re.search(rf"(quarter past|half past|quarter to) (\d{{1,2}}) {_PART}", low)
    if words:
        offset = {"quarter past": 15, "half past": 30, "quarter to": -15}[words[1]]
        return (_to_24h(int(words[2]), None, words[3]) * 60 + offset) % (24 * 60)
    found = re.search(rf"\b(\d{{1,2}})(?::(\d{{2}}))?(?: ?(am|pm))?(?: o'clock)?(?: {_PART})?", low)
    assert found, text
    return _to_24h(int(found[1]), found[3], found[4]) * 60 + int(found[2] or 0)


def _delta(text: str) -> int:
    low = text.lower()
    for phrase, minutes in (
        ("an hour and a half", 90),
        ("an hour and 15 minutes", 75),
        ("a quarter of an hour", 15),
        ("half an hour", 30),
        ("three hours", 180),
        ("an hour", 60),
    ):
        if phrase in low:
            return minutes
    found = re.search(r"(\d+) (minutes|mins|hours)", low)
    assert found, text
    return int(found[1]) * (60 if found[2] == "hours" else 1)


def test_alarm_arguments_are_the_time_the_user_asked_for(drawn: dict[str, list[dict[str, Any]]]) -> None:
    relative = 0
    for ex in drawn["alarm"]:
        prompt = user_texts(ex)[0]
        args = json.loads(calls_of(ex)[0]["function"]["arguments"])
        if re.search(r"\b(minutes|mins|hours?)\b", prompt):
            relative += 1
            expected = (_clock(prompt) + _delta(prompt)) % (24 * 60)
        else:
            expected = _clock(prompt)
        assert (args["hour"], args["minute"]) == divmod(expected, 60), prompt
    assert 50 <= relative <= 150


def _suite_alarm_times(suite: Suite) -> set[tuple[int, int]]:
    """Every (hour, minute) a suite case's tool_call check accepts for set_alarm."""
    times = set()
    for case in suite.cases:
        for check in case.checks:
            if check.name != "tool_call":
                continue
            for call in check.args["calls"]:
                if "set_alarm" in call:
                    args = call["set_alarm"]
                    times |= {(hour, minute) for hour in args["hour"] for minute in args["minute"]}
    return times


def test_alarm_times_left_out_are_the_suites_but_noon(suite: Suite) -> None:
    """The hard-coded eval times follow suites/pokkit: a new alarm case must be sorted into one of the sets."""
    times = _suite_alarm_times(suite)
    assert (12, 0) in times  # the suite still has its noon case
    assert R._TAUGHT_EVAL_TIMES == {(12, 0)}
    assert R._EVAL_TIMES == times - R._TAUGHT_EVAL_TIMES


def test_alarm_requests_avoid_the_eval_times_and_still_teach_noon(drawn: dict[str, list[dict[str, Any]]]) -> None:
    asked = Counter()
    for ex in drawn["alarm"]:
        args = json.loads(calls_of(ex)[0]["function"]["arguments"])
        asked[args["hour"], args["minute"]] += 1
    assert not set(asked) & R._EVAL_TIMES
    assert asked[12, 0] > 0


def test_arithmetic_answers_are_right(by_generator: dict[str, list[dict[str, Any]]]) -> None:
    for ex in by_generator["arithmetic"]:
        prompt = user_texts(ex)[0]
        a, b = (int(n) for n in re.findall(r"\d+", prompt)[:2])
        low = prompt.lower()
        if "plus" in low or "add" in low:
            answer = a + b
        elif "times" in low or "multiply" in low or "boxes" in low:
            answer = a * b
        elif "minus" in low or "take away" in low:
            answer = a - b
        elif "subtract" in low:
            answer = b - a
        elif "%" in low or "percent" in low:
            answer = a * b // 100
        else:  # "divided by", "split N ways", a bill shared between N people
            answer = a // b
        assert re.search(rf"(?<!\d){answer}(?!\d)", final_reply(ex)), (prompt, final_reply(ex))


# ------------------------------------------------------------------ replies pass the suite's own scorers


def _category_checks(suite: Suite) -> dict[str, tuple[Case, list[ScoreFn]]]:
    """Per category: one of its cases and every reply-style check its cases use (expected answers dropped)."""
    out: dict[str, tuple[Case, list[ScoreFn]]] = {}
    for case in suite.cases:
        _, fns = out.setdefault(case.category, (case, []))
        for check in case.checks:
            if check.name in CASE_SPECIFIC:
                continue
            args = {k: v for k, v in check.args.items() if not (check.name == "expression_used" and k == "expected")}
            fns.append(build_scorer(check.name, **args))
    return out


def test_final_replies_pass_the_suite_scorers_of_their_targets(
    by_generator: dict[str, list[dict[str, Any]]], suite: Suite
) -> None:
    checks = _category_checks(suite)
    used: Counter[str] = Counter()
    for ex in all_examples(by_generator):
        completion = finish(Completion(text=final_reply(ex)))
        assert not completion.tool_calls and not completion.parse_errors, final_reply(ex)
        for target in ex["targets"]:
            case, fns = checks[target]
            for fn in fns:
                verdict = fn(case, completion)
                assert verdict.passed, (ex["generator"], verdict.name, verdict.reason, final_reply(ex))
                used[verdict.name] += 1
    # The scorers that matter most for each persona really ran.
    assert {"frog_voice", "pet_only", "max_questions", "no_toxic_positivity", "expression_used", "short"} <= set(used)
    assert {"no_lecturing", "banned_phrases", "no_repetition"} <= set(used)


def test_pokkit_replies_show_one_expression_and_stay_short(by_generator: dict[str, list[dict[str, Any]]]) -> None:
    for ex in all_examples(by_generator):
        if ex["persona"] != "pokkit":
            continue
        for msg in ex["messages"]:
            if msg["role"] != "assistant" or msg.get("tool_calls"):
                continue
            text = msg["content"]
            tags = re.findall(r"\[pokkit_[a-z]+\]", text)
            assert len(tags) == 1 and tags[0] in POKKIT_EXPRESSIONS, text
            assert "🐸" in text, text
            assert count_words(text) < 60, text
            assert count_questions(text) <= 1, text


def test_pet_speaks_frog_only_in_every_turn(by_generator: dict[str, list[dict[str, Any]]]) -> None:
    pet_only = build_scorer("pet_only")
    case = Case(suite="t", id="t", category="pet", messages=[], tools=[], checks=[], max_tokens=16, stop=[])
    for ex in by_generator["pet"]:
        for msg in inline_tools(ex["messages"], ex["tools"]):  # a call turn as the model writes it
            if msg["role"] == "assistant":
                assert pet_only(case, finish(Completion(text=msg["content"]))).passed, msg["content"]


# ------------------------------------------------------------------ no evaluation prompt leaks into training


def test_no_user_message_repeats_an_eval_prompt(
    drawn: dict[str, list[dict[str, Any]]], mixed: list[dict[str, Any]], suite: Suite
) -> None:
    eval_prompts = {normalise(c.prompt) for c in suite.cases}
    generated = {normalise(t) for ex in [*all_examples(drawn), *mixed] for t in user_texts(ex)}
    assert "" not in generated
    assert not generated & eval_prompts, sorted(generated & eval_prompts)


def test_no_turn_is_a_near_copy_of_a_pokkit_prompt(drawn: dict[str, list[dict[str, Any]]], suite: Suite) -> None:
    """The trainer's contamination rule (word n-gram overlap), against the Pokkit prompts the generators imitate."""
    index = ContaminationIndex([EvalText(f"pokkit/{c.id}", c.prompt) for c in suite.cases if c.prompt])
    texts = {m["content"] for ex in all_examples(drawn) for m in ex["messages"][1:] if m["role"] != "tool"}
    hits = {text: index.texts[found[0]].text for text in texts if text and (found := index.match(text))}
    assert not hits, list(hits.items())[:3]
