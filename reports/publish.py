"""``harness publish``: upload a model to the Hugging Face Hub only when its run vouches for it.

``publish`` builds the folder a Hugging Face model repository gets (the GGUF, an Ollama ``Modelfile`` and a
``README.md`` model card with the run's results, :mod:`reports.card`) and uploads it, but only after
:func:`reports.gate.gate_run` passed on exactly that file. It never takes a token:
``huggingface_hub`` finds one itself (``HF_TOKEN`` or ``hf auth login``), and every line this module shows is
scrubbed of anything that looks like one (:func:`reports.escape.redact`).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from harness.errors import EXIT_GATE_FAILED, EXIT_UNTRUSTED, ConfigError, HarnessError
from harness.modelfile import MODELFILE, check_model_file_name, modelfile
from harness.models import sha256_file
from reports.card import HUB_URL, check_repo_id, model_card
from reports.escape import redact
from reports.gate import GateVerdict, ModelMismatchError, gate_run

CARD_FILE = "README.md"


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


def _gguf_metadata(path: Path) -> dict[str, Any]:
    """The GGUF header's general.* keys; the file must be a GGUF a loader would accept."""
    from harness.models import inspect_gguf

    info = inspect_gguf(path)
    return {**info.metadata, "_file_type": info.file_type, "_name": info.name}


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
    if (verdict.manifest.model.kind or "gguf") != "gguf":
        raise ConfigError(f"{verdict.model_path}: the run scored a {verdict.manifest.model.kind} model, not a GGUF")
    meta = _gguf_metadata(verdict.model_path)
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
