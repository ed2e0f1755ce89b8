"""Template data of the add-on configuration: Karpenter node pools, the TLS issuer, repo access.

``context.resolve`` merges what ``platform_view`` returns into the data every template sees, so
templates read resolved values (node role names, capacity types, the issuer name or None)
instead of working out defaults themselves.
"""

from __future__ import annotations

import re
from typing import Any

from gitops_scaffold.model import Addon, Answers, is_production
from gitops_scaffold.model_platform import ALB, ingress_controller

Json = dict[str, Any]

ACME_SERVERS = {
    False: "https://acme-v02.api.letsencrypt.org/directory",
    True: "https://acme-staging-v02.api.letsencrypt.org/directory",
}

# What each repo.auth method needs from its Secrets Manager entry (JSON keys) and the keys of
# Argo CD's repository Secret they fill (argo-cd docs, "Declarative setup", repositories).
REPO_AUTH_KEYS: dict[str, dict[str, str]] = {
    "github_app": {
        "githubAppID": "githubAppID",
        "githubAppInstallationID": "githubAppInstallationID",
        "githubAppPrivateKey": "githubAppPrivateKey",
    },
    "ssh": {"sshPrivateKey": "sshPrivateKey"},
    "https_token": {"username": "username", "password": "password"},
    "none": {},
}


# Private address ranges: an ALB in IP target mode reaches pods from its nodes in the VPC.
VPC_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


def effective_platform(answers: Answers) -> list[Addon]:
    """The add-ons to install: the answers' list, or the default list for the chosen controller."""
    if "platform" in answers.model_fields_set or ingress_controller(answers) != ALB:
        return list(answers.platform)
    # The default list, with the maintained controller in place of ingress-nginx.
    return [Addon(name=ALB) if a.name == "ingress-nginx" else a for a in answers.platform]


def ingress_class(answers: Answers) -> str:
    """The IngressClass every Ingress names: argocd.ingress_class, or alb for the ALB controller."""
    if ingress_controller(answers) == ALB and "ingress_class" not in answers.argocd.model_fields_set:
        return "alb"
    return answers.argocd.ingress_class


def platform_view(answers: Answers, addons: list[Json], region: str) -> Json:
    by_name = {a["name"]: a for a in addons}
    alb = ingress_controller(answers) == ALB
    return {
        "ingress": {
            **answers.ingress.model_dump(mode="json"),
            "controller": ingress_controller(answers),
            "alb": alb,
            # Who may reach service pods besides their namespace (NetworkPolicy ipBlocks).
            "source_cidrs": VPC_RANGES if alb else [],
        },
        "karpenter": _karpenter(answers, by_name.get("karpenter")),
        "tls": _tls(answers, region),
        "repo_auth": _repo_auth(answers, "argocd-image-updater" in by_name),
        # argocd-image-updater 1.0 and 1.1 need ImageUpdater spec.namespace; 1.2 on reject it.
        "image_updater_spec_namespace": _before(by_name.get("argocd-image-updater"), (1, 2)),
    }


def _before(addon: Json | None, version: tuple[int, int]) -> bool:
    if addon is None:
        return False
    match = re.match(r"^v?([0-9]+)\.([0-9]+)\.", str(addon["version"]))
    return match is not None and (int(match.group(1)), int(match.group(2))) < version


def _production_clusters(answers: Answers) -> set[str]:
    return {
        env.cluster for index, env in enumerate(answers.environments) if is_production(answers, index)
    }


def _karpenter(answers: Answers, addon: Json | None) -> Json | None:
    if addon is None:
        return None
    settings = answers.karpenter.model_dump(mode="json")
    production = _production_clusters(answers)
    clusters = []
    for cluster in addon["clusters"]:
        eks_name = cluster["eks"]["cluster_name"]
        is_prod = cluster["name"] in production
        clusters.append(
            {
                "name": cluster["name"],
                "server": cluster["server"],
                "cluster_name": eks_name,
                "node_role": settings["node_role"] or f"KarpenterNodeRole-{eks_name}",
                "production": is_prod,
                # Spot only where no production environment runs: a reclaimed spot node must
                # never take a production pod down with two minutes' notice.
                "capacity_types": ["on-demand"] if is_prod else ["spot", "on-demand"],
            }
        )
    return {**settings, "clusters": clusters}


def _tls(answers: Answers, region: str) -> Json:
    tls = answers.tls
    acme = None
    if tls.acme is not None:
        acme = {
            **tls.acme.model_dump(mode="json"),
            "region": tls.acme.region or region,
            "server": ACME_SERVERS[tls.acme.staging],
            "irsa": tls.acme.aws_auth == "irsa",
        }
    return {
        "issuer": tls.issuer,
        # The ClusterIssuer every Ingress names, or None: no certificate is requested.
        "name": None if tls.issuer == "none" else tls.name,
        "acme": acme,
    }


def _repo_auth(answers: Answers, image_updater: bool) -> Json:
    auth = answers.repo.auth
    method = auth.method if auth is not None else "none"
    return {
        "method": method,
        "secret": auth.secret if auth is not None else None,
        "keys": REPO_AUTH_KEYS[method],
        # The image updater commits tags to this repository: it needs write access with the same
        # credentials (the GitHub App, the deploy key with write access, or the token).
        "image_updater_writes": image_updater and method != "none",
    }
