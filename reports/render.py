"""Write a report for one run or a comparison of several: ``report.html`` (one self-contained page),
``report.md`` (for a PR comment or a model card), ``cases.csv`` and ``junit.xml`` (for CI test views).

A single run is a comparison of one: both go through the same tables and templates, so a column added
for one shows up in the other.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from harness.errors import ConfigError
from harness.results import utc_now
from reports.aggregate import PERCENTILES, Key, RunSummary, graded_metrics, summarize, union_keys
from reports.compare import Comparison, PairResult
from reports.escape import csv_cell, md_cell, md_code, md_text, sh_word, xml_safe
from reports.load import Run
from reports.svg import category_bars, colour, metric_strip, slug

TEMPLATES = Path(__file__).parent / "templates"
HTML_FILE, MD_FILE, CSV_FILE, JUNIT_FILE = "report.html", "report.md", "cases.csv", "junit.xml"
CSV_COLUMNS = [
    "model",
    "suite",
    "category",
    "case_id",
    "passed",
    "outcome",
    "failed_checks",
    "failures",
    "latency_s",
    "prompt_tokens",
    "completion_tokens",
    "finish_reason",
    "response",
]
MD_ROW_LIMIT = 50  # rows per Markdown table; a PR comment holds 65,536 characters
MD_RESPONSE_CHARS = 160


@dataclass(frozen=True)
class Row:
    """One table row across runs: ``cells`` holds one value per run (None where that run lacks the row)."""

    key: Key
    cells: list[Any]

    @property
    def label(self) -> str:
        return "/".join(self.key)


def _dash(value: Any, fmt: str = "{}") -> str:
    """``value`` formatted, or an em dash where a run did not record it (a killed run has no timing)."""
    return "—" if value is None or (isinstance(value, float) and pd.isna(value)) else fmt.format(value)


def _identity_rows(runs: list[Run]) -> list[tuple[str, list[str]]]:
    models = [r.model for r in runs]
    return [
        ("file", [m.file for m in models]),
        ("name", [_dash(m.name) for m in models]),
        ("architecture", [_dash(m.architecture) for m in models]),
        ("quantization", [_dash(m.quantization) for m in models]),
        ("parameters", [_dash(m.parameters and m.parameters / 1e6, "{:.1f} M") for m in models]),
        ("size", [_dash(m.size_bytes and m.size_bytes / 1e6, "{:.1f} MB") for m in models]),
        ("sha256", [_dash(m.sha256) for m in models]),
        ("back end", [_dash(m.backend) for m in models]),
        ("chat template", [_dash(m.chat_template_source) for m in models]),
        ("chat template sha256", [_dash(m.chat_template_sha256) for m in models]),
        ("run directory", [str(r.path) for r in runs]),
        ("status", [r.status for r in runs]),
        ("started", [_dash(r.manifest.started) for r in runs]),
    ]


def _speed_rows(runs: list[Run], summaries: list[RunSummary]) -> list[tuple[str, list[str]]]:
    timings = [r.timing for r in runs]
    rows = [
        ("cases", [str(len(r.records)) for r in runs]),
        ("decode tokens/s", [_dash(t.get("decode_tokens_per_s"), "{:.1f}") for t in timings]),
        ("prompt tokens/s", [_dash(t.get("prompt_tokens_per_s"), "{:.1f}") for t in timings]),
    ]
    rows += [(f"latency p{p} (s)", [_dash(s.latency[p], "{:.2f}") for s in summaries]) for p in PERCENTILES]
    rows += [
        ("load time (s)", [_dash(t.get("load_s"), "{:.2f}") for t in timings]),
        ("total time (s)", [_dash(t.get("total_s"), "{:.1f}") for t in timings]),
        ("peak memory (MB RSS)", [_dash(t.get("peak_rss_mb"), "{:.0f}") for t in timings]),
    ]
    return rows


def _rows(tables: list[dict[Key, Any]]) -> list[Row]:
    return [Row(k, [t.get(k) for t in tables]) for k in union_keys(tables)]


def _gates(runs: list[Run]) -> list[dict[str, Any]]:
    return [g.model_dump(exclude_unset=True) | {"model": r.label} for r in runs for g in r.gate_results]


def _charts(summaries: list[RunSummary], categories: list[Row]) -> dict[str, Any]:
    """The charts as Markup: reports/svg.py builds them with ElementTree, which escapes every label, so
    autoescaping them again would print the markup instead of drawing it."""
    models = [s.label for s in summaries]
    metrics = []
    for key in graded_metrics(summaries):
        name = "/".join(key)
        series = [(s.label, s.metric_values.get(key, [])) for s in summaries]
        metrics.append((name, Markup(metric_strip(name, series, f"chart-metric-{slug('-'.join(key))}"))))  # noqa: S704
    bars = category_bars([(row.label, row.cells) for row in categories], models, "chart-categories")
    return {"categories": Markup(bars) if categories else None, "metrics": metrics}  # noqa: S704


def build_context(runs: list[Run], pairs: list[PairResult]) -> dict[str, Any]:
    """Everything the templates show, computed once; templates only lay it out."""
    summaries = [summarize(r) for r in runs]
    checks = [s.checks for s in summaries]
    categories = _rows([s.categories for s in summaries])
    labels = [r.label for r in runs]
    kind = "Comparison" if pairs else "Report"
    return {
        "title": f"{kind}: {' vs '.join(labels)}",
        "kind": kind.lower(),
        "generated": utc_now(),
        "harness_version": runs[0].manifest.harness_version or "?",
        "models": [{"label": label, "colour": colour(i)} for i, label in enumerate(labels)],
        "incomplete": [r for r in runs if not r.complete],
        "identity": _identity_rows(runs),
        "overall": [s.overall for s in summaries],
        "suites": _rows([{(k, ""): v for k, v in s.suites.items()} for s in summaries]),
        "errors": [s.errors for s in summaries],
        "categories": categories,
        "checks": [Row(k, [(s.checks.get(k), s.metric_mean(k)) for s in summaries]) for k in union_keys(checks)],
        "gates": _gates(runs),
        "speed": _speed_rows(runs, summaries),
        "charts": _charts(summaries, categories),
        "pairs": pairs,
        "cases": _case_rows(runs),
        "md_limit": MD_ROW_LIMIT,
        "md_chars": MD_RESPONSE_CHARS,
    }


def _case_rows(runs: list[Run]) -> list[dict[str, Any]]:
    """Every case of every run as a plain dict, missing values as None (NaN would print as "nan")."""
    rows = []
    for run in runs:
        frame = run.records.drop(columns=["checks"]).astype(object)
        for rec in frame.where(frame.notna(), None).to_dict("records"):
            rows.append({"model": run.label, **rec})
    return rows


def environment() -> Environment:
    """The environment of every template here (reports and the model card). HTML templates autoescape (a
    model's ``<script>`` is shown, not run). Markdown templates do not: a table cell also needs ``|`` and
    newlines escaped, so they escape explicitly through ``md``/``mdtext``/``mdcode`` (and ``sh`` for a word
    of a shell command)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html", "html.jinja"), default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(md=md_cell, mdtext=md_text, mdcode=md_code, sh=sh_word, dash=_dash)
    return env


def cases_frame(runs: list[Run]) -> pd.DataFrame:
    """The per-case table of ``cases.csv``: one row per case per run, the ``model`` column telling runs apart."""
    frames = [r.records.assign(model=r.label) for r in runs]
    return pd.concat(frames, ignore_index=True).reindex(columns=CSV_COLUMNS)


def write_cases_csv(frame: pd.DataFrame, path: Path) -> None:
    """``cases.csv``, with every text cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``,
    tab, CR first) prefixed with ``'`` (:func:`reports.escape.csv_cell`): model responses and case ids are
    untrusted, and CSV files get opened in Excel. Rows end in CRLF (RFC 4180), which also makes the csv
    module quote a cell holding a lone ``\r``; with ``\n`` endings it writes one raw and the row breaks."""
    safe = frame.astype(object).map(csv_cell)
    safe.to_csv(path, index=False, encoding="utf-8", errors="replace", lineterminator="\r\n")


def junit_tree(runs: list[Run]) -> ET.ElementTree:
    """JUnit XML for CI test views: one ``testsuite`` per suite (per run in a comparison), one ``testcase``
    per case; a failed case's ``failure`` holds its failing checks' reasons, an errored case gets ``error``."""
    root = ET.Element("testsuites", {"name": xml_safe(" vs ".join(r.label for r in runs))})
    for run in runs:
        for suite, recs in run.records.groupby("suite", sort=False):
            name = str(suite) if len(runs) == 1 else f"{run.label}: {suite}"
            ts = ET.SubElement(root, "testsuite", {"name": xml_safe(name)})
            for rec in recs.itertuples():
                _testcase(ts, rec)
            _count(ts)
    _count(root)
    return ET.ElementTree(root)


def _testcase(parent: ET.Element, rec: Any) -> None:
    attrs = {"classname": xml_safe(f"{rec.suite}.{rec.category}"), "name": xml_safe(str(rec.case_id))}
    if not pd.isna(rec.latency_s):
        attrs["time"] = f"{rec.latency_s:.3f}"
    case = ET.SubElement(parent, "testcase", attrs)
    if rec.passed:
        return
    tag = "error" if rec.outcome == "error" else "failure"
    detail = f"{rec.failures}\n\nresponse:\n{rec.response if isinstance(rec.response, str) else ''}"
    failure = ET.SubElement(case, tag, {"message": xml_safe(rec.failures), "type": rec.failed_checks or tag})
    failure.text = xml_safe(detail)


def _count(element: ET.Element) -> None:
    cases = list(element.iter("testcase"))
    element.set("tests", str(len(cases)))
    element.set("failures", str(sum(c.find("failure") is not None for c in cases)))
    element.set("errors", str(sum(c.find("error") is not None for c in cases)))
    element.set("time", f"{sum(float(c.get('time', 0)) for c in cases):.3f}")


def _output_dir(out: Path) -> Path:
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: exists and is not a directory; pass a directory for the report")
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_outputs(runs: list[Run], pairs: list[PairResult], out: Path) -> list[Path]:
    """Write the four report files into ``out``; returns their paths."""
    out = _output_dir(out)
    env = environment()
    context = build_context(runs, pairs)
    paths = [out / HTML_FILE, out / MD_FILE, out / CSV_FILE, out / JUNIT_FILE]
    # errors="replace": a label from the command line may hold a lone surrogate (undecodable bytes in argv)
    paths[0].write_text(env.get_template("report.html.jinja").render(context), encoding="utf-8", errors="replace")
    paths[1].write_text(env.get_template("report.md.jinja").render(context), encoding="utf-8", errors="replace")
    write_cases_csv(cases_frame(runs), paths[2])
    tree = junit_tree(runs)
    ET.indent(tree)
    tree.write(paths[3], encoding="utf-8", xml_declaration=True)
    return paths


def write_report(run: Run, out: Path) -> list[Path]:
    return write_outputs([run], [], out)


def write_comparison(comparison: Comparison, out: Path) -> list[Path]:
    return write_outputs(comparison.runs, comparison.pairs, out)
