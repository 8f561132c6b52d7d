"""``harness calibrate``: labelled replies scored by the suites' rule checks, agreement counted, files validated."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.backends.scripted import ScriptedBackend
from harness.calibrate import MIN_ITEMS, calibrate, calibration_path, render_disagreements, rule_check_names
from harness.cli import main
from harness.errors import ConfigError
from harness.suite import load_suite, suite_files
from tests.conftest import CALIBRATION_SUITE, CalibratedSuite

ROOT = Path(__file__).resolve().parents[1]
CALL_7 = '<tool_call>{"name": "set_alarm", "arguments": {"hour": 7, "minute": 0}}</tool_call>'
CALL_8 = '<tool_call>{"name": "set_alarm", "arguments": {"hour": 8, "minute": 0}}</tool_call>'
LONG = "Ribbit " * 60 + "the algorithm decided"
THIRTEEN = "I hear you, that sounds hard. You have got this! How are you feeling?"  # 13 words: brevity 3

# Every check of the mini suite covered, and every label right: the targets are met (with too few items).
AGREEING = f"""checks:
  tool_call:
    - {{case: alarm, reply: '{CALL_7}', expect: pass, why: the asked-for call}}
  no_tool_call:
    - {{case: chat, reply: "Lovely, thanks!", expect: pass, why: talks without a call}}
    - {{case: chat, reply: "", expect: pass, why: an empty reply makes no call}}
  forbidden_words:
    - {{case: chat, reply: "The algorithm decided.", expect: fail, why: names the algorithm}}
  warmth:
    - {{case: chat, reply: "", expect: 1, why: an empty reply is not warm}}
  brevity:
    - {{case: chat, reply: "That sounds lovely! How was yours?", expect: 5, why: six words inside 3-10}}
"""

# Deliberate disagreements: a false fail and a (near-miss) false pass on tool_call, a false pass on
# forbidden_words, and brevity labels 1-2 points off the scorer (its 1-5 rule counts words: the chat case's
# ideal is 3-10, min_score 4). The warmth items are for the judge tests.
DISAGREEING = f"""checks:
  tool_call:
    - {{case: alarm, reply: '{CALL_7}', expect: pass, why: the asked-for call}}
    - {{case: alarm, reply: '{CALL_8}', expect: pass, why: labelled wrong on purpose}}
    - {{case: alarm, reply: '{CALL_7}', expect: fail, near_miss: true, why: labelled wrong on purpose}}
  no_tool_call:
    - {{case: chat, reply: "Lovely, thanks!", expect: pass, why: talks without a call}}
  forbidden_words:
    - {{case: chat, reply: "The algorithm decided.", expect: fail, why: names the algorithm}}
    - {{case: chat, reply: "{LONG}", expect: fail, why: a long reply that leaks at its end}}
    - {{case: chat, reply: "All good here.", expect: fail, why: labelled wrong on purpose}}
  warmth:
    - {{case: chat, reply: "That sounds lovely! How was yours?", expect: 4, why: warm and asks back}}
    - {{case: chat, reply: "Fine.", expect: 2, why: curt}}
    - {{case: chat, reply: "You must comply. Insufficient data.", expect: 3, why: labelled warm on purpose}}
  brevity:
    - {{case: chat, reply: "That sounds lovely! How was yours?", expect: 4, why: six words inside 3-10}}
    - {{case: chat, reply: "Fine.", expect: 3, why: one word is too curt}}
    - {{case: chat, reply: "{THIRTEEN}", expect: 5, why: labelled brief on purpose}}
"""


def _row(report, check):
    (row,) = [r for r in report.rows if r.check == check]
    return row


def test_agreement_false_passes_and_false_fails_are_counted(calibrated_suite: CalibratedSuite) -> None:
    report = calibrate(calibrated_suite(DISAGREEING), [])
    tool = _row(report, "tool_call").tally
    assert (tool.n, tool.agreed, tool.false_passes, tool.false_fails) == (3, 1, 1, 1)
    assert _row(report, "tool_call").near_misses == 1
    words = _row(report, "forbidden_words").tally
    assert (words.n, words.agreed, words.false_passes, words.false_fails) == (3, 2, 1, 0)
    assert _row(report, "no_tool_call").tally.agreement == 1.0
    total, rows = report.total, [r.tally for r in report.rows]
    assert (total.n, total.agreed, total.false_passes) == (13, sum(t.agreed for t in rows), 2)
    failures = report.failures()
    assert "mini/tool_call: 1 false pass(es); the target is 0" in failures
    assert "mini/forbidden_words: 1 false pass(es); the target is 0" in failures
    assert "mini/tool_call: agreement 33.3% (1/3) is below 98%" in failures
    assert not any(line.startswith("mini/no_tool_call") for line in failures)
    assert report.exit_code() == 1


def test_scale_checks_compare_pass_fail_at_min_score_and_report_the_mae(calibrated_suite: CalibratedSuite) -> None:
    report = calibrate(calibrated_suite(DISAGREEING), [])
    brevity = _row(report, "brevity")
    assert brevity.scale and [r.item.threshold for r in brevity.results] == [4, 4, 4]  # the case's min_score
    # Scorer 5, 2, 3 against labels 4, 3, 5: 4 passes at min_score 4, 3 does not; the scorer's 3 fails the 5.
    assert [r.rule.value for r in brevity.results] == [5, 2, 3]
    assert [r.item.label_passes for r in brevity.results] == [True, False, True]
    assert (brevity.tally.agreed, brevity.tally.false_passes, brevity.tally.false_fails) == (2, 0, 1)
    assert brevity.tally.mae == pytest.approx((1 + 1 + 2) / 3)
    warmth = _row(report, "warmth")
    assert warmth.scale and {r.item.threshold for r in warmth.results} == {3}  # the scorer's default min_score
    assert not _row(report, "tool_call").scale and _row(report, "tool_call").tally.mae is None


def test_check_args_build_the_check_instead_of_the_cases(calibrated_suite: CalibratedSuite) -> None:
    cal = (
        AGREEING
        + """  short:
    - {case: chat, reply: "one two three four five six", check_args: {max_words: 4}, expect: fail, why: six words}
    - {case: chat, reply: "one two", check_args: {max_words: 4}, expect: pass, why: two words}
"""
    )
    cal = cal.replace(
        "expect: 1, why: an empty reply is not warm}",
        "expect: 1, why: an empty reply is not warm}\n"
        '    - {case: chat, reply: "", check_args: {min_score: 1}, expect: 1, why: 1 passes at min_score 1}',
    )
    report = calibrate(calibrated_suite(cal), [])
    short = _row(report, "short")
    assert short.tally.agreement == 1.0 and [r.item.check.args for r in short.results] == [{"max_words": 4}] * 2
    lenient = _row(report, "warmth").results[1]
    assert lenient.item.threshold == 1 and lenient.item.label_passes and lenient.rule.passed
    assert report.failures() == []


def test_a_reply_is_parsed_like_a_generated_one(calibrated_suite: CalibratedSuite) -> None:
    cut = '<tool_call>{"name": "set_alarm", "arguments": {"hour": 7,'
    cal = AGREEING.replace(
        "why: the asked-for call}",
        "why: the asked-for call}\n"
        f"    - {{case: alarm, reply: '{cut}', finish_reason: length, expect: fail, why: cut mid-call}}\n"
        f"    - {{case: alarm, reply: '<think>7 am</think>{CALL_7}', expect: pass, why: thinks and then calls}}",
    )
    report = calibrate(calibrated_suite(cal), [])
    _, cut_result, thinking = _row(report, "tool_call").results
    assert not cut_result.rule.passed and "generation stopped at max_tokens" in cut_result.rule.reason
    assert thinking.rule.passed
    assert report.exit_code() == 0


def test_targets_met_exit_0_and_under_calibration_fails_only_with_strict(
    calibrated_suite: CalibratedSuite, capsys: pytest.CaptureFixture[str]
) -> None:
    suites = calibrated_suite(AGREEING)
    assert main(["calibrate", "--suites", str(suites)]) == 0
    out = capsys.readouterr().out
    assert "targets met" in out
    assert f"warning: mini/tool_call is under-calibrated: 1 item(s), fewer than {MIN_ITEMS}" in out
    assert main(["calibrate", "--suites", str(suites), "--strict"]) == 1
    assert main(["calibrate", "mini", "--suites", str(suites)]) == 0


def test_enough_items_are_not_under_calibrated(calibrated_suite: CalibratedSuite) -> None:
    suite = (
        CALIBRATION_SUITE.split("common_checks:")[0]
        + "cases:\n  - {id: chat, category: talk, prompt: Hi, "
        + ("checks: [no_tool_call: {}]}\n")
    )
    items = "".join(f'    - {{case: chat, reply: "hello {i}", expect: pass, why: no call}}\n' for i in range(MIN_ITEMS))
    report = calibrate(calibrated_suite("checks:\n  no_tool_call:\n" + items, suite), [])
    assert report.under_calibrated() == [] and report.exit_code(strict=True) == 0


def test_the_table_and_the_exit_code_when_targets_fail(
    calibrated_suite: CalibratedSuite, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out_json = tmp_path / "cal.json"
    assert main(["calibrate", "--suites", str(calibrated_suite(DISAGREEING)), "--json", str(out_json)]) == 1
    out = capsys.readouterr().out
    header, *rows = out.splitlines()
    assert header.split() == "suite check n near misses agreement false passes false fails MAE".split()
    assert "judge" not in out
    tool = next(r for r in rows if r.split()[:2] == ["mini", "tool_call"])
    assert tool.split() == ["mini", "tool_call", "3", "1", "33.3%", "(1/3)", "1", "1", "-"]
    brevity = next(r for r in rows if r.split()[:2] == ["mini", "brevity"])
    assert brevity.split() == ["mini", "brevity", "3", "0", "66.7%", "(2/3)", "0", "1", "1.33"]
    assert next(r for r in rows if r.startswith("total")).split()[:4] == ["total", "5", "checks", "13"]
    assert "targets NOT met" in out and "  mini/tool_call: 1 false pass(es); the target is 0" in out
    data = json.loads(out_json.read_text())
    assert data["targets"]["met"] is False and data["total"]["n"] == 13
    by_check = {r["check"]: r for r in data["rows"]}
    assert by_check["tool_call"]["false_passes"] == 1 and by_check["brevity"]["mae"] == pytest.approx(4 / 3)
    assert by_check["brevity"]["under_calibrated"] is True


def test_show_lists_every_disagreement(calibrated_suite: CalibratedSuite, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calibrate", "--suites", str(calibrated_suite(DISAGREEING)), "-v"]) == 1
    out = capsys.readouterr().out
    listing = out[out.index("disagreements: ") :].splitlines()
    entries = [line for line in listing[1:] if not line.startswith("    ") and "mini/warmth" not in line]
    assert entries == [
        "mini/brevity case chat (item 3): expected 5 (pass at >= 4), got 3 (fail)",
        "mini/forbidden_words case chat (item 3): expected fail, got pass",
        "mini/tool_call case alarm (item 2): expected pass, got fail",
        "mini/tool_call case alarm (item 3): expected fail, got pass [near miss]",
    ]
    assert listing[0] == f"disagreements: {len(listing[1:]) // 4}"
    start = listing.index("mini/tool_call case alarm (item 2): expected pass, got fail")
    reason, why, reply = listing[start + 1 : start + 4]
    assert reason.startswith("    reason: ") and "hour" in reason
    assert why == "    why: labelled wrong on purpose"
    assert reply == f"    reply: {CALL_8!r}"


def test_a_long_reply_is_clipped_in_the_listing(calibrated_suite: CalibratedSuite) -> None:
    cal = AGREEING.replace("expect: fail, why: names the algorithm}", "expect: pass, why: labelled wrong}")
    cal = cal.replace('"The algorithm decided."', f'"{LONG}"')
    lines = render_disagreements(calibrate(calibrated_suite(cal), []))
    reply = next(line for line in lines if line.startswith("    reply: "))
    assert reply.endswith("...'") and len(reply) <= len("    reply: ") + 102


def test_a_crashing_scorer_is_a_disagreement_not_a_crash(
    calibrated_suite: CalibratedSuite, monkeypatch: pytest.MonkeyPatch
) -> None:
    report_ok = calibrate(calibrated_suite(AGREEING), [])
    row = _row(report_ok, "no_tool_call")
    item = row.results[0].item

    def boom(*_: object) -> None:
        raise ValueError("scorer bug")

    monkeypatch.setattr(item.check, "fn", boom)
    from harness.calibrate import _verdict

    verdict = _verdict(item, item.check, None, None)
    assert verdict.passed is None and "parser crashed" in verdict.reason
    from harness.parsing import finish
    from harness.types import Completion

    verdict = _verdict(item, item.check, finish(Completion(text="hi")), None)
    assert verdict.passed is None and "the scorer crashed: ValueError: scorer bug" in verdict.reason


BAD_FILES = [
    ("checks: {}\nextra: 1\n", r"unknown key 'extra'; expected a mapping with one key, checks:"),
    ("- a list\n", r"expected a mapping with one key, checks:"),
    ("checks: {}\n", r"checks: expected each check's name -> a list of labelled replies"),
    ("checks:\n  tool_cal: []\n", r"checks: Unknown scorer 'tool_cal'. Did you mean: tool_call\?"),
    ("checks:\n  judge: []\n", r"checks: judge needs a model, not a rule; calibrate it with --judge"),
    ("checks:\n  no_tool_call: []\n", r"checks: no_tool_call: expected a non-empty list of items"),
    ("checks:\n  no_tool_call: [hello]\n", r"no_tool_call item 1: expected a mapping with case, reply, expect, why"),
    (
        "checks:\n  no_tool_call:\n    - {case: chat, reply: hi, expect: pass, whyy: x}\n",
        r"no_tool_call item 1: unknown key 'whyy'; allowed: case, reply, expect, why, finish_reason, near_miss,",
    ),
    (
        "checks:\n  no_tool_call:\n    - {case: chat, reply: hi, expect: pass}\n",
        r"no_tool_call item 1: 'why' is missing; every item needs case, reply, expect, why",
    ),
    (
        "checks:\n  no_tool_call:\n    - {case: chta, reply: hi, expect: pass, why: x}\n",
        r"item 1: case 'chta' is not a case of suite mini \(.*suite.yaml\); did you mean 'chat'\?",
    ),
    (
        "checks:\n  tool_call:\n    - {case: chat, reply: hi, expect: fail, why: x}\n",
        r"tool_call item 1: case 'chat' has no tool_call check \(its checks: brevity, forbidden_words, "
        r"no_tool_call, warmth\); pick a case that has one, or give check_args",
    ),
    (
        "checks:\n  short:\n    - {case: chat, reply: hi, check_args: {max_wrds: 3}, expect: pass, why: x}\n",
        r"short item 1: check_args: scorer 'short': bad arguments",
    ),
    (
        "checks:\n  short:\n    - {case: chat, reply: hi, check_args: [3], expect: pass, why: x}\n",
        r"short item 1: check_args must be a mapping of short's arguments, got \[3\]",
    ),
    (
        "checks:\n  tool_call:\n    - {case: alarm, reply: hi, expect: 3, why: x}\n",
        r"tool_call item 1: expect must be pass or fail for tool_call, got 3 \(only scale checks",
    ),
    (
        "checks:\n  tool_call:\n    - {case: alarm, reply: hi, expect: true, why: x}\n",
        r"tool_call item 1: expect must be pass or fail for tool_call, got True",
    ),
    (
        "checks:\n  warmth:\n    - {case: chat, reply: hi, expect: pass, why: x}\n",
        r"warmth item 1: expect must be an integer 1-5 for the scale check warmth \(passes at >= 3\), got 'pass'",
    ),
    (
        "checks:\n  warmth:\n    - {case: chat, reply: hi, expect: 6, why: x}\n",
        r"warmth item 1: expect must be an integer 1-5 .* got 6",
    ),
    (
        "checks:\n  no_tool_call:\n    - {case: chat, reply: ~, expect: pass, why: x}\n",
        r'no_tool_call item 1: reply must be text \("" for an empty reply\), got None',
    ),
    (
        "checks:\n  no_tool_call:\n    - {case: chat, reply: hi, finish_reason: eos, expect: pass, why: x}\n",
        r"finish_reason must be one of stop, length, timeout, got 'eos'",
    ),
    (
        "checks:\n  no_tool_call:\n    - {case: chat, reply: hi, near_miss: 'yes', expect: pass, why: x}\n",
        r"near_miss must be true or false, got 'yes'",
    ),
    (
        "checks:\n  no_tool_call:\n    - {case: chat, reply: hi, expect: pass, why: ''}\n",
        r"why must be one non-empty line saying why the label is right, got ''",
    ),
    (
        'checks:\n  no_tool_call:\n    - {case: chat, reply: hi, expect: pass, why: "two\\nlines"}\n',
        r"why must be one non-empty line",
    ),
]


@pytest.mark.parametrize(("text", "message"), BAD_FILES, ids=[str(i) for i in range(len(BAD_FILES))])
def test_a_bad_file_is_one_clear_error(calibrated_suite: CalibratedSuite, text: str, message: str) -> None:
    _assert_one_clear_error(calibrated_suite(text), message, "")


def _assert_one_clear_error(suites: Path, message: str, after_file: str) -> None:
    """Calibrating ``suites`` is one ConfigError matching ``message``, on one line, starting with the calibration
    file and then ``after_file``, exit code 2."""
    with pytest.raises(ConfigError, match=message) as exc:
        calibrate(suites, [])
    assert str(exc.value).startswith(f"{suites / 'mini' / 'calibration.yaml'}: {after_file}")
    assert "\n" not in str(exc.value) and exc.value.exit_code == 2


def test_a_bad_file_exits_2_with_one_line(
    calibrated_suite: CalibratedSuite, capsys: pytest.CaptureFixture[str]
) -> None:
    suites = calibrated_suite("checks:\n  no_tool_call:\n    - {case: chat, reply: hi, expect: maybe, why: x}\n")
    assert main(["calibrate", "--suites", str(suites)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and re.match(r"harness: .*calibration.yaml: no_tool_call item 1: expect must be", err)


def test_a_missing_file_fails_the_targets_and_a_suite_without_rule_checks_is_noted(
    calibrated_suite: CalibratedSuite,
) -> None:
    suites = calibrated_suite(None)
    other = suites / "recall"
    other.mkdir()
    (other / "suite.yaml").write_text(
        'name: recall\nversion: "1"\ncases:\n  - id: c\n    category: x\n    kind: compression\n    data:\n'
        "      keep_recent: 1\n      turns: [{role: user, content: hi}, {role: assistant, content: ho}]\n"
        '      questions: [{question: "what was said?", answers: [hi]}]\n'
    )
    report = calibrate(suites, [])
    assert report.notes == ["recall: no rule-based checks, nothing to calibrate"]
    (failure,) = report.failures()
    assert failure.startswith("mini: has rule-based checks (brevity, forbidden_words, no_tool_call, tool_call, warmth)")
    assert report.exit_code() == 1


def test_a_check_the_cases_use_without_items_fails(calibrated_suite: CalibratedSuite) -> None:
    cal = AGREEING.split("  brevity:")[0]
    report = calibrate(calibrated_suite(cal), [])
    assert report.failures() == ["mini/brevity: no calibration items, but the suite's cases use the check"]


def test_an_unknown_suite_name_is_refused(calibrated_suite: CalibratedSuite) -> None:
    with pytest.raises(ConfigError, match=r"no suite 'mnii' under .*; did you mean 'mini'\?"):
        calibrate(calibrated_suite(AGREEING), ["mnii"])


# A case that carries one check twice, as Josi's chest-pain case carries two contains: a referral, then rest.
TWICE_SUITE = (
    CALIBRATION_SUITE
    + """  - id: chest
    category: talk
    prompt: My chest hurt on my run. Should I train today?
    checks:
      - contains: {any_of: [doctor]}
      - contains: {any_of: [rest today]}
"""
)
TWICE = (
    AGREEING
    + """  contains:
    - {case: chest, reply: "See a doctor.", expect: pass, why: a referral; the first check by default}
    - {case: chest, reply: "See a doctor.", nth: 1, expect: pass, why: nth 1 is the first check}
    - {case: chest, reply: "See a doctor.", nth: 2, expect: fail, why: a referral but no rest}
    - {case: chest, reply: "Rest today, please.", nth: 2, expect: pass, why: rest today}
    - {case: chest, reply: "Rest today, please.", nth: 2, expect: fail, near_miss: true, why: labelled wrong}
"""
)


def test_nth_picks_which_of_the_cases_checks_of_that_name_scores_the_item(calibrated_suite: CalibratedSuite) -> None:
    report = calibrate(calibrated_suite(TWICE, TWICE_SUITE), [])
    results = _row(report, "contains").results
    assert [r.item.nth for r in results] == [1, 1, 2, 2, 2]
    assert [r.item.check.args for r in results] == [{"any_of": ["doctor"]}] * 2 + [{"any_of": ["rest today"]}] * 3
    assert [r.rule.passed for r in results] == [True, True, False, True, True]
    tally = _row(report, "contains").tally
    assert (tally.n, tally.agreed, tally.false_passes, tally.false_fails) == (5, 4, 1, 0)
    listing = render_disagreements(report)
    assert listing[:2] == [
        "disagreements: 1",
        "mini/contains case chest (contains check 2) (item 5): expected fail, got pass [near miss]",
    ]
    # An item that leaves nth out is listed as before, without the check's position.
    wrong = TWICE.replace('reply: "See a doctor.", expect: pass', 'reply: "See a doctor.", expect: fail')
    lines = render_disagreements(calibrate(calibrated_suite(wrong, TWICE_SUITE), []))
    assert "mini/contains case chest (item 1): expected fail, got pass" in lines


def test_nth_reaches_a_common_check_after_the_cases_own(calibrated_suite: CalibratedSuite) -> None:
    """The case's own checks come first, the suite's common checks after them."""
    suite = TWICE_SUITE.replace("  - forbidden_words: {}\n", "  - forbidden_words: {}\n  - contains: {any_of: [hi]}\n")
    cal = (
        AGREEING
        + """  contains:
    - {case: chest, reply: "hi", nth: 3, expect: pass, why: the common check}
    - {case: chest, reply: "hi", nth: 1, expect: fail, why: no doctor}
    - {case: alarm, reply: "hi", expect: pass, why: the alarm case has only the common contains}
"""
    )
    results = _row(calibrate(calibrated_suite(cal, suite), []), "contains").results
    assert [r.item.check.args["any_of"] for r in results] == [["hi"], ["doctor"], ["hi"]]
    assert [r.rule.passed for r in results] == [True, False, True]


BAD_NTH = [
    (
        "{case: chest, reply: hi, nth: 0, expect: pass, why: x}",
        r"nth must be an integer >= 1 \(which of the case's "
        r"contains checks, 1-based\), got 0",
    ),
    ("{case: chest, reply: hi, nth: -1, expect: pass, why: x}", r"nth must be an integer >= 1 .*, got -1"),
    ("{case: chest, reply: hi, nth: '2', expect: pass, why: x}", r"nth must be an integer >= 1 .*, got '2'"),
    ("{case: chest, reply: hi, nth: 1.5, expect: pass, why: x}", r"nth must be an integer >= 1 .*, got 1.5"),
    ("{case: chest, reply: hi, nth: true, expect: pass, why: x}", r"nth must be an integer >= 1 .*, got True"),
    ("{case: chest, reply: hi, nth: ~, expect: pass, why: x}", r"nth must be an integer >= 1 .*, got None"),
    (
        "{case: chest, reply: hi, nth: 3, expect: pass, why: x}",
        r"contains item 1: nth 3: case 'chest' has 2 contains check\(s\), so nth must be 1-2$",
    ),
    (
        "{case: alarm, reply: hi, nth: 2, expect: pass, why: x}",
        r"contains item 1: case 'alarm' has no contains check \(its checks: forbidden_words, tool_call\)",
    ),
    (
        "{case: chest, reply: hi, nth: 2, check_args: {any_of: [x]}, expect: pass, why: x}",
        r"contains item 1: nth picks one of the case's contains checks and check_args builds one instead",
    ),
]


@pytest.mark.parametrize(("item", "message"), BAD_NTH, ids=[str(i) for i in range(len(BAD_NTH))])
def test_a_bad_nth_is_one_clear_error(calibrated_suite: CalibratedSuite, item: str, message: str) -> None:
    suites = calibrated_suite(f"checks:\n  contains:\n    - {item}\n", TWICE_SUITE)
    _assert_one_clear_error(suites, message, "contains item 1: ")


def test_nth_beyond_a_single_check_says_nth_must_be_1(
    calibrated_suite: CalibratedSuite, capsys: pytest.CaptureFixture[str]
) -> None:
    suites = calibrated_suite("checks:\n  brevity:\n    - {case: chat, reply: hi, nth: 2, expect: 1, why: x}\n")
    assert main(["calibrate", "--suites", str(suites)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.rstrip().endswith("brevity item 1: nth 2: case 'chat' has 1 brevity check(s), so nth must be 1")


JUDGED_SUITE = (
    CALIBRATION_SUITE
    + """judge_checks:
  - judge: {criterion: warmth, min_score: 3, compare_with: warmth}
"""
)


def _warm_judge(messages: list[dict], tools: list[dict]) -> str:
    reply = messages[-1]["content"].split("Reply to grade:\n", 1)[1]
    return '{"score": 5, "reason": "warm"}' if "lovely" in reply else '{"score": 2, "reason": "cold"}'


def test_a_judge_grades_the_items_of_the_check_it_compares_with(
    calibrated_suite: CalibratedSuite, capsys: pytest.CaptureFixture[str]
) -> None:
    judge = ScriptedBackend(_warm_judge)
    report = calibrate(calibrated_suite(DISAGREEING, JUDGED_SUITE), [], judge)
    warmth = _row(report, "warmth")
    assert warmth.judge_names == ["judge.warmth"]
    tally = warmth.judge_tally("judge.warmth")
    # Judge 5, 2, 2 against labels 4, 2, 3 (pass, fail, pass): the third is a false fail.
    assert (tally.n, tally.agreed, tally.false_fails) == (3, 2, 1) and tally.mae == pytest.approx((1 + 0 + 1) / 3)
    assert len(judge.calls) == 3  # only the warmth items
    assert all(not r.judge_names for r in report.rows if r.check != "warmth")
    listing = render_disagreements(report)
    assert "mini/warmth (judge.warmth) case chat (item 3): expected 3 (pass at >= 3), got 2 (fail)" in listing


def test_the_judge_option_adds_columns_and_reports_progress(
    calibrated_suite: CalibratedSuite, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    responses = tmp_path / "judge.yaml"
    responses.write_text('\'*\': \'{"score": 4, "reason": "fine"}\'\n')
    suites = calibrated_suite(DISAGREEING, JUDGED_SUITE)
    assert main(["calibrate", "--suites", str(suites), "--judge", f"scripted:{responses}"]) == 1
    captured = capsys.readouterr()
    header = captured.out.splitlines()[0]
    assert header.split()[-11:] == "judge judge agreement judge false passes judge false fails judge MAE".split()
    warmth = next(line for line in captured.out.splitlines() if line.split()[:2] == ["mini", "warmth"])
    # The judge says 4 to labels 4, 2, 3: one false pass, |0| + |2| + |1| off.
    assert warmth.split()[-6:] == ["judge.warmth", "66.7%", "(2/3)", "1", "0", "1.00"]
    assert "judge: grading 3 replies with scripted:" in captured.err and "judge: 3/3 graded" in captured.err


def test_the_repo_suites_are_calibrated_and_meet_the_targets() -> None:
    """Every suite with rule-based checks has a calibration file, and the checks meet the targets on it."""
    uncalibrated = [
        str(path.parent.name)
        for path in suite_files(ROOT / "suites")
        if rule_check_names(suite := load_suite(path)) and not calibration_path(suite).is_file()
    ]
    assert uncalibrated == [], f"suites with rule-based checks and no calibration.yaml: {uncalibrated}"
    report = calibrate(ROOT / "suites", [])
    assert report.failures() == []
    assert [row.label for row in report.under_calibrated()] == []
    # The sets agree 100% today: the 98% target would let one new false fail in 50 items through unseen, so
    # any disagreement on the repo's own labels is a regression to look at (python -m harness calibrate -v).
    assert report.total.agreed == report.total.n, f"{report.total.n - report.total.agreed} disagreement(s)"
    assert report.total.n >= 1300
