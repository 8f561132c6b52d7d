"""What the loop tells a person: one line per step of a round with its time and the round's ETA, ``report.md``
(the ledger as a table, the best round and why, the held-out comparison base vs best), and that comparison:
exact McNemar on the held-out cases paired by id (:func:`harness.stats.mcnemar_exact`, the test ``harness
compare`` uses).

The steering suite chooses the best round; the held-out sample is a figure to quote, never a figure to steer
by. The report says both in words.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.records import read_records
from harness.results import RESULTS_FILE, write_text_atomic
from harness.stats import mcnemar_exact

SIGNIFICANT = 0.01  # the bar for "the held-out pass rate went up": exact McNemar p < 0.01
HELDOUT_LABEL = "held-out (quote this)"
REPORT = "report.md"


def duration(seconds: float) -> str:
    """``42s``, ``3m 05s``, ``1h 02m``."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s"
    return f"{s // 3600}h {s % 3600 // 60:02d}m"


class Progress:
    """One log line per step of a round: what, how long, and the round's ETA from ``before`` (the step times of
    the previous training round; None or empty: "ETA unknown"). ``times`` is what the ledger stores."""

    def __init__(
        self,
        rnd: int,
        before: Mapping[str, float] | None,
        log: Callable[[str], None],
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self.rnd, self.before, self.log, self.clock = rnd, dict(before or {}), log, clock
        self.times: dict[str, float] = {}
        self.start = clock()

    def eta(self) -> str:
        if not self.before:
            return "ETA unknown"
        left = sum(s for name, s in self.before.items() if name not in self.times)
        return f"round ETA {duration(left)}"

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        t0 = self.clock()
        yield
        took = self.clock() - t0
        self.times[name] = round(took, 1)
        elapsed = self.clock() - self.start
        self.log(f"  round {self.rnd} | {name}: {duration(took)} | round so far {duration(elapsed)}, {self.eta()}")


# ---------------------------------------------------------------------------------------------- held-out pairing


@dataclass(frozen=True)
class Paired:
    """Base (round 0) against the best round on the held-out cases both ran (paired by suite and case id)."""

    base_round: int
    best_round: int
    paired: int
    base_passed: int
    best_passed: int
    pass_to_fail: int  # passed on the base, fails on the best round
    fail_to_pass: int

    @property
    def p_value(self) -> float:
        return mcnemar_exact(self.pass_to_fail, self.fail_to_pass)

    @property
    def significant(self) -> bool:
        return self.p_value < SIGNIFICANT

    def line(self) -> str:
        return (
            f"held-out, base (round {self.base_round}) vs best (round {self.best_round}) on {self.paired} paired "
            f"cases: {self.base_passed} -> {self.best_passed} passed ({self.fail_to_pass} fail->pass, "
            f"{self.pass_to_fail} pass->fail); exact McNemar p = {self.p_value:.2g}; "
            f"p < {SIGNIFICANT:g}: {'yes' if self.significant else 'no'}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "p_value": self.p_value, f"p_below_{SIGNIFICANT:g}": self.significant}


def _outcomes(run_dir: Path) -> dict[tuple[str, str], bool]:
    """(suite, case id) -> passed; a repeated case keeps its last record."""
    return {(str(r.suite), str(r.case_id)): bool(r.passed) for r in read_records(run_dir / RESULTS_FILE)}


def pair_runs(base_dir: Path, best_dir: Path, base_round: int, best_round: int) -> Paired:
    a, b = _outcomes(base_dir), _outcomes(best_dir)
    common = [k for k in a if k in b]
    return Paired(
        base_round=base_round,
        best_round=best_round,
        paired=len(common),
        base_passed=sum(a[k] for k in common),
        best_passed=sum(b[k] for k in common),
        pass_to_fail=sum(a[k] and not b[k] for k in common),
        fail_to_pass=sum(b[k] and not a[k] for k in common),
    )


# ------------------------------------------------------------------------------------------------------ report.md


def _rate(ev: Mapping[str, Any] | None) -> str:
    if not ev:
        return "–"
    passed, total = int(ev["passed"]), int(ev["total"])
    return f"{passed}/{total} ({passed / total:.0%})" if total else "0/0"


def _gate_cell(ev: Mapping[str, Any], key: str) -> str:
    gates = ev.get("gates")
    if gates is None:
        return "?"  # an older ledger line: only the failing sentences were kept
    return {"passed": "pass", "failed": "FAIL"}.get(gates.get(key, ""), "n/e" if key in gates else "–")


def _round_cells(entry: Mapping[str, Any], gate_keys: Sequence[str]) -> list[str]:
    ev = entry["eval"]
    data, train = entry.get("data") or {}, entry.get("train") or {}
    examples = f"{data['new']} / {data['cumulative']}" if data else "–"
    tps = f"{train['tokens_per_s']:g}" if train.get("tokens_per_s") is not None else "–"
    loss = f"{train['loss_before']:.3g} → {train['loss_after']:.3g}" if train.get("loss_after") is not None else "–"
    wall = entry.get("seconds")
    if wall is None:  # round 0: its evaluations
        wall = float(ev.get("seconds") or 0) + float((entry.get("heldout") or {}).get("seconds") or 0)
    rnd = f"{entry['round']}" + (" (rescored)" if entry.get("rescored") else "")
    gates = [_gate_cell(ev, k) for k in gate_keys]
    return [rnd, examples, tps, loss, *gates, _rate(ev), _rate(entry.get("heldout")), duration(float(wall))]


def report_text(
    ledger: Sequence[Mapping[str, Any]],
    best_round: int,
    steering: str,
    heldout: Mapping[str, Any] | None = None,
    paired: Paired | None = None,
    status: str = "running",
) -> str:
    """``report.md``: the ledger table, the best round and how it was chosen, the held-out comparison."""
    gate_keys: list[str] = []
    for entry in ledger:
        for key in entry["eval"].get("gates") or {}:
            if key not in gate_keys:
                gate_keys.append(key)
    gate_heads = [f"gate {k}" for k in gate_keys]
    head = ["round", "examples new / cumulative", "train tokens/s", "loss before → after", *gate_heads,
            f"steering pass rate ({steering})", HELDOUT_LABEL, "wall time"]  # fmt: skip
    rows = [head, ["---"] * len(head), *(_round_cells(e, gate_keys) for e in ledger)]
    lines = [f"# Training loop: {steering}", "", f"Status: {status}. One row per finished round (ledger.jsonl).", ""]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    lines += [
        "",
        f"**Best round: {best_round}**, chosen by the steering suite {steering} (every gate passing first, then "
        "its pass rate). The held-out score is measured after every round and never used to choose, steer the "
        "data or stop the loop.",
    ]
    if heldout:
        lines += ["", f"Held-out sample (the figure to quote): {heldout_description(heldout)}."]
        if paired is not None:
            lines += ["", paired.line() + "."]
        elif best_round == 0:
            lines += ["", "The best round is the base model: no held-out comparison base vs best."]
    else:
        lines += ["", "No held-out set was given (--heldout): the steering pass rate is the only score."]
    rescored = [str(e["round"]) for e in ledger if e.get("rescored")]
    if rescored:
        lines += ["", f"Round(s) {', '.join(rescored)} were re-judged with today's scorers (ledger key `rescored`)."]
    return "\n".join(lines) + "\n"


def heldout_description(heldout: Mapping[str, Any]) -> str:
    limit = heldout.get("limit")
    size = f"at most {limit} cases per category, sample seed {heldout.get('sample_seed')}" if limit else "every case"
    excluded = heldout.get("excluded") or []
    note = f"; {len(excluded)} case(s) with a steering prompt's text excluded" if excluded else ""
    return f"case set {heldout['case_set']} of {heldout['suite']}, {size}{note}; the same cases every round"


def write_report(out: Path, text: str) -> Path:
    path = out / REPORT
    write_text_atomic(path, text)
    return path
