"""Fixtures shared by the plugin and verdict tests: a project folder with one small suite, for pytester."""

from __future__ import annotations

import json
from collections.abc import Callable

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
