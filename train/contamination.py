"""Contamination check: no training example may contain an evaluation prompt, exactly or nearly.

Every user turn of every case in ``suites/`` (the large Josi set and BFCL included, compression
conversations and questions too) is an evaluation text, and so is every labelled reply of the suites'
calibration files (``suites/<suite>/calibration.yaml``, see ``harness.calibrate``) of at least
:data:`MIN_REPLY_WORDS` words: a model trained on them would make the rule checks look right on exactly the
replies that measure them. A shorter reply ("Ribbit! 🐸", "Hi! 📚 What are you reading?") is a stock phrase
that any training reply may say, not a copy of the calibration set, and matching it would refuse clean data.
A training example is contaminated when one of
its user or assistant turns

- equals an evaluation text after normalisation (lowercase, punctuation dropped), or
- contains a near-duplicate of one: at least ``threshold`` of the evaluation text's word ``n``-grams occur
  in the turn (texts shorter than ``n`` words use one gram of their own length, so they must appear whole).

Texts shorter than ``min_words`` words ("hi", "thanks!") are matched exactly only: as substrings they
would flag every friendly greeting. System prompts are not checked: training on the persona's own
system prompt is how the eval is meant to be passed.

The loop runs this before every training round and stops with :class:`ContaminationError` (exit 3).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.calibrate import calibration_path, load_calibration
from harness.errors import ConfigError, ContaminationError, DataError
from harness.suite import load_suite
from harness.suite import suites_root as suites_root_default

_WORD = re.compile(r"[a-z0-9]+")
# Calibration replies shorter than this (the default n-gram size) are stock phrases, not evaluation texts.
MIN_REPLY_WORDS = 8
_NO_TEXTS = (
    "contamination check: no evaluation texts found ({where}), so it cannot tell clean data from contaminated; "
    "run it from a source checkout (pip install -e .) that has the suites/ directory"
)


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("'", ""))


@dataclass(frozen=True)
class EvalText:
    source: str  # "suite/case_id", or "suite/calibration/check/item" for a calibration reply
    text: str


@dataclass(frozen=True)
class Hit:
    example: int  # index in the checked list
    category: str
    source: str
    overlap: float  # share of the eval text's n-grams found in the turn (1.0 for exact)
    eval_text: str
    train_text: str
    exact: bool = False

    def describe(self) -> str:
        how = "exact copy" if self.exact else f"{self.overlap:.0%} of its word n-grams"
        return f"example {self.example} ({self.category}) contains {self.source} ({how}): {self.eval_text[:80]!r}"


@dataclass
class ContaminationReport:
    checked: int
    eval_texts: int
    hits: list[Hit] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.hits

    def raise_if_contaminated(self, where: str = "training data") -> None:
        if self.clean:
            return
        shown = "; ".join(h.describe() for h in self.hits[:3])
        more = f" (and {len(self.hits) - 3} more)" if len(self.hits) > 3 else ""
        raise ContaminationError(
            f"{where}: {len(self.hits)} example(s) contain evaluation prompts: {shown}{more}. "
            "Remove them (or fix the generator that wrote them); training on eval prompts makes the scores meaningless"
        )


def _strings(value: Any) -> Iterable[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _root(suites_root: Path | None) -> Path:
    """``suites_root``, or the one :func:`harness.suite.suites_root` finds; finding none is the DataError below."""
    if suites_root is not None:
        return suites_root
    try:
        return suites_root_default()
    except ConfigError as exc:
        raise DataError(_NO_TEXTS.format(where=str(exc))) from None


def collect_eval_texts(suites_root: Path | None = None) -> list[EvalText]:
    """Every user-side text of every suite under ``suites_root`` (all case sets), and every reply of at least
    :data:`MIN_REPLY_WORDS` words in the suites' calibration files (a malformed calibration file is a
    ConfigError, never a file left out).

    Finding none is a DataError, never an empty list: checking against nothing would call any data clean
    (as it did for an installed package, which has no ``suites/`` beside it)."""
    texts: list[EvalText] = []
    suites_root = _root(suites_root)
    paths = sorted(suites_root.glob("*/suite.yaml"))
    if not paths:
        raise DataError(_NO_TEXTS.format(where=f"no suite.yaml under {suites_root}"))
    for path in paths:
        suite = load_suite(path)
        for case in suite.cases:
            source = f"{suite.name}/{case.id}"
            for msg in case.messages:
                if msg.get("role") == "user" and msg.get("content"):
                    texts.append(EvalText(source, str(msg["content"])))
            for text in _strings(case.data):  # compression conversations and questions
                if len(words(text)) >= 3:
                    texts.append(EvalText(source, text))
        calibration = calibration_path(suite)
        if calibration.is_file():
            for items in load_calibration(calibration, suite).values():
                texts.extend(EvalText(i.source, i.reply) for i in items if len(words(i.reply)) >= MIN_REPLY_WORDS)
    if not texts:
        raise DataError(_NO_TEXTS.format(where=f"the suites under {suites_root} hold no user prompt"))
    return texts


def _grams(tokens: Sequence[str], n: int) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


class ContaminationIndex:
    """Evaluation texts indexed by word n-grams, so checking thousands of examples stays fast."""

    def __init__(self, texts: Sequence[EvalText], n: int = 8, threshold: float = 0.5, min_words: int = 4) -> None:
        if n < 2 or not 0 < threshold <= 1 or min_words < 1:
            raise ValueError("need n >= 2, 0 < threshold <= 1 and min_words >= 1")
        self.texts = list(texts)
        if not any(words(t.text) for t in self.texts):
            raise DataError(_NO_TEXTS.format(where=f"{len(self.texts)} texts given, none with a word"))
        self.n, self.threshold, self.min_words = n, threshold, min_words
        self._exact: dict[str, int] = {}
        self._gram_owner: dict[int, dict[tuple[str, ...], set[int]]] = defaultdict(lambda: defaultdict(set))
        self._gram_count: dict[int, int] = {}
        for i, t in enumerate(self.texts):
            toks = words(t.text)
            if not toks:
                continue
            self._exact.setdefault(" ".join(toks), i)
            if len(toks) < min_words:
                continue
            k = min(n, len(toks))
            grams = _grams(toks, k)
            self._gram_count[i] = len(grams)
            for g in grams:
                self._gram_owner[k][g].add(i)

    def match(self, text: str) -> tuple[int, float, bool] | None:
        """``(eval text index, overlap, exact)`` of the worst match in ``text``, or None when it is clean."""
        toks = words(text)
        if not toks:
            return None
        exact = self._exact.get(" ".join(toks))
        if exact is not None:
            return exact, 1.0, True
        best: tuple[int, float, bool] | None = None
        for k, owners in self._gram_owner.items():
            counts: dict[int, int] = defaultdict(int)
            for g in _grams(toks, k):
                for i in owners.get(g, ()):
                    counts[i] += 1
            for i, c in counts.items():
                overlap = c / self._gram_count[i]
                if overlap >= self.threshold and (best is None or overlap > best[1]):
                    best = (i, overlap, False)
        return best

    def check(self, examples: Sequence[dict[str, Any]]) -> ContaminationReport:
        report = ContaminationReport(checked=len(examples), eval_texts=len(self.texts))
        for idx, example in enumerate(examples):
            for msg in example.get("messages", []):
                if msg.get("role") not in ("user", "assistant") or not isinstance(msg.get("content"), str):
                    continue
                found = self.match(msg["content"])
                if found:
                    i, overlap, exact = found
                    source, eval_text = self.texts[i].source, self.texts[i].text
                    category = str(example.get("category", "?"))
                    report.hits.append(Hit(idx, category, source, overlap, eval_text, msg["content"], exact))
                    break
        return report


def check_contamination(examples: Sequence[dict[str, Any]], suites_root: Path | None = None) -> ContaminationReport:
    """``examples`` checked against every evaluation text of the suites under ``suites_root``."""
    return ContaminationIndex(collect_eval_texts(suites_root)).check(examples)
