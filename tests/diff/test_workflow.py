"""The generated pull-request workflow that posts `scaffold diff`: least privilege, full history,
pinned actions, one comment found again by the marker the markdown report starts with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from gitops_scaffold.diff.report import MARKDOWN_MARKER

GOLDEN = Path(__file__).parents[1] / "golden"


@pytest.mark.parametrize("example", ["minimal", "multi-cluster", "platform"])
def test_the_diff_workflow(example: str) -> None:
    workflow = yaml.safe_load((GOLDEN / example / ".github/workflows/diff.yaml").read_text())
    assert list(workflow[True]) == ["pull_request"]  # YAML 1.1 reads the `on` key as True
    assert workflow["permissions"] == {}  # nothing at the workflow level
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    steps = job["steps"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0 and checkout["with"]["persist-credentials"] is False
    for step in steps:
        if "uses" in step:
            assert re.fullmatch(r"[\w-]+/[\w-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
    run = next(s for s in steps if "scaffold diff" in s.get("run", ""))
    assert 'scaffold diff --base "origin/${BASE_REF}" --output markdown' in run["run"]
    assert run["env"] == {"BASE_REF": "${{ github.base_ref }}"}  # never pasted into the shell
    comment = next(s for s in steps if s.get("uses", "").startswith("actions/github-script@"))
    script = comment["with"]["script"]
    assert f'"{MARKDOWN_MARKER}"' in script and "updateComment" in script and "createComment" in script
    assert "validate" not in workflow["name"]  # validate.yaml stays the check
