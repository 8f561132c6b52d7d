"""GPU training paths (Unsloth, bitsandbytes 4-bit QLoRA). Skipped on CPU machines, with the reason shown."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from train.config import TrainConfig

torch = pytest.importorskip("torch", reason="training extra not installed: pip install -e '.[train]'")
pytestmark = [
    pytest.mark.gpu,
    pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (the Unsloth and 4-bit paths)"),
]


def _examples() -> list[dict]:
    turns = [("wake me at half past eight", "Alarm set for 8:30! 🐸 [pokkit_happy]")] * 8
    return [
        {"category": "alarms", "messages": [{"role": "system", "content": "You are Pokkit."},
                                            {"role": "user", "content": u}, {"role": "assistant", "content": a}]}
        for u, a in turns
    ]  # fmt: skip


@pytest.mark.parametrize("load_in_4bit", [False, True], ids=["bf16", "qlora-4bit"])
def test_gpu_training_lowers_loss(tmp_path: Path, load_in_4bit: bool) -> None:
    if load_in_4bit and importlib.util.find_spec("bitsandbytes") is None:
        pytest.fail("bitsandbytes is not installed: pip install -e '.[gpu]'")
    from train.export import export
    from train.finetune import finetune, resolve_base

    cfg = TrainConfig(max_steps=10, batch_size=4, grad_accum=1, learning_rate=1e-3, warmup=0, load_in_4bit=load_in_4bit)
    base = resolve_base("default")
    result, model, tokenizer = finetune(_examples(), base, tmp_path, cfg)
    assert result.device == "cuda"
    assert result.backend == ("unsloth" if importlib.util.find_spec("unsloth") else "trl")
    assert result.loss_after < result.loss_before
    four_bit = [m for m in model.modules() if type(m).__name__ == "Linear4bit"]
    assert bool(four_bit) == load_in_4bit  # QLoRA really trained on 4-bit layers, bf16 on none
    exported = export(model, tokenizer, base, tmp_path / "export", cfg, adapter_dir=result.adapter_dir)
    assert Path(exported.gguf).is_file() and exported.quant == "Q4_K_M"
