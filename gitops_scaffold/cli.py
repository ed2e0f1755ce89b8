"""The `scaffold` command line: parse, call the core, print. Nothing else lives here.

Heavy modules (Jinja, Copier, Helm, pydantic models) are imported inside the commands so that
`scaffold --help` and `scaffold --version` stay quick.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

from gitops_scaffold import __version__

if TYPE_CHECKING:
    from gitops_scaffold.operations import Result

EXIT_INTERNAL = 3
T = TypeVar("T")

app = typer.Typer(
    name="scaffold",
    help=(
        "Write and grow a gitops-config repository for Argo CD + Helm.\n\n"
        "Start with `scaffold init DEST --answers scaffold.yaml`, then grow the repo with "
        "`scaffold add-service`, `add-env`, `add-team` and `add-cluster`."
    ),
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


RepoOption = Annotated[
    Path,
    typer.Option(
        "--repo", "-C", help="The scaffolded repository (default: the current directory).", file_okay=False
    ),
]
DryRunOption = Annotated[
    bool, typer.Option("--dry-run", help="Print a unified diff of what would change; write nothing.")
]
OutputOption = Annotated[
    OutputFormat, typer.Option("--output", "-o", help="text for people, json for scripts.")
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Print only problems.")]
ForceOption = Annotated[
    bool, typer.Option("--force", help="Remove generated files even where you edited them.")
]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gitops-scaffold {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit."),
    ] = False,
) -> None:
    """Write and grow a gitops-config repository for Argo CD + Helm."""


def _call(action: Callable[[], T]) -> T:
    """Call the core, mapping its errors to a message and the documented exit code."""
    from gitops_scaffold.errors import ScaffoldError

    try:
        return action()
    except ScaffoldError as exc:
        typer.echo(f"scaffold: {exc.message}".replace("\n", "\nscaffold: "), err=True)
        raise typer.Exit(exc.exit_code) from None
    except KeyboardInterrupt:
        typer.echo("scaffold: interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception:  # a bug must still end in a message and a log
        _internal_error()


def _run(action: Callable[[], Result], output: OutputFormat, quiet: bool) -> None:
    """Call the core; print the result; exit with the result's code."""
    result = _call(action)
    _print(result, output, quiet)
    raise typer.Exit(result.exit_code)


def _print(result: Result, output: OutputFormat, quiet: bool) -> None:
    from gitops_scaffold import output as render_output

    if output is OutputFormat.json:
        typer.echo(render_output.as_json(result))
        return
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if result.dry_run and result.diff:
        typer.echo(result.diff, nl=False)
    if not quiet or result.exit_code:
        typer.echo(render_output.summary(result, color=color))


def _internal_error() -> NoReturn:
    log = Path(tempfile.gettempdir()) / "scaffold-error.log"
    try:
        log.write_text(traceback.format_exc(), encoding="utf-8")
        where = f"; the details are in {log}"
    except OSError:
        where = ""
    typer.echo(
        f"scaffold: internal error ({sys.exc_info()[1]!r}); this is a bug, please report it{where}",
        err=True,
    )
    raise typer.Exit(EXIT_INTERNAL)


@app.command(epilog="Example: scaffold init gitops-config --answers examples/platform/scaffold.yaml --commit")
def init(
    dest: Annotated[Path, typer.Argument(help="Folder for the new repository (created if missing).")],
    answers: Annotated[
        Path | None, typer.Option("--answers", "-a", help="The answers file (scaffold.yaml) to render.")
    ] = None,
    commit: Annotated[bool, typer.Option("--commit", help="Commit the new files with git.")] = False,
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Write a new gitops-config repository from an answers file."""
    from gitops_scaffold import operations

    def action() -> Result:
        answers_path = answers if answers is not None else _questionnaire(dest)
        return operations.init(dest, answers_path, dry_run=dry_run, commit=commit)

    _run(action, output, quiet)


def _questionnaire(dest: Path) -> Path:
    from gitops_scaffold.errors import UserInputError

    if not sys.stdin.isatty():
        raise UserInputError(
            "no answers file: pass --answers FILE (for example --answers examples/platform/scaffold.yaml)"
        )
    from gitops_scaffold.questionnaire import ask

    return ask(dest)


@app.command("add-service", epilog="Example: scaffold add-service cart --team orders --autoscale 2:10")
def add_service(
    name: Annotated[str, typer.Argument(help="Service name (a DNS-1123 label).")],
    team: Annotated[str, typer.Option("--team", help="The team that owns it (must exist).")],
    image: Annotated[str | None, typer.Option(help="Image repository, without tag.")] = None,
    tag: Annotated[str, typer.Option(help="Pinned image tag (`latest` is refused).")] = "0.1.0",
    port: Annotated[int, typer.Option(help="Container port.")] = 8080,
    health_path: Annotated[str, typer.Option(help="HTTP path of the health check.")] = "/health",
    migrations: Annotated[
        bool, typer.Option("--migrations/--no-migrations", help="Run a migration Job before each deploy.")
    ] = False,
    migrations_command: Annotated[
        str | None, typer.Option(help="The migration command (implies --migrations).")
    ] = None,
    autoscale: Annotated[str | None, typer.Option(help="MIN:MAX replicas for an HPA.")] = None,
    ingress_host: Annotated[str | None, typer.Option(help="Expose it on this host.")] = None,
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Add a service: its Helm chart, a values file per environment, its Applications."""
    from gitops_scaffold import operations

    _run(
        lambda: operations.add_service(
            repo,
            name,
            team,
            image=image,
            tag=tag,
            port=port,
            health_path=health_path,
            migrations=migrations,
            migrations_command=migrations_command,
            autoscale=autoscale,
            ingress_host=ingress_host,
            dry_run=dry_run,
        ),
        output,
        quiet,
    )


@app.command("add-env", epilog="Example: scaffold add-env qa --cluster dev --after staging")
def add_env(
    name: Annotated[str, typer.Argument(help="Environment name (a DNS-1123 label).")],
    cluster: Annotated[str, typer.Option("--cluster", help="The cluster it runs on (must exist).")],
    auto_sync: Annotated[
        bool | None, typer.Option("--auto-sync/--no-auto-sync", help="Sync automatically (default: yes).")
    ] = None,
    after: Annotated[
        str | None, typer.Option(help="Place it after this environment (default: before the last).")
    ] = None,
    namespace_suffix: Annotated[
        str | None, typer.Option(help="Service namespace suffix (default: -NAME).")
    ] = None,
    image_updates: Annotated[
        bool, typer.Option("--image-updates", help="Let the image updater bump tags here.")
    ] = False,
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Add an environment in the promotion order: values files, projects, Applications."""
    from gitops_scaffold import operations

    _run(
        lambda: operations.add_env(
            repo,
            name,
            cluster,
            auto_sync=auto_sync,
            after=after,
            namespace_suffix=namespace_suffix,
            image_updates=image_updates,
            dry_run=dry_run,
        ),
        output,
        quiet,
    )


@app.command("add-team", epilog="Example: scaffold add-team search --group search-team")
def add_team(
    name: Annotated[str, typer.Argument(help="Team name (a DNS-1123 label).")],
    group: Annotated[list[str], typer.Option("--group", help="SSO group of the team (repeatable).")],
    admin: Annotated[bool, typer.Option("--admin", help="Make the team Argo CD admins.")] = False,
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Add a team: an AppProject per environment and RBAC roles bound to its groups."""
    from gitops_scaffold import operations

    _run(lambda: operations.add_team(repo, name, group, admin=admin, dry_run=dry_run), output, quiet)


@app.command(
    "add-cluster",
    epilog="Example: scaffold add-cluster eu --server https://eu.eks.example.com "
    "--eks-cluster-name eu-eks --role-arn arn:aws:iam::123456789012:role/argocd",
)
def add_cluster(
    name: Annotated[str, typer.Argument(help="Cluster name (a DNS-1123 label).")],
    server: Annotated[str, typer.Option("--server", help="The cluster's API server URL.")],
    eks_cluster_name: Annotated[str | None, typer.Option(help="EKS cluster name.")] = None,
    role_arn: Annotated[str | None, typer.Option(help="IAM role Argo CD assumes.")] = None,
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Register a cluster with Argo CD, with no credential in Git."""
    from gitops_scaffold import operations

    _run(
        lambda: operations.add_cluster(
            repo,
            name,
            server,
            eks_cluster_name=eks_cluster_name,
            role_arn=role_arn,
            dry_run=dry_run,
        ),
        output,
        quiet,
    )


@app.command("remove-service", epilog="Example: scaffold remove-service payments --dry-run")
def remove_service(
    name: Annotated[str, typer.Argument(help="The service to remove.")],
    force: ForceOption = False,
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Remove a service and the files the scaffold wrote for it (never files you added)."""
    from gitops_scaffold import operations

    _run(lambda: operations.remove_service(repo, name, force=force, dry_run=dry_run), output, quiet)


@app.command("remove-env", epilog="Example: scaffold remove-env staging --dry-run")
def remove_env(
    name: Annotated[str, typer.Argument(help="The environment to remove.")],
    force: ForceOption = False,
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Remove an environment: its values files, projects and Applications."""
    from gitops_scaffold import operations

    _run(lambda: operations.remove_env(repo, name, force=force, dry_run=dry_run), output, quiet)


@app.command(epilog="Example: scaffold render --dry-run")
def render(
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Re-render every generated file from scaffold.yaml (after you edit the answers)."""
    from gitops_scaffold import operations

    _run(lambda: operations.render_repo(repo, dry_run=dry_run), output, quiet)


@app.command(epilog="Example: scaffold upgrade --argocd-chart 10.2.0 --dry-run")
def upgrade(
    argocd_chart: Annotated[
        str | None, typer.Option(help="Pin Argo CD's Helm chart to this version.")
    ] = None,
    addon_chart: Annotated[
        list[str] | None,
        typer.Option(help="Pin an add-on's chart: NAME=VERSION (repeatable)."),
    ] = None,
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Bring the repo to the installed templates (and new pins), keeping your edits."""
    from gitops_scaffold import operations
    from gitops_scaffold.errors import UserInputError

    def action() -> Result:
        pins: dict[str, str] = {}
        for pair in addon_chart or []:
            name, sep, version = pair.partition("=")
            if not sep or not name or not version:
                raise UserInputError(f"--addon-chart: expected NAME=VERSION, got {pair!r}")
            pins[name.strip()] = version.strip()
        return operations.upgrade(repo, argocd_chart=argocd_chart, addon_charts=pins, dry_run=dry_run)

    _run(action, output, quiet)


@app.command(epilog="Example: scaffold status || echo 'run scaffold upgrade'")
def status(
    repo: RepoOption = Path(),
    output: OutputOption = OutputFormat.text,
) -> None:
    """What you changed in generated files, and whether the repo is behind (exit 1)."""
    import json

    from gitops_scaffold import operations

    report = _call(lambda: operations.status(repo))
    if output is OutputFormat.json:
        payload = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(report).items()}
        typer.echo(json.dumps({**payload, "exit_code": report.exit_code}, indent=2))
        raise typer.Exit(report.exit_code)
    typer.echo(f"scaffold status: {report.repo} (last rendered by gitops-scaffold {report.rendered_by})")
    for label, paths in (
        ("edited by you", report.modified),
        ("image pins moved by set-image/promote (yours, kept by every render)", report.pinned),
        ("deleted by you", report.deleted),
        ("unresolved conflicts", report.conflicted),
        ("would change on `scaffold upgrade`", report.behind),
    ):
        if paths:
            typer.echo(f"  {label}: {len(paths)}")
            typer.echo("\n".join(f"    {p}" for p in paths))
    if report.answers_changed:
        typer.echo("  scaffold.yaml changed since the last render: run `scaffold render`")
    if report.templates_changed:
        typer.echo("  the installed templates are newer than the repo's: run `scaffold upgrade`")
    if report.exit_code == 0:
        typer.echo("  up to date")
    raise typer.Exit(report.exit_code)


# --- promotion: set-image, promote, versions (gitops_scaffold/commands/promote.py) ----------

CommitOption = Annotated[bool, typer.Option("--commit", help="Commit the change (one commit) with git.")]
BranchOption = Annotated[
    str | None, typer.Option("--branch", help="Create or switch to this branch first (for a pull request).")
]
PushOption = Annotated[
    bool,
    typer.Option("--push", help="Commit and push; a rejected push re-applies the change on the new head."),
]
RetriesOption = Annotated[int, typer.Option("--retries", help="Pushes to retry after a rejection.")]


def _pin(action: Callable[[], object], output: OutputFormat, quiet: bool) -> None:
    from gitops_scaffold.commands import promote as commands

    result = _call(action)
    assert isinstance(result, commands.PinResult)
    if output is OutputFormat.json:
        typer.echo(commands.as_json(result))
    else:
        if result.dry_run and result.diff:
            typer.echo(result.diff, nl=False)
        if not quiet:
            typer.echo(commands.summary(result))
    raise typer.Exit(result.exit_code)


@app.command("set-image", epilog="Example: scaffold set-image orders --env dev --tag v1.5.0 --commit")
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
    _pin(lambda: commands.set_image(repo, service, env, tag, image, digest, dry_run, steps), output, quiet)


@app.command(epilog="Example: scaffold promote orders payments --from dev --branch promote/staging --commit")
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

    def action() -> object:
        if not source:
            raise commands.UserInputError("--from: name the environment to promote from")
        return commands.promote(repo, names, every_service, source, target, skip_order, dry_run, steps)

    _pin(action, output, quiet)


class BoardFormat(StrEnum):
    table = "table"
    json = "json"
    markdown = "markdown"


@app.command(epilog="Example: scaffold versions --output markdown")
def versions(
    repo: RepoOption = Path(),
    output: Annotated[
        BoardFormat, typer.Option("--output", "-o", help="table, json or markdown.")
    ] = BoardFormat.table,
) -> None:
    """The board: the image each environment pins, per service; what is behind; what the updater owns."""
    from gitops_scaffold.commands import promote as commands

    typer.echo(_call(lambda: commands.versions(repo, output.value)))


@app.command(epilog="Example: scaffold schema > scaffold.schema.json")
def schema() -> None:
    """Print the JSON Schema of scaffold.yaml (for editors and CI)."""
    import json

    from gitops_scaffold.answers import json_schema

    typer.echo(json.dumps(json_schema(), indent=2))


@app.command(epilog="Example: scaffold data --answers scaffold.yaml > data.yml")
def data(
    answers: Annotated[Path, typer.Option("--answers", "-a", help="The answers file.")] = Path(
        "scaffold.yaml"
    ),
) -> None:
    """Print the resolved answers every template sees (the data `copier copy` of a set needs)."""
    import json

    from gitops_scaffold import operations

    resolved = _call(lambda: operations.print_data(answers))
    typer.echo(json.dumps({"scaffold": resolved}, indent=2))


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    sarif = "sarif"


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


@app.command("validate", epilog="Example: scaffold validate .")
def validate_command(
    directory: Annotated[
        Path,
        typer.Argument(help="The repository to check (default: the current directory).", file_okay=False),
    ] = Path(),
    report_format: Annotated[
        ReportFormat,
        typer.Option("--format", "-f", help="text for people, json for scripts, sarif for code scanning."),
    ] = ReportFormat.text,
    fail_on: Annotated[
        FailOn, typer.Option("--fail-on", help="Exit 1 when a finding has this severity or worse.")
    ] = FailOn.warning,
    schemas: Annotated[
        Path | None,
        typer.Option(
            "--schemas",
            help="Argo CD JSON Schemas to use (default: the bundled v3.5.1 set).",
            file_okay=False,
            exists=True,
        ),
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
) -> None:
    """Check a gitops repository the way Argo CD will see it: schemas, ApplicationSets,
    projects, paths, Helm charts and lint rules; offline."""
    from gitops_scaffold.validate import Options, Severity, reporters, validate

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
    report = _call(lambda: validate(directory, options))
    threshold = None if fail_on is FailOn.never else Severity[fail_on.value]
    if report_format is ReportFormat.json:
        typer.echo(reporters.as_json(report, fail_on=threshold))
    elif report_format is ReportFormat.sarif:
        typer.echo(reporters.sarif(report))
    else:
        color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
        typer.echo(reporters.text(report, fail_on=threshold, color=color))
    raise typer.Exit(report.exit_code(threshold))


class PreviewFormat(StrEnum):
    table = "table"
    yaml = "yaml"
    json = "json"


@app.command("preview", epilog="Example: scaffold preview . --output yaml")
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
) -> None:
    """List the Applications every ApplicationSet generates, expanded offline as Argo CD does."""
    from gitops_scaffold import preview as previews

    result = _call(lambda: previews.preview(target, include_written=include_written))
    if output is PreviewFormat.json:
        typer.echo(previews.as_json(result))
    elif output is PreviewFormat.yaml:
        typer.echo(previews.as_yaml(result), nl=False)
    else:
        typer.echo(previews.as_table(result))
        for note in result.notes:
            typer.echo(f"note: {note}", err=True)
        for error in result.errors:
            typer.echo(f"scaffold: {error}", err=True)
    raise typer.Exit(result.exit_code)


def main() -> None:
    app()
