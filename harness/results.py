"""Run results on disk: ``results.jsonl`` (one object per case, written as it finishes) and
``manifest.json`` (what was run, on what, how fast), written atomically at start and at the end.

A killed run keeps every finished case; its manifest says ``"status": "running"``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from harness.errors import ConfigError

RESULTS_FILE = "results.jsonl"
MANIFEST_FILE = "manifest.json"


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to ``path`` through a temporary file and a rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False, default=str)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@dataclass
class ResultWriter:
    """Appends one JSON line per finished case, flushed and fsynced before the next case starts."""

    directory: Path
    records: list[dict[str, Any]] = field(default_factory=list)
    _fh: IO[str] | None = None

    def check_free(self, overwrite: bool = False) -> None:
        """Refuse a directory that already holds a run, unless overwriting was asked for."""
        target = self.directory / RESULTS_FILE
        if target.exists() and target.stat().st_size > 0 and not overwrite:
            raise ConfigError(
                f"{self.directory}: already holds a run ({RESULTS_FILE}); pass another --results DIR "
                "or --results-overwrite"
            )
        if self.directory.exists() and not self.directory.is_dir():
            raise ConfigError(f"--results {self.directory}: exists and is not a directory")

    def open(self, overwrite: bool = False) -> None:
        self.check_free(overwrite)
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / RESULTS_FILE
        # backslashreplace: a lone surrogate in a model's output must not cost the record.
        self._fh = target.open("w", encoding="utf-8", errors="backslashreplace")

    def write(self, record: dict[str, Any]) -> None:
        if self._fh is None:
            raise RuntimeError("ResultWriter.write before open")
        self._fh.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())
        self.records.append(record)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def read_manifest(directory: Path) -> dict[str, Any]:
    """Read back ``manifest.json``; a missing, unreadable or foreign file is a ConfigError (exit 2)."""
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise ConfigError(f"{path}: no such file; pass a run directory written by `pytest suites/ --results DIR`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot be read as JSON ({exc}); re-run the suites to rewrite it") from None
    if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
        raise ConfigError(f"{path}: not a run manifest (no 'model' object); re-run the suites to rewrite it")
    return data


def read_results(directory: Path) -> list[dict[str, Any]]:
    """Read back ``results.jsonl``; a truncated last line (a killed run) is skipped, others are errors."""
    path = directory / RESULTS_FILE
    if not path.is_file():
        raise ConfigError(f"{directory}: no {RESULTS_FILE}; is this a run directory?")
    lines = path.read_text(encoding="utf-8").splitlines()
    out = []
    for i, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError:
            if i == len(lines):
                break  # the line being written when the run was killed
            raise ConfigError(f"{path}:{i}: not valid JSON; the results file is damaged") from None
    return out
