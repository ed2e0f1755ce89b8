"""set-image, promote and versions: build the request and run it (output.py prints the result)."""

from __future__ import annotations

__all__ = ["GitSteps", "PinResult", "promote", "set_image", "versions"]

from pathlib import Path

from gitops_scaffold.errors import UserInputError
from gitops_scaffold.promotion.promote import Promote, Request, SetImage
from gitops_scaffold.promotion.runner import GitSteps, PinResult, run


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
    if not source:
        raise UserInputError("--from: name the environment to promote from")
    request = Promote(tuple(services), every_service, source, target, skip_order)
    return _run(repo, request, dry_run, steps)


def _run(repo: Path, request: Request, dry_run: bool, steps: GitSteps) -> PinResult:
    return run(repo, request, dry_run=dry_run, steps=steps)


def versions(repo: Path, output: str) -> str:
    from gitops_scaffold.promotion import board

    result = board.board(repo)
    render = {"json": board.as_json, "markdown": board.as_markdown}.get(output, board.as_table)
    return render(result)
