from __future__ import annotations

import json
import signal
import threading
import time
from pathlib import Path

import pytest

from harness import chat
from harness.chat import ChatTemplate, inline_tools, load_template, tool_system_block
from harness.errors import ConfigError

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "set_alarm",
            "description": "Set an alarm",
            "parameters": {"type": "object", "properties": {"hour": {"type": "integer"}}, "required": ["hour"]},
        },
    }
]
# SmolLM2-135M-Instruct's template (as in its GGUF): it ignores `tools`.
SMOL = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TOOL_AWARE = (
    "{% if tools %}TOOLS:{{ tools | tojson }}\n{% endif %}{% for m in messages %}{{ m['role'] }}: {{ m['content'] }}\n"
    "{% endfor %}assistant:"
)


def test_template_without_tools_gets_hermes_block_in_system_prompt() -> None:
    t = ChatTemplate(SMOL, "gguf")
    assert not t.handles_tools
    prompt = t.render([{"role": "system", "content": "You are Pokkit."}, {"role": "user", "content": "hi"}], TOOLS)
    assert prompt.startswith("<|im_start|>system\nYou are Pokkit.\n\n# Tools")
    assert json.dumps(TOOLS[0]) in prompt
    assert "<tool_call>" in prompt and prompt.endswith("<|im_start|>assistant\n")
    assert t.stop == ["<|im_end|>"]


def test_tool_block_becomes_the_system_prompt_when_there_is_none() -> None:
    msgs = inline_tools([{"role": "user", "content": "hi"}], TOOLS)
    assert msgs[0] == {"role": "system", "content": tool_system_block(TOOLS)}


def test_template_that_uses_tools_gets_them_natively() -> None:
    t = ChatTemplate(TOOL_AWARE, "x")
    assert t.handles_tools
    prompt = t.render([{"role": "user", "content": "hi"}], TOOLS)
    assert prompt.startswith("TOOLS:[") and "# Tools" not in prompt


def test_tool_calls_and_results_are_rewritten_for_text_templates() -> None:
    msgs = inline_tools(
        [
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [{"type": "function", "function": {"name": "set_alarm", "arguments": '{"hour": 7}'}}],
            },
            {"role": "tool", "content": "ok"},
        ],
        [],
    )
    assert msgs[0] == {
        "role": "assistant",
        "content": '<tool_call>\n{"name": "set_alarm", "arguments": {"hour": 7}}\n</tool_call>',
    }
    assert msgs[1] == {"role": "user", "content": "<tool_response>\nok\n</tool_response>"}


def test_gguf_without_template_is_refused_unless_one_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"has no chat template.*--chat-template"):
        load_template(None, None, tmp_path / "gemma.gguf")
    t = load_template("gemma", None, tmp_path / "gemma.gguf", bos_token="<bos>")
    assert t.source == "builtin:gemma"
    out = t.render([{"role": "system", "content": "S"}, {"role": "user", "content": "hi"}])
    assert out == "<bos><start_of_turn>user\nS\n\nhi<end_of_turn>\n<start_of_turn>model\n"
    assert "<end_of_turn>" in t.stop


def test_template_from_file_and_bad_names(tmp_path: Path) -> None:
    f = tmp_path / "t.jinja"
    f.write_text("{% for m in messages %}{{ m.content }}{% endfor %}")
    assert load_template(str(f), None, tmp_path / "m.gguf").source == str(f.resolve())
    with pytest.raises(ConfigError, match="neither a built-in template"):
        load_template("nope", "x", tmp_path / "m.gguf")
    f.write_text("{% for m in messages %}")
    with pytest.raises(ConfigError, match="syntax error"):
        load_template(str(f), None, tmp_path / "m.gguf")


def test_template_hash_identifies_the_text() -> None:
    assert ChatTemplate(SMOL, "a").sha256 == ChatTemplate(SMOL, "b").sha256
    assert ChatTemplate(SMOL, "a").sha256 != ChatTemplate(SMOL + " ", "a").sha256


NESTED_LOOPS = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"


def _overrun_message(where: str) -> str:
    return (
        f"chat template of {where} did not finish rendering within {chat.RENDER_SECONDS:g}s (or produced more "
        f"than {chat.MAX_RENDER_CHARS:,} chars): fix the template or pass --chat-template chatml"
    )


def test_a_template_that_never_ends_is_stopped_by_the_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chat, "RENDER_SECONDS", 0.5)
    before = signal.getsignal(signal.SIGALRM)
    start = time.monotonic()
    with pytest.raises(ConfigError) as exc:
        load_template(None, NESTED_LOOPS, tmp_path / "slow.gguf")
    assert time.monotonic() - start < 5
    assert str(exc.value) == _overrun_message(str(tmp_path / "slow.gguf"))
    # The timer is disarmed and the previous handler back.
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0) and signal.getsignal(signal.SIGALRM) == before


def test_off_the_main_thread_the_deadline_checks_stop_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(chat, "RENDER_SECONDS", 0.5)
    t = ChatTemplate(SMOL, "x")
    errors: list[str] = []

    def render() -> None:
        try:
            ChatTemplate(NESTED_LOOPS, "gguf", origin="/models/slow.gguf")
        except ConfigError as exc:
            errors.append(str(exc))
        errors.append(t.render([{"role": "user", "content": "hi"}]))  # the thread renders normally afterwards

    start = time.monotonic()
    worker = threading.Thread(target=render)
    worker.start()
    worker.join(30)
    assert not worker.is_alive() and time.monotonic() - start < 10
    assert errors[0] == _overrun_message("/models/slow.gguf")
    assert errors[1].endswith("<|im_start|>assistant\n")


def test_output_and_allocations_are_capped(monkeypatch: pytest.MonkeyPatch) -> None:
    for template in ("{{ 'a' * 200000000 }}", "{% for i in range(100000) %}{{ 'x' * 100 }}{% endfor %}"):
        start = time.monotonic()
        with pytest.raises(ConfigError) as exc:
            ChatTemplate(template, "gguf", origin="/m/t.gguf")
        assert time.monotonic() - start < 2
        assert str(exc.value) == _overrun_message("/m/t.gguf")


def test_a_template_raising_a_python_error_is_one_line() -> None:
    with pytest.raises(ConfigError) as exc:
        ChatTemplate("{{ 1 / 0 }}", "gguf", origin="/m/t.gguf")
    assert str(exc.value) == (
        "chat template /m/t.gguf failed to render: ZeroDivisionError: division by zero; fix the template or pass "
        "--chat-template chatml"
    )


def test_bounded_rendering_keeps_normal_templates_working() -> None:
    """Everything the shipped templates and Hugging Face's conventions use still renders, ranges included."""
    text = (
        "{% set ns = namespace(n=0) %}{% for m in messages %}{% set ns.n = ns.n + 1 %}{% endfor %}"
        "{{ ns.n }}|{{ range(3) | list }}|{{ range(5)[1:3] | list }}|{{ range(3) | reverse | join(',') }}|"
        "{{ '%s-%d' % ('a', 7) }}|{{ '{}!'.format('hi') }}|{{ 2 ** 10 }}|{{ [1] * 3 }}|{{ 'ab' * 2 }}|"
        "{{ messages[0].content | replace('i', 'I') }}|{{ tools | tojson if tools else '' }}"
    )
    out = ChatTemplate(text, "x").render([{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}])
    assert out == "2|[0, 1, 2]|[1, 2]|2,1,0|a-7|hi!|1024|[1, 1, 1]|abab|hI|"


def test_a_template_error_reaches_the_terminal_without_escape_codes() -> None:
    with pytest.raises(ConfigError) as exc:
        ChatTemplate("{{ raise_exception('bad\\x1b]0;owned\\x07 role\\r\\nagain') }}", "gguf", origin="/m/t.gguf")
    assert str(exc.value) == "chat template /m/t.gguf failed to render: bad role again"


def test_a_history_tool_call_whose_arguments_are_not_an_object_is_a_config_error() -> None:
    from harness.chat import history_call
    from harness.errors import ConfigError

    assert history_call({"function": {"name": "f", "arguments": '{"a": 1}'}}) == ("f", {"a": 1})
    assert history_call({"name": "g", "arguments": {"b": 2}}) == ("g", {"b": 2})
    for bad in ("{not json", "[1, 2]"):
        with pytest.raises(ConfigError, match="not a JSON object"):
            history_call({"function": {"name": "f", "arguments": bad}})
