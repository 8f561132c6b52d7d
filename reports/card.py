"""The model card: ``README.md`` of a published Hugging Face repository, YAML front matter (license, tags,
base_model, model-index) and the run's results, laid out by ``templates/model_card.md.jinja``.

The card has its own results section rather than report.md's: its gates are the ones just re-judged on this
file (``--gates``/``--gate`` may differ from the stored ones), and it names no local path. Everything in it
is scrubbed of Hugging Face tokens (:func:`reports.escape.redact`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from harness.errors import ConfigError
from harness.gates import GateResult
from harness.modelfile import MODELFILE
from harness.records import RunManifest
from reports.escape import redact
from reports.gate import GateVerdict
from reports.render import environment

CARD_TEMPLATE = "model_card.md.jinja"
HUB_URL = "https://huggingface.co"
# Hub repo ids: "org/name", letters, digits, '-', '_', '.', at most 96 characters per part.
_REPO_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


def check_repo_id(repo_id: str) -> str:
    if not _REPO_ID.match(repo_id) or ".." in repo_id or repo_id.endswith((".git", ".")):
        raise ConfigError(f"--repo {repo_id!r}: expected ORG/NAME (letters, digits, '-', '_', '.')")
    return repo_id


def _base_model(manifest: RunManifest, meta: dict[str, Any]) -> str | None:
    """A Hub repo id for ``base_model``: the manifest's if it names one, else the GGUF's base_model repo URL."""
    recorded = (manifest.model.model_extra or {}).get("base_model")
    if isinstance(recorded, str) and _REPO_ID.match(recorded):
        return recorded
    url = meta.get("general.base_model.0.repo_url")
    if isinstance(url, str) and url.startswith(HUB_URL + "/"):
        repo = url.removeprefix(HUB_URL + "/").strip("/")
        if _REPO_ID.match(repo):
            return repo
    return None


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _is_rate(g: GateResult) -> bool:
    """Whether the gate is on a pass rate (shown as a percentage), not a metric mean."""
    return g.gate == "pass_rate" or "pass_rate." in g.gate


def _threshold(g: GateResult) -> str:
    return f"{g.threshold:.0%}" if _is_rate(g) else f"{g.threshold:g}"


def _actual(g: GateResult) -> str:
    if g.actual is None:
        return "–"
    return f"{g.actual:.0%}" if _is_rate(g) else f"{g.actual:.2f}"


def _mean(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _hub_repo(text: str) -> str | None:
    """``text`` if it is a valid Hub repo id (the card links it), else None (the card shows it escaped)."""
    try:
        return check_repo_id(text)
    except ConfigError:
        return None


def _card_suites(verdict: GateVerdict) -> list[dict[str, Any]]:
    """Per suite: its row of the Evaluation table and its category and check tables, numbers as text."""
    out = []
    for name, st in verdict.stats.items():
        version = verdict.manifest.suite(name).version or "?"
        total = verdict.verdict.per_suite.get(name, (0, None))[1]  # its cases in the run's case sets
        out.append(
            {
                "name": name,
                "label": f"{name} (v{version})",
                "version": version,
                "cases": f"{st.total} of {total}" if isinstance(total, int) and total != st.total else str(st.total),
                "passed": st.passed,
                "pass_rate": _pct(st.pass_rate),
                "errors": st.errors,
                "categories": [
                    {"name": c, "passed": p, "total": t, "rate": _pct(p / t if t else None)}
                    for c, (p, t) in st.by_category.items()
                ],
                "checks": [
                    {
                        "name": c,
                        "passed": p,
                        "total": t,
                        "rate": _pct(p / t if t else None),
                        "mean": _mean(st.metric_means.get(c)),
                    }
                    for c, (p, t) in st.by_check.items()
                ],
            }
        )
    return out


def _card_context(
    verdict: GateVerdict, repo_id: str, gguf_name: str, meta: dict[str, Any], front: str, base_model: str | None
) -> dict[str, Any]:
    """Everything the card shows; ``templates/model_card.md.jinja`` lays it out and escapes each value."""
    manifest = verdict.manifest
    model = manifest.model
    decoding = manifest.decoding or {}
    size = model.size_bytes or verdict.model_path.stat().st_size
    return {
        "front_matter": front,
        "repo_id": repo_id,
        "name": repo_id.split("/", 1)[1],
        "gguf_name": gguf_name,
        "sha256": verdict.model_sha256,
        "modelfile": MODELFILE,
        "hub_url": HUB_URL,
        "model_name": model.model_name or meta.get("_name") or gguf_name,
        "quant": model.quantization or meta.get("_file_type") or "unknown",
        "size_mb": f"{size / 1e6:.1f}",
        "base_model": base_model,
        "base_repo": _hub_repo(base_model) if base_model else None,
        "harness_version": manifest.harness_version or "?",
        "records": verdict.records,
        "evaluated": len(verdict.evaluated),
        "partial_note": verdict.verdict.partial_note if verdict.partial else "",
        "suites": _card_suites(verdict),
        "gates_source": verdict.gates_source,
        "error_rate": f"{verdict.error_rate:.0%}",
        "max_error_rate": f"{verdict.config.max_error_rate:.0%}",
        "gates": [
            {
                "status": g.status,
                "suite": g.suite,
                "gate": g.gate,
                "threshold": _threshold(g),
                "actual": _actual(g),
                "sentence": g.sentence,
            }
            for g in verdict.results
        ],
        "ungated": [s for s in verdict.stats if s not in verdict.config.suites],
        "started": manifest.started,
        "finished": manifest.finished,
        "selected": manifest.cases_selected,
        "backend": model.backend or "?",
        "llama_cpp_python": model.llama_cpp_python,
        "n_ctx": model.n_ctx,
        "temperature": decoding.get("temperature", "?"),
        "seed": decoding.get("seed", "?"),
        "command": _short_command(manifest.command) if manifest.command else None,
    }


def _short_command(command: Sequence[str]) -> str:
    """The recorded command line with local absolute paths cut to their file names (they mean nothing elsewhere)."""
    parts = []
    for arg in command:
        text = str(arg)
        parts.append(Path(text).name if text.startswith(("/", "~")) else text)
    return " ".join(parts)


def _front_matter(
    verdict: GateVerdict, repo_id: str, meta: dict[str, Any], license_id: str | None, base_model: str | None
) -> dict[str, Any]:
    name = repo_id.split("/", 1)[1]
    quant = str(verdict.manifest.model.quantization or meta.get("_file_type") or "")
    tags = ["gguf", "smallmodel-harness", "tool-calling", *verdict.stats]
    if quant and quant != "unknown":
        tags.append(quant)
    results = []
    for suite, st in verdict.stats.items():
        version = verdict.manifest.suite(suite).version or "?"
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
            "harness_version": verdict.manifest.harness_version,
            "run_finished": verdict.manifest.finished,
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
    context = _card_context(verdict, repo_id, gguf_name, meta, front, base_model)
    return redact(environment().get_template(CARD_TEMPLATE).render(context))
