"""The default ingress controller (issue 12): the AWS Load Balancer Controller for new repos on EKS.

Decided once: init writes the choice into scaffold.yaml, and a later command that finds the key
absent writes what the repository runs (gitops_scaffold/ingress_choice.py), so a default never
swaps the controller behind the ingresses of an existing repository.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_scaffold.commands import grow
from gitops_scaffold.commands import status as status_command
from gitops_scaffold.context import resolve
from gitops_scaffold.errors import AnswersError
from gitops_scaffold.model_platform import ALB, INGRESS_NGINX
from tests.factory import checked, init_repo, minimal
from tests.test_platform import BARE, NEW_EKS, TWO_EKS

HUB = NEW_EKS["clusters"][0]


def _controller(answers: dict[str, Any]) -> str:
    controller: str = resolve(checked(answers))["ingress"]["controller"]
    return controller


def test_a_new_repo_on_eks_gets_the_alb_controller() -> None:
    view = resolve(checked(copy.deepcopy(NEW_EKS)))
    assert view["ingress"]["controller"] == ALB and view["ingress"]["alb"]
    names = [a["name"] for a in view["platform"]]
    assert ALB in names and INGRESS_NGINX not in names
    assert view["argocd"]["ingress_class"] == "alb"


@pytest.mark.parametrize(
    "answers",
    [
        BARE,  # kind/minikube: only the cluster Argo CD runs in, not EKS
        minimal(argocd={"domain": "argocd.acme.io"}),
        # Every listed cluster is EKS, but Argo CD's own (not listed) may not be, and the Argo
        # CD ingress (argocd.domain) runs there: the ALB default would fail the answers' checks.
        {k: v for k, v in TWO_EKS.items() if k != "platform"},
        # One cluster is not EKS: an ingress there would get no load balancer.
        {**copy.deepcopy(NEW_EKS), "clusters": [HUB, {"name": "prod", "server": "https://prod.acme.io"}]},
    ],
    ids=["bare", "minimal-with-domain", "argocd-cluster-unknown", "one-cluster-not-eks"],
)
def test_answers_that_cannot_run_the_alb_controller_default_to_ingress_nginx(answers: dict[str, Any]) -> None:
    assert _controller(copy.deepcopy(answers)) == INGRESS_NGINX  # and checked() found no problem


def test_a_listed_platform_decides_by_what_it_installs() -> None:
    answers = copy.deepcopy(NEW_EKS)
    answers["platform"] = [{"name": "ingress-nginx"}, {"name": "cert-manager"}]
    assert _controller(answers) == INGRESS_NGINX
    answers["platform"] = [{"name": ALB}, {"name": "cert-manager"}]
    assert _controller(answers) == ALB
    # ... where it can run: listing it does not make answers that cannot run it fail.
    answers["clusters"][1] = {"name": "prod", "server": "https://prod.acme.io"}
    assert _controller(answers) == INGRESS_NGINX


def test_the_alb_controller_is_refused_where_a_service_ingress_has_no_eks_cluster() -> None:
    answers = copy.deepcopy(NEW_EKS)
    answers["clusters"][1] = {"name": "prod", "server": "https://prod.acme.io"}
    answers["ingress"] = {"controller": ALB}
    with pytest.raises(AnswersError) as caught:
        checked(answers)
    (problem,) = caught.value.problems
    assert "services[0].ingress: served by aws-load-balancer-controller" in problem
    assert "cluster 'prod' has no eks:" in problem


@pytest.mark.parametrize(
    ("answers", "controller", "comment"),
    [
        (minimal(), INGRESS_NGINX, "# ingress-nginx, recorded by scaffold: it was retired upstream"),
        (NEW_EKS, ALB, "# The AWS Load Balancer Controller (ALBs, certificates from ACM), recorded"),
    ],
    ids=["not-eks", "eks"],
)
def test_init_writes_the_default_it_chose(
    tmp_path: Path, answers: dict[str, Any], controller: str, comment: str
) -> None:
    repo = init_repo(tmp_path, copy.deepcopy(answers))
    text = (repo / "scaffold.yaml").read_text()
    assert yaml.safe_load(text)["ingress"] == {"controller": controller}
    assert comment in text
    assert (repo / f"apps/platform/{controller}/application.yaml").is_file()


def test_a_later_cluster_never_swaps_the_controller(tmp_path: Path) -> None:
    """A repo running the ALB controller by default keeps it when a cluster that is not EKS joins,
    even with its recorded choice deleted by hand: the next command writes it back."""
    repo = init_repo(tmp_path, copy.deepcopy(NEW_EKS))
    answers = repo / "scaffold.yaml"
    text = answers.read_text()
    without = text[: text.index("# The AWS Load Balancer Controller")]
    answers.write_text(without)
    assert status_command.status(repo).behind == []  # nothing would change

    result = grow.add_cluster(repo, "lab", "https://lab.acme.io")

    assert result.exit_code == 0
    after = yaml.safe_load(answers.read_text())
    assert after["ingress"] == {"controller": ALB}
    assert [c["name"] for c in after["clusters"]] == ["hub", "prod", "lab"]
    (note,) = [n for n in result.notes if "ingress.controller" in n]
    assert "what this repository runs; the default here would be ingress-nginx" in note
    assert not (repo / "apps/platform/ingress-nginx").exists()
