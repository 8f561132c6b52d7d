"""The end-of-run summary: per suite and category pass rates, check means, gate verdicts, speed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.gates import GateResult, SuiteStats
from harness.records import CaseRecord
from harness.results import strip_control
from harness.verdict import EXIT_WORDS, VERDICT, partial_note


@dataclass
class Summary:
    manifest: dict[str, Any]
    stats: dict[str, SuiteStats]
    gates: list[GateResult]
    directory: Path


def judge_agreement(records: Sequence[CaseRecord]) -> dict[str, tuple[int, int]]:
    """For each judge check with ``compare_with``: how often its pass/fail matched that rule check's."""
    out: dict[str, list[int]] = {}
    for r in records:
        by_name = {c.name: c for c in r.checks or []}
        for c in r.checks or []:
            other = (c.args or {}).get("compare_with")
            if other and other in by_name and c.value is not None:
                pair = out.setdefault(f"{c.name} vs {other}", [0, 0])
                pair[0] += int(c.passed == by_name[other].passed)
                pair[1] += 1
    return {k: (v[0], v[1]) for k, v in out.items()}


def _pct(n: int, d: int) -> str:
    return f"{n}/{d} ({n / d:.0%})" if d else "0/0"


def render_summary(s: Summary) -> list[str]:
    m = s.manifest["model"]
    if m.get("model_sha256"):
        where = f"{m['size_bytes'] / 1e6:.1f} MB sha256 {m['model_sha256'][:12]}"
    else:  # a model behind a server: no file
        where = f"at {m.get('endpoint') or '?'}"
    lines = [
        f"model: {m.get('model_name') or m.get('server_model') or m['spec']} [{m.get('quantization') or m['kind']}] "
        f"{where} via {m.get('backend')}"
        + (f", {m['n_threads']} thread(s), n_ctx {m['n_ctx']}" if "n_threads" in m else ""),
    ]
    workers = (s.manifest.get("workers") or {}).get("count")
    if "repack" in m or workers:
        lines.append(
            f"workers: {workers or 1} process(es); CPU {m.get('cpu', '?')}"
            + (" (AMX)" if m.get("amx") else "")
            + (f"; weight repacking {m['repack']}" if "repack" in m else "")
            + (f" ({m['repack_reason']})" if m.get("repack_reason") else "")
        )
    if "chat_template" in m:
        ct = m["chat_template"]
        lines.append(f"chat template: {ct['source']} (sha256 {ct['sha256'][:12]}, tools via {ct['tool_format']})")
    for name, st in s.stats.items():
        lines.append("")
        errored = f", {st.errors} errored" if st.errors else ""
        lines.append(f"{name}: {_pct(st.passed, st.total)} cases passed{errored}")
        width = max(len(c) for c in [*st.by_category, *st.by_check, "category"]) + 2
        lines.append(f"  {'category':<{width}}passed")
        for cat, (p, t) in st.by_category.items():
            lines.append(f"  {cat:<{width}}{_pct(p, t)}")
        lines.append(f"  {'check':<{width}}passed        mean value")
        for chk, (p, t) in st.by_check.items():
            mean = st.metric_means.get(chk)
            lines.append(f"  {chk:<{width}}{_pct(p, t):<15}{'' if mean is None else f'{mean:.2f}'}")
    agreement = s.manifest.get("judge_agreement") or {}
    for pair, counts in agreement.items():
        lines.append(f"judge agreement: {pair}: {_pct(counts['agree'], counts['total'])} of cases")
    lines.append("")
    if s.gates:
        lines.append("gates:")
        for g in s.gates:
            tag = {"passed": "PASS", "failed": "FAIL", "not_evaluated": "n/a "}[g.status]
            lines.append(f"  {tag} {g.sentence}")
    else:
        lines.append("gates: none configured for the suites that ran")
    t = s.manifest.get("timing", {})
    if t:
        lines.append(
            f"run: {t['cases_run']} cases in {t['total_s']:.1f} s (load {t['load_s'] or 0:.2f} s); "
            f"decode {t['decode_tokens_per_s'] or 0:.1f} tok/s, prompt {t['prompt_tokens_per_s'] or 0:.1f} tok/s; "
            f"peak RSS {t['peak_rss_mb']:.0f} MB"
            + (f" (each model worker up to {t['worker_peak_rss_mb']:.0f} MB)" if t.get("worker_peak_rss_mb") else "")
            + (f"; {t['cases_kept']} case(s) kept from the resumed run" if t.get("cases_kept") else "")
        )
    lines.append(f"results: {s.directory / 'results.jsonl'}  manifest: {s.directory / 'manifest.json'}")
    return lines + verdict_lines(s.manifest, s.gates)


def verdict_lines(manifest: dict[str, Any], gates: list[GateResult]) -> list[str]:
    """Why the run cannot vouch (each reason the gates above do not already say), then the verdict line,
    which says ``partial run: N of M cases`` for a partial run. From the manifest's ``exit_code`` and
    ``verdict`` (:meth:`harness.verdict.Verdict.to_dict`)."""
    code = manifest.get("exit_code")
    if code is None:
        return []
    stored = manifest.get(VERDICT)
    verdict: dict[str, Any] = stored if isinstance(stored, dict) else {}
    failed = {g.sentence for g in gates if g.status == "failed"}
    reasons = [r for r in verdict.get("reasons") or [] if isinstance(r, str) and r not in failed]
    lines = [f"not trusted: {strip_control(r)}" for r in reasons]
    line = f"verdict: {EXIT_WORDS.get(code, '?')} (exit {code})"
    if verdict.get("partial"):
        line += f"; {partial_note(verdict.get('cases_selected'), verdict.get('cases_available'))}"
    return [*lines, line]
