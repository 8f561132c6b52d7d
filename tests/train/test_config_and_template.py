"""Training config validation/saving, and the training template matching the eval-time format."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from harness.chat import ChatTemplate, inline_tools
from harness.errors import ConfigError
from harness.models import inspect_gguf, resolve_model
from train.config import CONFIG_FILE, TrainConfig
from train.finetune import _GENERATION_TAGS, DEFAULT_TRAIN_TEMPLATE, BaseModel, to_training_rows, training_template

TOOLS = json.loads((Path(__file__).parents[2] / "suites" / "pokkit" / "tools.json").read_text())


@pytest.fixture(scope="module")
def smollm2() -> BaseModel:
    path = resolve_model("default").path
    assert path is not None
    return BaseModel("default", path, "gguf", inspect_gguf(path).chat_template or "")


def test_config_rejects_bad_values_with_one_message() -> None:
    with pytest.raises(ConfigError, match=r"backend .tpu.*rank and alpha"):
        TrainConfig(backend="tpu", rank=0)
    with pytest.raises(ConfigError, match=r"unknown setting.*lora_rank"):
        TrainConfig.build({"lora_rank": 8})
    with pytest.raises(ConfigError, match="quant 'Q3'"):
        TrainConfig(quant="Q3")


def test_config_saves_resolved_values_and_reloads(tmp_path: Path) -> None:
    cfg = TrainConfig(rank=8, max_steps=2, learning_rate=1e-3)
    saved = cfg.save(tmp_path, {"data_sha256": "abc"})
    assert saved.name == CONFIG_FILE
    data = json.loads(saved.read_text())
    assert data["rank"] == 8 and data["inputs"] == {"data_sha256": "abc"} and "versions" in data
    again = TrainConfig.from_file(saved, batch_size=2)  # a saved config is a valid input, overrides win
    assert again.rank == 8 and again.batch_size == 2 and again.max_steps == 2
    yaml_file = tmp_path / "c.yaml"
    yaml_file.write_text("rank: 4\nepochs: 1\n")
    assert TrainConfig.from_file(yaml_file).rank == 4


def test_training_template_renders_like_the_gguf_template(smollm2: BaseModel) -> None:
    """With markers removed, the training text is exactly what the harness renders at eval time."""
    text = training_template(TrainConfig(), smollm2)
    assert _GENERATION_TAGS.search(text)
    example = {
        "tools": TOOLS,
        "messages": [
            {"role": "system", "content": "You are Pokkit."},
            {"role": "user", "content": "wake me at 7"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "c", "type": "function",
             "function": {"name": "set_alarm", "arguments": "{\"hour\": 7, \"minute\": 0}"}}]},
            {"role": "tool", "tool_call_id": "c", "name": "set_alarm", "content": "ok"},
            {"role": "assistant", "content": "Done 🐸"},
        ],
    }  # fmt: skip
    train_text = ChatTemplate(_GENERATION_TAGS.sub("", text), "t")._render_raw(
        to_training_rows([example])[0]["messages"], None
    )
    eval_prompt = ChatTemplate(smollm2.chat_template, "gguf").render(example["messages"][:2], TOOLS)
    assert train_text.startswith(eval_prompt)
    assert '<tool_call>\n{"name": "set_alarm", "arguments": {"hour": 7, "minute": 0}}\n</tool_call><|im_end|>' in (
        train_text
    )
    assert inline_tools(example["messages"], TOOLS)[0]["content"] in train_text


def test_training_template_must_match_the_base(tmp_path: Path, smollm2: BaseModel) -> None:
    wrong = tmp_path / "wrong.jinja"
    wrong.write_text("{% for m in messages %}{% generation %}{{ m['content'] }}{% endgeneration %}{% endfor %}")
    with pytest.raises(ConfigError, match="does not render like"):
        training_template(TrainConfig(train_template=str(wrong)), smollm2)
    unmarked = tmp_path / "plain.jinja"
    unmarked.write_text(smollm2.chat_template)
    with pytest.raises(ConfigError, match="no \\{% generation %\\} markers"):
        training_template(TrainConfig(train_template=str(unmarked)), smollm2)
    # a base whose own template renders tools: training would inline them differently from evaluation
    tool_aware = replace(
        smollm2, chat_template="{% if tools %}TOOLS {{ tools | tojson }}{% endif %}" + smollm2.chat_template
    )
    with pytest.raises(ConfigError, match="renders tools itself"):
        training_template(TrainConfig(), tool_aware)
    # the no-system branch is compared too: a template that differs only without a system turn is refused
    shipped = DEFAULT_TRAIN_TEMPLATE.read_text()
    differs = tmp_path / "differs.jinja"
    differs.write_text(shipped.replace("named SmolLM", "named Bob"))  # SmolLM2's default system prompt
    assert differs.read_text() != shipped
    with pytest.raises(ConfigError, match="does not render like"):
        training_template(TrainConfig(train_template=str(differs)), smollm2)
