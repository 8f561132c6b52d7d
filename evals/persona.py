"""Persona (style, facts, provocation, thinking): inspect eval evals/persona.py --model gguf/default"""

from inspect_ai import Task, task

from evals._harness import suite_task


@task
def persona(
    case_set: str = "default", per_category: int | None = None, sample_seed: int = 0, category: str | None = None
) -> Task:
    return suite_task("persona", case_set, per_category, sample_seed, category)
