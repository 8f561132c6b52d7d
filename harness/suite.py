"""Suites as versioned data: a ``suite.yaml`` with prompts, tools, generation settings and cases.

The YAML is validated with pydantic (unknown keys rejected), then resolved into ``Case`` objects
that carry everything a back end and a scorer need: the full message list, the tool schemas and the
instantiated checks. Cases come inline (``cases:``) and from data files (``case_sources:``, see
``harness.loaders``). A case belongs to a case set (``default`` unless its source says otherwise); the
plugin runs only the sets asked for with ``--case-set``.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import ConfigError
from harness.scoring import build_scorer
from harness.tasks.compression import validate_data
from harness.types import DEFAULT_SET, Case, Check, Message, ToolSchema, recorded_check_name
from harness.yamlio import load_yaml

CheckSpec = dict[str, dict[str, Any] | None]
CASE_KINDS = ("chat", "compression")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _one_key_each(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for check in checks:
        if len(check) != 1:
            raise ValueError(f"each check is one mapping 'scorer_name: {{args}}', got {check!r}")
    return checks


class GenerationSpec(_Strict):
    max_tokens: int = Field(200, gt=0, le=8192)
    stop: list[str] = Field(default_factory=list)


class CaseSpec(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    category: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    prompt: str = ""
    system: str | None = None  # name of an entry in the suite's system_prompts; None = the suite default
    history: list[dict[str, Any]] = Field(default_factory=list)  # earlier turns, before ``prompt``
    tools: bool = True  # offer the suite's tools to the model
    tool_schemas: list[dict[str, Any]] | None = None  # this case's own tools, instead of the suite's
    checks: list[CheckSpec] = Field(default_factory=list)
    max_tokens: int | None = Field(None, gt=0, le=8192)
    kind: Literal["chat", "compression"] = "chat"
    data: dict[str, Any] = Field(default_factory=dict)  # payload of a non-chat kind (see harness.tasks)
    requires: list[Literal["thinking"]] = Field(default_factory=list)  # skipped, with a reason, without it
    notes: str = ""

    _checks = field_validator("checks")(_one_key_each)


class CaseSource(_Strict):
    loader: str
    path: str  # relative to the suite file
    args: dict[str, Any] = Field(default_factory=dict)
    set: str = Field(DEFAULT_SET, pattern=r"^[a-z0-9_]+$")
    checks: list[CheckSpec] = Field(default_factory=list)

    _checks = field_validator("checks")(_one_key_each)


class SuiteSpec(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    version: str
    description: str = ""
    system_prompts: dict[str, str] = Field(default_factory=dict)
    default_system: str | None = None
    tools_file: str | None = None  # relative to the suite file, OpenAI-style tool schemas
    generation: GenerationSpec = Field(default_factory=lambda: GenerationSpec.model_validate({}))
    common_checks: list[CheckSpec] = Field(default_factory=list)  # applied to every case
    judge_checks: list[CheckSpec] = Field(default_factory=list)  # applied to every case when --judge is given
    cases: list[CaseSpec] = Field(default_factory=list)
    case_sources: list[CaseSource] = Field(default_factory=list)

    _common = field_validator("common_checks", "judge_checks")(_one_key_each)


@dataclass
class Suite:
    name: str
    version: str
    path: Path
    description: str
    cases: list[Case]
    system_prompts: dict[str, str] = field(default_factory=dict)
    default_system: str | None = None
    judge_check_names: set[str] = field(default_factory=set)  # recorded only when a judge model is given

    @property
    def case_sets(self) -> set[str]:
        return {c.case_set for c in self.cases}

    @property
    def categories(self) -> set[str]:
        """Every category of the suite, in every case set."""
        return {c.category for c in self.cases}

    @property
    def check_names(self) -> set[str]:
        """Every check name a case of the suite can record, in every case set, judge checks included."""
        names = set(self.judge_check_names)
        for case in self.cases:
            names |= case.check_names
        return names

    def cases_by_set(self) -> dict[str, int]:
        """How many cases each case set holds."""
        counts: dict[str, int] = {}
        for case in self.cases:
            counts[case.case_set] = counts.get(case.case_set, 0) + 1
        return dict(sorted(counts.items()))

    @property
    def default_system_prompt(self) -> str | None:
        """The system prompt cases get when they name none, stripped as the cases get it."""
        text = self.system_prompts.get(self.default_system or "")
        return text.strip() if text is not None else None


SUITES_ENV = "HARNESS_SUITES"


def suites_root() -> Path:
    """The ``suites/`` folder the training and calibration tools read: ``$HARNESS_SUITES`` when set, else the
    one beside the ``harness`` package in a source checkout. A ConfigError names where it looked when that
    folder holds no ``*/suite.yaml`` (an installed wheel has no suites: install from a checkout with
    ``pip install -e .`` or point ``HARNESS_SUITES`` at one)."""
    env = os.environ.get(SUITES_ENV)
    root = Path(env) if env else Path(__file__).resolve().parents[1] / "suites"
    if any(root.glob("*/suite.yaml")):
        return root
    raise ConfigError(
        f"no suites found in {root} (no */suite.yaml); run from a source checkout (pip install -e .) "
        f"or set {SUITES_ENV} to a folder of suites"
    )


def suite_path(name: str) -> Path:
    """``suites/<name>/suite.yaml`` under :func:`suites_root`; a ConfigError with the known names otherwise."""
    root = suites_root()
    path = root / name / "suite.yaml"
    if not path.is_file():
        known = sorted(p.parent.name for p in root.glob("*/suite.yaml"))
        raise ConfigError(f"no such suite {name!r} in {root} (known: {', '.join(known)})")
    return path


def suite_files(root: Path) -> list[Path]:
    """The ``suite.yaml`` files of the suites directory under ``root`` (``root/suites/*/suite.yaml``), or of
    ``root`` itself when it is a suites directory."""
    found = sorted((root / "suites").glob("*/suite.yaml"))
    return found or sorted(root.glob("*/suite.yaml"))


def _format_validation(where: str, exc: ValidationError) -> str:
    first = exc.errors()[0]
    loc = ".".join(str(p) for p in first["loc"])
    more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    return f"{where}: {loc}: {first['msg']}{more}"


def load_tools(path: Path) -> list[ToolSchema]:
    try:
        tools = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read tool schemas: {exc}") from None
    if not isinstance(tools, list) or not all(
        isinstance(t, dict) and isinstance(t.get("function"), dict) and "name" in t["function"] for t in tools
    ):
        raise ConfigError(f"{path}: expected a JSON list of {{'type': 'function', 'function': {{'name': ...}}}}")
    return tools


def _build_checks(where: str, specs: list[CheckSpec]) -> list[Check]:
    checks = []
    for check in specs:
        ((name, args),) = check.items()
        try:
            fn = build_scorer(name, **(args or {}))
        except ConfigError as exc:
            raise ConfigError(f"{where}: {exc}") from None
        checks.append(Check(name, dict(args or {}), fn))
    return checks


def _source_cases(path: Path, source: CaseSource) -> list[tuple[CaseSpec, CaseSource]]:
    from harness.loaders import get_loader

    loader = get_loader(source.loader)
    args = {
        k: (str(path.parent / v) if (k.endswith("_file") or k == "answers") and isinstance(v, str) else v)
        for k, v in source.args.items()
    }
    data_path = path.parent / source.path
    try:
        raw = loader(data_path, **args)
    except TypeError as exc:
        raise ConfigError(f"{path}: case source {source.loader!r}: bad args {source.args!r}: {exc}") from None
    out = []
    for i, item in enumerate(raw):
        try:
            out.append((CaseSpec.model_validate(item), source))
        except ValidationError as exc:
            raise ConfigError(_format_validation(f"{data_path} (case {i + 1})", exc)) from None
    return out


def load_suite(path: Path, judge: bool = False) -> Suite:
    """Load and validate ``suite.yaml`` at ``path``; every problem is a ConfigError naming the file.

    ``judge``: add the suite's ``judge_checks`` to every case (a judge model was given).
    """
    raw = load_yaml(path)
    try:
        spec = SuiteSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_validation(str(path), exc)) from None
    suite_tools = load_tools(path.parent / spec.tools_file) if spec.tools_file else []
    entries: list[tuple[CaseSpec, CaseSource | None]] = [(cs, None) for cs in spec.cases]
    for src in spec.case_sources:
        entries.extend(_source_cases(path, src))
    if not entries:
        raise ConfigError(f"{path}: the suite has no cases (add 'cases:' or 'case_sources:')")
    seen: set[str] = set()
    cases = []
    for cs, source in entries:
        if cs.id in seen:
            raise ConfigError(f"{path}: case id {cs.id!r} appears twice; ids must be unique in a suite")
        seen.add(cs.id)
        where = f"{path}: case {cs.id!r}"
        system_name = cs.system or spec.default_system
        messages: list[Message] = []
        if system_name is not None:
            if system_name not in spec.system_prompts:
                raise ConfigError(
                    f"{where} names system prompt {system_name!r}; defined: {', '.join(spec.system_prompts) or 'none'}"
                )
            messages.append({"role": "system", "content": spec.system_prompts[system_name].strip()})
        messages.extend(cs.history)
        messages.append({"role": "user", "content": cs.prompt})
        check_specs = [*cs.checks, *(source.checks if source else []), *spec.common_checks]
        if judge:
            check_specs += spec.judge_checks
        checks = _build_checks(where, check_specs)
        if cs.kind == "compression":
            try:
                validate_data(cs.data)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        elif cs.data:
            raise ConfigError(f"{where}: data is read by kind: compression cases only; remove it or set the kind")
        if cs.kind == "chat" and not checks:
            raise ConfigError(f"{where} has no checks; a case must judge something")
        if cs.tool_schemas is not None:
            tools = cs.tool_schemas
        else:
            tools = suite_tools if cs.tools else []
        case = Case(
            suite=spec.name,
            id=cs.id,
            category=cs.category,
            messages=messages,
            tools=tools,
            checks=checks,
            max_tokens=cs.max_tokens or spec.generation.max_tokens,
            stop=list(spec.generation.stop),
            system_name=system_name,
            notes=cs.notes,
            kind=cs.kind,
            data=dict(cs.data),
            requires=list(cs.requires),
            case_set=source.set if source else DEFAULT_SET,
        )
        for chk in checks:
            try:
                chk.fn.validate_case(case)
            except ConfigError as exc:
                raise ConfigError(f"{where}: {exc}") from None
        cases.append(case)
    judge_names = {recorded_check_name(name, args) for check in spec.judge_checks for name, args in check.items()}
    return Suite(
        spec.name,
        spec.version,
        path,
        spec.description,
        cases,
        dict(spec.system_prompts),
        spec.default_system,
        judge_names,
    )


def sample_key(seed: int, case: Case) -> str:
    """Where ``case`` falls in the fixed ``--limit`` sample of seed ``seed``: cases are taken in this order."""
    return hashlib.sha256(f"{seed}:{case.suite}:{case.id}".encode()).hexdigest()


def limit_sample(cases: Iterable[Case], limit: int, seed: int = 0) -> set[tuple[str, str]]:
    """``(suite, case id)`` of at most ``limit`` cases per suite and category, the same ones for the same seed:
    what ``pytest --limit N --sample-seed S`` runs (and the inspect tasks' ``per_category``)."""
    groups: dict[tuple[str, str], list[Case]] = {}
    for case in cases:
        groups.setdefault((case.suite, case.category), []).append(case)
    return {(c.suite, c.id) for g in groups.values() for c in sorted(g, key=lambda c: sample_key(seed, c))[:limit]}
