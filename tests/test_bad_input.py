"""Bad inputs end in one clear line and exit 2, and what the harness writes always reads back (issue 10).

Each test feeds one hostile input through the real code path: a model reply holding a line separator
through the session's results.jsonl into the report, crafted GGUF headers and chat templates through
``python -m harness info``, a FIFO named like a model, YAML alias bombs and duplicate keys.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import chat
from harness.cli import main
from harness.errors import ConfigError, DataError
from harness.records import results_dicts
from harness.results import RESULTS_FILE, ResultWriter, iter_jsonl, write_json_atomic
from harness.session import HarnessSession, RunOptions
from harness.suite import load_suite
from harness.yamlio import MAX_EXPANDED_NODES, expanded_size, load_yaml
from reports.load import load_run
from reports.render import write_report
from train.clean import read_jsonl, write_jsonl

ROOT = Path(__file__).resolve().parents[1]
SUITE = """name: mini
version: "1"
cases:
  - id: c1
    category: talk
    prompt: Say ribbit
    checks:
      - contains: {any_of: [ribbit]}
  - id: c2
    category: talk
    prompt: Say ribbit again
    checks:
      - contains: {any_of: [ribbit]}
"""


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    assert "Traceback" not in text and "INTERNALERROR" not in text, text
    return lines[0]


def _scored_run(tmp_path: Path, responses: dict[str, object]) -> Path:
    """Score the two-case suite on the scripted back end through the real session; returns the run directory."""
    suite_file = tmp_path / "suites" / "mini" / "suite.yaml"
    suite_file.parent.mkdir(parents=True)
    suite_file.write_text(SUITE, encoding="utf-8")
    gates = tmp_path / "suites" / "gates.yaml"
    gates.write_text("suites:\n  mini:\n    pass_rate: 0.5\n", encoding="utf-8")
    responses_file = tmp_path / "responses.json"
    responses_file.write_text(json.dumps(responses), encoding="utf-8")
    suite = load_suite(suite_file)
    run_dir = tmp_path / "run"
    session = HarnessSession(RunOptions(model=f"scripted:{responses_file}", results=run_dir, gates_file=gates))
    session.open([suite], len(suite.cases))
    for case in suite.cases:
        session.run_case(case, suite.version)
    session.finish()
    return run_dir


# --- 1. every JSONL line we write reads back ------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "shown"),
    [
        ("\u2028", "\u2028"),  # LINE SEPARATOR: str.splitlines() breaks here
        ("\u2029", "\u2029"),  # PARAGRAPH SEPARATOR
        ("\x85", "\x85"),  # NEXT LINE (C1)
        ("\ud800", "\ufffd"),  # a lone surrogate: UTF-8 cannot hold it; stored as U+FFFD
    ],
    ids=["U+2028", "U+2029", "U+0085", "lone-surrogate"],
)
def test_reply_with_line_separator_or_surrogate_survives_write_read_report(
    tmp_path: Path, char: str, shown: str
) -> None:
    reply = f"ribbit{char}=1+1"
    run_dir = _scored_run(tmp_path, {"c1": reply, "c2": "croak"})
    raw = (run_dir / RESULTS_FILE).read_bytes()
    text = raw.decode("utf-8")  # strict: valid UTF-8
    # Any reader, splitlines() included, sees exactly one line per case.
    assert len(text.splitlines()) == 2 and text.count("\n") == 2
    records = results_dicts(run_dir)
    assert [r["case_id"] for r in records] == ["c1", "c2"]
    assert records[0]["response"] == f"ribbit{shown}=1+1"
    out = tmp_path / "report"
    write_report(load_run(run_dir), out)
    for name in ("report.html", "report.md", "cases.csv", "junit.xml"):
        (out / name).read_text(encoding="utf-8")  # written, and valid UTF-8
    with (out / "cases.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r["case_id"]: r for r in csv.DictReader(fh)}
    assert rows["c1"]["response"] == f"ribbit{shown}=1+1"


def test_nan_and_infinity_are_stored_as_null_in_strict_json(tmp_path: Path) -> None:
    writer = ResultWriter(tmp_path)
    writer.open()
    record = {
        "suite": "mini",
        "case_id": "c1",
        "category": "talk",
        "passed": True,
        "latency_s": math.nan,
        "checks": [
            {"name": "ratio", "passed": True, "value": math.inf},
            {"name": "neg", "passed": True, "value": -math.inf},
        ],
    }
    writer.write(record)
    writer.close()
    line = (tmp_path / RESULTS_FILE).read_text(encoding="utf-8")

    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON token {token}")

    strict = json.loads(line, parse_constant=refuse)
    assert strict["latency_s"] is None and [c["value"] for c in strict["checks"]] == [None, None]
    (rec,) = results_dicts(tmp_path)
    assert rec["latency_s"] is None
    write_json_atomic(tmp_path / "manifest.json", {"model": {"path": "/m/frog.gguf"}, "status": "complete"})
    write_report(load_run(tmp_path), tmp_path / "report")
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8").replace(str(tmp_path), "DIR")
    assert re.search(r"\b(nan|inf|infinity)\b", md.lower()) is None


def test_files_written_by_the_old_writer_still_read(tmp_path: Path) -> None:
    """Raw U+2028 inside a string and NaN tokens (json.dumps(ensure_ascii=False) as it used to be)."""
    old = json.dumps({"suite": "s", "case_id": "a", "passed": True, "response": "x\u2028y", "latency_s": math.nan})
    (tmp_path / RESULTS_FILE).write_text(old + "\n" + json.dumps({"suite": "s", "case_id": "b"}) + "\n", "utf-8")
    records = results_dicts(tmp_path)
    assert [r["case_id"] for r in records] == ["a", "b"]
    assert records[0]["response"] == "x\u2028y" and records[0]["latency_s"] is None


def test_training_jsonl_round_trips_every_separator(tmp_path: Path) -> None:
    content = "a\u2028b\u2029c\x85d\ud800e"
    examples = [{"messages": [{"role": "user", "content": content}], "w": math.nan}]
    path = tmp_path / "d.jsonl"
    write_jsonl(path, examples)
    assert len(path.read_text(encoding="utf-8").splitlines()) == 1
    (back,) = read_jsonl(path)
    assert back["messages"][0]["content"] == "a\u2028b\u2029c\x85d\ufffde" and back["w"] is None


def test_a_damaged_jsonl_is_one_line_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'{"messages": []}\n{"messages": [\xff]}\n')
    with pytest.raises(DataError) as exc:
        list(iter_jsonl(path))
    assert str(exc.value).startswith(f"{path}:2: not UTF-8 text") and "\n" not in str(exc.value)
    path.write_text("[" * 100_000 + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"d\.jsonl:1: JSON nested too deeply"):
        read_jsonl(path)


# --- 2. bad input: one line, exit 2 --------------------------------------------------------------------


def _s(text: str) -> bytes:
    data = text.encode("utf-8")
    return struct.pack("<Q", len(data)) + data


def _gguf(path: Path, kvs: list[tuple[str, int, bytes]], *, n_kv: int | None = None, n_tensors: int = 0) -> Path:
    """A GGUF v3 file written byte by byte: header, the given (key, value type, value bytes), no tensors."""
    out = b"GGUF" + struct.pack("<IQQ", 3, n_tensors, len(kvs) if n_kv is None else n_kv)
    for key, vtype, payload in kvs:
        out += _s(key) + struct.pack("<I", vtype) + payload
    path.write_bytes(out + b"\0" * 64)
    return path


ARCH = ("general.architecture", 8, _s("llama"))
U32, STRING, ARRAY = 4, 8, 9
NESTED_5000 = struct.pack("<IQ", ARRAY, 1) * 4999 + struct.pack("<IQ", U32, 0)


@pytest.mark.parametrize(
    ("kvs", "extra", "message"),
    [
        ([ARCH, ("x.nested", ARRAY, NESTED_5000)], {}, "metadata arrays nested more than 8 deep"),
        ([ARCH, ("general.alignment", U32, struct.pack("<I", 0))], {}, "general.alignment is 0, not a positive power"),
        ([ARCH, ("general.alignment", STRING, _s("32"))], {}, "general.alignment is '32', not a positive power"),
        ([ARCH, ("llama.context_length", STRING, _s("abc"))], {}, "llama.context_length is 'abc', not a positive"),
        ([ARCH, ("llama.context_length", 5, struct.pack("<i", -1))], {}, "llama.context_length is -1, not a positive"),
        ([ARCH], {"n_kv": 2**64 - 1}, "implausible counts"),
        ([ARCH], {"n_tensors": 2**63}, "implausible counts"),
        ([ARCH, ("x.big", ARRAY, struct.pack("<IQ", U32, 2**62))], {}, "cannot fit in the file"),
        ([ARCH, ("x.neg", ARRAY, struct.pack("<IQ", STRING, 2**64 - 1))], {}, "cannot fit in the file"),
        ([ARCH, ("x.odd", ARRAY, struct.pack("<IQ", 99, 0))], {}, "unknown metadata array element type 99"),
        ([ARCH, ("tokenizer.chat_template", ARRAY, struct.pack("<IQ", U32, 1) + b"\0" * 4)], {}, "not text"),
    ],
    ids=["nested-5000", "alignment-0", "alignment-str", "ctx-abc", "ctx-negative", "huge-n_kv", "huge-n_tensors",
         "huge-array", "negative-array", "unknown-etype", "template-array"],
)  # fmt: skip
def test_odd_gguf_headers_are_one_line_exit_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    kvs: list[tuple[str, int, bytes]],
    extra: dict[str, int],
    message: str,
) -> None:
    path = _gguf(tmp_path / "odd.gguf", kvs, **extra)
    assert main(["info", str(path)]) == 2
    captured = capsys.readouterr()
    line = _one_line(captured.err)
    assert message in line and str(path) in line and captured.out == ""


def _run_cli(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "harness", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_a_fifo_named_like_a_model_is_refused_without_hanging(tmp_path: Path) -> None:
    fifo = tmp_path / "x.gguf"
    os.mkfifo(fifo)
    proc = _run_cli("info", str(fifo))  # opening it would block forever: the timeout fails the test
    assert proc.returncode == 2
    line = _one_line(proc.stderr)
    assert line == f"harness: {fifo}: is a FIFO (named pipe), not a regular file; pass the path of a .gguf file"


HANGING_TEMPLATE = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def test_harness_info_on_a_gguf_whose_template_never_ends_exits_2_within_seconds(tmp_path: Path) -> None:
    path = _gguf(tmp_path / "slow.gguf", [ARCH, ("tokenizer.chat_template", STRING, _s(HANGING_TEMPLATE))])
    start = time.monotonic()
    proc = _run_cli("info", str(path))
    elapsed = time.monotonic() - start
    assert proc.returncode == 2, proc.stderr
    line = _one_line(proc.stderr)
    assert line == (
        f"harness: chat template of {path} did not finish rendering within {chat.RENDER_SECONDS:g}s (or produced "
        f"more than {chat.MAX_RENDER_CHARS:,} chars): fix the template or pass --chat-template chatml"
    )
    assert elapsed < chat.RENDER_SECONDS + 20  # interpreter start-up and imports on a loaded machine
    # The way out the message names works.
    proc = _run_cli("info", str(path), "--chat-template", "chatml")
    assert proc.returncode == 0 and json.loads(proc.stdout)["chat_template"]["source"] == "builtin:chatml"


@pytest.mark.parametrize(
    "template",
    [
        "{{ 'a' * 200000000 }}",
        "{{ 'a' * 2e8 }}",
        "{{ 2 ** 100000000 }}",
        "{% set ns = namespace(s='a') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        "{{ (['x' * 1000000] * 1000) | join }}",
        "{{ 'x' | center(1000000000) }}",
        "{{ 'x'.ljust(1000000000) }}",
        "{{ '%1000000000s' % 'x' }}",
        "{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}",
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        "{{ 1 / 0 }}",
    ],
    ids=["str-times-int", "str-times-float", "power", "doubling", "join", "center", "ljust", "percent-width",
         "long-output", "recursion", "zero-division"],
)  # fmt: skip
def test_harness_info_on_a_hostile_template_is_one_line_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], template: str
) -> None:
    path = _gguf(tmp_path / "t.gguf", [ARCH, ("tokenizer.chat_template", STRING, _s(template))])
    start = time.monotonic()
    assert main(["info", str(path)]) == 2
    assert time.monotonic() - start < 2  # refused before it allocates or loops, not by the clock
    line = _one_line(capsys.readouterr().err)
    assert line.startswith(f"harness: chat template {'of ' if 'within' in line else ''}{path}")
    assert "--chat-template chatml" in line or "unsafe" in line


def test_duplicate_yaml_key_names_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "suites" / "mini" / "suite.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(
        SUITE.replace("    category: talk\n    prompt: Say ribbit again", "    category: talk\n    category: x")
    )
    with pytest.raises(ConfigError) as exc:
        load_yaml(path)
    assert str(exc.value) == f"{path}:11: duplicate key 'category'; each key may appear once"
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError) as exc:
        load_yaml(path)
    assert "<unicode string>" not in str(exc.value) and f'in "{path}", line 2' in str(exc.value)


BILLION_LAUGHS = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_yaml_alias_bomb_is_refused_quickly_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(BILLION_LAUGHS)
    assert len(BILLION_LAUGHS) < 1000
    start = time.monotonic()
    with pytest.raises(ConfigError) as exc:
        load_yaml(path)
    assert time.monotonic() - start < 2
    assert str(exc.value) == (
        f"{path}: refused: aliases expand it to more than {MAX_EXPANDED_NODES:,} nodes; write the repeated parts "
        "out or use fewer aliases"
    )
    # Through the command line that reads a YAML config: one line, exit 2.
    assert main(["train", "--data", "d.jsonl", "--out", str(tmp_path / "o"), "--config", str(path)]) == 2
    assert "refused: aliases expand it" in _one_line(capsys.readouterr().err)


def test_recursive_yaml_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("a: &a [1, *a]\n")
    with pytest.raises(ConfigError, match="refers to a node that contains it"):
        load_yaml(path)


def test_the_shipped_suites_use_aliases_well_inside_the_limit() -> None:
    import yaml

    for suite in sorted((ROOT / "suites").glob("*/suite.yaml")):
        node = yaml.compose(suite.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        assert node is not None, suite
        assert expanded_size(node) < MAX_EXPANDED_NODES / 20, suite
        assert load_yaml(suite)
