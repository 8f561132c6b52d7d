"""Root conftest: loads the harness pytest plugin, so `pytest suites/ --model X.gguf` works from a checkout."""

pytest_plugins = ["harness.pytest_plugin"]
