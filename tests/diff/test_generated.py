"""`scaffold diff` on scaffolded repositories: for each kind of commit, the (Application,
resource) pairs reported added, removed and changed equal an independent rendering of both
revisions (tests/diff/oracle.py: git worktrees + helm-python-sdk directly), and nothing is
reported, or rendered, for the Applications a commit does not touch.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from gitops_scaffold.commands import grow
from tests.diff.oracle import expected_pairs
from tests.factory import EXAMPLE, init_repo, minimal

runner = CliRunner()
SHOP = "apps/services/shop"
SERVICES = [
    {
        "name": "shop",
        "team": "web",
        "image": "ghcr.io/acme/shop",
        "tag": "v1.0.0",
        "migrations": {"command": ["./migrate"]},
    },
    {"name": "cart", "team": "web", "image": "ghcr.io/acme/cart", "tag": "v2.0.0"},
]


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_repo(tmp_path_factory.mktemp("diff"), minimal(services=SERVICES))


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(pristine, copy, symlinks=True)
    return copy


def commit(repo: Path, message: str = "change") -> None:
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, capture_output=True)
    subprocess.run(["git", "-C", str(repo), "commit", "-qm", message], check=True, capture_output=True)


def edit(repo: Path, rel: str, old: str, new: str) -> None:
    path = repo / rel
    text = path.read_text()
    assert old in text, f"{old!r} not in {rel}"
    path.write_text(text.replace(old, new, 1))


def diff_json(repo: Path, *args: str) -> dict[str, Any]:
    result = runner.invoke(app, ["diff", str(repo), "--output", "json", *args])
    assert result.exit_code == 0, result.output
    payload: dict[str, Any] = json.loads(result.stdout)
    assert payload["errors"] == []
    return payload


def check(repo: Path, base: str = "HEAD~1", head: str | None = "HEAD") -> dict[str, Any]:
    """The reported pairs equal the oracle's; untouched Applications report nothing."""
    payload = diff_json(repo, "--base", base, *(["--head", head] if head else []))
    reported = {
        (a["name"], (r["group"], r["kind"], r["namespace"], r["name"]), r["status"])
        for a in payload["applications"]
        for r in a["resources"]
    }
    expected, names = expected_pairs(repo, base, head)
    assert reported == expected
    assert {a["name"] for a in payload["applications"]} == names
    touched = {name for name, _, _ in expected}
    for application in payload["applications"]:
        if application["name"] not in touched:
            assert application["resources"] == []
            assert application["status"] in {"unchanged", "changed"}
            assert application["status"] == "unchanged" or application["spec_diff"]
    return payload


def by_status(payload: dict[str, Any], status: str) -> set[str]:
    return {a["name"] for a in payload["applications"] if a["status"] == status}


def rendered(payload: dict[str, Any]) -> set[str]:
    return {a["name"] for a in payload["applications"] if a["rendered"]}


def test_an_image_tag_in_one_environment(repo: Path) -> None:
    edit(repo, f"{SHOP}/values-dev.yaml", 'tag: "v1.0.0"', 'tag: "v1.0.1"')
    commit(repo)
    payload = check(repo)
    assert by_status(payload, "changed") == {"shop-dev"}
    assert rendered(payload) == {"shop-dev"}  # only what changed is rendered
    shop = next(a for a in payload["applications"] if a["name"] == "shop-dev")
    deployment = next(r for r in shop["resources"] if r["kind"] == "Deployment")
    assert "-        image: ghcr.io/acme/shop:v1.0.0" in deployment["diff"]
    assert "+        image: ghcr.io/acme/shop:v1.0.1" in deployment["diff"]
    hooks = {r["name"]: r["hook"] for r in shop["resources"] if r["hook"]}
    assert hooks == {"shop-dev-migrate": "Sync", "shop-dev-smoke-test": "PostSync"}
    assert not shop["needs_manual_sync"]  # dev syncs on its own


def test_a_template_edit_touches_every_environment_of_the_service(repo: Path) -> None:
    edit(repo, f"{SHOP}/templates/configmap.yaml", "data:\n", 'data:\n  FEATURE_X: "on"\n')
    commit(repo)
    payload = check(repo)
    assert by_status(payload, "changed") == {"shop-dev", "shop-prod"}
    prod = next(a for a in payload["applications"] if a["name"] == "shop-prod")
    assert prod["production"] and prod["needs_manual_sync"] and prod["sync"] == "manual"


def test_a_new_environment(repo: Path) -> None:
    grow.add_env(repo, "qa", cluster="main", after="dev")
    commit(repo)
    payload = check(repo)
    assert {"shop-qa", "cart-qa"} <= by_status(payload, "added")
    added = next(a for a in payload["applications"] if a["name"] == "cart-qa")
    assert added["resources"] and {r["status"] for r in added["resources"]} == {"added"}
    assert {"shop-dev", "shop-prod", "cart-dev", "cart-prod"} & by_status(payload, "changed") == set()


def test_a_removed_service(repo: Path) -> None:
    grow.remove_service(repo, "cart")
    commit(repo)
    payload = check(repo)
    assert by_status(payload, "removed") == {"cart-dev", "cart-prod"}
    assert {"shop-dev", "shop-prod"} <= by_status(payload, "unchanged")


def test_an_applicationset_edit_that_renames_namespaces(repo: Path) -> None:
    edit(
        repo,
        "bootstrap/root/service-apps.yaml",
        "namespace: '{{ .path.basename }}{{ .env.namespaceSuffix }}'",
        "namespace: 'web-{{ .path.basename }}{{ .env.namespaceSuffix }}'",
    )
    commit(repo)
    payload = check(repo)
    assert {"shop-dev", "shop-prod", "cart-dev", "cart-prod", "root"} <= by_status(payload, "changed")
    shop = next(a for a in payload["applications"] if a["name"] == "shop-dev")
    moved = {(r["namespace"], r["status"]) for r in shop["resources"] if r["kind"] == "Deployment"}
    assert moved == {("shop-dev", "removed"), ("web-shop-dev", "added")}
    assert "+    namespace: web-shop-dev" in shop["spec_diff"]


def test_an_appproject_edit(repo: Path) -> None:
    edit(repo, "projects/web-dev.yaml", "description:", "description: Reviewed.")
    commit(repo)
    payload = check(repo)
    assert by_status(payload, "changed") == {"projects"}
    (project,) = next(a for a in payload["applications"] if a["name"] == "projects")["resources"]
    assert (project["kind"], project["name"], project["status"]) == ("AppProject", "web-dev", "changed")


def test_an_edit_to_a_remote_addons_values(repo: Path) -> None:
    path = repo / "apps/platform/cert-manager/values.yaml"
    path.write_text(path.read_text() + "\npodDnsPolicy: ClusterFirst\n")
    commit(repo)
    payload = check(repo)
    assert by_status(payload, "changed") == {"cert-manager-main"}
    addon = next(a for a in payload["applications"] if a["name"] == "cert-manager-main")
    (inputs,) = addon["resources"]
    assert inputs["rendered"] is False and "+  values:" not in inputs["diff"]
    assert "+    podDnsPolicy: ClusterFirst" in inputs["diff"]
    assert any("--charts" in note for note in addon["notes"])


def test_the_work_tree_is_the_default_head(repo: Path) -> None:
    edit(repo, "apps/services/cart/values-prod.yaml", 'tag: "v2.0.0"', 'tag: "v2.1.0"')
    payload = check(repo, "HEAD", None)
    assert payload["head"] == {"revision": "work tree", "commit": None}
    assert by_status(payload, "changed") == {"cart-prod"}
    text = runner.invoke(app, ["diff", str(repo), "--exit-code"])
    assert text.exit_code == 1
    assert "cart-prod needs a manual sync (production)" in text.stdout
    clean = runner.invoke(app, ["diff", str(repo), "--head", "HEAD", "--exit-code", "-q"])
    assert clean.exit_code == 0, clean.output
    assert "0 changed, 0 added, 0 removed" in clean.stdout


def test_the_seed_example_one_tag_renders_one_application(tmp_path: Path) -> None:
    repo = init_repo(tmp_path, EXAMPLE.read_text())
    edit(repo, "apps/services/orders/values-staging.yaml", 'tag: "v1.4.2"', 'tag: "v1.5.0"')
    payload = diff_json(repo)
    assert by_status(payload, "changed") == {"orders-staging"}
    assert rendered(payload) == {"orders-staging"}
    assert len(payload["applications"]) > 10
    assert by_status(payload, "added") | by_status(payload, "removed") == set()


def test_a_generator_input_changes_the_generated_applications(repo: Path) -> None:
    """service.yaml is read by the ApplicationSet's git generator (not by Helm: .helmignore), so
    the expansion of the base is not reused and the Application specs differ."""
    edit(repo, f"{SHOP}/service.yaml", "autoscaling: false", "autoscaling: true")
    commit(repo)
    payload = check(repo)
    assert by_status(payload, "changed") == {"shop-dev", "shop-prod"}
    for application in payload["applications"]:
        if application["name"] in {"shop-dev", "shop-prod"}:
            assert application["resources"] == []
            assert "+  ignoreDifferences:" in application["spec_diff"]
