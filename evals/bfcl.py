"""BFCL function calling (1,240 cases; try -T per_category=5): inspect eval evals/bfcl.py --model gguf/default"""

from inspect_ai import Task, task

from evals._harness import suite_task


@task
def bfcl(
    case_set: str = "default", per_category: int | None = None, sample_seed: int = 0, category: str | None = None
) -> Task:
    return suite_task("bfcl", case_set, per_category, sample_seed, category)
