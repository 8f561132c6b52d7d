"""The project's exceptions: one base class, a few kinds, each message naming what failed and the fix."""

from __future__ import annotations

# The exit codes of a scoring run, the gate and the training loop: every gate met / a gate failed / the run
# cannot be trusted (bad input, a missing or mismatched model, too many errors).
EXIT_OK = 0
EXIT_GATE_FAILED = 1
EXIT_UNTRUSTED = 2


class HarnessError(Exception):
    """Base class. ``exit_code`` is what the command line returns when this ends a run."""

    exit_code = EXIT_UNTRUSTED


class ConfigError(HarnessError):
    """A suite, gate file, option or template that cannot be used as given."""


class RunNotTrustedError(HarnessError):
    """A stored run cannot vouch for its model: incomplete, too many errors, partial, or made on another file."""


class ModelLoadError(HarnessError):
    """A model file or directory that is missing, corrupt or not loadable."""


class BackendError(HarnessError):
    """A back end failed while generating (not a model answering badly: that is a score)."""


class ContextOverflowError(BackendError):
    """The prompt plus the generation budget does not fit the model's context window."""


class DataError(HarnessError):
    """A training dataset that is malformed or invalid (bad JSONL, an example that breaks its tool schemas)."""


class ContaminationError(DataError):
    """Training data that contains evaluation prompts: training on them would make every score a lie."""

    exit_code = 3


class TrainingError(HarnessError):
    """Fine-tuning, merging, conversion or quantization failed (missing extra, diverged loss, bad export)."""
