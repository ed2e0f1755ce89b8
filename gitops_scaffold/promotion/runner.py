"""Run a set-image or promote request: lock, compute, write (journaled), then the Git steps.

The edit joins the write path of every other command where it can: the repository lock, the
answers read and validated, the journaled all-or-nothing write of ``apply.py``. What it does
not do is render: values files are seeded, so the change is the positioned edit of the keys,
and ``carry.py`` keeps it through every later render.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gitops_scaffold import answers as answers_file
from gitops_scaffold.apply import apply_writes, locked, unified_diff
from gitops_scaffold.commands.pipeline import existing_repo
from gitops_scaffold.constants import ANSWERS_FILE
from gitops_scaffold.errors import ConflictError, UserInputError
from gitops_scaffold.git import commit_paths
from gitops_scaffold.promotion import gitflow
from gitops_scaffold.promotion.promote import Change, Edit, Request

# A push with retries holds the lock for a while; a second local run waits for it.
PUSH_LOCK_WAIT_SECONDS = 300.0


@dataclass(frozen=True)
class GitSteps:
    commit: bool = False
    branch: str | None = None
    push: bool = False
    retries: int = 3


@dataclass
class PinResult:
    """What a set-image or promote did (or, with --dry-run, would do)."""

    command: str
    repo: Path
    dry_run: bool
    edits: list[Edit] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)
    diff: str = ""
    branch: str | None = None
    commit: str | None = None
    pushed: bool = False
    push_retries: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 0


def run(repo: Path, request: Request, dry_run: bool = False, steps: GitSteps | None = None) -> PinResult:
    steps = steps or GitSteps()
    request.check()
    if steps.retries < 0:
        raise UserInputError(f"--retries: expected 0 or more, got {steps.retries}")
    repo = existing_repo(repo)
    result = PinResult(command=request.command, repo=repo, dry_run=dry_run)
    if dry_run:
        change = _compute(repo, request)
        _record(result, change)
        result.diff = unified_diff(repo, dict(change.texts))
        if steps.commit or steps.push or steps.branch is not None:
            result.notes.append("--dry-run: no branch, commit or push was made")
        return result
    uses_git = steps.commit or steps.push or steps.branch is not None
    if uses_git:
        gitflow.require_repository(repo)
    if steps.push:
        gitflow.require_clean(repo)
    wait = PUSH_LOCK_WAIT_SECONDS if steps.push else None
    with locked(repo) if wait is None else locked(repo, wait_seconds=wait):
        if steps.branch is not None:
            gitflow.switch_branch(repo, steps.branch)
        result.branch = steps.branch or (gitflow.current_branch(repo) if steps.push else None)
        change = _write(repo, request)
        _record(result, change)
        try:
            if change.edits and (steps.commit or steps.push):
                result.commit = commit_paths(repo, sorted(change.texts), request.message(change))
            if steps.push and result.branch is not None and change.edits:
                _push(repo, request, result, steps.retries)
            elif steps.push:
                result.notes.append("nothing changed, so nothing was pushed")
        except UserInputError as exc:
            # The values files are written by now: exit 2 ("nothing written") would be untrue.
            done = "committed locally, not pushed" if result.commit else "changed, not committed"
            raise ConflictError(f"{exc.message}; the values files are {done}") from None
    return result


def _compute(repo: Path, request: Request) -> Change:
    _, answers = answers_file.load(repo / ANSWERS_FILE)
    return request.compute(repo, answers)


def _write(repo: Path, request: Request) -> Change:
    change = _compute(repo, request)
    apply_writes(repo, dict(change.texts))
    return change


def _record(result: PinResult, change: Change) -> None:
    result.edits, result.reports = change.edits, change.reports


def _push(repo: Path, request: Request, result: PinResult, retries: int) -> None:
    assert result.branch is not None

    def redo() -> bool:
        change = _write(repo, request)
        _record(result, change)
        if not change.edits:
            result.commit = None
            result.notes.append("the remote head already had this change; nothing left to push")
            return False
        result.commit = commit_paths(repo, sorted(change.texts), request.message(change))
        return True

    result.push_retries = gitflow.push(repo, result.branch, retries, redo)
    result.pushed = result.commit is not None
