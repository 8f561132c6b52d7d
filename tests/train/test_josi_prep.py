"""Josi gold prep: the shipped gold file is clean, bad entries drop for the right reason, trimming keeps sentences."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from harness.errors import ConfigError
from harness.scorers.text import count_words
from harness.scoring import build_scorer
from harness.suite import Suite, load_suite
from harness.types import DEFAULT_SET, Case, Completion
from train.josi import (
    DEFAULT_GOLD,
    MIN_TRIMMED_WORDS,
    PrepReport,
    prepare_josi,
    trim_to_word_limit,
)

ROOT = Path(__file__).resolve().parents[2]
SUITE_YAML = ROOT / "suites" / "josi" / "suite.yaml"
BAD = Path(__file__).parent / "data" / "josi_gold_bad.jsonl"


@pytest.fixture(scope="module")
def suite() -> Suite:
    return load_suite(SUITE_YAML)


@pytest.fixture(scope="module")
def categories(suite: Suite) -> set[str]:
    """The categories of the suite's default case set: the gold file covers each of them."""
    return {c.category for c in suite.cases if c.case_set == DEFAULT_SET}


@pytest.fixture(scope="module")
def shipped() -> tuple[list[dict[str, Any]], PrepReport]:
    return prepare_josi([DEFAULT_GOLD])


def write_jsonl(path: Path, *rows: Any) -> Path:
    """Rows that are strings are written as they are (for malformed lines), the rest as JSON."""
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def conv(reply: str, *, ex_id: str = "t1", category: str = "fatigue", user: str = "How is my week looking?") -> dict:
    return {
        "id": ex_id,
        "category": category,
        "messages": [{"role": "user", "content": user}, {"role": "assistant", "content": reply}],
    }


def replies(example: dict[str, Any]) -> list[str]:
    return [m["content"] for m in example["messages"] if m["role"] == "assistant"]


def sentence(n: int, word: str = "easy") -> str:
    """A sentence of exactly ``n`` words ending in a full stop."""
    return " ".join([word] * (n - 1) + ["done."])


WARM = "That sounds like a solid week, nice work! Keep your easy runs easy and sleep well. How do your legs feel?"

# ------------------------------------------------------------------ the shipped gold file


def test_shipped_gold_prepares_with_no_drops(
    shipped: tuple[list[dict[str, Any]], PrepReport], categories: set[str]
) -> None:
    examples, report = shipped
    assert report.dropped_total == 0, report.lines()
    assert report.read == report.kept == len(examples) == 30
    assert report.trimmed == 0
    assert report.kept_per_category == Counter(dict.fromkeys(categories, 3))


def test_shipped_gold_replies_are_30_to_80_words(shipped: tuple[list[dict[str, Any]], PrepReport]) -> None:
    for ex in shipped[0]:
        for text in replies(ex):
            assert 30 <= count_words(text) <= 80, text


def test_shipped_gold_has_the_generator_shape(
    shipped: tuple[list[dict[str, Any]], PrepReport], categories: set[str]
) -> None:
    for ex in shipped[0]:
        assert set(ex) == {"messages", "tools", "category", "targets", "persona", "generator"}
        category = ex["targets"][0]
        assert category in categories
        assert ex["category"] == f"josi_{category}"
        assert (ex["tools"], ex["persona"], ex["generator"]) == ([], "josi", "josi_gold")
        roles = [m["role"] for m in ex["messages"]]
        exchanges = (len(roles) - 1) // 2
        assert 1 <= exchanges <= 3
        assert roles == ["system"] + ["user", "assistant"] * exchanges


def test_shipped_gold_passes_the_suite_checks(shipped: tuple[list[dict[str, Any]], PrepReport], suite: Suite) -> None:
    """Every gold reply passes what the suite scores Josi on, with its own arguments; the first reply to an
    unrealistic goal also needs pushback (a later turn, after the user took the realistic goal, may agree)."""
    checks = [chk for chk in suite.cases[0].checks if chk.name != "contains"]
    assert {chk.name for chk in checks} >= {"forbidden_words", "jargon", "no_deflection", "warmth", "brevity"}
    pushback = build_scorer("pushback")
    failures = []
    for ex in shipped[0]:
        for i, msg in enumerate(ex["messages"]):
            if msg["role"] != "assistant":
                continue
            case = Case("josi", "t", "t", ex["messages"][:i], [], [], 1, [])
            completion = Completion(text=msg["content"], visible=msg["content"])
            scores = [chk.fn(case, completion) for chk in checks]
            if ex["targets"] == ["unrealistic_goals"] and i == 2:  # the reply to the goal; later turns may agree
                scores.append(pushback(case, completion))
            failures += [f"{ex['targets']} {msg['content'][:40]!r}: {s.reason}" for s in scores if not s.passed]
    assert failures == []


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower().replace("\u2019", "'"))


def test_shipped_gold_prompts_share_no_four_word_run_with_the_eval_prompts(
    shipped: tuple[list[dict[str, Any]], PrepReport], suite: Suite
) -> None:
    """A local guard against contamination: no user turn shares 4 consecutive words with any eval prompt."""
    n = 4
    eval_prompts = {m["content"] for c in suite.cases for m in c.messages if m["role"] == "user"}
    assert len(eval_prompts) > 1000  # the 50 built-in cases and the large set
    grams = {tuple(w[i : i + n]) for p in eval_prompts for w in [_words(p)] for i in range(len(w) - n + 1)}
    shared = []
    for ex in shipped[0]:
        for msg in ex["messages"]:
            if msg["role"] == "user":
                w = _words(msg["content"])
                shared += [(msg["content"], g) for i in range(len(w) - n + 1) if (g := tuple(w[i : i + n])) in grams]
    assert shared == []


def test_system_prompt_is_the_suites(shipped: tuple[list[dict[str, Any]], PrepReport], suite: Suite) -> None:
    expected = suite.cases[0].messages[0]
    assert expected["role"] == "system"
    for ex in shipped[0]:
        assert ex["messages"][0] == expected


def test_a_given_system_prompt_replaces_the_suites(tmp_path: Path) -> None:
    examples, _ = prepare_josi([write_jsonl(tmp_path / "g.jsonl", conv(WARM))], system_prompt="You are Josi.")
    assert examples[0]["messages"][0] == {"role": "system", "content": "You are Josi."}


def test_a_gold_file_with_a_system_message_is_malformed(tmp_path: Path) -> None:
    row = conv(WARM)
    row["messages"].insert(0, {"role": "system", "content": "You are someone else."})
    examples, report = prepare_josi([write_jsonl(tmp_path / "g.jsonl", row)])
    assert examples == [] and report.dropped == Counter(malformed=1)
    assert "system message" in report.drops[0].detail


# ------------------------------------------------------------------ the bad file


def test_bad_file_drops_each_entry_for_its_reason() -> None:
    examples, report = prepare_josi([BAD])
    assert examples == []
    assert report.read == 4 and report.kept == 0
    assert report.dropped == Counter(leak=1, too_long=1, empty=1, malformed=1)
    by_line = {d.line: d for d in report.drops}
    assert {line: d.reason for line, d in by_line.items()} == {1: "leak", 2: "too_long", 3: "empty", 4: "malformed"}
    assert "'ACWR'" in by_line[1].detail
    assert by_line[1].example_id == "bad_leaks_acwr"
    assert "invalid JSON" in by_line[4].detail
    assert str(by_line[4]).startswith(f"{BAD}:4")


def test_report_lines_name_counts_and_each_drop() -> None:
    _, report = prepare_josi([BAD])
    text = "\n".join(report.lines())
    assert "read 4" in text and "kept 0" in text and "dropped 4" in text
    assert "malformed 1, empty 1, leak 1, too_long 1" in text
    for line in range(1, 5):
        assert f"{BAD}:{line}" in text


@pytest.mark.parametrize(
    ("row", "detail"),
    [
        ("[1, 2, 3]", "expected a JSON object"),
        ({"id": "x", "messages": [{"role": "user", "content": "hi"}]}, "missing field(s) 'category'"),
        ({**conv(WARM), "mesages": []}, "unknown field(s) 'mesages'"),
        (conv(WARM, ex_id="has space"), "'id'"),
        (conv(WARM, category="Fatigue Days"), "'category'"),
        ({"id": "x", "category": "fatigue", "messages": []}, "non-empty list"),
        ({"id": "x", "category": "fatigue", "messages": [{"role": "assistant", "content": WARM}]}, "alternate"),
        ({"id": "x", "category": "fatigue", "messages": [{"role": "user", "content": "hi"}]}, "end with an assistant"),
        ({"id": "x", "category": "fatigue", "messages": [{"role": "user", "content": 3}]}, "must be a string"),
        ({"id": "x", "category": "fatigue", "messages": [{"role": "user"}]}, "exactly 'role' and 'content'"),
    ],
)
def test_malformed_entries_are_dropped_with_the_problem(tmp_path: Path, row: Any, detail: str) -> None:
    examples, report = prepare_josi([write_jsonl(tmp_path / "g.jsonl", conv(WARM, ex_id="good"), row)])
    assert len(examples) == 1
    assert report.dropped == Counter(malformed=1)
    assert detail in report.drops[0].detail
    assert report.drops[0].line == 2


def test_a_duplicate_id_is_malformed(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "g.jsonl", conv(WARM, ex_id="same"), conv(WARM, ex_id="same"))
    examples, report = prepare_josi([path])
    assert len(examples) == 1 and report.dropped == Counter(malformed=1)
    assert f"first used at {path}:1" in report.drops[0].detail


def test_an_empty_user_turn_is_dropped_as_empty(tmp_path: Path) -> None:
    _, report = prepare_josi([write_jsonl(tmp_path / "g.jsonl", conv(WARM, user=" "))])
    assert report.dropped == Counter(empty=1)
    assert "message 0 (user)" in report.drops[0].detail


# ------------------------------------------------------------------ jargon and deflection


def test_jargon_is_dropped_naming_the_term(tmp_path: Path) -> None:
    reply = "Your VO2max will climb if you keep the easy days easy. How did today's run feel for you?"
    _, report = prepare_josi([write_jsonl(tmp_path / "g.jsonl", conv(reply))])
    assert report.dropped == Counter(jargon=1)
    assert "'VO2max'" in report.drops[0].detail


def test_jargon_the_user_used_first_is_allowed(tmp_path: Path) -> None:
    reply = "FTP is the power you could hold for about an hour. You don't need it to train well, so no worries!"
    examples, report = prepare_josi([write_jsonl(tmp_path / "g.jsonl", conv(reply, user="What's FTP?"))])
    assert report.dropped_total == 0 and len(examples) == 1


def test_sending_the_user_to_another_app_is_dropped(tmp_path: Path) -> None:
    reply = "For route planning you could try Strava, it's great for that. How far do you want to ride?"
    _, report = prepare_josi([write_jsonl(tmp_path / "g.jsonl", conv(reply))])
    assert report.dropped == Counter(deflection=1)
    assert "strava" in report.drops[0].detail.lower()


def test_a_leak_in_a_later_reply_outranks_jargon_in_an_earlier_one(tmp_path: Path) -> None:
    """Leaks are checked in every reply before jargon is, so the worse problem names the drop."""
    row = conv("Your VO2max is climbing nicely, keep the easy days easy. How do your legs feel today?")
    row["messages"] += [
        {"role": "user", "content": "Why is tomorrow a rest day?"},
        {"role": "assistant", "content": "Your ACWR is high, so tomorrow is for rest. Sleep well tonight!"},
    ]
    _, report = prepare_josi([write_jsonl(tmp_path / "g.jsonl", row)])
    assert report.dropped == Counter(leak=1)
    assert report.drops[0].detail.startswith("message 3 ") and "'ACWR'" in report.drops[0].detail


def test_a_doctor_referral_is_kept(tmp_path: Path) -> None:
    reply = "Chest pain on a run is a reason to stop and see a doctor today, before any more training. Can you go?"
    examples, report = prepare_josi([write_jsonl(tmp_path / "g.jsonl", conv(reply))])
    assert report.dropped_total == 0 and len(examples) == 1


# ------------------------------------------------------------------ the word limit


def test_trim_keeps_the_most_whole_sentences_within_the_limit() -> None:
    text = " ".join([sentence(30), sentence(30), sentence(15), sentence(20)])  # 95 words
    cut = trim_to_word_limit(text, 80)
    assert cut == " ".join([sentence(30), sentence(30), sentence(15)])
    assert count_words(cut) == 75


@pytest.mark.parametrize("end", ["!", "?", '."', "?!"])
def test_trim_cuts_at_any_sentence_end(end: str) -> None:
    first = sentence(20)[:-1] + end
    cut = trim_to_word_limit(f"{first} {sentence(70)}", 80)
    assert cut == first


def test_trim_does_not_cut_inside_a_number() -> None:
    text = f"Run 3.5 km {sentence(68)} {sentence(20)}"  # the "3.5" dot is not a sentence end
    cut = trim_to_word_limit(text, 80)
    assert cut is not None and cut.startswith("Run 3.5 km") and count_words(cut) == 71


def test_trim_gives_up_when_the_only_cut_leaves_too_few_words() -> None:
    text = f"{sentence(MIN_TRIMMED_WORDS - 1)} {sentence(90)}"
    assert trim_to_word_limit(text, 80) is None
    assert trim_to_word_limit(f"{sentence(MIN_TRIMMED_WORDS)} {sentence(90)}", 80) == sentence(MIN_TRIMMED_WORDS)


def test_trim_leaves_a_reply_within_the_limit_alone() -> None:
    text = "no full stop at all " * 4  # 20 words, under the limit: untouched even without a sentence end
    assert trim_to_word_limit(text, 80) == text


def test_prepare_trims_and_reports_it(tmp_path: Path) -> None:
    reply = " ".join([sentence(40), sentence(30), sentence(25)])
    examples, report = prepare_josi([write_jsonl(tmp_path / "g.jsonl", conv(reply))])
    assert replies(examples[0]) == [" ".join([sentence(40), sentence(30)])]
    assert report.trimmed == 1 and report.kept == 1 and report.dropped_total == 0
    assert (report.trims[0].words_before, report.trims[0].words_after) == (95, 70)
    assert any("cut from 95 to 70 words" in line for line in report.lines())


def test_a_lower_word_limit_trims_the_shipped_gold_to_whole_sentences() -> None:
    originals = {}
    for line in DEFAULT_GOLD.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        originals[row["id"]] = [m["content"] for m in row["messages"] if m["role"] == "assistant"]
    examples, report = prepare_josi([DEFAULT_GOLD], word_limit=40)
    assert report.trimmed > 0 and report.kept + report.dropped_total == 30
    assert set(report.dropped) <= {"too_long"}
    all_originals = [text for texts in originals.values() for text in texts]
    for ex in examples:
        for text in replies(ex):
            assert MIN_TRIMMED_WORDS <= count_words(text) <= 40
            assert text[-1] in ".!?\"'" or text in all_originals
            assert any(orig.startswith(text) for orig in all_originals)


# ------------------------------------------------------------------ configuration errors


def test_a_missing_file_raises_config_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    with pytest.raises(ConfigError) as err:
        prepare_josi([DEFAULT_GOLD, missing])
    assert str(missing) in str(err.value)
    assert "\n" not in str(err.value)


def test_a_directory_raises_config_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=re.escape(str(tmp_path))):
        prepare_josi([tmp_path])


@pytest.mark.parametrize("kwargs", [{"word_limit": MIN_TRIMMED_WORDS - 1}, {"system_prompt": "  "}])
def test_bad_arguments_raise_config_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        prepare_josi([DEFAULT_GOLD], **kwargs)


def test_no_paths_raise_config_error() -> None:
    with pytest.raises(ConfigError, match="no gold files"):
        prepare_josi([])
