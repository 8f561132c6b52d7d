"""Pokkit (phone assistant, 15 tools): inspect eval evals/pokkit.py --model gguf/default"""

from inspect_ai import Task, task

from evals._harness import suite_task


@task
def pokkit(
    case_set: str = "default", per_category: int | None = None, sample_seed: int = 0, category: str | None = None
) -> Task:
    return suite_task("pokkit", case_set, per_category, sample_seed, category)
