"""The training commands' front door: data generation, the contamination gate's exit code, clear bad-input errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.cli import main
from train.clean import read_jsonl


def test_data_command_writes_clean_checked_examples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "d.jsonl"
    assert main(["data", "--out", str(out), "-n", "60", "--seed", "3"]) == 0
    examples = read_jsonl(out)
    assert 40 <= len(examples) <= 60
    assert all(e["messages"][0]["role"] == "system" and e["tools"] for e in examples)
    printed = capsys.readouterr().out
    assert "read 60, kept" in printed and "eval prompts: clean" in printed


def test_data_command_josi(tmp_path: Path) -> None:
    out = tmp_path / "j.jsonl"
    assert main(["data", "--source", "josi", "-n", "0", "--out", str(out)]) == 0  # the gold conversations alone
    assert len(read_jsonl(out)) == 30


def test_check_data_exits_3_on_a_planted_eval_prompt(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "d.jsonl"
    rows = [
        {"messages": [{"role": "user", "content": "wake me at nine fifteen"}, {"role": "assistant", "content": "ok"}]},
        {"messages": [{"role": "user", "content": "I can't decide whether to quit my job."},
                      {"role": "assistant", "content": "ribbit"}]},
    ]  # fmt: skip
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["check-data", str(path)]) == 3
    captured = capsys.readouterr()
    assert "pokkit/sage_quit_job" in captured.out and "contain evaluation prompts" in captured.err
    path.write_text(json.dumps(rows[0]) + "\n")
    assert main(["check-data", str(path)]) == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check-data", "missing.jsonl"], "cannot read the dataset"),
        (["data", "--out", "x.jsonl", "--weight", "alarm"], "expected NAME=NUMBER"),
        (["data", "--out", "x.jsonl", "--weight", "=2"], "expected NAME=NUMBER"),
        (["loop", "--suite", "bfcl"], "--suite bfcl: the loop has training data for pokkit"),
        (["loop", "--suite", "nosuch"], "no such suite"),
        (["train", "--data", "d.jsonl", "--out", "o", "--rank", "0"], "rank and alpha must be >= 1"),
        (["export", "nowhere", "--out", "o"], "not a LoRA adapter directory"),
        (["train", "--data", "d.jsonl", "--out", "o", "--config", "nope.yaml"], "--config nope.yaml: no such file"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.jsonl").write_text('{"messages": [{"role": "user", "content": "hi"}]}\n')
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err


def _loop_args(*argv: str) -> object:
    import argparse

    from train import cli

    parser = argparse.ArgumentParser()
    cli.add_commands(parser.add_subparsers())
    return parser.parse_args(["loop", *argv])


def test_the_shipped_josi_cpu_config_sets_the_loop_and_training_and_flags_override() -> None:
    from train import cli

    config = str(Path(__file__).parents[2] / "train" / "configs" / "josi-cpu.yaml")
    args = _loop_args("--config", config, "--rounds", "1", "--eval-arg=--limit=1")
    loop = cli.loop_settings(args)  # type: ignore[arg-type]
    assert (loop["suite"], loop["heldout"], loop["heldout_limit"], loop["examples"]) == ("josi", "large", 6, 120)
    assert loop["rounds"] == 1 and loop["eval_arg"] == ["--limit=1"]  # the flags win
    train = cli.train_config(args)  # type: ignore[arg-type]
    assert (train.learning_rate, train.max_length, train.batch_size, train.grad_accum) == (5e-4, 512, 4, 1)
    plain = cli.loop_settings(_loop_args())  # type: ignore[arg-type]
    assert (plain["suite"], plain["rounds"], plain["examples"], plain["heldout"]) == ("pokkit", 5, 400, None)


def test_an_unknown_loop_setting_in_the_config_is_a_config_error(tmp_path: Path) -> None:
    from harness.errors import ConfigError
    from train import cli

    bad = tmp_path / "c.yaml"
    bad.write_text("loop:\n  suite: josi\n  roundz: 2\nrank: 8\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown loop setting.*roundz"):
        cli.loop_settings(_loop_args("--config", str(bad)))  # type: ignore[arg-type]


def test_a_json_config_carries_loop_settings_too_and_a_missing_one_is_named(tmp_path: Path) -> None:
    from harness.errors import ConfigError
    from train import cli

    saved = tmp_path / "train_config.json"
    saved.write_text(json.dumps({"rank": 8, "loop": {"suite": "josi", "examples": 7}}), encoding="utf-8")
    args = _loop_args("--config", str(saved))
    assert (cli.loop_settings(args)["suite"], cli.loop_settings(args)["examples"]) == ("josi", 7)  # type: ignore[arg-type]
    assert cli.train_config(args).rank == 8  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"--config .*nope\.yaml: no such file"):
        cli.loop_settings(_loop_args("--config", str(tmp_path / "nope.yaml")))  # type: ignore[arg-type]
