"""Josi gold conversations -> chat training examples, with the suite's system prompt and a word limit.

Gold files hold hand-written conversations (``{"id", "category", "messages"}``, one JSON object a line)
showing what a great Josi says. They are checked with the Josi suite's own scorers (``forbidden_words``,
``jargon``, ``no_deflection``), so training data can never teach what the evaluation penalises: a reply that
names an engine internal (ACWR, GATC, "the engine" ...), talks jargon the user did not use, or sends the
user to another app or coach drops its whole example, and the reason names the term. Replies over the word
limit are cut back to whole sentences, because a small model copies the length of what it is trained on;
one that has no sentence end leaving enough words is dropped rather than cut mid-sentence.

A bad line is reported with its file and line and counted, never fatal: one typo must not cost the other
examples. A gold file that is missing or unreadable is fatal (``ConfigError``): training without it would
silently lose the persona.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.results import loads_line, read_text_file, split_jsonl
from harness.scorers.text import count_words
from harness.scoring import ScoreFn, build_scorer
from harness.suite import suite_path as find_suite
from harness.types import Case, Completion
from harness.yamlio import load_yaml
from train.config import DEFAULT_WORD_LIMIT

DEFAULT_GOLD = Path(__file__).parent / "data" / "josi_gold.jsonl"
GENERATOR = "josi_gold"
# Replies longer than DEFAULT_WORD_LIMIT are cut back to whole sentences (``trim_to_word_limit``).
# A trimmed reply shorter than this has lost its point (a greeting and half an explanation); drop it instead.
MIN_TRIMMED_WORDS = 15
# Drop reasons in the order they are checked; an example with several problems counts under the first.
DROP_REASONS = ("malformed", "empty", "leak", "jargon", "deflection", "too_long")
# The Josi suite's scorers every reply must pass; a failure drops the example under the scorer's error_type
# ("leak", "jargon", "deflection": the drop reasons above, in their order).
_REPLY_SCORERS = ("forbidden_words", "jargon", "no_deflection")

_ID_RE = re.compile(r"[A-Za-z0-9_.-]+")
_CATEGORY_RE = re.compile(r"[a-z0-9_]+")
_FIELDS = ("id", "category", "messages")
# A sentence ends at . ! ? (runs such as "?!" or "..." once), closing quotes or brackets included, before
# whitespace or the end. "3.5 km" has no space after its dot, so it is not a boundary.
_SENTENCE_END = re.compile(r"[.!?]+[\"')\]\u201d\u2019]*(?=\s|$)")


@dataclass(frozen=True)
class Drop:
    """One example left out: where it is, which rule dropped it and what exactly was wrong."""

    file: str
    line: int
    example_id: str | None
    reason: str
    detail: str

    def __str__(self) -> str:
        name = f" ({self.example_id})" if self.example_id else ""
        return f"{self.file}:{self.line}{name}: {self.reason}: {self.detail}"


@dataclass(frozen=True)
class Trim:
    """One reply cut back to whole sentences to fit the word limit."""

    file: str
    line: int
    example_id: str
    turn: int  # index of the assistant message in the gold conversation
    words_before: int
    words_after: int

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line} ({self.example_id}): message {self.turn} cut from {self.words_before} to "
            f"{self.words_after} words"
        )


@dataclass
class PrepReport:
    """What ``prepare_josi`` read, kept, trimmed and dropped, so a shrinking data set is noticed, not trained on."""

    files: list[str] = field(default_factory=list)
    word_limit: int = DEFAULT_WORD_LIMIT
    read: int = 0  # non-blank lines
    kept: int = 0
    trimmed: int = 0  # kept examples with at least one reply cut to the word limit
    dropped: Counter[str] = field(default_factory=Counter)  # reason -> examples
    kept_per_category: Counter[str] = field(default_factory=Counter)  # gold category -> kept examples
    drops: list[Drop] = field(default_factory=list)
    trims: list[Trim] = field(default_factory=list)

    @property
    def dropped_total(self) -> int:
        return sum(self.dropped.values())

    def lines(self) -> list[str]:
        """A short report: totals, kept per category, then every drop and trim with its file and line."""
        out = [
            f"josi gold: read {self.read} from {len(self.files)} file{'s' if len(self.files) != 1 else ''}, "
            f"kept {self.kept} ({self.trimmed} trimmed to the {self.word_limit}-word limit), "
            f"dropped {self.dropped_total}"
        ]
        if self.kept_per_category:
            out.append(
                "  kept by category: " + ", ".join(f"{c} {n}" for c, n in sorted(self.kept_per_category.items()))
            )
        if self.dropped_total:
            reasons = [r for r in DROP_REASONS if self.dropped[r]]
            out.append("  dropped by reason: " + ", ".join(f"{r} {self.dropped[r]}" for r in reasons))
            out.extend(f"    {d}" for d in self.drops)
        if self.trims:
            out.append("  trimmed:")
            out.extend(f"    {t}" for t in self.trims)
        return out


class _Dropped(Exception):
    """An example that cannot be kept; carries the drop reason and its detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def default_system_prompt(suite_path: Path | None = None) -> str:
    """The Josi suite's default system prompt (``suite_path``, or the josi suite ``harness.suite.suite_path``
    finds), stripped as ``load_suite`` strips it.

    Read from the suite rather than copied so training and evaluation can never drift apart.
    """
    suite_path = suite_path or find_suite("josi")
    raw = load_yaml(suite_path)
    prompts = raw.get("system_prompts") if isinstance(raw, dict) else None
    name = raw.get("default_system") if isinstance(raw, dict) else None
    if not isinstance(prompts, dict) or not isinstance(prompts.get(name), str):
        raise ConfigError(
            f"{suite_path}: no default system prompt (need 'default_system' naming a 'system_prompts' entry)"
        )
    return str(prompts[name]).strip()


def trim_to_word_limit(text: str, word_limit: int, min_words: int = MIN_TRIMMED_WORDS) -> str | None:
    """``text`` if within ``word_limit`` words; else its longest prefix ending a sentence within the limit.

    None when no sentence end leaves at least ``min_words`` words: cutting mid-sentence would teach the
    model to stop mid-thought. Words are counted as the suite's brevity check counts them.
    """
    if count_words(text) <= word_limit:
        return text
    best: str | None = None
    for match in _SENTENCE_END.finditer(text):
        prefix = text[: match.end()].rstrip()
        if count_words(prefix) > word_limit:
            break
        best = prefix
    if best is None or count_words(best) < min_words:
        return None
    return best


def _read_lines(path: Path) -> list[str]:
    """The file's lines, split at newlines only (:func:`harness.results.split_jsonl`)."""
    if not path.exists():
        raise ConfigError(
            f"{path}: Josi gold file not found; pass an existing JSONL file (the shipped one is {DEFAULT_GOLD})"
        )
    return split_jsonl(read_text_file(path, ConfigError, "Josi gold file (UTF-8 JSONL)"))


def _parse(obj: Any) -> tuple[str, str, list[dict[str, str]]]:
    """Validate one gold object; every problem is a ``_Dropped("malformed" | "empty", ...)``."""
    if not isinstance(obj, dict):
        raise _Dropped("malformed", f"expected a JSON object, got {type(obj).__name__}")
    unknown = sorted(set(obj) - set(_FIELDS))
    if unknown:
        raise _Dropped("malformed", f"unknown field(s) {', '.join(map(repr, unknown))}; allowed: {', '.join(_FIELDS)}")
    missing = [f for f in _FIELDS if f not in obj]
    if missing:
        raise _Dropped("malformed", f"missing field(s) {', '.join(map(repr, missing))}")
    ex_id, category, messages = obj["id"], obj["category"], obj["messages"]
    if not isinstance(ex_id, str) or not _ID_RE.fullmatch(ex_id):
        raise _Dropped("malformed", f"'id' must be letters, digits, '_', '.' or '-', got {ex_id!r}")
    if not isinstance(category, str) or not _CATEGORY_RE.fullmatch(category):
        raise _Dropped("malformed", f"'category' must be lowercase snake_case like 'fatigue', got {category!r}")
    if not isinstance(messages, list) or not messages:
        raise _Dropped("malformed", "'messages' must be a non-empty list of {role, content} objects")
    out: list[dict[str, str]] = []
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or set(msg) != {"role", "content"}:
            raise _Dropped("malformed", f"message {i} must be an object with exactly 'role' and 'content'")
        role, content = msg["role"], msg["content"]
        if role == "system":
            raise _Dropped("malformed", f"message {i} is a system message; leave it out, the prep step adds Josi's")
        expected = "user" if i % 2 == 0 else "assistant"
        if role != expected:
            raise _Dropped(
                "malformed", f"message {i} has role {role!r}; turns alternate user, assistant, ... ({expected})"
            )
        if not isinstance(content, str):
            raise _Dropped("malformed", f"message {i} content must be a string, got {type(content).__name__}")
        out.append({"role": role, "content": content.strip()})
    if out[-1]["role"] != "assistant":
        raise _Dropped("malformed", "the conversation must end with an assistant reply (the training target)")
    empty = [f"{i} ({m['role']})" for i, m in enumerate(out) if not m["content"]]
    if empty:
        raise _Dropped(
            "empty", f"message {empty[0]} is empty" if len(empty) == 1 else f"messages {', '.join(empty)} are empty"
        )
    return ex_id, category, out


def _reply_scorers() -> list[ScoreFn]:
    """The suite's leak, jargon and deflection scorers, in the order their drop reasons are checked."""
    return [build_scorer(name) for name in _REPLY_SCORERS]


def _check_replies(messages: list[dict[str, str]], scorers: Sequence[ScoreFn]) -> None:
    """Drop on the first reply a scorer fails, under the scorer's ``error_type`` and with its reason.

    Every assistant turn is scored as the suite scores a reply: the turns before it are the case's
    messages, so jargon the user wrote earlier is allowed, as the suite's jargon check allows it.
    Scorers run in ``_REPLY_SCORERS`` order over all replies, so a leak anywhere outranks jargon.
    """
    replies = [(i, m["content"]) for i, m in enumerate(messages) if m["role"] == "assistant"]
    for scorer in scorers:
        for i, text in replies:
            case = Case(
                suite="josi",
                id="gold",
                category="gold",
                messages=list(messages[:i]),
                tools=[],
                checks=[],
                max_tokens=1,
                stop=[],
            )
            score = scorer(case, Completion(text=text, visible=text))
            if not score.passed:
                raise _Dropped(score.error_type or score.name, f"message {i} {score.reason}")


def prepare_josi(
    paths: Sequence[Path], *, word_limit: int = DEFAULT_WORD_LIMIT, system_prompt: str | None = None
) -> tuple[list[dict[str, Any]], PrepReport]:
    """Read Josi gold JSONL files into chat training examples, dropping or trimming what breaks the rules.

    Each kept example is ``{"messages": [system, user, assistant, ...], "tools": [], "category":
    "josi_<category>", "targets": ["<category>"], "persona": "josi", "generator": "josi_gold"}``, the shape
    of the other generators' chat JSONL. ``system_prompt`` defaults to the Josi suite's, so the model trains
    under the prompt it is evaluated with. A missing or unreadable file, an empty ``paths``, a blank
    ``system_prompt`` or a ``word_limit`` below ``MIN_TRIMMED_WORDS`` is a ``ConfigError``.
    """
    if not paths:
        raise ConfigError(f"prepare_josi: no gold files given; pass at least one JSONL file such as {DEFAULT_GOLD}")
    if isinstance(word_limit, bool) or not isinstance(word_limit, int) or word_limit < MIN_TRIMMED_WORDS:
        raise ConfigError(
            f"prepare_josi: word_limit must be an integer >= {MIN_TRIMMED_WORDS} (a trimmed reply keeps at least "
            f"{MIN_TRIMMED_WORDS} words), got {word_limit!r}"
        )
    if system_prompt is None:
        system_prompt = default_system_prompt()
    elif not system_prompt.strip():
        raise ConfigError("prepare_josi: system_prompt is blank; pass None to use the Josi suite's")
    # Read every file first: a missing second file must fail before any work is reported.
    contents = [(Path(p), _read_lines(Path(p))) for p in paths]
    report = PrepReport(files=[str(p) for p, _ in contents], word_limit=word_limit)
    scorers = _reply_scorers()
    seen: dict[str, str] = {}
    examples: list[dict[str, Any]] = []
    for path, lines in contents:
        for lineno, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            report.read += 1
            ex_id: str | None = None
            try:
                try:
                    obj = loads_line(line)
                except json.JSONDecodeError as exc:
                    raise _Dropped("malformed", f"invalid JSON ({exc.msg}, column {exc.colno})") from None
                except RecursionError:
                    raise _Dropped("malformed", "JSON nested too deeply to read") from None
                if isinstance(obj, dict) and isinstance(obj.get("id"), str):
                    ex_id = obj["id"]
                    if ex_id in seen:
                        raise _Dropped("malformed", f"duplicate id, first used at {seen[ex_id]}")
                    seen[ex_id] = f"{path}:{lineno}"
                ex_id, category, messages = _parse(obj)
                _check_replies(messages, scorers)
                trims: list[Trim] = []
                for i, msg in enumerate(messages):
                    if msg["role"] != "assistant":
                        continue
                    cut = trim_to_word_limit(msg["content"], word_limit)
                    if cut is None:
                        raise _Dropped(
                            "too_long",
                            f"message {i} has {count_words(msg['content'])} words and no sentence end leaves "
                            f"{MIN_TRIMMED_WORDS}-{word_limit} words",
                        )
                    if cut != msg["content"]:
                        trims.append(Trim(str(path), lineno, ex_id, i, count_words(msg["content"]), count_words(cut)))
                        msg["content"] = cut
            except _Dropped as drop:
                report.dropped[drop.reason] += 1
                report.drops.append(Drop(str(path), lineno, ex_id, drop.reason, drop.detail))
                continue
            if trims:
                report.trimmed += 1
                report.trims.extend(trims)
            report.kept += 1
            report.kept_per_category[category] += 1
            examples.append(
                {
                    "messages": [{"role": "system", "content": system_prompt}, *messages],
                    "tools": [],
                    "category": f"josi_{category}",
                    "targets": [category],
                    "persona": "josi",
                    "generator": GENERATOR,
                }
            )
    return examples, report
