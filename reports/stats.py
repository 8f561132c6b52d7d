"""The statistics behind the reports: :mod:`harness.stats` (one copy, shared with the training loop)."""

from __future__ import annotations

from harness.stats import Z_95, mcnemar_exact, wilson_interval

__all__ = ["Z_95", "mcnemar_exact", "wilson_interval"]
