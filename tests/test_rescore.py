"""``harness rescore``: a stored run judged again by today's scorers, without the model.

Runs are written by the real session on the scripted back end into temporary folders; the rescored files are
compared with the stored ones as text, so a reordered key or a changed value fails.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from harness.backends.scripted import ScriptedBackend
from harness.cli import main
from harness.errors import ConfigError
from harness.fingerprint import scoring_code_sha256
from harness.rescore import BACKEND_FAILURE, rescore_run
from harness.scoring import ReplyCrashed
from harness.session import HarnessSession, RunOptions
from harness.suite import load_suite
from harness.types import Completion
from tests.conftest import ALARM_TOOLS

ROOT = Path(__file__).resolve().parents[1]
VERSION = '"format_version": 1, '

MINI = """
name: mini
version: "1"
tools_file: tools.json
judge_checks:
  - judge: {criterion: warmth}
cases:
  - id: hello
    category: talk
    prompt: Say ribbit
    checks:
      - contains: {any_of: [ribbit]}
  - id: croak
    category: talk
    prompt: Say ribbit again
    checks:
      - contains: {any_of: [ribbit]}
  - id: alarm
    category: tools
    prompt: Wake me at 7.
    checks:
      - tool_call: {calls: [{set_alarm: {hour: [7], minute: [0]}}]}
  - id: broken
    category: talk
    prompt: Say anything
    checks:
      - contains: {any_of: [ribbit]}
"""
RESPONSES = {
    "hello": "ribbit",
    "croak": "croak",
    "alarm": '<tool_call>{"name": "set_alarm", "arguments": {"hour": 7, "minute": 0}}</tool_call>',
    "broken": {"error": "the model fell over"},
}
# 2 of 4 pass (hello, alarm): the 50% gate is met; the back-end error is within max_error_rate.
GATES = "max_error_rate: 0.5\nsuites:\n  mini:\n    pass_rate: 0.5\n"


def _session_run(tmp: Path, suite_dir: Path, responses: dict[str, Any], gates: str, judge: str | None = None) -> Path:
    """Score every case of the suite in ``suite_dir`` with the real session on the scripted back end."""
    (tmp / "gates.yaml").write_text(gates)
    script = tmp / "responses.json"
    script.write_text(json.dumps(responses))
    suite = load_suite(suite_dir / "suite.yaml", judge=judge is not None)
    run_dir = tmp / "run"
    options = RunOptions(model=f"scripted:{script}", results=run_dir, gates_file=tmp / "gates.yaml", judge=judge)
    session = HarnessSession(options)
    session.open([suite], len(suite.cases))
    for case in suite.cases:
        session.run_case(case, suite.version, nodeid=f"suites/{suite.name}::{case.id}")
    session.finish()
    return run_dir


def mini_run(tmp: Path, judge: dict[str, Any] | None = None) -> Path:
    """The mini suite scored: hello passed, croak failed, alarm passed, broken a back-end error. With ``judge``
    (scripted responses), its judge check graded too."""
    suite_dir = tmp / "suites" / "mini"
    suite_dir.mkdir(parents=True)
    (suite_dir / "suite.yaml").write_text(MINI)
    (suite_dir / "tools.json").write_text(json.dumps(ALARM_TOOLS))
    judge_spec = None
    if judge is not None:
        (tmp / "judge.json").write_text(json.dumps(judge))
        judge_spec = f"scripted:{tmp / 'judge.json'}"
    return _session_run(tmp, suite_dir, RESPONSES, GATES, judge_spec)


def _lines(directory: Path) -> list[str]:
    return (directory / "results.jsonl").read_text(encoding="utf-8").splitlines()


def _manifest(directory: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    return data


def _unversioned(line: str) -> str:
    assert line.startswith("{" + VERSION), line[:60]
    return "{" + line[len(VERSION) + 1 :]


def _edit_suite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def _wants(path: Path, prompt: str, word: str) -> None:
    """The case with ``prompt`` now passes only when the reply says ``word``."""
    check = f"prompt: {prompt}\n    checks:\n      - contains: {{any_of: [ribbit]}}"
    _edit_suite(path, check, check.replace("[ribbit]", f"[{word}]"))


VERDICT_KEYS = ("gate_results", "error_rate", "verdict", "judge_agreement", "exit_code")


def test_an_untouched_run_rescores_to_the_same_lines_and_verdict(tmp_path: Path) -> None:
    run = mini_run(tmp_path)
    result = rescore_run(run)
    out = run / "rescored"
    assert result.out == out and result.identical and result.changed == []
    assert [(o.key, o.status) for o in result.outcomes] == [
        ("mini/hello", "same"), ("mini/croak", "same"), ("mini/alarm", "same"), ("mini/broken", "kept")
    ]  # fmt: skip
    assert _lines(out) == _lines(run)  # both carry format_version 1: byte-identical files
    old, new = _manifest(run), _manifest(out)
    assert {k: new[k] for k in VERDICT_KEYS} == {k: old[k] for k in VERDICT_KEYS}
    assert new["exit_code"] == 0 and result.exit_code == 0
    assert new["scoring_code_sha256"] == scoring_code_sha256()
    assert new["rescored"] | {"at": None} == {
        "from": str(run), "at": None, "scoring_code_sha256_before": old["scoring_code_sha256"], "changed": 0, "kept": 1
    }  # fmt: skip
    rest = {k: v for k, v in new.items() if k not in ("scoring_code_sha256", "rescored")}
    assert rest == {k: v for k, v in old.items() if k != "scoring_code_sha256"}
    lines = result.lines()
    assert "  mini: 2/4 passed before -> 2/4 after" in lines
    assert any(line.startswith("identical: all 3 rescored records are byte-identical") for line in lines)
    assert lines[-1] == "verdict: all 1 evaluated gates met (exit 0)"


def test_a_version_0_run_rescores_to_version_1_and_otherwise_the_same_lines(tmp_path: Path) -> None:
    run = mini_run(tmp_path)
    for name in ("results.jsonl", "manifest.json"):  # as written before format_version existed
        path = run / name
        if name.endswith(".jsonl"):
            rows = [json.loads(line) for line in _lines(run)]
            path.write_text("".join(json.dumps(_drop_version(r), ensure_ascii=False) + "\n" for r in rows))
        else:
            path.write_text(json.dumps(_drop_version(_manifest(run)), indent=2))
    old_lines = _lines(run)
    assert all('"format_version"' not in line for line in old_lines)
    result = rescore_run(run, tmp_path / "out")
    assert result.identical
    new_lines = _lines(tmp_path / "out")
    assert [_unversioned(line) for line in new_lines] == old_lines
    assert next(iter(_manifest(tmp_path / "out"))) == "format_version"
    assert _manifest(tmp_path / "out")["format_version"] == 1


def _drop_version(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k != "format_version"}


def test_a_changed_check_is_picked_up_with_its_new_reason_and_the_verdict_follows(tmp_path: Path) -> None:
    run = mini_run(tmp_path)
    _wants(tmp_path / "suites" / "mini" / "suite.yaml", "Say ribbit", "frog")
    result = rescore_run(run)
    assert not result.identical
    (change,) = result.changed
    assert (change.key, change.before, change.after) == ("mini/hello", "passed", "failed")
    (check,) = change.checks
    assert (check.name, check.before, check.after) == ("contains", True, False)
    assert "frog" in check.reason
    assert change.differs == ("outcome", "passed", "checks")
    lines = result.lines()
    assert f"  mini/hello: passed -> failed; contains pass -> FAIL: {check.reason}" in lines
    assert "  mini: 2/4 passed before -> 1/4 after" in lines
    assert any(line.startswith("note: suite mini") and "changed since the run" in line for line in lines)
    # the verdict: the 50% gate now fails
    assert result.exit_code == 1 and result.verdict.exit_code == 1
    new = _manifest(run / "rescored")
    (gate,) = new["gate_results"]
    assert (gate["status"], gate["actual"]) == ("failed", 0.25)
    assert new["exit_code"] == 1 and new["verdict"]["exit_code"] == 1 and new["rescored"]["changed"] == 1
    assert lines[-2:] == [
        "before: verdict: all 1 evaluated gates met (exit 0)",
        "verdict: 1 of 1 gates failed (exit 1)",
    ]
    rescored = [json.loads(line) for line in _lines(run / "rescored")]
    stored = [json.loads(line) for line in _lines(run)]
    assert rescored[0]["checks"][0]["passed"] is False and rescored[0]["started"] == stored[0]["started"]
    assert rescored[1:] == stored[1:]


def test_a_scorer_code_change_turns_crashed_records_into_scored_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(completion: Completion) -> Completion:
        raise ReplyCrashed("the parser crashed on the reply: ValueError: boom")

    monkeypatch.setattr("harness.runner.parse_reply", crash)
    run = mini_run(tmp_path / "crashed")
    assert [json.loads(line)["outcome"] for line in _lines(run)] == ["error"] * 4
    assert _manifest(run)["exit_code"] == 2  # 4 of 4 errored
    monkeypatch.undo()  # today's parser works
    result = rescore_run(run)
    assert [(o.key, o.before, o.after, o.status) for o in result.outcomes] == [
        ("mini/hello", "error", "passed", "changed"),
        ("mini/croak", "error", "failed", "changed"),
        ("mini/alarm", "error", "passed", "changed"),
        ("mini/broken", "error", "error", "kept"),
    ]
    assert result.exit_code == 0
    # a rescored record is the record a run with today's code writes: the same keys in the same order
    fresh = [json.loads(line) for line in _lines(mini_run(tmp_path / "fresh"))]
    rescored = [json.loads(line) for line in _lines(run / "rescored")]
    assert [list(r) for r in rescored] == [list(r) for r in fresh]
    volatile = ("started", "latency_s")
    assert [{k: v for k, v in r.items() if k not in volatile} for r in rescored[:3]] == [
        {k: v for k, v in r.items() if k not in volatile} for r in fresh[:3]
    ]


def test_a_reply_that_crashes_todays_parser_becomes_an_error_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = mini_run(tmp_path)

    def crash(completion: Completion) -> Completion:
        raise ReplyCrashed("the parser crashed on the reply: ValueError: boom")

    monkeypatch.setattr("harness.runner.parse_reply", crash)
    result = rescore_run(run, write=False)
    assert [o.after for o in result.outcomes] == ["error"] * 4
    hello = json.loads(result.records[0].model_dump_json(exclude_unset=True))
    assert hello["error"] == "the parser crashed on the reply: ValueError: boom"
    assert "visible" not in hello and "timings" not in hello and hello["response"] == "ribbit"
    assert result.exit_code == 2  # every record errored: above max_error_rate


def test_a_back_end_error_without_a_reply_is_kept(tmp_path: Path) -> None:
    run = mini_run(tmp_path)
    result = rescore_run(run, write=False)
    broken = result.outcomes[3]
    assert (broken.status, broken.why_kept) == ("kept", BACKEND_FAILURE)
    assert result.records[3].error == "the model fell over" and result.records[3].response is None
    assert result.out is None and not (run / "rescored").exists()


def test_a_case_no_longer_in_the_suite_is_kept_and_reported(tmp_path: Path) -> None:
    run = mini_run(tmp_path)
    suite = tmp_path / "suites" / "mini" / "suite.yaml"
    _edit_suite(suite, "  - id: croak\n", "  - id: croak_renamed\n")
    result = rescore_run(run)
    croak = result.outcomes[1]
    assert (croak.status, croak.why_kept) == ("kept", "case no longer in suite mini")
    assert result.identical and _lines(run / "rescored") == _lines(run)
    lines = result.lines()
    assert "kept as stored (1):" in lines and "  mini/croak: kept (case no longer in suite mini)" in lines
    assert _manifest(run / "rescored")["rescored"]["kept"] == 2


def test_suites_root_reads_the_suites_from_another_folder(tmp_path: Path) -> None:
    run = mini_run(tmp_path)
    other = tmp_path / "other"
    shutil.copytree(tmp_path / "suites", other)
    _wants(other / "mini" / "suite.yaml", "Say ribbit again", "croak")
    assert rescore_run(run, write=False).identical  # the recorded suite file: unchanged
    result = rescore_run(run, write=False, suites_root=other)
    assert [(o.key, o.before, o.after) for o in result.changed] == [("mini/croak", "failed", "passed")]
    with pytest.raises(ConfigError, match="no suite 'mini' in"):
        rescore_run(run, write=False, suites_root=tmp_path / "nowhere")


# ---------------------------------------------------------------------------------------------------------------
# compression


def _compression_run(tmp: Path) -> Path:
    """The compression suite (a copy) scored with scripted summaries and answers: some retained, some lost."""
    suite_dir = tmp / "suites" / "compression"
    shutil.copytree(ROOT / "suites" / "compression", suite_dir)
    suite = load_suite(suite_dir / "suite.yaml")
    responses: dict[str, Any] = {}
    for n, case in enumerate(suite.cases):
        questions = case.data["questions"]
        keep = len(questions) if n == 0 else 2  # the first case keeps every fact, the others half
        firsts = [str(q["answers"][0]) for q in questions]
        responses[f"compression/{case.id}/summary"] = "<think>short</think>They noted " + ", ".join(firsts[:keep])
        for i, answer in enumerate(firsts, start=1):
            responses[f"compression/{case.id}/q{i}/full"] = f"It is {answer}."
            responses[f"compression/{case.id}/q{i}/compressed"] = f"It is {answer}." if i <= keep else "No idea."
    gates = "suites:\n  compression:\n    metric_min:\n      recall_retained: 0.8\n"
    return _session_run(tmp, suite_dir, responses, gates)


def test_compression_records_rescore_identically(tmp_path: Path) -> None:
    run = _compression_run(tmp_path)
    stored = [json.loads(line) for line in _lines(run)]
    assert {r["outcome"] for r in stored} == {"passed", "failed"} and all(r["answers"] for r in stored)
    result = rescore_run(run)
    assert result.identical and {o.status for o in result.outcomes} == {"same"}
    assert _lines(run / "rescored") == _lines(run)
    assert _manifest(run / "rescored")["verdict"] == _manifest(run)["verdict"]


def test_compression_rescoring_follows_todays_answers_and_keeps_changed_questions(tmp_path: Path) -> None:
    run = _compression_run(tmp_path)
    suite_file = tmp_path / "suites" / "compression" / "suite.yaml"
    raw = yaml.safe_load(suite_file.read_text(encoding="utf-8"))
    first, second = raw["cases"][0], raw["cases"][1]
    first["data"]["questions"][0]["question"] = "Which flight is she on?"  # asked differently now
    for lost in second["data"]["questions"][2:]:  # the facts its summary lost are no longer asked for
        lost["answers"] = ["something nobody said"]
    suite_file.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    result = rescore_run(run)
    kept = result.outcomes[0]
    assert (kept.status, kept.why_kept) == ("kept", "its stored answers are to other questions than today's")
    (change,) = result.changed
    assert change.key == f"compression/{second['id']}"
    assert (change.before, change.after) == ("failed", "passed")
    (check,) = change.checks  # 2/4 with the summary vs 2/4 with the full context: all retained
    assert (check.name, check.before, check.after) == ("recall_retained", False, True)
    assert check.reason.startswith("100% retained: 2/4 with the summary vs 2/4 with the full context")
    new = json.loads(_lines(run / "rescored")[1])
    old = json.loads(_lines(run)[1])
    assert new["answers"][3]["expected"] == ["something nobody said"] and new["answers"][3]["full_correct"] is False
    same_keys = [k for k in old if k not in ("checks", "answers", "outcome", "passed")]
    assert {k: new[k] for k in same_keys} == {k: old[k] for k in same_keys}
    assert list(new) == list(old)


# ---------------------------------------------------------------------------------------------------------------
# judge checks


JUDGE_KIND = {"*": '{"score": 4, "reason": "kind"}'}


def test_judge_results_are_kept_without_a_judge_and_graded_again_with_one(tmp_path: Path) -> None:
    run = mini_run(tmp_path, judge=JUDGE_KIND)
    stored = [json.loads(line) for line in _lines(run)]
    assert [c["name"] for c in stored[0]["checks"]] == ["contains", "judge.warmth"]
    result = rescore_run(run)
    assert result.identical and result.judge_kept == 3 and not result.judged
    assert _lines(run / "rescored") == _lines(run)
    assert "judge: no judge model given; 3 record(s) keep their stored judge results" in result.lines()
    cold = ScriptedBackend({"*": '{"score": 1, "reason": "cold"}'})
    graded = rescore_run(run, write=False, judge=cold)
    assert graded.judged and graded.judge_kept == 0
    hello = graded.changed[0]
    assert hello.key == "mini/hello" and (hello.before, hello.after) == ("passed", "failed")
    assert [(c.name, c.before, c.after, c.reason) for c in hello.checks] == [
        ("judge.warmth", True, False, "judge: warmth 1/5: cold")
    ]


def test_a_judged_record_without_its_judge_result_is_kept(tmp_path: Path) -> None:
    run = mini_run(tmp_path, judge={"judge/croak": {"error": "judge down"}, **JUDGE_KIND})
    croak = json.loads(_lines(run)[1])
    assert croak["outcome"] == "error" and croak["error"] == "judge: judge down" and croak["response"] == "croak"
    result = rescore_run(run, write=False)
    outcome = result.outcomes[1]
    assert (outcome.status, outcome.why_kept) == ("kept", "no stored result of judge.warmth and no judge model given")
    assert result.identical


# ---------------------------------------------------------------------------------------------------------------
# where it writes, and the command line


def test_an_existing_out_is_refused_unless_overwrite_and_the_run_itself_always(tmp_path: Path) -> None:
    run = mini_run(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "something").write_text("x")
    with pytest.raises(ConfigError, match="already holds files; pass --overwrite"):
        rescore_run(run, out)
    assert not (out / "results.jsonl").exists()
    (out / "report").mkdir()
    rescore_run(run, out, overwrite=True)
    assert _lines(out) == _lines(run) and not (out / "report").exists()
    with pytest.raises(ConfigError, match="that is the run itself"):
        rescore_run(run, run, overwrite=True)
    (tmp_path / "file").write_text("x")
    with pytest.raises(ConfigError, match="not a directory"):
        rescore_run(run, tmp_path / "file", overwrite=True)


def test_cli_exit_codes_dry_run_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = mini_run(tmp_path)
    assert main(["rescore", str(run), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "dry run: nothing written" in printed and not (run / "rescored").exists()
    assert main(["rescore", str(run)]) == 0
    assert f"wrote {run / 'rescored' / 'results.jsonl'}" in capsys.readouterr().out
    assert main(["rescore", str(run)]) == 2  # OUT holds the first rescore now
    err = capsys.readouterr().err
    assert err.startswith("harness: --out") and "--overwrite" in err and err.count("\n") == 1
    assert main(["rescore", str(run), "--overwrite", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["identical"] is True and data["exit_code"] == 0 and len(data["outcomes"]) == 4
    _wants(tmp_path / "suites" / "mini" / "suite.yaml", "Say ribbit", "frog")
    assert main(["rescore", str(run), "--out", str(tmp_path / "out2")]) == 1
    assert "mini/hello: passed -> failed" in capsys.readouterr().out


def test_cli_missing_or_damaged_run_is_one_line_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rescore", str(tmp_path / "nope"), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("harness: ") and "manifest.json: no such file" in err and err.count("\n") == 1
    run = mini_run(tmp_path)
    (run / "results.jsonl").write_text('{"suite": "mini"}\nnot json\n{"suite": "mini"}\n')
    assert main(["rescore", str(run), "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("harness: ") and "results.jsonl:2" in err and err.count("\n") == 1


def test_many_changes_are_capped_in_the_listing(tmp_path: Path) -> None:
    run = mini_run(tmp_path)
    result = rescore_run(run, write=False)
    many = [result.outcomes[0]] * 25
    result.outcomes = [replace(o, status="changed", checks=()) for o in many]
    lines = result.lines()
    start = lines.index("changed (25):")
    assert lines[start + 21] == "  ... and 5 more"


def test_tool_calls_a_server_returned_apart_from_the_text_survive_rescoring(tmp_path: Path) -> None:
    """An openai:/ollama: record's calls came in the server's ``tool_calls``, not in the text: rescoring reads
    them from the record (``tool_calls_from: server``), and only then; the text alone holds no call."""
    run = mini_run(tmp_path)
    lines = _lines(run)
    records = [json.loads(line) for line in lines]
    alarm = next(r for r in records if r["case_id"] == "alarm")
    assert alarm["passed"] and alarm["tool_calls"]
    alarm.update(response="Alarm set for 7.", visible="Alarm set for 7.", tool_calls_from="server", thinking="7 am")
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = rescore_run(run, write=False)
    assert result.changed == [] and result.identical
    rescored = next(r for r in result.records if r.case_id == "alarm")
    assert rescored.passed and rescored.thinking == "7 am" and rescored.tool_calls_from == "server"
    del alarm["tool_calls_from"]  # the same record as a text-only back end's: the call is not in its text
    (run / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    assert not next(r for r in rescore_run(run, write=False).records if r.case_id == "alarm").passed
