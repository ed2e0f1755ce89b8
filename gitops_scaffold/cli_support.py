"""What every command of the CLI shares: option types, the error mapping, printing a result."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn, TypeVar

import typer

if TYPE_CHECKING:
    from gitops_scaffold.result import Result

T = TypeVar("T")


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


RepoOption = Annotated[
    Path,
    typer.Option(
        "--repo", "-C", help="The scaffolded repository (default: the current directory).", file_okay=False
    ),
]
WorkDirOption = Annotated[
    Path,
    typer.Option(
        "--repo", "-C", help="Run as if started in this folder (paths are relative to it).", file_okay=False
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



def call(action: Callable[[], T], command: str = "scaffold", json_errors: bool = False) -> T:
    """Call the core, mapping its errors to a message and the documented exit code.

    With ``json_errors`` (``-o json``) the error is also a JSON object on stdout, so a script
    reading stdout always gets JSON; the exit code is the same either way.
    """
    from gitops_scaffold import output
    from gitops_scaffold.errors import EXIT_INTERRUPTED, ScaffoldError

    try:
        return action()
    except ScaffoldError as exc:
        _fail(output.error_text(exc.message), exc.message, exc.exit_code, command, json_errors)
    except KeyboardInterrupt:
        _fail("scaffold: interrupted", "interrupted", EXIT_INTERRUPTED, command, json_errors)
    except Exception:  # a bug must still end in a message and a log
        _internal_error(command, json_errors)


def _fail(text: str, message: str, exit_code: int, command: str, json_errors: bool) -> NoReturn:
    from gitops_scaffold import output

    typer.echo(text, err=True)
    if json_errors:
        typer.echo(output.error_json(command, message, exit_code))
    raise typer.Exit(exit_code)


def run(action: Callable[[], Result], output: OutputFormat, quiet: bool, command: str) -> None:
    """Call the core (a progress line on a terminal, unless -q); print the result; exit with its code."""
    from gitops_scaffold import progress

    with progress.shown("scaffold", progress.wanted(quiet)):
        result = call(action, command, json_errors=output is OutputFormat.json)
    _print(result, output, quiet)
    raise typer.Exit(result.exit_code)


def _print(result: Result, output: OutputFormat, quiet: bool) -> None:
    from gitops_scaffold import output as render_output

    if output is OutputFormat.json:
        typer.echo(render_output.as_json(result))
        return
    if result.dry_run and result.diff:
        typer.echo(result.diff, nl=False)
    if not quiet or result.exit_code:
        typer.echo(render_output.summary(result, color=color()))


def color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _internal_error(command: str, json_errors: bool) -> NoReturn:
    from gitops_scaffold.errors import EXIT_INTERNAL
    from gitops_scaffold.output import crash_log_path

    log = crash_log_path()
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc(), encoding="utf-8")
        where = f"; the details are in {log}"
    except OSError:
        where = ""
    message = f"internal error ({sys.exc_info()[1]!r}); this is a bug, please report it{where}"
    _fail(f"scaffold: {message}", message, EXIT_INTERNAL, command, json_errors)



def main(app: typer.Typer, argv: list[str] | None = None) -> None:
    """Run the CLI. With `-o json` a bad command line (a missing or unknown option) is a JSON error
    object on stdout too, as every other failure is: the parser reports those before a command runs."""
    args = sys.argv[1:] if argv is None else argv
    if not _wants_json(args):
        app(args=args)
        return
    from gitops_scaffold import output

    try:
        code = app(args=args, standalone_mode=False)
    except _command_line_errors() as exc:
        show = getattr(exc, "show", None)
        if callable(show):
            show()  # usage and error, as without -o json
        ctx = getattr(exc, "ctx", None)
        command = ctx.info_name if ctx is not None and ctx.parent is not None else "scaffold"
        exit_code = int(getattr(exc, "exit_code", 2))
        format_message = getattr(exc, "format_message", None)
        message = str(format_message()) if callable(format_message) else str(exc)
        typer.echo(output.error_json(command or "scaffold", message, exit_code))
        raise SystemExit(exit_code) from None
    raise SystemExit(code if isinstance(code, int) else 0)


def _command_line_errors() -> tuple[type[Exception], ...]:
    """What the parser raises: typer's own click (its errors derive from TyperException) in recent
    typer releases, the click package's ClickException in older ones."""
    kinds: list[type[Exception]] = []
    vendored = getattr(typer, "TyperException", None)
    if vendored is not None:
        kinds.append(vendored)
    try:
        import click
    except ImportError:
        pass
    else:
        kinds.append(click.ClickException)
    return tuple(kinds)


def _wants_json(args: list[str]) -> bool:
    pairs = zip(args, [*args[1:], ""], strict=True)
    return any(
        (flag in ("-o", "--output", "--format") and value == "json")
        or flag in ("-ojson", "--output=json", "--format=json")
        for flag, value in pairs
    )
