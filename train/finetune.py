"""LoRA fine-tuning: TRL + PEFT everywhere (fp32 on CPU), Unsloth when a CUDA GPU and the ``[gpu]`` extra are
there, bitsandbytes 4-bit (QLoRA) on request. The Unsloth and 4-bit paths have not run yet (no GPU so far);
``tests/integration/test_training_gpu.py`` is their check.

The loss covers assistant tokens only. SmolLM2's template has no ``{% generation %}`` markers, so a training
template that has them is shipped (``train/templates/chatml_train.jinja``); before training, it is checked to
render exactly what the base model's own template renders, with tools and tool calls written by
:func:`harness.chat.inline_tools`, the same text the harness shows the model at evaluation time.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from harness.chat import END_MARKERS, ChatTemplate, inline_tools
from harness.errors import ConfigError, ModelLoadError, TrainingError
from harness.models import inspect_gguf, resolve_model, sha256_file
from harness.results import peak_rss_mb, write_json_atomic
from train.config import TrainConfig

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_TRAIN_TEMPLATE = TEMPLATES / "chatml_train.jinja"
_GENERATION_TAGS = re.compile(r"\{%-?\s*(end)?generation\s*-?%\}")
_PROBE = [
    {"role": "system", "content": "S"},
    {"role": "user", "content": "U1"},
    {"role": "assistant", "content": "A1"},
    {"role": "user", "content": "U2"},
    {"role": "assistant", "content": "A2"},
]
INSTALL_HINT = "pip install -e '.[train]' (on a CPU-only machine first: pip install torch==2.13.0)"
PROBE_EXAMPLES = 4  # training examples whose masked loss is measured before and after training
DATA_HASH_FILE = "data.sha256"  # in the checkpoints folder: the data its checkpoints were trained on


def cache_dir() -> Path:
    """Where the harness keeps what it derives once: the llama.cpp converter, dequantised GGUF bases."""
    return Path(os.environ.get("HARNESS_CACHE", Path.home() / ".cache" / "smallmodel-harness"))


def require_training_libraries() -> None:
    """Check, without importing them (Unsloth must be imported before transformers, trl and peft to patch
    them), that the training libraries are installed."""
    missing = [name for name in ("torch", "transformers", "trl", "peft", "datasets") if find_spec(name) is None]
    if missing:
        raise TrainingError(f"training needs {', '.join(missing)}, which are not installed: {INSTALL_HINT}")


@dataclass
class BaseModel:
    """The model to fine-tune, with what the export needs to reproduce its format."""

    spec: str
    path: Path
    kind: str  # gguf | hf
    chat_template: str  # the template the exported GGUF carries (the base's own, no generation markers)
    sha256: str | None = None


def resolve_base(spec: str) -> BaseModel:
    """A GGUF (path or ``default``) or a Hugging Face model directory; anything else is a clear error."""
    path = Path(spec).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelLoadError(f"{path}: not a Hugging Face model directory (no config.json)")
        cfg_file = path / "tokenizer_config.json"
        template = ""
        if (path / "chat_template.jinja").is_file():
            template = (path / "chat_template.jinja").read_text(encoding="utf-8")
        elif cfg_file.is_file():
            template = json.loads(cfg_file.read_text(encoding="utf-8")).get("chat_template") or ""
        if not template:
            raise ConfigError(f"{path}: the model has no chat template; a chat model is needed as the base")
        return BaseModel(spec, path, "hf", template)
    ref = resolve_model(spec)
    if ref.kind != "gguf" or ref.path is None:
        raise ModelLoadError(f"{spec}: a base model must be a .gguf file, 'default' or a Hugging Face directory")
    info = inspect_gguf(ref.path)
    if not info.chat_template:
        raise ConfigError(
            f"{ref.path}: the GGUF has no chat template; fine-tune a chat (instruct) model, not a base model"
        )
    return BaseModel(spec, ref.path, "gguf", info.chat_template, sha256_file(ref.path))


def training_template(cfg: TrainConfig, base: BaseModel) -> str:
    """The training template, checked to render exactly like the base template once its markers are removed."""
    path = Path(cfg.train_template) if cfg.train_template else DEFAULT_TRAIN_TEMPLATE
    if not path.is_file():
        raise ConfigError(f"train_template {path}: no such file")
    text = path.read_text(encoding="utf-8").strip()
    if not _GENERATION_TAGS.search(text):
        raise ConfigError(f"train_template {path}: no {{% generation %}} markers, so the loss cannot be masked")
    stripped = ChatTemplate(_GENERATION_TAGS.sub("", text), source=str(path))
    own = ChatTemplate(base.chat_template, source="base")
    if own.handles_tools:
        raise ConfigError(
            f"{base.path}: its chat template renders tools itself; training writes tools into the system prompt "
            "(Hermes style, as the harness does for templates without tools), which would not match evaluation"
        )
    # system+user, +assistant, a two-turn conversation, and the same without a system turn
    for probe in (_PROBE[:2], _PROBE[:3], _PROBE, _PROBE[1:3], _PROBE[1:]):
        if stripped._render_raw(probe, None) != own._render_raw(probe, None):
            raise ConfigError(
                f"train_template {path} does not render like {base.path}'s own chat template; write one that "
                "matches it, with {% generation %}...{% endgeneration %} around assistant content and end token"
            )
    return text


def to_training_rows(examples: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Messages as the model sees them at evaluation: tools in the system prompt, calls as tagged JSON."""
    rows = []
    for ex in examples:
        msgs = inline_tools(ex["messages"], ex.get("tools") or [])
        rows.append({"messages": [{"role": m["role"], "content": m["content"]} for m in msgs]})
    return rows


def load_tokenizer(base: BaseModel) -> Any:
    """The base's tokenizer with eos/pad set to the end-of-turn token and a round-trip check.

    Known trap: ``AutoTokenizer`` on SmolLM2's GGUF has returned a wrong class with eos ``<|im_start|>`` and
    extra tokens, which gives a GGUF that llama.cpp refuses. ``PreTrainedTokenizerFast`` is loaded instead,
    and every property the export depends on is checked here rather than trusted.
    """
    from transformers import PreTrainedTokenizerFast

    if base.kind == "gguf":
        tok = PreTrainedTokenizerFast.from_pretrained(str(base.path.parent), gguf_file=base.path.name)
    else:
        tok = PreTrainedTokenizerFast.from_pretrained(str(base.path))
    vocab = tok.get_vocab()
    for marker in END_MARKERS:
        if marker in base.chat_template and marker in vocab:
            tok.eos_token = marker
            break
    if tok.pad_token is None or tok.pad_token_id is None:
        tok.pad_token = tok.eos_token
    tok.chat_template = base.chat_template
    check_tokenizer(tok)
    return tok


def check_tokenizer(tok: Any, vocab_size: int | None = None) -> None:
    sample = 'Set an alarm for 7:05, ribbit 🐸 <tool_call>{"name": "x"}</tool_call>'
    ids = tok.encode(sample, add_special_tokens=False)
    if tok.decode(ids) != sample:
        raise TrainingError(f"tokenizer does not round-trip text: {tok.decode(ids)!r} != {sample!r}")
    if tok.eos_token is None or tok.eos_token_id is None:
        raise TrainingError("tokenizer has no eos token; the trained model would never stop")
    if vocab_size is not None and len(tok) > vocab_size:
        extra = [t for t, i in tok.get_vocab().items() if i >= vocab_size][:5]
        raise TrainingError(
            f"tokenizer has {len(tok)} tokens but the model only {vocab_size} (extra: {extra}); llama.cpp would "
            "refuse the export"
        )


def use_bf16(device: str) -> bool:
    """bf16 weights and training on a GPU that has it; fp32 elsewhere (TRL's bf16 default breaks on CPU)."""
    import torch

    return device == "cuda" and torch.cuda.is_bf16_supported()


def load_model(base: BaseModel, cfg: TrainConfig, device: str, tokenizer: Any = None) -> Any:
    """The base as a transformers model, full precision or (``load_in_4bit``, CUDA) 4-bit NF4 for QLoRA.

    transformers cannot quantize while loading a GGUF, so for 4-bit a GGUF base is first dequantised into a
    cached Hugging Face directory (:func:`hf_directory`, which needs ``tokenizer``).
    """
    import torch
    from transformers import AutoModelForCausalLM

    # sdpa: memory-efficient attention (eager attention keeps every n x n probability matrix for backward)
    kwargs: dict[str, Any] = {
        "dtype": torch.bfloat16 if use_bf16(device) else torch.float32,
        "attn_implementation": "sdpa",
    }
    if cfg.load_in_4bit:
        if device != "cuda":
            raise ConfigError("load_in_4bit (QLoRA) needs a CUDA GPU and bitsandbytes; drop it on CPU")
        from transformers import BitsAndBytesConfig

        kwargs["quantization_config"] = BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_compute_dtype=kwargs["dtype"]
        )
        if base.kind == "gguf":
            base = BaseModel(base.spec, hf_directory(base, tokenizer), "hf", base.chat_template, base.sha256)
    model: Any
    try:
        if base.kind == "gguf":
            model = AutoModelForCausalLM.from_pretrained(str(base.path.parent), gguf_file=base.path.name, **kwargs)
        else:
            return AutoModelForCausalLM.from_pretrained(str(base.path), **kwargs)
    except (OSError, ValueError, RuntimeError) as exc:
        raise ModelLoadError(f"{base.path}: transformers could not load it as a base model: {exc}") from None
    # transformers dequantises GGUF weights to full precision but leaves the model marked "quantized with GGUF",
    # which the Trainer refuses and save_pretrained would write into config.json. The weights are plain tensors.
    model.hf_quantizer = None
    model.is_quantized = False
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    return model


def hf_directory(base: BaseModel, tokenizer: Any) -> Path:
    """A GGUF base dequantised and saved as a Hugging Face directory, cached by the file's sha256: what
    Unsloth and 4-bit loading need (neither loads a GGUF)."""
    if base.kind != "gguf":
        return base.path
    if tokenizer is None:
        raise TrainingError("hf_directory: a GGUF base needs its tokenizer to be saved beside the weights")
    target = cache_dir() / "hf" / (base.sha256 or base.path.stem)
    if not (target / "config.json").is_file():
        partial = target.with_name(target.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        load_model(base, TrainConfig(), "cpu").save_pretrained(str(partial))
        tokenizer.save_pretrained(str(partial))
        shutil.rmtree(target, ignore_errors=True)
        partial.replace(target)
    return target


def pick_backend(cfg: TrainConfig) -> tuple[str, str]:
    """``(backend, device)``: unsloth needs CUDA and the ``[gpu]`` extra; trl runs anywhere."""
    import torch

    device = "cuda" if torch.cuda.is_available() else "cpu"
    if cfg.backend == "unsloth" or (cfg.backend == "auto" and device == "cuda"):
        try:
            import unsloth  # noqa: F401
        except ImportError:
            if cfg.backend == "unsloth":
                raise TrainingError("backend unsloth: not installed; use a separate venv with '.[gpu]'") from None
            return "trl", device
        if device != "cuda":
            raise TrainingError("backend unsloth needs a CUDA GPU; use --backend trl on CPU")
        return "unsloth", device
    return "trl", device


@dataclass
class TrainResult:
    adapter_dir: Path
    backend: str
    device: str
    examples: int
    steps: int
    tokens: int
    runtime_s: float
    tokens_per_s: float
    loss_before: float
    loss_after: float
    final_train_loss: float | None
    peak_rss_mb: float = 0.0
    resumed_from_step: int = 0  # > 0: continued from that checkpoint; steps, runtime and tokens/s count from it

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["adapter_dir"] = str(self.adapter_dir)
        return d


def _progress_callback() -> Any:
    from tqdm.auto import tqdm
    from transformers import TrainerCallback

    class Progress(TrainerCallback):  # type: ignore[misc]
        """One bar: step, loss, tokens/s and ETA (tqdm's) for the whole run."""

        def __init__(self) -> None:
            self.bar: Any = None
            self.start = 0.0
            self.post: dict[str, str] = {}
            self.tokens0 = 0

        def on_train_begin(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            self.bar = tqdm(total=state.max_steps, desc="train", unit="step", dynamic_ncols=True)
            self.bar.update(state.global_step)
            self.start = time.perf_counter()
            self.tokens0 = state.num_input_tokens_seen

        def on_log(self, args: Any, state: Any, control: Any, logs: dict[str, Any] | None = None, **kw: Any) -> None:
            if logs and "loss" in logs and self.bar is not None:
                self.post["loss"] = f"{float(logs['loss']):.3f}"  # logged after on_step_end: this step's loss
                self.bar.set_postfix(self.post)

        def on_step_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.bar is None:
                return
            self.bar.update(state.global_step - self.bar.n)
            elapsed = max(time.perf_counter() - self.start, 1e-9)
            tps = (state.num_input_tokens_seen - self.tokens0) / elapsed
            self.post["tok/s"] = f"{tps:.0f}"
            self.bar.set_postfix(self.post)

        def on_train_end(self, args: Any, state: Any, control: Any, **kw: Any) -> None:
            if self.bar is not None:
                self.bar.close()

    return Progress()


def masked_loss(model: Any, rows: Sequence[dict[str, Any]], device: str) -> float:
    """Mean loss over assistant tokens of tokenised rows (``input_ids`` + ``assistant_masks``), no gradient."""
    import torch

    total, count = 0.0, 0
    model.eval()
    with torch.no_grad():
        for row in rows:
            ids = torch.tensor([row["input_ids"]], device=device)
            mask = torch.tensor([row.get("assistant_masks") or [1] * len(row["input_ids"])], device=device)
            labels = ids.masked_fill(mask == 0, -100)
            n = int((labels[:, 1:] != -100).sum())
            if n == 0:
                continue
            out = model(input_ids=ids, labels=labels)
            total += float(out.loss) * n
            count += n
    model.train()
    return total / count if count else math.nan


def finetune(
    examples: Sequence[dict[str, Any]],
    base: BaseModel,
    out_dir: Path,
    cfg: TrainConfig,
    *,
    resume: bool = False,
    inputs: dict[str, Any] | None = None,
) -> tuple[TrainResult, Any, Any]:
    """Train a LoRA adapter on ``examples``; returns the result, the PEFT model and the tokenizer.

    Checkpoints go to ``out_dir/checkpoints`` every ``save_steps``. ``resume=True`` continues from the last one
    if it was trained on the same examples; otherwise, and without ``resume``, old checkpoints are removed so a
    later resume cannot pick up another run's. The adapter, tokenizer and resolved config go to
    ``out_dir/adapter``.
    """
    require_training_libraries()
    if not examples:
        raise TrainingError("no training examples: generate or point at a dataset first")
    backend, device = pick_backend(cfg)  # imports unsloth (when used) before transformers, trl and peft
    import torch
    from datasets import Dataset
    from peft import LoraConfig
    from trl import SFTConfig, SFTTrainer

    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    template = training_template(cfg, base)
    tokenizer = load_tokenizer(base)
    if backend == "unsloth":
        model = _load_unsloth(base, cfg, tokenizer)
        peft_config = None
    else:
        model = load_model(base, cfg, device, tokenizer)
        peft_config = LoraConfig(
            r=cfg.rank,
            lora_alpha=cfg.alpha,
            lora_dropout=cfg.dropout,
            target_modules=cfg.target_modules,
            task_type="CAUSAL_LM",
        )
    check_tokenizer(tokenizer, model.config.vocab_size)
    template_file = out_dir / "train_template.jinja"
    out_dir.mkdir(parents=True, exist_ok=True)
    template_file.write_text(template, encoding="utf-8")
    rows = to_training_rows(examples)
    # On CPU, micro-batches of one: the same effective batch (batch_size x grad_accum) and the same updates,
    # but activation memory for one sequence. Batch 4 x 1,400-token Pokkit prompts took 24 GB on a 135M model.
    per_device, accum = (1, cfg.batch_size * cfg.grad_accum) if device == "cpu" else (cfg.batch_size, cfg.grad_accum)
    args = SFTConfig(
        output_dir=str(out_dir / "checkpoints"),
        per_device_train_batch_size=per_device,
        gradient_accumulation_steps=accum,
        learning_rate=cfg.learning_rate,
        lr_scheduler_type=cfg.lr_scheduler,
        warmup_steps=cfg.warmup,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        max_length=cfg.max_length,
        seed=cfg.seed,
        data_seed=cfg.seed,
        bf16=use_bf16(device),  # TRL defaults to bf16, which breaks on CPU: fp32 there
        fp16=False,
        use_cpu=device == "cpu",
        **_checkpointing_kwargs(SFTConfig, cfg.gradient_checkpointing),
        assistant_only_loss=True,
        chat_template_path=str(template_file),
        logging_steps=cfg.logging_steps,
        save_steps=cfg.save_steps,
        save_total_limit=2,
        report_to="none",
        disable_tqdm=True,
        include_num_input_tokens_seen="non_padding",
        dataloader_num_workers=0,
        dataset_num_proc=None,
    )
    trainer: Any = SFTTrainer(
        model=model,
        args=args,
        train_dataset=Dataset.from_list(rows),
        processing_class=tokenizer,
        peft_config=peft_config,
    )
    from transformers import PrinterCallback

    trainer.remove_callback(PrinterCallback)  # its raw log dicts would break the bar; train_log.json keeps them
    progress = _progress_callback()
    trainer.add_callback(progress)
    probe = [trainer.train_dataset[i] for i in range(min(PROBE_EXAMPLES, len(trainer.train_dataset)))]
    loss_before = masked_loss(trainer.model, probe, device)
    last = prepare_checkpoints(out_dir / "checkpoints", data_sha256(examples), resume)
    start = time.perf_counter()
    try:
        output = trainer.train(resume_from_checkpoint=str(last) if last else None)
    except KeyboardInterrupt:
        raise TrainingError(f"training interrupted; continue with --resume (checkpoints in {out_dir})") from None
    runtime = time.perf_counter() - start
    loss_after = masked_loss(trainer.model, probe, device)
    if not math.isfinite(loss_after):
        raise TrainingError(f"training diverged (loss {loss_after}); lower the learning rate ({cfg.learning_rate})")
    adapter_dir = out_dir / "adapter"
    trainer.model.save_pretrained(str(adapter_dir))
    tokenizer.save_pretrained(str(adapter_dir))
    tokens = int(trainer.state.num_input_tokens_seen)
    trained = tokens - int(progress.tokens0)  # tokens seen in this call: a resumed run counts from its checkpoint
    result = TrainResult(
        adapter_dir=adapter_dir,
        backend=backend,
        device=device,
        examples=len(rows),
        steps=int(trainer.state.global_step),
        tokens=tokens,
        runtime_s=round(runtime, 2),
        tokens_per_s=round(trained / runtime, 1) if runtime > 0 else 0.0,
        loss_before=round(loss_before, 4),
        loss_after=round(loss_after, 4),
        final_train_loss=round(float(output.training_loss), 4) if output.training_loss is not None else None,
        peak_rss_mb=round(peak_rss_mb(), 1),
        resumed_from_step=_checkpoint_step(last) if last else 0,
    )
    write_json_atomic(out_dir / "train_log.json", trainer.state.log_history)
    write_json_atomic(out_dir / "train_result.json", result.to_dict())
    cfg.save(adapter_dir, {**(inputs or {}), "base": str(base.path), "base_sha256": base.sha256})
    return result, trainer.model, tokenizer


def _checkpointing_kwargs(config_cls: Any, enabled: bool) -> dict[str, Any]:
    """transformers 5 renamed gradient_checkpointing to activation_checkpointing (TRL defaults the old one on)."""
    fields = getattr(config_cls, "__dataclass_fields__", {})
    name = "activation_checkpointing" if "activation_checkpointing" in fields else "gradient_checkpointing"
    return {name: enabled}


def _checkpoint_step(path: Path) -> int:
    """``checkpoint-40`` -> 40; anything else -> -1."""
    tail = path.name.removeprefix("checkpoint-")
    return int(tail) if tail.isdigit() else -1


def data_sha256(examples: Sequence[dict[str, Any]]) -> str:
    """A hash of the training examples, to tell whether checkpoints were trained on the same data."""
    return hashlib.sha256(json.dumps(list(examples), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def prepare_checkpoints(directory: Path, data_hash: str, resume: bool) -> Path | None:
    """The checkpoint to resume from, or None after clearing ``directory`` for a fresh start.

    Resuming needs checkpoints trained on the same data (``data_hash``): a leftover higher-numbered checkpoint
    of another run would otherwise win. Without ``resume`` old checkpoints are removed for the same reason.
    """
    stamp = directory / DATA_HASH_FILE
    last = _last_checkpoint(directory) if resume else None
    if last is not None and stamp.is_file() and stamp.read_text().strip() == data_hash:
        print(f"resume: continuing from {last.name}")
        return last
    if resume:
        why = "no checkpoint" if last is None else "its checkpoints were trained on other data"
        print(f"resume: {why} in {directory}; starting from the beginning")
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    stamp.write_text(data_hash + "\n")
    return None


def _last_checkpoint(directory: Path) -> Path | None:
    found = sorted((p for p in directory.glob("checkpoint-*") if _checkpoint_step(p) >= 0), key=_checkpoint_step)
    return found[-1] if found else None


def _load_unsloth(base: BaseModel, cfg: TrainConfig, tokenizer: Any) -> Any:
    """Unsloth's patched model with LoRA attached; it loads Hugging Face directories, so a GGUF is first
    dequantised and saved (cached next to the file's hash)."""
    from unsloth import FastLanguageModel

    source = hf_directory(base, tokenizer)
    model, _ = FastLanguageModel.from_pretrained(
        model_name=str(source), max_seq_length=cfg.max_length, load_in_4bit=cfg.load_in_4bit, dtype=None
    )
    return FastLanguageModel.get_peft_model(
        model,
        r=cfg.rank,
        lora_alpha=cfg.alpha,
        lora_dropout=cfg.dropout,
        target_modules=cfg.target_modules,
        use_gradient_checkpointing="unsloth" if cfg.gradient_checkpointing else False,
        random_state=cfg.seed,
    )
