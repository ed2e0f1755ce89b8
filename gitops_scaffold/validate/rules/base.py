"""What every lint rule shares: the Context it looks at, the registry, small helpers.

A rule is registered with its catalog entry (``@rule(catalog.X)``: id, severity, title,
explanation and fix live in ``catalog.py``, bound once); ``run_rules`` calls them all, in id
order. A rule never raises on odd input: a repository for another tool or a half-written
manifest is skipped, not crashed on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_scaffold.validate.argo.loader import Document, Path_, RepoFiles
from gitops_scaffold.validate.argo.objects import App, Production, Resource
from gitops_scaffold.validate.argo.projects import Project
from gitops_scaffold.validate.findings import Finding, Rule


@dataclass
class Context:
    """Everything a rule may look at."""

    root: Path
    files: RepoFiles
    apps: list[App]
    projects: dict[str, Project]
    production: Production
    application_schema: dict[str, Any]
    # Objects in Git (not Argo CD's own) and objects rendered from charts, each once.
    resources: list[Resource] = field(default_factory=list)
    # Resources that are deployed together (one Application, or a chart rendered on its own).
    groups: list[list[Resource]] = field(default_factory=list)

    @property
    def appsets(self) -> list[Document]:
        return self.files.argo("ApplicationSet")

    def values_documents(self) -> Iterator[Document]:
        """Helm values files: non-object documents of files named like values files."""
        for doc in self.files.documents:
            name = doc.file.rsplit("/", 1)[-1]
            if not doc.is_object and isinstance(doc.data, dict) and _VALUES_FILE.search(name):
                yield doc


_VALUES_FILE = re.compile(r"(^|[-_.])values([-_.][\w.-]*)?\.ya?ml$")

RuleCheck = Callable[[Context], Iterable[Finding]]
_CHECKS: list[tuple[Rule, RuleCheck]] = []


def rule(entry: Rule) -> Callable[[RuleCheck], RuleCheck]:
    """Register a check under its catalog entry."""

    def register(check: RuleCheck) -> RuleCheck:
        _CHECKS.append((entry, check))
        return check

    return register


def _in_id_order() -> list[tuple[Rule, RuleCheck]]:
    return sorted(_CHECKS, key=lambda pair: pair[0].id)


def run_rules(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for _, check in _in_id_order():
        out += check(ctx)
    return out


def lint_rule_ids() -> list[str]:
    return [r.id for r, _ in _in_id_order()]


# --- helpers ---------------------------------------------------------------------------------


def _annotations(data: dict[str, Any]) -> dict[str, Any]:
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    value = meta.get("annotations") if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every (path, value) below ``value``, mappings and lists included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from walk(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk(item, (*path, index))


def pod_spec_paths(data: dict[str, Any]) -> Iterator[tuple[Path_, dict[str, Any]]]:
    kind = data.get("kind")
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    if kind == "Pod":
        yield ("spec",), spec
    elif kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}:
        pod = (spec.get("template") or {}).get("spec")
        if isinstance(pod, dict):
            yield ("spec", "template", "spec"), pod
    elif kind == "CronJob":
        pod = (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
        if isinstance(pod, dict):
            yield ("spec", "jobTemplate", "spec", "template", "spec"), pod


def hook_of(resource: Resource) -> str | None:
    """The Argo CD sync phase of a hook (PreSync, Sync, PostSync, ...), or None."""
    notes = resource.annotations
    if notes.get("argocd.argoproj.io/hook"):
        return str(notes["argocd.argoproj.io/hook"]).split(",")[0].strip()
    helm_hook = str(notes.get("helm.sh/hook") or "")
    if helm_hook:
        if "pre-install" in helm_hook or "pre-upgrade" in helm_hook:
            return "PreSync"
        if "post-install" in helm_hook or "post-upgrade" in helm_hook:
            return "PostSync"
        return "Skip"  # test, delete or rollback hooks: not part of the sync
    return None


def value_at(data: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data
