"""One exception root and the documented exit codes.

The CLI maps these to exit codes in one place (``cli.main``); the core raises them with a
message that is already fit for the user, so no traceback is ever shown for a user mistake.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1  # conflicts, lint findings, repo behind templates
EXIT_USAGE = 2  # bad input, bad usage; nothing was written
EXIT_INTERNAL = 3  # a bug: the message names the crash log
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT


class ScaffoldError(Exception):
    """Root of every error the user may see."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class UserInputError(ScaffoldError):
    """Bad answers, bad arguments, a destination that cannot be used."""


class AnswersError(UserInputError):
    """One or more problems in an answers file; each problem is one line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class ConflictError(ScaffoldError):
    """A plan was applied but some files hold conflict markers, or a removal was refused."""

    exit_code = EXIT_FINDINGS


class RepoLockedError(UserInputError):
    """Another scaffold command holds the repository lock."""
