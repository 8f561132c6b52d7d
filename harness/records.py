"""The run files as types: :class:`CaseRecord` (one line of ``results.jsonl``) and :class:`RunManifest`
(``manifest.json``), the one way they are built for writing and read back.

Format versions: every file this harness writes carries ``"format_version": RECORD_FORMAT`` (1). Files written
before the models existed have no ``format_version``; they are read as **version 0, which is the same shape as
version 1** (the key was the only change). A file whose ``format_version`` is greater than ours is refused with
a :class:`~harness.errors.DataError` (written by a newer harness; upgrade).

Both models allow extra keys (``extra="allow"``), so an older or newer file with keys we do not know still reads,
and :meth:`CaseRecord.to_json_dict` / :meth:`RunManifest.to_json_dict` dump only the keys that were given
(``exclude_unset``), in the declared order: what the harness writes is exactly the dict it wrote before these
models, plus ``format_version`` first. The nested objects readers navigate are typed too (a record's checks,
the manifest's model, suites, selection, skipped cases and gate results); free-form ones (tool calls, timings,
the environment, the verdict's own dict) stay plain dicts.

:func:`run_files_schema` is the JSON Schema of both, checked in as ``docs/run_files.schema.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError

from harness.errors import ConfigError, DataError
from harness.results import MANIFEST_FILE, RESULTS_FILE, iter_jsonl

RECORD_FORMAT = 1

# JSON keeps 3 and 3.0 apart; a field that holds either keeps what it was given.
Number = int | float


class _RunFile(BaseModel):
    model_config = ConfigDict(extra="allow")

    format_version: int = 0
    """1 for files written by this harness; absent (read as 0, the same shape) in files written before it."""

    @classmethod
    def build(cls, fields: dict[str, Any]) -> Self:
        """The model of ``fields`` as this harness writes it now (``format_version`` = RECORD_FORMAT)."""
        return cls.model_validate({"format_version": RECORD_FORMAT, **fields})

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> Self:
        """The model of a dict read from a file (no ``format_version``: version 0)."""
        return cls.model_validate(data)

    def to_json_dict(self) -> dict[str, Any]:
        """The dict to write: the keys given, declared ones first in their order, then any extra ones."""
        return self.model_dump(exclude_unset=True)


class _Part(BaseModel):
    """A nested object of a run file: known keys typed, others kept (``extra="allow"``)."""

    model_config = ConfigDict(extra="allow")


class CheckRecord(_Part):
    """One check's result in a record's ``checks`` (:meth:`harness.types.Score.to_dict`)."""

    name: str
    passed: bool
    reason: str | None = None
    value: Number | None = None
    error_type: str | None = None
    args: dict[str, Any] | None = None


class ModelInfo(_Part):
    """``manifest["model"]``: what the back end reports of the model (keys as the GGUF back end writes them,
    in that order; other back ends write fewer, and any key of their own is kept)."""

    spec: str | None = None
    path: str | None = None
    source: str | None = None
    kind: str | None = None
    size_bytes: int | None = None
    model_sha256: str | None = None
    backend: str | None = None
    llama_cpp_python: str | None = None
    architecture: str | None = None
    model_name: str | None = None
    quantization: str | None = None
    gguf_version: int | None = None
    context_length_trained: int | None = None
    n_params: int | None = None
    n_ctx: int | None = None
    n_batch: int | None = None
    n_threads: int | None = None
    n_threads_batch: int | None = None
    n_gpu_layers: int | None = None
    chat_template: dict[str, Any] | None = None
    load_s: Number | None = None


class SuiteEntry(_Part):
    """``manifest["suites"][NAME]``: the suite as run."""

    version: str | None = None
    path: str | None = None
    cases_total: StrictInt | None = None
    max_tokens: list[int] | None = None
    sha256: str | None = None
    cases_by_set: dict[str, StrictInt] | None = None  # the suite's cases in each case set
    categories: list[str] | None = None
    checks: list[str] | None = None  # every check name its cases record (all sets, judge checks included)


class SuiteSelection(_Part):
    selected: StrictInt | None = None
    in_sets: StrictInt | None = None  # the suite's cases in the asked-for case sets


class Selection(_Part):
    """``manifest["selection"]``: how the cases were chosen, and whether that left the run partial."""

    partial: bool | None = None
    case_sets: list[str] | None = None
    suites: dict[str, SuiteSelection] | None = None
    partial_suites: list[str] | None = None
    suite_files_not_collected: list[str] | None = None
    options: dict[str, Any] | None = None  # the pytest options that chose them: k, m, lf, limit, deselect, args


class SkippedCase(_Part):
    """A selected case the model could not run (``manifest["cases_skipped"]``)."""

    case: str
    needs: str | None = None


class GateRecord(_Part):
    """One gate's result in ``manifest["gate_results"]`` (:meth:`harness.gates.GateResult.to_dict`)."""

    suite: str
    gate: str
    threshold: Number | None = None
    actual: Number | None = None
    status: str  # passed | failed | not_evaluated
    sentence: str


class CaseRecord(_RunFile):
    """One case's result: one line of ``results.jsonl``, for chat and compression cases alike.

    Always present in what the runner writes: the first seven fields and ``outcome`` to ``response``. A chat
    case adds ``visible`` to ``timings`` (except ``summary``, ``answers``, ``context_tokens``, ``wall_s``,
    ``generations``); a compression case adds those instead of ``timings``; an ``error`` record adds
    ``finish_reason`` to ``completion_tokens`` only when there was a reply. ``nodeid`` is added by the session.
    ``tool_calls_from`` is written only by back ends that set it (:attr:`harness.types.Completion.tool_calls_from`).
    Every field is optional when reading, as readers always took older files with fewer keys.
    """

    suite: str | None = None
    suite_version: str | None = None
    category: str | None = None
    case_id: str | None = None
    prompt: str | None = None
    system: str | None = None
    started: str | None = None
    outcome: str | None = None  # passed | failed | error
    passed: bool | None = None
    error: str | None = None
    checks: list[CheckRecord] | None = None
    response: str | None = None
    visible: str | None = None
    thinking: str | None = None
    summary: str | None = None  # compression: the summary scored
    answers: list[dict[str, Any]] | None = None  # compression: each question, full and compressed
    context_tokens: dict[str, Number | None] | None = None  # compression: {"full": n, "compressed": n}
    tool_calls: list[dict[str, Any]] | None = None
    parse_errors: list[dict[str, Any]] | None = None
    tool_calls_from: str | None = None  # "server" | "text": where the calls were read (openai servers only)
    finish_reason: str | None = None
    latency_s: Number | None = None
    wall_s: Number | None = None  # compression: the whole task
    prompt_tokens: Number | None = None
    completion_tokens: Number | None = None
    generations: int | None = None  # compression: model calls made
    timings: dict[str, Any] | None = None
    nodeid: str | None = None


class RunManifest(_RunFile):
    """``manifest.json``: what was run, on what, how fast, and the verdict (the last six once finished)."""

    status: str | None = None  # running | complete | interrupted
    harness_version: str | None = None
    started: str | None = None
    finished: str | None = None
    command: list[str] | None = None
    model: ModelInfo
    decoding: dict[str, Any] | None = None
    suites: dict[str, SuiteEntry] | None = None
    scoring_code_sha256: str | None = None
    cases_selected: StrictInt | None = None
    partial: bool | None = None
    selection: Selection | None = None
    workers: dict[str, Any] | None = None
    judge: dict[str, Any] | None = None
    summarizer: dict[str, Any] | None = None
    gates: dict[str, Any] | None = None
    environment: dict[str, Any] | None = None
    results_file: str | None = None
    resumed: list[dict[str, Any]] | None = None
    cases_skipped: list[SkippedCase] | None = None
    timing: dict[str, Any] | None = None
    gate_results: list[GateRecord] | None = None
    error_rate: Number | None = None
    verdict: dict[str, Any] | None = None
    judge_agreement: dict[str, Any] | None = None
    exit_code: int | None = None

    def suite(self, name: str) -> SuiteEntry:
        """The manifest's entry for suite ``name`` (an empty one when the run has none)."""
        return (self.suites or {}).get(name) or SuiteEntry()


def _check_version(path: Path, data: dict[str, Any]) -> None:
    version = data.get("format_version", 0)
    if isinstance(version, int) and version > RECORD_FORMAT:
        raise DataError(
            f"{path}: format_version {version}, written by a newer harness; upgrade (this one reads up to "
            f"{RECORD_FORMAT})"
        )


def _problem(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "the object"
    return f"{where}: {first['msg']}"


def read_records(path: Path) -> list[CaseRecord]:
    """The records of ``results.jsonl`` at ``path``; a cut last line (a killed run) is skipped, other damage is a
    ConfigError naming ``path:line``, a newer format a DataError."""
    if not path.is_file():
        raise ConfigError(f"{path.parent}: no {path.name}; is this a run directory?")
    fix = "the results file is damaged; re-run the suites to rewrite it"
    out = []
    for n, data in iter_jsonl(path, error=ConfigError, what="results file", fix=fix, cut_tail_ok=True):
        if not isinstance(data, dict):
            raise ConfigError(f"{path}:{n}: not a case record (a JSON object); {fix}")
        _check_version(path, data)
        try:
            out.append(CaseRecord.from_json_dict(data))
        except ValidationError as exc:
            raise ConfigError(f"{path}:{n}: {_problem(exc)}; {fix}") from None
    return out


def read_manifest(path: Path) -> RunManifest:
    """``manifest.json`` at ``path``; a missing, unreadable or foreign file is a ConfigError (exit 2), a newer
    format a DataError."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file; pass a run directory written by `pytest suites/ --results DIR`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"{path}: cannot be read as JSON ({exc}); re-run the suites to rewrite it") from None
    if not isinstance(data, dict) or not isinstance(data.get("model"), dict):
        raise ConfigError(f"{path}: not a run manifest (no 'model' object); re-run the suites to rewrite it")
    _check_version(path, data)
    try:
        return RunManifest.from_json_dict(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {_problem(exc)}; re-run the suites to rewrite it") from None


def results_dicts(directory: Path) -> list[dict[str, Any]]:
    """The records of run ``directory`` as the dicts in the file, for code that still reads dicts."""
    return [r.to_json_dict() for r in read_records(directory / RESULTS_FILE)]


def manifest_dict(directory: Path) -> dict[str, Any]:
    """The manifest of run ``directory`` as the dict in the file, for code that still reads dicts."""
    return read_manifest(directory / MANIFEST_FILE).to_json_dict()


def run_files_schema() -> dict[str, Any]:
    """The JSON Schema of both run files, as checked in at ``docs/run_files.schema.json`` (written with
    ``json.dumps(..., indent=2) + "\\n"``; ``tests/test_run_files.py`` fails when that file is stale)."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "smallmodel-harness run files",
        "description": f"format_version {RECORD_FORMAT}; files without format_version are version 0, the same shape",
        "$defs": {
            "CaseRecord": CaseRecord.model_json_schema(),
            "RunManifest": RunManifest.model_json_schema(),
        },
    }
