"""How results reach people and scripts: a short summary, a diff, or a JSON envelope.

Every command's JSON carries ``schema_version``; so does the error object a command prints on
stdout with ``-o json`` when it fails (the exit code is the same as in text form).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gitops_scaffold.plan import NEEDS_ATTENTION, Action
from gitops_scaffold.result import Result, Status

if TYPE_CHECKING:
    from gitops_scaffold.promotion.runner import PinResult

JSON_SCHEMA_VERSION = 1
_QUIET_ACTIONS = {Action.UNCHANGED, Action.KEEP}
LIST_LIMIT = 25  # past this many files, a folder table reads better than a list


def as_json(result: Result) -> str:
    payload: dict[str, Any] = {
        "schema_version": JSON_SCHEMA_VERSION,
        "command": result.command,
        "repo": str(result.repo),
        "dry_run": result.dry_run,
        "exit_code": result.exit_code,
        "changes": [
            {"path": c.path, "action": c.action.name.lower()}
            for c in result.plan.changes
            if c.action is not Action.UNCHANGED
        ],
        "attention": result.attention,
        "next_steps": result.next_steps,
        "notes": result.notes,
    }
    if result.dry_run:
        payload["diff"] = result.diff
    return json.dumps(payload, indent=2)


def error_json(command: str, message: str, exit_code: int) -> str:
    """The envelope of a command that failed: what a script reads instead of stderr."""
    payload = {
        "schema_version": JSON_SCHEMA_VERSION,
        "command": command,
        "exit_code": exit_code,
        "error": {"message": message, "lines": message.splitlines()},
    }
    return json.dumps(payload, indent=2)


def crash_log_path() -> Path:
    """Where a bug's traceback goes: the user's cache folder, one file per process."""
    import os

    from platformdirs import user_cache_path

    return user_cache_path("gitops-scaffold") / f"crash-{os.getpid()}.log"


def error_text(message: str) -> str:
    return f"scaffold: {message}".replace("\n", "\nscaffold: ")


def status_json(report: Status) -> str:
    payload = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(report).items()}
    envelope = {"schema_version": JSON_SCHEMA_VERSION, "command": "status", **payload}
    return json.dumps({**envelope, "exit_code": report.exit_code}, indent=2)


def status_text(report: Status, quiet: bool = False) -> str:
    """The files the user changed, and what `upgrade` or `render` would change; -q: only when behind."""
    if quiet and report.exit_code == 0:
        return ""
    lines = [f"scaffold status: {report.repo} (last rendered by gitops-scaffold {report.rendered_by})"]
    for label, paths in (
        ("edited by you", report.modified),
        ("image pins moved by set-image/promote (yours, kept by every render)", report.pinned),
        ("deleted by you", report.deleted),
        ("unresolved conflicts", report.conflicted),
        ("would change on `scaffold upgrade`", report.behind),
    ):
        if paths:
            lines.append(f"  {label}: {len(paths)}")
            lines.append("\n".join(f"    {p}" for p in paths))
    if report.pin_changes:
        lines.append(f"  chart pins moved in generated files (e.g. by Renovate): {len(report.pin_changes)}")
        lines += [f"    {c['path']}: {c['chart']} {c['from']} -> {c['to']}" for c in report.pin_changes]
        options = " ".join(sorted({c["option"] for c in report.pin_changes}))
        lines.append(f"  record them in scaffold.yaml: scaffold upgrade {options}")
    if report.answers_changed:
        lines.append("  scaffold.yaml changed since the last render: run `scaffold render`")
    if report.templates_changed:
        lines.append("  the installed templates are newer than the repo's: run `scaffold upgrade`")
    if report.exit_code == 0:
        lines.append("  up to date")
    return "\n".join(lines)


def pin_json(result: PinResult) -> str:
    """set-image and promote: each key that moved, what was left alone, the Git steps taken."""
    payload = {
        "schema_version": JSON_SCHEMA_VERSION,
        "command": result.command,
        "repo": str(result.repo),
        "dry_run": result.dry_run,
        "exit_code": result.exit_code,
        "changes": [
            {
                "service": e.service,
                "environment": e.env,
                "key": e.key,
                "old": e.old,
                "new": e.new,
                "path": e.path,
            }
            for e in result.edits
        ],
        "left_alone": result.reports,
        "branch": result.branch,
        "commit": result.commit,
        "pushed": result.pushed,
        "push_retries": result.push_retries,
        "notes": result.notes,
    }
    if result.dry_run:
        payload["diff"] = result.diff
    return json.dumps(payload, indent=2)


def pin_summary(result: PinResult) -> str:
    """set-image and promote for people: one line per key that moved, then the Git steps."""
    head = f"scaffold {result.command}: {result.repo}" + (
        " (dry run: nothing written)" if result.dry_run else ""
    )
    lines = [head]
    if result.edits:
        width = max(len(e.service) for e in result.edits)
        key_width = max(len(e.key) for e in result.edits)
        verb = "would change" if result.dry_run else "changed"
        lines.append(f"  {verb}: {len(result.edits)}")
        lines += [
            f"    {e.service.ljust(width)}  {e.key.ljust(key_width)}  {e.env}: "
            f"{e.old or '(unset)'} -> {e.new or '(unset)'}"
            for e in result.edits
        ]
    elif not result.reports:
        lines.append("  nothing to change")
    lines += [f"  {report}" for report in result.reports]
    if result.commit:
        lines.append(f"  committed {result.commit[:12]}" + (f" on {result.branch}" if result.branch else ""))
    if result.pushed:
        retried = f" after {result.push_retries} retr{'y' if result.push_retries == 1 else 'ies'}"
        lines.append(f"  pushed to origin/{result.branch}" + (retried if result.push_retries else ""))
    lines += [f"note: {note}" for note in result.notes]
    return "\n".join(lines)


def summary(result: Result, color: bool = False) -> str:
    """Counts per action, then the paths that changed, most important first."""
    by_action: dict[Action, list[str]] = defaultdict(list)
    for change in result.plan.changes:
        by_action[change.action].append(change.path)
    verb = "would be" if result.dry_run else ""
    lines = [
        f"scaffold {result.command}: {result.repo}"
        + (" (dry run: nothing written)" if result.dry_run else "")
    ]
    order = [a for a in Action if a not in _QUIET_ACTIONS]
    order.sort(key=lambda a: a not in NEEDS_ATTENTION)
    for action in order:
        paths = by_action.get(action, [])
        if not paths:
            continue
        label = f"{verb} {action.value}".strip()
        lines.append(_paint(f"  {label}: {len(paths)}", action, color))
        lines += _listing(paths) if len(paths) > LIST_LIMIT else [f"    {path}" for path in paths]
    quiet = sum(len(by_action.get(a, [])) for a in _QUIET_ACTIONS)
    if quiet:
        lines.append(f"  unchanged or keeping your edits: {quiet}")
    if len(lines) == 1:
        lines.append("  nothing to change")
    if result.plan.conflicts:
        lines.append("Resolve the conflict markers (<<<<<<< ... >>>>>>>) in the files above, then commit.")
    for note in result.notes:
        lines.append(f"note: {note}")
    if result.next_steps and not result.dry_run and result.exit_code == 0:
        lines.append("Next:")
        lines += [f"  {n}. {step}" for n, step in enumerate(result.next_steps, start=1)]
    return "\n".join(lines)


def _listing(paths: list[str]) -> list[str]:
    """Many files as a folder table: each folder with how many files in it (--output json lists all)."""
    groups: dict[str, int] = defaultdict(int)
    for path in paths:
        parts = path.split("/")
        depth = 3 if parts[0] == "apps" else 1
        group = "/".join(parts[:depth]) + "/" if len(parts) > depth else path
        groups[group] += 1
    width = max(len(g) for g in groups)
    return [
        f"    {g.ljust(width)}  {n} file{'s' if n > 1 else ''}" if g.endswith("/") else f"    {g}"
        for g, n in sorted(groups.items())
    ]


def _paint(text: str, action: Action, color: bool) -> str:
    if not color:
        return text
    code = "31" if action in NEEDS_ATTENTION else "33" if action in {Action.MERGE, Action.DELETE} else "32"
    return f"\x1b[{code}m{text}\x1b[0m"
