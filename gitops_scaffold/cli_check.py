"""The check half's commands, validate, preview and diff: parse, call, print (registered in cli.py)."""

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
    github = "github"
    junit = "junit"


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
        typer.Option(
            "--output", "-o",
            help="text for people, json for scripts, sarif for code scanning, github for workflow "
            "annotations, junit for test reports.",
        ),
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
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Check everything anew: no report or "
                        "render reused from earlier runs (the user cache folder; SCAFFOLD_CACHE_DIR "
                        "moves it).")] = False,
    repo: WorkDirOption = Path(),
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet", "-q", help="No progress line; text form: print only when something fails the run."
        ),
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
        cache=not no_cache,
    )
    as_json = report_format is ReportFormat.json
    from gitops_scaffold import progress

    with progress.shown("scaffold validate", progress.wanted(quiet)):
        report = call(lambda: validate(repo / directory, options), command="validate", json_errors=as_json)
    threshold = None if fail_on is FailOn.never else Severity[fail_on.value]
    if report_format is ReportFormat.json:
        typer.echo(reporters.as_json(report, fail_on=threshold))
    elif report_format is ReportFormat.sarif:
        typer.echo(reporters.sarif(report))
    elif report_format is ReportFormat.github:
        typer.echo(reporters.github(report, prefix=_relative_to_cwd(repo / directory)))
        typer.echo(reporters.text(report, fail_on=threshold, explain=False).splitlines()[-1])
    elif report_format is ReportFormat.junit:
        typer.echo(reporters.junit(report, fail_on=threshold))
    elif not quiet or report.exit_code(threshold):
        typer.echo(reporters.text(report, fail_on=threshold, color=color()))
    raise typer.Exit(report.exit_code(threshold))


def _relative_to_cwd(directory: Path) -> str:
    """The checked folder as GitHub names files (relative to the workspace), or "" outside it."""
    try:
        return directory.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return ""


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
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress line; table form: leave out the notes.")
    ] = False,
) -> None:
    """List the Applications every ApplicationSet generates, expanded offline as Argo CD does."""
    from gitops_scaffold import progress
    from gitops_scaffold.validate import preview as previews

    with progress.shown("scaffold preview", progress.wanted(quiet)):
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


class DiffFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


def diff_command(
    directory: Annotated[
        Path, typer.Argument(help="The repository (default: the current directory).", file_okay=False)
    ] = Path(),
    base: Annotated[str, typer.Option("--base", help="The revision to compare against.")] = "HEAD",
    head: Annotated[
        str | None, typer.Option("--head", help="The new revision (default: the work tree).")
    ] = None,
    output: Annotated[
        DiffFormat,
        typer.Option("--output", "-o", help="text for people, markdown for a PR comment, json for scripts."),
    ] = DiffFormat.text,
    exit_code: Annotated[
        bool, typer.Option("--exit-code", help="Exit 1 when anything differs or could not be rendered.")
    ] = False,
    charts: Annotated[
        Path | None, typer.Option("--charts", help="Pulled archives of remote charts (helm pull).")
    ] = None,
    repo: WorkDirOption = Path(),
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Text form: names only, no diff bodies.")
    ] = False,
) -> None:
    """What a change does to every Application, resource by resource: two revisions rendered offline."""
    from gitops_scaffold.commands import diff as diff_run

    printed, code = call(
        lambda: diff_run.run(
            repo / directory,
            base=base,
            head=head,
            output=output.value,
            exit_code=exit_code,
            charts=None if charts is None else repo / charts,
            quiet=quiet,
            color=color(),
        ),
        command="diff",
        json_errors=output is DiffFormat.json,
    )
    typer.echo(printed)
    raise typer.Exit(code)
