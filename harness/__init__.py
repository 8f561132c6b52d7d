"""Evaluation harness for small chat and tool-calling language models."""

from __future__ import annotations

__version__ = "0.1.0"
