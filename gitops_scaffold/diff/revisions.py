"""The two sides of a diff, each read from one place only: a Git revision unpacked into a
temporary directory (``git archive``, so nothing of the work tree leaks in), or the work tree
itself (uncommitted edits included) when no head revision is given.
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from gitops_scaffold.errors import UserInputError

WORK_TREE = "work tree"
SHM = "/dev/shm"


@dataclass(frozen=True)
class Checkout:
    """One side: the directory holding the Argo CD repository, and what it was read from."""

    root: Path
    label: str  # the revision as given, or "work tree"
    commit: str | None  # the resolved commit (None for the work tree)


@dataclass(frozen=True)
class Repository:
    toplevel: Path  # the Git work tree's top
    prefix: str  # DIR inside it ("" or "sub/dir/")
    remote_urls: tuple[str, ...]


def open_repository(directory: Path) -> Repository:
    """The Git repository ``directory`` is in; one clear error when it is not in one."""
    if not directory.is_dir():
        raise UserInputError(f"{directory} is not a directory")
    top = _git(directory, "rev-parse", "--show-toplevel")
    if top is None:
        raise UserInputError(f"{directory} is not in a Git repository (scaffold diff compares revisions)")
    prefix = _git(directory, "rev-parse", "--show-prefix") or ""
    remotes = (_git(directory, "remote", "-v") or "").splitlines()
    urls = sorted({line.split()[1] for line in remotes if len(line.split()) >= 2})
    return Repository(Path(top.strip()), prefix.strip(), tuple(urls))


def resolve_commit(repo: Repository, revision: str, role: str) -> str:
    """The commit ``revision`` names; a missing one explained (a shallow clone says so)."""
    if revision.startswith("-"):
        raise UserInputError(f"--{role} {revision!r} is not a revision")
    commit = _git(repo.toplevel, "rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}")
    if commit:
        return commit.strip()
    if (_git(repo.toplevel, "rev-parse", "--is-shallow-repository") or "").strip() == "true":
        raise UserInputError(
            f"--{role} {revision!r} is not in this shallow clone: fetch the history "
            "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
        )
    if revision == "HEAD":
        raise UserInputError(f"{repo.toplevel} has no commit yet: commit once, or pass --base")
    raise UserInputError(f"--{role} {revision!r} is not a revision of {repo.toplevel}")


@contextmanager
def checkout(repo: Repository, revision: str | None, role: str) -> Iterator[Checkout]:
    """The Argo CD repository at ``revision`` (None: the work tree), removed afterwards."""
    if revision is None:
        yield Checkout(repo.toplevel / repo.prefix, WORK_TREE, None)
        return
    commit = resolve_commit(repo, revision, role)
    data = _archive(repo, commit)
    with tempfile.TemporaryDirectory(prefix=f"scaffold-diff-{role}-", dir=_scratch(len(data))) as tmp:
        if data:
            with tarfile.open(fileobj=io.BytesIO(data)) as archive:
                archive.extractall(tmp, filter="data")
        root = Path(tmp) / repo.prefix
        root.mkdir(parents=True, exist_ok=True)  # DIR did not exist at that revision: empty side
        yield Checkout(root, revision, commit)


def _archive(repo: Repository, commit: str) -> bytes:
    """A tar of every file of ``commit`` below the prefix (b"" when the prefix is not there)."""
    args = ["git", "-C", str(repo.toplevel), "archive", "--format=tar", commit]
    if repo.prefix:
        if not _git(repo.toplevel, "ls-tree", "-d", "--name-only", commit, repo.prefix.rstrip("/")):
            return b""
        args.append(repo.prefix)
    try:
        return subprocess.run(args, capture_output=True, check=True, timeout=600).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise UserInputError(f"cannot read {commit[:12]} from {repo.toplevel}: {exc}") from None


def _scratch(size: int) -> str | None:
    """Where to unpack a revision: memory-backed /dev/shm when it has room (creating and removing
    thousands of small files on a busy disk costs more than the whole diff), unless TMPDIR says
    otherwise; None for the default temporary directory."""
    if os.environ.get("TMPDIR") or not Path(SHM).is_dir():
        return None
    try:
        stat = os.statvfs(SHM)
    except OSError:
        return None
    room = stat.f_bavail * stat.f_frsize
    return SHM if os.access(SHM, os.W_OK) and room > 4 * size + 256 * 2**20 else None


def _git(cwd: Path, *args: str) -> str | None:
    """The output of a git command, or None when it fails (or git is missing)."""
    try:
        done = subprocess.run(
            ["git", "-C", str(cwd), *args], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None
