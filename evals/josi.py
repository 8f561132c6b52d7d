"""Josi (running coach, no tools): inspect eval evals/josi.py --model gguf/default [-T case_set=large]"""

from inspect_ai import Task, task

from evals._harness import suite_task


@task
def josi(
    case_set: str = "default", per_category: int | None = None, sample_seed: int = 0, category: str | None = None
) -> Task:
    return suite_task("josi", case_set, per_category, sample_seed, category)
