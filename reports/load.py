"""Read a stored run directory (``manifest.json`` + ``results.jsonl``) into a :class:`Run`, the one input
every report is built from.

Any problem with the directory is a :class:`ConfigError` naming the file and the fix, so the command line
prints one line instead of a traceback from deep inside pandas.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from harness.errors import ConfigError
from harness.gates import SuiteStats, suite_stats
from harness.records import CaseRecord, GateRecord, RunManifest, read_manifest, read_records
from harness.results import MANIFEST_FILE, RESULTS_FILE
from harness.runner import failure_reasons

REQUIRED_FIELDS = ("suite", "case_id", "passed")
# Columns every report reads; a record without one (an errored case has no latency) gets a missing value.
RECORD_COLUMNS = (
    "suite",
    "category",
    "case_id",
    "prompt",
    "outcome",
    "passed",
    "checks",
    "response",
    "error",
    "finish_reason",
    "latency_s",
    "prompt_tokens",
    "completion_tokens",
)


@dataclass(frozen=True)
class ModelIdentity:
    """What identifies the model a run scored: enough to tell two runs of "the same" model apart."""

    file: str
    path: str
    size_bytes: int | None
    sha256: str | None
    name: str | None
    architecture: str | None
    quantization: str | None
    parameters: int | None
    backend: str | None
    chat_template_source: str | None
    chat_template_sha256: str | None


@dataclass
class Run:
    """One stored run: its manifest and records as read (typed), and one DataFrame row per finished case."""

    path: Path
    manifest: RunManifest
    case_records: list[CaseRecord]
    records: pd.DataFrame
    label_override: str | None = None

    @property
    def label(self) -> str:
        """The name shown for this run: ``--label`` if given, else the model's file name."""
        return self.label_override or self.model.file

    @property
    def status(self) -> str:
        return self.manifest.status or "unknown"

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    @property
    def timing(self) -> dict[str, Any]:
        """The manifest's timing block; empty for a run that was killed before it finished."""
        return dict(self.manifest.timing or {})

    @property
    def gate_results(self) -> list[GateRecord]:
        return list(self.manifest.gate_results or [])

    @cached_property
    def stats(self) -> dict[str, SuiteStats]:
        """:func:`harness.gates.suite_stats` of the run's records, computed once: the very numbers the gates and
        the terminal summary use."""
        return suite_stats(self.case_records)

    @property
    def model(self) -> ModelIdentity:
        m = self.manifest.model
        template = m.chat_template or {}
        path = str(m.path or m.spec or "?")
        # A model behind a server has no file: it is named by the model the server was asked for.
        served = (m.model_extra or {}).get("server_model")
        return ModelIdentity(
            file=Path(path).name if m.path else str(served or m.spec or "?"),
            path=path,
            size_bytes=m.size_bytes,
            sha256=m.model_sha256,
            name=m.model_name,
            architecture=m.architecture,
            quantization=m.quantization,
            parameters=m.n_params,
            backend=m.backend,
            chat_template_source=template.get("source"),
            chat_template_sha256=template.get("sha256"),
        )

    @cached_property
    def checks(self) -> pd.DataFrame:
        """One row per check of every case (suite, category, case_id, name, passed, value): what metric
        means and distributions are computed from."""
        rows = [
            {
                "suite": rec.suite,
                "category": rec.category or "",
                "case_id": rec.case_id,
                "name": check.name,
                "passed": check.passed,
                "value": check.value,
            }
            for rec in self.case_records
            for check in rec.checks or []
        ]
        frame = pd.DataFrame(rows, columns=["suite", "category", "case_id", "name", "passed", "value"])
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
        return frame


def _read_records(directory: Path) -> list[CaseRecord]:
    path = directory / RESULTS_FILE
    try:
        records = read_records(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); re-run the suites to rewrite it") from None
    if not records:
        raise ConfigError(f"{path}: holds no finished cases; nothing to report (re-run the suites)")
    for i, rec in enumerate(records, 1):
        missing = [f for f in REQUIRED_FIELDS if getattr(rec, f) is None]
        if missing:
            raise ConfigError(f"{path}: record {i} lacks {', '.join(missing)}; the results file is damaged")
    return records


def _records_frame(records: list[CaseRecord]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records([r.to_json_dict() for r in records]).reindex(columns=[*RECORD_COLUMNS])
    frame["passed"] = frame["passed"].fillna(False).astype(bool)
    frame["category"] = frame["category"].fillna("")
    frame["outcome"] = frame["outcome"].astype(object).fillna(frame["passed"].map({True: "passed", False: "failed"}))
    frame["checks"] = [c if isinstance(c, list) else [] for c in frame["checks"]]
    frame["failed_checks"] = [", ".join(c.name for c in r.checks or [] if not c.passed) for r in records]
    frame["failures"] = ["; ".join(failure_reasons(r)) for r in records]
    for col in ("latency_s", "prompt_tokens", "completion_tokens"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


def load_run(path: Path | str, label: str | None = None) -> Run:
    """Load the run stored in ``path``; ``label`` replaces the model file name as the run's display name."""
    directory = Path(path)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such run directory; pass the --results DIR of a finished run")
    manifest = read_manifest(directory / MANIFEST_FILE)
    records = _read_records(directory)
    return Run(directory, manifest, records, _records_frame(records), label_override=label)
