"""The few git operations the write half needs: is a folder in a repository, init, identity, commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

from gitops_scaffold.errors import UserInputError


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
    for args in (["add", "--all", "--", "."], ["commit", "--quiet", "-m", message, "--", "."]):
        completed = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise UserInputError(
                f"git {args[0]} failed: {completed.stderr.strip() or completed.stdout.strip()}"
            )

