"""Charts as inline SVG, built with ElementTree so every label (model names, categories come from files)
is escaped. No plotting library and no JavaScript: the report stays one self-contained HTML file.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from reports.aggregate import Rate
from reports.escape import xml_safe

# Okabe-Ito: distinguishable with the common colour-vision deficiencies, and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
WIDTH = 760
CHAR_W = 6.6  # rough width of one 11px character, to size the label column
BAR_H, BAR_GAP, GROUP_GAP = 14, 3, 12
STRIP_ROW_H = 22
LEGEND_H = 24


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def slug(text: str) -> str:
    """An id-safe form of ``text`` (``pokkit/no_repetition`` -> ``pokkit-no_repetition``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "x"


def _fmt(x: float) -> str:
    return f"{x:.1f}"


@dataclass(frozen=True)
class _Frame:
    """Horizontal layout shared by both charts: label column on the left, plot area, value column."""

    label_w: float
    plot_w: float

    @classmethod
    def for_labels(cls, labels: list[str]) -> _Frame:
        label_w = min(280.0, max(60.0, max((len(s) for s in labels), default=0) * CHAR_W + 12))
        return cls(label_w=label_w, plot_w=WIDTH - label_w - 56)

    def x(self, fraction: float) -> float:
        return self.label_w + max(0.0, min(1.0, fraction)) * self.plot_w


def _svg(chart_id: str, kind: str, height: float, title: str) -> ET.Element:
    root = ET.Element(
        "svg",
        {
            "xmlns": "http://www.w3.org/2000/svg",
            "id": chart_id,
            "class": f"chart {kind}",
            "role": "img",
            "aria-label": title,
            "viewBox": f"0 0 {WIDTH} {_fmt(height)}",
            "width": str(WIDTH),
            "height": _fmt(height),
        },
    )
    _title(root, title)
    return root


def _title(parent: ET.Element, content: str) -> None:
    """A ``<title>`` child: the tooltip browsers show on hover, and what screen readers read."""
    ET.SubElement(parent, "title").text = content


def _text(parent: ET.Element, x: float, y: float, content: str, anchor: str = "start", cls: str = "") -> None:
    attrs = {"x": _fmt(x), "y": _fmt(y), "text-anchor": anchor}
    if cls:
        attrs["class"] = cls
    ET.SubElement(parent, "text", attrs).text = content


def _line(parent: ET.Element, x1: float, y1: float, x2: float, y2: float, cls: str) -> ET.Element:
    return ET.SubElement(parent, "line", {"x1": _fmt(x1), "y1": _fmt(y1), "x2": _fmt(x2), "y2": _fmt(y2), "class": cls})


def _legend(root: ET.Element, models: list[str], frame: _Frame) -> None:
    legend = ET.SubElement(root, "g", {"class": "legend"})
    x = frame.label_w
    for i, model in enumerate(models):
        item = ET.SubElement(legend, "g", {"class": "legend-item", "data-model": model})
        ET.SubElement(item, "rect", {"x": _fmt(x), "y": "6", "width": "12", "height": "12", "fill": colour(i)})
        _text(item, x + 16, 16, model)
        x += 16 + len(model) * CHAR_W + 18


def _axis(root: ET.Element, frame: _Frame, top: float, bottom: float, ticks: list[tuple[float, str]]) -> None:
    axis = ET.SubElement(root, "g", {"class": "axis"})
    for fraction, label in ticks:
        x = frame.x(fraction)
        _line(axis, x, top, x, bottom, "grid")
        _text(axis, x, bottom + 12, label, anchor="middle", cls="tick")


def category_bars(rows: list[tuple[str, list[Rate | None]]], models: list[str], chart_id: str) -> str:
    """Grouped horizontal bars: one group per category, one bar per model, with the 95% Wilson interval
    as a whisker so a reader sees at a glance which differences are within noise."""
    models = [xml_safe(m) for m in models]
    rows = [(xml_safe(label), rates) for label, rates in rows]
    frame = _Frame.for_labels([label for label, _ in rows])
    group_h = len(models) * (BAR_H + BAR_GAP) + GROUP_GAP
    height = LEGEND_H + 8 + len(rows) * group_h + 18
    root = _svg(chart_id, "chart-bars", height, f"Pass rate per category: {', '.join(models)}")
    _legend(root, models, frame)
    top = LEGEND_H + 8
    _axis(root, frame, top - 4, height - 18, [(t / 4, f"{t * 25}%") for t in range(5)])
    for g, (label, rates) in enumerate(rows):
        y0 = top + g * group_h
        group = ET.SubElement(root, "g", {"class": "group", "data-key": label})
        _text(group, frame.label_w - 6, y0 + len(models) * (BAR_H + BAR_GAP) / 2 + 3, label, anchor="end")
        for i, rate in enumerate(rates):
            y = y0 + i * (BAR_H + BAR_GAP)
            if rate is None:
                _text(group, frame.label_w + 4, y + BAR_H - 2, "not run", cls="na")
                continue
            bar = ET.SubElement(
                group,
                "rect",
                {
                    "class": "bar",
                    "data-model": models[i],
                    "x": _fmt(frame.label_w),
                    "y": _fmt(y),
                    "width": _fmt(frame.x(rate.rate) - frame.label_w),
                    "height": str(BAR_H),
                    "fill": colour(i),
                },
            )
            _title(bar, f"{models[i]}, {label}: {rate.text}, 95% CI {rate.interval_text}")
            lo, hi = rate.interval
            _line(group, frame.x(lo), y + BAR_H / 2, frame.x(hi), y + BAR_H / 2, "whisker")
            _text(group, frame.x(1) + 4, y + BAR_H - 2, f"{rate.rate:.0%}", cls="value")
    return ET.tostring(root, encoding="unicode")


def _ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    return [(t / 4, f"{lo + (hi - lo) * t / 4:.3g}") for t in range(5)]


def metric_strip(metric: str, series: list[tuple[str, list[float]]], chart_id: str) -> str:
    """One row of dots per model (one dot per case) and a bar at the mean: shows spread and outliers that
    a mean alone hides. The axis spans at least 0..1 so ratios from different runs share a scale."""
    metric = xml_safe(metric)
    series = [(xml_safe(model), vs) for model, vs in series]
    values = [v for _, vs in series for v in vs]
    lo, hi = min([0.0, *values]), max([1.0, *values])
    frame = _Frame.for_labels([m for m, _ in series])
    height = len(series) * STRIP_ROW_H + 22
    root = _svg(chart_id, "chart-metric", height, f"Distribution of {metric}")
    _axis(root, frame, 2, height - 18, _ticks(lo, hi))
    for i, (model, vs) in enumerate(series):
        row = ET.SubElement(root, "g", {"class": "strip", "data-model": model})
        mid = 4 + i * STRIP_ROW_H + STRIP_ROW_H / 2
        _text(row, frame.label_w - 6, mid + 4, model, anchor="end")
        for j, v in enumerate(vs):
            dot = ET.SubElement(
                row,
                "circle",
                {
                    "class": "dot",
                    "cx": _fmt(frame.x((v - lo) / (hi - lo))),
                    "cy": _fmt(mid + (j * 7 % 11 - 5)),  # fixed jitter: identical values stay visible
                    "r": "3",
                    "fill": colour(i),
                },
            )
            _title(dot, f"{model}: {v:.3g}")
        if vs:
            mean = sum(vs) / len(vs)
            x = frame.x((mean - lo) / (hi - lo))
            _title(_line(row, x, mid - 8, x, mid + 8, "mean"), f"{model}: mean {mean:.3g}")
            _text(row, frame.x(1) + 4, mid + 4, f"{mean:.2f}", cls="value")
    return ET.tostring(root, encoding="unicode")
