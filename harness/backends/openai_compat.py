"""The openai back end (being built: issue 13)."""

from __future__ import annotations

from harness.backends.base import Backend, LoadOptions, backend_kind
from harness.errors import ModelLoadError
from harness.models import ModelRef


@backend_kind("openai", install="pip install 'smallmodel-harness[openai]'")
def open_openai_compat(ref: ModelRef, options: LoadOptions) -> Backend:
    raise ModelLoadError(f"{ref.spec}: the openai back end is not built yet")
