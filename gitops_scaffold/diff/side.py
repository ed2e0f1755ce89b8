"""One side of a diff: every Application Argo CD would have at one revision, found exactly as
``scaffold validate`` finds them (the check half's loader, ApplicationSet expansion and source
resolver): written Applications, ApplicationSets expanded, and the Applications that a Helm
App of Apps renders (directory App-of-Apps children are written Applications already).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_scaffold.diff.revisions import Checkout
from gitops_scaffold.validate.appsets import expand_appsets
from gitops_scaffold.validate.argo.helm import Helm, helm_available
from gitops_scaffold.validate.argo.loader import Document, RepoFiles, load_repo
from gitops_scaffold.validate.argo.objects import (
    App,
    Clusters,
    Production,
    find_clusters,
    infer_self_urls,
    production_of,
    self_urls,
)
from gitops_scaffold.validate.argo.sources import SourceResolver
from gitops_scaffold.validate.findings import Severity

AppKey = tuple[str, str]  # (namespace, name): how Argo CD tells Applications apart


@dataclass
class Side:
    checkout: Checkout
    files: RepoFiles
    resolver: SourceResolver
    helm: Helm | None
    clusters: Clusters
    production: Production
    apps: dict[AppKey, App] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    app_of_apps_charts: dict[str, bool] = field(default_factory=dict)  # chart -> renders Applications
    # (file, ApplicationSet name) -> (fingerprint, its Applications), and the side read before
    expansions: dict[tuple[str, str], tuple[str, list[App]]] = field(default_factory=dict)
    previous: Side | None = None

    @property
    def root(self) -> Path:
        return self.checkout.root


def app_key(app: App) -> AppKey:
    return (app.namespace, app.name)


def load_side(
    checkout: Checkout, remote_urls: list[str], production: str | None, previous: Side | None = None
) -> Side:
    """Read one revision and find its Applications (Helm App-of-Apps charts rendered here);
    ``previous``, the other side already read, spares re-expanding unchanged ApplicationSets."""
    root = checkout.root
    files = load_repo(root)
    helm = Helm(root, files, lint=False) if helm_available() else None
    urls = self_urls(root, remote_urls)
    resolver = SourceResolver(root, files, urls, helm, infer=not urls)
    side = Side(checkout, files, resolver, helm, find_clusters(files), production_of(root, production))
    side.previous = previous
    side.errors += [f"{p.file}:{p.line}: {p.message}" for p in files.problems]
    pending = [App(doc.data, doc) for doc in files.argo("Application")]
    pending += _expanded(side, files.argo("ApplicationSet"))
    if resolver.infer:
        resolver.self_urls |= infer_self_urls(root, pending)
    if helm is None:
        side.notes.append("charts were not rendered: install the `validate` extra for helm-python-sdk")
    while pending:
        children: list[App] = []
        for app in pending:
            key = app_key(app)
            if key in side.apps:
                side.errors.append(f"{app.file}: Application {app.namespace}/{app.name} is defined twice")
                continue
            side.apps[key] = app
            children += _rendered_children(side, app)
        if resolver.infer:
            resolver.self_urls |= infer_self_urls(root, children)
        pending = children
    return side


def _expanded(side: Side, docs: list[Document]) -> list[App]:
    """The ApplicationSets' Applications. One whose document and generator parameters equal
    the other side's is not expanded again (rendering every template is most of the cost;
    the parameters alone are cheap, and the same template with the same parameters gives the
    same Applications)."""
    apps: list[App] = []
    for doc in docs:
        key = (doc.file, doc.name)
        fingerprint = _fingerprint(side.root, doc)
        previous = side.previous.expansions.get(key) if side.previous else None
        if fingerprint is not None and previous is not None and previous[0] == fingerprint:
            generated = [App(app.data, doc, appset=doc.name) for app in previous[1]]
        else:
            expanded = expand_appsets(side.root, [doc])
            side.notes += expanded.notes
            failed = [f for f in expanded.findings if f.severity is Severity.error]
            side.errors += [f"{f.file}:{f.line}: {f.message}" for f in failed]
            generated = expanded.apps
        if fingerprint is not None:
            side.expansions[key] = (fingerprint, generated)
        apps += generated
    return apps


def _fingerprint(root: Path, doc: Document) -> str | None:
    """The ApplicationSet and its generators' parameter sets; None when they cannot be had."""
    from gitops_scaffold.validate.argo.expansion import generate_params

    try:
        params = generate_params(doc.data, root)
    except Exception:  # a failing generator: expand it, which reports the failure
        return None
    return json.dumps([doc.data, params], sort_keys=True, default=str)


def _rendered_children(side: Side, app: App) -> list[App]:
    """The Applications (and expanded ApplicationSets) a Helm App of Apps renders."""
    if side.helm is None or not any(_holds_applications(side, s) for _, s in app.sources()):
        return []
    from gitops_scaffold.diff.render import render_app  # the same rendering the diff compares

    children: list[App] = []
    for res in render_app(app, side).objects:
        if res.group != "argoproj.io":
            continue
        doc = Document(res.file, 0, res.locate(("kind",)), res.data)
        if res.kind == "Application":
            children.append(App(res.data, doc, locator=res.locate))
        elif res.kind == "ApplicationSet":
            children += _expanded(side, [doc])
    return children


def _holds_applications(side: Side, source: dict[str, Any]) -> bool:
    """A local chart whose templates write Applications or ApplicationSets (once per chart)."""
    if source.get("chart") or not side.resolver.is_local(source):
        return False
    chart = str(source.get("path") or ".").strip("/") or "."
    if chart not in side.app_of_apps_charts:
        templates = side.root / chart / "templates"
        side.app_of_apps_charts[chart] = (
            (templates.parent / "Chart.yaml").is_file()
            and templates.is_dir()
            and any(
                "kind: Application" in path.read_text(encoding="utf-8", errors="replace")
                for path in templates.rglob("*")
                if path.is_file()
            )
        )
    return side.app_of_apps_charts[chart]
