"""The Josi suite data: 50 built-in cases, the 1,031-prompt large set, and the prompts loader."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.loaders import get_loader
from harness.loaders.josi import load_josi_prompts
from harness.scorers.text import count_words
from harness.suite import Suite, load_suite

ROOT = Path(__file__).resolve().parents[2]
SUITE_DIR = ROOT / "suites" / "josi"
SHARED = Path("/work/shared/data/josi")

CATEGORIES = (
    "fatigue",
    "unrealistic_goals",
    "readiness",
    "easy_day_frustration",
    "beginner",
    "recovery",
    "overtraining",
    "motivation",
    "zones",
    "general",
)
LARGE_COUNTS = {
    **dict.fromkeys(CATEGORIES, 70),
    "injury_pain": 70,
    "nutrition": 56,
    "race_prep": 70,
    "weather": 70,
    "equipment": 65,
}
COMMON = [
    "forbidden_words",
    "jargon",
    "no_deflection",
    "warmth",
    "brevity",
    "no_repetition",
    "finished",
    "no_echo",
    "stays_in_character",
    "banned_phrases",
]


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite(SUITE_DIR / "suite.yaml")


def test_suite_identity_and_prompt(suite: Suite) -> None:
    assert suite.name == "josi"
    assert suite.version == "2"
    prompt = suite.system_prompts["josi"]
    assert count_words(prompt) < 80
    for must in ("MiValta", "GATC", "Viterbi", "ACWR", "algorithms", "other apps"):
        assert must in prompt


def test_default_set_has_50_cases_5_per_category(suite: Suite) -> None:
    default = [c for c in suite.cases if c.case_set == "default"]
    assert len(default) == 50
    assert Counter(c.category for c in default) == dict.fromkeys(CATEGORIES, 5)


def test_large_set_has_1031_cases_in_15_categories(suite: Suite) -> None:
    large = [c for c in suite.cases if c.case_set == "large"]
    assert len(large) == 1031
    assert Counter(c.category for c in large) == LARGE_COUNTS
    assert len(LARGE_COUNTS) == 15
    assert suite.case_sets == {"default", "large"}


def test_ids_unique_and_stable(suite: Suite) -> None:
    ids = [c.id for c in suite.cases]
    assert len(ids) == len(set(ids)) == 1081
    large = {c.id: c for c in suite.cases if c.case_set == "large"}
    assert large["fatigue_0000"].prompt == "I'm feeling really exhausted today but I don't want to skip my workout."
    assert large["unrealistic_goals_0069"].prompt == "I want to run a marathon in 2 weeks. I ran once last month."
    assert large["nutrition_0055"].category == "nutrition"
    assert "nutrition_0056" not in large
    for case in large.values():
        assert re.fullmatch(rf"{case.category}_\d{{4}}", case.id), case.id


def test_every_case_has_common_checks_and_notes(suite: Suite) -> None:
    for case in suite.cases:
        names = [c.name for c in case.checks]
        assert names[-len(COMMON) :] == COMMON, case.id
        assert case.notes.strip(), case.id
        assert case.max_tokens == 120
        assert case.tools == []
        assert case.messages[0] == {"role": "system", "content": suite.system_prompts["josi"].strip()}


def test_every_unrealistic_goal_has_pushback(suite: Suite) -> None:
    goals = [c for c in suite.cases if c.category == "unrealistic_goals"]
    assert len(goals) == 75
    for case in goals:
        assert "pushback" in [c.name for c in case.checks], case.id
    large_pushback = {
        c.category for c in suite.cases if c.case_set == "large" and "pushback" in [k.name for k in c.checks]
    }
    assert large_pushback == {"unrealistic_goals"}


def test_default_cases_use_histories_and_extra_checks(suite: Suite) -> None:
    default = {c.id: c for c in suite.cases if c.case_set == "default"}
    with_history = [c for c in default.values() if len(c.messages) > 2]
    assert len(with_history) >= 5
    for case in with_history:
        roles = [m["role"] for m in case.messages]
        assert roles[-1] == "user" and "assistant" in roles, case.id
    extra = Counter(k.name for c in default.values() for k in c.checks[: -len(COMMON)])
    assert extra["pushback"] == 7
    assert extra["asks_question"] >= 5
    why_easy = [k.name for k in default["easy_why_easy_today"].checks]
    assert why_easy[0] == "banned_phrases"


def test_data_files_are_byte_identical_copies() -> None:
    if not SHARED.exists():
        pytest.skip("the shared Josi data is not on this machine")
    assert (SUITE_DIR / "data" / "prompts.json").read_bytes() == (SHARED / "prompts.json").read_bytes()
    assert (SUITE_DIR / "data" / "NOTICE.md").read_bytes() == (SHARED / "NOTICE.md").read_bytes()


# ------------------------------------------------------------------ the loader


def test_loader_is_registered() -> None:
    assert get_loader("josi_prompts") is load_josi_prompts


def test_loader_builds_cases(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"Race Prep!": ["Taper?", "Nerves?"], "goals": ["Marathon tomorrow."]}))
    cases = load_josi_prompts(path, pushback_categories=["goals"])
    assert [c["id"] for c in cases] == ["race_prep_0000", "race_prep_0001", "goals_0000"]
    assert cases[0]["category"] == "race_prep"
    assert cases[1]["prompt"] == "Nerves?"
    assert cases[0]["checks"] == []
    assert cases[2]["checks"] == [{"pushback": {}}]
    assert cases[2]["notes"] == "p.json: goals[0]; the coach must push back"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "invalid JSON"),
        ("[]", "expected one JSON object mapping category names to lists of prompt strings, got a JSON list"),
        ("{}", "got an empty object"),
        ('{"fatigue": "tired"}', "category 'fatigue'"),
        ('{"fatigue": []}', "category 'fatigue'"),
        ('{"fatigue": ["ok", 3]}', "category 'fatigue', prompt 1: expected a non-empty string, got 3"),
        ('{"fatigue": ["ok", "  "]}', "prompt 1"),
        ('{"!!": ["ok"]}', "no letters or digits"),
        ('{"Zones": ["a"], "zones": ["b"]}', "both become 'zones'"),
    ],
)
def test_loader_rejects_malformed_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad_prompts.json"
    path.write_text(content)
    with pytest.raises(ConfigError, match=r"bad_prompts\.json") as info:
        load_josi_prompts(path)
    assert message in str(info.value)


def test_loader_rejects_missing_file_and_unknown_pushback_category(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"missing\.json: cannot read"):
        load_josi_prompts(tmp_path / "missing.json")
    path = tmp_path / "p.json"
    path.write_text('{"fatigue": ["tired"]}')
    with pytest.raises(ConfigError, match="pushback_categories names 'goals', not in the file"):
        load_josi_prompts(path, pushback_categories=["goals"])
    with pytest.raises(ConfigError, match="must be a list"):
        load_josi_prompts(path, pushback_categories="fatigue")  # type: ignore[arg-type]


def test_malformed_prompts_file_fails_the_suite(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "prompts.json").write_text('{"fatigue": [1]}')
    text = (SUITE_DIR / "suite.yaml").read_text(encoding="utf-8")
    (tmp_path / "suite.yaml").write_text(text)
    with pytest.raises(ConfigError, match=r"prompts\.json: category 'fatigue', prompt 0"):
        load_suite(tmp_path / "suite.yaml")
