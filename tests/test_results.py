from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.results import ResultWriter, read_results, write_json_atomic


def test_each_record_is_on_disk_before_the_next(tmp_path: Path) -> None:
    w = ResultWriter(tmp_path)
    w.open()
    w.write({"case_id": "a", "passed": True})
    # Read while the writer is still open: a killed run must keep finished cases.
    assert read_results(tmp_path) == [{"case_id": "a", "passed": True}]
    w.write({"case_id": "b", "passed": False})
    w.close()
    assert [r["case_id"] for r in read_results(tmp_path)] == ["a", "b"]


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
    assert read_results(tmp_path) == [{"case_id": "a"}]
    (tmp_path / "results.jsonl").write_text('{"case_id": "a"\n{"case_id": "b"}\n')
    with pytest.raises(ConfigError, match=r"results\.jsonl:1: not valid JSON"):
        read_results(tmp_path)


def test_atomic_json_leaves_no_temporary_files(tmp_path: Path) -> None:
    write_json_atomic(tmp_path / "m.json", {"x": 1})
    write_json_atomic(tmp_path / "m.json", {"x": 2})
    assert json.loads((tmp_path / "m.json").read_text()) == {"x": 2}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]
