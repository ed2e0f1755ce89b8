"""Answers sections that configure the add-ons to do their job (issue 12).

Kept apart from ``model.py`` so the rest of the answers model can change beside it: Karpenter's
node pools, cert-manager's issuer, and how Argo CD reaches this repository. Each section is
optional and its defaults give a working platform; ``model.Answers`` holds one field per section.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, model_validator

# Karpenter's EC2NodeClass CRD (a CEL rule) admits a Windows alias only at @latest.
_AMI_ALIAS = re.compile(
    r"^((al2023|al2|bottlerocket)@(latest|v[0-9][0-9.\-]*)|(windows2019|windows2022|windows2025)@latest)$"
)
_DURATION = re.compile(r"^([0-9]+h)?([0-9]+m)?([0-9]+s)?$")
_BUDGET = re.compile(r"^((100|[0-9]{1,2})%|[0-9]+)$")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}$")
_HOSTED_ZONE = re.compile(r"^Z[A-Z0-9]{1,31}$")
_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$")
_IAM_ROLE_NAME = re.compile(r"^[A-Za-z0-9+=,.@_\-]{1,64}$")
_SECRET_NAME = re.compile(r"^[A-Za-z0-9/_+=.@\-]+$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _matches(regex: re.Pattern[str], expected: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.match(value):
            raise ValueError(f"{value!r} is not {expected}")
        return value

    return AfterValidator(check)


def _non_empty_duration(value: str) -> str:
    if not value or not _DURATION.match(value):
        raise ValueError(f"{value!r} is not a duration such as '1m' or '720h'")
    return value


Duration = Annotated[str, StringConstraints(strict=True), AfterValidator(_non_empty_duration)]
IssuerName = Annotated[
    str, StringConstraints(strict=True, max_length=63), _matches(_DNS_LABEL, "a DNS-1123 label")
]


Architecture = Literal["amd64", "arm64"]
InstanceCategory = Literal["c", "m", "r", "t", "i", "d", "g", "p", "x", "z"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True)


# --- Karpenter ------------------------------------------------------------------------------


class Karpenter(_Strict):
    """The default EC2NodeClass and NodePool Karpenter gets on every EKS cluster."""

    ami_alias: Annotated[
        str,
        _matches(_AMI_ALIAS, "an AMI alias such as 'al2023@latest' or 'al2023@v20260801' (Windows: @latest)"),
    ] = "al2023@latest"
    """AMI alias of the nodes (family@version); pin one such as al2023@v20260801 to review upgrades."""
    node_role: Annotated[str, _matches(_IAM_ROLE_NAME, "an IAM role name")] | None = None
    """IAM role of the nodes (default: KarpenterNodeRole-<EKS cluster name>, as in Karpenter's guide)."""
    architectures: Annotated[list[Architecture], Field(min_length=1)] = Field(
        default_factory=lambda: list[Architecture](["amd64"])
    )
    """CPU architectures nodes may have; add arm64 only when every image is multi-arch."""
    instance_categories: Annotated[list[InstanceCategory], Field(min_length=1)] = Field(
        default_factory=lambda: list[InstanceCategory](["c", "m", "r"])
    )
    """EC2 instance categories (c = compute, m = general purpose, r = memory, ...)."""
    cpu_limit: Annotated[int, Field(ge=1, le=100000)] = 1000
    """Most vCPUs the node pool may run in total on one cluster."""
    memory_limit_gi: Annotated[int, Field(ge=1, le=1000000)] = 4000
    """Most memory (GiB) the node pool may run in total on one cluster."""
    consolidation_policy: Literal["WhenEmptyOrUnderutilized", "WhenEmpty"] = "WhenEmptyOrUnderutilized"
    """When Karpenter may remove or replace nodes to save cost."""
    consolidate_after: Duration = "1m"
    """How long a node must be consolidatable before Karpenter acts."""
    expire_after: Duration = "720h"
    """Nodes are replaced after this age (picks up new AMIs)."""
    disruption_budget: Annotated[
        str, StringConstraints(strict=True), _matches(_BUDGET, "a node count or percentage such as '10%'")
    ] = "10%"
    """Most nodes (count or percentage) disrupted at once."""


# --- TLS ------------------------------------------------------------------------------------


class Acme(_Strict):
    """Let's Encrypt through DNS-01 in Route 53: works for internal host names too."""

    email: Annotated[str, _matches(_EMAIL, "an e-mail address")]
    """Address Let's Encrypt sends expiry notices to."""
    hosted_zone_id: Annotated[str, _matches(_HOSTED_ZONE, "a Route 53 hosted zone ID such as Z0123456789ABC")]
    """Route 53 hosted zone of the ingress host names."""
    region: Annotated[str, _matches(_REGION, "an AWS region")] | None = None
    """Region of the Route 53 API calls (default: the repository's AWS region)."""
    staging: bool = False
    """Use Let's Encrypt's staging server (untrusted certificates, generous rate limits)."""
    aws_auth: Literal["pod_identity", "irsa"] = "pod_identity"
    """cert-manager's AWS credentials: EKS Pod Identity, or IRSA (role cert-manager-<EKS cluster name>)."""


class Tls(_Strict):
    """Which cert-manager ClusterIssuer signs the ingresses' certificates."""

    issuer: Literal["acme", "existing", "none"] = "existing"
    """acme: gitops-scaffold writes the ClusterIssuer; existing: you provide it; none: no certificates."""
    name: IssuerName = "letsencrypt-prod"
    """Name of the ClusterIssuer the Ingresses name."""
    acme: Acme | None = None
    """ACME settings (required with issuer: acme)."""

    @model_validator(mode="after")
    def _acme_exactly_with_acme(self) -> Tls:
        if self.issuer == "acme" and self.acme is None:
            raise ValueError("issuer 'acme' needs an 'acme' section (email, hosted_zone_id)")
        if self.issuer != "acme" and self.acme is not None:
            raise ValueError(f"an 'acme' section is only read with issuer: acme (not {self.issuer!r})")
        return self


# --- ingress ---------------------------------------------------------------------------------

ALB = "aws-load-balancer-controller"
INGRESS_NGINX = "ingress-nginx"
INGRESS_CONTROLLERS = (ALB, INGRESS_NGINX)


class IngressSettings(_Strict):
    """Which controller serves the Argo CD and service ingresses."""

    controller: Literal["aws-load-balancer-controller", "ingress-nginx"] | None = None
    """aws-load-balancer-controller (ALBs, ACM certificates) or ingress-nginx (retired in March 2026).
    Default: aws-load-balancer-controller when every cluster is EKS (and Argo CD's own, for
    argocd.domain), else ingress-nginx; scaffold writes the choice here when it first renders."""
    scheme: Literal["internal", "internet-facing"] = "internal"
    """ALB scheme (aws-load-balancer-controller only): reachable inside the VPC, or from the internet."""


def ingress_controller(answers: Any) -> str:
    """The controller that serves the ingresses: ``ingress.controller``, else the default."""
    chosen: str | None = answers.ingress.controller
    return chosen if chosen is not None else default_ingress_controller(answers)


def default_ingress_controller(answers: Any) -> str:
    """The maintained AWS Load Balancer Controller where it can serve every ingress, else ingress-nginx.

    It runs only on EKS (it needs the cluster name), so every cluster must be EKS, and Argo CD's
    own too when argocd.domain asks for an ingress there; a listed ``platform:`` must install it
    instead of ingress-nginx. So a default never fails the checks of the explicit choice.
    """
    if "platform" in answers.model_fields_set:
        names = {addon.name for addon in answers.platform}
        if ALB not in names or INGRESS_NGINX in names:
            return INGRESS_NGINX
    every_cluster_eks = all(cluster.eks is not None for cluster in answers.clusters)
    own = next((c for c in answers.clusters if c.in_cluster), None)
    argocd_ingress_served = answers.argocd.domain is None or own is not None
    return ALB if every_cluster_eks and argocd_ingress_served else INGRESS_NGINX


# --- repository access -------------------------------------------------------------------------


class RepoAuth(_Strict):
    """How Argo CD (and the image updater) sign in to this repository."""

    method: Literal["github_app", "ssh", "https_token", "none"]
    """github_app, ssh (deploy key), https_token, or none (a public repository)."""
    secret: Annotated[str, _matches(_SECRET_NAME, "a Secrets Manager secret name")] = "argocd/repo"
    """AWS Secrets Manager entry with the credentials (its keys depend on the method)."""


def platform_problems(answers: Any) -> list[tuple[tuple[str | int, ...], str]]:
    """Rules across sections of these answers: (key path, message) for each problem."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    if ingress_controller(answers) != ALB:
        return problems
    if "platform" in answers.model_fields_set and ALB not in [a.name for a in answers.platform]:
        message = f"{ALB} is chosen, but platform: does not install it; add {{name: {ALB}}}"
        problems.append((("ingress", "controller"), message))
    # The controller runs only on EKS clusters (it needs the cluster name): an ingress on any
    # other cluster would never get a load balancer.
    own = next((c for c in answers.clusters if c.in_cluster), None)
    if answers.argocd.domain is not None and (own is None or own.eks is None):
        problems.append(
            (
                ("argocd", "domain"),
                f"the Argo CD ingress needs {ALB} on Argo CD's own cluster, "
                "which it runs on only with eks: list the in-cluster cluster "
                "(server https://kubernetes.default.svc) with eks: {cluster_name, role_arn}",
            )
        )
    # Every service runs in every environment.
    not_eks = {c.name for c in answers.clusters if c.eks is None}
    clusters = sorted({e.cluster for e in answers.environments if e.cluster in not_eks})
    for index, service in enumerate(answers.services):
        if service.ingress is not None and clusters:
            problems.append(
                (
                    ("services", index, "ingress"),
                    f"served by {ALB}, which runs only on EKS clusters, but cluster "
                    f"{clusters[0]!r} has no eks: settings; give it eks: {{cluster_name, role_arn}}, "
                    f"or choose ingress: {{controller: {INGRESS_NGINX}}}",
                )
            )
    return problems
