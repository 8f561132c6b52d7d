"""The harness's suites as inspect-ai tasks (one file a suite) and the ``gguf/`` and ``scripted/`` model providers.

``inspect eval evals/pokkit.py --model gguf/default``: the same cases, prompts and scorers as
``pytest suites/pokkit --model default``. See evals._harness (tasks, solver, scorer), evals.provider and
evals.convert. harness never imports this package.
"""
