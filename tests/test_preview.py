"""`scaffold preview`: the Applications every ApplicationSet generates, one for one with an
independent expansion (tests/argocd_checks.py's pure-Python one) and with what the answers say,
in table, YAML and JSON.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from argocd_checks import canonical, naive_expand
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from gitops_scaffold.preview import preview
from tests.factory import EXAMPLE, init_repo

RESOURCES = Path(__file__).parent / "resources"
EXAMPLE_APPS = RESOURCES / "example-apps"
SERVICE_APPS = "bootstrap/root/service-apps.yaml"
runner = CliRunner()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_repo(tmp_path_factory.mktemp("preview"), EXAMPLE.read_text())


@pytest.fixture(scope="module")
def listed(repo: Path) -> list[dict[str, Any]]:
    result = runner.invoke(app, ["preview", str(repo), "--output", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["errors"] == []
    return list(payload["applications"])


def test_matches_an_independent_expansion_one_for_one(repo: Path, listed: list[dict[str, Any]]) -> None:
    appset = yaml.safe_load((repo / SERVICE_APPS).read_text())
    expected = {a["metadata"]["name"]: canonical(a) for a in naive_expand(appset, repo)}
    got = {a["name"]: canonical(a["manifest"]) for a in listed}
    assert sorted(got) == sorted(expected)
    for name, manifest in expected.items():
        assert got[name] == manifest, name


def test_fields_follow_the_answers(listed: list[dict[str, Any]]) -> None:
    answers = yaml.safe_load(EXAMPLE.read_text())
    envs = {e["name"]: e for e in answers["environments"]}
    clusters = {c["name"]: c["server"] for c in answers["clusters"]}
    in_cluster = {name for name, server in clusters.items() if server == "https://kubernetes.default.svc"}
    rows = {a["name"]: a for a in listed}
    assert len(rows) == len(answers["services"]) * len(envs)
    for service in answers["services"]:
        for env_name, env in envs.items():
            row = rows[f"{service['name']}-{env_name}"]
            assert row["applicationSet"] == "services" and row["file"] == SERVICE_APPS
            assert row["project"] == f"{service['team']}-{env_name}"
            assert row["namespace"] == service["name"] + env["namespace_suffix"]
            assert row["server"] == clusters[env["cluster"]]
            cluster = "in-cluster" if env["cluster"] in in_cluster else env["cluster"]
            assert row["cluster"] == cluster
            assert row["path"] == f"apps/services/{service['name']}"
            assert row["valueFiles"] == ["values.yaml", f"values-{env_name}.yaml"]
            assert row["sync"] == ("auto (prune, self-heal)" if env["auto_sync"] else "manual")


def test_table_and_yaml_outputs(repo: Path, listed: list[dict[str, Any]]) -> None:
    table = runner.invoke(app, ["preview", str(repo)])
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split() == [
        "NAME",
        "APPLICATIONSET",
        "PROJECT",
        "CLUSTER",
        "NAMESPACE",
        "PATH",
        "VALUES",
        "SYNC",
    ]
    assert lines[-1] == f"{len(listed)} Applications"
    prod = next(line for line in lines if line.startswith("orders-prod "))
    assert prod.split() == [
        "orders-prod",
        "services",
        "orders-prod",
        "prod",
        "orders",
        "apps/services/orders",
        "values.yaml,values-prod.yaml",
        "manual",
    ]
    as_yaml = runner.invoke(app, ["preview", str(repo), "-o", "yaml"])
    assert as_yaml.exit_code == 0
    assert yaml.safe_load(as_yaml.stdout)["applications"] == listed


def test_one_file_and_written_applications(repo: Path) -> None:
    only = preview(repo / SERVICE_APPS)
    assert only.repo == repo.resolve() and len(only.applications) == 6
    everything = preview(repo, include_written=True)
    names = {a["name"] for a in everything.applications}
    assert {"root", "argocd", "platform-apps", "orders-dev"} <= names
    root = next(a for a in everything.applications if a["name"] == "root")
    assert root["applicationSet"] is None and root["sync"] == "auto (self-heal)"


def test_git_directories_and_template_patch() -> None:
    result = preview(EXAMPLE_APPS)
    rows = {a["name"]: a for a in result.applications}
    assert sorted(rows) == ["workload-backend", "workload-frontend"]
    assert rows["workload-frontend"]["sync"] == "auto (prune, self-heal)"
    assert rows["workload-backend"]["sync"] == "auto (self-heal)"  # the patch: prune off for backend
    assert rows["workload-backend"]["namespace"] == "workload-backend"
    assert rows["workload-backend"]["path"] == "workloads/backend"
    assert rows["workload-backend"]["manifest"]["metadata"]["labels"] == {"workload": "backend"}


def test_an_appset_that_does_not_expand_exits_1(tmp_path: Path) -> None:
    repo = Path(shutil.copytree(EXAMPLE_APPS, tmp_path / "repo"))
    workloads = repo / "apps/workloads.yaml"
    workloads.write_text(workloads.read_text().replace("{{ .path.path }}", "{{ .path.nope }}"))
    result = runner.invoke(app, ["preview", str(repo)])
    assert result.exit_code == 1
    assert "apps/workloads.yaml:" in result.stderr and 'no entry for key "nope"' in result.stderr
    payload = json.loads(runner.invoke(app, ["preview", str(repo), "-o", "json"]).stdout)
    assert payload["applications"] == [] and len(payload["errors"]) == 1


def test_missing_target_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["preview", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
