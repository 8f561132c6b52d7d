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
from harness.records import manifest_dict, results_dicts
from harness.results import RESULTS_FILE
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
    """One stored run: the manifest as written and one DataFrame row per finished case."""

    path: Path
    manifest: dict[str, Any]
    records: pd.DataFrame
    label_override: str | None = None

    @property
    def label(self) -> str:
        """The name shown for this run: ``--label`` if given, else the model's file name."""
        return self.label_override or self.model.file

    @property
    def status(self) -> str:
        return str(self.manifest.get("status", "unknown"))

    @property
    def complete(self) -> bool:
        return self.status == "complete"

    @property
    def timing(self) -> dict[str, Any]:
        """The manifest's timing block; empty for a run that was killed before it finished."""
        return dict(self.manifest.get("timing") or {})

    @property
    def gate_results(self) -> list[dict[str, Any]]:
        return list(self.manifest.get("gate_results") or [])

    @property
    def model(self) -> ModelIdentity:
        m = self.manifest.get("model") or {}
        template = m.get("chat_template") or {}
        path = str(m.get("path") or m.get("spec") or "?")
        return ModelIdentity(
            file=Path(path).name,
            path=path,
            size_bytes=m.get("size_bytes"),
            sha256=m.get("model_sha256"),
            name=m.get("model_name"),
            architecture=m.get("architecture"),
            quantization=m.get("quantization"),
            parameters=m.get("n_params"),
            backend=m.get("backend"),
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
                "category": rec.category,
                "case_id": rec.case_id,
                "name": check.get("name"),
                "passed": bool(check.get("passed")),
                "value": check.get("value"),
            }
            for rec in self.records.itertuples()
            for check in rec.checks
        ]
        frame = pd.DataFrame(rows, columns=["suite", "category", "case_id", "name", "passed", "value"])
        frame["value"] = pd.to_numeric(frame["value"], errors="coerce")
        return frame


def _records_frame(directory: Path) -> pd.DataFrame:
    path = directory / RESULTS_FILE
    try:
        records = results_dicts(directory)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); re-run the suites to rewrite it") from None
    if not records:
        raise ConfigError(f"{path}: holds no finished cases; nothing to report (re-run the suites)")
    for i, rec in enumerate(records, 1):
        missing = [f for f in REQUIRED_FIELDS if not isinstance(rec, dict) or f not in rec]
        if missing:
            raise ConfigError(f"{path}: record {i} lacks {', '.join(missing)}; the results file is damaged")
    frame = pd.DataFrame.from_records(records).reindex(columns=[*RECORD_COLUMNS])
    frame["passed"] = frame["passed"].fillna(False).astype(bool)
    frame["category"] = frame["category"].fillna("")
    frame["outcome"] = frame["outcome"].astype(object).fillna(frame["passed"].map({True: "passed", False: "failed"}))
    frame["checks"] = [c if isinstance(c, list) else [] for c in frame["checks"]]
    frame["failed_checks"] = [
        ", ".join(c.get("name", "?") for c in cs if not c.get("passed")) for cs in frame["checks"]
    ]
    frame["failures"] = ["; ".join(failure_reasons(r)) for r in records]
    for col in ("latency_s", "prompt_tokens", "completion_tokens"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


def load_run(path: Path | str, label: str | None = None) -> Run:
    """Load the run stored in ``path``; ``label`` replaces the model file name as the run's display name."""
    directory = Path(path)
    if not directory.is_dir():
        raise ConfigError(f"{directory}: no such run directory; pass the --results DIR of a finished run")
    manifest = manifest_dict(directory)
    return Run(path=directory, manifest=manifest, records=_records_frame(directory), label_override=label)
