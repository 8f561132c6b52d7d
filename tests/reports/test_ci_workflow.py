"""The GitHub Actions recipe (.github/workflows/publish.yml): its order, where the token goes, what it runs.

GitHub cannot run here, so these checks read the workflow as data: a change that lets the publish step run
after a failed gate, or hands HF_TOKEN to the evaluation, fails a test instead of a release.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOW = Path(__file__).parents[2] / ".github" / "workflows" / "publish.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as a boolean
    return data


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    return list(job["steps"])


def _named(workflow: dict[str, Any], word: str) -> dict[str, Any]:
    (step,) = [s for s in _steps(workflow) if word in s.get("name", "")]
    return step


def test_steps_run_in_order(workflow: dict[str, Any]) -> None:
    names = [s["name"] for s in _steps(workflow)]
    assert names == [
        "Check out the repository",
        "Set up Python 3.11",
        "Install the harness",
        "Evaluate the model",
        "Check the gates on the stored run",
        "Publish to the Hugging Face Hub",
        "Keep the run as an artifact",
    ]
    setup = _named(workflow, "Set up Python")["with"]
    assert setup["python-version"] == "3.11" and setup["cache"] == "pip"
    assert "pip install -e ." in _named(workflow, "Install")["run"]
    assert _named(workflow, "Evaluate")["run"].startswith('pytest suites/ --model "$MODEL" --results runs/ci')
    assert _named(workflow, "Check the gates")["run"] == 'python -m harness gate runs/ci --model "$MODEL"'


def test_publish_only_after_success_and_only_it_sees_the_token(workflow: dict[str, Any]) -> None:
    publish = _named(workflow, "Publish")
    assert publish["if"] == "success()"
    assert publish["env"] == {"HF_TOKEN": "${{ secrets.HF_TOKEN }}"}
    assert "--run runs/ci" in publish["run"] and "--token" not in publish["run"]
    others = [s for s in _steps(workflow) if s is not publish]
    assert all("HF_TOKEN" not in yaml.safe_dump(s) for s in others)
    assert "HF_TOKEN" not in yaml.safe_dump(workflow["env"])


def test_inputs_reach_scripts_through_the_environment(workflow: dict[str, Any]) -> None:
    """``${{ inputs.x }}`` pasted into a ``run:`` script is a shell injection; the scripts use $MODEL etc."""
    assert set(workflow["on"]["workflow_dispatch"]["inputs"]) == {"model", "repo", "dry_run"}
    for step in _steps(workflow):
        assert "${{" not in step.get("run", ""), step["name"]
