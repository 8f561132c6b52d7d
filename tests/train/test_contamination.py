"""The contamination check must catch planted eval prompts (exact and near-duplicate) and pass clean data."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ConfigError, ContaminationError, DataError
from tests.conftest import CalibratedSuite
from train.contamination import ContaminationIndex, EvalText, check_contamination, collect_eval_texts


@pytest.fixture(scope="module")
def index() -> ContaminationIndex:
    return ContaminationIndex(collect_eval_texts())


def _ex(user: str, assistant: str = "Ribbit, on it.", category: str = "test") -> dict:
    return {
        "category": category,
        "messages": [
            {"role": "system", "content": "You are Pokkit."},
            {"role": "user", "content": user},
            {"role": "assistant", "content": assistant},
        ],
    }


def test_collects_every_suite() -> None:
    sources = {t.source.split("/")[0] for t in collect_eval_texts()}
    assert {"pokkit", "josi", "bfcl", "compression", "persona"} <= sources


def test_planted_exact_pokkit_prompt_is_caught(index: ContaminationIndex) -> None:
    report = index.check([_ex("Set up my day please"), _ex("Look up the weather in Paris for me.")])
    assert [h.example for h in report.hits] == [1]
    assert report.hits[0].source == "pokkit/tool_web_search_paris_weather"
    assert report.hits[0].exact
    with pytest.raises(ContaminationError, match="tool_web_search_paris_weather") as err:
        report.raise_if_contaminated()
    assert err.value.exit_code == 3


def test_planted_prompt_inside_a_longer_turn_is_caught(index: ContaminationIndex) -> None:
    report = index.check([_ex("hey frog, look up the weather in paris for me, thanks a lot!")])
    assert len(report.hits) == 1 and not report.hits[0].exact


def test_near_duplicate_of_a_long_prompt_is_caught() -> None:
    long = "My coach says I should rest after the race but I feel great and want to run tomorrow morning early"
    idx = ContaminationIndex([EvalText("josi/x", long)], n=8, threshold=0.5)
    edited = long.replace("tomorrow morning early", "again on Sunday")  # a few words changed at the end
    assert idx.check([_ex(edited)]).hits
    assert not idx.check([_ex("I feel great after the race and want to run again")]).hits


def test_assistant_turns_are_checked_but_system_prompts_are_not(index: ContaminationIndex) -> None:
    leaked = _ex("hello", assistant="You asked: What's 7 times 8? It is 56.")
    system_only = {"messages": [{"role": "system", "content": "What's 7 times 8?"}, {"role": "user", "content": "yo"},
                                {"role": "assistant", "content": "ribbit"}]}  # fmt: skip
    report = index.check([leaked, system_only])
    assert [h.example for h in report.hits] == [0]


def test_short_texts_match_only_exactly() -> None:
    idx = ContaminationIndex([EvalText("s/hi", "Hi there"), EvalText("s/q", "What's 7 times 8?")], min_words=4)
    assert not idx.check([_ex("Hi there, can you set an alarm?")]).hits  # 2-word prompt, not a whole turn
    assert idx.check([_ex("hi there!")]).hits
    assert idx.check([_ex("quick one: whats 7 times 8")]).hits  # 4 words appear whole


def test_clean_data_passes(index: ContaminationIndex) -> None:
    report = index.check([_ex("Wake me at quarter past nine tomorrow"), _ex("Remind me to water the ferns")])
    assert report.clean
    report.raise_if_contaminated()  # does not raise


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError):
        ContaminationIndex([], n=1)
    with pytest.raises(ValueError):
        ContaminationIndex([], threshold=0)


def test_no_suites_found_is_refused_not_called_clean(tmp_path: Path) -> None:
    """An installed package has no suites/ beside it: checking against nothing must not pass the data."""
    with pytest.raises(DataError) as exc:
        check_contamination([_ex("Look up the weather in Paris for me.")], suites_root=tmp_path / "suites")
    assert "contamination check: no evaluation texts found (no suite.yaml under" in str(exc.value)
    assert "pip install -e ." in str(exc.value) and "\n" not in str(exc.value)
    assert not isinstance(exc.value, ContaminationError)  # exit 2 (bad input), not 3 (contaminated)
    assert exc.value.exit_code == 2


def test_suites_without_any_user_text_are_refused(tmp_path: Path) -> None:
    suite = tmp_path / "s"
    suite.mkdir()
    (suite / "suite.yaml").write_text(
        'name: s\nversion: "1"\ncases:\n  - {id: a, category: x, prompt: "", checks: [{not_empty: {}}]}\n'
    )
    with pytest.raises(DataError, match="hold no user prompt"):
        collect_eval_texts(tmp_path)


def test_an_index_of_nothing_is_refused() -> None:
    with pytest.raises(DataError, match="no evaluation texts found"):
        ContaminationIndex([])
    with pytest.raises(DataError, match="none with a word"):
        ContaminationIndex([EvalText("s/a", "?!")])


def test_a_calibration_reply_is_an_evaluation_text_and_a_stock_phrase_is_not(calibrated_suite: CalibratedSuite) -> None:
    reply = "That sounds like a tough week, and resting today is the smart call. How did you sleep last night?"
    suites = calibrated_suite(
        f'checks:\n  warmth:\n    - {{case: chat, reply: "{reply}", expect: 5, why: acknowledges and asks}}\n'
        '    - {case: chat, reply: "Ribbit! 🐸", expect: 2, why: friendly but says nothing}\n'
    )
    texts = collect_eval_texts(suites)
    assert EvalText("mini/calibration/warmth/1", reply) in texts
    assert not any(t.source == "mini/calibration/warmth/2" for t in texts)  # "Ribbit! 🐸": a stock phrase
    report = check_contamination([_ex("How was your week?"), _ex("I'm beat", assistant=f"Hey! {reply}")], suites)
    assert [(h.example, h.source) for h in report.hits] == [(1, "mini/calibration/warmth/1")]


def test_a_malformed_calibration_file_stops_the_check(calibrated_suite: CalibratedSuite) -> None:
    suites = calibrated_suite("checks:\n  warmth:\n    - {case: chat, reply: hi, expect: pass, why: x}\n")
    with pytest.raises(ConfigError, match=r"calibration.yaml: warmth item 1: expect must be an integer 1-5"):
        collect_eval_texts(suites)
