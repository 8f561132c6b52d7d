"""Wilson intervals and the exact McNemar test against values worked out by hand."""

from __future__ import annotations

import pytest

from reports.stats import mcnemar_exact, wilson_interval


@pytest.mark.parametrize(
    ("k", "n", "expected"),
    [
        (0, 10, (0.0, 0.2775)),
        (5, 10, (0.2366, 0.7634)),
        (10, 10, (0.7225, 1.0)),
        (1, 7, (0.0257, 0.5131)),
        (81, 100, (0.7222, 0.8749)),
    ],
)
def test_wilson_interval_known_values(k: int, n: int, expected: tuple[float, float]) -> None:
    assert wilson_interval(k, n) == pytest.approx(expected, abs=1e-4)


def test_wilson_interval_edges() -> None:
    assert wilson_interval(0, 0) == (0.0, 1.0)  # no cases: the rate could be anything
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0  # exact, not 0.9999999
    assert wilson_interval(5, 10, z=1.0) == pytest.approx((0.3492, 0.6508), abs=1e-4)  # z is honoured
    with pytest.raises(ValueError, match="0 <= k <= n"):
        wilson_interval(11, 10)


@pytest.mark.parametrize(
    ("b", "c", "expected"),
    [
        (0, 6, 0.03125),  # 2 * 1/64
        (1, 5, 0.21875),  # 2 * (1 + 6)/64
        (3, 3, 1.0),  # 2 * 42/64 > 1, capped
        (0, 0, 1.0),
        (2, 8, 0.109375),  # 2 * (1 + 10 + 45)/1024
        (0, 20, 2 / 2**20),
    ],
)
def test_mcnemar_exact_known_values(b: int, c: int, expected: float) -> None:
    assert mcnemar_exact(b, c) == pytest.approx(expected, rel=1e-12)
    assert mcnemar_exact(c, b) == pytest.approx(expected, rel=1e-12)  # two-sided: direction does not matter


def test_mcnemar_exact_rejects_negative_counts() -> None:
    with pytest.raises(ValueError, match=">= 0"):
        mcnemar_exact(-1, 3)
