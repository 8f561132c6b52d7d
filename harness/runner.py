"""Run one case: generate, parse, score, and build the record written to ``results.jsonl``.

Kept free of pytest so the same path serves the plugin, the command line and inspect-ai tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from harness.backends.base import Backend, GenerationParams
from harness.errors import BackendError, HarnessError
from harness.records import CaseRecord
from harness.results import strip_control, utc_now
from harness.scoring import ReplyCrashed, ScoringContext, crash_text, outcome_fields, parse_reply, score_case
from harness.types import Case, Completion

OUTCOMES = ("passed", "failed", "error")


def case_params(case: Case, base: GenerationParams) -> GenerationParams:
    return replace(base, max_tokens=case.max_tokens, stop=tuple(dict.fromkeys((*base.stop, *case.stop))))


def error_fields(message: str, completion: Completion | None = None) -> dict[str, Any]:
    """The fields of an ``error`` record; the reply, when there was one, is kept so the report shows it."""
    fields: dict[str, Any] = {"outcome": "error", "passed": False, "error": message, "checks": [], "response": None}
    if completion is not None:
        fields.update(
            response=completion.text,
            finish_reason=completion.finish_reason,
            latency_s=round(completion.latency_s, 4),
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
        )
    return fields


def score_reply(case: Case, raw: Completion, ctx: ScoringContext | None = None) -> dict[str, Any]:
    """Parse and score a chat case's generated reply ``raw``: the record fields that follow the case's own
    (``outcome`` to ``timings``), or an ``error`` record's when the parser or a scorer raised or the judge
    model failed. ``run_case`` calls it on a new reply and ``harness rescore`` on a stored one."""
    try:
        completion = parse_reply(raw)
        scores = score_case(case, completion, ctx)
    except ReplyCrashed as exc:
        return error_fields(str(exc), raw)
    except BackendError as exc:  # the judge model failed
        return error_fields(f"judge: {exc}", raw)
    return {
        **outcome_fields(scores),
        "response": completion.text,
        "visible": completion.visible,
        "thinking": completion.thinking,
        "tool_calls": [c.to_dict() for c in completion.tool_calls],
        "parse_errors": [e.to_dict() for e in completion.parse_errors],
        **({"tool_calls_from": completion.tool_calls_from} if completion.tool_calls_from else {}),
        "finish_reason": completion.finish_reason,
        "latency_s": round(completion.latency_s, 4),
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "timings": {k: round(v, 4) for k, v in completion.timings.items()},
    }


def compression_fields(task: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The record fields of a compression case from ``task`` (``run_compression``, or the rescorer's scoring
    of stored pieces): what it returns, or an ``error`` record's fields when a model failed, the parser or a
    check raised, or the task itself crashed on a reply. A ConfigError (a bad case) propagates."""
    try:
        return task()
    except (BackendError, ReplyCrashed) as exc:
        return error_fields(str(exc))
    except HarnessError:
        raise
    except Exception as exc:  # noqa: BLE001 - the task crashed on a reply: an error record, like a scorer
        return error_fields(f"the compression task crashed: {crash_text(exc)}")


def run_case(
    backend: Backend,
    case: Case,
    base: GenerationParams,
    suite_version: str = "",
    ctx: ScoringContext | None = None,
    nodeid: str | None = None,
) -> CaseRecord:
    """Generate and score ``case``: the :class:`~harness.records.CaseRecord` to write (``nodeid``, when given,
    is stored last). A back-end failure, or a reply that makes the parser or a scorer
    raise, becomes an ``error`` record, never an exception: every case that runs leaves a record. Only a
    ConfigError (the run is misconfigured) propagates."""
    fields = _run_case(backend, case, base, suite_version, ctx)
    if nodeid is not None:
        fields["nodeid"] = nodeid
    return CaseRecord.build(fields)


def _run_case(
    backend: Backend, case: Case, base: GenerationParams, suite_version: str, ctx: ScoringContext | None
) -> dict[str, Any]:
    """The fields of ``case``'s record, in the order they are written."""
    params = case_params(case, base)
    record: dict[str, Any] = {
        "suite": case.suite,
        "suite_version": suite_version,
        "category": case.category,
        "case_id": case.id,
        "prompt": case.prompt,
        "system": case.system_name,
        "started": utc_now(),
    }
    if case.kind == "compression":
        from harness.tasks.compression import run_compression

        summarizer = ctx.summarizer if ctx else None
        record.update(compression_fields(lambda: run_compression(backend, case, params, summarizer=summarizer)))
        return record
    try:
        raw = backend.generate(case.messages, case.tools, params, key=f"{case.suite}/{case.id}")
    except BackendError as exc:
        record.update(error_fields(str(exc)))
        return record
    record.update(score_reply(case, raw, ctx))
    return record


def failure_reasons(record: CaseRecord) -> list[str]:
    """Why a record did not pass: the back-end error, or each failing check as ``name: reason``."""
    if record.outcome == "error":
        return [f"error: {strip_control(str(record.error))}"]
    return [f"{c.name}: {c.reason}" for c in record.checks or [] if not c.passed]


def describe_failure(record: CaseRecord) -> str:
    """A short multi-line explanation of a failed or errored record, for pytest's failure report."""
    lines = failure_reasons(record)
    if record.outcome == "error":
        return lines[0]
    lines.append(f"response: {record.response!r}")
    if record.tool_calls:
        lines.append(f"tool calls: {record.tool_calls}")
    if record.finish_reason not in (None, "stop"):
        lines.append(f"finish_reason: {record.finish_reason}")
    return "\n".join(lines)
