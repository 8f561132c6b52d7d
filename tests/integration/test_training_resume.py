"""Resume on the real bundled SmolLM2-135M: a run cut after its checkpoint carries on from it, not from step 0.

Short Josi gold conversations (no tool schemas) keep each CPU step to a few seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from train.config import TrainConfig
from train.finetune import finetune, resolve_base
from train.josi import DEFAULT_GOLD, prepare_josi

pytestmark = pytest.mark.integration


def test_resume_continues_from_the_last_checkpoint(tmp_path: Path) -> None:
    examples, _ = prepare_josi([DEFAULT_GOLD], system_prompt="You are Josi, a brief, warm endurance coach.")
    examples = examples[:6]
    base = resolve_base("default")
    settings = {"batch_size": 1, "grad_accum": 1, "warmup": 0, "learning_rate": 1e-3, "threads": 2, "save_steps": 1}
    first, _, _ = finetune(examples, base, tmp_path, TrainConfig.build({**settings, "max_steps": 2}))
    assert first.steps == 2 and first.resumed_from_step == 0
    assert (tmp_path / "checkpoints" / "checkpoint-2").is_dir()

    # the same run asked for 3 steps: with resume it trains one more step on top of checkpoint-2
    second, _, _ = finetune(examples, base, tmp_path, TrainConfig.build({**settings, "max_steps": 3}), resume=True)
    assert second.resumed_from_step == 2 and second.steps == 3
    log = json.loads((tmp_path / "train_log.json").read_text())
    assert [e["step"] for e in log if "loss" in e] == [1, 2, 3]  # steps 1-2 come from the checkpoint's state
    assert second.tokens > first.tokens
    # tokens/s counts only the step trained in this call, not the checkpoint's tokens
    assert second.tokens_per_s * second.runtime_s < second.tokens - first.tokens + 1
