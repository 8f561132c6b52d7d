"""The generator registry and the sampler that turns registered generators into training examples.

A generator is a small function ``rng -> messages`` registered with a name, a sampling weight, the suite it
writes for (``pokkit`` or ``josi``), that suite's evaluation categories it trains and the persona whose system
prompt it is written for. ``generate(n, suite=...)`` draws one suite's generators by weight and wraps their
messages into chat examples: the persona's exact system prompt first (read from the suite, stripped as the
eval sends it), then, for Pokkit, all of the suite's tool schemas, because the evaluation always offers every
tool and the model must learn to pick one out of all of them. Josi's cases offer no tools, so its examples
carry ``tools: []``, the shape :func:`train.josi.prepare_josi` writes.

Every example is checked before it is returned with the trainer's own validator
(:func:`train.clean.validate_example`: the scorer's schema rules, one result per call), so a generator bug
surfaces as a :class:`~harness.errors.DataError` naming the generator instead of as a model trained on a
call the harness would mark wrong. A Josi example's replies are also scored with the suite's own checks
(its ``common_checks``, plus the generator's ``checks`` such as ``pushback``) and held to the trainer's
word limit: a reply the evaluation would fail is never training data.
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
from harness.parsing import finish
from harness.registry import Origin, Registry
from harness.scorers.text import count_words
from harness.scoring import BuiltScorer, build_scorer
from harness.suite import SuiteSpec, load_tools, suite_path
from harness.types import Case, Completion, Message, ToolSchema
from harness.yamlio import load_yaml
from train.clean import validate_example
from train.config import DEFAULT_WORD_LIMIT

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
# The categories of suites/josi: its 50 cases (the first ten) and the large set of 1,031 prompts (all 15).
JOSI_CATEGORIES: tuple[str, ...] = (
    "beginner",
    "easy_day_frustration",
    "fatigue",
    "general",
    "motivation",
    "overtraining",
    "readiness",
    "recovery",
    "unrealistic_goals",
    "zones",
    "injury_pain",
    "nutrition",
    "race_prep",
    "weather",
    "equipment",
)
# Per suite: the categories a generator's ``targets`` may name and the personas (system prompts) it may use.
SUITE_CATEGORIES: dict[str, tuple[str, ...]] = {"pokkit": CATEGORIES, "josi": JOSI_CATEGORIES}
SUITE_PERSONAS: dict[str, tuple[str, ...]] = {"pokkit": PERSONAS, "josi": ("josi",)}
SUITES: tuple[str, ...] = tuple(SUITE_CATEGORIES)
# The Josi common checks an earlier reply of a dialogue must pass too: what a reply says (no internals, jargon,
# deflection, other persona); warmth, brevity and a follow-up question are asked of the final reply only.
EARLIER_REPLY_CHECKS = frozenset({"forbidden_words", "jargon", "no_deflection", "stays_in_character", "banned_phrases"})
# Modules whose import registers generators; ``generators()`` imports them so callers never have to.
GENERATOR_MODULES: tuple[str, ...] = ("train.generators.pokkit", "train.generators.josi")

GeneratorFn = Callable[[random.Random], list[Message]]
# An extra scorer run on a generator's final reply: its name, or (name, arguments) as a suite's checks give them.
CheckArg = str | tuple[str, Mapping[str, Any]]


@dataclass(frozen=True)
class Generator:
    name: str
    weight: float  # sampling weight, relative to the others
    targets: tuple[str, ...]  # the suite categories this generator trains
    persona: str  # which system prompt: pokkit | pet | sage | rival (pokkit), josi (josi)
    fn: GeneratorFn  # returns the messages after the system message
    suite: str = "pokkit"  # the suite it writes for: its categories, system prompts and checks
    # Scorers its final reply must pass besides the suite's common checks (Josi): (name, arguments)
    checks: tuple[tuple[str, Mapping[str, Any]], ...] = ()


def _import_generator_modules() -> None:
    for module in GENERATOR_MODULES:
        importlib.import_module(module)


def _clash(name: str, old: Origin, new: Origin) -> str:
    return f"generator {name!r} is registered twice ({'.'.join(old)}, {'.'.join(new)}); generator names must be unique"


_REGISTRY: Registry[Generator] = Registry("generator", load=_import_generator_modules, clash=_clash)


def _check_arg(name: str, check: CheckArg) -> tuple[str, Mapping[str, Any]]:
    if isinstance(check, str):
        return check, {}
    if isinstance(check, tuple) and len(check) == 2 and isinstance(check[0], str) and isinstance(check[1], Mapping):
        return check[0], dict(check[1])
    raise ValueError(f"generator {name!r}: a check is a scorer name or (name, arguments), got {check!r}")


def generator(
    name: str,
    *,
    weight: float,
    targets: Sequence[str],
    persona: str | None = None,
    suite: str = "pokkit",
    checks: Sequence[CheckArg] = (),
) -> Callable[[GeneratorFn], GeneratorFn]:
    """Register ``fn`` as generator ``name`` of ``suite``; a duplicate name, an unknown suite, a target that is
    not one of that suite's categories or a persona it has no system prompt for is a ValueError.

    ``persona`` defaults to the suite's first (``pokkit``, ``josi``). ``checks`` names scorers the final reply
    must pass besides the suite's common checks (Josi only: ``pushback`` for unrealistic goals).
    """
    if suite not in SUITES:
        raise ValueError(f"generator {name!r}: suite {suite!r} is not one of {', '.join(SUITES)}")
    categories, personas = SUITE_CATEGORIES[suite], SUITE_PERSONAS[suite]
    persona = personas[0] if persona is None else persona
    if not math.isfinite(weight) or weight < 0:
        raise ValueError(f"generator {name!r}: weight must be a finite number >= 0, got {weight!r}")
    unknown = [t for t in targets if t not in categories]
    if not targets or unknown:
        raise ValueError(
            f"generator {name!r}: targets must be non-empty and among the {suite} categories {', '.join(categories)}"
        )
    if persona not in personas:
        raise ValueError(f"generator {name!r}: persona {persona!r} is not one of {', '.join(personas)}")
    extra = tuple(_check_arg(name, c) for c in checks)
    if extra and suite != "josi":
        raise ValueError(f"generator {name!r}: checks are run for Josi generators only")

    def register(fn: GeneratorFn) -> GeneratorFn:
        gen = Generator(name, float(weight), tuple(targets), persona, fn, suite, extra)
        _REGISTRY.add(name, gen, origin=fn)
        return fn

    return register


def generators(suite: str | None = "pokkit") -> dict[str, Generator]:
    """The registered generators of ``suite`` by name (``None``: of every suite), importing the modules that
    register them. The default is Pokkit's, which ``generate`` samples when no suite is named."""
    if suite is not None and suite not in SUITES:
        raise ValueError(f"suite {suite!r} has no generators; known: {', '.join(SUITES)}")
    return {name: g for name, g in _REGISTRY.all().items() if suite is None or g.suite == suite}


@dataclass(frozen=True)
class _SuiteData:
    tools: list[ToolSchema]  # every example's tool schemas (Josi: none)
    prompts: dict[str, str]  # system prompt by persona, stripped as the eval sends it
    common_checks: list[tuple[str, dict[str, Any]]]  # (scorer, arguments) every case of the suite gets


def _load_suite(suite: str = "pokkit") -> _SuiteData:
    """The suite's tool schemas (Pokkit's ``tools_file``), system prompts by persona and common checks.

    Only the suite's schema is validated: building the scorers of its cases would be most of the time.
    """
    suite_file = suite_path(suite)
    try:
        spec = SuiteSpec.model_validate(load_yaml(suite_file))
    except ValidationError as exc:
        raise ConfigError(f"{suite_file}: not a valid suite: {exc.errors()[0]['msg']}") from None
    prompts = {name: text.strip() for name, text in spec.system_prompts.items()}
    checks = [(name, dict(args or {})) for check in spec.common_checks for name, args in check.items()]
    if suite == "josi":
        return _SuiteData([], prompts, checks)
    if spec.tools_file is None:
        raise ConfigError(f"{suite_file}: no tools_file; every generated example carries the suite's tools")
    return _SuiteData(load_tools(suite_file.parent / spec.tools_file), prompts, checks)


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


def _josi_scorers(
    common: Sequence[tuple[str, Mapping[str, Any]]], extra: Sequence[tuple[str, Mapping[str, Any]]]
) -> tuple[list[BuiltScorer], list[BuiltScorer]]:
    """(the final reply's scorers: the suite's common checks and the generator's own; an earlier reply's: the
    common checks of what a reply says, since an engine decision such as "Today: rest day." is terse by design)."""
    final = [build_scorer(name, **dict(args)) for name, args in [*common, *extra]]
    earlier = [build_scorer(name, **dict(args)) for name, args in common if name in EARLIER_REPLY_CHECKS]
    return final, earlier


def _josi_problem(
    messages: list[Message], system: str, final: Sequence[BuiltScorer], earlier: Sequence[BuiltScorer]
) -> str | None:
    """Why a Josi dialogue would fail the suite (a scorer's reason, or a reply over the word limit), or None.

    Each reply is scored as the suite scores one: the case's messages are the system prompt and every turn
    before it, and the completion ended on its own.
    """
    last = len(messages) - 1
    for i, msg in enumerate(messages):
        if msg.get("role") != "assistant":
            continue
        text = str(msg.get("content") or "")
        if i == last and count_words(text) > DEFAULT_WORD_LIMIT:
            return f"message {i} has {count_words(text)} words, over the {DEFAULT_WORD_LIMIT}-word limit"
        case = Case(
            suite="josi",
            id="generated",
            category="generated",
            messages=[{"role": "system", "content": system}, *messages[:i]],
            tools=[],
            checks=[],
            max_tokens=1,
            stop=[],
        )
        completion = finish(Completion(text=text))
        for fn in final if i == last else earlier:
            score = fn(case, completion)
            if not score.passed:
                return f"message {i} fails {score.name}: {score.reason}: {text!r}"
    return None


def generate(
    n: int, *, seed: int = 0, weights: Mapping[str, float] | None = None, suite: str = "pokkit"
) -> list[dict[str, Any]]:
    """``n`` examples of ``suite``'s generators drawn by weight, the same for the same ``seed`` (only a private
    Random is used).

    ``weights`` overrides registered weights by generator name; 0 turns a generator off. An unknown name
    (or one of another suite) is a ValueError, so a typo cannot silently leave the default mix in place.

    The suite is read once per call, and the examples of one call share its list of tool schemas (copying
    15 schemas into thousands of examples made generation eight times slower); treat ``example["tools"]``
    as read-only. Josi examples carry ``tools: []`` and every reply is scored with the suite's checks; a
    failure is a DataError naming the generator.
    """
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    gens = generators(suite)
    active = _resolve_weights(gens, weights)
    data = _load_suite(suite)
    tools, system_prompts = data.tools, data.prompts
    missing = {gens[name].persona for name in active} - set(system_prompts)
    if missing:
        raise DataError(f"the suite has no system prompt for persona(s) {', '.join(sorted(missing))}")
    scorers = {name: _josi_scorers(data.common_checks, gens[name].checks) for name in active} if suite == "josi" else {}
    rng = random.Random(seed)
    names, mass = list(active), list(active.values())
    examples = []
    for _ in range(n):
        gen = gens[rng.choices(names, weights=mass)[0]]
        messages = gen.fn(rng)
        problem = _check_messages(messages, tools)
        if problem is None and gen.name in scorers:
            problem = _josi_problem(messages, system_prompts[gen.persona], *scorers[gen.name])
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
