"""The few git operations the write half needs: is a folder in a repository, init, identity, commit, run."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitops_scaffold import progress
from gitops_scaffold.errors import UserInputError

# A commit in CI where no identity is configured (a fresh runner) still needs an author.
_FALLBACK_IDENTITY = [
    "-c",
    "user.name=gitops-scaffold",
    "-c",
    "user.email=gitops-scaffold@users.noreply.github.com",
]


def inside_git(path: Path) -> bool:
    return any((parent / ".git").exists() for parent in (path, *path.parents))


def git_top(path: Path) -> Path:
    return next(parent for parent in (path, *path.parents) if (parent / ".git").exists())


def git_init(dest: Path) -> bool:
    if inside_git(dest):
        return True
    try:
        subprocess.run(
            ["git", "init", "--quiet", "--initial-branch=main", str(dest)],
            check=True,
            capture_output=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return False
    return True


def check_git_identity(dest: Path) -> None:
    """`--commit` needs a Git identity; without one, refuse before writing anything."""
    where = next((p for p in (dest, *dest.parents) if p.is_dir()), Path("/"))
    try:
        completed = subprocess.run(
            ["git", "var", "GIT_COMMITTER_IDENT"], cwd=where, capture_output=True, text=True, check=False
        )
    except OSError:
        return  # no git: init says so and does not commit
    if completed.returncode != 0:
        raise UserInputError(
            "--commit: git has no identity to commit with; set one with "
            "`git config --global user.name NAME` and `git config --global user.email EMAIL`, "
            "or run without --commit (nothing was written)"
        )


def git_commit(repo: Path, message: str) -> None:
    # Only DEST's own files: inside a larger repository, whatever else is staged stays staged.
    steps = (["add", "--all", "--", "."], ["commit", "--quiet", "-m", message, "--", "."])
    for done, args in enumerate(steps):
        progress.tick(f"git {args[0]}", done, len(steps))
        completed = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise UserInputError(
                f"git {args[0]} failed: {completed.stderr.strip() or completed.stdout.strip()}"
            )


def run_git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``git ARGS`` in ``repo``; with ``check``, a failure is one line (exit 2) naming the step."""
    try:
        completed = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise UserInputError(f"git: not found on PATH; `git {args[0]}` needs it") from None
    if check and completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip().splitlines()
        raise UserInputError(
            f"git {args[0]} failed: {detail[-1] if detail else 'exit ' + str(completed.returncode)}"
        )
    return completed


def commit_paths(repo: Path, paths: list[str], message: str) -> str:
    """Commit exactly ``paths`` (whatever else is staged stays staged); the new commit's id."""
    configured = run_git(repo, "config", "user.email", check=False).stdout.strip()
    identity = [] if configured else _FALLBACK_IDENTITY
    run_git(repo, "add", "--", *paths)
    run_git(repo, *identity, "commit", "--quiet", "--no-verify", "-m", message, "--", *paths)
    return run_git(repo, "rev-parse", "HEAD").stdout.strip()
