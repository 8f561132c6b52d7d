"""Every command's --help renders: argparse formats help texts with %, so a stray '%' breaks only --help."""

from __future__ import annotations

import argparse

import pytest

from harness.cli import build_parser, main


def _commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_all_expected_commands_exist() -> None:
    assert {
        "info",
        "data",
        "check-data",
        "train",
        "export",
        "loop",
        "report",
        "compare",
        "gate",
        "publish",
        "calibrate",
    } <= set(_commands())


@pytest.mark.parametrize("command", _commands())
def test_help_renders(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: harness {command}")
