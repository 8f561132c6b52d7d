"""One verdict per run (harness.verdict): completeness, error rate, partial runs, gates, gate names; and, end to
end on the scripted back end, that ``pytest``'s exit code and ``python -m harness gate``'s agree."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# The run writes its report with pandas (numpy). Import them here, before pytester snapshots sys.modules:
# numpy cannot be imported twice in one process, and in-process pytester runs drop what a run imported.
import reports.render  # noqa: F401
from harness import scoring
from harness.cli import main
from harness.errors import EXIT_GATE_FAILED, EXIT_OK, EXIT_UNTRUSTED, ConfigError
from harness.gates import error_rate, evaluate_gates, gate_config, load_gates
from harness.suite import load_suite
from harness.verdict import (
    SuiteNames,
    check_gate_names,
    known_suites,
    suite_manifest_entry,
)
from tests.run_files import check_run_gate_names, judge_run, suite_stats

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
GATES = gate_config({"suites": {"pokkit": {"pass_rate": 0.6, "category_pass_rate": {"tool_call": 0.5}}}})


def rec(case_id: str, passed: bool = True, *, category: str = "tool_call", outcome: str | None = None) -> dict:
    return {
        "suite": "pokkit",
        "category": category,
        "case_id": case_id,
        "passed": passed,
        "outcome": outcome or ("passed" if passed else "failed"),
        "checks": [{"name": "no_tool_call", "passed": passed, "reason": ""}],
    }


def manifest(
    n_selected: int,
    *,
    in_sets: int | None = None,
    partial: bool | None = False,
    status: str = "complete",
    skipped: list[str] = (),  # type: ignore[assignment]
    cases_total: int = 37,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A manifest as HarnessSession.open writes it (``partial`` None: an old manifest without the field)."""
    m: dict[str, Any] = {
        "status": status,
        "model": {"spec": "scripted:x", "kind": "scripted"},
        "cases_selected": n_selected,
        "suites": {"pokkit": {"version": "1", "cases_total": cases_total}},
    }
    if skipped:
        m["cases_skipped"] = [{"case": f"pokkit/{c}", "needs": "thinking"} for c in skipped]
    if partial is not None:
        m["partial"] = partial
        m["selection"] = {
            "partial": partial,
            "case_sets": ["default"],
            "suites": {"pokkit": {"selected": n_selected, "in_sets": n_selected if in_sets is None else in_sets}},
            "options": options or {},
        }
    return m


FOUR = [rec("a"), rec("b"), rec("c", category="chat"), rec("d", False, category="chat")]


# --- completeness, error rate, gates --------------------------------------------------------------------------


def test_a_whole_run_that_meets_its_gates_exits_0() -> None:
    v = judge_run(manifest(4), FOUR, GATES)
    assert (v.exit_code, v.complete, v.partial, v.reasons) == (EXIT_OK, True, False, [])
    assert v.line() == "verdict: all 2 evaluated gates met (exit 0)"
    assert v.gate_results[0].sentence == "pokkit: overall pass rate 75% (3/4) meets the 60% gate."


def test_a_failed_gate_exits_1_and_is_a_reason() -> None:
    v = judge_run(manifest(4), [rec("a", False), rec("b", False), *FOUR[2:]], GATES)
    assert v.exit_code == EXIT_GATE_FAILED and v.trusted
    assert v.reasons == [g.sentence for g in v.failed]
    assert "is below the 60% gate." in v.reasons[0]


def test_a_missing_case_is_incomplete_even_when_partial_runs_are_allowed() -> None:
    v = judge_run(manifest(5), FOUR, GATES, allow_partial=True, subject="run out")
    assert v.exit_code == EXIT_UNTRUSTED and not v.complete
    assert v.reasons[0].startswith("run out is incomplete: 4 of 5 selected cases have results")
    assert v.gate_results  # still judged, for the report


def test_skipped_cases_count_and_a_duplicate_record_does_not() -> None:
    assert judge_run(manifest(5, skipped=["e"]), FOUR, GATES).exit_code == EXIT_OK
    v = judge_run(manifest(5), [*FOUR, FOUR[0]], GATES)  # 5 records, but case e has none
    assert v.exit_code == EXIT_UNTRUSTED and "4 of 5 selected cases" in v.reasons[0]


@pytest.mark.parametrize("status", ["running", "interrupted", None])
def test_a_stored_run_must_say_complete_but_a_run_being_finished_need_not(status: str | None) -> None:
    m = manifest(4, status=status)  # type: ignore[arg-type]
    v = judge_run(m, FOUR, GATES)
    assert v.exit_code == EXIT_UNTRUSTED and f"is not complete (status {status!r})" in v.reasons[0]
    assert judge_run(m, FOUR, GATES, check_status=False).exit_code == EXIT_OK


def test_no_cases_selected_field_is_untrusted() -> None:
    m = manifest(4)
    del m["cases_selected"]
    assert "does not say how many cases were selected" in judge_run(m, FOUR, GATES).reasons[0]


def test_error_rate_above_max_is_untrusted_at_max_is_not() -> None:
    records = [*FOUR, rec("e", False, outcome="error")]
    v = judge_run(manifest(5), records, GATES)
    assert v.exit_code == EXIT_UNTRUSTED
    assert "1 of 5 cases errored (20%), above max_error_rate 10%" in v.reasons[0]
    assert judge_run(manifest(5), records, gate_config({}, ["max_error_rate=0.2"])).exit_code == EXIT_OK


@pytest.mark.parametrize(
    "records",
    [
        FOUR,
        [rec("a", False), rec("b", False), *FOUR[2:]],
        [*FOUR, rec("e", False, outcome="error")],
        [rec("a", outcome="error"), rec("b", False, outcome="error"), rec("c")],
        [rec("z", category="pet")],
    ],
)
def test_drop_in_for_the_old_finish_logic_on_whole_runs(records: list[dict]) -> None:
    """On a complete, whole run the exit code, gates and error rate are what HarnessSession.finish computed."""
    stats = suite_stats(records)
    gates, err = evaluate_gates(GATES, stats), error_rate(stats)
    old = EXIT_UNTRUSTED if err > GATES.max_error_rate else EXIT_GATE_FAILED if any(not g.passed for g in gates) else 0
    v = judge_run(manifest(len(records)), records, GATES, allow_partial=True, check_status=False)
    assert (v.exit_code, v.gate_results, v.error_rate) == (old, gates, err)


# --- partial runs -------------------------------------------------------------------------------------------------


def test_a_partial_run_is_refused_unless_allowed_and_then_labelled() -> None:
    m = manifest(1, in_sets=37, partial=True, options={"k": "alarm_afternoon_515pm", "args": ["suites/pokkit"]})
    v = judge_run(m, [rec("alarm_afternoon_515pm")], GATES, subject="run out")
    assert v.exit_code == EXIT_UNTRUSTED and v.partial and v.complete
    assert v.reasons == [
        "run out is partial: 1 of 37 cases, selected with -k 'alarm_afternoon_515pm'; gates on some cases do not "
        "vouch for the suites: run the suites whole, or pass --allow-partial to judge it anyway."
    ]
    allowed = judge_run(m, [rec("alarm_afternoon_515pm")], GATES, allow_partial=True)
    assert allowed.exit_code == EXIT_OK
    assert [g.sentence for g in allowed.gate_results] == [
        "pokkit: overall pass rate 100% (1/1) meets the 60% gate (partial run: 1 of 37 cases).",
        "pokkit: category tool_call pass rate 100% (1/1) meets the 50% gate (partial run: 1 of 37 cases).",
    ]
    assert allowed.line() == "verdict: all 2 evaluated gates met (exit 0); partial run: 1 of 37 cases"
    assert allowed.to_dict()["partial"] and allowed.to_dict()["cases_available"] == 37


def test_fewer_cases_than_the_suite_has_in_its_sets_is_partial_whatever_the_flag_says() -> None:
    m = manifest(4, in_sets=10, partial=False, options={"limit": 2})
    v = judge_run(m, FOUR, GATES)
    assert v.partial and v.exit_code == EXIT_UNTRUSTED and "4 of 10 cases, selected with --limit 2" in v.reasons[0]


def test_cases_of_other_case_sets_do_not_make_a_run_partial() -> None:
    """Josi holds 1,081 cases, 50 of them in the default set: a default-set run of all 50 is whole."""
    m = manifest(4, in_sets=4, cases_total=1081)
    assert not judge_run(m, FOUR, GATES).partial
    del m["selection"]  # no selection counts: the suite entry's per-set counts serve
    m["suites"]["pokkit"]["cases_by_set"] = {"default": 4, "large": 1077}
    assert not judge_run(m, FOUR, GATES).partial
    m["selection"] = {"case_sets": ["default", "large"]}
    v = judge_run(m, FOUR, GATES)
    assert v.partial and "4 of 1081 cases" in v.reasons[0]


def test_an_old_manifest_is_compared_with_cases_total() -> None:
    """A manifest from before the partial field: fewer cases than cases_total is partial (the safe side)."""
    assert judge_run(manifest(4, partial=None, cases_total=37), FOUR, GATES).partial
    assert not judge_run(manifest(4, partial=None, cases_total=4), FOUR, GATES).partial


def test_a_run_partial_by_its_flag_alone_says_what_was_left_out() -> None:
    """--lf leaves out whole suite files: every suite that ran is whole, yet the run is partial."""
    m = manifest(4, partial=True, options={"lf": True})
    m["selection"]["suite_files_not_collected"] = ["suites/josi/suite.yaml"]
    v = judge_run(m, FOUR, GATES, subject="run out")
    assert v.reasons[0].startswith(
        "run out is partial: 4 cases, selected with --lf, suite files not collected: suites/josi/suite.yaml; "
    )
    assert judge_run(m, FOUR, GATES, allow_partial=True).line().endswith("; partial run: 4 cases")


def test_in_a_partial_run_each_suite_reports_its_own_share() -> None:
    config = gate_config({"suites": {"pokkit": {"pass_rate": 0.5}, "josi": {"pass_rate": 0.5}}})
    m = manifest(3, in_sets=2, partial=True)
    m["cases_selected"] = 3
    m["suites"]["josi"] = {"cases_total": 10}
    m["selection"]["suites"]["josi"] = {"selected": 1, "in_sets": 10}
    records = [rec("a"), rec("b"), {**rec("j"), "suite": "josi"}]
    sentences = {g.suite: g.sentence for g in judge_run(m, records, config, allow_partial=True).gate_results}
    assert sentences["josi"].endswith("(partial run: 1 of 10 cases).")
    assert sentences["pokkit"] == "pokkit: overall pass rate 100% (2/2) meets the 50% gate."  # ran whole: no label


def test_the_terminal_summary_says_why_and_whether_partial() -> None:
    from harness.summary import verdict_lines

    v = judge_run(manifest(5), FOUR, GATES, check_status=False, subject="this run")
    stored = {"exit_code": v.exit_code, "verdict": v.to_dict()}
    assert verdict_lines(stored, v.gate_results) == [
        "not trusted: this run is incomplete: 4 of 5 selected cases have results (stopped early with -x, killed, "
        "or a case crashed without a record); rerun it.",
        "verdict: run not trustworthy (exit 2)",
    ]
    failing = [rec("a", False), rec("b", False), *FOUR[2:]]
    p = judge_run(manifest(4, in_sets=37, partial=True), failing, GATES, allow_partial=True)
    lines = verdict_lines({"exit_code": p.exit_code, "verdict": p.to_dict()}, p.gate_results)
    assert lines == ["verdict: a gate failed (exit 1); partial run: 4 of 37 cases"]  # failed gates: listed above
    assert verdict_lines({"exit_code": None}, []) == []  # interrupted: no verdict


# --- gate names ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def repo_suites() -> dict[str, Any]:
    return {p.parent.name: load_suite(p) for p in sorted((REPO / "suites").glob("*/suite.yaml"))}


@pytest.mark.parametrize(
    "gates, message",
    [
        ({"prbe": {"pass_rate": 1}}, "gates for suite 'prbe', which does not exist; known suites: bfcl, compression"),
        ({"pokit": {"pass_rate": 1}}, "gates for suite 'pokit', which does not exist; did you mean 'pokkit'?"),
        (
            {"pokkit": {"category_pass_rate": {"tool_cal": 0.9}}},
            "gate pokkit.category_pass_rate.tool_cal: suite 'pokkit' has no category 'tool_cal'; "
            "did you mean 'tool_call'?",
        ),
        (
            {"pokkit": {"check_pass_rate": {"no_tool_cal": 0.9}}},
            "suite 'pokkit' has no check 'no_tool_cal'; did you mean 'no_tool_call'?",
        ),
        ({"josi": {"metric_min": {"warmht": 3}}}, "suite 'josi' has no check 'warmht'; did you mean 'warmth'?"),
        ({"josi": {"metric_max": {"latency": 3}}}, "suite 'josi' has no check 'latency'; its checks: asks_question"),
    ],
)
def test_a_gate_on_a_name_that_exists_nowhere_is_refused(
    repo_suites: dict[str, Any], gates: dict, message: str
) -> None:
    with pytest.raises(ConfigError, match=r"does not exist|has no") as exc:
        check_gate_names(gate_config({"suites": gates}), list(repo_suites.values()))
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_a_gate_override_typo_is_refused(repo_suites: dict[str, Any]) -> None:
    config = load_gates(REPO / "suites" / "gates.yaml", ["prbe.pass_rate=1"])
    with pytest.raises(ConfigError, match="'prbe', which does not exist; known suites: bfcl, compression, josi"):
        check_gate_names(config, [repo_suites["pokkit"]], REPO)
    config = load_gates(REPO / "suites" / "gates.yaml", ["pokkit.category_pass_rate.tool_cal=1"])
    with pytest.raises(ConfigError, match="has no category 'tool_cal'; did you mean 'tool_call'"):
        check_gate_names(config, [repo_suites["pokkit"]], REPO)


def test_gates_for_a_suite_this_run_does_not_select_are_fine_if_it_exists(repo_suites: dict[str, Any]) -> None:
    config = load_gates(REPO / "suites" / "gates.yaml")  # gates for all five suites
    check_gate_names(config, [repo_suites["josi"]], REPO)  # a run of suites/josi only
    with pytest.raises(ConfigError, match="suite 'pokkit', which does not exist"):
        check_gate_names(config, [repo_suites["josi"]])  # without the root, pokkit is unknown


def test_names_of_every_case_set_judge_checks_and_compression_count(repo_suites: dict[str, Any]) -> None:
    config = gate_config(
        {
            "suites": {
                "josi": {"check_pass_rate": {"pushback": 1, "judge.warmth": 0.5}},  # large set; judge only
                "compression": {"metric_min": {"token_reduction": 0.3, "recall_full": 0.5}},  # the task's checks
                "persona": {"category_pass_rate": {"thinking": 0.5}},
            }
        }
    )
    check_gate_names(config, list(repo_suites.values()))
    names = SuiteNames.of(repo_suites["josi"])
    assert names.checks is not None and {"pushback", "judge.warmth", "warmth"} <= names.checks
    entry = suite_manifest_entry(repo_suites["josi"])
    assert entry["cases_by_set"] == {"default": 50, "large": 1031}
    assert "judge.warmth" in entry["checks"] and "fatigue" in entry["categories"]


def test_known_suites_counts_a_broken_suite_as_existing(tmp_path: Path) -> None:
    (tmp_path / "suites" / "good").mkdir(parents=True)
    (tmp_path / "suites" / "good" / "suite.yaml").write_text(
        'name: good\nversion: "1"\ncases:\n  - {id: a, category: talk, prompt: Hi, checks: [{not_empty: {}}]}\n'
    )
    (tmp_path / "suites" / "broken").mkdir()
    (tmp_path / "suites" / "broken" / "suite.yaml").write_text('name: brokenname\nversion: "1"\ncases: [{id: 1}]\n')
    known = {n.suite: n for n in known_suites(tmp_path)}
    assert known["good"].categories == frozenset({"talk"}) and known["brokenname"].categories is None
    check_gate_names(gate_config({"suites": {"brokenname": {"category_pass_rate": {"anything": 1}}}}), [], tmp_path)
    with pytest.raises(ConfigError, match="did you mean 'good'"):
        check_gate_names(gate_config({"suites": {"goood": {"pass_rate": 1}}}), [], tmp_path)


def test_suites_directory_is_read_only_for_a_gate_outside_the_run(
    monkeypatch: pytest.MonkeyPatch, repo_suites: dict[str, Any]
) -> None:
    import harness.verdict

    loaded: list[Path] = []
    monkeypatch.setattr(harness.verdict, "known_suites", lambda root: loaded.append(root) or [])
    check_gate_names(gate_config({"suites": {"josi": {"pass_rate": 1}}}), [repo_suites["josi"]], REPO)
    assert loaded == []
    with pytest.raises(ConfigError, match="'pokkit', which does not exist"):
        check_gate_names(gate_config({"suites": {"pokkit": {"pass_rate": 1}}}), [repo_suites["josi"]], REPO)
    assert loaded == [REPO]


def test_repo_gate_file_names_all_exist() -> None:
    check_gate_names(load_gates(REPO / "suites" / "gates.yaml"), [], REPO)


def test_stored_run_gate_names_are_checked_against_the_run() -> None:
    m = manifest(4)
    m["suites"]["pokkit"] |= {"categories": ["chat", "pet", "tool_call"], "checks": ["no_tool_call"]}
    config = gate_config({"suites": {"pokkit": {"category_pass_rate": {"pet": 1}}, "josi": {"pass_rate": 1}}})
    check_run_gate_names(config, m, FOUR)  # pet: a category of the suite; josi: not in this run, left alone
    with pytest.raises(ConfigError, match=r"--gate 'prbe.pass_rate=1': this run has no suite 'prbe'; its suites: pok"):
        check_run_gate_names(config, m, FOUR, ["prbe.pass_rate=1"])
    with pytest.raises(ConfigError, match=r"this run has no suite 'pokit'; did you mean 'pokkit'"):
        check_run_gate_names(config, m, FOUR, ["pokit.pass_rate=1"])
    with pytest.raises(ConfigError, match="has no category 'tool_cal'; did you mean 'tool_call'"):
        check_run_gate_names(config, m, FOUR, ["pokkit.category_pass_rate.tool_cal=1"])
    bad = gate_config({"suites": {"pokkit": {"check_pass_rate": {"no_tool_cal": 1}}}})
    with pytest.raises(ConfigError, match="has no check 'no_tool_cal'"):
        check_run_gate_names(bad, m, FOUR)
    del m["suites"]["pokkit"]["categories"]  # an old manifest: only what a --gate brings is checked (records)
    check_run_gate_names(config, m, FOUR)
    with pytest.raises(ConfigError, match="has no category 'pet'"):
        check_run_gate_names(config, m, FOUR, ["pokkit.category_pass_rate.pet=1"])


# --- run_case never loses a case -----------------------------------------------------------------------------------


def _chat_case(checks: list[Any]) -> Any:
    from harness.types import Case

    return Case("mini", "chat", "talk", [{"role": "user", "content": "Hi"}], [], checks, 32, [])


def test_a_parser_crash_on_a_chat_reply_is_an_error_record(monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.scoring
    from harness.backends.base import GenerationParams
    from harness.backends.scripted import ScriptedBackend
    from harness.scoring import build_scorer
    from harness.types import Check

    def broken(completion: Any) -> Any:
        raise ValueError("Exceeds the limit (4300 digits) for integer string conversion")

    monkeypatch.setattr(harness.scoring, "finish", broken)
    case = _chat_case([Check("not_empty", {}, build_scorer("not_empty"))])
    typed = harness.runner.run_case(ScriptedBackend({"*": "Ribbit"}), case, GenerationParams(max_tokens=32))
    record = typed.to_json_dict()
    assert record["outcome"] == "error" and record["response"] == "Ribbit" and record["checks"] == []
    assert record["error"] == (
        "the parser crashed on the reply: ValueError: Exceeds the limit (4300 digits) for integer string conversion"
    )
    assert harness.runner.failure_reasons(typed) == [f"error: {record['error']}"]


def test_a_config_error_from_a_scorer_still_stops_the_case() -> None:
    """A check that cannot run at all (a judge check without --judge) is the run's configuration, not the reply."""
    from harness.backends.base import GenerationParams
    from harness.backends.scripted import ScriptedBackend
    from harness.runner import run_case
    from harness.scoring import build_scorer
    from harness.types import Check

    case = _chat_case([Check("judge", {}, build_scorer("judge", criterion="warmth"))])
    with pytest.raises(ConfigError, match="needs a judge model: pass --judge MODEL"):
        run_case(ScriptedBackend({"*": "Ribbit"}), case, GenerationParams(max_tokens=32))


# --- end to end: pytest and `harness gate` agree --------------------------------------------------------------------

SUITE = """
name: mini
version: "1"
tools_file: tools.json
generation: {max_tokens: 32}
cases:
  - id: alarm
    category: tools
    prompt: Wake me at 6:30
    checks:
      - tool_call: {calls: [{set_alarm: {hour: [6], minute: [30]}}]}
  - id: chat
    category: talk
    prompt: Hello
    checks:
      - no_tool_call: {}
  - id: chat2
    category: talk
    prompt: How are you?
    checks:
      - no_tool_call: {}
"""

GOOD = {
    "alarm": '<tool_call>{"name": "set_alarm", "arguments": {"hour": 6, "minute": 30}}</tool_call>',
    "chat": "Ribbit!",
    "chat2": "Hopping along!",
}
BRACKETS = "[" * 3000
HUGE_INT = '<tool_call>{"name": "set_alarm", "arguments": {"hour": ' + "1" * 5000 + ', "minute": 30}}</tool_call>'
# parses (under Python's 4,300-digit limit); its float comparison overflowed in the tool_call scorer once
BIG_INT = '<tool_call>{"name": "set_alarm", "arguments": {"hour": ' + "1" * 400 + ', "minute": 30}}</tool_call>'


@pytest.fixture
def project(pytester: pytest.Pytester, mini_project: Callable[..., pytest.Pytester]) -> pytest.Pytester:
    return mini_project(pytester, SUITE)


def _run(p: pytest.Pytester, responses: dict[str, str], *args: str) -> tuple[int, str]:
    path = p.path / "responses.json"
    path.write_text(json.dumps(responses))
    model = f"scripted:{path}"
    result = p.runpytest("-p", "harness.pytest_plugin", "suites", "--model", model, "--results", "out", *args)
    return int(result.ret), model


def _records(p: pytest.Pytester) -> dict[str, dict]:
    lines = (p.path / "out" / "results.jsonl").read_text().splitlines()
    return {r["case_id"]: r for r in map(json.loads, lines)}


def _gate(p: pytest.Pytester, model: str, *args: str) -> int:
    return main(["gate", str(p.path / "out"), "--model", model, *args])


@pytest.mark.parametrize(
    "gate_args, expected",
    [((), EXIT_UNTRUSTED), (("--gate", "max_error_rate=0.5"), EXIT_OK)],
    ids=["too-many-errors", "errors-allowed"],
)
def test_a_scorer_crash_is_an_error_record_and_both_exit_codes_agree(
    project: pytest.Pytester,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    gate_args: tuple[str, ...],
    expected: int,
) -> None:
    def explodes(**_: object) -> object:
        def check(case: object, completion: object, ctx: object = None) -> object:
            raise OverflowError("int too large to convert to float")

        return check

    # A scorer with a bug: it raises on every reply (registered for this test only).
    monkeypatch.setitem(scoring._REGISTRY, "explodes", scoring.ScorerInfo("explodes", explodes, "raises"))
    suite = project.path / "suites" / "mini" / "suite.yaml"
    suite.write_text(SUITE.replace("      - tool_call: {calls:", "      - explodes: {}\n      - tool_call: {calls:"))
    code, model = _run(project, GOOD | {"alarm": BIG_INT}, *gate_args)
    alarm = _records(project)["alarm"]
    assert alarm["outcome"] == "error" and alarm["response"] == BIG_INT
    assert alarm["error"].startswith("scorer 'explodes' crashed on the reply: OverflowError")
    assert len(_records(project)) == 3  # nothing dropped
    assert code == expected  # 1 of 3 errored: above 10%, within 50% (then 2 of 3 passed >= 60%)
    capsys.readouterr()
    assert _gate(project, model) == expected


@pytest.mark.parametrize(
    "reply, expected",
    [(BRACKETS, EXIT_OK), (HUGE_INT, EXIT_GATE_FAILED)],
    ids=["3000-brackets", "5000-digit-int"],
)
def test_replies_that_broke_the_parser_are_recorded_and_both_exit_codes_agree(
    project: pytest.Pytester, reply: str, expected: int
) -> None:
    code, model = _run(project, GOOD | {"alarm": reply, "chat": reply})
    records = _records(project)
    assert set(records) == {"alarm", "chat", "chat2"}
    assert records["alarm"]["outcome"] == "failed" and records["alarm"]["response"] == reply
    if reply == HUGE_INT:
        assert records["alarm"]["parse_errors"][0]["reason"] == "invalid JSON: integer too long at char 0"
    # brackets are prose to the parser (chat has no tool call: 2 of 3 pass); the huge integer is a malformed
    # call (chat fails no_tool_call too: 1 of 3 pass, below 60%)
    assert records["chat"]["passed"] is (reply == BRACKETS)
    assert code == expected
    assert _gate(project, model) == expected


def test_a_malformed_compression_case_stops_the_run_at_load_and_gate_agrees(
    project: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    suite = project.path / "suites" / "squash"
    suite.mkdir()
    (suite / "suite.yaml").write_text(
        'name: squash\nversion: "1"\ncases:\n'
        "  - id: trip\n    category: travel\n    kind: compression\n    data:\n"
        "      turns: [{role: user, content: I land at 6:40}, {role: assistant, content: Noted}]\n"
        "      keep_recent: 5\n"
        "      questions: [{question: 'When do I land?', answers: ['6:40']}]\n"
    )
    path = project.path / "responses.json"
    path.write_text(json.dumps(GOOD))
    model = f"scripted:{path}"
    result = project.runpytest("-p", "harness.pytest_plugin", "suites", "--model", model, "--results", "out")
    assert result.ret == EXIT_UNTRUSTED
    result.stdout.fnmatch_lines(
        ["*suites/squash/suite.yaml: case 'trip': data.keep_recent: must be an integer from 0 to 1, got 5*"]
    )
    capsys.readouterr()
    assert main(["gate", str(project.path / "out"), "--model", model]) == EXIT_UNTRUSTED
    assert "is not complete (status 'interrupted')" in capsys.readouterr().err


def test_a_partial_k_run_is_refused_by_gate_and_publish_unless_allowed(
    project: pytest.Pytester, capsys: pytest.CaptureFixture[str]
) -> None:
    code, model = _run(project, GOOD, "-k", "alarm")
    assert code == EXIT_OK
    manifest_data = json.loads((project.path / "out" / "manifest.json").read_text())
    assert manifest_data["partial"] is True and manifest_data["cases_selected"] == 1
    capsys.readouterr()
    assert _gate(project, model) == EXIT_UNTRUSTED
    err = capsys.readouterr().err
    assert "is partial: 1 of 3 cases, selected with -k 'alarm'" in err and "--allow-partial" in err
    assert err.count("\n") == 1
    assert _gate(project, model, "--allow-partial") == code
    out = capsys.readouterr().out
    assert "PASS mini: overall pass rate 100% (1/1) meets the 60% gate (partial run: 1 of 3 cases)." in out
    assert out.splitlines()[-1] == "verdict: all 1 evaluated gates met (exit 0); partial run: 1 of 3 cases"
    publish = ["publish", model, "--run", str(project.path / "out"), "--repo", "frogs/mini", "--dry-run"]
    assert main(publish) == EXIT_UNTRUSTED
    assert "is partial: 1 of 3 cases" in capsys.readouterr().err


@pytest.mark.parametrize(
    "gate_file, args, message",
    [
        (None, ("--gate", "prbe.pass_rate=1"), "gates for suite 'prbe', which does not exist; known suites: mini"),
        (None, ("--gate", "mni.pass_rate=1"), "gates for suite 'mni', which does not exist; did you mean 'mini'?"),
        (
            "suites:\n  mini:\n    category_pass_rate: {tool: 1}\n",
            (),
            "gate mini.category_pass_rate.tool: suite 'mini' has no category 'tool'; did you mean 'tools'?",
        ),
    ],
)
def test_a_gate_naming_nothing_stops_the_pytest_run_with_exit_2(
    project: pytest.Pytester, gate_file: str | None, args: tuple[str, ...], message: str
) -> None:
    """Wired in HarnessSession.open (harness.verdict.check_gate_names): before, such a gate was ignored."""
    if gate_file is not None:
        (project.path / "suites" / "gates.yaml").write_text(gate_file)
    path = project.path / "responses.json"
    path.write_text(json.dumps(GOOD))
    result = project.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--model", f"scripted:{path}", "--results", "out", *args
    )
    assert result.ret == EXIT_UNTRUSTED
    result.stdout.fnmatch_lines([f"*harness: *{message}*"])
    assert not (project.path / "out" / "results.jsonl").exists()


def test_lead_wiring_partial_run_is_labelled_by_pytest_too(project: pytest.Pytester) -> None:
    """EXPECTS THE LEAD'S WIRING: HarnessSession.finish judging with harness.verdict.judge_run
    (allow_partial=True) and storing Verdict.to_dict() as manifest["verdict"]. Then the pytest run's own
    summary labels its gates and verdict line as partial, and stores exactly what ``harness gate
    --allow-partial`` re-judges."""
    path = project.path / "responses.json"
    path.write_text(json.dumps(GOOD))
    result = project.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--model", f"scripted:{path}", "--results", "out", "-k", "alarm"
    )
    assert result.ret == EXIT_OK
    result.stdout.fnmatch_lines(
        [
            "*PASS mini: overall pass rate 100% (1/1) meets the 60% gate (partial run: 1 of 3 cases).*",
            "*verdict: all gates met (exit 0); partial run: 1 of 3 cases*",
        ]
    )
    stored = json.loads((project.path / "out" / "manifest.json").read_text())
    assert stored["verdict"]["partial"] is True and stored["verdict"]["exit_code"] == EXIT_OK
    from reports.gate import gate_run

    rejudged = gate_run(project.path / "out", model=f"scripted:{path}", allow_partial=True)
    assert [g.to_dict() for g in rejudged.results] == stored["gate_results"]


def test_lead_wiring_a_case_without_a_record_makes_pytest_exit_2_like_gate(project: pytest.Pytester) -> None:
    """EXPECTS THE LEAD'S WIRING (HarnessSession.finish judging with harness.verdict.judge_run): a case that
    ends without a record (here a scorer raising ConfigError at run time, which run_case lets through) makes
    the run incomplete, so pytest exits 2 as ``harness gate`` does, instead of judging the other cases."""
    (project.path / "conftest.py").write_text(
        "from harness.errors import ConfigError\n"
        "from harness.scoring import scorer\n\n\n"
        '@scorer("needs_setup_e2e")\n'
        "def needs_setup_e2e():\n"
        "    def score(case, completion):\n"
        '        raise ConfigError("needs_setup_e2e: not configured")\n'
        "    return score\n"
    )
    (project.path / "suites" / "mini" / "suite.yaml").write_text(
        SUITE.replace("      - no_tool_call: {}\n  - id: chat2", "      - needs_setup_e2e: {}\n  - id: chat2")
    )
    path = project.path / "responses.json"
    path.write_text(json.dumps(GOOD))
    result = project.runpytest_subprocess(  # a subprocess: the test scorer stays out of this process's registry
        "-p", "harness.pytest_plugin", "suites", "--model", f"scripted:{path}", "--results", "out"
    )
    assert len((project.path / "out" / "results.jsonl").read_text().splitlines()) == 2
    assert main(["gate", str(project.path / "out"), "--model", f"scripted:{path}"]) == EXIT_UNTRUSTED
    assert result.ret == EXIT_UNTRUSTED
