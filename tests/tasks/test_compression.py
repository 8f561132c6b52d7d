"""Compression recall task: answer matching, contexts, scores, and whole runs on the scripted back end."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from harness.backends.base import GenerationParams
from harness.backends.scripted import ScriptedBackend
from harness.errors import BackendError, ConfigError
from harness.runner import run_case
from harness.scoring import ScoringContext, build_scorer
from harness.suite import load_suite
from harness.tasks.compression import (
    SUMMARY_INSTRUCTION,
    SUMMARY_PREFIX,
    answer_matches,
    compressed_context,
    full_context,
    normalise,
    recall_scores,
    reduction_score,
    run_compression,
    split_turns,
    summary_request,
    transcript,
    validate_data,
)
from harness.types import Case, Check, Message

ROOT = Path(__file__).resolve().parents[2]
SUITE_FILE = ROOT / "suites" / "compression" / "suite.yaml"
PARAMS = GenerationParams(max_tokens=96)


@pytest.fixture(scope="module")
def suite_cases() -> list[Case]:
    return load_suite(SUITE_FILE).cases


@pytest.fixture
def case(suite_cases: list[Case]) -> Case:
    return next(c for c in suite_cases if c.id == "travel_sister_visit")


# ------------------------------------------------------------------ scripted responders


def _is_summary_request(messages: list[Message]) -> bool:
    return str(messages[-1].get("content") or "").startswith(SUMMARY_INSTRUCTION)


def _facts(case: Case, text: str) -> list[str]:
    """The first accepted answer of every question that ``text`` holds."""
    found = [answer_matches(text, q["answers"]) for q in case.data["questions"]]
    return [f for f in found if f is not None]


def perfect_answerer(case: Case) -> Any:
    """Answers a question with the accepted answer found in the context before it, else "I don't know"."""
    answers = {q["question"]: q["answers"] for q in case.data["questions"]}

    def respond(messages: list[Message], tools: list[Any]) -> str:
        if _is_summary_request(messages):
            return "They talked about a visit."
        question = str(messages[-1]["content"])
        context = "\n".join(str(m.get("content") or "") for m in messages[:-1])
        found = answer_matches(context, answers[question])
        return f"It is {found}." if found else "I don't know."

    return respond


def faithful_summariser(case: Case) -> Any:
    def respond(messages: list[Message], tools: list[Any]) -> str:
        assert _is_summary_request(messages)
        return "Facts: " + "; ".join(_facts(case, str(messages[-1]["content"]))) + "."

    return respond


def forgetful_summariser(messages: list[Message], tools: list[Any]) -> str:
    return ""


# ------------------------------------------------------------------ answer matching


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("LH902", "lh 902"),
        ("Flight LH 902!", "flight lh 902"),
        ("6:40pm", "6 40 pm"),
        ("1,200 euros", "1200 euros"),
        ("Priya’s  flight", "priyas flight"),
        ("BlueHeron_5G", "blueheron 5 g"),
        ("  ", ""),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@pytest.mark.parametrize(
    ("reply", "accepted", "match"),
    [
        ("She is on flight lh902.", ["LH 902"], "LH 902"),
        ("She lands at 6:40pm.", ["6:40"], "6:40"),
        ("The budget is €1200.", ["1,200"], "1,200"),
        ("DANA   WHITFIELD is your manager", ["Dana Whitfield"], "Dana Whitfield"),
        ("She eats only vegetarian dishes.", ["vegetarian"], "vegetarian"),
        ("They are vegetarians.", ["vegetarian"], "vegetarian"),  # longer answers may take a suffix
        ("It's Mr. O’Brien.", ["O'Brien"], "O'Brien"),
        ("The interest rate is 4,1%.", ["4.1"], "4.1"),
        ("It lands on the 14th of March.", ["March 14", "14th of March"], "14th of March"),
        ("Second one matches: Lena.", ["Mateo", "Lena"], "Lena"),
    ],
)
def test_answer_matches(reply: str, accepted: list[str], match: str) -> None:
    assert answer_matches(reply, accepted) == match


@pytest.mark.parametrize(
    ("reply", "accepted"),
    [
        ("There were 140 guests.", ["14"]),  # numbers match whole
        ("Room 1204.", ["204"]),
        ("The rate is 4.15 percent.", ["4.1"]),
        ("The team met.", ["tea"]),  # short answers match whole words
        ("Bobby was there.", ["Bob"]),
        ("I don't know.", ["Priya"]),
        ("", ["anything"]),
        ("Anything at all.", ["  ", "!!"]),  # answers that normalise to nothing never match
    ],
)
def test_answer_does_not_match(reply: str, accepted: list[str]) -> None:
    assert answer_matches(reply, accepted) is None


def test_negation_is_not_understood() -> None:
    assert answer_matches("It is not on Tuesday.", ["Tuesday"]) == "Tuesday"


# ------------------------------------------------------------------ contexts


TURNS: list[Message] = [
    {"role": "user", "content": "u1"},
    {"role": "assistant", "content": "a1"},
    {"role": "user", "content": "u2"},
    {"role": "assistant", "content": "a2"},
]


def test_split_turns() -> None:
    assert split_turns(TURNS, 2) == (TURNS[:2], TURNS[2:])
    assert split_turns(TURNS, 0) == (TURNS, [])


def test_summary_request_holds_instruction_and_transcript() -> None:
    (message,) = summary_request(TURNS[:2])
    assert message["role"] == "user"
    assert message["content"].startswith(SUMMARY_INSTRUCTION)
    for word in ("name", "number", "date", "preference", "decision"):
        assert word in SUMMARY_INSTRUCTION
    assert message["content"].endswith("User: u1\nAssistant: a1")
    assert transcript(TURNS[:2]) == "User: u1\nAssistant: a1"


def test_full_context() -> None:
    assert full_context("Be helpful.", TURNS) == [{"role": "system", "content": "Be helpful."}, *TURNS]
    assert full_context(None, TURNS) == TURNS


def test_compressed_context_appends_summary_to_system() -> None:
    out = compressed_context("Be helpful.", " Priya lands March 14. ", TURNS[2:])
    assert out[0] == {"role": "system", "content": f"Be helpful.\n\n{SUMMARY_PREFIX} Priya lands March 14."}
    assert out[1:] == TURNS[2:]
    assert [m["role"] for m in out].count("system") == 1


def test_compressed_context_without_system_or_summary() -> None:
    assert compressed_context(None, "", TURNS[2:]) == [{"role": "system", "content": SUMMARY_PREFIX}, *TURNS[2:]]


# ------------------------------------------------------------------ scores


def test_reduction_score() -> None:
    ok = reduction_score(200, 100, 0.3)
    assert ok.passed and ok.value == pytest.approx(0.5) and ok.name == "token_reduction"
    low = reduction_score(200, 180, 0.3)
    assert not low.passed and low.value == pytest.approx(0.1)
    grown = reduction_score(100, 150, 0.3)
    assert not grown.passed and grown.value == pytest.approx(-0.5)
    assert not reduction_score(0, 0, 0.3).passed


def _by_name(scores: list[Any]) -> dict[str, Any]:
    return {s.name: s for s in scores}


def test_recall_scores_ratio() -> None:
    s = _by_name(recall_scores(4, 3, 4, 0.8))
    assert s["recall_full"].value == 1.0 and s["recall_full"].passed
    assert s["recall_compressed"].value == 0.75 and s["recall_compressed"].passed
    assert s["recall_retained"].value == 0.75 and not s["recall_retained"].passed
    assert _by_name(recall_scores(4, 4, 4, 0.8))["recall_retained"].passed


def test_recall_retained_is_capped_at_one() -> None:
    s = _by_name(recall_scores(2, 3, 4, 0.8))
    assert s["recall_retained"].value == 1.0 and s["recall_retained"].passed


def test_recall_with_nothing_answered_in_full() -> None:
    """Full recall 0: the summary lost nothing (retained 1.0), but recall_full fails the case."""
    s = _by_name(recall_scores(0, 0, 3, 0.8))
    assert not s["recall_full"].passed and "nothing to measure" in s["recall_full"].reason
    assert s["recall_retained"].value == 1.0 and s["recall_retained"].passed
    assert _by_name(recall_scores(0, 1, 3, 0.8))["recall_retained"].value == 1.0


# ------------------------------------------------------------------ whole runs


def _checks(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in record["checks"]}


def test_forgetful_summariser_loses_everything(case: Case) -> None:
    backend = ScriptedBackend(perfect_answerer(case))
    record = run_compression(backend, case, PARAMS, summarizer=ScriptedBackend(forgetful_summariser))
    checks = _checks(record)
    assert checks["recall_full"]["value"] == 1.0
    assert checks["recall_compressed"]["value"] == 0.0
    assert checks["recall_retained"]["value"] == 0.0 and not checks["recall_retained"]["passed"]
    assert checks["token_reduction"]["value"] > 0.3 and checks["token_reduction"]["passed"]
    assert record["outcome"] == "failed" and record["passed"] is False
    assert record["summary"] == "" and record["response"] == ""
    assert all(a["full_correct"] and not a["compressed_correct"] for a in record["answers"])


def test_faithful_summariser_keeps_everything(case: Case) -> None:
    backend = ScriptedBackend(perfect_answerer(case))
    record = run_compression(backend, case, PARAMS, summarizer=ScriptedBackend(faithful_summariser(case)))
    checks = _checks(record)
    assert checks["recall_full"]["value"] == 1.0
    assert checks["recall_compressed"]["value"] == 1.0
    assert checks["recall_retained"]["value"] == 1.0 and checks["recall_retained"]["passed"]
    assert checks["token_reduction"]["passed"]
    assert record["outcome"] == "passed" and record["passed"] is True
    assert "LH 902" in record["summary"]
    assert record["finish_reason"] == "stop"
    full, compressed = record["context_tokens"]["full"], record["context_tokens"]["compressed"]
    assert checks["token_reduction"]["value"] == pytest.approx(1 - compressed / full)


def test_record_fields_and_generation_keys(case: Case) -> None:
    backend = ScriptedBackend(perfect_answerer(case))
    summarizer = ScriptedBackend(faithful_summariser(case))
    record = run_compression(backend, case, PARAMS, summarizer=summarizer)
    n = len(case.data["questions"])
    for key in ("outcome", "passed", "checks", "response", "summary", "answers", "prompt_tokens"):
        assert key in record
    assert {"completion_tokens", "latency_s", "finish_reason", "context_tokens"} <= set(record)
    assert [c["name"] for c in record["checks"]] == [
        "token_reduction",
        "recall_full",
        "recall_compressed",
        "recall_retained",
    ]
    assert record["generations"] == 1 + 2 * n
    assert len(summarizer.calls) == 1 and len(backend.calls) == 2 * n
    row = record["answers"][0]
    assert row["question"] == case.data["questions"][0]["question"]
    assert row["expected"] == case.data["questions"][0]["answers"]
    assert {"full", "compressed", "full_correct", "compressed_correct", "full_matched"} <= set(row)
    assert record["prompt_tokens"] > 0 and record["completion_tokens"] > 0
    # The summary goes to the summariser alone; questions are asked with the full and compressed contexts.
    summary_messages = summarizer.calls[0][0]
    assert summary_messages[-1]["content"].startswith(SUMMARY_INSTRUCTION)
    assert "Can you suggest something for a rainy afternoon?" not in summary_messages[-1]["content"]
    full_messages, compressed_messages = backend.calls[0][0], backend.calls[1][0]
    assert len(full_messages) == 1 + len(case.data["turns"]) + 1
    assert len(compressed_messages) == 1 + case.data["keep_recent"] + 1
    assert SUMMARY_PREFIX in compressed_messages[0]["content"]
    assert full_messages[-1] == compressed_messages[-1] == {"role": "user", "content": row["question"]}


def test_one_backend_serves_summary_and_questions(case: Case) -> None:
    answerer = perfect_answerer(case)
    faithful = faithful_summariser(case)

    def both(messages: list[Message], tools: list[Any]) -> str:
        return faithful(messages, tools) if _is_summary_request(messages) else answerer(messages, tools)

    record = run_compression(ScriptedBackend(both), case, PARAMS)
    assert record["passed"]


def test_scripted_keys_reach_every_step(case: Case) -> None:
    n = len(case.data["questions"])
    responses: dict[str, Any] = {f"{case.id}/summary": "Priya, LH 902, March 14, vegetarian, tour at 10am."}
    for i in range(1, n + 1):
        responses[f"{case.id}/q{i}/full"] = "LH 902 March 14 vegetarian 10am"
        responses[f"{case.id}/q{i}/compressed"] = "I don't know."
    record = run_compression(ScriptedBackend(responses), case, PARAMS)
    checks = _checks(record)
    assert checks["recall_full"]["value"] == 1.0 and checks["recall_compressed"]["value"] == 0.0


def test_partial_summary_fails_retention(case: Case) -> None:
    backend = ScriptedBackend(perfect_answerer(case))
    summarizer = ScriptedBackend(lambda messages, tools: "Flight LH 902 on March 14.")
    record = run_compression(backend, case, PARAMS, summarizer=summarizer)
    checks = _checks(record)
    assert checks["recall_retained"]["value"] == 0.5 and not checks["recall_retained"]["passed"]


def test_summary_thinking_is_not_part_of_the_summary(case: Case) -> None:
    backend = ScriptedBackend(perfect_answerer(case))
    summarizer = ScriptedBackend(lambda messages, tools: "<think>LH 902 March 14</think>Nothing much.")
    record = run_compression(backend, case, PARAMS, summarizer=summarizer)
    assert record["summary"] == "Nothing much."
    assert record["thinking"] == "LH 902 March 14"
    assert _checks(record)["recall_compressed"]["value"] == 0.0


def test_thresholds_come_from_case_data(case: Case) -> None:
    backend = ScriptedBackend(perfect_answerer(case))
    summarizer = ScriptedBackend(lambda messages, tools: "Flight LH 902 on March 14.")
    lenient = replace(case, data={**case.data, "min_retained": 0.5, "min_reduction": 0.99})
    checks = _checks(run_compression(backend, lenient, PARAMS, summarizer=summarizer))
    assert checks["recall_retained"]["passed"]
    assert not checks["token_reduction"]["passed"]


def test_summary_budget(case: Case) -> None:
    summarizer = ScriptedBackend(faithful_summariser(case))
    budgeted = replace(case, data={**case.data, "summary_max_tokens": 200})
    run_compression(ScriptedBackend(perfect_answerer(case)), budgeted, PARAMS, summarizer=summarizer)
    assert summarizer.calls[0][2].max_tokens == 200
    backend = ScriptedBackend(perfect_answerer(case))
    summarizer = ScriptedBackend(faithful_summariser(case))
    run_compression(backend, case, PARAMS, summarizer=summarizer)
    assert summarizer.calls[0][2].max_tokens == PARAMS.max_tokens
    assert all(call[2] == PARAMS for call in backend.calls)


def test_case_checks_judge_the_summary(case: Case) -> None:
    check = Check("short", {"max_words": 3}, build_scorer("short", max_words=3))
    judged = replace(case, checks=[check])
    backend = ScriptedBackend(perfect_answerer(case))
    record = run_compression(backend, judged, PARAMS, summarizer=ScriptedBackend(faithful_summariser(case)))
    short = _checks(record)["short"]
    assert not short["passed"]
    assert record["outcome"] == "failed"


def test_backend_error_propagates(case: Case) -> None:
    with pytest.raises(BackendError, match="boom"):
        run_compression(ScriptedBackend({"*": {"error": "boom"}}), case, PARAMS)


def test_malformed_data_is_a_config_error(case: Case) -> None:
    broken = replace(case, data={**case.data, "keep_recent": 99})
    with pytest.raises(ConfigError, match="keep_recent"):
        run_compression(ScriptedBackend(forgetful_summariser), broken, PARAMS)


Q = [{"question": "q", "answers": ["a"]}]


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({}, "data.turns: must be a non-empty list"),
        ({"turns": [{"role": "robot", "content": "x"}], "questions": []}, "data.turns: turn 1 must be"),
        ({"turns": TURNS, "keep_recent": -1, "questions": Q}, "data.keep_recent: must be an integer from 0 to"),
        ({"turns": TURNS, "keep_recent": True, "questions": Q}, "data.keep_recent: must be an integer"),
        ({"turns": TURNS, "questions": []}, "data.questions: must be a non-empty list"),
        ({"turns": TURNS, "questions": [{"question": "q", "answers": []}]}, "data.questions: question 1 must be"),
        ({"turns": TURNS, "questions": [{"question": "q", "answers": [True]}]}, "data.questions: question 1"),
        ({"turns": TURNS, "questions": [{"question": "q", "answer": ["a"]}]}, "data.questions: question 1"),
        ({"turns": TURNS, "questions": Q, "min_retained": 2}, "data.min_retained: must be a number from 0 to 1"),
        ({"turns": TURNS, "questions": Q, "min_reduction": "high"}, "data.min_reduction: must be a number"),
        ({"turns": TURNS, "questions": Q, "summary_max_tokens": 0}, "data.summary_max_tokens: must be a positive"),
        ({"turns": TURNS, "questions": Q, "extra": 1}, "data: unknown keys extra; allowed: turns"),
    ],
)
def test_validate_data_names_the_field(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ConfigError) as exc:
        validate_data(data)
    assert str(exc.value).startswith(problem) and "\n" not in str(exc.value)


SUITE_HEAD = 'name: squash\nversion: "1"\ncases:\n  - id: trip\n    category: travel\n    kind: compression\n'
GOOD_DATA = (
    "    data:\n"
    "      turns: [{role: user, content: I land at 6:40}, {role: assistant, content: Noted}]\n"
    "      keep_recent: 1\n"
    "      questions: [{question: 'When do I land?', answers: ['6:40']}]\n"
)


@pytest.mark.parametrize(
    "data, problem",
    [
        (GOOD_DATA.replace("keep_recent: 1", "keep_recent: 2"), "data.keep_recent: must be an integer from 0 to 1"),
        (GOOD_DATA.replace("answers: ['6:40']", "answers: []"), "data.questions: question 1 must be"),
        (GOOD_DATA.replace("role: assistant", "role: bot"), "data.turns: turn 2 must be"),
        (GOOD_DATA + "      min_retained: 1.5\n", "data.min_retained: must be a number from 0 to 1, got 1.5"),
        ("", "data.turns: must be a non-empty list"),
    ],
)
def test_malformed_data_stops_the_suite_loading_naming_file_case_and_field(
    tmp_path: Path, data: str, problem: str
) -> None:
    path = tmp_path / "suite.yaml"
    path.write_text(SUITE_HEAD + data)
    with pytest.raises(ConfigError) as exc:
        load_suite(path)
    assert str(exc.value).startswith(f"{path}: case 'trip': {problem}")
    path.write_text(SUITE_HEAD + GOOD_DATA)
    assert load_suite(path).cases[0].data["keep_recent"] == 1


def test_a_crashing_summary_check_is_an_error_record_naming_it(case: Case) -> None:
    def explode(case: Case, completion: Any, ctx: Any = None) -> Any:
        raise ZeroDivisionError("division by zero")

    judged = replace(case, checks=[Check("short", {}, explode)])
    backend = ScriptedBackend(perfect_answerer(case))
    record = run_case(
        backend, judged, PARAMS, ctx=ScoringContext(summarizer=ScriptedBackend(faithful_summariser(case)))
    ).to_json_dict()
    assert record["outcome"] == "error" and not record["passed"]
    assert record["error"] == "scorer 'short' crashed on the reply: ZeroDivisionError: division by zero"


def test_a_crash_in_the_tasks_own_scoring_is_an_error_record(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.tasks.compression as compression

    def broken(reply: str, accepted: Any) -> Any:
        raise IndexError("list index out of range")

    monkeypatch.setattr(compression, "answer_matches", broken)
    record = run_case(ScriptedBackend(perfect_answerer(case)), case, PARAMS).to_json_dict()
    assert record["outcome"] == "error"
    assert record["error"] == "the compression task crashed: IndexError: list index out of range"


def test_a_reply_that_crashes_the_parser_is_an_error_record(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.scoring

    def broken(completion: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(harness.scoring, "finish", broken)
    record = run_case(ScriptedBackend(perfect_answerer(case)), case, PARAMS).to_json_dict()
    assert record["outcome"] == "error"
    assert record["error"] == "the parser crashed on the reply: RecursionError: maximum recursion depth exceeded"


# ------------------------------------------------------------------ the suite


def test_suite_shape(suite_cases: list[Case]) -> None:
    suite = load_suite(SUITE_FILE)
    assert suite.name == "compression" and suite.version == "1"
    assert len(suite_cases) >= 10
    assert len({c.category for c in suite_cases}) >= 5
    for c in suite_cases:
        assert c.kind == "compression", c.id
        assert c.max_tokens == 96
        assert c.messages[0]["role"] == "system"
        validate_data(c.data)
        turns = c.data["turns"]
        assert len(turns) >= 6, c.id
        assert [t["role"] for t in turns] == ["user", "assistant"] * (len(turns) // 2), c.id
        assert c.data["keep_recent"] == 2
        assert 2 <= len(c.data["questions"]) <= 4, c.id


def test_every_answer_needs_the_older_turns(suite_cases: list[Case]) -> None:
    """Each question is answerable from the summarised turns only, and never gives its answer away."""
    for c in suite_cases:
        older, recent = split_turns(c.data["turns"], c.data["keep_recent"])
        for q in c.data["questions"]:
            where = f"{c.id}: {q['question']}"
            assert answer_matches(transcript(older), q["answers"]) is not None, where
            assert answer_matches(transcript(recent), q["answers"]) is None, where
            assert answer_matches(q["question"], q["answers"]) is None, where


def test_every_suite_case_passes_with_a_faithful_summariser(suite_cases: list[Case]) -> None:
    for c in suite_cases:
        backend = ScriptedBackend(perfect_answerer(c))
        record = run_compression(backend, c, PARAMS, summarizer=ScriptedBackend(faithful_summariser(c)))
        assert record["passed"], (c.id, record["checks"])
