"""Built-in platform add-ons: where their charts live and the versions we test against.

A pin changes only with a release of gitops-scaffold (or ``scaffold upgrade``), never at sync
time, so every cluster runs exactly what was reviewed.
"""

from __future__ import annotations

from typing import NamedTuple


class AddonSpec(NamedTuple):
    repo_url: str
    chart: str
    version: str
    namespace: str
    description: str


ADDONS: dict[str, AddonSpec] = {
    "ingress-nginx": AddonSpec(
        "https://kubernetes.github.io/ingress-nginx", "ingress-nginx", "4.11.3", "ingress-nginx",
        "Ingress controller for service and Argo CD ingresses",
    ),
    "cert-manager": AddonSpec(
        "https://charts.jetstack.io", "cert-manager", "v1.16.2", "cert-manager",
        "TLS certificates for ingresses",
    ),
    "external-secrets": AddonSpec(
        "https://charts.external-secrets.io", "external-secrets", "0.10.7", "external-secrets",
        "Secrets from AWS Secrets Manager, so no secret value lives in Git",
    ),
    "karpenter": AddonSpec(
        "public.ecr.aws/karpenter", "karpenter", "1.1.1", "kube-system",
        "Node autoscaling for EKS clusters",
    ),
    "argocd-image-updater": AddonSpec(
        "https://argoproj.github.io/argo-helm", "argocd-image-updater", "1.0.1", "argocd",
        "Writes new image tags back to Git for opted-in environments",
    ),
}
