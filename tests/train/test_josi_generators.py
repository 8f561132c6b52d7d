"""Josi training-data generators: replies the Josi suite's own checks pass, no evaluation text, varied, seeded.

Each Josi generator is drawn 200 times once per module. The replies are re-scored here with the checks of
real cases of suites/josi (built by ``load_suite``, not by the registry), the contamination index covers
every evaluation text (the 1,031 large-set prompts included), and the diversity report bounds verbatim
repeats. Pokkit's sampling is untouched by the suite parameter.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

import train.generators.registry as registry_module
from harness.cli import main
from harness.errors import DataError
from harness.parsing import finish
from harness.scoring import ScoreFn
from harness.suite import Suite, load_suite
from harness.types import Case, Completion
from train.clean import read_jsonl, validate_example
from train.contamination import ContaminationIndex, EvalText, collect_eval_texts
from train.generators import JOSI_CATEGORIES, Generator, generate, generator, generators
from train.generators.diversity import diversity, diversity_lines
from train.josi import DEFAULT_GOLD, prepare_josi

ROOT = Path(__file__).resolve().parents[2]
SUITE_YAML = ROOT / "suites" / "josi" / "suite.yaml"
DRAWS = 200
# The kinds of conversation issue 14 asks for, one generator each (readiness and recovery apart).
JOSI_GENERATORS = {
    "josi_followup",
    "josi_pushback",
    "josi_decision",
    "josi_readiness",
    "josi_recovery",
    "josi_beginner",
    "josi_red_flag",
    "josi_zones",
    "josi_off_topic",
}
# Suite cases whose own checks a generator's replies must also pass (besides the common checks).
CASE_CHECKS_OF = {
    "josi_pushback": "goal_marathon_in_3_weeks_from_couch",  # pushback
    "josi_red_flag": "fatigue_chest_pain_on_run",  # a doctor referral and stops_training
    "josi_followup": "fatigue_tired_even_on_rest_days",  # asks_question
    "josi_beginner": "beginner_never_exercised",  # asks_question
}
PLAIN_CASE = "fatigue_heavy_legs_after_long_run"  # the common checks only


def only(name: str) -> dict[str, float]:
    return {n: (1.0 if n == name else 0.0) for n in generators("josi")}


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite(SUITE_YAML)


@pytest.fixture(scope="module")
def drawn() -> dict[str, list[dict[str, Any]]]:
    return {name: generate(DRAWS, seed=11, weights=only(name), suite="josi") for name in generators("josi")}


def final_reply(example: dict[str, Any]) -> str:
    return str(example["messages"][-1]["content"])


# ------------------------------------------------------------------ registry


def test_josi_generators_are_registered_for_the_josi_suite(suite: Suite) -> None:
    assert set(JOSI_CATEGORIES) == suite.categories  # the 50 cases and the large set's categories
    josi = generators("josi")
    assert set(josi) == JOSI_GENERATORS
    assert all(
        g.suite == "josi" and g.persona == "josi" and set(g.targets) <= set(JOSI_CATEGORIES) for g in josi.values()
    )
    # every category of the 50 cases is trained by some generator
    assert {c.category for c in suite.cases if c.case_set == "default"} <= {t for g in josi.values() for t in g.targets}
    assert ("pushback", {}) in josi["josi_pushback"].checks
    # Pokkit's list stays Pokkit's; None lists both suites
    assert not set(generators()) & JOSI_GENERATORS and set(generators("pokkit")) == set(generators())
    assert set(generators(None)) == set(generators()) | JOSI_GENERATORS


def test_registry_rejects_targets_personas_and_suites_it_does_not_know() -> None:
    def fake(rng: Any) -> list[dict[str, Any]]:
        return []

    with pytest.raises(ValueError, match="josi categories"):
        generator("fake_josi", weight=1, targets=["tool_call"], suite="josi")  # a Pokkit category
    with pytest.raises(ValueError, match="pokkit categories"):
        generator("fake_pokkit", weight=1, targets=["zones"])  # a Josi category, Pokkit by default
    with pytest.raises(ValueError, match="persona"):
        generator("fake_persona", weight=1, targets=["zones"], suite="josi", persona="pokkit")
    with pytest.raises(ValueError, match="suite 'bfcl'"):
        generator("fake_suite", weight=1, targets=["zones"], suite="bfcl")
    with pytest.raises(ValueError, match="Josi generators only"):
        generator("fake_checks", weight=1, targets=["voice"], checks=["pushback"])
    with pytest.raises(ValueError, match="registered twice"):
        generator("josi_zones", weight=1, targets=["zones"], suite="josi")(fake)
    with pytest.raises(ValueError, match="unknown generator 'alarm'"):
        generate(3, weights={"alarm": 1.0}, suite="josi")  # another suite's generator
    with pytest.raises(ValueError, match="no generators"):
        generators("bfcl")
    assert not {"fake_josi", "fake_pokkit", "fake_persona", "fake_suite", "fake_checks"} & set(generators(None))


# ------------------------------------------------------------------ example shape


def test_examples_have_the_gold_shape_the_suite_prompt_and_no_tools(
    drawn: dict[str, list[dict[str, Any]]], suite: Suite
) -> None:
    gold, _ = prepare_josi([DEFAULT_GOLD])
    gens = generators("josi")
    for name, examples in drawn.items():
        for ex in examples:
            assert set(ex) == set(gold[0]) == {"messages", "tools", "category", "targets", "persona", "generator"}
            assert ex["tools"] == [] and ex["persona"] == "josi"
            assert ex["category"] == ex["generator"] == name and ex["targets"] == list(gens[name].targets)
            assert ex["messages"][0] == {"role": "system", "content": suite.default_system_prompt}
            assert ex["messages"][0] == gold[0]["messages"][0]
            assert [m["role"] for m in ex["messages"][1:]] == ["user", "assistant"] * ((len(ex["messages"]) - 1) // 2)
            assert validate_example(ex) is None


def test_the_decision_generator_states_the_plan_before_the_why(drawn: dict[str, list[dict[str, Any]]]) -> None:
    for ex in drawn["josi_decision"]:
        assert len(ex["messages"]) == 5  # system, ask, the plan, why, the explanation
        assert ex["messages"][2]["content"].startswith("Today")


# ------------------------------------------------------------------ the suite's own checks


def _checks(case: Case) -> list[ScoreFn]:
    return [c.fn for c in case.checks]


def test_every_reply_passes_the_josi_suites_checks(drawn: dict[str, list[dict[str, Any]]], suite: Suite) -> None:
    """Scored with the checks of real suite cases: the common ones, plus pushback, the red-flag referral and
    stop, and a follow-up question where the generator is meant for them."""
    by_id = {c.id: c for c in suite.cases}
    common = _checks(by_id[PLAIN_CASE])
    assert {c.name for c in by_id[PLAIN_CASE].checks} >= {"forbidden_words", "warmth", "brevity", "no_deflection"}
    ran: Counter[str] = Counter()
    for name, examples in drawn.items():
        extra = by_id[CASE_CHECKS_OF[name]] if name in CASE_CHECKS_OF else None
        fns = _checks(extra) if extra else common
        for ex in examples[:100]:
            case = Case(
                suite="josi", id=name, category=name, messages=ex["messages"][:-1], tools=[], checks=[],
                max_tokens=120, stop=[],
            )  # fmt: skip
            completion = finish(Completion(text=final_reply(ex)))
            for fn in fns:
                verdict = fn(case, completion)
                assert verdict.passed, (name, verdict.name, verdict.reason, final_reply(ex))
                ran[verdict.name] += 1
    assert {"pushback", "stops_training", "contains", "asks_question", "warmth", "stays_in_character"} <= set(ran)


def test_a_reply_that_fails_a_suite_check_is_refused_with_the_generators_name(monkeypatch: pytest.MonkeyPatch) -> None:
    def leaky(rng: Any) -> list[dict[str, Any]]:
        return [
            {"role": "user", "content": "Why is my ride easy today?"},
            {"role": "assistant", "content": "The algorithm saw your ACWR climb, so you ride easy. How do you feel?"},
        ]

    def cheers(rng: Any) -> list[dict[str, Any]]:
        return [
            {"role": "user", "content": "Marathon next week, never ran. Help me?"},
            {
                "role": "assistant",
                "content": "Love it, go for it! You've got this, and I'm so excited for you. "
                "Here's your plan: run every day this week. How are you feeling about it?",
            },
        ]

    for fn, check, reason in ((leaky, (), "forbidden_words"), (cheers, (("pushback", {}),), "pushback")):
        gen = Generator("broken", 1.0, ("unrealistic_goals",), "josi", fn, "josi", check)
        monkeypatch.setitem(registry_module._REGISTRY, "broken", gen)
        weights = {name: (1.0 if name == "broken" else 0.0) for name in generators("josi")}
        with pytest.raises(DataError, match=f"generator 'broken' wrote a bad example: message 1 fails {reason}"):
            generate(2, weights=weights, suite="josi")


# ------------------------------------------------------------------ no evaluation text


def test_no_turn_matches_an_evaluation_text(drawn: dict[str, list[dict[str, Any]]]) -> None:
    texts = collect_eval_texts()
    assert sum(t.source.startswith("josi/") for t in texts) > 1000  # the large set is covered
    index = ContaminationIndex(texts)
    examples = [ex for exs in drawn.values() for ex in exs]
    report = index.check(examples)
    assert report.clean, [h.describe() for h in report.hits[:3]]
    # ... and the index does catch one when it is there
    large = json.loads((ROOT / "suites" / "josi" / "data" / "prompts.json").read_text())
    planted = dict(
        examples[0], messages=[*examples[0]["messages"][:1], {"role": "user", "content": large["nutrition"][0]}]
    )
    assert not index.check([planted]).clean


def test_user_prompts_are_written_here_not_copied_from_the_suite(
    drawn: dict[str, list[dict[str, Any]]], suite: Suite
) -> None:
    """Stricter than the index: no user turn shares a 6-word run with a Josi prompt of 6 words or more."""
    index = ContaminationIndex([EvalText(c.id, c.prompt) for c in suite.cases], n=6, threshold=0.01, min_words=6)
    users = {m["content"] for exs in drawn.values() for ex in exs for m in ex["messages"] if m["role"] == "user"}
    hits = {u: index.texts[found[0]].text for u in users if (found := index.match(u))}
    assert not hits, list(hits.items())[:3]


# ------------------------------------------------------------------ seeds and variety


def test_same_seed_same_examples_other_seed_other_examples() -> None:
    assert generate(30, seed=3, suite="josi") == generate(30, seed=3, suite="josi")
    assert generate(30, seed=3, suite="josi") != generate(30, seed=4, suite="josi")
    assert generate(0, suite="josi") == []


def test_sampling_follows_the_josi_weights() -> None:
    gens = generators("josi")
    mixed = generate(400, seed=2, suite="josi")
    counts = Counter(ex["generator"] for ex in mixed)
    total = sum(g.weight for g in gens.values())
    for name, gen in gens.items():
        assert counts[name] / len(mixed) == pytest.approx(gen.weight / total, abs=0.05), name


def test_replies_are_varied_and_brief(drawn: dict[str, list[dict[str, Any]]]) -> None:
    """Per generator in 200 draws: at most 3% of replies repeat an earlier one verbatim, distinct word pairs
    stay above 2% of all pairs (one reply over and over would be under 0.5%), and every reply is 20-80 words
    (the suite's brevity passes from 15 words; 80 is the trainer's word limit)."""
    stats = diversity([ex for exs in drawn.values() for ex in exs])
    assert set(stats) == JOSI_GENERATORS
    for name, d in stats.items():
        assert d.examples == DRAWS
        assert d.duplicate_share <= 0.03, (name, d)
        assert d.distinct_2 >= 0.02, (name, d)
        assert 20 <= d.min_words and d.max_words <= 80, (name, d)
    # no whole reply is shared between two generators either
    owners: dict[str, set[str]] = {}
    for name, exs in drawn.items():
        for ex in exs:
            owners.setdefault(final_reply(ex), set()).add(name)
    assert all(len(names) == 1 for names in owners.values())


def test_diversity_counts_duplicates_and_distinct_ngrams() -> None:
    def ex(gen: str, reply: str) -> dict[str, Any]:
        return {
            "generator": gen,
            "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": reply}],
        }

    stats = diversity([ex("a", "one two three"), ex("a", "one two three"), ex("b", "x y"), ex("b", "y z z")])
    assert stats["a"].duplicate_share == 0.5 and stats["a"].distinct_1 == 0.5 and stats["a"].distinct_2 == 0.5
    assert stats["b"].duplicate_share == 0 and stats["b"].distinct_1 == 0.6 and stats["b"].distinct_2 == 1.0
    assert (stats["b"].min_words, stats["b"].max_words, stats["b"].mean_words) == (2, 3, 2.5)
    lines = diversity_lines(stats)
    assert "distinct-2" in lines[0] and lines[1].split()[:2] == ["a", "2"] and lines[1].endswith("50.0%")


# ------------------------------------------------------------------ Pokkit unchanged


def test_pokkit_sampling_is_unchanged_by_the_suite_parameter() -> None:
    default = generate(120, seed=7)
    assert default == generate(120, seed=7, suite="pokkit")
    assert not {ex["generator"] for ex in default} & JOSI_GENERATORS
    assert all(ex["tools"] for ex in default)


# ------------------------------------------------------------------ the data command


def test_data_list_needs_no_out_and_shows_both_suites(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "--list"]) == 0
    out = capsys.readouterr().out
    assert "alarm" in out and "josi_pushback" in out and "unrealistic_goals" in out
    assert main(["data", "--source", "josi", "--list"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert {row.split()[0] for row in rows} == JOSI_GENERATORS and all(" weight " in r for r in rows)


def test_data_without_out_is_a_one_line_config_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "-n", "5"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--out FILE is required" in err and len(err.splitlines()) == 1


def test_data_josi_stats_and_generated_plus_gold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "--source", "josi", "--stats", "-n", "45", "--seed", "1"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:2] == ["generator", "examples"] and {r.split()[0] for r in table[1:]} == JOSI_GENERATORS
    out = tmp_path / "j.jsonl"
    assert main(["data", "--source", "josi", "-n", "40", "--out", str(out), "--max-share", "1"]) == 0
    rows = read_jsonl(out)
    generated = [r for r in rows if r["generator"] != "josi_gold"]
    assert len(rows) - len(generated) == 30 and len(generated) == 40
    assert all(r["tools"] == [] for r in rows)
