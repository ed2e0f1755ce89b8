"""The promotion commands of the CLI: set-image, promote, versions (thin: the work is in
gitops_scaffold/commands/promote.py); cli.py registers them."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gitops_scaffold.cli_support import (
    DryRunOption,
    OutputFormat,
    OutputOption,
    QuietOption,
    RepoOption,
    call,
)

if TYPE_CHECKING:
    from gitops_scaffold.promotion.runner import PinResult

CommitOption = Annotated[bool, typer.Option("--commit", help="Commit the change (one commit) with git.")]
BranchOption = Annotated[
    str | None, typer.Option("--branch", help="Create or switch to this branch first (for a pull request).")
]
PushOption = Annotated[
    bool,
    typer.Option("--push", help="Commit and push; a rejected push re-applies the change on the new head."),
]
RetriesOption = Annotated[int, typer.Option("--retries", help="Pushes to retry after a rejection.")]


def _pin(action: Callable[[], PinResult], command: str, output: OutputFormat, quiet: bool) -> None:
    from gitops_scaffold import output as render_output

    result = call(action, command, json_errors=output is OutputFormat.json)
    if output is OutputFormat.json:
        typer.echo(render_output.pin_json(result))
    else:
        if result.dry_run and result.diff:
            typer.echo(result.diff, nl=False)
        if not quiet:
            typer.echo(render_output.pin_summary(result))
    raise typer.Exit(result.exit_code)


def set_image(
    service: Annotated[str, typer.Argument(help="The service whose image moves.")],
    env: Annotated[str, typer.Option("--env", help="The environment whose values file to edit.")],
    tag: Annotated[str, typer.Option("--tag", help="The image tag to run (never latest).")],
    image: Annotated[str | None, typer.Option("--image", help="Also set image.repository.")] = None,
    digest: Annotated[
        str | None, typer.Option("--digest", help="Also pin image.digest (sha256:...).")
    ] = None,
    commit: CommitOption = False,
    branch: BranchOption = None,
    push: PushOption = False,
    retries: RetriesOption = 3,
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Set a service's image tag (and repository or digest) in one environment's values file."""
    from gitops_scaffold.commands import promote as commands

    steps = commands.GitSteps(commit=commit, branch=branch, push=push, retries=retries)
    _pin(
        lambda: commands.set_image(repo, service, env, tag, image, digest, dry_run, steps),
        "set-image",
        output,
        quiet,
    )


def promote(
    services: Annotated[list[str] | None, typer.Argument(help="Services to promote.")] = None,
    every_service: Annotated[bool, typer.Option("--all", help="Promote every service.")] = False,
    source: Annotated[str, typer.Option("--from", help="Copy the pins from this environment.")] = "",
    target: Annotated[str | None, typer.Option("--to", help="To this one (default: the next).")] = None,
    skip_order: Annotated[bool, typer.Option("--skip-order", help="Allow skipping environments.")] = False,
    commit: CommitOption = False,
    branch: BranchOption = None,
    push: PushOption = False,
    retries: RetriesOption = 3,
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Copy the promotable keys (image.tag) of services from one environment to the next."""
    from gitops_scaffold.commands import promote as commands

    steps = commands.GitSteps(commit=commit, branch=branch, push=push, retries=retries)
    names = list(services or [])
    _pin(
        lambda: commands.promote(repo, names, every_service, source, target, skip_order, dry_run, steps),
        "promote",
        output,
        quiet,
    )


class BoardFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


def versions(
    repo: RepoOption = Path(),
    output: Annotated[
        BoardFormat, typer.Option("--output", "-o", help="table, json or markdown.")
    ] = BoardFormat.table,
) -> None:
    """The board: the image each environment pins, per service; what is behind; what the updater owns."""
    from gitops_scaffold.commands import promote as commands

    as_json = output is BoardFormat.json
    typer.echo(call(lambda: commands.versions(repo, output.value), command="versions", json_errors=as_json))
