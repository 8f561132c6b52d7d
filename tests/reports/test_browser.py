"""The comparison report in a real browser: Debian's headless chromium, driven by Playwright (which downloads
no browser of its own), opens report.html from disk, takes a screenshot, and the page must have rendered: its
title, the case and flip table rows, the charts with their bars, no console errors, no page errors, and no
request for anything but the file itself (the page is self-contained). A model response containing
``<script>`` must appear as text, and must not run."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reports.compare import compare_runs
from reports.load import load_run
from reports.render import write_comparison

from .conftest import RESPONSES_A, RESPONSES_B

MakeRun = Callable[..., Path]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
HOSTILE = "<script>document.title='pwned'; console.error('ran')</script> ribbit"


def _browser_or_reason() -> str | None:
    if not Path(CHROMIUM).is_file():
        return "Debian's chromium is not installed (apt-get install chromium; .ci/run does this)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture
def browser_page() -> Any:
    reason = _browser_or_reason()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def test_comparison_report_renders_in_chromium(browser_page: Any, make_run: MakeRun, tmp_path: Path) -> None:
    a = make_run("a", RESPONSES_A)
    b = make_run("b", RESPONSES_B | {"c7": HOSTILE})
    out = tmp_path / "report"
    write_comparison(compare_runs([load_run(a), load_run(b)]), out)
    page = browser_page
    console: list[str] = []
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    url = (out / "report.html").as_uri()
    page.goto(url, wait_until="load")
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)

    assert page.title() == "Comparison: a.json vs b.json"
    assert page.locator("h1#title").inner_text() == "Comparison: a.json vs b.json"
    assert page.locator("table.cases tr.case").count() == 16
    assert page.locator("table.flips tr.flip.fail-pass").count() == 3  # c5, c6 and the hostile c7
    assert page.locator("table.flips tr.flip.pass-fail").count() == 1
    chart = page.locator("svg#chart-categories")
    assert chart.is_visible() and chart.bounding_box()["width"] > 200
    assert page.locator("svg#chart-categories rect.bar").count() == 4  # 2 categories x 2 models
    assert page.locator("svg.chart").count() >= 1
    assert page.locator("ul.verdicts li").count() == 1
    # the hostile response is shown as text and never ran
    assert page.locator("td.response", has_text="<script>document.title='pwned'").count() >= 1
    assert not console and not errors, (console, errors)
    assert requests == [url]
    assert shot.stat().st_size > 20_000  # a rendered page, not a blank one
