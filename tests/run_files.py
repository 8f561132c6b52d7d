"""Tests write run files as the dicts on disk; these read them through the typed models, as the harness does."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from harness import gates, verdict
from harness.records import CaseRecord, RunManifest


def typed_manifest(manifest: dict[str, Any]) -> RunManifest:
    return RunManifest.from_json_dict(manifest)


def typed_records(records: Iterable[dict[str, Any]]) -> list[CaseRecord]:
    return [CaseRecord.from_json_dict(r) for r in records]


def judge_run(manifest: dict[str, Any], records: Iterable[dict[str, Any]], *args: Any, **kwargs: Any) -> Any:
    return verdict.judge_run(typed_manifest(manifest), typed_records(records), *args, **kwargs)


def check_run_gate_names(
    config: Any, manifest: dict[str, Any], records: Iterable[dict[str, Any]], *args: Any, **kwargs: Any
) -> None:
    verdict.check_run_gate_names(config, typed_manifest(manifest), typed_records(records), *args, **kwargs)


def check_complete(run_dir: Any, manifest: dict[str, Any], records: Iterable[dict[str, Any]]) -> None:
    verdict.check_complete(run_dir, typed_manifest(manifest), typed_records(records))


def suite_stats(records: Iterable[dict[str, Any]]) -> dict[str, gates.SuiteStats]:
    return gates.suite_stats(typed_records(records))
