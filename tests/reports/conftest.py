"""Run directories for the report tests, written by the real session code on the scripted back end, so
the tests read exactly what ``pytest suites/ --results DIR`` stores."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.session import HarnessSession, RunOptions
from harness.suite import load_suite

SUITE = (
    """
name: mini
version: "1"
cases:
"""
    + "".join(
        f"""
  - id: {case_id}
    category: {"talk" if i < 4 else "facts"}
    prompt: Say ribbit ({i})
    checks:
      - contains: {{any_of: [ribbit]}}
      - short: {{max_words: 6}}
"""
        for i, case_id in enumerate(f"c{n}" for n in range(1, 9))
    )
    + """
case_sources:
  - {loader: jsonl, path: pets.jsonl, set: extra}
"""
)
# A category only a case set that the runs leave out has: its gate exists but is not evaluated.
PETS = '{"id": "p1", "category": "pets", "prompt": "Pet me", "checks": [{"contains": {"any_of": ["ribbit"]}}]}\n'

PASS, FAIL = "ribbit", "croak"
# Baseline A passes c1-c4. B regresses c1 (pass->fail) and fixes c5, c6 (fail->pass).
RESPONSES_A = {f"c{n}": PASS if n <= 4 else FAIL for n in range(1, 9)}
RESPONSES_B = RESPONSES_A | {"c1": FAIL, "c5": PASS, "c6": "ribbit ribbit"}

MakeRun = Callable[..., Path]


@pytest.fixture
def make_run(tmp_path: Path) -> MakeRun:
    """``make_run(name, responses, only=None)`` scores the mini suite with fixed responses (``only``: the
    case ids to run) and returns the run directory."""
    suite_file = tmp_path / "suites" / "mini" / "suite.yaml"
    suite_file.parent.mkdir(parents=True)
    suite_file.write_text(SUITE)
    (suite_file.parent / "pets.jsonl").write_text(PETS)
    gates = tmp_path / "suites" / "gates.yaml"
    gates.write_text("suites:\n  mini:\n    pass_rate: 0.5\n    category_pass_rate: {talk: 0.75, pets: 1}\n")

    def make(name: str, responses: dict[str, object], only: set[str] | None = None) -> Path:
        responses_file = tmp_path / f"{name}.json"
        responses_file.write_text(json.dumps(responses))
        suite = load_suite(suite_file)
        cases = [c for c in suite.cases if c.case_set == "default" and (only is None or c.id in only)]
        session = HarnessSession(
            RunOptions(model=f"scripted:{responses_file}", results=tmp_path / name, gates_file=gates)
        )
        session.open([suite], len(cases))
        for case in cases:
            session.run_case(case, suite.version)
        session.finish()
        return tmp_path / name

    return make


@pytest.fixture
def run_a(make_run: MakeRun) -> Path:
    return make_run("a", RESPONSES_A)


@pytest.fixture
def run_b(make_run: MakeRun) -> Path:
    return make_run("b", RESPONSES_B)
