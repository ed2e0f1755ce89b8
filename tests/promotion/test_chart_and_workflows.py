"""The digest pin in the service chart (real Helm) and the generated promote workflow."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

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
    assert images and set(images.values()) == {f"ghcr.io/acme/shop:v2@{DIGEST}"}
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
    assert workflow["permissions"] == {}  # nothing at the workflow level
    (job,) = workflow["jobs"].values()
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert 'scaffold promote "${args[@]}"' in runs
    assert re.search(r'args=\(--from "\$FROM_ENV" --branch "\$BRANCH" --commit --push', runs)
    assert "gh pr create" in runs
    # Inputs reach the shell through the environment, never pasted into the script.
    assert "${{ inputs." not in runs


# actionlint and zizmor check every generated workflow, this one included: tests/test_ci_workflows.py
