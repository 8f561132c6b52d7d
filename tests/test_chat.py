from __future__ import annotations

import json
from pathlib import Path

import pytest

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
