"""Fixtures shared by the plugin and verdict tests (a project folder with one small suite, for pytester) and by the
calibration and contamination tests (a suite folder with a calibration file)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

ALARM_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "set_alarm",
            "description": "Set an alarm",
            "parameters": {
                "type": "object",
                "properties": {"hour": {"type": "integer"}, "minute": {"type": "integer"}},
                "required": ["hour", "minute"],
            },
        },
    }
]

MiniProject = Callable[[pytest.Pytester, str], pytest.Pytester]


@pytest.fixture
def mini_project() -> MiniProject:
    """``mini_project(pytester, suite_yaml)``: writes ``suites/mini/suite.yaml``, its ``tools.json`` (one
    ``set_alarm`` tool) and a ``suites/gates.yaml`` with ``mini.pass_rate: 0.6``; returns ``pytester``."""

    def make(pytester: pytest.Pytester, suite_yaml: str) -> pytest.Pytester:
        suite = pytester.path / "suites" / "mini"
        suite.mkdir(parents=True)
        (suite / "suite.yaml").write_text(suite_yaml)
        (suite / "tools.json").write_text(json.dumps(ALARM_TOOLS))
        (pytester.path / "suites" / "gates.yaml").write_text("suites:\n  mini:\n    pass_rate: 0.6\n")
        return pytester

    return make


# A suite for the calibration tests: a tool case and a chat case, a common rule check and two 1-5 scales.
CALIBRATION_SUITE = """name: mini
version: "1"
tools_file: tools.json
common_checks:
  - forbidden_words: {}
cases:
  - id: alarm
    category: tools
    prompt: Wake me at 7.
    checks:
      - tool_call: {calls: [{set_alarm: {hour: [7], minute: [0]}}]}
  - id: chat
    category: talk
    prompt: How was your day?
    checks:
      - no_tool_call: {}
      - warmth: {}
      - brevity: {min_score: 4, ideal_min: 3, ideal_max: 10}
"""

CalibratedSuite = Callable[..., Path]


@pytest.fixture
def calibrated_suite(tmp_path: Path) -> CalibratedSuite:
    """``calibrated_suite(calibration_yaml, suite_yaml=CALIBRATION_SUITE)``: writes ``suites/mini/`` (the suite,
    the ``set_alarm`` tools.json and ``calibration.yaml``; none when ``calibration_yaml`` is None) under a
    temporary folder; returns the suites directory."""

    def make(calibration_yaml: str | None, suite_yaml: str = CALIBRATION_SUITE) -> Path:
        suite = tmp_path / "suites" / "mini"
        suite.mkdir(parents=True, exist_ok=True)
        (suite / "suite.yaml").write_text(suite_yaml)
        (suite / "tools.json").write_text(json.dumps(ALARM_TOOLS))
        if calibration_yaml is not None:
            (suite / "calibration.yaml").write_text(calibration_yaml)
        return tmp_path / "suites"

    return make
