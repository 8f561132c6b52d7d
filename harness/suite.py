"""Suites as versioned data: a ``suite.yaml`` with prompts, tools, generation settings and cases.

The YAML is validated with pydantic (unknown keys rejected), then resolved into ``Case`` objects
that carry everything a back end and a scorer need: the full message list, the tool schemas and the
instantiated checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import ConfigError
from harness.scoring import ScoreFn, build_scorer
from harness.types import Message, ToolSchema
from harness.yamlio import load_yaml


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GenerationSpec(_Strict):
    max_tokens: int = Field(200, gt=0, le=8192)
    stop: list[str] = Field(default_factory=list)


class CaseSpec(_Strict):
    id: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    category: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    prompt: str
    system: str | None = None  # name of an entry in the suite's system_prompts; None = the suite default
    history: list[dict[str, Any]] = Field(default_factory=list)  # earlier turns, before ``prompt``
    tools: bool = True  # offer the suite's tools to the model
    checks: list[dict[str, dict[str, Any] | None]]
    max_tokens: int | None = Field(None, gt=0, le=8192)
    notes: str = ""

    @field_validator("checks")
    @classmethod
    def _one_key_each(cls, checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for check in checks:
            if len(check) != 1:
                raise ValueError(f"each check is one mapping 'scorer_name: {{args}}', got {check!r}")
        return checks


class SuiteSpec(_Strict):
    name: str = Field(pattern=r"^[a-z0-9_]+$")
    version: str
    description: str = ""
    system_prompts: dict[str, str] = Field(default_factory=dict)
    default_system: str | None = None
    tools_file: str | None = None  # relative to the suite file, OpenAI-style tool schemas
    generation: GenerationSpec = Field(default_factory=lambda: GenerationSpec.model_validate({}))
    common_checks: list[dict[str, dict[str, Any] | None]] = Field(default_factory=list)  # applied to every case
    cases: list[CaseSpec]


@dataclass
class Check:
    name: str
    args: dict[str, Any]
    fn: ScoreFn


@dataclass
class Case:
    """A resolved case: ready to send to a back end and score."""

    suite: str
    id: str
    category: str
    messages: list[Message]
    tools: list[ToolSchema]
    checks: list[Check]
    max_tokens: int
    stop: list[str]
    system_name: str | None = None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def prompt(self) -> str:
        return str(self.messages[-1].get("content") or "")

    @property
    def tool_names(self) -> set[str]:
        return {t["function"]["name"] for t in self.tools}

    def tool_schema(self, name: str) -> ToolSchema | None:
        for tool in self.tools:
            if tool["function"]["name"] == name:
                return tool
        return None


@dataclass
class Suite:
    name: str
    version: str
    path: Path
    description: str
    cases: list[Case]


def _format_validation(path: Path, exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
    return f"{path}: {where}: {first['msg']}{more}"


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


def load_suite(path: Path) -> Suite:
    """Load and validate ``suite.yaml`` at ``path``; every problem is a ConfigError naming the file."""
    raw = load_yaml(path)
    try:
        spec = SuiteSpec.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_format_validation(path, exc)) from None
    tools = load_tools(path.parent / spec.tools_file) if spec.tools_file else []
    seen: set[str] = set()
    cases = []
    for cs in spec.cases:
        if cs.id in seen:
            raise ConfigError(f"{path}: case id {cs.id!r} appears twice; ids must be unique in a suite")
        seen.add(cs.id)
        system_name = cs.system or spec.default_system
        messages: list[Message] = []
        if system_name is not None:
            if system_name not in spec.system_prompts:
                raise ConfigError(
                    f"{path}: case {cs.id!r} names system prompt {system_name!r}; "
                    f"defined: {', '.join(spec.system_prompts) or 'none'}"
                )
            messages.append({"role": "system", "content": spec.system_prompts[system_name].strip()})
        messages.extend(cs.history)
        messages.append({"role": "user", "content": cs.prompt})
        checks = []
        for check in [*cs.checks, *spec.common_checks]:
            if len(check) != 1:
                raise ConfigError(f"{path}: each check is one mapping 'scorer_name: {{args}}', got {check!r}")
            ((name, args),) = check.items()
            try:
                fn = build_scorer(name, **(args or {}))
            except ConfigError as exc:
                raise ConfigError(f"{path}: case {cs.id!r}: {exc}") from None
            checks.append(Check(name, dict(args or {}), fn))
        case = Case(
            suite=spec.name,
            id=cs.id,
            category=cs.category,
            messages=messages,
            tools=tools if cs.tools else [],
            checks=checks,
            max_tokens=cs.max_tokens or spec.generation.max_tokens,
            stop=list(spec.generation.stop),
            system_name=system_name,
            notes=cs.notes,
        )
        for chk in checks:
            validate = getattr(chk.fn, "validate_case", None)
            if validate is not None:
                try:
                    validate(case)
                except ConfigError as exc:
                    raise ConfigError(f"{path}: case {cs.id!r}: {exc}") from None
        cases.append(case)
    return Suite(spec.name, spec.version, path, spec.description, cases)
