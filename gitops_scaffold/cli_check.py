"""The check half's commands, validate and preview: parse, call, print (registered in cli.py)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from gitops_scaffold.cli_support import WorkDirOption, call, color


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


def validate_command(
    directory: Annotated[
        Path,
        typer.Argument(help="The repository to check (default: the current directory).", file_okay=False),
    ] = Path(),
    output: Annotated[
        ReportFormat,
        typer.Option("--output", "-o", help="text for people, json for scripts, sarif for code scanning."),
    ] = ReportFormat.text,
    report_format: Annotated[
        ReportFormat | None, typer.Option("--format", "-f", hidden=True, help="The same as --output.")
    ] = None,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a finding has this severity or worse.")
    ] = FailOn.warning,
    schemas: Annotated[
        Path | None,
        typer.Option("--schemas", help="Argo CD JSON Schemas to use (default: the bundled v3.5.1 set).",
                     file_okay=False, exists=True),
    ] = None,
    helm: Annotated[
        bool | None,
        typer.Option("--helm/--no-helm", help="Lint and render charts with Helm (default: when installed)."),
    ] = None,
    kube_version: Annotated[
        str | None, typer.Option("--kube-version", help="Kubernetes version of the schemas, e.g. 1.33.")
    ] = None,
    repo_url: Annotated[
        list[str] | None,
        typer.Option("--repo-url", help="A URL Applications use for this repository (repeatable)."),
    ] = None,
    production: Annotated[
        str | None, typer.Option("--production", help="Regex matching production Applications' names.")
    ] = None,
    ignore: Annotated[
        list[str] | None, typer.Option("--ignore", help="Skip a rule by id, e.g. GS016 (repeatable).")
    ] = None,
    rules: Annotated[bool, typer.Option("--rules", help="Explain every rule and exit.")] = False,
    repo: WorkDirOption = Path(),
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Text form: print only when something fails the run.")
    ] = False,
) -> None:
    """Check a gitops repository the way Argo CD will see it: schemas, ApplicationSets,
    projects, paths, Helm charts and lint rules; offline."""
    from gitops_scaffold.validate import Options, Severity, reporters, validate

    report_format = report_format or output  # --format: the name of the first release
    if rules:
        typer.echo(reporters.rules_text())
        raise typer.Exit(0)
    options = Options(
        schemas=schemas,
        helm=helm,
        kube_version=kube_version,
        repo_urls=list(repo_url or []),
        production=production,
        ignore={i.strip().upper() for i in ignore or [] if i.strip()},
    )
    as_json = report_format is ReportFormat.json
    report = call(lambda: validate(repo / directory, options), command="validate", json_errors=as_json)
    threshold = None if fail_on is FailOn.never else Severity[fail_on.value]
    if report_format is ReportFormat.json:
        typer.echo(reporters.as_json(report, fail_on=threshold))
    elif report_format is ReportFormat.sarif:
        typer.echo(reporters.sarif(report))
    elif not quiet or report.exit_code(threshold):
        typer.echo(reporters.text(report, fail_on=threshold, color=color()))
    raise typer.Exit(report.exit_code(threshold))


class PreviewFormat(StrEnum):
    table = "table"
    yaml = "yaml"
    json = "json"


def preview_command(
    target: Annotated[
        Path,
        typer.Argument(help="The repository, or one ApplicationSet file in it (default: the current one)."),
    ] = Path(),
    output: Annotated[
        PreviewFormat, typer.Option("--output", "-o", help="table for people, yaml or json for scripts.")
    ] = PreviewFormat.table,
    include_written: Annotated[
        bool, typer.Option("--all", help="Also list the Applications written directly in the repository.")
    ] = False,
    repo: WorkDirOption = Path(),
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Table form: leave out the notes.")] = False,
) -> None:
    """List the Applications every ApplicationSet generates, expanded offline as Argo CD does."""
    from gitops_scaffold.validate import preview as previews

    result = call(
        lambda: previews.preview(repo / target, include_written=include_written),
        command="preview", json_errors=output is PreviewFormat.json,
    )
    if output is PreviewFormat.json:
        typer.echo(previews.as_json(result))
    elif output is PreviewFormat.yaml:
        typer.echo(previews.as_yaml(result), nl=False)
    else:
        typer.echo(previews.as_table(result))
        for note in [] if quiet else result.notes:
            typer.echo(f"note: {note}", err=True)
        for error in result.errors:
            typer.echo(f"scaffold: {error}", err=True)
    raise typer.Exit(result.exit_code)
