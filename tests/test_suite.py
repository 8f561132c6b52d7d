from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.errors import ConfigError
from harness.suite import load_suite

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "set_alarm",
            "parameters": {"type": "object", "properties": {"hour": {"type": "integer"}}, "required": ["hour"]},
        },
    }
]


def _write(tmp_path: Path, body: str) -> Path:
    (tmp_path / "tools.json").write_text(json.dumps(TOOLS))
    path = tmp_path / "suite.yaml"
    path.write_text(body)
    return path


HEAD = """name: s
version: "1"
system_prompts: {main: hi}
default_system: main
tools_file: tools.json
"""


def test_common_checks_are_added_to_every_case(tmp_path: Path) -> None:
    suite = load_suite(
        _write(
            tmp_path,
            HEAD
            + """common_checks:
  - no_repetition: {}
cases:
  - {id: a, category: x, prompt: p, checks: [{no_tool_call: {}}]}
  - {id: b, category: x, prompt: p, checks: [{short: {max_words: 5}}]}
""",
        )
    )
    assert [[c.name for c in case.checks] for case in suite.cases] == [
        ["no_tool_call", "no_repetition"],
        ["short", "no_repetition"],
    ]
    assert suite.cases[0].messages == [{"role": "system", "content": "hi"}, {"role": "user", "content": "p"}]
    assert suite.cases[0].max_tokens == 200


def test_expected_tool_must_be_offered(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="case 'a': tool_call expects 'web_search', which is not among"):
        load_suite(
            _write(
                tmp_path,
                HEAD
                + """cases:
  - {id: a, category: x, prompt: p, checks: [{tool_call: {calls: [{web_search: {query: [x]}}]}}]}
""",
            )
        )
    with pytest.raises(ConfigError, match="offered to this case \\(none\\)"):
        load_suite(
            _write(
                tmp_path,
                HEAD
                + """cases:
  - {id: a, category: x, prompt: p, tools: false, checks: [{tool_call: {calls: [{set_alarm: {hour: [1]}}]}}]}
""",
            )
        )


@pytest.mark.parametrize(
    "cases, message",
    [
        ("  - {id: a, category: x, prompt: p, checks: [{no_tool_call: {}}], extra: 1}", "Extra inputs"),
        (
            "  - {id: a, category: x, prompt: p, checks: [{no_tool_call: {}}]}\n"
            "  - {id: a, category: x, prompt: q, checks: [{no_tool_call: {}}]}",
            "case id 'a' appears twice",
        ),
        ("  - {id: a, category: x, prompt: p, system: nope, checks: [{no_tool_call: {}}]}", "names system prompt"),
        ("  - {id: a, category: x, prompt: p, checks: [{short: {max_words: 5}, no_tool_call: {}}]}", "one mapping"),
        ("  - {id: 'bad id', category: x, prompt: p, checks: []}", "should match pattern"),
    ],
)
def test_malformed_suites_name_the_file_and_problem(tmp_path: Path, cases: str, message: str) -> None:
    path = _write(tmp_path, HEAD + "cases:\n" + cases + "\n")
    with pytest.raises(ConfigError, match=message) as exc:
        load_suite(path)
    assert str(path) in str(exc.value)


def test_yaml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, HEAD + "cases: [\n")
    with pytest.raises(ConfigError, match="invalid YAML"):
        load_suite(path)


def test_data_on_a_chat_case_is_refused(tmp_path: Path) -> None:
    path = _write(
        tmp_path, HEAD + "cases:\n  - {id: a, category: x, prompt: p, checks: [{not_empty: {}}], data: {x: 1}}\n"
    )
    with pytest.raises(ConfigError, match="case 'a': data is read by kind: compression cases only"):
        load_suite(path)


def test_compression_data_is_validated_when_the_suite_loads(tmp_path: Path) -> None:
    path = _write(tmp_path, HEAD + "cases:\n  - {id: c, category: x, kind: compression, data: {turns: []}}\n")
    with pytest.raises(ConfigError) as exc:
        load_suite(path)
    assert str(exc.value) == (
        f"{path}: case 'c': data.turns: must be a non-empty list of {{role: user|assistant, content: text}}"
    )


def test_names_gates_can_use(tmp_path: Path) -> None:
    (tmp_path / "extra.jsonl").write_text(json.dumps({"id": "e", "category": "big", "prompt": "q"}) + "\n")
    path = _write(
        tmp_path,
        HEAD
        + """judge_checks:
  - judge: {criterion: warmth}
case_sources:
  - {loader: jsonl, path: extra.jsonl, set: large, checks: [{short: {max_words: 5}}]}
cases:
  - {id: a, category: x, prompt: p, checks: [{no_tool_call: {}}]}
  - id: c
    category: y
    kind: compression
    data:
      turns: [{role: user, content: I land at 6}, {role: assistant, content: ok}]
      keep_recent: 1
      questions: [{question: "When?", answers: ["6"]}]
""",
    )
    suite = load_suite(path)
    assert suite.categories == {"x", "y", "big"}
    assert suite.cases_by_set() == {"default": 2, "large": 1}
    assert suite.check_names == {
        "no_tool_call",
        "short",
        "judge.warmth",  # recorded only with --judge, but a gate on it is not a typo
        "token_reduction",
        "recall_full",
        "recall_compressed",
        "recall_retained",
    }
    assert load_suite(path, judge=True).cases[0].check_names == {"no_tool_call", "judge.warmth"}


def test_one_place_finds_the_suites(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.suite import SUITES_ENV, suite_path, suites_root

    monkeypatch.delenv(SUITES_ENV, raising=False)
    assert (suites_root() / "josi" / "suite.yaml").is_file()  # the checkout's suites/
    assert suite_path("pokkit").parent.name == "pokkit"
    with pytest.raises(ConfigError, match=r"no such suite 'pokit'.*known: .*pokkit"):
        suite_path("pokit")
    monkeypatch.setenv(SUITES_ENV, str(tmp_path))
    with pytest.raises(ConfigError, match=rf"no suites found in {re.escape(str(tmp_path))}.*HARNESS_SUITES"):
        suites_root()
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "suite.yaml").write_text("name: mine\n")
    assert suites_root() == tmp_path
