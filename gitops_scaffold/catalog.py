"""Built-in platform add-ons: where their charts live and the versions we test against.

A pin changes only with a release of gitops-scaffold (or ``scaffold upgrade``), never at sync
time, so every cluster runs exactly what was reviewed.

Each pin is a chart version published in its repository (checked against the repository
index or the OCI registry when the pin was last moved):

- ingress-nginx 4.15.1 (controller v1.15.1), the last release: the project was retired in March
  2026 (no more security fixes); anything below 4.11.5 / 4.12.1 carries CVE-2025-1974.
- aws-load-balancer-controller 3.5.0 (app v3.5.0, aws/eks-charts 2026-08-03), the maintained
  choice on EKS (``ingress.controller``).
- cert-manager v1.21.2: the jetstack repository names versions with the ``v``.
- external-secrets 2.10.0: serves only ``external-secrets.io/v1`` (``v1beta1`` stopped being
  served in 0.17), which is the API every ExternalSecret we generate uses.
- karpenter 1.14.1 from the public ECR OCI registry; ``oci://`` makes Argo CD pull it as an
  OCI source (``source_url`` in the template data appends the chart name).
- argocd-image-updater 1.2.4 (app v1.2.2): the ``ImageUpdater`` resource without ``spec.namespace``
  (1.0.x required it, 1.2 and later reject it; the templates write it only for a 1.0/1.1 pin).
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
        "https://kubernetes.github.io/ingress-nginx",
        "ingress-nginx",
        "4.15.1",
        "ingress-nginx",
        "Ingress controller for service and Argo CD ingresses",
    ),
    "aws-load-balancer-controller": AddonSpec(
        "https://aws.github.io/eks-charts",
        "aws-load-balancer-controller",
        "3.5.0",
        "kube-system",
        "Application Load Balancers for service and Argo CD ingresses (EKS)",
    ),
    "cert-manager": AddonSpec(
        "https://charts.jetstack.io",
        "cert-manager",
        "v1.21.2",
        "cert-manager",
        "TLS certificates for ingresses",
    ),
    "external-secrets": AddonSpec(
        "https://charts.external-secrets.io",
        "external-secrets",
        "2.10.0",
        "external-secrets",
        "Secrets from AWS Secrets Manager, so no secret value lives in Git",
    ),
    "karpenter": AddonSpec(
        "oci://public.ecr.aws/karpenter",
        "karpenter",
        "1.14.1",
        "kube-system",
        "Node autoscaling for EKS clusters",
    ),
    "argocd-image-updater": AddonSpec(
        "https://argoproj.github.io/argo-helm",
        "argocd-image-updater",
        "1.2.4",
        "argocd",
        "Writes new image tags back to Git for opted-in environments",
    ),
}
