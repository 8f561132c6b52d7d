"""Scorer registry: small factories registered by name, each instance remembering its arguments.

A scorer factory takes keyword arguments from a suite file and returns either a plain function
``(case, completion) -> Score`` or, when the scorer needs more, a ``ScorerSpec``: a function that also takes
the ``ScoringContext`` (``needs_context``, e.g. the judge) and/or a check of the case at suite-load time
(``validate_case``, e.g. that an expected tool is offered at all). ``build_scorer("short", max_words=80)``
gives a ``BuiltScorer``, called as ``(case, completion)`` or ``(case, completion, ctx)``; the ``Score`` it
returns carries the scorer's name and arguments so a result says exactly what judged it.
"""

from __future__ import annotations

import inspect
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from harness.errors import ConfigError, HarnessError
from harness.parsing import finish
from harness.registry import Registry
from harness.types import Completion, Score

if TYPE_CHECKING:
    from harness.types import Case

ScoreFn = Callable[..., Score]  # (case, completion) -> Score, or (case, completion, ctx) in a ScorerSpec that needs it


@dataclass
class ScoringContext:
    """Helper models a case may use beyond the model under test: the judge (``--judge``) and the
    summariser of compression cases (``--summarizer``). Both are harness.backends.Backend or None."""

    judge: Any = None
    summarizer: Any = None


@dataclass(frozen=True)
class ScorerSpec:
    """What a factory returns when a plain ``(case, completion) -> Score`` is not all of its scorer.

    ``needs_context``: ``fn`` is called as ``(case, completion, ctx)`` with the run's ``ScoringContext`` (or
    None). ``validate_case``: called once per case when a suite loads; it raises ConfigError for a case the
    scorer cannot judge (an expected tool the case does not offer). Calling a spec calls ``fn``, so what a
    factory returns is a scorer function either way."""

    fn: ScoreFn
    needs_context: bool = False
    validate_case: Callable[[Case], None] | None = None

    def __call__(self, *args: Any) -> Score:
        return self.fn(*args)


Factory = Callable[..., ScoreFn | ScorerSpec]


@dataclass(frozen=True, eq=False)
class BuiltScorer:
    """A registered scorer built with its arguments (``build_scorer``): call it to score a reply."""

    name: str
    args: dict[str, Any]
    spec: ScorerSpec

    def __call__(self, case: Case, completion: Completion, ctx: ScoringContext | None = None) -> Score:
        spec = self.spec
        out = spec.fn(case, completion, ctx) if spec.needs_context else spec.fn(case, completion)
        # A scorer may qualify its name ("judge.warmth"); anything else is the registered name.
        final = out.name if out.name.startswith(f"{self.name}.") else self.name
        return replace(out, name=final, args=dict(self.args))

    def validate_case(self, case: Case) -> None:
        """Check at suite-load time that this scorer can judge ``case``; a ConfigError says why not."""
        if self.spec.validate_case is not None:
            self.spec.validate_case(case)


@dataclass(frozen=True)
class ScorerInfo:
    name: str
    factory: Factory
    description: str


def _load_builtin_scorers() -> None:
    # Importing the package registers the built-in scorers.
    import harness.scorers  # noqa: F401


_REGISTRY: Registry[ScorerInfo] = Registry("scorer", load=_load_builtin_scorers)


def scorer(name: str) -> Callable[[Factory], Factory]:
    """Register a scorer factory under ``name``; a duplicate name is a programming error."""

    def register(factory: Factory) -> Factory:
        doc = inspect.getdoc(factory) or ""
        _REGISTRY.add(name, ScorerInfo(name, factory, doc.splitlines()[0] if doc else ""), origin=factory)
        return factory

    return register


def registered_scorers() -> dict[str, ScorerInfo]:
    """Every registered scorer by name, the built-in ones included."""
    return _REGISTRY.all()


def scorer_info(name: str) -> ScorerInfo:
    """The registered scorer ``name``; an unknown name is a ConfigError with a "did you mean"."""
    return _REGISTRY.get(name)


def build_scorer(name: str, **kwargs: Any) -> BuiltScorer:
    """Instantiate scorer ``name`` with ``kwargs``; unknown names and bad arguments are ConfigErrors."""
    info = scorer_info(name)
    try:
        inspect.signature(info.factory).bind(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"scorer {name!r}: bad arguments {kwargs!r}: {exc}") from None
    made = info.factory(**kwargs)
    return BuiltScorer(name, dict(kwargs), made if isinstance(made, ScorerSpec) else ScorerSpec(made))


# ---------------------------------------------------------------------------------------------------------------
# applying a case's checks to a reply (the runner, the compression task and calibration share these)


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


class ReplyCrashed(RuntimeError):
    """Parsing or scoring a reply raised: a bug in the harness that this reply exposed. ``run_case`` turns it
    into an ``error`` record (which counts toward ``max_error_rate``) instead of losing the case."""


# Longest exception text kept in an error record (a crash message may quote the whole reply).
_ERROR_LIMIT = 300


def crash_text(exc: BaseException) -> str:
    """``exc`` as one line for an error record, cut to the record's limit."""
    text = format_exception(exc)
    return text if len(text) <= _ERROR_LIMIT else text[: _ERROR_LIMIT - 3] + "..."


def parse_reply(completion: Completion) -> Completion:
    """``harness.parsing.finish`` on a generated reply; anything it raises becomes a :class:`ReplyCrashed`."""
    try:
        return finish(completion)
    except Exception as exc:  # any parser bug on any reply: the case becomes an error record
        raise ReplyCrashed(f"the parser crashed on the reply: {crash_text(exc)}") from exc


def score_case(case: Case, completion: Completion, ctx: ScoringContext | None = None) -> list[Score]:
    """Apply every check. A check that raises is a bug in its scorer: :class:`ReplyCrashed` naming the scorer
    and the exception. A HarnessError (a judge check without ``--judge``, a judge model that failed) passes
    through unchanged."""
    scores = []
    for check in case.checks:
        try:
            scores.append(check.fn(case, completion, ctx))
        except HarnessError:
            raise
        except Exception as exc:  # a scorer bug on this reply: the case becomes an error record
            raise ReplyCrashed(f"scorer {check.name!r} crashed on the reply: {crash_text(exc)}") from exc
    return scores


def outcome_fields(scores: Sequence[Score]) -> dict[str, Any]:
    """The verdict fields of a scored record, in the order they are written: ``outcome``, ``passed``,
    ``error`` (None) and ``checks``; a case passes when every check does."""
    passed = all(s.passed for s in scores)
    return {"outcome": "passed" if passed else "failed", "passed": passed, "error": None,
            "checks": [s.to_dict() for s in scores]}  # fmt: skip
