"""set-image, promote and versions: build the request, run it, print the result."""

from __future__ import annotations

__all__ = [
    "GitSteps",
    "PinResult",
    "UserInputError",
    "as_json",
    "promote",
    "set_image",
    "summary",
    "versions",
]

import json
from pathlib import Path

from gitops_scaffold.errors import UserInputError
from gitops_scaffold.promotion.promote import Promote, Request, SetImage
from gitops_scaffold.promotion.runner import GitSteps, PinResult, run

JSON_SCHEMA_VERSION = 1


def set_image(
    repo: Path,
    service: str,
    env: str,
    tag: str,
    repository: str | None,
    digest: str | None,
    dry_run: bool,
    steps: GitSteps,
) -> PinResult:
    return _run(repo, SetImage(service, env, tag, repository, digest), dry_run, steps)


def promote(
    repo: Path,
    services: list[str],
    every_service: bool,
    source: str,
    target: str | None,
    skip_order: bool,
    dry_run: bool,
    steps: GitSteps,
) -> PinResult:
    request = Promote(tuple(services), every_service, source, target, skip_order)
    return _run(repo, request, dry_run, steps)


def _run(repo: Path, request: Request, dry_run: bool, steps: GitSteps) -> PinResult:
    return run(repo, request, dry_run=dry_run, steps=steps)


def as_json(result: PinResult) -> str:
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


def summary(result: PinResult) -> str:
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


def versions(repo: Path, output: str) -> str:
    from gitops_scaffold.promotion import board

    result = board.board(repo)
    render = {"json": board.as_json, "markdown": board.as_markdown}.get(output, board.as_table)
    return render(result)
