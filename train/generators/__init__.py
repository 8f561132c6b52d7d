"""Synthetic training data for the Pokkit and Josi suites: registered generators sampled by weight into chat examples.

``generate(n, seed=...)`` returns OpenAI-format Pokkit examples (system prompt of the persona, user turns, tool
calls with their results, a final reply in character) with all of the suite's tools attached;
``generate(n, seed=..., suite="josi")`` returns Josi coach conversations (no tools) whose replies pass the Josi
suite's checks. Generators register themselves with ``@generator``; :mod:`train.generators.pokkit` holds the
Pokkit ones, :mod:`train.generators.josi` the Josi ones, and :mod:`train.generators.diversity` measures how
varied a generator's replies are.
"""

from __future__ import annotations

from train.generators.dialogue import Dialogue
from train.generators.registry import (
    CATEGORIES,
    JOSI_CATEGORIES,
    PERSONAS,
    SUITES,
    Generator,
    generate,
    generator,
    generators,
)

__all__ = [
    "CATEGORIES",
    "JOSI_CATEGORIES",
    "PERSONAS",
    "SUITES",
    "Dialogue",
    "Generator",
    "generate",
    "generator",
    "generators",
]
