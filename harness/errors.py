"""The project's exceptions: one base class, a few kinds, each message naming what failed and the fix."""

from __future__ import annotations


class HarnessError(Exception):
    """Base class. ``exit_code`` is what the command line returns when this ends a run."""

    exit_code = 2


class ConfigError(HarnessError):
    """A suite, gate file, option or template that cannot be used as given."""


class ModelLoadError(HarnessError):
    """A model file or directory that is missing, corrupt or not loadable."""


class BackendError(HarnessError):
    """A back end failed while generating (not a model answering badly: that is a score)."""


class ContextOverflowError(BackendError):
    """The prompt plus the generation budget does not fit the model's context window."""
