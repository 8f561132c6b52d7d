"""The generator registry and the sampler that turns registered generators into training examples.

A generator is a small function ``rng -> messages`` registered with a name, a sampling weight, the
evaluation categories it trains and the persona whose system prompt it is written for. ``generate`` draws
generators by weight and wraps their messages into chat examples: the persona's exact system prompt first,
and all of the suite's tool schemas, because the evaluation always offers every tool and the model must
learn to pick one out of all of them.

Every example is checked before it is returned with the trainer's own validator
(:func:`train.clean.validate_example`: the scorer's schema rules, one result per call), so a generator bug
surfaces as a :class:`~harness.errors.DataError` naming the generator instead of as a model trained on a
call the harness would mark wrong.
"""

from __future__ import annotations

import importlib
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from harness.errors import ConfigError, DataError
from harness.registry import Origin, Registry
from harness.suite import SuiteSpec, load_tools, suite_path
from harness.types import Message, ToolSchema
from harness.yamlio import load_yaml
from train.clean import validate_example

# The categories of suites/pokkit, the only values a generator's ``targets`` may name.
CATEGORIES: tuple[str, ...] = (
    "tool_call",
    "datetime",
    "emotional",
    "voice",
    "multi_step",
    "edge",
    "emoji",
    "pet",
    "sage",
    "rival",
)
PERSONAS: tuple[str, ...] = ("pokkit", "pet", "sage", "rival")
# Modules whose import registers generators; ``generators()`` imports them so callers never have to.
GENERATOR_MODULES: tuple[str, ...] = ("train.generators.pokkit",)

GeneratorFn = Callable[[random.Random], list[Message]]


@dataclass(frozen=True)
class Generator:
    name: str
    weight: float  # sampling weight, relative to the others
    targets: tuple[str, ...]  # the suite categories this generator trains
    persona: str  # which system prompt: pokkit | pet | sage | rival
    fn: GeneratorFn  # returns the messages after the system message


def _import_generator_modules() -> None:
    for module in GENERATOR_MODULES:
        importlib.import_module(module)


def _clash(name: str, old: Origin, new: Origin) -> str:
    return f"generator {name!r} is registered twice ({'.'.join(old)}, {'.'.join(new)}); generator names must be unique"


_REGISTRY: Registry[Generator] = Registry("generator", load=_import_generator_modules, clash=_clash)


def generator(
    name: str, *, weight: float, targets: Sequence[str], persona: str = "pokkit"
) -> Callable[[GeneratorFn], GeneratorFn]:
    """Register ``fn`` as generator ``name``; a duplicate name, unknown target or persona is a ValueError."""
    if not math.isfinite(weight) or weight < 0:
        raise ValueError(f"generator {name!r}: weight must be a finite number >= 0, got {weight!r}")
    unknown = [t for t in targets if t not in CATEGORIES]
    if not targets or unknown:
        raise ValueError(f"generator {name!r}: targets must be non-empty and among {', '.join(CATEGORIES)}")
    if persona not in PERSONAS:
        raise ValueError(f"generator {name!r}: persona {persona!r} is not one of {', '.join(PERSONAS)}")

    def register(fn: GeneratorFn) -> GeneratorFn:
        _REGISTRY.add(name, Generator(name, float(weight), tuple(targets), persona, fn), origin=fn)
        return fn

    return register


def generators() -> dict[str, Generator]:
    """Every registered generator by name (importing the modules that register them)."""
    return _REGISTRY.all()


def _load_suite() -> tuple[list[ToolSchema], dict[str, str]]:
    """The suite's tool schemas (its ``tools_file``) and system prompts by persona, stripped as the eval sends them.

    Only the suite's schema is validated: building the scorers of its cases would be most of the time.
    """
    suite_file = suite_path("pokkit")
    try:
        spec = SuiteSpec.model_validate(load_yaml(suite_file))
    except ValidationError as exc:
        raise ConfigError(f"{suite_file}: not a valid suite: {exc.errors()[0]['msg']}") from None
    if spec.tools_file is None:
        raise ConfigError(f"{suite_file}: no tools_file; every generated example carries the suite's tools")
    prompts = {name: text.strip() for name, text in spec.system_prompts.items()}
    return load_tools(suite_file.parent / spec.tools_file), prompts


def _resolve_weights(gens: Mapping[str, Generator], overrides: Mapping[str, float] | None) -> dict[str, float]:
    table = {name: g.weight for name, g in gens.items()}
    for name, weight in (overrides or {}).items():
        if name not in table:
            raise ValueError(f"weights names unknown generator {name!r}; known: {', '.join(sorted(table))}")
        if not math.isfinite(weight) or weight < 0:
            raise ValueError(f"weight of generator {name!r} must be a finite number >= 0, got {weight!r}")
        table[name] = float(weight)
    active = {name: w for name, w in sorted(table.items()) if w > 0}
    if not active:
        raise ValueError("every generator has weight 0, so there is nothing to sample")
    return active


def _check_messages(messages: list[Message], tools: list[ToolSchema]) -> str | None:
    """Why ``messages`` (after the system prompt) is not a well-formed tool-calling dialogue, or None.

    The trainer's validator judges the turns and calls; a generator must also open with the user and end
    on a reply in prose, which is what the model learns to say.
    """
    if not messages or messages[0].get("role") != "user":
        return "the dialogue must start with a user message"
    last = messages[-1]
    if last.get("role") != "assistant" or last.get("tool_calls") or not str(last.get("content") or "").strip():
        return "the dialogue must end with an assistant reply in prose"
    return validate_example({"messages": messages, "tools": tools})


def generate(n: int, *, seed: int = 0, weights: Mapping[str, float] | None = None) -> list[dict[str, Any]]:
    """``n`` examples drawn by weight, the same for the same ``seed`` (only a private Random is used).

    ``weights`` overrides registered weights by generator name; 0 turns a generator off. An unknown name
    is a ValueError, so a typo cannot silently leave the default mix in place.

    The suite is read once per call, and the examples of one call share its list of tool schemas (copying
    15 schemas into thousands of examples made generation eight times slower); treat ``example["tools"]``
    as read-only.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    gens = generators()
    active = _resolve_weights(gens, weights)
    tools, system_prompts = _load_suite()
    missing = {gens[name].persona for name in active} - set(system_prompts)
    if missing:
        raise DataError(f"the suite has no system prompt for persona(s) {', '.join(sorted(missing))}")
    rng = random.Random(seed)
    names, mass = list(active), list(active.values())
    examples = []
    for _ in range(n):
        gen = gens[rng.choices(names, weights=mass)[0]]
        messages = gen.fn(rng)
        problem = _check_messages(messages, tools)
        if problem:
            raise DataError(f"generator {gen.name!r} wrote a bad example: {problem}")
        examples.append(
            {
                "messages": [{"role": "system", "content": system_prompts[gen.persona]}, *messages],
                "tools": tools,
                "category": gen.name,
                "targets": list(gen.targets),
                "persona": gen.persona,
                "generator": gen.name,
            }
        )
    return examples
