"""Run results on disk: ``results.jsonl`` (one object per case, written as it finishes) and
``manifest.json`` (what was run, on what, how fast), written atomically at start and at the end.

A killed run keeps every finished case; its manifest says ``"status": "running"``.

Every JSONL file of the project is written with :func:`dumps_line` (through :func:`append_jsonl`,
:func:`write_jsonl_atomic` or :class:`ResultWriter`) and read with :func:`iter_jsonl` (or :func:`split_jsonl` +
:func:`loads_line`), so anything written reads back:

- a line ends at ``"\\n"`` only. ``str.splitlines()`` also breaks at U+0085, U+2028, U+2029 (and a few
  C0 codes), which ``json.dumps(ensure_ascii=False)`` writes raw inside strings; :func:`dumps_line` writes
  those three as ``\\u`` escapes, and the reader never splits on them anyway;
- strict JSON: a non-finite float (NaN, Infinity, -Infinity) is stored as ``null`` (JSON has no such
  numbers; Python's ``NaN`` token is not read by other tools), and read back as None;
- text is valid UTF-8: a lone surrogate (a model's output cut inside a UTF-16 pair) is stored as U+FFFD,
  and one read back from an older file (as a ``\\udXXX`` escape) becomes U+FFFD too, so the report can
  always encode it.
"""

from __future__ import annotations

import json
import math
import os
import re
import resource
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from harness.errors import ConfigError, DataError, HarnessError

RESULTS_FILE = "results.jsonl"
MANIFEST_FILE = "manifest.json"
REPORT_DIR = "report"

# Characters json.dumps(ensure_ascii=False) writes raw that other readers take for line ends (U+0085,
# U+2028, U+2029), and lone surrogates, which UTF-8 cannot encode.
_UNSAFE_IN_LINE = re.compile("[\x85\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
# Terminal escape sequences (CSI ``ESC [ ... final``, OSC ``ESC ] ... BEL|ESC \``, two-byte ``ESC X``, the
# one-byte C1 CSI) are removed whole; then every C0 and C1 control code except tab and newline.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]")
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_LINE_ESCAPES = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _json_safe(obj: Any) -> Any:
    """``obj`` with every non-finite float (NaN, ±Infinity) replaced by None and every lone surrogate in a
    string (keys included) by U+FFFD, at any depth (tuples become lists, as JSON writes them)."""
    if isinstance(obj, str):
        return _SURROGATE.sub("\ufffd", obj)
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {(_SURROGATE.sub("\ufffd", k) if isinstance(k, str) else k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj


def _line_safe(match: re.Match[str]) -> str:
    return _LINE_ESCAPES.get(match.group(), "\ufffd")


def dumps_line(obj: Any) -> str:
    """``obj`` as one line of strict JSON (no newline at its end; it holds none): UTF-8-safe text with
    U+0085/U+2028/U+2029 escaped, lone surrogates as U+FFFD, non-finite floats as ``null``, and
    anything else JSON cannot hold (a Path, a datetime) as its ``str``."""
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False, default=str)
    except ValueError:  # a NaN or an Infinity somewhere: walk the object only when there is one
        text = json.dumps(_json_safe(obj), ensure_ascii=False, allow_nan=False, default=str)
    return _UNSAFE_IN_LINE.sub(_line_safe, text)


def _null_constant(_name: str) -> None:
    return None


def loads_line(line: str) -> Any:
    """One JSONL line parsed; ``NaN``/``Infinity`` tokens (older files) read as None and lone surrogates
    (``\\udXXX`` escapes) as U+FFFD. Invalid JSON raises ``json.JSONDecodeError`` for the caller to word."""
    obj = json.loads(line, parse_constant=_null_constant)
    return _json_safe(obj) if _SURROGATE_ESCAPE.search(line) else obj


def split_jsonl(text: str) -> list[str]:
    """The lines of a JSONL text, split at ``"\\n"`` only (never at U+2028 & co., which a string may hold);
    the list index + 1 is the line number. A text ending in a newline has an empty last item."""
    return text.split("\n")


def read_text_file(path: Path, error: type[HarnessError] = DataError, what: str = "file") -> str:
    """The UTF-8 text of regular file ``path``; a missing, unreadable or non-regular file (a FIFO would
    block forever) or bytes that are not UTF-8 raise ``error`` with one sentence naming the path (and line)."""
    try:
        st = path.stat()
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror}); check the path") from None
    if not stat.S_ISREG(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise error(f"{path}: {kind}; pass the path of a {what}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror}); check its permissions") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise error(
            f"{path}:{line}: not UTF-8 text (byte {exc.start:,}: {exc.reason}); save the {what} as UTF-8"
        ) from None


def iter_jsonl(
    path: Path,
    *,
    error: type[HarnessError] = DataError,
    what: str = "JSONL file",
    fix: str = "each line must be one JSON value",
    cut_tail_ok: bool = False,
) -> Iterator[tuple[int, Any]]:
    """``(line number, value)`` for every non-blank line of JSONL file ``path``, read by the rules of the
    module docstring. Any problem raises ``error`` with one line naming ``path:line`` and ``fix``.

    ``cut_tail_ok``: a last line without its newline that is not valid JSON is the line being written when
    the writer was killed, and is skipped; a damaged line that ends in a newline is always an error.
    """
    lines = split_jsonl(read_text_file(path, error, what))
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            value = loads_line(line)
        except json.JSONDecodeError as exc:
            if cut_tail_ok and n == len(lines):
                return  # no newline after it: cut short when the run was killed
            raise error(f"{path}:{n}: not valid JSON ({exc.msg}, column {exc.colno}); {fix}") from None
        except RecursionError:
            raise error(f"{path}:{n}: JSON nested too deeply to read; {fix}") from None
        yield n, value


def strip_control(text: str) -> str:
    """``text`` without terminal escape sequences (ANSI colours, cursor moves, OSC titles and links) and
    without C0/C1 control codes other than tab and newline (``\\r`` included: it would overwrite the
    line on a terminal). For back-end error text and model output before it reaches a terminal."""
    if not isinstance(text, str):
        text = str(text)
    return _CONTROL.sub("", _ANSI.sub("", text))


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def proc_status_mb(pid: int | str | None, field: str = "VmHWM") -> float | None:
    """A kB field of another process's ``/proc/<pid>/status`` in MiB (``VmHWM``: its peak resident memory,
    ``RssAnon``: its anonymous memory now; ``pid`` "self" is this process); None where there is no such process or
    field (not Linux)."""
    if pid is None:
        return None
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return None


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MiB (ru_maxrss is KiB on Linux, bytes on macOS)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def write_text_atomic(path: Path, text: str | Iterable[str]) -> None:
    """Write ``text`` (a string, or its pieces in order) to ``path`` through a temporary file in the same folder,
    an fsync and a rename: readers never see half a file, and a kill, or an exception while the pieces are
    made, leaves the old file (or none) and no temporary file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            if isinstance(text, str):
                fh.write(text)
            else:
                fh.writelines(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: Path, data: Any) -> None:
    """Write ``data`` as strict JSON that always encodes (non-finite floats as null, lone surrogates as
    U+FFFD) to ``path``, atomically (:func:`write_text_atomic`)."""
    clean = _json_safe(data)
    write_text_atomic(path, json.dumps(clean, indent=2, ensure_ascii=False, allow_nan=False, default=str) + "\n")


def _write_line(fh: IO[str], obj: Any) -> None:
    # One line (dumps_line), flushed and fsynced: once this returns, a kill or a power cut keeps the line.
    fh.write(dumps_line(obj) + "\n")
    fh.flush()
    os.fsync(fh.fileno())


def _open_append(path: Path) -> IO[str]:
    # As ResultWriter.open: backslashreplace is the last line of defence behind dumps_line.
    return path.open("a", encoding="utf-8", errors="backslashreplace")


def append_jsonl(path: Path, obj: Any) -> None:
    """Append ``obj`` to JSONL file ``path`` (created if missing, its folder too) as one line
    (:func:`dumps_line`), flushed and fsynced before returning."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with _open_append(path) as fh:
        _write_line(fh, obj)


def write_jsonl_atomic(path: Path, items: Iterable[Any]) -> None:
    """Write ``items`` to JSONL file ``path``, one line each (:func:`dumps_line`), atomically
    (:func:`write_text_atomic`): an item that cannot be written leaves the old file as it was."""
    write_text_atomic(path, (dumps_line(item) + "\n" for item in items))


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
        if overwrite:
            clear_old_report(self.directory)  # the old run's report must not sit beside the new results
        target = self.directory / RESULTS_FILE
        # dumps_line already writes lone surrogates as U+FFFD; backslashreplace is the last line of defence.
        self._fh = target.open("w", encoding="utf-8", errors="backslashreplace")

    def open_resume(self, kept: list[dict[str, Any]]) -> None:
        """Carry on a run (``--resume``): rewrite its results file with the ``kept`` records (through a temporary
        file and a rename, so a kill now loses nothing), then append to it."""
        target = self.directory / RESULTS_FILE
        write_jsonl_atomic(target, kept)
        clear_old_report(self.directory)
        self.records = list(kept)
        self._fh = _open_append(target)

    def write(self, record: dict[str, Any]) -> None:
        if self._fh is None:
            raise RuntimeError("ResultWriter.write before open")
        _write_line(self._fh, record)
        self.records.append(record)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def clear_old_report(directory: Path) -> bool:
    """Remove the ``report/`` folder an earlier run left in run directory ``directory`` (for
    ``--results-overwrite``: a report of the old results next to new ones would be read as theirs).
    Returns whether there was one; a ``report`` that is a file or a link is removed too, never followed."""
    target = directory / REPORT_DIR
    try:
        if target.is_symlink() or (target.exists() and not target.is_dir()):
            target.unlink()
        elif target.is_dir():
            shutil.rmtree(target)
        else:
            return False
    except OSError as exc:
        raise ConfigError(f"{target}: cannot remove the old report ({exc.strerror}); delete it by hand") from None
    return True
