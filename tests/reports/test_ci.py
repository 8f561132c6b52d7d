"""The CI gate on stored runs and publishing: exit codes, refusals, the built folder, and that no token leaks.

Runs are written by hand in the shape ``harness.session`` writes (one end-to-end test checks that shape against
a real plugin run on the scripted back end); the model is a tiny but valid GGUF written with ``gguf``.
Nothing here touches the network: uploads go to a fake ``HfApi`` that records its calls.
"""

from __future__ import annotations

import json
import logging
import secrets
import string
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

import reports.gate
import reports.publish
from harness.cli import main
from harness.errors import ConfigError, HarnessError, RunNotTrustedError
from harness.gates import GateConfig
from harness.models import sha256_file
from reports.escape import redact
from reports.gate import ModelMismatchError, gate_run
from reports.publish import GateFailedError, PublishError, publish
from tests.run_files import check_complete

pytest_plugins = ["pytester"]

GATES = {
    "max_error_rate": 0.1,
    "suites": {
        "pokkit": {
            "pass_rate": 0.6,
            "category_pass_rate": {"tool_call": 0.5, "pet": 0.9},  # no pet case runs: not evaluated
            "check_pass_rate": {"no_tool_call": 0.5},
        }
    },
}


def write_gguf(path: Path, *, filler: float = 0.0) -> Path:
    """A small valid GGUF (header, metadata, one tensor) that ``inspect_gguf`` accepts."""
    import gguf

    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("Tiny Pokkit")
    w.add_string("general.license", "apache-2.0")
    w.add_uint32("general.base_model.count", 1)
    w.add_string("general.base_model.0.repo_url", "https://huggingface.co/HuggingFaceTB/SmolLM2-135M-Instruct")
    w.add_file_type(2)
    w.add_tensor("t", np.full(64, filler, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def rec(case_id: str, category: str, passed: bool, *, outcome: str | None = None, check_passed: bool = True) -> dict:
    return {
        "suite": "pokkit",
        "suite_version": "1",
        "category": category,
        "case_id": case_id,
        "outcome": outcome or ("passed" if passed else "failed"),
        "passed": passed,
        "error": "model crashed" if outcome == "error" else None,
        "checks": [{"name": "no_tool_call", "passed": check_passed, "reason": "", "value": float(check_passed)}],
        "nodeid": f"suites/pokkit/suite.yaml::{category}::{case_id}",
    }


GOOD_RECORDS = [
    rec("alarm", "tool_call", True),
    rec("alarm2", "tool_call", True),
    rec("hello", "chat", True),
    rec("bye", "chat", False, check_passed=False),
]


def suite_entry(default_cases: int, *, names: bool = True, large: int = 0) -> dict[str, Any]:
    """The pokkit entry of a manifest's ``suites``: 37 cases in all, ``default_cases`` in the default set."""
    entry: dict[str, Any] = {"version": "1", "path": "suites/pokkit/suite.yaml", "cases_total": default_cases + large}
    if names:
        entry |= suite_manifest_names(default_cases, large)
    return entry


def suite_manifest_names(default_cases: int, large: int = 0) -> dict[str, Any]:
    by_set = {"default": default_cases} | ({"large": large} if large else {})
    return {"cases_by_set": by_set, "categories": ["chat", "pet", "tool_call"], "checks": ["no_tool_call", "short"]}


def write_run(
    run_dir: Path,
    model: Path,
    records: list[dict],
    *,
    gates: dict | None = None,
    status: str = "complete",
    cases_selected: int | None = None,
    command: list[str] | None = None,
    partial: bool | None = False,
    total: int | None = None,
    names: bool = True,
) -> Path:
    """results.jsonl + manifest.json with the keys ``HarnessSession.open``/``finish`` write.

    ``partial``: the manifest's flag (None: no such field, as before it existed); ``total``: the pokkit suite's
    default-set size (default: one case per record); ``names``: write the suite's categories and checks."""
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    manifest = {
        "status": status,
        "harness_version": "0.1.0",
        "started": "2026-01-01T10:00:00+00:00",
        "finished": None if status == "running" else "2026-01-01T10:01:00+00:00",
        "command": command or ["pytest", "suites/", "--model", str(model), "--results", str(run_dir)],
        "model": {
            "spec": str(model),
            "path": str(model),
            "source": "path",
            "kind": "gguf",
            "size_bytes": model.stat().st_size,
            "model_sha256": sha256_file(model),
            "backend": "llama.cpp",
            "llama_cpp_python": "0.3.36",
            "model_name": "Tiny Pokkit",
            "quantization": "Q4_0",
            "n_ctx": 4096,
        },
        "decoding": {"temperature": 0.0, "seed": 0},
        "suites": {"pokkit": suite_entry(len(records) if total is None else total, names=names)},
        "case_sets": ["default"],
        "cases_selected": len(records) if cases_selected is None else cases_selected,
        "judge": None,
        "summarizer": None,
        "gates": GateConfig.model_validate(GATES if gates is None else gates).model_dump(),
        "results_file": "results.jsonl",
    }
    if partial is None:
        del manifest["case_sets"]
    else:
        options = {"k": "alarm"} if partial else {}
        manifest |= {
            "partial": partial,
            "selection": {"partial": partial, "case_sets": ["default"], "options": options},
        }
    if status != "running":
        manifest |= {"gate_results": [], "error_rate": 0.0, "exit_code": None if status == "interrupted" else 0}
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return run_dir


@pytest.fixture
def model(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    return write_gguf(tmp_path / "models" / "pokkit-q4.gguf")


@pytest.fixture
def good_run(tmp_path: Path, model: Path) -> Path:
    return write_run(tmp_path / "run", model, GOOD_RECORDS)


@pytest.fixture
def bad_run(tmp_path: Path, model: Path) -> Path:
    records = [
        rec("alarm", "tool_call", False, check_passed=False),
        rec("alarm2", "tool_call", False, check_passed=False),
        rec("hello", "chat", True),
        rec("bye", "chat", False, check_passed=False),
    ]
    return write_run(tmp_path / "bad", model, records)


class FakeApi:
    """Records what a real HfApi would have been asked to do; can fail like the Hub does."""

    def __init__(self, fail_with: str | None = None) -> None:
        self.calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
        self.fail_with = fail_with
        self.uploaded: dict[str, bytes] = {}

    def create_repo(self, repo_id: str, **kwargs: Any) -> str:
        self.calls.append(("create_repo", (repo_id,), kwargs))
        if self.fail_with:
            raise RuntimeError(self.fail_with)
        return f"https://huggingface.co/{repo_id}"

    def upload_folder(self, **kwargs: Any) -> None:
        self.calls.append(("upload_folder", (), kwargs))
        folder = Path(kwargs["folder_path"])
        self.uploaded = {p.name: p.read_bytes() for p in folder.iterdir()}


# --- gate: exit codes on stored runs -------------------------------------------------------------------------


def test_passing_run_exits_0(good_run: Path, model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gate", str(good_run), "--model", str(model)]) == 0
    out = capsys.readouterr().out
    assert "PASS pokkit: overall pass rate 75% (3/4) meets the 60% gate." in out
    assert "n/a  pokkit: category pet had no cases in this run." in out
    assert "verdict: all 3 evaluated gates met (exit 0)" in out
    assert f"sha256 {sha256_file(model)[:12]} matches the run" in out


def test_model_defaults_to_the_manifest_path(good_run: Path) -> None:
    assert main(["gate", str(good_run)]) == 0


def test_failing_run_exits_1_with_each_failed_gate_in_one_sentence(
    bad_run: Path, model: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["gate", str(bad_run), "--model", str(model)]) == 1
    lines = capsys.readouterr().out.splitlines()
    failed = [line.strip() for line in lines if line.strip().startswith("FAIL ")]
    assert failed == [
        "FAIL pokkit: overall pass rate 25% (1/4) is below the 60% gate.",
        "FAIL pokkit: category tool_call pass rate 0% (0/2) is below the 50% gate.",
        "FAIL pokkit: check no_tool_call pass rate 25% (1/4) is below the 50% gate.",
    ]
    for line in failed:  # one sentence each: a single full stop, at the end
        assert line.count(". ") == 0 and line.endswith(".")
    assert lines[-1] == "verdict: 3 of 3 gates failed (exit 1)"


def test_verdict_from_the_library(bad_run: Path) -> None:
    verdict = gate_run(bad_run)
    assert not verdict.passed and verdict.exit_code == 1
    failed = [g.gate for g in verdict.failed]
    assert failed == ["pass_rate", "category_pass_rate.tool_call", "check_pass_rate.no_tool_call"]
    assert [g.status for g in verdict.results if g.gate == "category_pass_rate.pet"] == ["not_evaluated"]
    assert verdict.records == 4 and verdict.gates_source == "stored in the manifest"


@pytest.mark.parametrize(
    "status, records, selected, message",
    [
        ("running", GOOD_RECORDS, None, "is not complete (status 'running'): it was killed or is still going"),
        ("interrupted", GOOD_RECORDS, None, "is not complete (status 'interrupted'): it was interrupted"),
        ("complete", GOOD_RECORDS[:3], 4, "is incomplete: 3 of 4 selected cases have results"),
        (
            "complete",
            [*GOOD_RECORDS, rec("crash", "chat", False, outcome="error")],
            None,
            "1 of 5 cases errored (20%), above max_error_rate 10%",
        ),
    ],
    ids=["running", "interrupted", "missing-records", "error-rate"],
)
def test_untrusted_run_exits_2(
    tmp_path: Path,
    model: Path,
    capsys: pytest.CaptureFixture[str],
    status: str,
    records: list[dict],
    selected: int | None,
    message: str,
) -> None:
    run = write_run(tmp_path / "run", model, records, status=status, cases_selected=selected)
    assert main(["gate", str(run), "--model", str(model)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    with pytest.raises(RunNotTrustedError):
        gate_run(run, model=model)


def test_truncated_last_line_of_a_killed_run_is_untrusted(good_run: Path, model: Path) -> None:
    with (good_run / "results.jsonl").open("a") as fh:
        fh.write('{"suite": "pokkit", "case_')
    manifest = json.loads((good_run / "manifest.json").read_text())
    manifest["cases_selected"] = 5
    (good_run / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(RunNotTrustedError, match="4 of 5 selected cases"):
        gate_run(good_run, model=model)


def test_sha256_mismatch_exits_2(good_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = write_gguf(tmp_path / "other.gguf", filler=1.0)  # same size, other bytes
    assert main(["gate", str(good_run), "--model", str(other)]) == 2
    err = capsys.readouterr().err
    assert f"sha256 {sha256_file(other)[:12]} differs from the manifest's" in err
    assert "is not the file this run scored" in err


def test_a_file_of_another_size_is_refused_without_hashing_it(
    good_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bigger = tmp_path / "bigger.gguf"
    bigger.write_bytes(b"GGUF" + b"\0" * 5000)
    monkeypatch.setattr(
        reports.gate, "model_sha256", lambda ref: pytest.fail("hashed a file whose size already differs")
    )
    with pytest.raises(ModelMismatchError, match="it has 5,004 bytes"):
        gate_run(good_run, model=bigger)


def test_missing_model_file_exits_2(good_run: Path, model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gate", str(good_run), "--model", str(model.with_name("gone.gguf"))]) == 2
    assert "gone.gguf is missing" in capsys.readouterr().err
    model.unlink()  # the manifest's own path, when no --model is given
    assert main(["gate", str(good_run)]) == 2
    assert "(recorded in the manifest) is missing" in capsys.readouterr().err
    with pytest.raises(ModelMismatchError):
        gate_run(good_run)


def test_gate_overrides(bad_run: Path, good_run: Path, capsys: pytest.CaptureFixture[str]) -> None:
    loose = ["--gate", "pokkit.pass_rate=0.25", "--gate", "pokkit.category_pass_rate.tool_call=0"]
    loose += ["--gate", "pokkit.check_pass_rate.no_tool_call=0.2"]
    assert main(["gate", str(bad_run), *loose]) == 0
    assert "stored in the manifest + 3 override(s)" in capsys.readouterr().out
    assert main(["gate", str(good_run), "--gate", "pokkit.category_pass_rate.chat=0.9"]) == 1
    assert "FAIL pokkit: category chat pass rate 50% (1/2) is below the 90% gate." in capsys.readouterr().out
    assert main(["gate", str(good_run), "--gate", "pokkit.pass_rate=lots"]) == 2
    assert "--gate value 'lots' is not a number" in capsys.readouterr().err


def test_max_error_rate_override_makes_an_errored_run_judgeable(tmp_path: Path, model: Path) -> None:
    run = write_run(tmp_path / "run", model, [*GOOD_RECORDS, rec("crash", "chat", False, outcome="error")])
    assert gate_run(run, overrides=["max_error_rate=0.25"]).exit_code == 0


def test_gates_file_replaces_the_stored_config(bad_run: Path, tmp_path: Path) -> None:
    gates = tmp_path / "gates.yaml"
    gates.write_text("suites:\n  pokkit:\n    category_pass_rate: {chat: 0.5}\n")
    verdict = gate_run(bad_run, gates_file=gates)
    assert verdict.passed and [g.gate for g in verdict.results] == ["category_pass_rate.chat"]
    with pytest.raises(ConfigError, match="no such file"):
        gate_run(bad_run, gates_file=tmp_path / "nope.yaml")


def test_not_a_run_directory_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["gate", str(tmp_path)]) == 2
    assert "manifest.json: no such file; pass a run directory" in capsys.readouterr().err


def test_gate_agrees_with_a_real_plugin_run(pytester: pytest.Pytester) -> None:
    """A run the pytest plugin wrote (scripted back end) is read and judged the way the plugin judged it."""
    suite = pytester.path / "suites" / "mini"
    suite.mkdir(parents=True)
    (suite / "suite.yaml").write_text(
        'name: mini\nversion: "1"\ncases:\n'
        "  - {id: a, category: talk, prompt: Hi, checks: [{not_empty: {}}]}\n"
        "  - {id: b, category: talk, prompt: Yo, checks: [{not_empty: {}}]}\n"
    )
    (pytester.path / "suites" / "gates.yaml").write_text("suites:\n  mini:\n    pass_rate: 0.75\n")
    responses = pytester.path / "responses.json"
    responses.write_text(json.dumps({"a": "Hello!", "b": ""}))
    result = pytester.runpytest("-p", "harness.pytest_plugin", "suites", "--model", f"scripted:{responses}",
                                "--results", "out")  # fmt: skip
    assert result.ret == 1
    verdict = gate_run(pytester.path / "out", model=f"scripted:{responses}")
    assert verdict.exit_code == 1
    assert [g.sentence for g in verdict.failed] == ["mini: overall pass rate 50% (1/2) is below the 75% gate."]
    stored = json.loads((pytester.path / "out" / "manifest.json").read_text())["gate_results"]
    assert [g.to_dict() for g in verdict.results] == stored
    responses.write_text(json.dumps({"a": "Hello!", "b": "changed"}))
    with pytest.raises(ModelMismatchError):
        gate_run(pytester.path / "out")


def test_partial_run_is_refused_unless_allowed(tmp_path: Path, model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run = write_run(tmp_path / "run", model, GOOD_RECORDS, partial=True, total=37)
    assert main(["gate", str(run)]) == 2
    err = capsys.readouterr().err
    assert f"run {run} is partial: 4 of 37 cases, selected with -k 'alarm'; gates on some cases" in err
    assert "pass --allow-partial to judge it anyway" in err and err.count("\n") == 1
    assert main(["gate", str(run), "--allow-partial"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].endswith("; error rate 0%; partial run: 4 of 37 cases")
    assert "  PASS pokkit: overall pass rate 75% (3/4) meets the 60% gate (partial run: 4 of 37 cases)." in out
    assert out[-1] == "verdict: all 3 evaluated gates met (exit 0); partial run: 4 of 37 cases"
    with pytest.raises(RunNotTrustedError, match="is partial"):
        gate_run(run)


def test_partial_failed_gate_exits_1_when_allowed(tmp_path: Path, model: Path) -> None:
    records = [rec("alarm", "tool_call", False, check_passed=False), rec("hello", "chat", True)]
    run = write_run(tmp_path / "run", model, records, partial=True, total=37)
    verdict = gate_run(run, allow_partial=True)
    assert verdict.exit_code == 1 and verdict.partial
    assert [g.sentence for g in verdict.failed] == [
        "pokkit: overall pass rate 50% (1/2) is below the 60% gate (partial run: 2 of 37 cases).",
        "pokkit: category tool_call pass rate 0% (0/1) is below the 50% gate (partial run: 2 of 37 cases).",
    ]


@pytest.mark.parametrize("total, partial", [(37, True), (4, False)])
def test_an_old_manifest_without_the_partial_field_is_judged_by_cases_total(
    tmp_path: Path, model: Path, total: int, partial: bool
) -> None:
    run = write_run(tmp_path / "run", model, GOOD_RECORDS, partial=None, total=total, names=False)
    if partial:
        with pytest.raises(RunNotTrustedError, match="is partial: 4 of 37 cases; gates on some cases"):
            gate_run(run)
    assert gate_run(run, allow_partial=True).partial is partial


@pytest.mark.parametrize(
    "override, message",
    [
        ("prbe.pass_rate=1", "--gate 'prbe.pass_rate=1': this run has no suite 'prbe'; its suites: pokkit"),
        ("pokit.pass_rate=1", "this run has no suite 'pokit'; did you mean 'pokkit'?"),
        ("pokkit.category_pass_rate.tool_cal=1", "has no category 'tool_cal'; did you mean 'tool_call'?"),
        ("pokkit.check_pass_rate.no_tool=1", "has no check 'no_tool'; did you mean 'no_tool_call'?"),
        ("pokkit.metric_min.shrt=1", "has no check 'shrt'; did you mean 'short'?"),
    ],
)
def test_gate_override_naming_nothing_in_the_run_exits_2(
    good_run: Path, capsys: pytest.CaptureFixture[str], override: str, message: str
) -> None:
    assert main(["gate", str(good_run), "--gate", override]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_gates_file_typo_is_checked_against_the_runs_suite(good_run: Path, tmp_path: Path) -> None:
    gates = tmp_path / "gates.yaml"
    gates.write_text("suites:\n  pokkit:\n    category_pass_rate: {tool_cal: 0.5}\n  josi:\n    pass_rate: 0.8\n")
    with pytest.raises(ConfigError, match=r"pokkit.category_pass_rate.tool_cal: suite 'pokkit' has no category"):
        gate_run(good_run, gates_file=gates)
    gates.write_text("suites:\n  pokkit:\n    category_pass_rate: {pet: 0.5}\n  josi:\n    pass_rate: 0.8\n")
    assert gate_run(good_run, gates_file=gates).exit_code == 0  # pet: a category with no case run; josi: not run


def test_check_complete_counts_distinct_cases(tmp_path: Path, model: Path) -> None:
    run = write_run(tmp_path / "run", model, [*GOOD_RECORDS[:3], GOOD_RECORDS[0]], cases_selected=4)
    with pytest.raises(RunNotTrustedError, match="3 of 4 selected cases have results"):
        check_complete(run, json.loads((run / "manifest.json").read_text()), [*GOOD_RECORDS[:3], GOOD_RECORDS[0]])


# --- publish ---------------------------------------------------------------------------------------------------


def test_dry_run_writes_the_exact_folder(good_run: Path, model: Path) -> None:
    api = FakeApi()
    result = publish(model, good_run, "frogs/pokkit-135m", dry_run=True, api=api)
    assert api.calls == [] and result.url is None
    folder = good_run / "publish" / "pokkit-135m"
    assert result.folder == folder
    assert sorted(p.name for p in folder.iterdir()) == ["Modelfile", "README.md", "pokkit-q4.gguf"]
    assert sha256_file(folder / "pokkit-q4.gguf") == sha256_file(model)
    assert (folder / "Modelfile").read_text().startswith("FROM ./pokkit-q4.gguf\n")
    assert 'PARAMETER stop "<|im_end|>"' in (folder / "Modelfile").read_text()

    card = (folder / "README.md").read_text()
    _, front, body = card.split("---\n", 2)
    meta = yaml.safe_load(front)
    assert meta["license"] == "apache-2.0"  # from the GGUF header
    assert meta["base_model"] == "HuggingFaceTB/SmolLM2-135M-Instruct"
    assert {"gguf", "smallmodel-harness", "pokkit"} <= set(meta["tags"])
    results = meta["model-index"][0]["results"][0]
    assert meta["model-index"][0]["name"] == "pokkit-135m"
    assert results["dataset"]["type"] == "smallmodel-harness/pokkit"
    assert {m["type"]: m["value"] for m in results["metrics"]} == {
        "pass_rate": 0.75,
        "pass_rate_chat": 0.5,
        "pass_rate_tool_call": 1.0,
    }
    assert meta["smallmodel_harness"]["model_sha256"] == sha256_file(model)
    assert "| pokkit | 1 | 4 | 3 | 75% | 0 |" in body
    assert "| chat | 1/2 | 50% |" in body
    assert "| PASS | pokkit | pass_rate | 60% | 75% | pokkit: overall pass rate 75% (3/4) meets the 60% gate. |" in body
    assert "| n/a | pokkit | category_pass_rate.pet | 90% | – |" in body
    for how in ("llama-cli -m pokkit-q4.gguf", "ollama create pokkit-135m -f Modelfile", "pytest suites/ --model"):
        assert how in body
    assert str(model.parent) not in card  # local paths stay local


def test_publishing_a_partial_run_needs_allow_partial_and_says_so(tmp_path: Path, model: Path) -> None:
    run = write_run(tmp_path / "run", model, GOOD_RECORDS, partial=True, total=37)
    with pytest.raises(RunNotTrustedError, match="is partial: 4 of 37 cases"):
        publish(model, run, "frogs/pokkit", dry_run=True)
    assert main(["publish", str(model), "--run", str(run), "--repo", "frogs/pokkit", "--dry-run"]) == 2
    result = publish(model, run, "frogs/pokkit", dry_run=True, allow_partial=True)
    card = (result.folder / "README.md").read_text()
    _, front, body = card.split("---\n", 2)
    assert yaml.safe_load(front)["smallmodel_harness"]["verdict"] == "all gates met (partial run: 4 of 37 cases)"
    assert "**all 3 evaluated gates met** on a **partial run: 4 of 37 cases**." in body
    assert "| pokkit | 1 | 4 of 37 | 3 | 75% | 0 |" in body
    assert result.lines()[0].endswith("(partial run: 4 of 37 cases)")
    args = ["publish", str(model), "--run", str(run), "--repo", "frogs/pokkit", "--dry-run", "--allow-partial"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 0


def test_card_escapes_html_and_pipes(tmp_path: Path, model: Path) -> None:
    records = [{**r, "category": "<b>x|y</b>"} for r in GOOD_RECORDS]
    run = write_run(tmp_path / "run", model, records)
    card = (publish(model, run, "frogs/pokkit", dry_run=True).folder / "README.md").read_text()
    _, front, body = card.split("---\n", 2)
    assert "| &lt;b&gt;x\\|y&lt;/b&gt; | 3/4 | 75% |" in body and "<b>" not in body
    assert yaml.safe_load(front)["model-index"][0]["results"][0]["metrics"][1]["name"] == "<b>x|y</b> pass rate"


def test_card_escapes_the_model_name_and_file_name(tmp_path: Path, model: Path) -> None:
    run = write_run(tmp_path / "run", model, GOOD_RECORDS)
    manifest = json.loads((run / "manifest.json").read_text())
    manifest["model"]["model_name"] = "<img src=x onerror=alert(1)> [click](http://evil)"
    (run / "manifest.json").write_text(json.dumps(manifest))
    card = (publish(model, run, "frogs/pokkit", dry_run=True).folder / "README.md").read_text()
    assert "<img" not in card and "&lt;img src=x onerror=alert(1)&gt;" in card
    assert "[click](http://evil)" not in card and "\\[click\\]" in card


def test_publish_refuses_a_file_name_that_would_break_the_modelfile(tmp_path: Path, model: Path) -> None:
    odd = model.with_name("pokkit\nSYSTEM evil.gguf")
    odd.write_bytes(model.read_bytes())
    run = write_run(tmp_path / "run", odd, GOOD_RECORDS)
    with pytest.raises(HarnessError, match="GGUF file name"):
        publish(odd, run, "frogs/pokkit", dry_run=True)
    assert not (run / "publish").exists()  # refused before anything was copied


def test_publish_uploads_the_folder_through_the_api(good_run: Path, model: Path, tmp_path: Path) -> None:
    api = FakeApi()
    out = tmp_path / "upload"
    result = publish(model, good_run, "frogs/pokkit-135m", dry_run=False, out_dir=out, private=True, api=api)
    assert [c[0] for c in api.calls] == ["create_repo", "upload_folder"]
    assert api.calls[0][1] == ("frogs/pokkit-135m",)
    assert api.calls[0][2] == {"private": True, "exist_ok": True}
    upload = api.calls[1][2]
    assert upload["repo_id"] == "frogs/pokkit-135m" and Path(upload["folder_path"]) == out
    assert sha256_file(model)[:12] in upload["commit_message"]
    assert sorted(api.uploaded) == ["Modelfile", "README.md", "pokkit-q4.gguf"]
    assert result.url == "https://huggingface.co/frogs/pokkit-135m"
    assert "uploaded to https://huggingface.co/frogs/pokkit-135m" in result.lines()[-1]


def test_publish_refuses_another_file(good_run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = write_gguf(tmp_path / "retrained.gguf", filler=2.0)
    api = FakeApi()
    with pytest.raises(ModelMismatchError, match="differs from the manifest's"):
        publish(other, good_run, "frogs/pokkit", dry_run=False, api=api)
    assert api.calls == [] and not (good_run / "publish").exists()
    assert main(["publish", str(other), "--run", str(good_run), "--repo", "frogs/pokkit", "--dry-run"]) == 2
    err = capsys.readouterr().err.strip()
    assert "is not the file this run scored" in err and "\n" not in err


def test_publish_refuses_a_failed_gate(bad_run: Path, model: Path, capsys: pytest.CaptureFixture[str]) -> None:
    api = FakeApi()
    with pytest.raises(GateFailedError) as exc:
        publish(model, bad_run, "frogs/pokkit", dry_run=False, api=api)
    assert exc.value.exit_code == 1 and api.calls == []
    assert "overall pass rate 25% (1/4) is below the 60% gate." in str(exc.value)
    assert main(["publish", str(model), "--run", str(bad_run), "--repo", "frogs/pokkit", "--dry-run"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("harness: refusing to publish pokkit-q4.gguf: 3 gate(s) failed: pokkit: overall")
    assert "\n" not in err and not (bad_run / "publish").exists()


def test_publish_refuses_when_no_gate_was_evaluated(tmp_path: Path, model: Path) -> None:
    run = write_run(tmp_path / "run", model, GOOD_RECORDS, gates={"suites": {"josi": {"pass_rate": 0.8}}})
    assert gate_run(run).exit_code == 0  # nothing failed ...
    with pytest.raises(GateFailedError, match="no gate was evaluated"):  # ... but nothing vouches either
        publish(model, run, "frogs/pokkit", dry_run=True)


def test_publish_refuses_an_untrusted_run(tmp_path: Path, model: Path) -> None:
    run = write_run(tmp_path / "run", model, GOOD_RECORDS, status="interrupted")
    with pytest.raises(RunNotTrustedError) as exc:
        publish(model, run, "frogs/pokkit", dry_run=True)
    assert exc.value.exit_code == 2


def test_publish_rebuilds_its_own_folder_but_refuses_stray_files(good_run: Path, model: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(model, good_run, "frogs/pokkit", dry_run=True, out_dir=out)
    publish(model, good_run, "frogs/pokkit", dry_run=True, out_dir=out)  # again: same folder, replaced
    (out / "notes.txt").write_text("private")
    with pytest.raises(ConfigError, match=r"notes\.txt"):
        publish(model, good_run, "frogs/pokkit", dry_run=True, out_dir=out)


def test_publishing_into_the_models_own_folder_keeps_the_model(good_run: Path, model: Path) -> None:
    digest = sha256_file(model)
    publish(model, good_run, "frogs/pokkit", dry_run=True, out_dir=model.parent)
    publish(model, good_run, "frogs/pokkit", dry_run=True, out_dir=model.parent)
    assert sha256_file(model) == digest
    assert sorted(p.name for p in model.parent.iterdir()) == ["Modelfile", "README.md", "pokkit-q4.gguf"]


@pytest.mark.parametrize("repo", ["pokkit", "frogs/", "a/b/c", "frogs/po kkit", "../x"])
def test_bad_repo_id(good_run: Path, model: Path, repo: str) -> None:
    with pytest.raises(ConfigError, match="expected ORG/NAME"):
        publish(model, good_run, repo, dry_run=True)


def test_publish_without_a_token_stops_before_any_work(
    good_run: Path, model: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub

    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setattr(huggingface_hub, "get_token", lambda: None)
    with pytest.raises(PublishError, match="no Hugging Face token: set HF_TOKEN"):
        publish(model, good_run, "frogs/pokkit", dry_run=False)
    assert not (good_run / "publish").exists()


def test_cli_takes_no_token_option(good_run: Path, model: Path) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["publish", str(model), "--run", str(good_run), "--repo", "frogs/pokkit", "--token", "hf_x"])
    assert exc.value.code == 2


def test_redact() -> None:
    assert redact("token hf_" + "a" * 34 + " used") == "token [redacted] used"
    assert redact("sha256 " + "ab" * 32) == "sha256 " + "ab" * 32


def test_no_token_in_any_file_or_output(
    tmp_path: Path,
    model: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Plant a token, publish every way there is, then look for it in every byte written or printed."""
    token = "hf_FAKE" + "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(30))
    monkeypatch.setenv("HF_TOKEN", token)
    caplog.set_level(logging.DEBUG)
    # the run's recorded command line carries the token too, as a careless CI script might
    run = write_run(tmp_path / "run", model, GOOD_RECORDS, command=["pytest", "suites/", f"--x={token}"])
    planted = (run / "manifest.json").read_bytes()
    api = FakeApi()
    monkeypatch.setattr(reports.publish, "_hub_api", lambda: api)
    base = ["publish", str(model), "--run", str(run), "--repo", "frogs/pokkit"]

    assert main([*base, "--dry-run"]) == 0
    assert main([*base, "--out", str(tmp_path / "second")]) == 0
    assert [c[0] for c in api.calls] == ["create_repo", "upload_folder"]
    monkeypatch.setattr(reports.publish, "_hub_api", lambda: FakeApi(fail_with=f"401 Unauthorized for token {token}"))
    assert main([*base, "--out", str(tmp_path / "third")]) == 2
    assert main(["gate", str(run)]) == 0
    publish(model, run, "frogs/pokkit", dry_run=False, out_dir=tmp_path / "fourth", api=FakeApi())

    captured = capsys.readouterr()
    assert "upload to frogs/pokkit failed: RuntimeError: 401 Unauthorized for token [redacted]" in captured.err
    texts = {"stdout": captured.out, "stderr": captured.err, "log": caplog.text, "api calls": repr(api.calls)}
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "README.md" for p in files) and (tmp_path / "second" / "README.md").is_file()
    assert (run / "manifest.json").read_bytes() == planted  # publishing never rewrites the run's manifest
    for path in files:
        if path == run / "manifest.json":
            continue  # the planted command line itself, checked unchanged above
        assert token.encode() not in path.read_bytes(), f"token leaked into {path}"
    for name, text in texts.items():
        assert token not in text, f"token leaked into {name}"
    assert all("token" not in kwargs for _, _, kwargs in api.calls)  # huggingface_hub finds it, we never pass it
