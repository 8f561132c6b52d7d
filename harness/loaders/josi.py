"""The Josi prompt set: one JSON object, category name -> list of user messages, turned into chat cases.

Each prompt becomes a case with id ``<category>_<index:04d>`` (the 0-based position in the file's list, so
ids are stable while the file is), the category sanitised to ``[a-z0-9_]``, the prompt as the user message
and no checks of its own: the suite's ``common_checks`` judge it. Categories named in
``pushback_categories`` (goals the coach must challenge) also get the ``pushback`` check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.loaders import case_loader


def sanitise_category(name: str) -> str:
    """Lowercase, runs of anything but ``[a-z0-9]`` become one ``_``, no ``_`` at the ends."""
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def read_prompts(path: Path) -> dict[str, list[str]]:
    """The file as ``{category: [prompt, ...]}``; a ConfigError naming the file if it has another shape."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the Josi prompts: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON at line {exc.lineno}: {exc.msg}") from None
    shape = "expected one JSON object mapping category names to lists of prompt strings"
    if not isinstance(data, dict) or not data:
        got = "an empty object" if data == {} else f"a JSON {type(data).__name__}"
        raise ConfigError(f"{path}: {shape}, got {got}")
    seen: dict[str, str] = {}
    for category, prompts in data.items():
        clean = sanitise_category(category)
        if not clean:
            raise ConfigError(f"{path}: category {category!r} has no letters or digits to name cases by")
        if clean in seen:
            raise ConfigError(f"{path}: categories {seen[clean]!r} and {category!r} both become {clean!r}")
        seen[clean] = category
        if not isinstance(prompts, list) or not prompts:
            raise ConfigError(f"{path}: category {category!r}: {shape}, got {prompts!r:.80}")
        for i, prompt in enumerate(prompts):
            if not isinstance(prompt, str) or not prompt.strip():
                raise ConfigError(
                    f"{path}: category {category!r}, prompt {i}: expected a non-empty string, got {prompt!r}"
                )
    return data


@case_loader("josi_prompts")
def load_josi_prompts(path: Path, pushback_categories: list[str] | None = None) -> list[dict[str, Any]]:
    """One chat case per prompt; the categories in ``pushback_categories`` also get the ``pushback`` check."""
    if pushback_categories is not None and (
        not isinstance(pushback_categories, list) or not all(isinstance(c, str) for c in pushback_categories)
    ):
        raise ConfigError(f"{path}: pushback_categories must be a list of category names, got {pushback_categories!r}")
    data = read_prompts(path)
    wanted = list(pushback_categories or [])
    unknown = [c for c in wanted if c not in data]
    if unknown:
        raise ConfigError(
            f"{path}: pushback_categories names {', '.join(map(repr, unknown))}, not in the file "
            f"(categories: {', '.join(data)})"
        )
    cases: list[dict[str, Any]] = []
    for category, prompts in data.items():
        clean = sanitise_category(category)
        checks: list[dict[str, Any]] = [{"pushback": {}}] if category in wanted else []
        for i, prompt in enumerate(prompts):
            cases.append(
                {
                    "id": f"{clean}_{i:04d}",
                    "category": clean,
                    "prompt": prompt,
                    "checks": [dict(c) for c in checks],
                    "notes": f"{path.name}: {category}[{i}]" + ("; the coach must push back" if checks else ""),
                }
            )
    return cases
