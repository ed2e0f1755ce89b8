"""GS016: Argo CD not pinned to system nodes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_scaffold.validate.argo.loader import Path_
from gitops_scaffold.validate.argo.objects import App
from gitops_scaffold.validate.catalog import ARGOCD_NOT_ON_SYSTEM_NODES
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules.base import Context, rule
from gitops_scaffold.validate.scaffold_answers import read_answers
from gitops_scaffold.yaml_guard import read_text, safe_load

# --- GS016 Argo CD not pinned to system nodes ------------------------------------------------


def _pinned(glob: dict[str, Any]) -> bool:
    """A node selector, or node affinity in the argo-cd chart's form (``affinity.nodeAffinity``
    with ``matchExpressions``) or Kubernetes' (``requiredDuringScheduling...``)."""
    if glob.get("nodeSelector"):
        return True
    affinity = glob.get("affinity") if isinstance(glob.get("affinity"), dict) else {}
    assert isinstance(affinity, dict)
    node = affinity.get("nodeAffinity") if isinstance(affinity.get("nodeAffinity"), dict) else {}
    assert isinstance(node, dict)
    return bool(node.get("matchExpressions") or node.get("requiredDuringSchedulingIgnoredDuringExecution"))


@dataclass
class _ArgoInstall:
    app: App
    key: Path_  # the source's key path in the Application
    prefix: str  # "" for the argo-cd chart itself, the dependency key in an umbrella chart
    files: list[tuple[str, Any]]  # local values files, in order
    inline: Any  # helm.valuesObject


def _argocd_installs(ctx: Context) -> Iterator[_ArgoInstall]:
    """Each Application that installs the argo-cd chart, directly or as a dependency."""
    for app in ctx.apps:
        for key, source in app.sources():
            files = app.value_files.get(key)
            if files is None:
                continue
            helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
            assert isinstance(helm, dict)
            inline = helm.get("valuesObject")
            if source.get("chart") == "argo-cd":
                yield _ArgoInstall(app, key, "", files, inline)
                continue
            path = str(source.get("path") or "").strip("/")
            alias = _argocd_dependency(ctx.root / path) if path else None
            if alias:
                if not files:
                    files = [(f"{path}/values.yaml", _values_of(ctx, f"{path}/values.yaml"))]
                yield _ArgoInstall(app, key, alias, files, inline)


def _argocd_dependency(chart_dir: Path) -> str | None:
    import yaml

    try:
        meta = safe_load(read_text(chart_dir / "Chart.yaml")) or {}
    except (OSError, yaml.YAMLError):
        return None
    for dep in meta.get("dependencies") or [] if isinstance(meta, dict) else []:
        if isinstance(dep, dict) and dep.get("name") == "argo-cd":
            return str(dep.get("alias") or "argo-cd")
    return None


def _values_of(ctx: Context, rel: str) -> Any:
    for doc in ctx.files.documents:
        if doc.file == rel:
            return doc.data
    return None


@rule(ARGOCD_NOT_ON_SYSTEM_NODES)
def argocd_system_nodes(ctx: Context) -> Iterator[Finding]:
    from gitops_scaffold.validate.argo.helm import coalesce

    answers = read_answers(ctx.root)
    if answers is not None and answers.argocd.get("system_nodes") is False:
        return  # a deliberate choice, recorded in scaffold.yaml
    for install in _argocd_installs(ctx):
        values: dict[str, Any] = {}
        for _, data in install.files:
            if isinstance(data, dict):
                values = coalesce(values, data)
        if isinstance(install.inline, dict):
            values = coalesce(values, install.inline)
        scope = values.get(install.prefix) if install.prefix else values
        glob = scope.get("global") if isinstance(scope, dict) else None
        if isinstance(glob, dict) and _pinned(glob):
            continue
        app = install.app
        path: tuple[str, ...] = (install.prefix, "global") if install.prefix else ("global",)
        if isinstance(install.inline, dict):
            file, line = app.file, app.locate((*install.key, "helm", "valuesObject", *path))
        else:
            file, line = app.file, app.locate(install.key)
            for rel, data in reversed(install.files):
                if isinstance(data, dict) and (not install.prefix or install.prefix in data):
                    docs = [d for d in ctx.files.documents if d.file == rel]
                    file, line = rel, docs[0].line_of(path) if docs else 0
                    break
        yield ARGOCD_NOT_ON_SYSTEM_NODES.finding(
            file,
            line,
            f"Argo CD ({app.name}): {'.'.join(path)} sets neither nodeSelector nor node affinity",
            app.context,
        )
