"""A suite as an inspect-ai Task: its cases as Samples, one solver that generates as pytest does, one scorer that
scores with the harness's own ``score_reply`` (parse + every check of the case).

- Sample id = case id; metadata = suite, category, case id, case set, kind and check names; input = the case's
  messages; the solver offers the case's tools (with their exact schemas, see evals.convert) and generates once
  with the case's ``max_tokens`` and stop strings, never running a tool call. The task's config is temperature 0
  and seed 0, as pytest's (``--temperature``/``--seed`` on the command line override it).
- The scorer rebuilds the harness Completion from the ModelOutput and returns CORRECT when every check passes;
  its metadata holds the record fields pytest writes (outcome, error, checks, tool calls, parse errors, ...)
  and its explanation one line a check. A back-end failure is an ``error`` outcome, as in pytest.
- Compression cases are multi-generation: the solver runs the harness's own ``run_compression`` in a worker
  thread, its back end being the eval's model (every generation shows in inspect's transcript), and the scorer
  reports what that task scored. ``--model-role summarizer=...`` plays pytest's ``--summarizer``.
- A case that ``requires`` what the model lacks (thinking) is skipped, as pytest skips it: NOANSWER with
  outcome "skipped", left out of ``pass_rate``. Only our providers can say; inspect's are assumed able.
- ``per_category=K`` (and ``sample_seed``) picks the same cases as pytest's ``--limit K --sample-seed N``;
  inspect's own ``--limit N`` takes the first N samples instead.

Judge checks (pytest's ``--judge``) are not offered: they need a second harness model inside the scorer.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import anyio
from inspect_ai import Task
from inspect_ai.dataset import MemoryDataset, Sample
from inspect_ai.model import GenerateConfig, Model, ModelOutput, get_model
from inspect_ai.scorer import (
    CORRECT,
    INCORRECT,
    NOANSWER,
    Metric,
    SampleScore,
    Score,
    Scorer,
    Target,
    grouped,
    metric,
    scorer,
)
from inspect_ai.solver import Generate, Solver, TaskState, solver

from evals.convert import ERROR, call_config, harness_completion, inspect_messages, inspect_tools
from harness.backends.base import GenerationParams
from harness.errors import BackendError, ConfigError
from harness.fingerprint import scoring_code_sha256, suite_sha256
from harness.runner import case_params, compression_fields, error_fields, score_reply
from harness.suite import Suite, limit_sample, load_suite, suite_path
from harness.types import DEFAULT_SET, Case, Completion, Message, ToolSchema

RECORD = "harness_record"  # TaskState.store: the record fields of a case scored in the solver (compression, skip)


# ---------------------------------------------------------------------------------------------- cases


@lru_cache(maxsize=16)
def _load(path: str, mtime_ns: int) -> Suite:
    return load_suite(Path(path))


def load(suite: str | Path) -> Suite:
    """A suite by name (``suites/<name>/suite.yaml``) or by its suite.yaml's path, loaded once per version."""
    path = Path(suite) if str(suite).endswith(".yaml") else suite_path(str(suite))
    path = path.resolve()
    return _load(str(path), path.stat().st_mtime_ns)


def _cases(suite: str) -> dict[str, Case]:
    return {c.id: c for c in load(suite).cases}


def select_cases(
    cases: list[Case],
    case_sets: list[str],
    per_category: int | None = None,
    sample_seed: int = 0,
    categories: list[str] | None = None,
) -> list[Case]:
    """The cases of ``case_sets`` (and of ``categories``, when given: pytest's ``suite.yaml::category``) and, with
    ``per_category``, at most that many per category: pytest's fixed ``--limit`` sample (the same seed picks the
    same cases). Suite order is kept."""
    chosen = [c for c in cases if c.case_set in case_sets and (categories is None or c.category in categories)]
    if per_category is None:
        return chosen
    if per_category < 1:
        raise ValueError(f"per_category must be >= 1, got {per_category}")
    keep = limit_sample(chosen, per_category, sample_seed)
    return [c for c in chosen if (c.suite, c.id) in keep]


def case_sample(case: Case) -> Sample:
    return Sample(
        id=case.id,
        input=inspect_messages(case.messages, key=f"{case.suite}/{case.id}"),
        metadata={
            "suite": case.suite,
            "category": case.category,
            "case_id": case.id,
            "case_set": case.case_set,
            "kind": case.kind,
            "checks": sorted(case.check_names),
        },
    )


# ---------------------------------------------------------------------------------------------- solver


async def unmet_requirement(case: Case, model: Model) -> str | None:
    """The first requirement of ``case`` the model cannot meet; only our providers can tell (see module doc)."""
    supports = getattr(model.api, "supports_requirement", None)
    if supports is None:
        return None
    for requirement in case.requires:
        if not await supports(requirement):
            return requirement
    return None


class InspectBackend:
    """A harness Backend over an inspect Model, for harness code that generates several times (compression).

    Called from a worker thread (``anyio.to_thread``): each generation runs on the eval's event loop, so it is
    logged in the sample's transcript like any other."""

    name = "inspect"

    def __init__(self, model: Model) -> None:
        self.model = model

    def generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None = None
    ) -> Completion:
        output: ModelOutput = anyio.from_thread.run(self._generate, messages, tools, params, key)
        if output.error:
            raise BackendError(output.error)
        return harness_completion(output)

    async def _generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None
    ) -> ModelOutput:
        return await self.model.generate(
            inspect_messages(messages, key), inspect_tools(tools), config=call_config(params)
        )

    def count_tokens(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> int:
        return int(anyio.from_thread.run(self.model.count_tokens, inspect_messages(messages)))

    def supports(self, requirement: str) -> bool:
        return True

    def describe(self) -> dict[str, Any]:
        return {"backend": "inspect", "model": str(self.model)}

    def close(self) -> None:
        pass


async def _run_compression(case: Case, model: Model) -> dict[str, Any]:
    from harness.tasks.compression import run_compression

    summarizer_model = get_model(role="summarizer", default=model)
    summarizer = InspectBackend(summarizer_model) if summarizer_model is not model else None
    params = case_params(case, GenerationParams(max_tokens=256))

    def task() -> dict[str, Any]:
        return run_compression(InspectBackend(model), case, params, summarizer=summarizer)

    return dict(await anyio.to_thread.run_sync(lambda: compression_fields(task)))


@solver
def harness_solver(suite: str) -> Solver:
    """Generate a case as pytest does: its messages and tools, its max_tokens and stop strings, tool calls never
    run; a compression case runs the harness's compression task; a case the model cannot run is skipped."""

    async def solve(state: TaskState, generate: Generate) -> TaskState:
        case = _cases(suite)[str(state.sample_id)]
        model = get_model()
        missing = await unmet_requirement(case, model)
        if missing is not None:
            state.store.set(RECORD, {"outcome": "skipped", "passed": False, "error": None, "checks": [],
                                     "needs": missing})  # fmt: skip
            state.completed = True
            return state
        if case.kind == "compression":
            fields = await _run_compression(case, model)
            state.store.set(RECORD, fields)
            state.output = ModelOutput.from_content(str(model), str(fields.get("visible") or ""))
            state.messages.append(state.output.message)
            return state
        state.tools = [tool.as_tool() for tool in inspect_tools(case.tools)]
        return await generate(state, tool_calls="none", max_tokens=case.max_tokens, stop_seqs=list(case.stop) or None)

    return solve


# ---------------------------------------------------------------------------------------------- scorer


def record_fields(case: Case, output: ModelOutput) -> dict[str, Any]:
    """pytest's record fields (``outcome`` to ``timings``) for a chat case's generated ``output``."""
    failed = (output.metadata or {}).get(ERROR)
    if isinstance(failed, str):
        return error_fields(failed)
    return score_reply(case, harness_completion(output))


def _explanation(fields: dict[str, Any]) -> str:
    if fields["outcome"] == "skipped":
        return f"skipped: needs {fields['needs']}, which the model's chat template lacks"
    if fields["outcome"] == "error":
        return f"error: {fields['error']}"
    return "\n".join(f"{'PASS' if c['passed'] else 'FAIL'} {c['name']}: {c['reason']}" for c in fields["checks"])


def _answer(fields: dict[str, Any]) -> str | None:
    calls = fields.get("tool_calls")
    if calls:
        return "; ".join(f"{c['name']}({c['arguments']})" for c in calls)
    visible = fields.get("visible")
    return str(visible) if visible is not None else None


@scorer(metrics=[])
def harness_checks(suite: str) -> Scorer:
    """Every check of the case, through the harness's scorers; CORRECT when all pass (pytest's ``passed``)."""

    async def score(state: TaskState, target: Target) -> Score:
        case = _cases(suite)[str(state.sample_id)]
        fields = state.store.get(RECORD) or record_fields(case, state.output)
        value = NOANSWER if fields["outcome"] == "skipped" else CORRECT if fields["passed"] else INCORRECT
        return Score(value=value, answer=_answer(fields), explanation=_explanation(fields), metadata=fields)

    return score


def _share(outcome: str) -> Metric:
    """The share of the cases run (skipped ones left out) whose outcome is ``outcome``."""

    def compute(scores: list[SampleScore]) -> float:
        run = [o for o in (str((s.score.metadata or {}).get("outcome")) for s in scores) if o != "skipped"]
        return sum(o == outcome for o in run) / len(run) if run else 0.0

    return compute


@metric
def pass_rate() -> Metric:
    """Passed cases over the cases run, as the harness's pass_rate gate counts."""
    return _share("passed")


@metric
def error_rate() -> Metric:
    """Cases whose generation or scoring failed over the cases run (the harness's max_error_rate gate)."""
    return _share("error")


# ---------------------------------------------------------------------------------------------- task


def suite_task(
    suite: str | Path,
    case_set: str = DEFAULT_SET,
    per_category: int | None = None,
    sample_seed: int = 0,
    category: str | None = None,
) -> Task:
    """The suite (a name under ``suites/`` or a suite.yaml path) as a Task. ``case_set``: comma-separated sets
    (pytest's ``--case-set``); ``per_category``/``sample_seed``: pytest's ``--limit``/``--sample-seed``;
    ``category``: comma-separated categories (pytest's ``suite.yaml::category``)."""
    loaded = load(suite)
    key = str(loaded.path.resolve())
    wanted = category.split(",") if category else None
    unknown = sorted(set(wanted or []) - loaded.categories)
    if unknown:
        raise ConfigError(
            f"{loaded.name}: no category {', '.join(unknown)} (known: {', '.join(sorted(loaded.categories))})"
        )
    cases = select_cases(loaded.cases, case_set.split(","), per_category, sample_seed, wanted)
    return Task(
        dataset=MemoryDataset([case_sample(c) for c in cases], name=loaded.name),
        solver=harness_solver(key),
        scorer=harness_checks(key),
        metrics=[pass_rate(), error_rate(), grouped(pass_rate(), "category", all=False)],
        config=GenerateConfig(temperature=0.0, seed=0),
        name=loaded.name,
        version=loaded.version,
        metadata={
            "suite": loaded.name,
            "suite_version": loaded.version,
            "suite_sha256": suite_sha256(loaded.path),
            "scoring_code_sha256": scoring_code_sha256(),
            "case_sets": case_set.split(","),
        },
    )
