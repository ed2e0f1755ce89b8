"""Write a plan all or nothing, or show it as a diff.

Every new file is first written in full to a staging folder on the same file system, then a
journal listing the moves is written and renamed into place (the commit point), then the
moves happen. A command killed before the commit point changes nothing (the next command
clears the staging folder); one killed after it is finished by the next command that
starts (``recover``). The answers file moves last. A lock keeps two commands from
interleaving on one repository.

The staging folder lives in the repository's ``.git`` directory when there is one, so an
interrupted run leaves nothing in the work tree.
"""

from __future__ import annotations

import contextlib
import difflib
import errno
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from gitops_scaffold import disk, progress
from gitops_scaffold.constants import ANSWERS_FILE, JOURNAL
from gitops_scaffold.errors import RepoLockedError, ScaffoldError

LOCK_WAIT_SECONDS = 10.0


class WriteError(ScaffoldError):
    """The disk refused a write; nothing was changed."""


def work_dir(repo: Path) -> Path:
    """Where staging, journal and lock live for ``repo``."""
    git = _git_dir(repo)
    if git is not None:
        return git / "scaffold"
    return repo / ".scaffold" / "txn"


def _git_dir(repo: Path) -> Path | None:
    dot_git = repo / ".git"
    if dot_git.is_dir():
        return dot_git
    if dot_git.is_file():
        text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir:"):
            target = Path(text.removeprefix("gitdir:").strip())
            return target if target.is_absolute() else (repo / target).resolve()
    return None


@contextlib.contextmanager
def locked(repo: Path, wait_seconds: float = LOCK_WAIT_SECONDS) -> Iterator[None]:
    """Hold the repository lock; wait a little for another command, then fail clearly.

    filelock takes an OS lock on the file (flock, or msvcrt's on Windows), so a killed command
    never leaves the repository locked.
    """
    from filelock import FileLock, Timeout

    folder = work_dir(repo)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        lock = FileLock(folder / "lock", timeout=wait_seconds)
        lock.acquire(poll_interval=0.1)
    except Timeout:
        raise RepoLockedError(
            f"{repo}: another scaffold command is working on this repository; "
            "run this one again when it has finished"
        ) from None
    except OSError as exc:
        raise WriteError(f"{repo}: cannot write here ({exc.strerror}); nothing was changed") from None
    try:
        recover(repo)
        yield
    finally:
        lock.release()


def recover(repo: Path) -> bool:
    """Finish a committed transaction left by a killed command, or drop an uncommitted one."""
    folder = work_dir(repo)
    journal = folder / JOURNAL
    staging = folder / "staging"
    finished = False
    if journal.is_file():
        try:
            moves = json.loads(journal.read_text(encoding="utf-8"))["moves"]
        except (ValueError, KeyError):
            moves = []  # a torn journal was never renamed into place, so never committed
        _perform(repo, staging, moves)
        journal.unlink()
        finished = True
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)
    return finished


def apply_writes(repo: Path, writes: dict[str, str | None]) -> list[str]:
    """Write (text) or delete (None) each path; all or nothing. Returns the paths changed."""
    moves = [(p, t) for p, t in sorted(writes.items(), key=_answers_last) if disk.differs(repo, p, t)]
    if not moves:
        return []
    folder = work_dir(repo)
    staging = folder / "staging"
    shutil.rmtree(staging, ignore_errors=True)
    journal_moves: list[list[str | None]] = []
    try:
        staging.mkdir(parents=True)
        for index, (path, text) in enumerate(moves):
            # Each file is synced to disk: thousands of them take seconds (init at scale).
            progress.tick("writing files", index, len(moves))
            _check_inside(repo, path)
            if text is None:
                journal_moves.append([path, None])
                continue
            staged = staging / str(index)
            with staged.open("w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                # Each staged file reaches the disk before the commit point, so after a power
                # cut the journal never names a file whose content was lost (only what this
                # command wrote is flushed, not the whole machine's caches).
                os.fsync(handle.fileno())
            _keep_mode(repo / path, staged)
            journal_moves.append([path, str(index)])
        pending = folder / (JOURNAL + ".tmp")
        with pending.open("w", encoding="utf-8") as handle:
            json.dump({"moves": journal_moves}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        _make_parents(repo, [p for p, t in moves if t is not None])
        _check_movable(repo, staging, [p for p, _ in moves])
        pending.replace(folder / JOURNAL)  # the commit point (a rename: done, or not at all)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        (folder / (JOURNAL + ".tmp")).unlink(missing_ok=True)
        raise WriteError(_write_error_message(repo, exc)) from None
    try:
        _perform(repo, staging, journal_moves)
    except OSError as exc:  # after the commit point: the journal lets the next command finish
        raise WriteError(
            f"{repo}: stopped half-way through writing ({_reason(exc)}); once that is fixed, "
            "any scaffold command (such as `scaffold render`) finishes the change first"
        ) from None
    (folder / JOURNAL).unlink()
    shutil.rmtree(staging, ignore_errors=True)
    return [p for p, _ in moves]


def _answers_last(item: tuple[str, str | None]) -> tuple[int, str]:
    return (1 if item[0] == ANSWERS_FILE else 0, item[0])


def _check_inside(repo: Path, path: str) -> None:
    parts = PurePosixPath(path).parts
    if not parts or PurePosixPath(path).is_absolute() or ".." in parts or ".git" in parts:
        raise WriteError(f"refusing to write {path}: it is outside the repository's work tree")


def _keep_mode(target: Path, staged: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        shutil.copymode(target, staged)


def _make_parents(repo: Path, paths: list[str]) -> None:
    # Created before the commit point: a stray empty folder is the worst a kill can leave.
    for path in paths:
        (repo / path).parent.mkdir(parents=True, exist_ok=True)


def _check_movable(repo: Path, staging: Path, paths: list[str]) -> None:
    """Refuse before the commit point what would make a move fail after it (half a write)."""
    device = staging.stat().st_dev
    for parent in sorted({(repo / path).parent for path in paths}):
        if not os.access(parent, os.W_OK | os.X_OK):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(parent))
        if parent.stat().st_dev != device:
            raise OSError(errno.EXDEV, f"{staging} is on another file system", str(parent))
    for path in paths:
        if (repo / path).is_dir() and not (repo / path).is_symlink():
            raise IsADirectoryError(errno.EISDIR, "a folder is in the way of a file", path)


def _perform(repo: Path, staging: Path, moves: list[list[str | None]]) -> None:
    for path, staged in moves:
        assert path is not None
        target = repo / path
        if staged is None:
            if target.is_file() or target.is_symlink():
                target.unlink()
            _remove_empty_parents(repo, target.parent)
            continue
        source = staging / staged
        if source.exists():  # gone when an earlier recovery already moved it
            if path == ANSWERS_FILE and target.is_symlink():
                _write_through(source, target.resolve())  # the link stays a link
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            source.replace(target)


def _write_through(source: Path, target: Path) -> None:
    """A symlinked scaffold.yaml is written where it points (renamed there when that is on
    the same file system, copied over when it is not)."""
    try:
        source.replace(target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        shutil.copyfile(source, target)
        source.unlink()


def _remove_empty_parents(repo: Path, folder: Path) -> None:
    root = repo.resolve()
    current = folder.resolve()
    while current != root and current.is_relative_to(root):
        try:
            current.rmdir()
        except OSError:
            return
        current = current.parent


def _write_error_message(repo: Path, exc: OSError) -> str:
    where = f" ({exc.filename})" if exc.filename else ""
    return f"{repo}: cannot write{where}: {_reason(exc)}; nothing was changed"


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "permission denied"
    return exc.strerror or str(exc)


# --- showing a plan ------------------------------------------------------------------------


def unified_diff(repo: Path, writes: dict[str, str | None], color: bool = False) -> str:
    """The whole plan as one unified diff, paths relative to the repo (a/ and b/)."""
    chunks: list[str] = []
    for path, text in sorted(writes.items()):
        old = disk.read_text(repo, path)
        if old == text:
            continue
        diff = difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            (text or "").splitlines(keepends=True),
            fromfile="/dev/null" if old is None else f"a/{path}",
            tofile="/dev/null" if text is None else f"b/{path}",
        )
        for line in diff:
            text_line = line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
            chunks.append(_colored(text_line) if color else text_line)
    return "".join(chunks)


def _colored(line: str) -> str:
    if line.startswith(("+++", "---")):
        return f"\x1b[1m{line.rstrip(chr(10))}\x1b[0m\n"
    if line.startswith("+"):
        return f"\x1b[32m{line.rstrip(chr(10))}\x1b[0m\n"
    if line.startswith("-"):
        return f"\x1b[31m{line.rstrip(chr(10))}\x1b[0m\n"
    if line.startswith("@@"):
        return f"\x1b[36m{line.rstrip(chr(10))}\x1b[0m\n"
    return line
