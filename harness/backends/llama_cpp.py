"""In-process llama.cpp back end (llama-cpp-python): one model for the whole session, closed at the end.

Generation runs its own token loop over ``Llama.generate`` so that every parameter is explicit and the
harness knows exactly how many tokens were evaluated and generated, where the prompt cache was
reused, why generation stopped (end-of-generation token, stop string, token budget, wall clock), and
how long prompt processing and decoding each took.

``LoadOptions.extra["repack"]`` (default True) controls llama.cpp's CPU weight repacking ("extra buffer
types", e.g. the AMX layouts on Intel Sapphire Rapids); False loads with ``use_extra_bufts = False``, which
avoids the segfault at the first decode seen on virtualised AMX machines (issue 10).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import json
import os
import platform
import threading
import time
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

from harness.backends.base import GenerationParams, LoadOptions, backend_kind
from harness.chat import ChatTemplate, load_template
from harness.errors import BackendError, ConfigError, ContextOverflowError, ModelLoadError
from harness.models import GGUFInfo, ModelRef, inspect_gguf
from harness.types import Completion, Message, ToolSchema


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except ImportError:
        raise ModelLoadError(
            "the llama.cpp back end needs llama-cpp-python: pip install llama-cpp-python (builds from source)"
        ) from None
    return llama_cpp


# Tests set this to "1" to make the harness treat the CPU as having AMX (the crash of issue 10 needs one).
ASSUME_AMX_ENV = "HARNESS_ASSUME_AMX"
AMX_FLAGS = ("amx_tile", "amx_int8")
# Llama() reads llama_model_default_params() while it loads; the override below swaps that function for the
# duration of one construction, so loads in one process are serialised.
_LOAD_LOCK = threading.Lock()
# Called with (prompt_text, prompt_tokens, text_so_far, completion_tokens): once before decoding (text "", 0),
# then after every generated token. The worker process streams these so a killed generation keeps its text.
ProgressCallback = Callable[[str, int, str, int], None]


@cache
def _cpuinfo() -> tuple[str, frozenset[str]]:
    """The CPU model name and flags of the first processor in /proc/cpuinfo (empty off Linux)."""
    name = ""
    flags: frozenset[str] = frozenset()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            key, _, value = line.partition(":")
            key = key.strip()
            if key == "model name" and not name:
                name = value.strip()
            elif key == "flags" and not flags:
                flags = frozenset(value.split())
            if name and flags:
                break
    return name or platform.processor() or platform.machine(), flags


def cpu_model_name() -> str:
    """The CPU model name from /proc/cpuinfo ("model name"), else what ``platform`` knows."""
    return _cpuinfo()[0]


def cpu_has_amx(assume_env: bool = True) -> bool:
    """Whether the CPU has Intel AMX (amx_tile/amx_int8 in /proc/cpuinfo), or ``HARNESS_ASSUME_AMX=1`` says so."""
    if assume_env and os.environ.get(ASSUME_AMX_ENV) == "1":
        return True
    return any(f in _cpuinfo()[1] for f in AMX_FLAGS)


def repack_option(options: LoadOptions) -> bool:
    """``options.extra["repack"]``: llama.cpp's CPU weight repacking, on unless set to False."""
    value = options.extra.get("repack", True)
    if not isinstance(value, bool):
        raise ConfigError(f"LoadOptions.extra['repack'] must be true or false, not {value!r}")
    return value


@contextlib.contextmanager
def _model_params(llama_cpp: Any, use_extra_bufts: bool) -> Iterator[None]:
    """Make ``Llama()`` load with ``use_extra_bufts`` set: ``Llama`` does not expose the field, so the
    defaults function it calls is wrapped while the model loads."""
    fields = {name for name, *_ in llama_cpp.llama_model_params._fields_}
    if "use_extra_bufts" not in fields:
        raise ModelLoadError(
            f"llama-cpp-python {importlib.metadata.version('llama-cpp-python')} has no "
            "llama_model_params.use_extra_bufts, so repacking cannot be turned off; install llama-cpp-python==0.3.36"
        )
    lib = llama_cpp.llama_cpp
    with _LOAD_LOCK:
        original = lib.llama_model_default_params

        def defaults() -> Any:
            params = original()
            params.use_extra_bufts = use_extra_bufts
            return params

        lib.llama_model_default_params = defaults
        try:
            yield
        finally:
            lib.llama_model_default_params = original


class LlamaCppBackend:
    name = "llama.cpp"

    def __init__(self, ref: ModelRef, options: LoadOptions) -> None:
        self.ref = ref
        self.options = options
        self.info: GGUFInfo = inspect_gguf(ref.file)
        if not options.chat_template and not self.info.chat_template:
            # Refuse before spending time on the load.
            load_template(None, None, ref.file)
        llama_cpp = _import_llama_cpp()
        self._lib = llama_cpp
        self.n_threads_batch = options.n_threads_batch or options.n_threads
        self.repack = repack_option(options)
        start = time.perf_counter()
        try:
            with _model_params(llama_cpp, use_extra_bufts=self.repack):
                self.llm = llama_cpp.Llama(
                    model_path=str(ref.file),
                    n_ctx=options.n_ctx,
                    n_batch=options.n_batch,
                    n_threads=options.n_threads,
                    n_threads_batch=self.n_threads_batch,
                    n_gpu_layers=int(options.extra.get("n_gpu_layers", 0)),
                    seed=0,
                    use_mmap=True,
                    logits_all=False,
                    verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelLoadError(f"{ref.file}: llama.cpp could not load the model ({exc})") from None
        self.load_s = time.perf_counter() - start
        if bool(self.llm.model_params.use_extra_bufts) != self.repack:
            self.close()
            raise ModelLoadError(f"{ref.file}: llama.cpp ignored use_extra_bufts={self.repack}; cannot set repacking")
        model = self.llm._model
        bos = model.token_bos()
        eos = model.token_eos()
        self.template: ChatTemplate = load_template(
            options.chat_template,
            self.info.chat_template,
            ref.file,
            bos_token=model.token_get_text(bos) if bos >= 0 else "",
            eos_token=model.token_get_text(eos) if eos >= 0 else "",
        )
        self._add_bos = bool(model.add_bos_token()) and bos >= 0
        self._bos_text = self.template.bos_token
        self.prompt_tokens_evaluated = 0

    @property
    def n_ctx(self) -> int:
        return int(self.llm.n_ctx())

    def tokenize_prompt(self, prompt: str) -> list[int]:
        add_bos = self._add_bos and not (self._bos_text and prompt.startswith(self._bos_text))
        return list(self.llm.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True))

    def _cached_prefix(self, tokens: list[int]) -> int:
        n = 0
        for a, b in zip(self.llm._input_ids[: self.llm.n_tokens], tokens, strict=False):
            if a != b:
                break
            n += 1
        return n

    def supports(self, requirement: str) -> bool:
        return requirement == "thinking" and self.template.supports_thinking

    def count_tokens(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> int:
        return len(self.tokenize_prompt(self.template.render(messages, tools or [])))

    def generate(
        self,
        messages: list[Message],
        tools: list[ToolSchema],
        params: GenerationParams,
        key: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> Completion:
        """Generate one turn. ``on_progress`` (optional) sees the prompt and then the text after every token."""
        prompt = self.template.render(messages, tools)
        tokens = self.tokenize_prompt(prompt)
        if len(tokens) + params.max_tokens > self.n_ctx:
            raise ContextOverflowError(
                f"prompt of {len(tokens)} tokens + max_tokens {params.max_tokens} exceeds n_ctx {self.n_ctx}; "
                "raise --n-ctx or shorten the case"
            )
        stops = tuple(dict.fromkeys((*params.stop, *self.template.stop)))
        vocab = self.llm._model.vocab
        evaluated = len(tokens) - self._cached_prefix(tokens)
        self.llm.set_seed(params.seed)
        out: list[int] = []
        text = ""
        finish = "length"
        start = time.perf_counter()
        first: float | None = None
        grammar = None
        if params.json_schema is not None:
            grammar = self._lib.LlamaGrammar.from_json_schema(json.dumps(params.json_schema), verbose=False)
        if on_progress is not None:
            on_progress(prompt, len(tokens), "", 0)
        gen = self.llm.generate(
            tokens,
            grammar=grammar,
            top_k=params.top_k,
            top_p=params.top_p,
            min_p=params.min_p,
            typical_p=1.0,
            temp=params.temperature,
            repeat_penalty=params.repeat_penalty,
            frequency_penalty=0.0,
            presence_penalty=0.0,
            reset=True,
        )
        try:
            for tok in gen:
                if first is None:
                    first = time.perf_counter()
                if self._lib.llama_vocab_is_eog(vocab, tok):
                    finish = "stop"
                    break
                out.append(tok)
                text = self.llm.detokenize(out, special=True).decode("utf-8", errors="ignore")
                hit = next((s for s in stops if s in text), None)
                if hit is not None:
                    text = text[: text.index(hit)]
                    finish = "stop"
                    break
                if on_progress is not None:
                    on_progress(prompt, len(tokens), text, len(out))
                if len(out) >= params.max_tokens:
                    break
                if time.perf_counter() - start > params.timeout_s:
                    finish = "timeout"
                    break
        except (RuntimeError, ValueError) as exc:
            raise BackendError(f"llama.cpp failed while generating: {exc}") from None
        finally:
            gen.close()
        end = time.perf_counter()
        first = first or end
        self.prompt_tokens_evaluated += evaluated
        return Completion(
            text=text,
            finish_reason=finish,
            prompt_tokens=len(tokens),
            completion_tokens=len(out),
            latency_s=end - start,
            prompt_text=prompt,
            timings={"prompt_s": first - start, "decode_s": end - first, "prompt_tokens_evaluated": evaluated},
        )

    def describe(self) -> dict[str, Any]:
        info = self.info
        return {
            "backend": "llama.cpp",
            "llama_cpp_python": importlib.metadata.version("llama-cpp-python"),
            "architecture": info.architecture,
            "model_name": info.name,
            "quantization": info.file_type,
            "gguf_version": info.version,
            "context_length_trained": info.context_length,
            "n_params": int(self.llm._model.n_params()),
            "n_ctx": self.n_ctx,
            "n_batch": self.options.n_batch,
            "n_threads": self.options.n_threads,
            "n_threads_batch": self.n_threads_batch,
            "n_gpu_layers": int(self.options.extra.get("n_gpu_layers", 0)),
            "chat_template": self.template.describe(),
            "load_s": round(self.load_s, 3),
            "repack": "on" if self.repack else "off",
            "cpu": cpu_model_name(),
            "amx": cpu_has_amx(assume_env=False),
            "system_info": self._lib.llama_print_system_info().decode("utf-8", errors="replace").strip(),
        }

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is not None:
            llm.close()
            self.llm = None  # type: ignore[assignment]


@backend_kind("gguf", install="pip install llama-cpp-python", in_process=False)
def open_llama_cpp(ref: ModelRef, options: LoadOptions) -> LlamaCppBackend:
    """A GGUF file through llama-cpp-python, in this process (the session runs it in a worker process)."""
    return LlamaCppBackend(ref, options)
