"""Evaluation tasks that are more than one generation per case (see ``harness.tasks.compression``)."""
