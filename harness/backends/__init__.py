"""Back ends: one open model behind ``generate(messages, tools, params) -> Completion``."""

from __future__ import annotations

from harness.backends.base import Backend, GenerationParams, open_backend

__all__ = ["Backend", "GenerationParams", "open_backend"]
