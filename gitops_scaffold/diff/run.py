"""`scaffold diff`: what changes between two revisions, per Application and per resource.

Both sides are read whole from one place each (``revisions``), their Applications found as
validate finds them (``side``); an Application whose inputs hash the same at both revisions
(``inputs``) is unchanged without rendering; the others are rendered (``render``) and compared
(``compare``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_scaffold.diff.compare import ADDED, CHANGED, REMOVED, UNCHANGED, ResourceChange, compare, unified
from gitops_scaffold.diff.inputs import FileIndex, input_hash
from gitops_scaffold.diff.render import ResourceKey, render_app
from gitops_scaffold.diff.revisions import Checkout, checkout, open_repository
from gitops_scaffold.diff.side import AppKey, Side, load_side
from gitops_scaffold.errors import UserInputError
from gitops_scaffold.validate.argo.objects import App


@dataclass
class Options:
    base: str = "HEAD"
    head: str | None = None  # None: the work tree
    charts: Path | None = None  # pulled chart archives (`helm pull`) for remote charts
    production: str | None = None  # regex of production Applications (non-scaffold repos)


@dataclass
class AppChange:
    namespace: str  # the Application's own namespace (Argo CD's)
    name: str
    status: str  # added, removed, changed, unchanged
    project: str
    cluster: str
    destination_namespace: str
    sync: str  # "auto (prune, self-heal)" or "manual"
    production: bool
    application_set: str | None
    file: str
    rendered: bool  # False: inputs identical at both revisions, so not rendered
    spec_diff: str = ""  # the Application manifest itself
    resources: list[ResourceChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def needs_manual_sync(self) -> bool:
        """A change that reaches the cluster only when someone syncs by hand."""
        return self.status in {ADDED, CHANGED} and not self.sync.startswith("auto")


@dataclass
class DiffResult:
    repo: str
    base: Checkout
    head: Checkout
    applications: list[AppChange] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for app in self.applications if app.status == status)

    @property
    def changed(self) -> list[AppChange]:
        return [app for app in self.applications if app.status != UNCHANGED]

    @property
    def differs(self) -> bool:
        return bool(self.changed)


def diff(directory: Path, options: Options | None = None) -> DiffResult:
    """Compare ``options.base`` with ``options.head`` (the work tree when None) in ``directory``."""
    options = options or Options()
    if options.charts is not None and not options.charts.is_dir():
        raise UserInputError(f"--charts {options.charts}: not a directory")
    repo = open_repository(directory)
    urls = list(repo.remote_urls)
    with checkout(repo, options.base, "base") as base_co, checkout(repo, options.head, "head") as head_co:
        head = load_side(head_co, urls, options.production)
        base = load_side(base_co, urls, options.production, previous=head)
        result = DiffResult(str(directory), base_co, head_co)
        result.notes = _merged(base.notes, head.notes)
        result.errors = _merged(base.errors, head.errors)
        indexes = FileIndex(base.root), FileIndex(head.root)
        charts = options.charts.resolve() if options.charts else None
        for key in sorted(set(base.apps) | set(head.apps)):
            result.applications.append(_application(key, base, head, indexes, charts))
    return result


def _merged(*lists: list[str]) -> list[str]:
    return sorted({item for items in lists for item in items})


def _application(
    key: AppKey, base: Side, head: Side, indexes: tuple[FileIndex, FileIndex], charts: Path | None
) -> AppChange:
    old, new = base.apps.get(key), head.apps.get(key)
    side, app = (head, new) if new is not None else (base, old)
    assert app is not None
    change = _summary(app, side, ADDED if old is None else REMOVED if new is None else UNCHANGED)
    if old is not None and new is not None:
        same = input_hash(old, base.resolver, indexes[0], charts) == input_hash(
            new, head.resolver, indexes[1], charts
        )
        if same:
            return change
    change.rendered = True
    objects = [_render(old, base, "base", charts, change), _render(new, head, "head", charts, change)]
    change.resources = compare(*objects).resources
    if old is not None and new is not None:
        change.spec_diff = unified(old.data, new.data, f"Application/{app.namespace}/{app.name}")
        if change.resources or change.spec_diff:
            change.status = CHANGED
    return change


def _render(
    app: App | None, side: Side, role: str, charts: Path | None, change: AppChange
) -> dict[ResourceKey, dict[str, Any]]:
    """The objects ``app`` deploys at ``side`` by key; its notes and errors kept on ``change``."""
    if app is None:
        return {}
    rendered = render_app(app, side, charts)
    change.notes += [n for n in rendered.notes if n not in change.notes]
    change.errors += [f"{role}: {e}" for e in rendered.errors]
    return rendered.by_key(str(app.destination.get("namespace") or ""))


def _summary(app: App, side: Side, status: str) -> AppChange:
    from gitops_scaffold.validate.preview import summarize

    fields = summarize(app, side.clusters)
    return AppChange(
        namespace=app.namespace,
        name=app.name,
        status=status,
        project=fields["project"],
        cluster=fields["cluster"],
        destination_namespace=str(fields["namespace"] or ""),
        sync=fields["sync"],
        production=side.production(app),
        application_set=app.appset,
        file=app.file,
        rendered=False,
    )
