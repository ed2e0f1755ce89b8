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
    # The one notice a generated repo gets: its ingress-nginx Applications (GS030, info), unless
    # scaffold.yaml records that choice; nothing else.
    notices = [f for f in report.findings if f.rule == "GS030"]
    recorded = VARIANTS[variant].get("ingress", {}).get("controller") == "ingress-nginx"
    expected = set() if recorded else {"apps/platform/ingress-nginx/application.yaml"}
    assert {f.file for f in notices} == expected
    assert all(f.severity == Severity.info for f in notices)
    others = [f for f in report.findings if f.rule != "GS030"]
    assert others == [], "\n".join(f"{f.file}:{f.line} {f.rule} {f.message} ({f.context})" for f in others)
    assert report.stats["generated"] > 0 and report.stats["renders"] > 0
    services = VARIANTS[variant]["services"]
    environments = VARIANTS[variant]["environments"]
    assert report.stats["generated"] == len(services) * len(environments)


def test_generated_ci_workflow_runs_validate(generated: dict[str, Path]) -> None:
    workflow = yaml.safe_load((generated["example"] / ".github/workflows/validate.yaml").read_text())
    steps = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert any(step.strip().startswith("scaffold validate") for step in steps)


def test_cli_on_a_generated_repo_exits_0(generated: dict[str, Path]) -> None:
    result = runner.invoke(app, ["validate", str(generated["example"])])
    assert result.exit_code == 0, result.output
    assert "OK: 0 error(s), 0 warning(s)" in result.output


def test_ingress_nginx_recorded_in_scaffold_yaml_is_a_choice(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    repo = copy_of(generated["minimal"], tmp_path)
    answers = repo / "scaffold.yaml"
    answers.write_text(answers.read_text() + "ingress:\n  controller: ingress-nginx\n")
    assert [f.rule for f in validate(repo, Options(schemas=SCHEMAS)).findings] == []


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
