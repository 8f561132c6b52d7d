"""The hf back end: a Hugging Face folder (``config.json`` + ``*.safetensors``) through transformers, in this
process, optionally with a LoRA adapter on top (PEFT, not merged).

The prompt is built exactly as the GGUF back end builds it: the folder's chat template (``chat_template.jinja``,
else ``tokenizer_config.json``'s ``chat_template``) or ``--chat-template``, rendered by :mod:`harness.chat`, with
tools through the template when it renders them and in the Hermes system-prompt format otherwise. So the same
model in either form sees the same prompt, token for token. What still differs is the arithmetic: a GGUF
dequantised into a folder runs its Q4 weights in fp32 here, llama.cpp runs them with 8-bit activations; the
logits agree closely (correlation 0.999+ on SmolLM2-135M) but greedy text parts at near-ties, and a verdict can
then differ (tests/backends/test_hf.py).

Weights are only ever read from safetensors (``use_safetensors=True``; a pickled ``.bin`` can run code when
loaded), on the CPU in float32 unless ``LoadOptions.extra["dtype"]`` says otherwise ("auto": the config's dtype
when it is float32 or bfloat16). Decoding follows :class:`GenerationParams` exactly (temperature 0 is greedy);
end-of-generation tokens and stop strings end a reply ("stop"), ``max_tokens`` cuts it ("length") and a
StoppingCriteria cuts it at ``timeout_s`` of wall-clock time ("timeout"). ``generate_many`` runs greedy requests
with short prompts in batches (the same tokens, several times faster: see its docstring).

Not supported: ``GenerationParams.json_schema`` (llama.cpp's grammar) is not enforced; ``describe()`` says so.
``repeat_penalty`` is transformers' ``repetition_penalty`` (over the whole sequence, not llama.cpp's last 64
tokens): the two differ when it is not 1.0.
"""

from __future__ import annotations

import gc
import importlib
import importlib.metadata
import json
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.backends.base import GenerationParams, LoadOptions, backend_kind, missing_dependency
from harness.chat import ChatTemplate, builtin_templates, load_template
from harness.errors import BackendError, ContextOverflowError, ModelLoadError
from harness.models import ModelRef, check_safetensors, folder_sha256s
from harness.types import Completion, Message, ToolSchema

KIND = "hf"
ADAPTER_CONFIG = "adapter_config.json"
# Where a folder keeps its chat template, in the order transformers reads them (both are in its identity).
TEMPLATE_FILES = ("chat_template.jinja", "tokenizer_config.json")
DTYPES = ("float32", "bfloat16", "float16")
# generate_many: rows per batch, and the longest prompt worth batching (longer ones are prefill-bound: no gain).
BATCH_SIZE = 8
BATCH_MAX_PROMPT_TOKENS = 512
DEFAULT_DTYPE = "float32"  # the CPU's native precision: weights as saved, no rounding of a float32 folder


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelLoadError(f"{path}: cannot read it as JSON ({exc}); re-save the folder") from None
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path}: is not a JSON object; re-save the folder")
    return data


def folder_chat_template(folder: Path) -> tuple[str, str] | None:
    """``(template text, file name)`` of the folder's own chat template, or None when it has none.

    ``chat_template.jinja`` wins over ``tokenizer_config.json``'s ``chat_template`` (as in transformers); a
    list of named templates gives its ``default`` one."""
    jinja = folder / TEMPLATE_FILES[0]
    if jinja.is_file():
        try:
            text = jinja.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ModelLoadError(f"{jinja}: cannot read the chat template ({exc}); re-save it as UTF-8") from None
        if text.strip():
            return text, TEMPLATE_FILES[0]
    cfg_file = folder / TEMPLATE_FILES[1]
    if not cfg_file.is_file():
        return None
    template = _read_json(cfg_file).get("chat_template")
    if isinstance(template, list):  # [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
        named = {t.get("name"): t.get("template") for t in template if isinstance(t, dict)}
        template = named.get("default")
    if isinstance(template, str) and template.strip():
        return template, TEMPLATE_FILES[1]
    return None


def check_adapter(spec: str) -> Path:
    """The adapter folder ``spec``, checked before anything loads: it must hold ``adapter_config.json`` and
    safetensors weights (PEFT would fall back to a pickled ``adapter_model.bin``, which can run code)."""
    path = Path(spec).expanduser()
    if not path.is_dir():
        raise ModelLoadError(f"--adapter {spec}: no such folder; pass a PEFT adapter folder (adapter_config.json)")
    if not (path / ADAPTER_CONFIG).is_file():
        raise ModelLoadError(
            f"--adapter {spec}: no {ADAPTER_CONFIG}; pass the folder PEFT's save_pretrained wrote (a merged model "
            "is a --model, not an --adapter)"
        )
    check_safetensors(path, f"--adapter {spec}")
    return path.resolve()


def _pick_dtype(options: LoadOptions, config: dict[str, Any]) -> str:
    """``extra["dtype"]``: float32 (default), bfloat16, float16, or "auto" (the config's dtype when it is
    float32 or bfloat16, else float32)."""
    asked = options.extra.get("dtype", DEFAULT_DTYPE)
    if asked == "auto":
        own = config.get("dtype") or config.get("torch_dtype")
        return own if own in ("float32", "bfloat16") else DEFAULT_DTYPE
    if asked not in DTYPES:
        raise ModelLoadError(f"LoadOptions.extra['dtype'] must be one of {', '.join(DTYPES)} or auto, not {asked!r}")
    return str(asked)


def _import_libraries() -> tuple[Any, Any]:
    try:
        import torch
        import transformers
    except ImportError as exc:
        raise missing_dependency(KIND, "torch and transformers", exc) from None
    return torch, transformers


class _Watch:
    """A transformers StoppingCriteria (duck-typed) over a batch of prompts (left-padded to ``width``): notes when
    the first token came (prompt time) and, per row, when and after how many tokens it ended, and why: an
    end-of-generation token or a stop string ("stop"), ``max_tokens`` ("length"), ``timeout_s`` of wall-clock
    time per row of the batch ("timeout"), checked in that order after each token as the GGUF back end does.
    Returning True for a row ends it; transformers pads it from then on, so its end is kept here."""

    def __init__(
        self, torch: Any, decode: Any, width: int, rows: int, stops: tuple[str, ...], eos_ids: set[int],
        params: GenerationParams, start: float,
    ) -> None:  # fmt: skip
        self.torch = torch
        self.decode = decode
        self.width = width
        self.stops = stops
        self.eos_ids = eos_ids
        self.max_tokens = params.max_tokens
        # The rows of a batch share the wall clock: each gets what ``rows`` generations one after another would
        # have had, so batching never turns a reply that finishes alone into a timeout.
        self.timeout_s = params.timeout_s * rows
        self.start = start
        self.first: float | None = None
        self.ended: list[tuple[str, int, float] | None] = [None] * rows  # (finish, tokens kept, when)

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        now = time.perf_counter()
        if self.first is None:
            self.first = now
        for row, ids in enumerate(input_ids[:, self.width :].tolist()):
            if self.ended[row] is not None:
                continue
            if ids[-1] in self.eos_ids:
                self.ended[row] = ("stop", len(ids) - 1, now)
            elif self.stops and any(s in self.decode(ids) for s in self.stops):
                self.ended[row] = ("stop", len(ids), now)
            elif len(ids) >= self.max_tokens:
                self.ended[row] = ("length", len(ids), now)
            elif now - self.start > self.timeout_s:
                self.ended[row] = ("timeout", len(ids), now)
        done = [e is not None for e in self.ended]
        return self.torch.tensor(done, dtype=self.torch.bool, device=input_ids.device)


class HFBackend:
    name = "transformers"

    def __init__(self, ref: ModelRef, options: LoadOptions) -> None:
        self.ref = ref
        self.options = options
        self.path = ref.file
        self.config = _read_json(self.path / "config.json")
        own_template = folder_chat_template(self.path)
        if not options.chat_template and own_template is None:
            raise ModelLoadError(
                f"{self.path}: the folder has no chat template (chat_template.jinja, or chat_template in "
                f"tokenizer_config.json); pass --chat-template NAME|PATH (built-in: {', '.join(builtin_templates())})"
            )
        self.adapter = check_adapter(options.adapter) if options.adapter else None
        self.dtype = _pick_dtype(options, self.config)
        torch, transformers = _import_libraries()
        self._torch = torch
        peft: Any = None
        if self.adapter is not None:
            try:
                peft = importlib.import_module("peft")
            except ImportError as exc:
                raise missing_dependency(KIND, "peft for --adapter", exc) from None
        self._tokenizer_lock = threading.RLock()
        self.n_threads = options.n_threads
        torch.set_num_threads(self.n_threads)
        start = time.perf_counter()
        bars = transformers.utils.logging.is_progress_bar_enabled()
        transformers.utils.logging.disable_progress_bar()  # no "Loading weights" bar in the run's output
        try:
            self.tokenizer = transformers.AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
            tok = self.tokenizer
            bos_text, eos_text = tok.bos_token or "", tok.eos_token or ""
            # The template compiles (and is probed for tools) before the weights load: a bad one fails fast.
            if options.chat_template:
                self.template = load_template(options.chat_template, None, self.path, bos_text, eos_text)
            else:
                assert own_template is not None
                text, file = own_template
                self.template = ChatTemplate(text, file, bos_text, eos_text, origin=str(self.path / file))
            model = transformers.AutoModelForCausalLM.from_pretrained(
                str(self.path),
                use_safetensors=True,  # never a pickled .bin, even beside the safetensors
                local_files_only=True,
                trust_remote_code=False,
                **{_dtype_keyword(transformers.__version__): getattr(torch, self.dtype)},
            )
        except (OSError, ValueError, RuntimeError, KeyError, ImportError) as exc:
            raise ModelLoadError(f"{self.path}: transformers could not load the folder ({_one_line(exc)})") from None
        finally:
            if bars:
                transformers.utils.logging.enable_progress_bar()
        self.n_params = sum(p.numel() for p in model.parameters())
        self.adapter_params = 0
        if self.adapter is not None and peft is not None:
            try:
                model = peft.PeftModel.from_pretrained(model, str(self.adapter), is_trainable=False)
            except (OSError, ValueError, RuntimeError, KeyError, TypeError) as exc:
                raise ModelLoadError(f"--adapter {self.adapter}: PEFT could not apply it ({_one_line(exc)})") from None
            self.adapter_params = sum(p.numel() for p in model.parameters()) - self.n_params
        model.eval()
        self.model = model
        self.load_s = time.perf_counter() - start
        self.eos_ids = self._eos_ids()
        self.pad_id = self._pad_id()
        probe_with = tok("a", add_special_tokens=True)["input_ids"]
        probe_without = tok("a", add_special_tokens=False)["input_ids"]
        bos_id = tok.bos_token_id
        self._bos_id = bos_id
        self._add_bos = bos_id is not None and probe_with[:1] == [bos_id] and probe_without[:1] != [bos_id]
        self._bos_text = bos_text
        trained = self.config.get("max_position_embeddings")
        self.context_length_trained = trained if isinstance(trained, int) and trained > 0 else None
        self.n_ctx = min(options.n_ctx, self.context_length_trained or options.n_ctx)
        self.prompt_tokens_evaluated = 0
        self._sha256s: dict[Path, dict[str, str]] = {}

    def _eos_ids(self) -> list[int]:
        """The end-of-generation tokens: the generation config's eos (one or a list) and the tokenizer's."""
        ids: list[int] = []
        gen_eos = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        for value in (gen_eos, self.config.get("eos_token_id"), self.tokenizer.eos_token_id):
            for i in value if isinstance(value, list) else [value]:
                if isinstance(i, int) and i >= 0 and i not in ids:
                    ids.append(i)
        return ids

    def _pad_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        return int(pad) if pad is not None else (self.eos_ids[0] if self.eos_ids else 0)

    def tokenize_prompt(self, prompt: str) -> list[int]:
        """The prompt's tokens; special tokens written in it are parsed as such, and the BOS token is put in
        front when the tokenizer adds one and the template did not write it (as the GGUF back end does)."""
        with self._tokenizer_lock:  # a fast tokenizer called from two threads at once can fail ("Already borrowed")
            ids = list(self.tokenizer(prompt, add_special_tokens=False)["input_ids"])
        if self._add_bos and not (self._bos_text and prompt.startswith(self._bos_text)):
            ids.insert(0, int(self._bos_id))
        return ids

    def decode(self, ids: list[int]) -> str:
        with self._tokenizer_lock:
            return str(self.tokenizer.decode(ids, skip_special_tokens=False, clean_up_tokenization_spaces=False))

    def supports(self, requirement: str) -> bool:
        return requirement == "thinking" and self.template.supports_thinking

    def count_tokens(self, messages: list[Message], tools: list[ToolSchema] | None = None) -> int:
        return len(self.tokenize_prompt(self.template.render(messages, tools or [])))

    def generation_config(self, params: GenerationParams) -> Any:
        """Every decoding setting of ``params``, explicit (a value left unset would be filled from the folder's
        generation_config.json or transformers' defaults, e.g. top_k 50)."""
        from transformers import GenerationConfig

        sample = params.temperature > 0
        return GenerationConfig(
            max_new_tokens=params.max_tokens,
            min_new_tokens=0,
            do_sample=sample,
            num_beams=1,
            # Greedy: the sampling settings are inert; transformers' neutral values keep it from warning.
            temperature=params.temperature if sample else 1.0,
            top_k=params.top_k if sample else 50,
            top_p=params.top_p if sample else 1.0,
            min_p=params.min_p if sample and params.min_p > 0 else None,
            repetition_penalty=params.repeat_penalty,
            eos_token_id=self.eos_ids,
            pad_token_id=self.pad_id,
            use_cache=True,
        )

    def _fit(self, tokens: list[int], params: GenerationParams) -> None:
        if len(tokens) + params.max_tokens > self.n_ctx:
            raise ContextOverflowError(
                f"prompt of {len(tokens)} tokens + max_tokens {params.max_tokens} exceeds n_ctx {self.n_ctx}; "
                "raise --n-ctx or shorten the case"
            )

    def generate(
        self, messages: list[Message], tools: list[ToolSchema], params: GenerationParams, key: str | None = None
    ) -> Completion:
        prompt = self.template.render(messages, tools)
        tokens = self.tokenize_prompt(prompt)
        self._fit(tokens, params)
        return self._run([(prompt, tokens)], params)[0]

    def generate_many(
        self,
        requests: Sequence[tuple[list[Message], list[ToolSchema], GenerationParams]],
        batch_size: int = BATCH_SIZE,
        max_prompt_tokens: int = BATCH_MAX_PROMPT_TOKENS,
    ) -> list[Completion | BackendError]:
        """``generate`` for each ``(messages, tools, params)``, greedy ones with short prompts in batches.

        Batching (left padding) gave the same greedy replies as one at a time in every measurement (SmolLM2-135M,
        up to 16 Josi and 8 Pokkit prompts, fp32), and is faster where decoding dominates: 2.4-3.6x for Josi's
        ~160-token prompts in batches of 4-8 on 2 quiet cores (decode reads every weight once per step, for the
        whole batch); with Pokkit's 1,540-token prompts prefill dominates and it gained nothing (0.9-1.1x;
        benchmarks/hf_batch.py). So a request is batched only when it is greedy and its prompt has at most
        ``max_prompt_tokens`` tokens, with others of equal params; the rest run one at a time. The results are in
        the order of ``requests``; a request that does not fit the context, or whose batch failed, has its
        BackendError in its place (a bad chat template raises, as in ``generate``)."""
        results: list[Completion | BackendError | None] = [None] * len(requests)
        groups: dict[str, list[tuple[int, str, list[int]]]] = {}
        for i, (messages, tools, params) in enumerate(requests):
            prompt = self.template.render(messages, tools)
            tokens = self.tokenize_prompt(prompt)
            try:
                self._fit(tokens, params)
                if params.temperature > 0 or len(tokens) > max_prompt_tokens or batch_size < 2:
                    results[i] = self._run([(prompt, tokens)], params)[0]
                    continue
            except BackendError as exc:
                results[i] = exc
                continue
            groups.setdefault(json.dumps(params.to_dict(), sort_keys=True), []).append((i, prompt, tokens))
        for items in groups.values():
            params = requests[items[0][0]][2]
            items.sort(key=lambda item: len(item[2]))  # similar lengths together: less padding
            for n in range(0, len(items), batch_size):
                chunk = items[n : n + batch_size]
                try:
                    done: list[Completion | BackendError] = list(self._run([(p, t) for _, p, t in chunk], params))
                except BackendError as exc:
                    done = [exc] * len(chunk)
                for (i, _, _), result in zip(chunk, done, strict=True):
                    results[i] = result
        return [r for r in results if r is not None]

    def _run(self, prompts: list[tuple[str, list[int]]], params: GenerationParams) -> list[Completion]:
        """Generate for each ``(prompt text, tokens)`` in one batch, left-padded to the longest."""
        from transformers import StoppingCriteriaList

        torch = self._torch
        stops = tuple(dict.fromkeys((*params.stop, *self.template.stop)))
        config = self.generation_config(params)
        width = max(len(t) for _, t in prompts)
        input_ids = torch.tensor([[self.pad_id] * (width - len(t)) + t for _, t in prompts], dtype=torch.long)
        mask = torch.tensor([[0] * (width - len(t)) + [1] * len(t) for _, t in prompts], dtype=torch.long)
        start = time.perf_counter()
        watch = _Watch(torch, self.decode, width, len(prompts), stops, set(self.eos_ids), params, start)
        torch.manual_seed(params.seed)
        try:
            with torch.inference_mode():
                output = self.model.generate(
                    input_ids=input_ids,
                    attention_mask=mask,
                    generation_config=config,
                    stopping_criteria=StoppingCriteriaList([watch]),
                )
        except (RuntimeError, ValueError, IndexError) as exc:
            raise BackendError(f"transformers failed while generating: {_one_line(exc)}") from None
        end = time.perf_counter()
        first = watch.first or end
        out = []
        for row, (prompt, tokens) in enumerate(prompts):
            ids = output[row, width:].tolist()
            finish, kept, when = watch.ended[row] or ("length", len(ids), end)
            ids = ids[:kept]
            text = self.decode(ids)
            hit = next((s for s in stops if s in text), None)
            if hit is not None:
                text, finish = text[: text.index(hit)], "stop"
            self.prompt_tokens_evaluated += len(tokens)
            out.append(
                Completion(
                    text=text,
                    finish_reason=finish,
                    prompt_tokens=len(tokens),
                    completion_tokens=len(ids),
                    latency_s=when - start,
                    prompt_text=prompt,
                    timings={
                        "prompt_s": first - start,
                        "decode_s": max(when - first, 0.0),
                        "prompt_tokens_evaluated": len(tokens),
                    },
                )
            )
        return out

    def describe(self) -> dict[str, Any]:
        cfg = self.config
        archs = cfg.get("architectures")
        return {
            "backend": "transformers",
            "transformers": _version("transformers"),
            "torch": _version("torch"),
            "peft": _version("peft"),
            "architecture": cfg.get("model_type"),
            "model_name": cfg.get("_name_or_path") or cfg.get("_model_name_or_path") or self.path.name,
            "quantization": None,
            "context_length_trained": self.context_length_trained,
            "n_params": self.n_params,
            "n_ctx": self.n_ctx,
            "n_threads": self.n_threads,
            "chat_template": self.template.describe(),
            "load_s": round(self.load_s, 3),
            "config": {
                "model_type": cfg.get("model_type"),
                "architectures": archs if isinstance(archs, list) else None,
                "vocab_size": cfg.get("vocab_size"),
                "hidden_size": cfg.get("hidden_size"),
                "num_hidden_layers": cfg.get("num_hidden_layers"),
                "torch_dtype": cfg.get("torch_dtype") or cfg.get("dtype"),
            },
            "files_sha256": self._hashes(self.path),
            "adapter": None
            if self.adapter is None
            else {"path": str(self.adapter), "files_sha256": self._hashes(self.adapter), "params": self.adapter_params},
            "dtype": self.dtype,
            "device": "cpu",
            "constrained_decoding": False,  # GenerationParams.json_schema is not enforced
        }

    def _hashes(self, folder: Path) -> dict[str, str]:
        """:func:`folder_sha256s` of ``folder``, computed once (describe() is called again when the run ends)."""
        if folder not in self._sha256s:
            self._sha256s[folder] = folder_sha256s(folder)
        return self._sha256s[folder]

    def close(self) -> None:
        if getattr(self, "model", None) is not None:
            self.model = None
            gc.collect()


def _dtype_keyword(version: str) -> str:
    """``from_pretrained``'s dtype keyword: ``dtype`` since transformers 4.56, ``torch_dtype`` before."""
    try:
        major, minor = (int(x) for x in version.split(".")[:2])
    except ValueError:
        return "dtype"
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 1] + "…"


@backend_kind(KIND, install="pip install 'smallmodel-harness[hf]'", in_process=True, batches=True)
def open_hf(ref: ModelRef, options: LoadOptions) -> HFBackend:
    """A Hugging Face folder through transformers, in this process (``--adapter``: a LoRA on top, not merged)."""
    return HFBackend(ref, options)
