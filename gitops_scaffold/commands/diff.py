"""`scaffold diff`: compare two revisions, print the report, exit with the documented code."""

from __future__ import annotations

from pathlib import Path

EXIT_SAME, EXIT_DIFFERS = 0, 1


def run(
    directory: Path,
    *,
    base: str,
    head: str | None,
    output: str,
    exit_code: bool,
    charts: Path | None,
    quiet: bool,
    color: bool,
) -> tuple[str, int]:
    """The report to print and the exit code (1 with ``exit_code`` when anything differs or
    could not be rendered)."""
    from gitops_scaffold.diff import Options, diff, report

    result = diff(directory, Options(base=base, head=head, charts=charts))
    if output == "json":
        printed = report.as_json(result)
    elif output == "markdown":
        printed = report.markdown(result)
    else:
        printed = report.text(result, color=color, quiet=quiet)
    incomplete = bool(result.errors) or any(app.errors for app in result.applications)
    return printed, EXIT_DIFFERS if exit_code and (result.differs or incomplete) else EXIT_SAME

