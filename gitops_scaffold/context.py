"""The data every template sees: the answers with every default resolved.

Templates never work out a default themselves; they read ``scaffold`` (the resolved answers,
plain JSON-able dicts so Copier can be handed exactly the same data) and the item they render
(``service``, ``env``, ``team``, ``cluster``, ``addon``).
"""

from __future__ import annotations

import re
from typing import Any

from gitops_scaffold import __version__, ci
from gitops_scaffold.catalog import ADDONS
from gitops_scaffold.constants import IN_CLUSTER_SERVER
from gitops_scaffold.context_platform import effective_platform, ingress_class, platform_view
from gitops_scaffold.model import Addon, Answers, is_production, suffix_of
from gitops_scaffold.model_platform import ingress_controller

Json = dict[str, Any]


def resolve(answers: Answers) -> Json:
    """The answers as template data: defaults applied, references joined, order kept."""
    clusters = {c.name: _cluster(answers, c.name) for c in answers.clusters}
    envs = [_environment(answers, i, clusters) for i in range(len(answers.environments))]
    teams = [t.model_dump(mode="json") for t in answers.teams]
    services = [_service(answers, i, envs) for i in range(len(answers.services))]
    for team in teams:
        team["services"] = [s["name"] for s in services if s["team"] == team["name"]]
    addons = [_addon(answers, addon) for addon in effective_platform(answers)]
    if answers.image_updater is not None and "argocd-image-updater" not in {a["name"] for a in addons}:
        addons.append(_catalog_addon("argocd-image-updater", answers.argocd.namespace))
    for addon in addons:
        addon["source_url"] = _source_url(addon)
        addon["clusters"] = _addon_clusters(addon, list(clusters.values()))
    region, region_source = _aws_region(answers)
    return {
        "version": answers.version,
        "repo": answers.repo.model_dump(mode="json"),
        "argocd": {**answers.argocd.model_dump(mode="json"), "ingress_class": ingress_class(answers)},
        "clusters": list(clusters.values()),
        "environments": envs,
        "teams": teams,
        "services": services,
        # Templates that walk a team's service names look each one up here, not by a scan.
        "services_by_name": {s["name"]: s for s in services},
        "platform": addons,
        "notifications": _dump(answers.notifications),
        "image_updater": _dump(answers.image_updater),
        "image_update_environments": [e["name"] for e in envs if e["image_updates"]],
        "production_environments": [e["name"] for e in envs if e["production"]],
        # Environments that get ImageUpdater objects: opted in, never production, and only when
        # the image_updater section is set.
        "image_update_targets": [
            e["name"]
            for e in envs
            if answers.image_updater is not None and e["image_updates"] and not e["production"]
        ],
        # Clusters registered through a declarative cluster secret: every one but in-cluster.
        "remote_clusters": [c["name"] for c in clusters.values() if not c["in_cluster"]],
        # Where the ingress controller runs (service NetworkPolicies admit it), or None.
        "ingress_controller_namespace": next(
            (a["namespace"] for a in addons if a["name"] == "ingress-nginx"), None
        )
        if ingress_controller(answers) == "ingress-nginx"
        else None,
        # The AWS region of Secrets Manager (the ClusterSecretStore) and ECR, read from the
        # first ECR host in the answers; `aws_region_source` says where it came from.
        "aws_region": region,
        "aws_region_source": region_source,
        # The gitops-scaffold release that rendered the repo (its CI installs the same one).
        "tool_version": __version__,
        # Pinned actions and the install step every generated workflow shares (ci.py).
        "ci": ci.resolve(answers.ci, __version__),
        # Karpenter node pools, the TLS issuer and repository access (context_platform.py).
        **platform_view(answers, addons, region),
    }


def _dump(section: Any) -> Json | None:
    return None if section is None else dict(section.model_dump(mode="json"))


def resolve_environments(answers: Answers) -> list[Json]:
    """Only the environments, resolved (cheap: no service is looked at)."""
    clusters = {c.name: {"server": c.server} for c in answers.clusters}
    return [_environment(answers, i, clusters) for i in range(len(answers.environments))]


def _cluster(answers: Answers, name: str) -> Json:
    cluster = next(c for c in answers.clusters if c.name == name)
    data = cluster.model_dump(mode="json")
    data["in_cluster"] = cluster.in_cluster
    if not cluster.in_cluster and cluster.eks is None and cluster.credentials_secret is None:
        data["credentials_secret"] = f"argocd/clusters/{cluster.name}"
    data["environments"] = [e.name for e in answers.environments if e.cluster == name]
    # The Secrets Manager secret External Secrets reads to register a remote cluster: the
    # bearer token and CA (credentials_secret) or, for EKS, only the cluster CA (caData).
    default_secret = f"argocd/clusters/{cluster.name}"
    data["registration_secret"] = None if cluster.in_cluster else data["credentials_secret"] or default_secret
    return data


def _environment(answers: Answers, index: int, clusters: dict[str, Json]) -> Json:
    env = answers.environments[index]
    production = is_production(answers, index)
    auto_sync = env.auto_sync if env.auto_sync is not None else not production
    data = env.model_dump(mode="json")
    data.update(
        index=index,
        production=production,
        auto_sync=auto_sync,
        prune=env.prune if env.prune is not None else auto_sync,
        namespace_suffix=suffix_of(answers, index),
        server=clusters[env.cluster]["server"] if env.cluster in clusters else "",
        previous=answers.environments[index - 1].name if index > 0 else None,
        next=answers.environments[index + 1].name if index + 1 < len(answers.environments) else None,
    )
    return data


def _service(answers: Answers, index: int, envs: list[Json]) -> Json:
    service = answers.services[index]
    data = service.model_dump(mode="json")
    data["namespaces"] = {e["name"]: service.name + e["namespace_suffix"] for e in envs}
    # The semver constraint argocd-image-updater follows from the pinned tag ("v1.4.2" ->
    # "^1.4.2": newer minor and patch releases, never a new major), or None for a tag that is
    # not a release version.
    data["image_update_constraint"] = _semver_constraint(service.tag)
    return data


_RELEASE_TAG = re.compile(r"^v?([0-9]+)\.([0-9]+)\.([0-9]+)$")


def _semver_constraint(tag: str) -> str | None:
    match = _RELEASE_TAG.match(tag)
    if match is None:
        return None
    major, minor, patch = match.groups()
    return f"^{major}.{minor}.{patch}"


def _addon(answers: Answers, addon: Addon) -> Json:
    if addon.name in ADDONS:
        data = _catalog_addon(addon.name, answers.argocd.namespace)
        for key in ("repo_url", "chart", "version", "namespace"):
            if getattr(addon, key) is not None:
                data[key] = getattr(addon, key)
        return data
    return {**addon.model_dump(mode="json"), "builtin": False, "description": ""}


def _catalog_addon(name: str, argocd_namespace: str) -> Json:
    spec = ADDONS[name]
    namespace = argocd_namespace if name == "argocd-image-updater" else spec.namespace
    return {
        "name": name,
        "repo_url": spec.repo_url,
        "chart": spec.chart,
        "version": spec.version,
        "namespace": namespace,
        "builtin": True,
        "description": spec.description,
    }


def _source_url(addon: Json) -> str:
    """The repoURL an Argo CD source uses: an OCI chart is addressed with its chart name."""
    url = str(addon["repo_url"])
    if url.startswith("oci://"):
        return f"{url.rstrip('/')}/{addon['chart']}"
    return url


# Add-ons that only make sense on some clusters; every other add-on goes to every cluster.
_EKS_ONLY = {"karpenter", "aws-load-balancer-controller"}
_ARGOCD_CLUSTER_ONLY = {"argocd-image-updater"}


def _addon_clusters(addon: Json, clusters: list[Json]) -> list[Json]:
    """The clusters an add-on is installed on: name, server and EKS settings of each.

    Argo CD's own cluster (``in-cluster``) always gets the add-ons its install relies on
    (ingress, certificates, External Secrets for the SSO and Slack secrets), even when no
    environment runs there.
    """
    argocd_cluster = {
        "name": "in-cluster",
        "server": IN_CLUSTER_SERVER,
        "eks": None,
        "in_cluster": True,
    }
    own = next((c for c in clusters if c["in_cluster"]), None)
    if addon["name"] in _ARGOCD_CLUSTER_ONLY:
        # Runs beside Argo CD.
        clusters = [own or argocd_cluster]
    elif addon["name"] in _EKS_ONLY:
        clusters = [c for c in clusters if c["eks"] is not None]
    elif own is None:
        clusters = [argocd_cluster, *clusters]
    return [
        {
            "name": c["name"],
            "server": c["server"],
            "eks": c["eks"],
            # "arn:<partition>:iam::<account>:role/" of the cluster's account, for IRSA roles.
            "iam_role_prefix": _iam_role_prefix(c["eks"]["role_arn"]) if c["eks"] else None,
        }
        for c in clusters
    ]


def _iam_role_prefix(role_arn: str) -> str:
    partition_and_account = role_arn.split(":role/", 1)[0]
    return f"{partition_and_account}:role/"


_ECR_HOST = re.compile(r"^[0-9]{12}\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?(?:/|$)")
DEFAULT_AWS_REGION = "us-east-1"


def _aws_region(answers: Answers) -> tuple[str, str]:
    """The AWS region of the first ECR registry named in the answers, and where it was found."""
    if answers.aws is not None:
        return answers.aws.region, "aws.region"
    candidates: list[tuple[str, str]] = []
    if answers.image_updater is not None:
        candidates.append((answers.image_updater.registry, "image_updater.registry"))
    candidates += [(s.image, f"the image of service {s.name!r}") for s in answers.services]
    for text, where in candidates:
        match = _ECR_HOST.match(text)
        if match:
            return match.group(1), where
    return DEFAULT_AWS_REGION, "no ECR registry in scaffold.yaml, so the default"
