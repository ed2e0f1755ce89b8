"""What Argo CD checks before it syncs an Application: its AppProject exists and permits its
source repositories, its destination and every kind it deploys; names are unique.

The permission logic follows ``AppProject.IsSourcePermitted``, ``isDestinationMatched`` and
``IsGroupKindPermitted`` in Argo CD v3 (``pkg/apis/application/v1alpha1/app_project_types.go``
and ``types.go``): repository URLs are normalised and matched as globs whose ``*`` stays within a
``/`` segment, destinations as globs, kinds with Go's ``filepath.Match``; a ``!`` pattern denies.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from gitops_scaffold.validate.argo.globs import GOBWAS, GOBWAS_SEPARATED, compile_glob
from gitops_scaffold.validate.argo.loader import Document
from gitops_scaffold.validate.argo.objects import App, Clusters, Resource, normalize_git_url
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.structural import (
    DUPLICATE_NAME,
    PROJECT_DESTINATION_DENIED,
    PROJECT_KIND_DENIED,
    PROJECT_MISSING,
    PROJECT_SOURCE_DENIED,
)

# Cluster-scoped kinds (group, kind) of Kubernetes and of the add-ons a platform repo installs.
CLUSTER_SCOPED = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("apiregistration.k8s.io", "APIService"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("cert-manager.io", "ClusterIssuer"),
        ("external-secrets.io", "ClusterSecretStore"),
        ("external-secrets.io", "ClusterExternalSecret"),
        ("karpenter.sh", "NodePool"),
        ("karpenter.k8s.aws", "EC2NodeClass"),
        ("snapshot.storage.k8s.io", "VolumeSnapshotClass"),
    }
)


_GLOB_CHARS = frozenset("*?[]{}\\!")
_FNMATCH_CHARS = frozenset("*?[")  # what makes a filepath.Match pattern more than a literal


@dataclass
class Project:
    doc: Document | None  # None: Argo CD's built-in `default` project
    # Built on first use: literal destinations as a set, resource lists indexed
    # (a team project lists every namespace of its services; looping over them for each of
    # its Applications would be quadratic in the team's size).
    _literal: set[tuple[str, str, str]] | None = field(default=None, init=False, repr=False, compare=False)
    _patterned: list[dict[str, Any]] = field(default_factory=list, init=False, repr=False, compare=False)
    _lists: dict[str, ResourceList] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def name(self) -> str:
        return self.doc.name if self.doc else "default"

    @property
    def spec(self) -> dict[str, Any]:
        if self.doc is None:  # what `default` permits out of the box
            return {
                "sourceRepos": ["*"],
                "destinations": [{"server": "*", "namespace": "*"}],
                "clusterResourceWhitelist": [{"group": "*", "kind": "*"}],
            }
        return self.doc.spec

    @property
    def where(self) -> str:
        return f"{self.doc.file}:{self.doc.line}" if self.doc else "Argo CD's built-in default project"

    def source_permitted(self, repo_url: str) -> bool:
        wanted = normalize_git_url(repo_url)
        matched = False
        for pattern in _strings(self.spec.get("sourceRepos")):
            deny = pattern.startswith("!")
            normalized = normalize_git_url(pattern.removeprefix("!"))
            hit = _glob(normalized, wanted, separator=True) if normalized != "*" else True
            if deny and hit:
                return False
            if not deny and hit:
                matched = True
        return matched

    def destination_permitted(self, server: str, name: str, namespace: str) -> bool:
        literal, patterned = self._destinations()
        # A destination without glob characters matches only itself and denies nothing.
        any_match = (bool(server) and ("server", server, namespace) in literal) or (
            bool(name) and ("name", name, namespace) in literal
        )
        no_deny = True
        for item in patterned:
            name_ok = bool(name) and destination_match(str(item.get("name", "")), name)
            server_ok = bool(server) and destination_match(str(item.get("server", "")), server)
            ns_ok = destination_match(str(item.get("namespace", "")), namespace)
            if (server_ok or name_ok) and ns_ok:
                any_match = True
            elif (
                (not name_ok and str(item.get("name", "")).startswith("!"))
                or (not server_ok and str(item.get("server", "")).startswith("!"))
                or (not ns_ok and str(item.get("namespace", "")).startswith("!"))
            ):
                no_deny = False
        return any_match and no_deny

    def _destinations(self) -> tuple[set[tuple[str, str, str]], list[dict[str, Any]]]:
        if self._literal is None:
            self._literal = set()
            for item in self.spec.get("destinations") or []:
                if not isinstance(item, dict):
                    continue
                fields = [str(item.get(key, "")) for key in ("server", "name", "namespace")]
                if any(_GLOB_CHARS & set(text) for text in fields):
                    self._patterned.append(item)
                    continue
                server, name, namespace = fields
                self._literal |= {("server", server, namespace), ("name", name, namespace)}
        return self._literal, self._patterned

    def kind_permitted(self, group: str, kind: str, namespaced: bool, name: str = "") -> bool:
        spec = self.spec
        if namespaced:
            white = spec.get("namespaceResourceWhitelist")
            whitelisted = white is None or (
                bool(white) and self._list("namespaceResourceWhitelist").has(group, kind, name)
            )
            return whitelisted and not self._list("namespaceResourceBlacklist").has(group, kind, name)
        return (
            bool(spec.get("clusterResourceWhitelist"))
            and self._list("clusterResourceWhitelist").has(group, kind, name)
            and not self._list("clusterResourceBlacklist").has(group, kind, name)
        )

    def _list(self, key: str) -> ResourceList:
        if key not in self._lists:
            self._lists[key] = ResourceList(self.spec.get(key))
        return self._lists[key]


class ResourceList:
    """A project's group/kind(/name) list, matched as Argo CD does (``filepath.Match`` globs),
    its literal entries in sets (a team project names each of its namespaces)."""

    def __init__(self, items: Any) -> None:
        self.any_name: set[tuple[str, str]] = set()
        self.named: set[tuple[str, str, str]] = set()
        self.patterned: list[tuple[str, str, str]] = []
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            group, kind = str(item.get("group", "")), str(item.get("kind", ""))
            name = str(item.get("name")) if item.get("name") else ""
            if _FNMATCH_CHARS & set(group + kind + name):
                self.patterned.append((group, kind, name))
            elif name:
                self.named.add((group, kind, name))
            else:
                self.any_name.add((group, kind))

    def has(self, group: str, kind: str, name: str) -> bool:
        if (group, kind) in self.any_name or (group, kind, name) in self.named:
            return True
        return any(
            fnmatch.fnmatchcase(kind, kind_pattern)
            and fnmatch.fnmatchcase(group, group_pattern)
            and (not name_pattern or fnmatch.fnmatchcase(name, name_pattern))
            for group_pattern, kind_pattern, name_pattern in self.patterned
        )


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def destination_match(pattern: str, value: str) -> bool:
    """globMatch with negation allowed: a `!pattern` matches what the pattern does not."""
    if pattern.startswith("!"):
        return not _glob(pattern[1:], value, separator=False)
    return pattern == "*" or _glob(pattern, value, separator=False)


def _glob(pattern: str, value: str, *, separator: bool) -> bool:
    return compile_glob(pattern, GOBWAS_SEPARATED if separator else GOBWAS).match(value) is not None


def directory_glob(pattern: str, value: str) -> bool:
    """Argo CD's directory include/exclude: a glob (no separator, `{a,b}` allowed)."""
    return _glob(pattern, value, separator=False)


def is_namespaced(resource: Resource, cluster_scoped: set[tuple[str, str]]) -> bool:
    key = (resource.group, resource.kind)
    return key not in CLUSTER_SCOPED and key not in cluster_scoped


def custom_cluster_scoped(resources: Iterator[dict[str, Any]]) -> set[tuple[str, str]]:
    """Kinds that CRDs in the repo (or rendered) declare with `scope: Cluster`."""
    found: set[tuple[str, str]] = set()
    for data in resources:
        if data.get("kind") == "CustomResourceDefinition":
            spec = data.get("spec") or {}
            if isinstance(spec, dict) and spec.get("scope") == "Cluster":
                names = spec.get("names") or {}
                found.add((str(spec.get("group", "")), str(names.get("kind", ""))))
    return found


# --- the checks ---------------------------------------------------------------------------


def check_app(
    app: App,
    projects: dict[str, Project],
    clusters: Clusters,
    cluster_scoped: set[tuple[str, str]],
) -> list[Finding]:
    out: list[Finding] = []
    project = projects.get(app.project)
    if project is None:
        known = ", ".join(sorted(projects)) or "none"
        out.append(
            PROJECT_MISSING.finding(
                app.file,
                app.locate(("spec", "project")),
                f"{app.name}: project {app.project!r} does not exist (defined: {known})",
                app.context,
            )
        )
        return out
    repos = ", ".join(_strings(project.spec.get("sourceRepos")))
    for path, source in app.sources():
        url = str(source.get("repoURL") or "")
        if url and not project.source_permitted(url):
            out.append(
                PROJECT_SOURCE_DENIED.finding(
                    app.file,
                    app.locate((*path, "repoURL")),
                    f"{app.name}: repository {url} is not permitted in project {project.name} "
                    f"({project.where}; sourceRepos: {repos or 'none'})",
                    app.context,
                )
            )
    out += _check_destination(app, project, clusters)
    out += _check_kinds(app, project, clusters, cluster_scoped)
    return out


def _check_destination(app: App, project: Project, clusters: Clusters) -> list[Finding]:
    dest = app.destination
    where = app.locate(("spec", "destination"))
    server, name = str(dest.get("server") or ""), str(dest.get("name") or "")
    namespace = str(dest.get("namespace") or "")
    if server and name:
        return [
            PROJECT_DESTINATION_DENIED.finding(
                app.file,
                where,
                f"{app.name}: destination sets both server and name; Argo CD accepts only one",
                app.context,
            )
        ]
    if not server and not name:
        return [
            PROJECT_DESTINATION_DENIED.finding(
                app.file, where, f"{app.name}: destination has neither server nor name", app.context
            )
        ]
    if name and name not in clusters.by_name and clusters.declared:
        return [
            PROJECT_DESTINATION_DENIED.finding(
                app.file,
                app.locate(("spec", "destination", "name")),
                f"{app.name}: no cluster named {name!r} is declared in the repository "
                f"(known: {', '.join(sorted(clusters.by_name))})",
                app.context,
            )
        ]
    resolved = server or clusters.by_name.get(name, "")
    if not project.destination_permitted(resolved, name, namespace):
        target = f"{server or name}, namespace {namespace or '(none)'}"
        return [
            PROJECT_DESTINATION_DENIED.finding(
                app.file,
                where,
                f"{app.name}: destination {target} is not permitted in project {project.name} "
                f"({project.where})",
                app.context,
            )
        ]
    return []


def _check_kinds(
    app: App, project: Project, clusters: Clusters, cluster_scoped: set[tuple[str, str]]
) -> list[Finding]:
    out: list[Finding] = []
    dest = app.destination
    namespace = str(dest.get("namespace") or "")
    server = clusters.server_of(dest)
    name = str(dest.get("name") or "")
    if (
        app.has_sync_option("CreateNamespace=true")
        and namespace
        and not project.kind_permitted("", "Namespace", namespaced=False, name=namespace)
    ):
        out.append(
            PROJECT_KIND_DENIED.finding(
                app.file,
                app.locate(("spec", "syncPolicy", "syncOptions")),
                f"{app.name}: CreateNamespace=true creates Namespace {namespace!r}, which project "
                f"{project.name} does not permit (clusterResourceWhitelist; {project.where})",
                app.context,
            )
        )
    for resource in app.resources or []:
        namespaced = is_namespaced(resource, cluster_scoped)
        label = f"{resource.kind} ({resource.group or 'core'})"
        if not project.kind_permitted(resource.group, resource.kind, namespaced, resource.name):
            listing = "namespaceResourceWhitelist/Blacklist" if namespaced else "clusterResourceWhitelist"
            out.append(
                PROJECT_KIND_DENIED.finding(
                    resource.file,
                    resource.locate(("kind",)),
                    f"{label} {resource.name!r} is not permitted in project {project.name} ({listing}; "
                    f"{project.where})",
                    app.context,
                )
            )
            continue
        ns = str(resource.metadata.get("namespace") or namespace)
        if namespaced and ns != namespace and not project.destination_permitted(server, name, ns):
            out.append(
                PROJECT_DESTINATION_DENIED.finding(
                    resource.file,
                    resource.locate(("metadata", "namespace")),
                    f"{label} {resource.name!r} goes to namespace {ns!r}, which project {project.name} "
                    f"does not permit on {server or name} ({project.where})",
                    app.context,
                )
            )
    return out


def check_duplicates(apps: list[App], docs: list[Document]) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[tuple[str, str], str] = {}
    for app in apps:
        key = (app.namespace, app.name)
        here = f"{app.file}:{app.locate(('metadata', 'name'))}"
        if key in seen and seen[key] != here:
            out.append(
                DUPLICATE_NAME.finding(
                    app.file,
                    app.locate(("metadata", "name")),
                    f"Application {app.name!r} (namespace {app.namespace}) is also defined at {seen[key]}",
                    app.context,
                )
            )
        seen.setdefault(key, here)
    for kind in ("ApplicationSet", "AppProject"):
        names: dict[tuple[str, str], Document] = {}
        for doc in docs:
            if not doc.is_argo(kind):
                continue
            key = (str(doc.metadata.get("namespace") or "argocd"), doc.name)
            first = names.get(key)
            # The same AppProject written twice with the same content is one object (a bootstrap
            # file applied by hand and its managed copy); different content is a fight.
            if first is not None and not (kind == "AppProject" and first.data == doc.data):
                out.append(
                    DUPLICATE_NAME.finding(
                        doc.file,
                        doc.line_of(("metadata", "name")),
                        f"{kind} {doc.name!r} is also defined, differently, at {first.file}:{first.line}"
                        if kind == "AppProject"
                        else f"{kind} {doc.name!r} is also defined at {first.file}:{first.line}",
                    )
                )
            names.setdefault(key, doc)
    return out
