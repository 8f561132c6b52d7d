"""Export: merge the LoRA adapter, convert to GGUF with llama.cpp's own ``convert_hf_to_gguf.py``, quantize with
``llama_cpp.llama_model_quantize``, and write an Ollama Modelfile whose TEMPLATE matches the training format.

The converter is not on PyPI as a package of its own: it ships in the llama-cpp-python source distribution
under ``vendor/llama.cpp`` together with the ``gguf-py`` it needs. :func:`find_converter` uses
``$HARNESS_LLAMA_CPP`` (a llama.cpp checkout) if set, else a cached copy, else fetches the sdist of the
installed llama-cpp-python version once with pip (the package registry, no model hub) and keeps only the
converter, ``conversion/``, ``gguf-py/`` and the licence.

The gate always runs on the final quantized file: a 135M model can survive f16 and break at Q4.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.chat import ChatTemplate
from harness.errors import TrainingError
from harness.modelfile import MODELFILE, check_model_file_name, modelfile
from harness.models import inspect_gguf, sha256_file
from harness.results import write_json_atomic
from train.config import TrainConfig
from train.finetune import BaseModel, cache_dir, check_tokenizer, load_model

CONVERTER_MEMBERS = ("convert_hf_to_gguf.py", "conversion/", "gguf-py/", "LICENSE")
FTYPES = {
    "Q4_K_M": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
    "Q5_K_M": "LLAMA_FTYPE_MOSTLY_Q5_K_M",
    "Q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0",
}


def find_converter(fetch: bool = True) -> Path:
    """A directory with ``convert_hf_to_gguf.py`` and ``gguf-py/`` (see the module docstring for the order)."""
    env = os.environ.get("HARNESS_LLAMA_CPP")
    if env:
        path = Path(env).expanduser()
        if not (path / "convert_hf_to_gguf.py").is_file():
            raise TrainingError(f"HARNESS_LLAMA_CPP={env}: no convert_hf_to_gguf.py there; point it at llama.cpp")
        return path
    version = importlib.metadata.version("llama_cpp_python")
    target = cache_dir() / f"llama.cpp-{version}"
    if (target / "convert_hf_to_gguf.py").is_file():
        return target
    if not fetch:
        raise TrainingError(f"llama.cpp converter not cached at {target}; run: python -m harness fetch-converter")
    print(f"fetching llama.cpp's converter from the llama-cpp-python {version} sdist (once, ~75 MB) ...", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", f"llama-cpp-python=={version}", "--no-deps",
               "--no-binary", ":all:", "--quiet", "-d", tmp]  # fmt: skip
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        archives = list(Path(tmp).glob("llama_cpp_python-*.tar.gz"))
        if proc.returncode != 0 or not archives:
            raise TrainingError(
                f"could not download the llama-cpp-python {version} sdist for its converter "
                f"({proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else 'no archive'}); "
                "set HARNESS_LLAMA_CPP to a llama.cpp checkout instead"
            )
        _extract_converter(archives[0], target)
    return target


def _extract_converter(archive: Path, target: Path) -> None:
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    with tarfile.open(archive) as tar:
        prefix = next(n for n in tar.getnames() if n.endswith("vendor/llama.cpp/convert_hf_to_gguf.py"))
        root = prefix[: -len("convert_hf_to_gguf.py")]
        members = [
            m for m in tar.getmembers() if m.name.startswith(root) and m.name[len(root) :].startswith(CONVERTER_MEMBERS)
        ]
        for m in members:
            m.name = m.name[len(root) :]
        tar.extractall(partial, members=members, filter="data")
    partial.replace(target)


def merge_adapter(model: Any, tokenizer: Any, base: BaseModel, out_dir: Path) -> Path:
    """Merge LoRA weights into the base and save a Hugging Face model directory (safetensors + tokenizer).

    ``model`` is a PEFT model in memory, or the path of a saved adapter: the base is then loaded again at full
    precision, which is how a 4-bit (QLoRA) adapter is merged (4-bit weights cannot be merged and saved).
    The tokenizer is saved with the base's own chat template (no generation markers) and checked to reload
    with the same vocabulary, eos token and ids.
    """
    if isinstance(model, str | Path):
        from peft import PeftModel

        model = PeftModel.from_pretrained(load_model(base, TrainConfig(), "cpu"), str(model))
    merged = model.merge_and_unload()
    merged = merged.to("cpu").float()
    out_dir.mkdir(parents=True, exist_ok=True)
    merged.save_pretrained(str(out_dir), safe_serialization=True)
    tokenizer.chat_template = base.chat_template
    tokenizer.save_pretrained(str(out_dir))
    _check_saved_tokenizer(tokenizer, out_dir, merged.config.vocab_size)
    return out_dir


def _check_saved_tokenizer(original: Any, directory: Path, vocab_size: int) -> None:
    from transformers import PreTrainedTokenizerFast

    reloaded = PreTrainedTokenizerFast.from_pretrained(str(directory))
    check_tokenizer(reloaded, vocab_size)
    sample = "<|im_start|>user\nwake me at 6:45 🐸<|im_end|>\n<tool_call>{}</tool_call>"
    if reloaded.encode(sample) != original.encode(sample) or reloaded.eos_token != original.eos_token:
        raise TrainingError(f"{directory}: the saved tokenizer does not reload identically; the GGUF would be wrong")


def convert_to_gguf(hf_dir: Path, out_file: Path, name: str | None = None) -> Path:
    """The merged model as an f16 GGUF, by llama.cpp's own converter (which writes the chat template too)."""
    converter = find_converter()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(converter / "gguf-py"), str(converter)])}
    cmd = [sys.executable, str(converter / "convert_hf_to_gguf.py"), str(hf_dir), "--outfile", str(out_file),
           "--outtype", "f16", *(["--model-name", name] if name else [])]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    if proc.returncode != 0 or not out_file.is_file():
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-5:])
        raise TrainingError(f"convert_hf_to_gguf.py failed on {hf_dir} (exit {proc.returncode}):\n{tail}")
    return out_file


def quantize(src: Path, dst: Path, qtype: str = "Q4_K_M") -> Path:
    """Quantize a GGUF with llama.cpp (``llama_model_quantize``, all cores)."""
    import llama_cpp

    if qtype not in FTYPES:
        raise TrainingError(f"quantization {qtype!r} is not one of {', '.join(FTYPES)} (F16 needs no quantizing)")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, FTYPES[qtype])
    with _stderr_to(dst.with_suffix(".quantize.log")):  # llama.cpp prints a line per tensor on fd 2
        rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), ctypes.byref(params))
    if rc != 0 or not dst.is_file():
        raise TrainingError(f"llama_model_quantize {src} -> {qtype} failed (code {rc})")
    return dst


@contextlib.contextmanager
def _stderr_to(path: Path) -> Iterator[None]:
    """Send file descriptor 2 (C libraries included) to ``path`` for the duration of the block."""
    sys.stderr.flush()
    saved = os.dup(2)
    with path.open("wb") as fh:
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


@dataclass
class ExportResult:
    hf_dir: str
    gguf: str
    quant: str
    size_bytes: int
    sha256: str
    modelfile: str  # "" when the base is not ChatML (the Modelfile's TEMPLATE is ChatML)
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def export(
    model: Any, tokenizer: Any, base: BaseModel, out_dir: Path, cfg: TrainConfig, *, name: str = "model",
    system: str | None = None, adapter_dir: Path | None = None,
) -> ExportResult:  # fmt: skip
    """Adapter -> merged HF dir -> f16 GGUF -> quantized GGUF + Modelfile, with the config saved beside them.

    ``model`` is the trained PEFT model or an adapter directory. A 4-bit (QLoRA) model is merged from
    ``adapter_dir`` onto the full-precision base instead, since quantized weights cannot be merged and saved.
    """
    start = time.perf_counter()
    check_model_file_name(f"{name}.{cfg.quant}.gguf", "--name")  # before the slow steps, not after them
    if cfg.load_in_4bit and not isinstance(model, str | Path):
        if adapter_dir is None:
            raise TrainingError("a 4-bit model is merged from its saved adapter: pass adapter_dir")
        model = adapter_dir
    hf_dir = merge_adapter(model, tokenizer, base, out_dir / "merged")
    f16 = convert_to_gguf(hf_dir, out_dir / f"{name}.f16.gguf", name=name)
    final = out_dir / f"{name}.{cfg.quant}.gguf"
    if cfg.quant == "F16":
        f16.replace(final)
    else:
        quantize(f16, final, cfg.quant)
        f16.unlink()
    info = inspect_gguf(final)  # the harness's own header check: readable, complete, with a chat template
    if (info.chat_template or "").strip() != base.chat_template.strip():
        raise TrainingError(f"{final}: the chat template in the GGUF differs from the base's; the eval would lie")
    mf = out_dir / MODELFILE
    if "<|im_start|>" in base.chat_template:
        mf.write_text(modelfile(final.name, system, ChatTemplate(base.chat_template, "base").stop), encoding="utf-8")
    else:
        print(f"no Modelfile: its TEMPLATE is ChatML and {base.path.name} uses another chat format")
    result = ExportResult(
        hf_dir=str(hf_dir),
        gguf=str(final),
        quant=cfg.quant,
        size_bytes=final.stat().st_size,
        sha256=sha256_file(final),
        modelfile=str(mf) if mf.is_file() else "",
        seconds=round(time.perf_counter() - start, 2),
    )
    cfg.save(out_dir, {"base": str(base.path), "base_sha256": base.sha256, "gguf_sha256": result.sha256})
    write_json_atomic(out_dir / "export.json", result.to_dict())
    return result
