"""The pytest plugin end to end on the scripted back end, with pytester."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

# The run writes its report with pandas (numpy). Import them here, before pytester snapshots sys.modules:
# numpy cannot be imported twice in one process, and in-process pytester runs drop what a run imported.
import reports.render  # noqa: F401

pytest_plugins = ["pytester"]

SUITE = """
name: mini
version: "3"
system_prompts:
  main: You are a frog.
default_system: main
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
      - short: {max_words: 10}
  - id: chat2
    category: talk
    prompt: How are you?
    checks:
      - no_tool_call: {}
"""

GOOD = {
    "alarm": '<tool_call>{"name": "set_alarm", "arguments": {"hour": 6, "minute": 30}}</tool_call>',
    "chat": "Ribbit! Hi there 🐸",
    "chat2": "Hopping along!",
}


@pytest.fixture
def project(pytester: pytest.Pytester, mini_project: Callable[..., pytest.Pytester]) -> pytest.Pytester:
    return mini_project(pytester, SUITE)


def _responses(p: pytest.Pytester, data: dict) -> str:
    path = p.path / "responses.json"
    path.write_text(json.dumps(data))
    return f"scripted:{path}"


def _run(p: pytest.Pytester, model: str, *args: str) -> pytest.RunResult:
    return p.runpytest("-p", "harness.pytest_plugin", "suites", "--model", model, "--results", "out", *args)


def _records(p: pytest.Pytester) -> list[dict]:
    return [json.loads(line) for line in (p.path / "out" / "results.jsonl").read_text().splitlines()]


def test_all_gates_met_exits_0_and_writes_results_and_manifest(project: pytest.Pytester) -> None:
    result = _run(project, _responses(project, GOOD))
    assert result.ret == 0
    result.stdout.fnmatch_lines(
        ["*mini: 3/3 (100%) cases passed*", "*PASS mini: overall pass rate 100%*", "*verdict: all gates met (exit 0)*"]
    )
    recs = _records(project)
    assert [r["case_id"] for r in recs] == ["alarm", "chat", "chat2"]
    assert recs[0]["tool_calls"] == [{"name": "set_alarm", "arguments": {"hour": 6, "minute": 30}}]
    assert recs[0]["nodeid"] == "suites/mini/suite.yaml::tools::alarm"
    assert {c["name"] for c in recs[1]["checks"]} == {"no_tool_call", "short"}
    manifest = json.loads((project.path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["exit_code"] == 0
    assert manifest["suites"]["mini"]["version"] == "3"
    assert len(manifest["model"]["model_sha256"]) == 64
    assert manifest["decoding"]["temperature"] == 0.0
    report = project.path / "out" / "report"  # written at the end of every run unless --no-report
    assert sorted(p.name for p in report.iterdir()) == ["cases.csv", "junit.xml", "report.html", "report.md"]
    result.stdout.fnmatch_lines(["*report: *report.html (+ report.md, cases.csv, junit.xml)*"])


def test_no_report_skips_the_report_but_not_the_results(project: pytest.Pytester) -> None:
    result = _run(project, _responses(project, GOOD), "--no-report")
    assert result.ret == 0
    assert (project.path / "out" / "results.jsonl").is_file() and (project.path / "out" / "manifest.json").is_file()
    assert not (project.path / "out" / "report").exists()
    assert "report:" not in result.stdout.str()


def test_single_failed_case_still_exits_0_when_gates_pass(project: pytest.Pytester) -> None:
    result = _run(
        project,
        _responses(
            project,
            GOOD | {"chat2": '<tool_call>{"name": "set_alarm", "arguments": {"hour": 1, "minute": 2}}</tool_call>'},
        ),
    )
    assert result.ret == 0  # 2/3 = 67% >= 60%
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*no_tool_call: expected no tool call, got set_alarm*"])


def test_gate_failure_exits_1_with_a_sentence(project: pytest.Pytester) -> None:
    bad = GOOD | {"alarm": "Sure! Alarm set.", "chat": "one two three four five six seven eight nine ten eleven"}
    result = _run(project, _responses(project, bad))
    assert result.ret == 1
    result.stdout.fnmatch_lines(["*FAIL mini: overall pass rate 33% (1/3) is below the 60% gate.*"])
    assert json.loads((project.path / "out" / "manifest.json").read_text())["exit_code"] == 1


def test_gate_override_on_the_command_line(project: pytest.Pytester) -> None:
    result = _run(
        project, _responses(project, GOOD), "--gate", "mini.category_pass_rate.talk=1.0", "--gate", "mini.pass_rate=1"
    )
    assert result.ret == 0
    result.stdout.fnmatch_lines(["*PASS mini: category talk pass rate 100% (2/2) meets the 100% gate.*"])


def test_too_many_errors_exits_2(project: pytest.Pytester) -> None:
    result = _run(project, _responses(project, GOOD | {"chat": {"error": "model crashed"}}))
    assert result.ret == 2  # 1/3 errored > max_error_rate 0.1
    rec = next(r for r in _records(project) if r["case_id"] == "chat")
    assert rec["outcome"] == "error" and rec["error"] == "model crashed"


def test_broken_json_is_a_parse_error_not_a_crash(project: pytest.Pytester) -> None:
    result = _run(
        project,
        _responses(
            project, GOOD | {"alarm": '<tool_call>{"name": "set_alarm", "arguments": {"hour": 6,, }}</tool_call>'}
        ),
    )
    rec = next(r for r in _records(project) if r["case_id"] == "alarm")
    assert rec["outcome"] == "failed" and rec["checks"][0]["error_type"] == "parse_error"
    assert result.ret == 0


def test_k_selects_by_category_and_case(project: pytest.Pytester) -> None:
    result = _run(project, _responses(project, GOOD), "-k", "talk and not chat2")
    result.assert_outcomes(passed=1)
    assert [r["case_id"] for r in _records(project)] == ["chat"]


def test_ids_are_suite_file_category_case(project: pytest.Pytester) -> None:
    result = project.runpytest("-p", "harness.pytest_plugin", "suites", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["suites/mini/suite.yaml::tools::alarm", "suites/mini/suite.yaml::talk::chat"])
    assert not (project.path / "runs").exists()  # collecting loads no model and writes nothing


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "file is empty"),
        (b"hello, I am text\n", "not a GGUF file"),
        (b"\x00\x01\x02\x03" * 100, "not a GGUF file"),
    ],
)
def test_bad_model_file_exits_2_with_one_line(project: pytest.Pytester, content: bytes, message: str) -> None:
    model = project.path / "model.gguf"
    model.write_bytes(content)
    result = _run(project, str(model))
    assert result.ret == 2
    result.stdout.fnmatch_lines([f"*harness: {model}: {message}*"])
    assert not (project.path / "out").exists()


def test_missing_model_exits_2(project: pytest.Pytester) -> None:
    result = _run(project, "nope.gguf")
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*harness: nope.gguf: no such file; pass a .gguf file, 'default', a Hugging Face*"])


def test_malformed_suite_is_a_collection_error_naming_the_file(project: pytest.Pytester) -> None:
    (project.path / "suites" / "mini" / "suite.yaml").write_text(SUITE.replace("tool_call:", "tool_cal:"))
    result = _run(project, _responses(project, GOOD))
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*suite.yaml: case 'alarm': Unknown scorer 'tool_cal'. Did you mean: tool_call?*"])


def test_bad_gate_config_exits_2(project: pytest.Pytester) -> None:
    result = _run(project, _responses(project, GOOD), "--gate", "mini.pass_rate=lots")
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*--gate value 'lots' is not a number*"])


def test_existing_results_are_not_overwritten(project: pytest.Pytester) -> None:
    model = _responses(project, GOOD)
    assert _run(project, model).ret == 0
    result = _run(project, model)
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*already holds a run*--results-overwrite*"])
    assert _run(project, model, "--results-overwrite").ret == 0


def test_ordinary_test_failures_are_not_hidden_by_gates(project: pytest.Pytester) -> None:
    project.makepyfile(test_other="def test_x():\n    assert False\n")
    result = project.runpytest(
        "-p",
        "harness.pytest_plugin",
        "suites",
        "test_other.py",
        "--model",
        _responses(project, GOOD),
        "--results",
        "out",
    )
    assert result.ret == 1


def test_last_failed_reruns_only_the_failed_case(project: pytest.Pytester) -> None:
    model = _responses(project, GOOD | {"chat": "one two three four five six seven eight nine ten eleven"})
    first = project.runpytest("-p", "harness.pytest_plugin", "suites", "--model", model, "--results", "a")
    first.assert_outcomes(passed=2, failed=1)
    again = project.runpytest("-p", "harness.pytest_plugin", "suites", "--model", model, "--results", "b", "--lf")
    again.assert_outcomes(failed=1)
    lines = (project.path / "b" / "results.jsonl").read_text().splitlines()
    assert [json.loads(line)["case_id"] for line in lines] == ["chat"]


def test_interrupted_run_keeps_results_and_says_so(project: pytest.Pytester) -> None:
    project.makeconftest(
        "import pytest\ndef pytest_runtest_call(item):\n    if item.name == 'chat':\n        raise KeyboardInterrupt\n"
    )
    # A subprocess: in-process, the KeyboardInterrupt would reach the outer test session.
    result = project.runpytest_subprocess(
        "-p", "harness.pytest_plugin", "suites", "--model", _responses(project, GOOD), "--results", "out"
    )
    assert result.ret == pytest.ExitCode.INTERRUPTED
    manifest = json.loads((project.path / "out" / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["exit_code"] is None
    # The workers run ahead of pytest's items: every case finished before the interrupt is kept.
    assert "alarm" in [r["case_id"] for r in _records(project)]


SETS_SUITE = """
name: sets
version: "1"
cases:
  - {id: a1, category: a, prompt: x, checks: [{not_empty: {}}]}
  - {id: a2, category: a, prompt: x, checks: [{not_empty: {}}]}
  - {id: a3, category: a, prompt: x, checks: [{not_empty: {}}]}
  - {id: b1, category: b, prompt: x, checks: [{not_empty: {}}]}
  - {id: t1, category: t, prompt: x /think, requires: [thinking], checks: [{has_thinking: {}}]}
case_sources:
  - {loader: jsonl, path: big.jsonl, set: large}
"""


@pytest.fixture
def sets_project(pytester: pytest.Pytester) -> pytest.Pytester:
    (pytester.path / "suites" / "sets").mkdir(parents=True)
    (pytester.path / "suites" / "sets" / "suite.yaml").write_text(SETS_SUITE)
    big = [{"id": f"big{i}", "category": "big", "prompt": "x", "checks": [{"not_empty": {}}]} for i in range(5)]
    (pytester.path / "suites" / "sets" / "big.jsonl").write_text("\n".join(json.dumps(c) for c in big))
    return pytester


def test_case_sets_and_limit_select_a_fixed_sample(sets_project: pytest.Pytester) -> None:
    p = sets_project
    result = p.runpytest("-p", "harness.pytest_plugin", "suites", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["*5/10 tests collected (5 deselected)*"])
    result = p.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--collect-only", "-q", "--case-set", "large", "--case-set", "default"
    )
    result.stdout.fnmatch_lines(["*10 tests collected*"])
    picks = []
    for _ in range(2):
        r = p.runpytest("-p", "harness.pytest_plugin", "suites", "--collect-only", "-q", "--limit", "1")
        picks.append([line for line in r.stdout.lines if "::" in line])
    assert picks[0] == picks[1] and len(picks[0]) == 3  # one per category a, b, t; the same both times
    other = p.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--collect-only", "-q", "--limit", "1", "--sample-seed", "7"
    )
    assert len([line for line in other.stdout.lines if "::" in line]) == 3
    bad = p.runpytest("-p", "harness.pytest_plugin", "suites", "--limit", "0")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR


def test_thinking_cases_skip_with_a_reason_when_unsupported(sets_project: pytest.Pytester) -> None:
    p = sets_project
    responses = p.path / "r.json"
    responses.write_text(json.dumps({"*": "<think>hmm</think>ok", "__supports__": []}))
    result = p.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--model", f"scripted:{responses}", "--results", "out", "-rs"
    )
    result.assert_outcomes(passed=4, skipped=1)
    result.stdout.fnmatch_lines(["*needs thinking: the model's chat template has no thinking mode*"])
    manifest = json.loads((p.path / "out" / "manifest.json").read_text())
    assert [s["needs"] for s in manifest["cases_skipped"]] == ["thinking"]  # counted, so the run is complete
    responses.write_text(json.dumps({"*": "<think>hmm</think>ok"}))
    again = p.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--model", f"scripted:{responses}", "--results", "out2"
    )
    again.assert_outcomes(passed=5)


JUDGE_SUITE = """
name: coach
version: "1"
judge_checks:
  - judge: {criterion: warmth, min_score: 3, compare_with: short}
cases:
  - {id: c1, category: a, prompt: hi, checks: [{short: {max_words: 5}}]}
  - {id: c2, category: a, prompt: hi, checks: [{short: {max_words: 5}}]}
"""


def test_judge_grades_and_agreement_is_reported(pytester: pytest.Pytester) -> None:
    (pytester.path / "suites" / "coach").mkdir(parents=True)
    (pytester.path / "suites" / "coach" / "suite.yaml").write_text(JUDGE_SUITE)
    model = pytester.path / "m.json"
    model.write_text(json.dumps({"c1": "Nice run!", "c2": "one two three four five six seven"}))
    judge = pytester.path / "j.json"
    # c1: judge passes (agrees with short); c2: judge says 4 (passes) while short fails: disagreement.
    judge.write_text(
        json.dumps({"judge/c1": '{"score": 5, "reason": "warm"}', "judge/c2": '{"score": 4, "reason": "ok"}'})
    )
    result = pytester.runpytest(
        "-p",
        "harness.pytest_plugin",
        "suites",
        "--model",
        f"scripted:{model}",
        "--judge",
        f"scripted:{judge}",
        "--results",
        "out",
    )
    result.stdout.fnmatch_lines(["*judge agreement: judge.warmth vs short: 1/2 (50%) of cases*"])
    recs = [json.loads(line) for line in (pytester.path / "out" / "results.jsonl").read_text().splitlines()]
    check = next(c for c in recs[0]["checks"] if c["name"] == "judge.warmth")
    assert check["value"] == 5.0 and check["passed"] and "warm" in check["reason"]
    manifest = json.loads((pytester.path / "out" / "manifest.json").read_text())
    assert manifest["judge_agreement"] == {"judge.warmth vs short": {"agree": 1, "total": 2}}
    assert manifest["judge"]["spec"] == f"scripted:{judge}"
    # Without --judge the judge checks are not added at all.
    plain = pytester.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--model", f"scripted:{model}", "--results", "out2"
    )
    recs = [json.loads(line) for line in (pytester.path / "out2" / "results.jsonl").read_text().splitlines()]
    assert all(c["name"] == "short" for r in recs for c in r["checks"])
    assert plain.ret in (0, 1)


COMPRESSION_SUITE = """
name: recall
version: "1"
cases:
  - id: trip
    category: travel
    kind: compression
    data:
      keep_recent: 2
      turns:
        - {role: user, content: "My sister Priya lands on March 14 on flight LH 902."}
        - {role: assistant, content: "Noted: Priya, March 14, LH 902."}
        - {role: user, content: "She is vegetarian and hates spicy food."}
        - {role: assistant, content: "Got it, vegetarian and nothing spicy."}
        - {role: user, content: "Also book a table for four people."}
        - {role: assistant, content: "A table for four it is."}
      questions:
        - {question: "What flight is Priya on?", answers: ["LH 902"]}
"""


def test_summarizer_model_writes_the_summary(pytester: pytest.Pytester) -> None:
    (pytester.path / "suites" / "recall").mkdir(parents=True)
    (pytester.path / "suites" / "recall" / "suite.yaml").write_text(COMPRESSION_SUITE)
    model = pytester.path / "m.json"
    model.write_text(json.dumps({"*": "I do not know."}))
    summ = pytester.path / "s.json"
    summ.write_text(json.dumps({"*": "Priya arrives March 14 on LH 902; vegetarian."}))
    result = pytester.runpytest(
        "-p",
        "harness.pytest_plugin",
        "suites",
        "--model",
        f"scripted:{model}",
        "--summarizer",
        f"scripted:{summ}",
        "--results",
        "out",
    )
    assert result.ret in (0, 1)
    rec = json.loads((pytester.path / "out" / "results.jsonl").read_text().splitlines()[0])
    assert rec["summary"] == "Priya arrives March 14 on LH 902; vegetarian."
    assert {c["name"] for c in rec["checks"]} >= {"token_reduction", "recall_full", "recall_retained"}
    manifest = json.loads((pytester.path / "out" / "manifest.json").read_text())
    assert manifest["summarizer"]["spec"] == f"scripted:{summ}"


def _manifest(p: pytest.Pytester, run: str = "out") -> dict:
    return json.loads((p.path / run / "manifest.json").read_text())


def test_two_workers_give_the_same_records_and_verdict_as_one(project: pytest.Pytester) -> None:
    model = _responses(project, GOOD | {"chat": "one two three four five six seven eight nine ten eleven"})
    one = project.runpytest("-p", "harness.pytest_plugin", "suites", "--model", model, "--results", "w1")
    two = project.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--model", model, "--results", "w2", "--workers", "2"
    )
    assert one.ret == two.ret == 0
    assert _manifest(project, "w2")["workers"]["count"] == 2

    def norm(run: str) -> list[tuple]:
        lines = (project.path / run / "results.jsonl").read_text().splitlines()
        recs = [json.loads(line) for line in lines]
        return sorted((r["case_id"], r["outcome"], r["response"], json.dumps(r["checks"])) for r in recs)

    assert norm("w1") == norm("w2")


def test_resume_keeps_finished_cases_and_runs_only_the_rest(project: pytest.Pytester) -> None:
    model = _responses(project, GOOD)
    assert _run(project, model, "--no-report").ret == 0
    out = project.path / "out"
    lines = (out / "results.jsonl").read_text().splitlines()
    kept = json.loads(lines[0]) | {"response": "KEPT"}  # marks the record: a rerun would replace it
    (out / "results.jsonl").write_text(json.dumps(kept) + "\n" + lines[1][:40])  # killed writing the 2nd record
    again = _run(project, model, "--resume")
    assert again.ret == 0
    again.stdout.fnmatch_lines(["*--resume keeps 1 finished case(s)*"])
    recs = {r["case_id"]: r for r in _records(project)}
    assert sorted(recs) == sorted(GOOD)
    assert recs[kept["case_id"]]["response"] == "KEPT"
    assert all(recs[c]["response"] == GOOD[c] for c in GOOD if c != kept["case_id"])
    manifest = _manifest(project)
    assert manifest["status"] == "complete" and manifest["timing"]["cases_kept"] == 1
    assert manifest["resumed"][0]["kept"] == 1


def test_resume_needs_a_run_and_refuses_another_model(project: pytest.Pytester, tmp_path) -> None:
    missing = _run(project, _responses(project, GOOD), "--resume")
    assert missing.ret == 2
    missing.stdout.fnmatch_lines(["*--resume: *out holds no run (results.jsonl); drop --resume*"])
    assert _run(project, _responses(project, GOOD), "--no-report").ret == 0
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"*": "x"}))
    refused = _run(project, f"scripted:{other}", "--resume")
    assert refused.ret == 2
    refused.stdout.fnmatch_lines(["*that run scored another model*"])


def test_a_subset_run_is_marked_partial(project: pytest.Pytester) -> None:
    assert _run(project, _responses(project, GOOD), "-k", "alarm").ret == 0
    manifest = _manifest(project)
    assert manifest["partial"] is True
    assert manifest["selection"]["partial_suites"] == ["mini"]
    assert manifest["selection"]["options"]["k"] == "alarm"
    full = project.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--model", _responses(project, GOOD), "--results", "full"
    )
    assert full.ret == 0 and _manifest(project, "full")["partial"] is False


def test_results_dir_that_cannot_be_created_fails_before_the_model_load(project: pytest.Pytester) -> None:
    (project.path / "afile").write_text("x")
    result = project.runpytest(
        "-p", "harness.pytest_plugin", "suites", "--model", _responses(project, GOOD), "--results", "afile/run"
    )
    assert result.ret == 2
    result.stdout.fnmatch_lines(["*harness: --results afile/run: cannot be created, *afile is not a directory*"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_xdist_is_refused_with_a_pointer_to_workers(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess(
        "-p", "harness.pytest_plugin", "suites", "--model", _responses(project, GOOD), "-n", "2"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*pytest-xdist (-n) cannot score suites*use --workers N*"])
