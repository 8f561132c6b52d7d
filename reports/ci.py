"""The CI gate and publishing: judge a stored run again, and upload a model only when that run vouches for it.

``gate_run`` re-evaluates the gates from ``results.jsonl`` and ``manifest.json``; it never loads the model.
A verdict is only worth something when the run is whole and was made on the very file in hand: the run must
have finished, every selected case must have a result, the error rate must be within ``max_error_rate``, the
run must not be partial (``-k``, ``--limit``...; unless ``allow_partial``), and the model file's sha256 must be
the one the manifest recorded. Any of these failing raises :class:`RunNotTrustedError` (exit 2), kept apart
from a failed gate (exit 1) so a CI job can tell "the model is not good enough" from "this run proves
nothing". The run itself is judged by :func:`harness.verdict.judge_run`, the function the pytest run used, so
the two exit codes agree (for a partial run: ``pytest``'s and ``harness gate --allow-partial``'s).

``publish`` builds the folder a Hugging Face model repository gets (the GGUF, an Ollama ``Modelfile`` and a
``README.md`` model card with the run's results) and uploads it, but only after ``gate_run`` passed on exactly
that file. It never takes a token: ``huggingface_hub`` finds one itself (``HF_TOKEN`` or ``hf auth login``),
and every line this module shows is scrubbed of anything that looks like one.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import yaml

from harness.errors import EXIT_GATE_FAILED, EXIT_UNTRUSTED, ConfigError, HarnessError, ModelLoadError
from harness.gates import GateConfig, GateResult, SuiteStats, gate_config
from harness.gates import load_gates as load_gate_file
from harness.models import resolve_model, sha256_file
from harness.results import MANIFEST_FILE, read_manifest, read_results
from harness.verdict import Verdict, check_run_gate_names, completeness_problem, judge_run
from reports.escape import md_cell, md_code, md_text, sh_word

MODELFILE = "Modelfile"
CARD_FILE = "README.md"
HUB_URL = "https://huggingface.co"
# Hub repo ids: "org/name", letters, digits, '-', '_', '.', at most 96 characters per part.
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
# Hugging Face user access tokens: "hf_" and 30+ letters/digits. Redacted wherever text leaves this module.
_TOKEN_PATTERN = re.compile(r"hf_[A-Za-z0-9]{20,}")
_TOKEN_ENV = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN")


class RunNotTrustedError(HarnessError):
    """The stored run cannot vouch for the model: incomplete, too many errors, or made on another file."""

    exit_code = EXIT_UNTRUSTED


class ModelMismatchError(RunNotTrustedError):
    """The model file is missing or is not the file the run scored (its sha256 differs from the manifest's)."""


class GateFailedError(HarnessError):
    """``publish`` refused: the run is trustworthy but a gate failed (or none applied), so the model stays home."""

    exit_code = EXIT_GATE_FAILED


class PublishError(HarnessError):
    """Uploading failed, or could not start (no ``huggingface_hub``, no token)."""

    exit_code = EXIT_UNTRUSTED


class HubApi(Protocol):
    """The two ``huggingface_hub.HfApi`` methods publishing needs; tests pass a fake that records calls."""

    def create_repo(self, repo_id: str, *, private: bool | None = ..., exist_ok: bool = ...) -> Any: ...

    def upload_folder(self, *, repo_id: str, folder_path: str | Path, commit_message: str | None = ...) -> Any: ...


def redact(text: str) -> str:
    """Replace any Hugging Face token (the environment's, or anything token-shaped) with ``[redacted]``.

    Nothing here ever reads a token in order to use it; this only guarantees that one that slipped into an
    error message or a recorded command line is not printed or written.
    """
    for name in _TOKEN_ENV:
        value = os.environ.get(name, "").strip()
        if len(value) >= 8:
            text = text.replace(value, "[redacted]")
    return _TOKEN_PATTERN.sub("[redacted]", text)


@dataclass
class GateVerdict:
    """The gates re-judged on a stored run (``verdict``), with the run and the file it was checked against."""

    run_dir: Path
    manifest: dict[str, Any]
    verdict: Verdict
    config: GateConfig
    gates_source: str
    model_path: Path
    model_sha256: str

    @property
    def records(self) -> int:
        return self.verdict.records

    @property
    def stats(self) -> dict[str, SuiteStats]:
        return self.verdict.stats

    @property
    def results(self) -> list[GateResult]:
        return self.verdict.gate_results

    @property
    def error_rate(self) -> float:
        return self.verdict.error_rate

    @property
    def partial(self) -> bool:
        return self.verdict.partial

    @property
    def failed(self) -> list[GateResult]:
        return self.verdict.failed

    @property
    def evaluated(self) -> list[GateResult]:
        """Gates that had cases to judge; ``not_evaluated`` ones neither pass nor fail anything."""
        return self.verdict.evaluated

    @property
    def passed(self) -> bool:
        return not self.failed

    @property
    def exit_code(self) -> int:
        return self.verdict.exit_code

    def lines(self) -> list[str]:
        """What ``harness gate`` prints: the run, every gate (failed ones as their one sentence), the verdict."""
        suites = ", ".join(f"{name} ({st.passed}/{st.total} passed)" for name, st in self.stats.items())
        partial = f"; {self.verdict.partial_note}" if self.partial else ""
        out = [
            f"run {self.run_dir}: {self.records} cases, {suites}; error rate {self.error_rate:.0%}{partial}",
            f"model {self.model_path.name}: sha256 {self.model_sha256[:12]} matches the run",
            f"gates ({self.gates_source}):",
        ]
        tags = {"passed": "PASS", "failed": "FAIL", "not_evaluated": "n/a "}
        out += [f"  {tags[g.status]} {g.sentence}" for g in self.results]
        if not self.results:
            out.append("  none configured for the suites that ran")
        out.append(self.verdict.line())
        return [redact(line) for line in out]


def _gate_config(manifest: dict[str, Any], gates_file: Path | None, overrides: Sequence[str]) -> tuple[GateConfig, str]:
    """The gate file if one is given, else the config the run itself was judged with, then any overrides."""
    suffix = f" + {len(overrides)} override(s)" if overrides else ""
    if gates_file is not None:
        if not gates_file.is_file():
            raise ConfigError(f"--gates {gates_file}: no such file")
        return load_gate_file(gates_file, list(overrides)), f"{gates_file}{suffix}"
    stored = manifest.get("gates")
    if not isinstance(stored, dict):
        raise RunNotTrustedError(
            f"{MANIFEST_FILE} records no gate configuration; pass --gates FILE to judge this run against one"
        )
    return gate_config(stored, overrides, f"gate configuration (manifest{suffix})"), f"stored in the manifest{suffix}"


def check_complete(run_dir: Path, manifest: dict[str, Any], records: list[dict[str, Any]]) -> None:
    """Raise RunNotTrustedError unless the stored run finished and every selected case has a record or was
    skipped (:func:`harness.verdict.completeness_problem`). Says nothing about gates or partial runs."""
    problem = completeness_problem(manifest, records, subject=f"run {run_dir}")
    if problem:
        raise RunNotTrustedError(problem)


def _model_file(spec: str | Path | None, manifest: dict[str, Any]) -> Path:
    """The file to check: ``model`` as ``--model`` takes it ('default', a path), else the manifest's path."""
    recorded = manifest.get("model") or {}
    if spec is None:
        if not recorded.get("path"):
            raise ModelMismatchError(f"{MANIFEST_FILE} records no model path; pass --model PATH")
        path = Path(recorded["path"])
        if not path.is_file():
            raise ModelMismatchError(
                f"model file {path} (recorded in the manifest) is missing; pass --model PATH to check another copy"
            )
        return path
    text = str(spec)
    if text != "default" and not text.startswith("scripted:") and not Path(text).expanduser().exists():
        raise ModelMismatchError(f"model file {text} is missing; the run cannot vouch for a file that is not there")
    try:
        return resolve_model(text).path
    except ModelLoadError as exc:
        raise ModelMismatchError(f"model cannot be checked: {exc}") from None


def _check_model(path: Path, manifest: dict[str, Any]) -> str:
    """The file's sha256, if it is the one the manifest recorded; else a ModelMismatchError saying how it differs."""
    recorded = manifest.get("model") or {}
    expected = recorded.get("model_sha256")
    if not isinstance(expected, str) or len(expected) != 64:
        raise ModelMismatchError(f"{MANIFEST_FILE} records no model sha256; the run cannot vouch for any file")
    if not path.is_file():
        raise ModelMismatchError(f"model file {path} is missing")
    size = recorded.get("size_bytes")
    if isinstance(size, int) and path.stat().st_size != size:  # no need to hash gigabytes to know
        raise ModelMismatchError(
            f"model {path} is not the file this run scored: it has {path.stat().st_size:,} bytes, the run's model "
            f"had {size:,} (sha256 {expected[:12]})"
        )
    actual = sha256_file(path)
    if actual != expected:
        raise ModelMismatchError(
            f"model {path} is not the file this run scored: sha256 {actual[:12]} differs from the manifest's "
            f"{expected[:12]}"
        )
    return actual


def gate_run(
    run_dir: Path,
    *,
    gates_file: Path | None = None,
    overrides: Sequence[str] = (),
    model: str | Path | None = None,
    allow_partial: bool = False,
) -> GateVerdict:
    """Re-judge the gates of the run stored in ``run_dir`` without running the model.

    The gates are those the run was judged with (stored in the manifest) unless ``gates_file`` is given;
    ``overrides`` are ``--gate KEY=VALUE`` strings applied on top; a gate naming a suite, category or check the
    run does not know is a ConfigError. Raises RunNotTrustedError (exit 2) when the run is incomplete, has too
    many errored cases, is partial (unless ``allow_partial``), or ``model`` (default: the manifest's model
    path) is missing or has another sha256. A failed gate is not an exception: it is in the returned verdict.
    """
    manifest = read_manifest(run_dir)
    records = read_results(run_dir)
    check_complete(run_dir, manifest, records)
    config, source = _gate_config(manifest, gates_file, overrides)
    check_run_gate_names(config, manifest, records, overrides, where=f"gates ({source})")
    verdict = judge_run(manifest, records, config, allow_partial=allow_partial, subject=f"run {run_dir}")
    if not verdict.trusted:
        failed = {g.sentence for g in verdict.failed}
        raise RunNotTrustedError(" ".join(r for r in verdict.reasons if r not in failed))
    path = _model_file(model, manifest)
    sha = _check_model(path, manifest)
    return GateVerdict(
        run_dir=run_dir,
        manifest=manifest,
        verdict=verdict,
        config=config,
        gates_source=source,
        model_path=path,
        model_sha256=sha,
    )


# ---------------------------------------------------------------------------------------------------------------
# publishing


@dataclass
class PublishResult:
    """What ``publish`` built and where it went (``url`` is None on a dry run)."""

    folder: Path
    files: list[str]
    repo_id: str
    dry_run: bool
    verdict: GateVerdict
    url: str | None = None

    def lines(self) -> list[str]:
        partial = f" ({self.verdict.verdict.partial_note})" if self.verdict.partial else ""
        out = [f"gates: all {len(self.verdict.evaluated)} evaluated gates met on {self.verdict.run_dir}{partial}"]
        sizes = []
        for name in self.files:
            size = (self.folder / name).stat().st_size
            sizes.append(f"{name} ({size / 1e6:.1f} MB)" if size >= 1e5 else name)
        out.append(f"wrote {self.folder}: {', '.join(sizes)}")
        if self.dry_run:
            out.append(f"dry run: nothing uploaded; without --dry-run this folder goes to {HUB_URL}/{self.repo_id}")
        else:
            out.append(f"uploaded to {self.url}")
        return [redact(line) for line in out]


def check_repo_id(repo_id: str) -> str:
    if not _REPO_ID.match(repo_id) or ".." in repo_id or repo_id.endswith((".git", ".")):
        raise ConfigError(f"--repo {repo_id!r}: expected ORG/NAME (letters, digits, '-', '_', '.')")
    return repo_id


def _gguf_metadata(path: Path) -> dict[str, Any]:
    """The GGUF header's general.* keys; the file must be a GGUF a loader would accept."""
    from harness.models import inspect_gguf

    info = inspect_gguf(path)
    return {**info.metadata, "_file_type": info.file_type, "_name": info.name}


def _base_model(manifest: dict[str, Any], meta: dict[str, Any]) -> str | None:
    """A Hub repo id for ``base_model``: the manifest's if it names one, else the GGUF's base_model repo URL."""
    recorded = (manifest.get("model") or {}).get("base_model")
    if isinstance(recorded, str) and _REPO_ID.match(recorded):
        return recorded
    url = meta.get("general.base_model.0.repo_url")
    if isinstance(url, str) and url.startswith(HUB_URL + "/"):
        repo = url.removeprefix(HUB_URL + "/").strip("/")
        if _REPO_ID.match(repo):
            return repo
    return None


def _place_gguf(src: Path, dest: Path) -> bool:
    """Hardlink (free, the very bytes that were hashed) where the filesystem allows, else copy; True if copied."""
    if dest.exists() and dest.samefile(src):
        return False  # --out is the model's own folder (or a link to it): unlinking dest would delete the model
    dest.unlink(missing_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)
        return True
    return False


def _prepare_folder(folder: Path, names: set[str]) -> None:
    """Create ``folder``, or reuse one that holds only what publishing writes, so no stray file is uploaded."""
    if folder.exists():
        if not folder.is_dir():
            raise ConfigError(f"--out {folder}: exists and is not a directory")
        stray = sorted(p.name for p in folder.iterdir() if p.name not in names)
        if stray:
            raise ConfigError(
                f"--out {folder}: holds files publishing did not write ({', '.join(stray[:3])}); "
                "they would be uploaded too: pass an empty or new --out"
            )
    folder.mkdir(parents=True, exist_ok=True)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _threshold(g: GateResult) -> str:
    return f"{g.threshold:.0%}" if g.gate == "pass_rate" or "pass_rate." in g.gate else f"{g.threshold:g}"


def _actual(g: GateResult) -> str:
    if g.actual is None:
        return "–"
    return f"{g.actual:.0%}" if g.gate == "pass_rate" or "pass_rate." in g.gate else f"{g.actual:.2f}"


def _results_section(verdict: GateVerdict) -> list[str]:
    """Pass rates per suite, category and check. The card has its own section rather than report.md: its
    gates are the ones just re-judged on this file (``--gates``/``--gate`` may differ from the stored ones),
    and it names no local path."""
    suites = verdict.manifest.get("suites") or {}
    out = [
        "## Evaluation",
        "",
        "| suite | version | cases | passed | pass rate | errored |",
        "|---|---|---|---|---|---|",
    ]
    for name, st in verdict.stats.items():
        info = suites.get(name) or {}
        total = verdict.verdict.per_suite.get(name, (0, None))[1]  # its cases in the run's case sets
        cases = f"{st.total} of {total}" if isinstance(total, int) and total != st.total else str(st.total)
        version = info.get("version", "?")
        out.append(
            f"| {md_cell(name)} | {md_cell(version)} | {cases} | {st.passed} | {_pct(st.pass_rate)} | {st.errors} |"
        )
    for name, st in verdict.stats.items():
        out += ["", f"### {md_text(name)}", "", "| category | passed | pass rate |", "|---|---|---|"]
        out += [f"| {md_cell(c)} | {p}/{t} | {_pct(p / t if t else None)} |" for c, (p, t) in st.by_category.items()]
        if st.by_check:
            out += ["", "| check | passed | pass rate | mean value |", "|---|---|---|---|"]
            for c, (p, t) in st.by_check.items():
                mean = st.metric_means.get(c)
                mean_text = "" if mean is None else f"{mean:.2f}"
                out.append(f"| {md_cell(c)} | {p}/{t} | {_pct(p / t if t else None)} | {mean_text} |")
    return out


def _gates_section(verdict: GateVerdict) -> list[str]:
    out = [
        "## Gates",
        "",
        f"All {len(verdict.evaluated)} evaluated gates met ({verdict.gates_source}); "
        f"error rate {verdict.error_rate:.0%} (allowed {verdict.config.max_error_rate:.0%}).",
        "",
        "| verdict | suite | gate | threshold | actual | explanation |",
        "|---|---|---|---|---|---|",
    ]
    tags = {"passed": "PASS", "failed": "FAIL", "not_evaluated": "n/a"}
    for g in verdict.results:
        out.append(
            f"| {tags[g.status]} | {md_cell(g.suite)} | {md_cell(g.gate)} | {_threshold(g)} | {_actual(g)} "
            f"| {md_cell(g.sentence)} |"
        )
    ungated = [s for s in verdict.stats if s not in verdict.config.suites]
    if ungated:
        out += ["", f"No gates are configured for: {md_text(', '.join(ungated))} (reported above, not gated)."]
    return out


def _base_model_link(base_model: str) -> str:
    """``, fine-tuned from [org/name](hub url)`` for a valid repo id; any other text is escaped, never a link."""
    try:
        repo = check_repo_id(base_model)
    except ConfigError:
        return f", fine-tuned from {md_text(base_model)}"
    return f", fine-tuned from [{repo}]({HUB_URL}/{repo})"


def _short_command(command: Sequence[str]) -> str:
    """The recorded command line with local absolute paths cut to their file names (they mean nothing elsewhere)."""
    parts = []
    for arg in command:
        text = str(arg)
        parts.append(Path(text).name if text.startswith(("/", "~")) else text)
    return " ".join(parts)


def _how_to_run(repo_id: str, gguf_name: str) -> list[str]:
    name = repo_id.split("/", 1)[1].lower()
    gguf = sh_word(gguf_name)
    return [
        "## How to run",
        "",
        "Download the file:",
        "",
        "```sh",
        f"hf download {repo_id} {gguf} {MODELFILE} --local-dir .",
        "```",
        "",
        "**llama.cpp**",
        "",
        "```sh",
        f"llama-cli -m {gguf} -cnv          # chat in the terminal",
        f"llama-server -m {gguf} --port 8080  # OpenAI-compatible API with tool calling (--jinja)",
        "```",
        "",
        "**Ollama** (the `Modelfile` sets the ChatML template with tools, the stop token and temperature 0)",
        "",
        "```sh",
        f"ollama create {name} -f {MODELFILE}",
        f"ollama run {name}",
        f"# or straight from the Hub: ollama run hf.co/{repo_id}",
        "```",
        "",
        "**Check it again with smallmodel-harness** (same suites, same gates)",
        "",
        "```sh",
        f"pytest suites/ --model {gguf} --results runs/check",
        f"python -m harness gate runs/check --model {gguf}",
        "```",
    ]


def _front_matter(
    verdict: GateVerdict, repo_id: str, meta: dict[str, Any], license_id: str | None, base_model: str | None
) -> dict[str, Any]:
    name = repo_id.split("/", 1)[1]
    suites = verdict.manifest.get("suites") or {}
    model = verdict.manifest.get("model") or {}
    quant = str(model.get("quantization") or meta.get("_file_type") or "")
    tags = ["gguf", "smallmodel-harness", "tool-calling", *verdict.stats]
    if quant and quant != "unknown":
        tags.append(quant)
    results = []
    for suite, st in verdict.stats.items():
        version = (suites.get(suite) or {}).get("version", "?")
        metrics: list[dict[str, Any]] = [
            {"name": "pass rate", "type": "pass_rate", "value": round(st.pass_rate, 4), "verified": False}
        ]
        metrics += [
            {"name": f"{cat} pass rate", "type": f"pass_rate_{cat}", "value": round(p / t, 4), "verified": False}
            for cat, (p, t) in st.by_category.items()
            if t
        ]
        results.append(
            {
                "task": {"type": "text-generation", "name": f"{suite} suite"},
                "dataset": {"name": f"smallmodel-harness {suite} v{version}", "type": f"smallmodel-harness/{suite}"},
                "metrics": metrics,
                "source": {"name": "smallmodel-harness", "url": f"{HUB_URL}/{repo_id}"},
            }
        )
    data: dict[str, Any] = {"license": license_id or "other"}
    if not license_id:
        data["license_name"] = "unknown"
    if base_model:
        data["base_model"] = base_model
    data |= {
        "pipeline_tag": "text-generation",
        "tags": list(dict.fromkeys(tags)),
        "model-index": [{"name": name, "results": results}],
        "smallmodel_harness": {
            "harness_version": verdict.manifest.get("harness_version"),
            "run_finished": verdict.manifest.get("finished"),
            "model_file": verdict.model_path.name,
            "model_sha256": verdict.model_sha256,
            "cases": verdict.records,
            "gates_evaluated": len(verdict.evaluated),
            "gates_failed": len(verdict.failed),
            "verdict": "all gates met" + (f" ({verdict.verdict.partial_note})" if verdict.partial else ""),
        },
    }
    return data


def model_card(
    verdict: GateVerdict,
    repo_id: str,
    gguf_name: str,
    meta: dict[str, Any],
    *,
    license_id: str | None = None,
    base_model: str | None = None,
) -> str:
    """README.md for the Hub: YAML front matter (license, tags, base_model, model-index) and the run's report."""
    license_id = license_id or (str(meta["general.license"]) if meta.get("general.license") else None)
    base_model = base_model or _base_model(verdict.manifest, meta)
    front = yaml.safe_dump(
        _front_matter(verdict, repo_id, meta, license_id, base_model), sort_keys=False, allow_unicode=True
    )
    manifest = verdict.manifest
    model = manifest.get("model") or {}
    quant = model.get("quantization") or meta.get("_file_type") or "unknown"
    size = model.get("size_bytes") or verdict.model_path.stat().st_size
    names = ", ".join(
        md_text(f"{s} (v{(manifest.get('suites') or {}).get(s, {}).get('version', '?')})") for s in verdict.stats
    )
    body = [
        f"# {repo_id.split('/', 1)[1]}",
        "",
        f"{md_code(gguf_name)}: {md_text(model.get('model_name') or meta.get('_name') or gguf_name)}, "
        f"{md_text(quant)} GGUF, "
        f"{size / 1e6:.1f} MB" + (_base_model_link(base_model) if base_model else "") + ".",
        "",
        f"Evaluated with smallmodel-harness {md_text(manifest.get('harness_version', '?'))} on "
        f"{verdict.records} cases of "
        f"{names}: **all {len(verdict.evaluated)} evaluated gates met**"
        + (f" on a **{verdict.verdict.partial_note}**" if verdict.partial else "")
        + ". The model was uploaded only after the gates "
        "were re-checked on this exact file (sha256 below).",
        "",
    ]
    body += [*_results_section(verdict), "", *_gates_section(verdict), "", *_how_to_run(repo_id, gguf_name), ""]
    decoding = manifest.get("decoding") or {}
    body += [
        "## Provenance",
        "",
        f"- file: {md_code(gguf_name)}, sha256 `{verdict.model_sha256}`",
        f"- run: started {md_text(manifest.get('started'))}, finished {md_text(manifest.get('finished'))}, "
        f"{verdict.records} of {manifest.get('cases_selected')} selected cases",
        f"- back end: {md_text(model.get('backend', '?'))}"
        + (f" (llama-cpp-python {md_text(model['llama_cpp_python'])})" if model.get("llama_cpp_python") else "")
        + (f", n_ctx {md_text(model['n_ctx'])}" if model.get("n_ctx") else ""),
        f"- decoding: temperature {md_text(decoding.get('temperature', '?'))}, "
        f"seed {md_text(decoding.get('seed', '?'))}",
    ]
    if manifest.get("command"):
        body.append(f"- command: {md_code(_short_command(manifest['command']))}")
    return redact(f"---\n{front}---\n\n" + "\n".join(body) + "\n")


def _hub_api() -> HubApi:
    """``huggingface_hub.HfApi()`` with its own token lookup (HF_TOKEN, then the saved login); fails early without."""
    try:
        from huggingface_hub import HfApi, get_token
    except ImportError:
        raise PublishError("publishing needs huggingface_hub: pip install huggingface_hub") from None
    if get_token() is None:
        raise PublishError("no Hugging Face token: set HF_TOKEN in the environment or run `hf auth login`")
    return HfApi()


def publish(
    model_path: str | Path,
    run_dir: Path,
    repo_id: str,
    *,
    dry_run: bool,
    out_dir: Path | None = None,
    private: bool = False,
    api: HubApi | None = None,
    license_id: str | None = None,
    base_model: str | None = None,
    allow_partial: bool = False,
) -> PublishResult:
    """Build the repository folder for ``model_path`` and upload it, if the run in ``run_dir`` vouches for it.

    Refuses (GateFailedError, exit 1) when a gate failed or no gate applied to the run; refuses
    (RunNotTrustedError, exit 2) when the run is incomplete, partial (unless ``allow_partial``; the card then
    says so) or ``model_path`` is not the file it scored.
    The gates are those stored with the run: publishing takes no overrides, so it cannot loosen them.
    ``dry_run`` writes the folder (default ``RUN_DIR/publish/<name>``) and contacts nobody. ``api`` replaces
    ``huggingface_hub.HfApi()`` (tests); the token is never a parameter.
    """
    repo_id = check_repo_id(repo_id)
    if not dry_run and api is None:
        api = _hub_api()  # before the hashing and copying: no token, no point
    verdict = gate_run(run_dir, model=model_path, allow_partial=allow_partial)
    if verdict.failed:
        raise GateFailedError(
            f"refusing to publish {verdict.model_path.name}: {len(verdict.failed)} gate(s) failed: "
            + " ".join(g.sentence for g in verdict.failed)
        )
    if not verdict.evaluated:
        raise GateFailedError(
            f"refusing to publish {verdict.model_path.name}: no gate was evaluated on run {run_dir} "
            "(none configured for its suites, or none had cases); a model is published only when gates vouch for it"
        )
    if (verdict.manifest.get("model") or {}).get("kind", "gguf") != "gguf":
        raise ConfigError(
            f"{verdict.model_path}: the run scored a {verdict.manifest['model']['kind']} model, not a GGUF"
        )
    meta = _gguf_metadata(verdict.model_path)
    from train.export import check_model_file_name, modelfile

    gguf_name = verdict.model_path.name
    check_model_file_name(gguf_name, "the GGUF file name")  # before anything is copied
    folder = out_dir if out_dir is not None else run_dir / "publish" / repo_id.split("/", 1)[1]
    _prepare_folder(folder, {gguf_name, MODELFILE, CARD_FILE})
    copied = _place_gguf(verdict.model_path, folder / gguf_name)
    if copied and sha256_file(folder / gguf_name) != verdict.model_sha256:  # changed between check and copy
        raise ModelMismatchError(f"{verdict.model_path} changed while publishing; its sha256 no longer matches the run")
    (folder / MODELFILE).write_text(modelfile(gguf_name), encoding="utf-8")
    card = model_card(verdict, repo_id, gguf_name, meta, license_id=license_id, base_model=base_model)
    (folder / CARD_FILE).write_text(card, encoding="utf-8")
    result = PublishResult(folder, [gguf_name, MODELFILE, CARD_FILE], repo_id, dry_run, verdict)
    if dry_run:
        return result
    assert api is not None
    try:
        url = api.create_repo(repo_id, private=private, exist_ok=True)
        api.upload_folder(
            repo_id=repo_id,
            folder_path=folder,
            commit_message=f"{gguf_name} (sha256 {verdict.model_sha256[:12]}): all gates met, smallmodel-harness",
        )
    except HarnessError:
        raise
    except Exception as exc:  # noqa: BLE001 - any hub/network failure becomes one redacted line, exit 2
        raise PublishError(redact(f"upload to {repo_id} failed: {type(exc).__name__}: {exc}")) from None
    result.url = str(url) if isinstance(url, str) and url.startswith("http") else f"{HUB_URL}/{repo_id}"
    return result
