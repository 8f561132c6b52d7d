"""Training configuration: one dataclass, loadable from YAML, overridable from the command line, and saved
(resolved, with library versions and input hashes) next to every adapter and export."""

from __future__ import annotations

import dataclasses
import importlib.metadata
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ConfigError
from harness.results import write_json_atomic
from harness.yamlio import load_yaml

CONFIG_FILE = "train_config.json"
DEFAULT_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# Josi gold preparation: the longest reply kept, in words (the coach must stay brief)
DEFAULT_WORD_LIMIT = 80
QUANT_TYPES = ("Q4_K_M", "Q5_K_M", "Q8_0", "F16")


@dataclass
class TrainConfig:
    """LoRA fine-tuning settings. Defaults suit a 135M-1.7B model on one GPU; tests shrink them."""

    backend: str = "auto"  # auto (unsloth on CUDA when installed, else trl) | trl | unsloth
    rank: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: list[str] = field(default_factory=lambda: list(DEFAULT_TARGETS))
    learning_rate: float = 2e-4
    lr_scheduler: str = "cosine"
    warmup: float = 0.05  # a ratio of the steps when < 1, else a step count
    epochs: float = 2.0
    max_steps: int = -1  # > 0 overrides epochs
    batch_size: int = 4
    grad_accum: int = 4
    max_length: int = 2048
    seed: int = 0
    load_in_4bit: bool = False  # QLoRA with bitsandbytes; CUDA only
    gradient_checkpointing: bool = False
    save_steps: int = 50
    logging_steps: int = 1
    threads: int | None = None  # torch CPU threads; None = all cores
    quant: str = "Q4_K_M"  # the GGUF type the gate runs on
    train_template: str | None = None  # Jinja with {% generation %} markers; None = the shipped ChatML one

    def __post_init__(self) -> None:
        problems = []
        if self.backend not in ("auto", "trl", "unsloth"):
            problems.append(f"backend {self.backend!r} is not auto, trl or unsloth")
        if self.rank < 1 or self.alpha < 1:
            problems.append("rank and alpha must be >= 1")
        if not 0 <= self.dropout < 1:
            problems.append("dropout must be in [0, 1)")
        if self.learning_rate <= 0:
            problems.append("learning_rate must be > 0")
        if self.batch_size < 1 or self.grad_accum < 1 or self.max_length < 64:
            problems.append("batch_size and grad_accum must be >= 1, max_length >= 64")
        if self.max_steps <= 0 and self.epochs <= 0:
            problems.append("set epochs > 0 or max_steps > 0")
        if self.quant not in QUANT_TYPES:
            problems.append(f"quant {self.quant!r} is not one of {', '.join(QUANT_TYPES)}")
        if problems:
            raise ConfigError("training config: " + "; ".join(problems))

    @classmethod
    def from_file(cls, path: Path, **overrides: Any) -> TrainConfig:
        # "loop": the loop's own settings (``harness loop --config``), not training settings
        raw = {k: v for k, v in read_config(path).items() if k not in ("versions", "inputs", "loop")}
        return cls.build({**raw, **overrides}, where=str(path))

    @classmethod
    def build(cls, values: dict[str, Any], where: str = "training config") -> TrainConfig:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"{where}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        try:
            return cls(**{k: v for k, v in values.items() if v is not None})
        except TypeError as exc:
            raise ConfigError(f"{where}: {exc}") from None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def save(self, directory: Path, inputs: dict[str, Any] | None = None) -> Path:
        """Write the resolved config, the library versions and the input hashes next to an artifact."""
        directory.mkdir(parents=True, exist_ok=True)
        data = {**self.to_dict(), "versions": library_versions(), "inputs": inputs or {}}
        path = directory / CONFIG_FILE
        write_json_atomic(path, data)
        return path


def read_config(path: Path) -> dict[str, Any]:
    """A --config file (YAML, or JSON such as a saved train_config.json) as a mapping; anything else is a
    ConfigError naming the file."""
    if not path.is_file():
        raise ConfigError(f"--config {path}: no such file")
    try:
        raw = load_yaml(path) if path.suffix in (".yaml", ".yml") else json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: a training config must be a mapping of settings")
    return raw


def library_versions() -> dict[str, str]:
    out = {}
    for name in ("torch", "transformers", "trl", "peft", "accelerate", "datasets", "unsloth", "bitsandbytes"):
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return out
