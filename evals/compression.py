"""Compression recall (multi-generation: a summary, then each question with the full and the compressed context,
run by the harness's own compression task): inspect eval evals/compression.py --model gguf/default
[--model-role summarizer=gguf/OTHER.gguf]"""

from inspect_ai import Task, task

from evals._harness import suite_task


@task
def compression(
    case_set: str = "default", per_category: int | None = None, sample_seed: int = 0, category: str | None = None
) -> Task:
    return suite_task("compression", case_set, per_category, sample_seed, category)
