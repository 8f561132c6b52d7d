"""``harness gate``: judge a stored run again, without loading the model.

``gate_run`` re-evaluates the gates from ``results.jsonl`` and ``manifest.json``; it never loads the model.
A verdict is only worth something when the run is whole and was made on the very file in hand: the run must
have finished, every selected case must have a result, the error rate must be within ``max_error_rate``, the
run must not be partial (``-k``, ``--limit``...; unless ``allow_partial``), and the model file's sha256 must be
the one the manifest recorded. Any of these failing raises :class:`RunNotTrustedError` (exit 2), kept apart
from a failed gate (exit 1) so a CI job can tell "the model is not good enough" from "this run proves
nothing". The run itself is judged by :func:`harness.verdict.judge_run`, the function the pytest run used, so
the two exit codes agree (for a partial run: ``pytest``'s and ``harness gate --allow-partial``'s).
:mod:`reports.publish` uploads a model only after :func:`gate_run` passed on exactly that file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.errors import ConfigError, ModelLoadError, RunNotTrustedError
from harness.gates import GateConfig, GateResult, SuiteStats, gate_config
from harness.gates import load_gates as load_gate_file
from harness.models import SERVER_KINDS, model_sha256, model_size, resolve_model
from harness.records import RunManifest, read_manifest, read_records
from harness.results import MANIFEST_FILE, RESULTS_FILE
from harness.verdict import Verdict, check_complete, check_run_gate_names, judge_run
from reports.escape import redact


class ModelMismatchError(RunNotTrustedError):
    """The model file is missing or is not the file the run scored (its sha256 differs from the manifest's)."""


@dataclass
class GateVerdict:
    """The gates re-judged on a stored run (``verdict``), with the run and the file it was checked against."""

    run_dir: Path
    manifest: RunManifest
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


def _gate_config(manifest: RunManifest, gates_file: Path | None, overrides: Sequence[str]) -> tuple[GateConfig, str]:
    """The gate file if one is given, else the config the run itself was judged with, then any overrides."""
    suffix = f" + {len(overrides)} override(s)" if overrides else ""
    if gates_file is not None:
        if not gates_file.is_file():
            raise ConfigError(f"--gates {gates_file}: no such file")
        return load_gate_file(gates_file, list(overrides)), f"{gates_file}{suffix}"
    stored = manifest.gates
    if not isinstance(stored, dict):
        raise RunNotTrustedError(
            f"{MANIFEST_FILE} records no gate configuration; pass --gates FILE to judge this run against one"
        )
    return gate_config(stored, overrides, f"gate configuration (manifest{suffix})"), f"stored in the manifest{suffix}"


def _model_file(spec: str | Path | None, manifest: RunManifest) -> Path:
    """The file to check: ``model`` as ``--model`` takes it ('default', a path), else the manifest's path."""
    if spec is None:
        if manifest.model.kind in SERVER_KINDS:
            raise ModelMismatchError(
                f"the run scored {manifest.model.spec}, a model behind a server: there is no file whose sha256 the "
                "run can vouch for; score the GGUF or Hugging Face folder itself to gate or publish it"
            )
        if not manifest.model.path:
            raise ModelMismatchError(f"{MANIFEST_FILE} records no model path; pass --model PATH")
        path = Path(manifest.model.path)
        if not path.exists():
            raise ModelMismatchError(
                f"model file {path} (recorded in the manifest) is missing; pass --model PATH to check another copy"
            )
        return path
    text = str(spec)
    if text != "default" and not text.startswith("scripted:") and not Path(text).expanduser().exists():
        raise ModelMismatchError(f"model file {text} is missing; the run cannot vouch for a file that is not there")
    try:
        return resolve_model(text).file
    except (ModelLoadError, ConfigError) as exc:
        raise ModelMismatchError(f"model cannot be checked: {exc}") from None


def _check_model(path: Path, manifest: RunManifest) -> str:
    """The model's sha256 (a file's, or a Hugging Face folder's: :func:`harness.models.model_sha256`), if it is
    the one the manifest recorded; else a ModelMismatchError saying how it differs."""
    expected = manifest.model.model_sha256
    if expected is None or len(expected) != 64:
        raise ModelMismatchError(f"{MANIFEST_FILE} records no model sha256; the run cannot vouch for any file")
    if not path.exists():
        raise ModelMismatchError(f"model file {path} is missing")
    try:
        ref = resolve_model(str(path))
    except ModelLoadError as exc:
        raise ModelMismatchError(f"model cannot be checked: {exc}") from None
    size, recorded = model_size(ref), manifest.model.size_bytes
    if recorded is not None and size is not None and size != recorded:  # no need to hash gigabytes to know
        raise ModelMismatchError(
            f"model {path} is not the file this run scored: it has {size:,} bytes, the run's model "
            f"had {recorded:,} (sha256 {expected[:12]})"
        )
    actual = model_sha256(ref) or ""
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
    manifest = read_manifest(run_dir / MANIFEST_FILE)
    records = read_records(run_dir / RESULTS_FILE)
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
