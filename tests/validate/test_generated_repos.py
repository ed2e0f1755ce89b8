"""Repositories gitops-scaffold generates validate clean, and still check what they opted out of."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_scaffold.cli import app
from gitops_scaffold.validate import Options, validate
from gitops_scaffold.validate.findings import Severity
from tests.factory import EXAMPLE, SCHEMAS, init_repo, minimal
from tests.test_platform import NEW_EKS
from tests.validate.helpers import (
    copy_of,
    runner,
)

# --- repos we generate are clean --------------------------------------------------------------

VARIANTS: dict[str, dict[str, Any]] = {
    "example": yaml.safe_load(EXAMPLE.read_text()),
    "minimal": minimal(),
    "several clusters, envs, teams, services": minimal(
        clusters=[
            {"name": "hub", "server": "https://kubernetes.default.svc"},
            {"name": "qa", "server": "https://qa.k8s.example.com"},
            {
                "name": "prod",
                "server": "https://prod.eks.example.com",
                "eks": {"cluster_name": "prod", "role_arn": "arn:aws:iam::123456789012:role/argocd"},
            },
        ],
        environments=[
            {"name": "dev", "cluster": "hub", "image_updates": True},
            {"name": "qa", "cluster": "qa"},
            {"name": "prod", "cluster": "prod"},
        ],
        teams=[{"name": "web", "groups": ["web-team"]}, {"name": "api", "groups": ["api"], "admin": True}],
        services=[
            {
                "name": "shop",
                "team": "web",
                "image": "ghcr.io/acme/shop",
                "tag": "v1.0.0",
                "autoscaling": {"min": 2, "max": 5, "cpu": 70},
                "migrations": {"command": ["./migrate"]},
                "ingress": {"host": "shop.example.com"},
            },
            {
                "name": "api",
                "team": "api",
                "image": "ghcr.io/acme/api",
                "tag": "1.2.3",
                "database_secret": "prod/api/db",
            },
        ],
        image_updater={"registry": "ghcr.io"},
        notifications={"slack": {"deployments": "deploys", "alerts": "alerts"}},
    ),
    "no SSO, no domain, not on system nodes": {
        **minimal(),
        "argocd": {"ha": False, "system_nodes": False},
    },
    # On EKS with no ingress.controller: the AWS Load Balancer Controller by default.
    "new on EKS": NEW_EKS,
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    repos = {}
    for index, (name, data) in enumerate(VARIANTS.items()):
        repos[name] = init_repo(tmp_path_factory.mktemp(f"gen{index}"), data)
    return repos


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_generated_repos_validate_clean(generated: dict[str, Path], variant: str) -> None:
    report = validate(generated[variant], Options(schemas=SCHEMAS))
    # The one notice a generated repo gets: its ingress-nginx Application (GS030), as info since
    # scaffold.yaml records the choice (init writes it); nothing else.
    notices = [f for f in report.findings if f.rule == "GS030"]
    nginx = (generated[variant] / "apps/platform/ingress-nginx").is_dir()
    assert {f.file for f in notices} == ({"apps/platform/ingress-nginx/application.yaml"} if nginx else set())
    assert nginx is (variant != "new on EKS")
    assert all(f.severity == Severity.info and "scaffold.yaml records" in f.message for f in notices)
    others = [f for f in report.findings if f.rule != "GS030"]
    assert others == [], "\n".join(f"{f.file}:{f.line} {f.rule} {f.message} ({f.context})" for f in others)
    assert report.stats["generated"] > 0 and report.stats["renders"] > 0
    services = VARIANTS[variant]["services"]
    environments = VARIANTS[variant]["environments"]
    assert report.stats["generated"] == len(services) * len(environments)


@pytest.mark.parametrize("method", ["ssh", "https_token", "github_app"])
def test_repository_credentials_are_named_not_written(tmp_path: Path, method: str) -> None:
    """repo.auth puts only Secrets Manager property names in argocd/values.yaml: no GS003."""
    auth = {"url": "https://github.com/acme/gitops-config", "auth": {"method": method}}
    repo = init_repo(tmp_path, minimal(repo=auth))
    report = validate(repo, Options(schemas=SCHEMAS, helm=False))
    assert [f for f in report.findings if f.rule == "GS003"] == []


def test_generated_ci_workflow_runs_validate(generated: dict[str, Path]) -> None:
    workflow = yaml.safe_load((generated["example"] / ".github/workflows/validate.yaml").read_text())
    steps = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert any(step.strip().startswith("scaffold validate") for step in steps)


def test_cli_on_a_generated_repo_exits_0(generated: dict[str, Path]) -> None:
    result = runner.invoke(app, ["validate", str(generated["example"])])
    assert result.exit_code == 0, result.output
    assert "OK: 0 error(s), 0 warning(s)" in result.output


def test_ingress_nginx_is_a_warning_unless_scaffold_yaml_records_it(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    """Retired upstream: a warning that fails CI, except as a choice scaffold.yaml records."""
    repo = copy_of(generated["minimal"], tmp_path)
    answers = repo / "scaffold.yaml"
    recorded = answers.read_text()
    assert yaml.safe_load(recorded)["ingress"] == {"controller": "ingress-nginx"}
    data = yaml.safe_load(recorded)
    del data["ingress"]
    answers.write_text(yaml.safe_dump(data, sort_keys=False))
    (finding,) = validate(repo, Options(schemas=SCHEMAS)).findings
    assert (finding.rule, finding.severity) == ("GS030", Severity.warning)
    assert runner.invoke(app, ["validate", str(repo), "-q"]).exit_code == 1
    answers.write_text(recorded)
    (finding,) = validate(repo, Options(schemas=SCHEMAS)).findings
    assert (finding.rule, finding.severity) == ("GS030", Severity.info)
    result = runner.invoke(app, ["validate", str(repo)])
    assert result.exit_code == 0 and "GS030" in result.output  # still said, CI passes


def test_the_generated_repo_still_checks_what_it_opted_out_of(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    """system_nodes: false skips GS016 only because scaffold.yaml says so."""
    repo = copy_of(generated["no SSO, no domain, not on system nodes"], tmp_path)
    (repo / "scaffold.yaml").unlink()
    report = validate(repo, Options(repo_urls=["https://github.com/acme/gitops-config"]))
    assert sorted((f.rule, f.file) for f in report.findings) == [
        ("GS016", "argocd/values.yaml"),
        ("GS030", "apps/platform/ingress-nginx/application.yaml"),
    ]
