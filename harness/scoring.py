"""Scorer registry: small factories registered by name, each instance remembering its arguments.

A scorer factory takes keyword arguments from a suite file and returns a function
``(case, completion) -> Score``. ``build_scorer("short", max_words=80)`` gives that function; the
``Score`` it returns carries the scorer's name and arguments so a result says exactly what judged it.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from harness.errors import ConfigError
from harness.types import Completion, Score

if TYPE_CHECKING:
    from harness.suite import Case

ScoreFn = Callable[..., Score]  # (case, completion) -> Score, or (case, completion, ctx) when needs_context


@dataclass
class ScoringContext:
    """Helper models a case may use beyond the model under test: the judge (``--judge``) and the
    summariser of compression cases (``--summarizer``). Both are harness.backends.Backend or None."""

    judge: Any = None
    summarizer: Any = None


Factory = Callable[..., ScoreFn]


@dataclass(frozen=True)
class ScorerInfo:
    name: str
    factory: Factory
    description: str
    higher_is_better: bool = True


_REGISTRY: dict[str, ScorerInfo] = {}


def scorer(name: str, *, higher_is_better: bool = True) -> Callable[[Factory], Factory]:
    """Register a scorer factory under ``name``; a duplicate name is a programming error."""

    def register(factory: Factory) -> Factory:
        old = _REGISTRY.get(name)
        # The same factory imported again (a module reload) replaces itself; another one is a clash.
        if old is not None and (old.factory.__module__, old.factory.__qualname__) != (
            factory.__module__,
            factory.__qualname__,
        ):
            raise ValueError(f"scorer {name!r} is registered twice ({old.factory.__module__}, {factory.__module__})")
        doc = inspect.getdoc(factory) or ""
        _REGISTRY[name] = ScorerInfo(name, factory, doc.splitlines()[0] if doc else "", higher_is_better)
        return factory

    return register


def _load_builtin_scorers() -> None:
    # Importing the package registers the built-in scorers.
    import harness.scorers  # noqa: F401


def registered_scorers() -> dict[str, ScorerInfo]:
    _load_builtin_scorers()
    return dict(_REGISTRY)


def scorer_info(name: str) -> ScorerInfo:
    """The registered scorer ``name``; an unknown name is a ConfigError with a "did you mean"."""
    _load_builtin_scorers()
    info = _REGISTRY.get(name)
    if info is None:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=1)
        hint = f" Did you mean: {close[0]}?" if close else ""
        raise ConfigError(f"Unknown scorer {name!r}.{hint} Available: {', '.join(sorted(_REGISTRY))}")
    return info


def build_scorer(name: str, **kwargs: Any) -> ScoreFn:
    """Instantiate scorer ``name`` with ``kwargs``; unknown names and bad arguments are ConfigErrors."""
    info = scorer_info(name)
    try:
        inspect.signature(info.factory).bind(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"scorer {name!r}: bad arguments {kwargs!r}: {exc}") from None
    fn = info.factory(**kwargs)

    needs_context = bool(getattr(fn, "needs_context", False))

    def named(case: Case, completion: Completion, ctx: ScoringContext | None = None) -> Score:
        out = fn(case, completion, ctx) if needs_context else fn(case, completion)
        # A scorer may qualify its name ("judge.warmth"); anything else is the registered name.
        final = out.name if out.name.startswith(f"{name}.") else name
        return replace(out, name=final, args=dict(kwargs))

    named.__name__ = name
    # A scorer may check a case at suite-load time (e.g. that an expected tool is offered at all).
    named.validate_case = getattr(fn, "validate_case", None)  # type: ignore[attr-defined]
    return named
