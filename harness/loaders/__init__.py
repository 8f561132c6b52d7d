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

import difflib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.results import iter_jsonl

Loader = Callable[..., list[dict[str, Any]]]
_LOADERS: dict[str, Loader] = {}


def case_loader(name: str) -> Callable[[Loader], Loader]:
    def register(fn: Loader) -> Loader:
        old = _LOADERS.get(name)
        if old is not None and (old.__module__, old.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"case loader {name!r} is registered twice")
        _LOADERS[name] = fn
        return fn

    return register


def get_loader(name: str) -> Loader:
    import harness.loaders.builtin  # noqa: F401 - registers the built-in loaders

    if name not in _LOADERS:
        close = difflib.get_close_matches(name, list(_LOADERS), n=1)
        hint = f" Did you mean: {close[0]}?" if close else ""
        raise ConfigError(f"Unknown case loader {name!r}.{hint} Available: {', '.join(sorted(_LOADERS))}")
    return _LOADERS[name]


@case_loader("jsonl")
def load_jsonl(path: Path) -> list[dict[str, Any]]:
    """One case per line, with the same keys as a case in suite.yaml."""
    return [value for _, value in iter_jsonl(path, error=ConfigError, what="case file", fix="one case per line")]
