"""What the ``inspect_ai`` entry point loads (pyproject's ``[project.entry-points.inspect_ai]``): the model
providers ``gguf/`` and ``scripted/``. The classes are imported only when inspect asks for one of them."""

from __future__ import annotations

from typing import Any

from inspect_ai.model import modelapi


@modelapi(name="gguf")
def gguf() -> Any:
    from evals.provider import GGUFModelAPI

    return GGUFModelAPI


@modelapi(name="scripted")
def scripted() -> Any:
    from evals.provider import ScriptedModelAPI

    return ScriptedModelAPI
