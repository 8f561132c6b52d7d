"""The report files: escaping of hostile model output, CSV and JUnit that parse back, Markdown tables that
stay tables, and the stable page structure a browser test targets."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from reports.compare import compare_runs
from reports.escape import csv_cell, md_cell, md_code, md_text, sh_word, xml_safe
from reports.load import load_run
from reports.render import CSV_COLUMNS, write_comparison, write_report

MakeRun = Callable[..., Path]
SCRIPT = "<script>alert(1)</script>"
# A failing response (no "ribbit") that tries every escape: markup, a table pipe, newlines, CSV quoting,
# a backtick code span and control characters XML cannot hold.
NASTY = f'{SCRIPT} a|b\nline "two", `x`\r\nend\x00\x1b'


@pytest.fixture
def nasty_run(make_run: MakeRun) -> Path:
    return make_run("nasty", {"*": "ribbit", "c2": NASTY, "c3": {"error": "back end <died>"}})


def _files(out: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()}


def test_report_writes_four_files(run_a: Path, tmp_path: Path) -> None:
    paths = write_report(load_run(run_a), tmp_path / "out")
    assert [p.name for p in paths] == ["report.html", "report.md", "cases.csv", "junit.xml"]
    assert all(p.is_file() and p.stat().st_size > 0 for p in paths)


def test_html_escapes_model_output_and_labels(nasty_run: Path, tmp_path: Path) -> None:
    write_report(load_run(nasty_run, label="<b>frog</b>"), tmp_path / "out")
    page = _files(tmp_path / "out")["report.html"]
    assert "<script" not in page.lower()  # the response is shown, never run; the page has no scripts at all
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>frog</b>" not in page and "&lt;b&gt;frog&lt;/b&gt;" in page
    assert "<title>Report: &lt;b&gt;frog&lt;/b&gt;</title>" in page
    assert "back end &lt;died&gt;" in page


def test_html_is_self_contained_with_stable_hooks(run_a: Path, run_b: Path, tmp_path: Path) -> None:
    write_comparison(compare_runs([load_run(run_a), load_run(run_b)]), tmp_path / "out")
    page = _files(tmp_path / "out")["report.html"]
    assert "<title>Comparison: a.json vs b.json</title>" in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//|@import|url\(""", page)  # nothing fetched
    for hook in ('id="models"', 'id="verdicts"', 'id="pass-rates"', 'id="checks"', 'id="gates"', 'id="speed"',
                 'id="paired"', 'id="cases"', 'table class="cases"', 'table class="flips"'):  # fmt: skip
        assert hook in page, hook
    assert page.count('<tr class="case ') == 16
    assert page.count('<tr class="flip pass-fail"') == 1 and page.count('<tr class="flip fail-pass"') == 2
    assert "b.json passes 1 more case than a.json (5 vs 4 of 8); exact McNemar p = 1" in page
    assert page.count('class="legend-item"') == 2  # one colour per model in the category chart


def test_charts_are_well_formed_svg(run_a: Path, run_b: Path, tmp_path: Path) -> None:
    write_comparison(compare_runs([load_run(run_a), load_run(run_b)]), tmp_path / "out")
    page = _files(tmp_path / "out")["report.html"]
    charts = {
        (svg := ET.fromstring(markup)).get("id"): svg for markup in re.findall(r"<svg\b.*?</svg>", page, re.DOTALL)
    }
    # Word counts of "short" are a graded metric; "contains" is 0/1 and gets no distribution chart.
    assert set(charts) == {"chart-categories", "chart-metric-mini-short"}
    ns = "{http://www.w3.org/2000/svg}"
    bars = charts["chart-categories"].findall(f".//{ns}rect[@class='bar']")
    assert len(bars) == 4  # 2 categories x 2 models
    assert all("chart" in (svg.get("class") or "").split() for svg in charts.values())


def test_csv_parses_back(nasty_run: Path, tmp_path: Path) -> None:
    write_report(load_run(nasty_run), tmp_path / "out")
    with (tmp_path / "out" / "cases.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == CSV_COLUMNS and len(rows) == 8
    by_id = {r["case_id"]: r for r in rows}
    assert by_id["c2"]["response"] == NASTY
    assert by_id["c2"]["passed"] == "False" and by_id["c2"]["failed_checks"] == "contains, short"
    assert by_id["c3"]["outcome"] == "error" and by_id["c3"]["failures"] == "error: back end <died>"


def test_junit_parses_back_and_counts_match(nasty_run: Path, tmp_path: Path) -> None:
    write_report(load_run(nasty_run), tmp_path / "out")
    root = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("8", "1", "1")
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "mini" and len(suite.findall("testcase")) == 8
    failure = suite.find("testcase[@name='c2']/failure")
    assert failure is not None and failure.get("type") == "contains, short"
    assert (failure.get("message") or "").startswith("contains: contains none of 'ribbit'; short: 6 words")
    assert SCRIPT in (failure.text or "")  # escaped on disk, the original text once parsed
    assert suite.find("testcase[@name='c3']/error") is not None
    assert suite.find("testcase[@name='c1']/failure") is None


def test_junit_for_a_comparison_has_a_suite_per_run(run_a: Path, run_b: Path, tmp_path: Path) -> None:
    write_comparison(compare_runs([load_run(run_a), load_run(run_b)]), tmp_path / "out")
    root = ET.parse(tmp_path / "out" / "junit.xml").getroot()
    assert [s.get("name") for s in root.findall("testsuite")] == ["a.json: mini", "b.json: mini"]
    assert [s.get("failures") for s in root.findall("testsuite")] == ["4", "3"]
    assert root.get("tests") == "16"


@pytest.mark.parametrize(
    ("value", "limit", "expected"),
    [
        ("a|b", None, "a\\|b"),
        ("one\ntwo\r\nthree", None, "one<br>two<br>three"),
        ("<script>&", None, "&lt;script&gt;&amp;"),
        ("`code`", None, "\\`code\\`"),
        ("abcdef", 4, "abc…"),
        (None, None, ""),
    ],
)
def test_md_cell(value: str | None, limit: int | None, expected: str) -> None:
    assert md_cell(value, limit) == expected


def test_markdown_tables_survive_hostile_responses(nasty_run: Path, tmp_path: Path) -> None:
    write_report(load_run(nasty_run), tmp_path / "out")
    md = _files(tmp_path / "out")["report.md"]
    assert "<script>" not in md and "&lt;script&gt;" in md
    failed = md.split("## Failed cases", 1)[1].strip().splitlines()
    assert failed[0] == "| case | outcome | why | response |"
    rows = failed[2:]
    assert len(rows) == 2 and {r.split(" | ")[0] for r in rows} == {"| mini/c2", "| mini/c3"}
    for row in rows:  # each case is one line with exactly the table's 5 unescaped pipes
        assert len(re.findall(r"(?<!\\)\|", row)) == 5, row


def test_incomplete_run_is_flagged(run_a: Path, tmp_path: Path) -> None:
    manifest = run_a / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"status": "complete"', '"status": "running"'))
    write_report(load_run(run_a), tmp_path / "out")
    files = _files(tmp_path / "out")
    assert 'id="incomplete"' in files["report.html"] and "did not finish (status running)" in files["report.md"]


def test_xml_safe_replaces_what_xml_cannot_hold() -> None:
    assert xml_safe("ok\tline\n\x00\x1b\ufffe🐸") == "ok\tline\n\ufffd\ufffd\ufffd🐸"


FORMULAS = {
    "c1": '=HYPERLINK("http://x","y")',
    "c2": "+1+1",
    "c3": "-2+3",
    "c4": "@SUM(A1)",
    "c5": "\t=1",
    "c6": "\r=1",
}


def test_csv_cells_cannot_run_as_spreadsheet_formulas(make_run: MakeRun, tmp_path: Path) -> None:
    run = make_run("formulas", {"*": "ribbit", **FORMULAS})
    write_report(load_run(run), tmp_path / "out")
    with (tmp_path / "out" / "cases.csv").open(newline="", encoding="utf-8") as fh:
        rows = {r["case_id"]: r for r in csv.DictReader(fh)}
    for case_id, response in FORMULAS.items():
        assert rows[case_id]["response"] == "'" + response
    assert rows["c7"]["response"] == "ribbit"
    assert float(rows["c7"]["latency_s"]) >= 0  # numbers stay numbers


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=1+1", "'=1+1"), ("-x", "'-x"), ("ok=1", "ok=1"), (-3, -3), (None, None), ("", "")],
)
def test_csv_cell(value: object, expected: object) -> None:
    assert csv_cell(value) == expected


def test_markdown_prose_and_code_spans_cannot_break_out() -> None:
    assert md_text("<img src=x onerror=alert(1)>\n# owned [x](http://e)") == (
        "&lt;img src=x onerror=alert(1)&gt; # owned \\[x\\](http://e)"
    )
    assert md_text("a\u2028b\x1bc") == "a b\ufffdc"
    assert md_code("frog.gguf") == "`frog.gguf`"
    assert md_code("a`b\n<i>") == "``a`b <i>``"
    assert md_code("`x`") == "`` `x` ``"
    assert sh_word("frog.gguf") == "frog.gguf"
    assert sh_word("my frog;rm -rf ~.gguf") == "'my frog;rm -rf ~.gguf'"
    assert "\n" not in sh_word("a\n```\nb")


def test_report_md_escapes_a_hostile_label(run_a: Path, tmp_path: Path) -> None:
    label = "<img src=x onerror=alert(1)>\n# injected heading"
    write_report(load_run(run_a, label=label), tmp_path / "out")
    md = _files(tmp_path / "out")["report.md"]
    assert "<img" not in md and "&lt;img src=x onerror=alert(1)&gt;" in md
    assert not any(line.startswith("# injected") for line in md.splitlines())
