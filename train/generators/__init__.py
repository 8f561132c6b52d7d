"""Synthetic training data for the Pokkit suite: registered generators sampled by weight into chat examples.

``generate(n, seed=...)`` returns OpenAI-format examples (system prompt of the persona, user turns, tool
calls with their results, a final reply in character) with all of the suite's tools attached. Generators
register themselves with ``@generator``; :mod:`train.generators.pokkit` holds the Pokkit ones.
"""

from __future__ import annotations

from train.generators.dialogue import Dialogue
from train.generators.registry import (
    CATEGORIES,
    PERSONAS,
    Generator,
    generate,
    generator,
    generators,
)

__all__ = [
    "CATEGORIES",
    "PERSONAS",
    "Dialogue",
    "Generator",
    "generate",
    "generator",
    "generators",
]
