"""The statistics behind the reports and the training loop, in pure Python (nothing beyond the standard library).

Pass rates of a few dozen cases are noisy: every rate is shown with a 95% Wilson score interval, and two
models run on the same cases are compared with McNemar's exact test on the cases where they disagree. They live
in ``harness`` so that ``reports`` (compare) and ``train`` (the loop's held-out comparison) share one copy.
"""

from __future__ import annotations

import math

Z_95 = 1.959964  # two-sided 95% quantile of the standard normal distribution


def wilson_interval(k: int, n: int, z: float = Z_95) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials.

    With p = k/n:  centre = (p + z²/2n) / (1 + z²/n),  half = z / (1 + z²/n) · sqrt(p(1-p)/n + z²/4n²),
    interval = (centre - half, centre + half). Unlike the normal approximation p ± z·sqrt(p(1-p)/n) it
    stays inside [0, 1] and does not collapse to a point at 0/n or n/n, which small suites hit often.
    ``n = 0`` says nothing about the rate: (0.0, 1.0).
    """
    if n <= 0:
        return 0.0, 1.0
    if not 0 <= k <= n:
        raise ValueError(f"wilson_interval: need 0 <= k <= n, got k={k}, n={n}")
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    # At k = 0 and k = n the bounds are exactly 0 and 1; rounding must not turn 1 into 0.9999999999999999.
    lo = 0.0 if k == 0 else centre - half
    hi = 1.0 if k == n else centre + half
    return lo, hi


def mcnemar_exact(b: int, c: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pairs of a paired comparison.

    ``b`` = cases that pass under A and fail under B, ``c`` = cases that fail under A and pass under B.
    Under "no difference" each discordant case is equally likely to go either way, so b ~ Binomial(b+c, ½):
    p = min(1, 2 · Σ_{i=0}^{min(b,c)} C(b+c, i) / 2^(b+c)). Cases both models pass or both fail carry no
    information about which is better and do not enter. ``b = c = 0`` gives 1.0.
    """
    if b < 0 or c < 0:
        raise ValueError(f"mcnemar_exact: counts must be >= 0, got b={b}, c={c}")
    n = b + c
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, i) for i in range(min(b, c) + 1))
    return min(1.0, 2 * tail / 2**n)
