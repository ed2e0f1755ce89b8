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
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from gitops_scaffold.validate.preview import preview
from tests.argocd_checks import canonical, naive_expand
from tests.factory import EXAMPLE, init_repo

RESOURCES = Path(__file__).parents[1] / "resources"
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


# --- the clusters generator over declarative cluster secrets ---------------------------------

CLUSTER_SECRETS = """\
apiVersion: v1
kind: Secret
metadata:
  name: cluster-eu
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: cluster
    env: prod
  annotations:
    team: platform
stringData:
  name: eu_prod
  server: https://eu.k8s.example.com
---
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: cluster-dev
  namespace: argocd
spec:
  secretStoreRef: {kind: ClusterSecretStore, name: aws}
  target:
    name: cluster-a-dev
    template:
      metadata:
        labels:
          argocd.argoproj.io/secret-type: cluster
          env: dev
      data:
        name: dev
        server: https://dev.k8s.example.com
        config: '{"tlsClientConfig": {"caData": "{{ .caData }}"}}'
"""


def _clusters_repo(tmp_path: Path, generator: str, go_template: bool = True) -> Path:
    repo = tmp_path / "repo"
    (repo / "clusters").mkdir(parents=True)
    (repo / "clusters/secrets.yaml").write_text(CLUSTER_SECRETS)
    name, server = (
        ("{{ .nameNormalized }}-guestbook", "{{ .server }}")
        if go_template
        else (
            "{{nameNormalized}}-guestbook",
            "{{server}}",
        )
    )
    (repo / "appset.yaml").write_text(
        f"""\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: guestbook
  namespace: argocd
spec:
  goTemplate: {str(go_template).lower()}
  generators:
{generator}
  template:
    metadata:
      name: '{name}'
    spec:
      project: default
      source:
        repoURL: https://github.com/example/apps.git
        targetRevision: HEAD
        path: guestbook
      destination:
        server: '{server}'
        namespace: guestbook
"""
    )
    return repo


def test_clusters_generator_includes_the_local_cluster_without_a_selector(tmp_path: Path) -> None:
    repo = _clusters_repo(tmp_path, "    - clusters: {}")
    rows = {a["name"]: a for a in preview(repo).applications}
    # The local cluster first, then the secrets in Secret-name order (cluster-a-dev, cluster-eu).
    assert list(rows) == ["in-cluster-guestbook", "dev-guestbook", "eu-prod-guestbook"]
    assert rows["eu-prod-guestbook"]["server"] == "https://eu.k8s.example.com"
    assert rows["eu-prod-guestbook"]["cluster"] == "eu_prod"


def test_clusters_generator_selector_labels_and_values(tmp_path: Path) -> None:
    generator = """\
    - clusters:
        selector:
          matchLabels:
            env: prod
        values:
          tier: '{{ index .metadata.labels "env" }}-{{ .metadata.annotations.team }}'"""
    repo = _clusters_repo(tmp_path, generator)
    appset = repo / "appset.yaml"
    appset.write_text(appset.read_text().replace("namespace: guestbook", "namespace: '{{ .values.tier }}'"))
    (only,) = preview(repo).applications
    assert only["name"] == "eu-prod-guestbook" and only["namespace"] == "prod-platform"


def test_clusters_generator_fasttemplate_and_flat_list(tmp_path: Path) -> None:
    repo = _clusters_repo(tmp_path, "    - clusters:\n        selector: {matchLabels: {env: dev}}", False)
    (only,) = preview(repo).applications
    assert (only["name"], only["server"]) == ("dev-guestbook", "https://dev.k8s.example.com")
    flat = _clusters_repo(tmp_path / "flat", "    - clusters: {flatList: true}")
    appset = flat / "appset.yaml"
    appset.write_text(
        appset.read_text()
        .replace("{{ .nameNormalized }}-guestbook", "all-{{ len .clusters }}")
        .replace("{{ .server }}", "{{ (index .clusters 0).server }}")
    )
    (single,) = preview(flat).applications
    assert single["name"] == "all-3" and single["server"] == "https://kubernetes.default.svc"


def test_live_generators_are_noted_not_failed(tmp_path: Path) -> None:
    from gitops_scaffold.validate import validate

    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "prs.yaml").write_text(
        """\
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: previews
  namespace: argocd
spec:
  goTemplate: true
  generators:
    - matrix:
        generators:
          - pullRequest:
              github: {owner: acme, repo: shop}
          - clusters: {}
  template:
    metadata:
      name: 'pr-{{ .number }}'
    spec:
      project: default
      source: {repoURL: https://github.com/acme/shop.git, targetRevision: '{{ .head_sha }}', path: deploy}
      destination: {server: '{{ .server }}', namespace: 'pr-{{ .number }}'}
"""
    )
    result = runner.invoke(app, ["preview", str(repo)])
    assert result.exit_code == 0 and "pullRequest generator, which needs a running Argo CD" in result.stderr
    report = validate(repo)
    assert report.findings == []
    assert any("pullRequest" in note for note in report.notes)
