"""The `scaffold` command line: parse, call a command, hand the result to output. Nothing else.

Heavy modules (Jinja, Copier, Helm, pydantic models) are imported inside the commands so that
`scaffold --help` and `scaffold --version` stay quick.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gitops_scaffold import __version__, cli_check, cli_promote, cli_support
from gitops_scaffold.cli_support import (
    DryRunOption,
    ForceOption,
    OutputFormat,
    OutputOption,
    QuietOption,
    RepoOption,
    WorkDirOption,
    call,
    run,
)

if TYPE_CHECKING:
    from gitops_scaffold.result import Result

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


@app.command(epilog="Example: scaffold init gitops-config --answers examples/platform/scaffold.yaml --commit")
def init(
    dest: Annotated[Path, typer.Argument(help="Folder for the new repository (created if missing).")],
    answers: Annotated[
        Path | None, typer.Option("--answers", "-a", help="The answers file (scaffold.yaml) to render.")
    ] = None,
    commit: Annotated[bool, typer.Option("--commit", help="Commit the new files with git.")] = False,
    defaults: Annotated[
        bool, typer.Option("--defaults", help="No questions: the questionnaire's defaults and --data.")
    ] = False,
    data_pairs: Annotated[
        list[str] | None,
        typer.Option("--data", "-d", help="KEY=VALUE: a question or dotted scaffold.yaml key (repeatable)."),
    ] = None,
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Write a new gitops-config repository from an answers file."""
    from gitops_scaffold.commands import init as init_command

    def action() -> Result:
        answers_path = init_command.answers_to_render(dest, answers, defaults, data_pairs or [])
        return init_command.init(dest, answers_path or _questionnaire(dest), dry_run=dry_run, commit=commit)

    run(action, output, quiet, "init")


def _questionnaire(dest: Path) -> Path:
    from gitops_scaffold.errors import UserInputError

    if not sys.stdin.isatty():
        raise UserInputError(
            "no answers file: pass --answers FILE (for example --answers examples/platform/scaffold.yaml), "
            "or --defaults --data repo.url=URL"
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
    from gitops_scaffold.commands import grow

    run(
        lambda: grow.add_service(
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
        "add-service",
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
    from gitops_scaffold.commands import grow

    run(
        lambda: grow.add_env(
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
        "add-env",
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
    from gitops_scaffold.commands import grow

    run(lambda: grow.add_team(repo, name, group, admin=admin, dry_run=dry_run), output, quiet, "add-team")


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
    from gitops_scaffold.commands import grow

    run(
        lambda: grow.add_cluster(
            repo,
            name,
            server,
            eks_cluster_name=eks_cluster_name,
            role_arn=role_arn,
            dry_run=dry_run,
        ),
        output,
        quiet,
        "add-cluster",
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
    from gitops_scaffold.commands import grow

    run(
        lambda: grow.remove_service(repo, name, force=force, dry_run=dry_run), output, quiet, "remove-service"
    )


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
    from gitops_scaffold.commands import grow

    run(lambda: grow.remove_env(repo, name, force=force, dry_run=dry_run), output, quiet, "remove-env")


@app.command(epilog="Example: scaffold render --dry-run")
def render(
    repo: RepoOption = Path(),
    dry_run: DryRunOption = False,
    output: OutputOption = OutputFormat.text,
    quiet: QuietOption = False,
) -> None:
    """Re-render every generated file from scaffold.yaml (after you edit the answers)."""
    from gitops_scaffold.commands import grow

    run(lambda: grow.render_repo(repo, dry_run=dry_run), output, quiet, "render")


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
    from gitops_scaffold.commands import upgrade as upgrade_command
    from gitops_scaffold.errors import UserInputError

    def action() -> Result:
        pins: dict[str, str] = {}
        for pair in addon_chart or []:
            name, sep, version = pair.partition("=")
            if not sep or not name or not version:
                raise UserInputError(f"--addon-chart: expected NAME=VERSION, got {pair!r}")
            pins[name.strip()] = version.strip()
        return upgrade_command.upgrade(repo, argocd_chart=argocd_chart, addon_charts=pins, dry_run=dry_run)

    run(action, output, quiet, "upgrade")


@app.command(epilog="Example: scaffold status || echo 'run scaffold upgrade'")
def status(
    repo: RepoOption = Path(),
    output: OutputOption = OutputFormat.text,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only when the repo is behind.")] = False,
) -> None:
    """What you changed in generated files, and whether the repo is behind (exit 1)."""
    from gitops_scaffold import output as render_output
    from gitops_scaffold.commands import status as status_command

    as_json = output is OutputFormat.json
    report = call(lambda: status_command.status(repo), command="status", json_errors=as_json)
    if output is OutputFormat.json:
        typer.echo(render_output.status_json(report))
    else:
        text = render_output.status_text(report, quiet=quiet)
        if text:
            typer.echo(text)
    raise typer.Exit(report.exit_code)


# --- promotion (cli_promote.py) -------------------------------------------------------------

app.command("set-image", epilog="Example: scaffold set-image orders --env dev --tag v1.5.0 --commit")(
    cli_promote.set_image
)
app.command(epilog="Example: scaffold promote orders payments --from dev --branch promote/staging --commit")(
    cli_promote.promote
)
app.command(epilog="Example: scaffold versions --output markdown")(cli_promote.versions)


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
    repo: WorkDirOption = Path(),
) -> None:
    """Print the resolved answers every template sees (the data `copier copy` of a set needs)."""
    import json

    from gitops_scaffold.commands import data as data_command

    resolved = call(lambda: data_command.print_data(repo / answers), command="data")
    typer.echo(json.dumps({"scaffold": resolved}, indent=2))


# --- the check half (cli_check.py) ----------------------------------------------------------


app.command("validate", epilog="Example: scaffold validate .")(cli_check.validate_command)
app.command("preview", epilog="Example: scaffold preview . --output yaml")(cli_check.preview_command)
app.command("diff", epilog="Example: scaffold diff --base HEAD --output markdown")(cli_check.diff_command)


def main() -> None:
    cli_support.main(app)
