"""Loading a run directory: what a Run exposes, and one clear ConfigError for every kind of bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from harness.errors import ConfigError
from reports.load import load_run


def test_load_run_reads_records_and_model_identity(run_a: Path) -> None:
    run = load_run(run_a)
    assert run.label == "a.json"  # the scripted responses file stands in for the model file
    assert load_run(run_a, label="frog v2").label == "frog v2"
    assert run.complete and run.model.backend == "scripted" and len(run.model.sha256 or "") == 64
    assert list(run.records["case_id"]) == [f"c{n}" for n in range(1, 9)]
    assert run.records["passed"].tolist() == [True] * 4 + [False] * 4
    assert run.records.loc[4, "failed_checks"] == "contains"
    assert run.records.loc[4, "failures"] == "contains: contains none of 'ribbit'"
    assert len(run.checks) == 16 and set(run.checks["name"]) == {"contains", "short"}
    assert {g.gate for g in run.gate_results} == {"pass_rate", "category_pass_rate.talk", "category_pass_rate.pets"}


def test_errored_case_explains_itself(make_run: Callable[..., Path]) -> None:
    run = load_run(make_run("err", {"*": "ribbit", "c2": {"error": "model crashed"}}))
    rec = run.records.set_index("case_id").loc["c2"]
    assert rec["outcome"] == "error" and rec["failures"] == "error: model crashed"


def _one_line(exc: pytest.ExceptionInfo[ConfigError]) -> str:
    message = str(exc.value)
    assert "\n" not in message
    return message


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such run directory") as exc:
        load_run(tmp_path / "nope")
    assert str(tmp_path / "nope") in _one_line(exc)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("manifest.json", None, r"manifest\.json: no such file; pass a run directory"),
        ("manifest.json", "{not json", r"manifest\.json: cannot be read as JSON .*re-run the suites"),
        ("manifest.json", "[1, 2]", r"manifest\.json: not a run manifest"),
        ("manifest.json", '{"status": "complete"}', r"manifest\.json: not a run manifest"),
        ("results.jsonl", None, r"no results\.jsonl"),
        ("results.jsonl", "", "holds no finished cases"),
        ("results.jsonl", '{"suite": "mini"\n{"suite": "mini", "case_id": "c1", "passed": true}\n',
         r"results\.jsonl:1: not valid JSON"),
        ("results.jsonl", json.dumps({"suite": "mini", "passed": True}) + "\n", "record 1 lacks case_id"),
        ("results.jsonl", "[1]\n", r"results\.jsonl:1: not a case record \(a JSON object\)"),
    ],
)  # fmt: skip
def test_a_bad_run_file_is_one_clear_line(run_a: Path, name: str, content: str | None, message: str) -> None:
    path = run_a / name
    if content is None:
        path.unlink()
    else:
        path.write_text(content)
    with pytest.raises(ConfigError, match=message) as exc:
        load_run(run_a)
    line = _one_line(exc)
    if name == "manifest.json":
        assert str(path) in line


def test_a_killed_run_still_loads(run_a: Path) -> None:
    """A run killed mid-case keeps its finished cases; the half-written last line is dropped."""
    with (run_a / "results.jsonl").open("a") as fh:
        fh.write('{"suite": "mini", "case_id": "c9", "pas')
    manifest = json.loads((run_a / "manifest.json").read_text())
    (run_a / "manifest.json").write_text(json.dumps(manifest | {"status": "running"}))
    run = load_run(run_a)
    assert len(run.records) == 8 and not run.complete


def test_a_server_run_is_named_by_the_served_model(tmp_path: Path) -> None:
    from harness.records import RunManifest
    from reports.load import Run

    model = {"spec": "openai:http://127.0.0.1:8080/v1#smollm2", "path": None, "kind": "openai",
             "endpoint": "http://127.0.0.1:8080/v1", "server_model": "smollm2"}  # fmt: skip
    run = Run(tmp_path, RunManifest.build({"model": model}), [], pd.DataFrame())
    assert (run.label, run.model.path, run.model.sha256) == ("smollm2", model["spec"], None)
    unnamed = Run(tmp_path, RunManifest.build({"model": model | {"server_model": None}}), [], pd.DataFrame())
    assert unnamed.label == model["spec"]
