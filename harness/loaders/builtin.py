"""Imports the loader modules, which register themselves (add new loader modules here)."""

from __future__ import annotations

import harness.loaders.bfcl
import harness.loaders.josi  # noqa: F401
