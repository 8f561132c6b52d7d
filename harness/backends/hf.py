"""The hf back end (being built: issue 13)."""

from __future__ import annotations

from harness.backends.base import Backend, LoadOptions, backend_kind
from harness.errors import ModelLoadError
from harness.models import ModelRef


@backend_kind("hf", install="pip install 'smallmodel-harness[hf]'")
def open_hf(ref: ModelRef, options: LoadOptions) -> Backend:
    raise ModelLoadError(f"{ref.spec}: the hf back end is not built yet")
