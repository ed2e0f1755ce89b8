"""Print a diff for people (text, coloured on a terminal), for a pull request (markdown that
fits one GitHub comment) and for scripts (json, versioned)."""

from __future__ import annotations

import json
from typing import Any

from gitops_scaffold.diff.compare import ADDED, CHANGED, REMOVED, UNCHANGED, ResourceChange
from gitops_scaffold.diff.run import AppChange, DiffResult

JSON_SCHEMA_VERSION = 1
MARKDOWN_LIMIT = 65_536  # GitHub's limit on a comment body, in characters
MARKDOWN_MARKER = "<!-- scaffold-diff -->"  # how the pull-request workflow finds its comment
_SIGN = {ADDED: "+", REMOVED: "-", CHANGED: "~", UNCHANGED: " "}
_COLOR = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m", "~": "\033[33m", "!": "\033[1;33m"}
_RESET = "\033[0m"


def headline(result: DiffResult) -> str:
    counts = ", ".join(f"{result.count(s)} {s}" for s in (CHANGED, ADDED, REMOVED, UNCHANGED))
    rendered = sum(1 for app in result.applications if app.rendered)
    return (
        f"scaffold diff {result.base.label}..{result.head.label}: {counts} Application(s) "
        f"({rendered} rendered, the rest had identical inputs)"
    )


def _where(app: AppChange) -> str:
    return (
        f"project {app.project}, cluster {app.cluster or '-'}, namespace {app.destination_namespace or '-'}, "
        f"sync {app.sync}"
    )


def _manual(app: AppChange) -> str:
    if not app.needs_manual_sync:
        return ""
    return "needs a manual sync" + (" (production)" if app.production else "")


def _resource_line(change: ResourceChange) -> str:
    hook = f" [hook: {change.hook}]" if change.hook else ""
    synthetic = "" if change.rendered else " [not rendered: its inputs]"
    return f"{_SIGN[change.status]} {change.label()}{hook}{synthetic}"


# --- text ------------------------------------------------------------------------------------


def text(result: DiffResult, *, color: bool = False, quiet: bool = False) -> str:
    def paint(line: str, indent: str = "") -> str:
        code = _COLOR.get(line[:1]) if color and not line.startswith(("+++", "---")) else None
        return f"{indent}{code}{line}{_RESET}" if code else f"{indent}{line}"

    lines = [headline(result)]
    for app in result.changed:
        lines.append(paint(f"{_SIGN[app.status]} {app.name} ({_where(app)})"))
        if _manual(app):
            lines.append(paint(f"! {app.name} {_manual(app)}", "  "))
        lines += [f"  note: {n}" for n in app.notes] + [f"  error: {e}" for e in app.errors]
        if app.spec_diff and not quiet:
            lines.append("  Application manifest:")
            lines += [paint(d, "    ") for d in app.spec_diff.splitlines()]
        for change in app.resources:
            lines.append(paint(_resource_line(change), "  "))
            if not quiet and change.status == CHANGED:
                lines += [paint(d, "    ") for d in change.diff.splitlines()[2:]]
    lines += [f"note: {n}" for n in result.notes] + [f"error: {e}" for e in result.errors]
    return "\n".join(lines)


# --- markdown --------------------------------------------------------------------------------


def markdown(result: DiffResult, limit: int = MARKDOWN_LIMIT) -> str:
    """A summary table, then one ``<details>`` per changed Application, cut to fit ``limit``
    characters with a note of what was left out."""
    reserve = 600  # the note of what was cut, and the closing lines
    head = [MARKDOWN_MARKER, f"### {headline(result)}", ""]
    changed = result.changed
    if not changed:
        head.append("No Application changes.")
    else:
        head += [
            "| | Application | Project | Cluster | Namespace | Sync | Resources |",
            "|---|---|---|---|---|---|---|",
        ]
    body = "\n".join(head)
    rows_cut: list[AppChange] = []
    for app in changed:
        row = "\n" + _row(app)
        if len(body) + len(row) > limit - reserve:
            rows_cut.append(app)
            continue
        body += row
    tail = [f"- {n}" for n in result.notes] + [f"- error: {e}" for e in result.errors]
    tail_text = ("\n\n**Notes**\n\n" + "\n".join(tail)) if tail else ""
    if len(body) + len(tail_text) > limit - reserve:
        tail_text = f"\n\n{len(tail)} note(s) left out (see the job log)."
    body += tail_text + "\n"
    cut: list[str] = [app.name for app in rows_cut]
    for app in changed:
        if app in rows_cut:
            continue
        section = _section(app, limit - reserve - len(body))
        if section is None:
            cut.append(app.name)
        else:
            body += section
    if cut:
        names = ", ".join(f"`{n}`" for n in cut[:20]) + (
            f" and {len(cut) - 20} more" if len(cut) > 20 else ""
        )
        body += (
            f"\n> **Cut to fit a GitHub comment ({limit:,} characters):** the details of "
            f"{len(cut)} Application(s): {names}. Run `scaffold diff` locally for all of it.\n"
        )
    return body


def _row(app: AppChange) -> str:
    counts: dict[str, int] = {}
    for change in app.resources:
        counts[change.status] = counts.get(change.status, 0) + 1
    summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "manifest only"
    sync = app.sync + (f" — **{_manual(app)}**" if _manual(app) else "")
    cells = [app.status, f"`{app.name}`", app.project, app.cluster, app.destination_namespace, sync, summary]
    return "| " + " | ".join(c.replace("|", "\\|") or "-" for c in cells) + " |"


def _section(app: AppChange, budget: int) -> str | None:
    """One Application's ``<details>``; None when not even its list of resources fits."""
    opening = f"\n<details><summary><b>{app.name}</b>: {app.status} ({_where(app)})</summary>\n\n"
    closing = "\n</details>\n"
    extra = [f"- note: {n}" for n in app.notes] + [f"- error: {e}" for e in app.errors]
    parts = [opening, "\n".join(extra) + ("\n\n" if extra else "")]
    blocks = ([("Application manifest", app.spec_diff)] if app.spec_diff else []) + [
        (_resource_line(change), change.diff) for change in app.resources
    ]
    listed: list[str] = []
    for title, diff in blocks:
        fence = "~~~~" if "```" in diff else "```"
        block = f"**{_escape(title)}**\n\n{fence}diff\n{diff}{fence}\n\n"
        if sum(map(len, parts)) + len(block) + len(closing) + 200 > budget:
            listed.append(title)
            continue
        parts.append(block)
    if listed:
        note = f"Diffs left out to fit the comment: {', '.join(_escape(t) for t in listed)}\n"
        if sum(map(len, parts)) + len(note) + len(closing) > budget:
            note = f"{len(listed)} resource diff(s) left out to fit the comment.\n"
        parts.append(note)
    parts.append(closing)
    section = "".join(parts)
    return section if len(section) <= budget else None


def _escape(text: str) -> str:
    return text.replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*").replace("_", "\\_")


# --- json ------------------------------------------------------------------------------------


def payload(result: DiffResult) -> dict[str, Any]:
    """The documented JSON shape (``schema_version`` 1)."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "repo": result.repo,
        "base": {"revision": result.base.label, "commit": result.base.commit},
        "head": {"revision": result.head.label, "commit": result.head.commit},
        "summary": {s: result.count(s) for s in (ADDED, REMOVED, CHANGED, UNCHANGED)}
        | {"rendered": sum(1 for app in result.applications if app.rendered)},
        "applications": [_app_json(app) for app in result.applications],
        "notes": result.notes,
        "errors": result.errors,
    }


def _app_json(app: AppChange) -> dict[str, Any]:
    return {
        "name": app.name,
        "namespace": app.namespace,
        "status": app.status,
        "project": app.project,
        "cluster": app.cluster,
        "destination_namespace": app.destination_namespace,
        "sync": app.sync,
        "production": app.production,
        "needs_manual_sync": app.needs_manual_sync,
        "application_set": app.application_set,
        "file": app.file,
        "rendered": app.rendered,
        "spec_diff": app.spec_diff,
        "resources": [
            {
                "group": c.group,
                "kind": c.kind,
                "namespace": c.namespace,
                "name": c.name,
                "status": c.status,
                "hook": c.hook,
                "rendered": c.rendered,
                "diff": c.diff,
            }
            for c in app.resources
        ],
        "notes": app.notes,
        "errors": app.errors,
    }


def as_json(result: DiffResult) -> str:
    return json.dumps(payload(result), indent=2, sort_keys=False)
