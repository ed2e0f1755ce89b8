"""The data every template sees: the answers with every default resolved.

Templates never work out a default themselves; they read ``scaffold`` (the resolved answers,
plain JSON-able dicts so Copier can be handed exactly the same data) and the item they render
(``service``, ``env``, ``team``, ``cluster``, ``addon``).
"""

from __future__ import annotations

from typing import Any

from gitops_scaffold.catalog import ADDONS
from gitops_scaffold.model import Answers, is_production, suffix_of

Json = dict[str, Any]


def resolve(answers: Answers) -> Json:
    """The answers as template data: defaults applied, references joined, order kept."""
    clusters = {c.name: _cluster(answers, c.name) for c in answers.clusters}
    envs = [_environment(answers, i, clusters) for i in range(len(answers.environments))]
    teams = [t.model_dump(mode="json") for t in answers.teams]
    services = [_service(answers, i, envs) for i in range(len(answers.services))]
    for team in teams:
        team["services"] = [s["name"] for s in services if s["team"] == team["name"]]
    addons = [_addon(answers, i) for i in range(len(answers.platform))]
    if answers.image_updater is not None and "argocd-image-updater" not in {a["name"] for a in addons}:
        addons.append(_catalog_addon("argocd-image-updater", answers.argocd.namespace))
    return {
        "version": answers.version,
        "repo": answers.repo.model_dump(mode="json"),
        "argocd": answers.argocd.model_dump(mode="json"),
        "clusters": list(clusters.values()),
        "environments": envs,
        "teams": teams,
        "services": services,
        "platform": addons,
        "notifications": _dump(answers.notifications),
        "image_updater": _dump(answers.image_updater),
        "image_update_environments": [e["name"] for e in envs if e["image_updates"]],
        "production_environments": [e["name"] for e in envs if e["production"]],
        # Where the ingress controller runs (service NetworkPolicies admit it), or None.
        "ingress_controller_namespace": next(
            (a["namespace"] for a in addons if a["name"] == "ingress-nginx"), None
        ),
    }


def _dump(section: Any) -> Json | None:
    return None if section is None else dict(section.model_dump(mode="json"))


def _cluster(answers: Answers, name: str) -> Json:
    cluster = next(c for c in answers.clusters if c.name == name)
    data = cluster.model_dump(mode="json")
    data["in_cluster"] = cluster.in_cluster
    if not cluster.in_cluster and cluster.eks is None and cluster.credentials_secret is None:
        data["credentials_secret"] = f"argocd/clusters/{cluster.name}"
    data["environments"] = [e.name for e in answers.environments if e.cluster == name]
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
    return data


def _addon(answers: Answers, index: int) -> Json:
    addon = answers.platform[index]
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
