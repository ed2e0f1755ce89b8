"""GS017-GS019: tenancy and collisions (a team reaching the platform or another team).

A *team* project is every AppProject but the platform's: the built-in ``default``, one named
``platform``, and any project already trusted with every cluster-scoped kind (``*``/``*``).
The *platform namespaces* are Argo CD's own (where the repository's Applications and
AppProjects live), ``default``, every ``kube-*`` namespace and each namespace an Application of
a platform project deploys to (the add-ons'). A team project that permits one of them lets the
team replace what the platform runs there: in Argo CD's namespace, rewrite ``argocd-rbac-cm``
and make itself admin.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from gitops_scaffold.constants import DEFAULT_ARGOCD_NAMESPACE
from gitops_scaffold.validate.argo.projects import Project, destination_match
from gitops_scaffold.validate.catalog import (
    DUPLICATE_INGRESS,
    SHARED_DESTINATION,
    TEAM_PROJECT_PLATFORM_NAMESPACE,
)
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules.base import Context, rule

PLATFORM_PROJECTS = frozenset({"default", "platform"})
KUBERNETES_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def is_platform_project(project: Project) -> bool:
    if project.name in PLATFORM_PROJECTS:
        return True
    for item in project.spec.get("clusterResourceWhitelist") or []:
        if isinstance(item, dict) and item.get("group") == "*" and item.get("kind") == "*":
            return True
    return False


def _team_projects(ctx: Context) -> Iterator[Project]:
    for project in ctx.projects.values():
        if project.doc is not None and not is_platform_project(project):
            yield project


def platform_namespaces(ctx: Context) -> dict[str, str]:
    """Each platform namespace with the reason it belongs to the platform."""
    owned = dict.fromkeys(KUBERNETES_NAMESPACES, "a namespace Kubernetes owns")
    for doc in ctx.files.objects:
        if doc.group == "argoproj.io" and doc.kind in {"Application", "ApplicationSet", "AppProject"}:
            namespace = str(doc.metadata.get("namespace") or DEFAULT_ARGOCD_NAMESPACE)
            owned.setdefault(namespace, "Argo CD's namespace")
    owned.setdefault(DEFAULT_ARGOCD_NAMESPACE, "Argo CD's namespace")
    for app in ctx.apps:
        project = ctx.projects.get(app.project)
        namespace = str(app.destination.get("namespace") or "")
        # `default` is Argo CD's catch-all, not a sign of the platform: its Applications define nothing.
        if (
            project is not None
            and project.name != "default"
            and is_platform_project(project)
            and _literal(namespace)
        ):
            owned.setdefault(namespace, f"where platform Application {app.name!r} deploys")
    return owned


def _literal(pattern: str) -> bool:
    return bool(pattern) and not any(c in pattern for c in "*?[]{}!")


def _destinations(project: Project) -> Iterator[tuple[int, dict[str, Any]]]:
    for index, item in enumerate(project.spec.get("destinations") or []):
        if isinstance(item, dict):
            yield index, item


@rule(TEAM_PROJECT_PLATFORM_NAMESPACE)
def team_project_platform_namespace(ctx: Context) -> Iterator[Finding]:
    owned = platform_namespaces(ctx)
    for project in _team_projects(ctx):
        assert project.doc is not None
        for index, item in _destinations(project):
            pattern = str(item.get("namespace", ""))
            if not pattern:
                continue
            hit = next((ns for ns in owned if destination_match(pattern, ns)), None)
            if hit is None and pattern.startswith("kube-"):
                hit = pattern
            if hit is None:
                continue
            reason = owned.get(hit, "a kube-* namespace, which Kubernetes reserves")
            shown = repr(pattern) if pattern == hit else f"{pattern!r} (it matches {hit!r})"
            yield TEAM_PROJECT_PLATFORM_NAMESPACE.finding(
                project.doc.file,
                project.doc.line_of(("spec", "destinations", index, "namespace")),
                f"team AppProject {project.name!r} permits namespace {shown}, {reason}",
            )


def _destination_key(item: dict[str, Any]) -> tuple[str, str] | None:
    cluster = str(item.get("server") or item.get("name") or "")
    namespace = str(item.get("namespace") or "")
    if _literal(cluster.replace("://", "")) and _literal(namespace):
        return cluster, namespace
    return None


@rule(SHARED_DESTINATION)
def shared_destination(ctx: Context) -> Iterator[Finding]:
    seen: dict[tuple[str, str], tuple[Project, int]] = {}
    for project in sorted(_team_projects(ctx), key=lambda p: (p.doc.file, p.doc.line) if p.doc else ("", 0)):
        assert project.doc is not None
        for index, item in _destinations(project):
            key = _destination_key(item)
            if key is None:
                continue
            first = seen.setdefault(key, (project, index))
            if first[0] is project:
                continue
            other = first[0].doc
            assert other is not None
            line = other.line_of(("spec", "destinations", first[1], "namespace"))
            yield SHARED_DESTINATION.finding(
                project.doc.file,
                project.doc.line_of(("spec", "destinations", index, "namespace")),
                f"AppProjects {first[0].name!r} ({other.file}:{line}) and {project.name!r} both permit "
                f"namespace {key[1]!r} on {key[0]!r}",
            )


def _ingress_rules(data: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str, str]]:
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    for r_index, item in enumerate(spec.get("rules") or []):
        if not isinstance(item, dict):
            continue
        host = str(item.get("host") or "*")
        http = item.get("http") if isinstance(item.get("http"), dict) else {}
        assert isinstance(http, dict)
        for p_index, path in enumerate(http.get("paths") or []):
            if isinstance(path, dict):
                where: tuple[str | int, ...] = ("spec", "rules", r_index, "http", "paths", p_index, "path")
                yield where, host, str(path.get("path") or "/").rstrip("/") or "/"


@rule(DUPLICATE_INGRESS)
def duplicate_ingress(ctx: Context) -> Iterator[Finding]:
    seen: dict[tuple[str, str, str], str] = {}
    for app in ctx.apps:
        server = str(app.destination.get("server") or app.destination.get("name") or "")
        for res in app.resources or []:
            if res.kind != "Ingress":
                continue
            for where, host, path in _ingress_rules(res.data):
                key = (server, host, path)
                here = f"{app.name}: Ingress {res.name!r}"
                first = seen.setdefault(key, here)
                if first.split(":", 1)[0] == app.name:
                    continue
                yield DUPLICATE_INGRESS.finding(
                    res.file,
                    res.locate(where),
                    f"{here} serves host {host!r} path {path!r} on {server!r}, as does {first}",
                    app.context,
                )
