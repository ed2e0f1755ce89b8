"""The few git operations the write half needs: is a folder in a repository, init, commit."""

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


def git_commit(repo: Path, message: str) -> None:
    # Only DEST's own files: inside a larger repository, whatever else is staged stays staged.
    for args in (["add", "--all", "--", "."], ["commit", "--quiet", "-m", message, "--", "."]):
        completed = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise UserInputError(
                f"git {args[0]} failed: {completed.stderr.strip() or completed.stdout.strip()}"
            )

