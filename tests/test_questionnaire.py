"""The first-run questionnaire: Copier's questions give an answers file that init renders."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitops_scaffold import answers
from gitops_scaffold.commands import init as init_command
from gitops_scaffold.model_platform import ALB
from gitops_scaffold.questionnaire import answer_defaults


def test_defaults_give_a_valid_answers_file_that_init_renders(tmp_path: Path) -> None:
    text = answer_defaults({"repo_url": "https://github.com/acme/gitops-config"})
    path = tmp_path / "scaffold.yaml"
    path.write_text(text)
    _, loaded = answers.load(path)
    assert [e.name for e in loaded.environments] == ["dev", "staging", "prod"]
    assert [s.name for s in loaded.services] == ["hello"]
    result = init_command.init(tmp_path / "repo", path)
    assert result.exit_code == 0
    assert (tmp_path / "repo" / "apps/services/hello/values-prod.yaml").is_file()
    assert (tmp_path / "repo" / "scaffold.yaml").read_text() == text


def test_every_answer_reaches_the_file(tmp_path: Path) -> None:
    text = answer_defaults({
        "repo_url": "git@github.com:acme/platform-config.git",
        "revision": "trunk",
        "argocd_domain": "argocd.acme.dev",
        "sso": True,
        "sso_issuer": "https://acme.okta.com",
        "cluster_name": "hub",
        "environments": "qa, prod",
        "team": "core",
        "team_group": "core-admins",
        "service": "",
        "slack_channel": "deploys",
    })
    data = yaml.safe_load(text)
    assert data["repo"] == {"url": "git@github.com:acme/platform-config.git", "revision": "trunk"}
    assert data["argocd"]["domain"] == "argocd.acme.dev"
    assert data["argocd"]["sso"]["issuer"] == "https://acme.okta.com"
    assert [e["name"] for e in data["environments"]] == ["qa", "prod"]
    assert data["environments"][-1]["namespace_suffix"] == ""
    assert data["teams"] == [{"name": "core", "groups": ["core-admins"], "admin": True}]
    assert data["services"] == []
    assert data["notifications"]["slack"] == {"deployments": "deploys", "alerts": "deploys"}
    path = tmp_path / "scaffold.yaml"
    path.write_text(text)
    answers.load(path)


def test_the_ingress_controller_defaults_to_the_alb_controller_on_eks(tmp_path: Path) -> None:
    """Offered with every start: the AWS Load Balancer Controller on EKS, else ingress-nginx."""
    plain = yaml.safe_load(answer_defaults({"repo_url": "https://github.com/acme/gitops-config"}))
    assert plain["ingress"] == {"controller": "ingress-nginx"}
    assert "eks" not in plain["clusters"][0]
    role = "arn:aws:iam::123456789012:role/argocd-manager"
    text = answer_defaults(
        {"repo_url": "https://github.com/acme/gitops-config", "eks": True, "eks_role_arn": role}
    )
    data = yaml.safe_load(text)
    assert data["clusters"][0]["eks"] == {"cluster_name": "main", "role_arn": role}
    assert data["ingress"] == {"controller": "aws-load-balancer-controller"}
    path = tmp_path / "scaffold.yaml"
    path.write_text(text)
    result = init_command.init(tmp_path / "repo", path)
    assert result.exit_code == 0
    assert (tmp_path / "repo/apps/platform/aws-load-balancer-controller/application.yaml").is_file()
    assert not (tmp_path / "repo/apps/platform/ingress-nginx").exists()


def test_the_alb_controller_needs_an_eks_cluster() -> None:
    with pytest.raises(ValueError, match="runs only on EKS"):
        answer_defaults({"repo_url": "https://example.com/x", "ingress_controller": ALB})
