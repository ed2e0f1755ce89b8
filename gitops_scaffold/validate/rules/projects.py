"""Project rules: the default project (GS005), wildcard projects (GS006)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from gitops_scaffold.validate.catalog import DEFAULT_PROJECT, WILDCARD_PROJECT
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules.base import Context, rule

# --- GS005 default project, GS006 wildcard project -------------------------------------------


@rule(DEFAULT_PROJECT)
def default_project(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        if app.project == "default":
            yield DEFAULT_PROJECT.finding(
                app.file,
                app.locate(("spec", "project")),
                f"{app.name} is in the default project",
                app.context,
            )


@rule(WILDCARD_PROJECT)
def wildcard_project(ctx: Context) -> Iterator[Finding]:
    counts = Counter(a.project for a in ctx.apps)
    for project in ctx.projects.values():
        doc = project.doc
        if doc is None:
            continue
        users = counts[project.name]
        note = f" ({users} Application{'s' if users != 1 else ''} use it)"
        for index, repo in enumerate(doc.spec.get("sourceRepos") or []):
            if str(repo) == "*":
                yield WILDCARD_PROJECT.finding(
                    doc.file,
                    doc.line_of(("spec", "sourceRepos", index)),
                    f"AppProject {doc.name} permits every source repository{note}",
                )
        for index, dest in enumerate(doc.spec.get("destinations") or []):
            if not isinstance(dest, dict):
                continue
            wild = [k for k in ("server", "name", "namespace") if str(dest.get(k, "")) == "*"]
            if wild:
                yield WILDCARD_PROJECT.finding(
                    doc.file,
                    doc.line_of(("spec", "destinations", index)),
                    f"AppProject {doc.name} permits any {' and any '.join(wild)} as a destination{note}",
                )
