from __future__ import annotations

import json
import math
import os
from pathlib import Path

import pytest

from harness.errors import ConfigError, DataError
from harness.records import results_dicts
from harness.results import (
    ResultWriter,
    clear_old_report,
    dumps_line,
    iter_jsonl,
    strip_control,
    write_json_atomic,
)


def test_each_record_is_on_disk_before_the_next(tmp_path: Path) -> None:
    w = ResultWriter(tmp_path)
    w.open()
    w.write({"case_id": "a", "passed": True})
    # Read while the writer is still open: a killed run must keep finished cases.
    assert results_dicts(tmp_path) == [{"case_id": "a", "passed": True}]
    w.write({"case_id": "b", "passed": False})
    w.close()
    assert [r["case_id"] for r in results_dicts(tmp_path)] == ["a", "b"]


def test_existing_run_is_not_overwritten_by_accident(tmp_path: Path) -> None:
    w = ResultWriter(tmp_path)
    w.open()
    w.write({"case_id": "a"})
    w.close()
    with pytest.raises(ConfigError, match="already holds a run"):
        ResultWriter(tmp_path).open()
    ResultWriter(tmp_path).open(overwrite=True)


def test_truncated_last_line_is_skipped_but_damage_elsewhere_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text('{"case_id": "a"}\n{"case_id": "b", "pas')
    assert results_dicts(tmp_path) == [{"case_id": "a"}]
    (tmp_path / "results.jsonl").write_text('{"case_id": "a"\n{"case_id": "b"}\n')
    with pytest.raises(ConfigError, match=r"results\.jsonl:1: not valid JSON"):
        results_dicts(tmp_path)


def test_atomic_json_leaves_no_temporary_files(tmp_path: Path) -> None:
    write_json_atomic(tmp_path / "m.json", {"x": 1})
    write_json_atomic(tmp_path / "m.json", {"x": 2})
    assert json.loads((tmp_path / "m.json").read_text()) == {"x": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]


def test_dumps_line_is_one_strict_utf8_line() -> None:
    record = {"r": "a\u2028b\u2029c\x85d\ud800e\nf", "n": math.nan, "deep": [{"x": -math.inf}], "p": Path("/m")}
    line = dumps_line(record)
    assert "\n" not in line and line.splitlines() == [line]
    line.encode("utf-8")  # no lone surrogate left
    assert json.loads(line, parse_constant=_refuse) == {
        "r": "a\u2028b\u2029c\x85d\ufffde\nf",
        "n": None,
        "deep": [{"x": None}],
        "p": "/m",
    }


def _refuse(token: str) -> None:
    raise AssertionError(f"{token} is not JSON")


def test_iter_jsonl_splits_at_newlines_only_and_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_text('{"a": "1\u20282"}\n\n{"a": "\\ud800"}\n', encoding="utf-8")
    assert list(iter_jsonl(path)) == [(1, {"a": "1\u20282"}), (3, {"a": "\ufffd"})]
    path.write_text('{"a": 1}\n{"a": \n{"a": 3}\n', encoding="utf-8")
    with pytest.raises(DataError) as exc:
        list(iter_jsonl(path, fix="rewrite it"))
    assert str(exc.value) == f"{path}:2: not valid JSON (Expecting value, column 7); rewrite it"
    with pytest.raises(DataError, match=r"a directory; pass the path of a JSONL file"):
        list(iter_jsonl(tmp_path))
    with pytest.raises(ConfigError, match="cannot read the results file"):
        list(iter_jsonl(tmp_path / "missing.jsonl", error=ConfigError, what="results file"))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_iter_jsonl_refuses_a_fifo_instead_of_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "d.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="not a regular file"):
        list(iter_jsonl(fifo))


def test_a_cut_last_line_is_only_forgiven_without_its_newline(tmp_path: Path) -> None:
    (tmp_path / "results.jsonl").write_text('{"case_id": "a"}\n{"case_id": "b", "pas\n')
    with pytest.raises(ConfigError, match=r"results\.jsonl:2: not valid JSON"):
        results_dicts(tmp_path)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("\x1b[31mred\x1b[0m", "red"),
        ("progress 10%\rprogress 100%", "progress 10%progress 100%"),
        ("title\x1b]0;owned\x07 ok", "title ok"),
        ("link \x1b]8;;http://x\x1b\\text\x1b]8;;\x1b\\", "link text"),
        ("bell\x07 nul\x00 del\x7f c1\x9b2J \x85", "bell nul del c1 "),
        ("keep\ttabs\nand newlines", "keep\ttabs\nand newlines"),
        ("🐸 unicode é", "🐸 unicode é"),
    ],
)
def test_strip_control(raw: str, clean: str) -> None:
    assert strip_control(raw) == clean


def test_overwriting_a_run_removes_its_old_report(tmp_path: Path) -> None:
    w = ResultWriter(tmp_path)
    w.open()
    w.write({"case_id": "a"})
    w.close()
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "report.html").write_text("old")
    ResultWriter(tmp_path).open(overwrite=True)
    assert not (tmp_path / "report").exists()
    (tmp_path / "report").write_text("a file")
    assert clear_old_report(tmp_path) is True and not (tmp_path / "report").exists()
    assert clear_old_report(tmp_path) is False
