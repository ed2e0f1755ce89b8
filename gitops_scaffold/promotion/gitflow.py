"""The Git steps CI needs around a pin change: branch, one commit, push that survives a race.

Parallel CI jobs (one per application repository) push to the same gitops repository; all but
the first are rejected as non-fast-forward. A textual rebase of a values-file edit onto a head
that moved the same file can conflict, so a rejected push instead fetches, resets to the new
remote head, re-computes the *same semantic change* there (the request runs again), commits
and pushes again, up to ``retries`` times.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

from gitops_scaffold.errors import ConflictError, UserInputError
from gitops_scaffold.git import run_git as git

REMOTE = "origin"
_REJECTED = ("[rejected]", "non-fast-forward", "fetch first", "failed to update ref", "cannot lock ref")


def require_repository(repo: Path) -> None:
    if git(repo, "rev-parse", "--is-inside-work-tree", check=False).returncode != 0:
        raise UserInputError(f"{repo}: not a Git work tree; --commit, --branch and --push need one")


def require_clean(repo: Path) -> None:
    """A push retry resets to the remote head: only safe when nothing else is uncommitted."""
    dirty = git(repo, "status", "--porcelain", "--untracked-files=no").stdout.splitlines()
    if dirty:
        raise UserInputError(
            f"{repo}: --push needs a clean work tree (a retry resets to the remote head); "
            f"commit or stash first: {dirty[0].strip()}"
        )


def current_branch(repo: Path) -> str:
    completed = git(repo, "symbolic-ref", "--quiet", "--short", "HEAD", check=False)
    if completed.returncode != 0:
        raise UserInputError(f"{repo}: HEAD is detached; give --branch NAME to push to")
    return completed.stdout.strip()


def switch_branch(repo: Path, branch: str) -> None:
    """Switch to ``branch``: the local one, else the remote one, else a new one from HEAD."""
    if git(repo, "check-ref-format", "--branch", branch, check=False).returncode != 0:
        raise UserInputError(f"--branch: {branch!r} is not a valid branch name")
    if git(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False).returncode == 0:
        git(repo, "switch", "--quiet", branch)
        return
    remote = f"refs/remotes/{REMOTE}/{branch}"
    if git(repo, "rev-parse", "--verify", "--quiet", remote, check=False).returncode == 0:
        git(repo, "switch", "--quiet", "-c", branch, "--track", f"{REMOTE}/{branch}")
        return
    git(repo, "switch", "--quiet", "-c", branch)


def push(repo: Path, branch: str, retries: int, redo: Callable[[], bool]) -> int:
    """Push HEAD to ``branch``; on a rejection fetch, reset, ``redo()`` and push again.

    ``redo`` re-applies and commits the change on the fetched head; False means the change is
    already there (another job made it), so nothing is left to push. Returns the retries used.
    """
    for attempt in range(retries + 1):
        completed = git(repo, "push", "--porcelain", REMOTE, f"HEAD:refs/heads/{branch}", check=False)
        if completed.returncode == 0:
            return attempt
        output = completed.stderr + completed.stdout
        if not any(marker in output for marker in _REJECTED):
            raise UserInputError(f"git push failed: {_last_line(output)}")
        if attempt == retries:
            break
        time.sleep(random.uniform(0.1, 0.5) * (attempt + 1))
        git(repo, "fetch", "--quiet", REMOTE, f"refs/heads/{branch}")
        git(repo, "reset", "--quiet", "--hard", "FETCH_HEAD")
        if not redo():
            return attempt + 1
    raise ConflictError(
        f"git push to {REMOTE}/{branch} was rejected {retries + 1} times (the branch keeps moving); "
        "the change is committed locally: run again, or raise --retries"
    )


def _last_line(output: str) -> str:
    lines = [line for line in output.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "no output"
