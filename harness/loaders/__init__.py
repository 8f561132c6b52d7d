"""Case loaders: turn an external data file into case dicts (validated like cases in ``suite.yaml``).

A suite names them under ``case_sources``::

    case_sources:
      - loader: bfcl
        path: data/BFCL_v4_simple_python.json
        args: {answers: data/possible_answer/BFCL_v4_simple_python.json, category: simple_python}
        set: default          # or e.g. "large": only run with --case-set large
        checks: []            # added to every case from this source

A loader is ``fn(path: Path, **args) -> list[dict]``; each dict has the keys of a case in ``suite.yaml``
(id, category, prompt, history, tool_schemas, checks, ...). Paths in ``args`` are relative to the suite file;
loaders receive them already resolved when the argument name ends in ``_file`` or is ``answers``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.registry import Registry
from harness.results import iter_jsonl

Loader = Callable[..., list[dict[str, Any]]]


def _load_builtin_loaders() -> None:
    import harness.loaders.builtin  # noqa: F401 - registers the built-in loaders


_LOADERS: Registry[Loader] = Registry("case loader", load=_load_builtin_loaders)


def case_loader(name: str) -> Callable[[Loader], Loader]:
    """Register ``fn`` as case loader ``name``; a duplicate name is a programming error."""

    def register(fn: Loader) -> Loader:
        return _LOADERS.add(name, fn)

    return register


def get_loader(name: str) -> Loader:
    """The case loader ``name``; an unknown name is a ConfigError with a "did you mean"."""
    return _LOADERS.get(name)


@case_loader("jsonl")
def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """One case per line, with the same keys as a case in suite.yaml."""
    return [value for _, value in iter_jsonl(path, error=ConfigError, what="case file", fix="one case per line")]
