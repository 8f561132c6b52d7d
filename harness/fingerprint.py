"""Fingerprints of what decides a verdict: the scoring code and each suite's files.

Two runs scored by different scorer code can differ with neither model changing: one version of
``no_repetition`` passed a reply of 53 frog emojis, the next failed it. Every manifest records these
hashes, so ``harness compare`` can say when a difference may come from the scorers rather than the models.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

HARNESS_DIR = Path(__file__).parent
# the code between a model's text and a verdict: the scorers, the registry, the tool-call parser, the case
# runner (a case passes when all its checks do) and the multi-step tasks that score themselves (compression)
SCORING_CODE = ("scorers", "scoring.py", "parsing.py", "runner.py", "tasks", "types.py")


def _files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    return [p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"]


def tree_sha256(paths: Iterable[Path], root: Path) -> str:
    """sha256 over the files under ``paths`` (relative name and bytes), in a fixed order."""
    digest = hashlib.sha256()
    for file in sorted({f for p in paths for f in _files(p)}, key=lambda f: f.relative_to(root).as_posix()):
        digest.update(file.relative_to(root).as_posix().encode() + b"\0")
        digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()


@lru_cache(maxsize=1)
def scoring_code_sha256() -> str:
    """The hash of the harness's scoring code as installed now."""
    return tree_sha256((HARNESS_DIR / name for name in SCORING_CODE), HARNESS_DIR)


def suite_sha256(suite_file: Path) -> str:
    """The hash of a suite's folder: its suite.yaml, case and data files."""
    folder = suite_file.parent
    return tree_sha256([folder], folder)
