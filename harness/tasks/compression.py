"""Compression recall: does a summary of the older turns keep the facts that later questions need?

A case of kind ``compression`` carries its conversation in ``data``::

    data:
      turns: [{role: user, content: ...}, {role: assistant, content: ...}, ...]
      keep_recent: 2            # final turns kept verbatim; the ones before are summarised
      questions:
        - {question: When does Priya land?, answers: ["6:40", "18:40"]}
      min_reduction: 0.3        # optional: token_reduction must reach this (default 0.3)
      min_retained: 0.8         # optional: recall_retained must reach this (default 0.8)
      summary_max_tokens: 160   # optional: budget of the summary (default: the case's max_tokens)

``run_compression`` (1) asks the summariser to summarise the older turns, (2) builds the full context
(system prompt + every turn) and the compressed one (system prompt with the summary appended + the recent
turns), (3) asks every question once with each context and (4) scores what came back with
``score_compression``, which ``harness rescore`` also calls on a stored record's pieces. Four checks:

- ``token_reduction``: ``1 - compressed / full`` context tokens (``backend.count_tokens``), questions not
  counted; passes at ``min_reduction`` or more.
- ``recall_full``: the share of questions answered right with the full context; passes when at least one
  is, since a case the model cannot answer even from the whole conversation measures nothing.
- ``recall_compressed``: the share answered right with the compressed context; reported, judged through
  ``recall_retained``.
- ``recall_retained``: ``recall_compressed / recall_full``, capped at 1; when full recall is 0 the summary
  had nothing to lose and the value is 1.0 (the case still fails, on ``recall_full``). Passes at
  ``min_retained`` or more.

An answer is right when one of the accepted answers appears in the visible reply (see ``answer_matches``).
Checks listed on the case judge the summary itself. Generations are keyed ``suite/case_id/summary`` and
``suite/case_id/q<N>/full|compressed``, so a scripted responses file can script every step.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from harness.errors import ConfigError
from harness.scoring import outcome_fields, parse_reply, score_case
from harness.types import Completion, Message, Score

if TYPE_CHECKING:
    from harness.backends.base import Backend, GenerationParams
    from harness.types import Case

DEFAULT_KEEP_RECENT = 2
DEFAULT_MIN_REDUCTION = 0.3
DEFAULT_MIN_RETAINED = 0.8
SUMMARY_PREFIX = "Summary of the earlier conversation:"
SUMMARY_INSTRUCTION = (
    "Summarise the conversation below in a few short sentences, so that it can replace the conversation. "
    "Keep every name, number, date, time, place, preference and decision exactly as written. "
    "Write only the summary."
)
# Accepted answers this short (after normalisation), or holding a digit, must match whole words.
SHORT_ANSWER_CHARS = 4

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'", "\u00b4": "'"})
_THOUSANDS_RE = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_LETTER_DIGIT_RE = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")
_NON_WORD_RE = re.compile(r"[\W_]+")
_ROLES = {"user": "User", "assistant": "Assistant"}
DATA_KEYS = ("turns", "keep_recent", "questions", "min_reduction", "min_retained", "summary_max_tokens")


# ---------------------------------------------------------------------------------------------
# Case data
# ---------------------------------------------------------------------------------------------


def _fraction(data: dict[str, Any], key: str, default: float) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ConfigError(f"data.{key}: must be a number from 0 to 1, got {value!r}")
    return float(value)


def validate_data(data: dict[str, Any]) -> None:
    """Raise a ConfigError naming the first bad field of a compression case's ``data`` (``data.turns: ...``).

    ``load_suite`` calls this for every compression case, so a malformed case stops the suite from loading
    instead of dropping out of a run."""
    if not isinstance(data, dict):
        raise ConfigError(f"data: must be a mapping with turns and questions, got {type(data).__name__}")
    unknown = set(data) - set(DATA_KEYS)
    if unknown:
        raise ConfigError(f"data: unknown keys {', '.join(sorted(map(str, unknown)))}; allowed: {', '.join(DATA_KEYS)}")
    turns = data.get("turns")
    if not isinstance(turns, list) or not turns:
        raise ConfigError("data.turns: must be a non-empty list of {role: user|assistant, content: text}")
    for i, turn in enumerate(turns):
        if not isinstance(turn, dict) or turn.get("role") not in _ROLES or not isinstance(turn.get("content"), str):
            raise ConfigError(
                f"data.turns: turn {i + 1} must be {{role: user|assistant, content: text}}, got {_show(turn)}"
            )
    keep = data.get("keep_recent", DEFAULT_KEEP_RECENT)
    if isinstance(keep, bool) or not isinstance(keep, int) or not 0 <= keep < len(turns):
        raise ConfigError(f"data.keep_recent: must be an integer from 0 to {len(turns) - 1}, got {_show(keep)}")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        raise ConfigError("data.questions: must be a non-empty list of {question: text, answers: [text, ...]}")
    for i, q in enumerate(questions):
        ok = (
            isinstance(q, dict)
            and set(q) <= {"question", "answers"}
            and isinstance(q.get("question"), str)
            and q["question"].strip()
            and isinstance(q.get("answers"), list)
            and q["answers"]
            and all(
                isinstance(a, str | int | float) and not isinstance(a, bool) and normalise(str(a)) for a in q["answers"]
            )
        )
        if not ok:
            raise ConfigError(
                f"data.questions: question {i + 1} must be {{question: text, answers: [text, ...]}}, got {_show(q)}"
            )
    _fraction(data, "min_reduction", DEFAULT_MIN_REDUCTION)
    _fraction(data, "min_retained", DEFAULT_MIN_RETAINED)
    budget = data.get("summary_max_tokens")
    if budget is not None and (isinstance(budget, bool) or not isinstance(budget, int) or budget < 1):
        raise ConfigError(f"data.summary_max_tokens: must be a positive integer, got {_show(budget)}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def split_turns(turns: Sequence[Message], keep_recent: int) -> tuple[list[Message], list[Message]]:
    """``(older turns to summarise, recent turns kept verbatim)``."""
    cut = len(turns) - keep_recent
    return list(turns[:cut]), list(turns[cut:])


# ---------------------------------------------------------------------------------------------
# Contexts
# ---------------------------------------------------------------------------------------------


def transcript(turns: Sequence[Message]) -> str:
    """The turns as ``User: ...`` / ``Assistant: ...`` lines."""
    return "\n".join(f"{_ROLES.get(str(t['role']), str(t['role']).title())}: {t['content']}" for t in turns)


def summary_request(turns: Sequence[Message]) -> list[Message]:
    """The one user message that asks for a summary of ``turns``."""
    return [{"role": "user", "content": f"{SUMMARY_INSTRUCTION}\n\nConversation:\n{transcript(turns)}"}]


def full_context(system: str | None, turns: Sequence[Message]) -> list[Message]:
    """System prompt (if any) and every turn."""
    head: list[Message] = [{"role": "system", "content": system}] if system else []
    return head + [dict(t) for t in turns]


def compressed_context(system: str | None, summary: str, recent: Sequence[Message]) -> list[Message]:
    """System prompt with the summary note appended, then the recent turns.

    The note goes into the (single, leading) system message rather than a separate turn: templates such
    as Gemma's and Llama 3's accept one system message and strictly alternating user/assistant turns.
    """
    note = f"{SUMMARY_PREFIX} {summary.strip()}".strip()
    content = f"{system.rstrip()}\n\n{note}" if system else note
    return [{"role": "system", "content": content}, *(dict(t) for t in recent)]


def with_question(context: Sequence[Message], question: str) -> list[Message]:
    return [*context, {"role": "user", "content": question}]


# ---------------------------------------------------------------------------------------------
# Answer matching
# ---------------------------------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower-case words separated by single spaces: punctuation becomes a space, apostrophes vanish.

    ``"LH902"`` and ``"LH 902"`` both become ``"lh 902"``, ``"6:40pm"`` becomes ``"6 40 pm"``,
    ``"1,200"`` becomes ``"1200"`` and ``"Priya's"`` becomes ``"priyas"``.
    """
    text = unicodedata.normalize("NFKC", text).casefold().translate(_APOSTROPHES)
    text = _THOUSANDS_RE.sub("", text).replace("'", "")
    text = _LETTER_DIGIT_RE.sub(" ", text)
    return " ".join(_NON_WORD_RE.sub(" ", text).split())


def answer_matches(reply: str, accepted: Sequence[str]) -> str | None:
    """The first accepted answer found in ``reply``, or None.

    Both sides are normalised (``normalise``). An answer must start at a word boundary; it must also
    end at one when it is short (``SHORT_ANSWER_CHARS`` or fewer) or holds a digit, so "14" does not
    match "140" and "tea" does not match "team", while "vegetarian" matches "vegetarians". Negation is
    not understood: "not Tuesday" contains "Tuesday".
    """
    hay = normalise(reply)
    for answer in accepted:
        needle = normalise(str(answer))
        if not needle:
            continue
        whole = len(needle) <= SHORT_ANSWER_CHARS or any(c.isdigit() for c in needle)
        pattern = r"(?:^| )" + re.escape(needle) + (r"(?:$| )" if whole else "")
        if re.search(pattern, hay):
            return str(answer)
    return None


# ---------------------------------------------------------------------------------------------
# Scores
# ---------------------------------------------------------------------------------------------


def reduction_score(full_tokens: int, compressed_tokens: int, target: float) -> Score:
    """``token_reduction``: ``1 - compressed / full``; passes at ``target`` or more."""
    value = 1 - compressed_tokens / full_tokens if full_tokens > 0 else 0.0
    counts = f"{compressed_tokens} of {full_tokens} context tokens"
    if value >= target:
        return Score("token_reduction", True, f"{value:.0%} fewer tokens ({counts}), target {target:.0%}", value)
    return Score("token_reduction", False, f"only {value:.0%} fewer tokens ({counts}), target {target:.0%}", value)


def recall_scores(full_hits: int, compressed_hits: int, total: int, min_retained: float) -> list[Score]:
    """``recall_full``, ``recall_compressed`` and ``recall_retained`` from the numbers of right answers."""
    full = full_hits / total if total else 0.0
    compressed = compressed_hits / total if total else 0.0
    if full_hits:
        recall_full = Score("recall_full", True, f"{full_hits}/{total} answered with the full context", full)
        retained = min(1.0, compressed / full)
        why = f"{compressed_hits}/{total} with the summary vs {full_hits}/{total} with the full context"
    else:
        recall_full = Score(
            "recall_full", False, f"0/{total} answered even with the full context: nothing to measure", 0.0
        )
        retained = 1.0
        why = f"no question answered with the full context, so the summary lost nothing ({compressed_hits}/{total})"
    recall_compressed = Score(
        "recall_compressed",
        True,
        f"{compressed_hits}/{total} answered with the summary (judged by retention)",
        compressed,
    )
    ok = retained >= min_retained
    verdict = "meets" if ok else "below"
    retained_score = Score(
        "recall_retained", ok, f"{retained:.0%} retained: {why}; {verdict} the {min_retained:.0%} target", retained
    )
    return [recall_full, recall_compressed, retained_score]


# ---------------------------------------------------------------------------------------------
# The task
# ---------------------------------------------------------------------------------------------


def _system_prompt(case: Case) -> str | None:
    if case.messages and case.messages[0].get("role") == "system":
        return str(case.messages[0].get("content") or "") or None
    return None


def run_compression(
    backend: Backend, case: Case, params: GenerationParams, summarizer: Backend | None = None
) -> dict[str, Any]:
    """Summarise, ask every question with the full and the compressed context, and score.

    Returns the record fields to merge into the case's result record. A ``BackendError`` propagates, and so
    does a ``ReplyCrashed`` (a reply that made the parser or one of the case's checks raise): the runner
    records either as an error; malformed ``data`` is a ``ConfigError``.
    """

    data = case.data
    try:
        validate_data(data)  # load_suite validated it already; a Case built by hand may not have been
    except ConfigError as exc:
        raise ConfigError(f"{case.suite}/{case.id}: {exc}") from None
    summarizer = summarizer or backend
    keep_recent = int(data.get("keep_recent", DEFAULT_KEEP_RECENT))
    older, recent = split_turns(data["turns"], keep_recent)
    system = _system_prompt(case)
    key = f"{case.suite}/{case.id}"
    completions: list[Completion] = []
    started = time.perf_counter()

    summary_params = replace(params, max_tokens=int(data.get("summary_max_tokens") or params.max_tokens))
    summary_done = parse_reply(summarizer.generate(summary_request(older), [], summary_params, key=f"{key}/summary"))
    completions.append(summary_done)
    summary = summary_done.visible.strip()

    full = full_context(system, data["turns"])
    compressed = compressed_context(system, summary, recent)
    full_tokens = backend.count_tokens(full)
    compressed_tokens = backend.count_tokens(compressed)

    replies: list[dict[str, str]] = []
    for i, item in enumerate(data["questions"], start=1):
        question = str(item["question"])
        reply: dict[str, str] = {}
        for label, context in (("full", full), ("compressed", compressed)):
            done = parse_reply(
                backend.generate(with_question(context, question), [], params, key=f"{key}/q{i}/{label}")
            )
            completions.append(done)
            reply[label] = done.visible
        replies.append(reply)

    return {
        **score_compression(case, summary_done, replies, full_tokens, compressed_tokens),
        "latency_s": round(sum(c.latency_s for c in completions), 4),
        "wall_s": round(time.perf_counter() - started, 4),
        "prompt_tokens": sum(c.prompt_tokens for c in completions),
        "completion_tokens": sum(c.completion_tokens for c in completions),
        "generations": len(completions),
    }


def score_compression(
    case: Case,
    summary_done: Completion,
    replies: Sequence[Mapping[str, str]],
    full_tokens: int,
    compressed_tokens: int,
) -> dict[str, Any]:
    """Score a compression case from its pieces: the summary's parsed completion, the visible reply to each of
    the case's questions (in order) with each context (``{"full": text, "compressed": text}``) and the two
    contexts' token counts. Returns the record fields from ``outcome`` to ``finish_reason`` (what
    :func:`run_compression` adds after them is its timing). ``run_compression`` calls it on what it generated,
    ``harness rescore`` on what a run stored; a check that raises is a ``ReplyCrashed``."""
    data = case.data
    summary = summary_done.visible.strip()
    answers: list[dict[str, Any]] = []
    for item, reply in zip(data["questions"], replies, strict=True):
        accepted = [str(a) for a in item["answers"]]
        row: dict[str, Any] = {"question": str(item["question"]), "expected": accepted}
        for label in ("full", "compressed"):
            matched = answer_matches(reply[label], accepted)
            row[label] = reply[label]
            row[f"{label}_correct"] = matched is not None
            row[f"{label}_matched"] = matched
        answers.append(row)

    total = len(answers)
    full_hits = sum(a["full_correct"] for a in answers)
    compressed_hits = sum(a["compressed_correct"] for a in answers)
    scores = [
        reduction_score(full_tokens, compressed_tokens, _fraction(data, "min_reduction", DEFAULT_MIN_REDUCTION)),
        *recall_scores(full_hits, compressed_hits, total, _fraction(data, "min_retained", DEFAULT_MIN_RETAINED)),
        *score_case(case, summary_done),
    ]
    return {
        **outcome_fields(scores),
        "response": summary_done.text,
        "visible": summary,
        "thinking": summary_done.thinking,
        "summary": summary,
        "answers": answers,
        "context_tokens": {"full": full_tokens, "compressed": compressed_tokens},
        "tool_calls": [],
        "parse_errors": [],
        "finish_reason": summary_done.finish_reason,
    }
