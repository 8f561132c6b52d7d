"""Typed run files (harness.records): the records and manifest a run writes now are the dicts the code before
the models wrote, plus ``format_version``; and the checked-in JSON Schema matches the models.

``tests/fixtures/run_files_v0.json`` holds a run written by the code before ``harness.records`` (volatile
values such as times and paths masked, key order kept). Rewrite it only for a deliberate format change:
``HARNESS_REGENERATE_FIXTURE=1 .venv/bin/pytest tests/test_run_files.py``, which also rewrites the JSON Schema
``docs/run_files.schema.json`` (do that whenever the models change).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from harness.backends.base import GenerationParams
from harness.backends.scripted import ScriptedBackend
from harness.errors import ConfigError, DataError
from harness.records import RECORD_FORMAT, read_manifest, read_records, run_files_schema
from harness.runner import run_case
from harness.scoring import ScoringContext
from harness.session import HarnessSession, RunOptions
from harness.suite import load_suite
from harness.tasks.compression import SUMMARY_INSTRUCTION, answer_matches

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "run_files_v0.json"
SCHEMA = ROOT / "docs" / "run_files.schema.json"

SUITE = """
name: mini
version: "2"
tools_file: tools.json
cases:
  - id: passes
    category: talk
    prompt: Say ribbit
    checks:
      - contains: {any_of: [ribbit]}
  - id: fails
    category: talk
    prompt: Say ribbit again
    checks:
      - contains: {any_of: [ribbit]}
  - id: broken
    category: talk
    prompt: Say anything
    checks:
      - contains: {any_of: [ribbit]}
  - id: alarm
    category: tools
    prompt: Wake me at 7.
    checks:
      - tool_call: {calls: [{set_alarm: {hour: [7], minute: [0]}}]}
  - id: thinks
    category: reasoning
    requires: [thinking]
    prompt: Think first
    checks:
      - contains: {any_of: [ribbit]}
"""
RESPONSES = {
    "passes": "ribbit",
    "fails": {"text": "croak", "finish_reason": "length"},
    "broken": {"error": "the model fell over"},
    "alarm": '<tool_call>{"name": "set_alarm", "arguments": {"hour": 7, "minute": 0}}</tool_call>',
    "__supports__": ["tools"],
}
# Values that change from run to run: their plain values masked, their keys (at every depth) and order kept.
VOLATILE = {
    "started", "finished", "at", "latency_s", "wall_s", "timings", "path", "spec", "harness_version",
    "scoring_code_sha256", "environment", "timing", "command", "load_s", "peak_rss_mb", "processes", "source",
    "model_sha256", "sha256", "results_file_dir",
}  # fmt: skip


def _mask(value: Any, volatile: bool = False) -> Any:
    """``value`` with the plain values under a VOLATILE key replaced; the dicts and lists under such a key are
    walked, so a renamed or reordered key inside ``timing`` or ``environment`` still shows."""
    if isinstance(value, dict):
        return {k: _mask(v, volatile or k in VOLATILE) for k, v in value.items()}
    if isinstance(value, list):
        return [_mask(v, volatile) for v in value]
    return "<volatile>" if volatile else value


def _compression_records() -> list[dict[str, Any]]:
    """A passed compression record and an errored one, from harness.runner.run_case directly."""
    case = next(c for c in load_suite(ROOT / "suites" / "compression" / "suite.yaml").cases)
    answers = {q["question"]: q["answers"] for q in case.data["questions"]}

    def respond(messages: list[Any], tools: list[Any]) -> str:
        if str(messages[-1].get("content") or "").startswith(SUMMARY_INSTRUCTION):
            return "They talked about a visit."
        context = "\n".join(str(m.get("content") or "") for m in messages[:-1])
        found = answer_matches(context, answers[str(messages[-1]["content"])])
        return f"It is {found}." if found else "I don't know."

    params = GenerationParams(max_tokens=96)
    ok = run_case(ScriptedBackend(respond), case, params, "1", ScoringContext(summarizer=ScriptedBackend(respond)))
    failed = run_case(ScriptedBackend({"*": {"error": "no summary today"}}), case, params, "1")
    return [ok.to_json_dict(), failed.to_json_dict()]


def write_sample_run(tmp: Path) -> Path:
    """Score the mini suite (pass, fail, back-end error, tool call, skipped case) with the real session on the
    scripted back end; returns the run directory."""
    suite_dir = tmp / "suites" / "mini"
    suite_dir.mkdir(parents=True)
    (suite_dir / "suite.yaml").write_text(SUITE)
    tools = [{"type": "function", "function": {"name": "set_alarm", "parameters": {"type": "object"}}}]
    (suite_dir / "tools.json").write_text(json.dumps(tools))
    (tmp / "suites" / "gates.yaml").write_text("suites:\n  mini:\n    pass_rate: 0.5\n")
    responses = tmp / "responses.json"
    responses.write_text(json.dumps(RESPONSES))
    suite = load_suite(suite_dir / "suite.yaml")
    run_dir = tmp / "run"
    session = HarnessSession(
        RunOptions(model=f"scripted:{responses}", results=run_dir, gates_file=tmp / "suites" / "gates.yaml")
    )
    session.open([suite], len(suite.cases))
    for case in suite.cases:
        missing = session.unmet_requirement(case)
        if missing is not None:
            session.skip_case(case, missing)
        else:
            session.run_case(case, suite.version, nodeid=f"suites/mini::{case.id}")
    session.finish()
    return run_dir


def _stored(run_dir: Path) -> dict[str, Any]:
    lines = (run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return {
        "records": [json.loads(line) for line in lines],
        "compression_records": _compression_records(),
        "manifest": json.loads((run_dir / "manifest.json").read_text(encoding="utf-8")),
    }


def _masked_text(stored: dict[str, Any]) -> str:
    return json.dumps(_mask(stored), indent=1, ensure_ascii=False) + "\n"


def _without_version(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_version(v) for k, v in value.items() if k != "format_version"}
    if isinstance(value, list):
        return [_without_version(v) for v in value]
    return value


def test_run_files_are_the_old_dicts_plus_format_version(tmp_path: Path) -> None:
    stored = _stored(write_sample_run(tmp_path))
    if os.environ.get("HARNESS_REGENERATE_FIXTURE"):
        FIXTURE.write_text(_masked_text(_without_version(stored)), encoding="utf-8")
        pytest.skip(f"rewrote {FIXTURE}")
    old = json.loads(FIXTURE.read_text(encoding="utf-8"))
    # A key added since is a reviewed change: HARNESS_REGENERATE_FIXTURE=1 rewrites the fixture and its diff shows it.
    # Same keys in the same order, same values: compare the texts, so key order counts too.
    assert _masked_text(_without_version(stored)) == _masked_text(old)


def test_written_files_carry_the_format_version_and_read_back_typed(tmp_path: Path) -> None:
    run_dir = write_sample_run(tmp_path)
    first = json.loads((run_dir / "results.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert next(iter(first)) == "format_version" and first["format_version"] == RECORD_FORMAT
    records = read_records(run_dir / "results.jsonl")
    assert [(r.case_id, r.outcome) for r in records] == [
        ("passes", "passed"), ("fails", "failed"), ("broken", "error"), ("alarm", "failed")
    ]  # fmt: skip
    manifest = read_manifest(run_dir / "manifest.json")
    assert manifest.format_version == RECORD_FORMAT and manifest.status == "complete"
    assert [s.model_dump(exclude_unset=True) for s in manifest.cases_skipped or []] == [
        {"case": "mini/thinks", "needs": "thinking"}
    ]


def test_files_without_a_format_version_read_as_version_0_and_keep_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps({"suite": "s", "case_id": "a", "passed": True, "later_key": [1]}) + "\n")
    (record,) = read_records(path)
    assert record.format_version == 0 and record.case_id == "a"
    assert record.to_json_dict() == {"suite": "s", "case_id": "a", "passed": True, "later_key": [1]}
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"model": {"path": "m.gguf"}, "status": "complete", "new": 1}))
    assert read_manifest(manifest).format_version == 0
    assert read_manifest(manifest).to_json_dict() == {"model": {"path": "m.gguf"}, "status": "complete", "new": 1}


def test_a_file_from_a_newer_harness_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps({"format_version": RECORD_FORMAT + 1, "case_id": "a"}) + "\n")
    with pytest.raises(DataError, match="written by a newer harness; upgrade") as exc:
        read_records(path)
    assert str(exc.value).startswith(str(path)) and "\n" not in str(exc.value)
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"format_version": RECORD_FORMAT + 1, "model": {}}))
    with pytest.raises(DataError, match=f"^{re.escape(str(manifest))}: .*written by a newer harness; upgrade"):
        read_manifest(manifest)


def test_a_record_of_the_wrong_type_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "results.jsonl"
    path.write_text(json.dumps({"case_id": "a"}) + "\n" + json.dumps({"case_id": "b", "checks": "none"}) + "\n")
    with pytest.raises(ConfigError, match=r"results\.jsonl:2: checks: "):
        read_records(path)


def test_the_checked_in_json_schema_is_the_models_schema() -> None:
    text = json.dumps(run_files_schema(), indent=2, ensure_ascii=False) + "\n"
    if os.environ.get("HARNESS_REGENERATE_FIXTURE"):
        SCHEMA.parent.mkdir(exist_ok=True)
        SCHEMA.write_text(text, encoding="utf-8")
    assert SCHEMA.read_text(encoding="utf-8") == text, (
        f"{SCHEMA} is stale: HARNESS_REGENERATE_FIXTURE=1 .venv/bin/pytest tests/test_run_files.py -k schema"
    )
