"""Rendered tree vs disk -> what to do with every file, never losing a user's edit.

For each path the decision uses three texts: *base* (what the scaffold wrote last time, from
the record), *current* (the file on disk) and *new* (this render):

====================  =================================  ===========================
current               base / new                         action
====================  =================================  ===========================
missing               no base                            create
missing               base exists                        skip (the user deleted it)
== new                any                                unchanged
== base               new differs                        update
differs from base     new == base                        keep (the user's edit stays)
differs from base     new differs                        merge, or conflict
exists                no base                            blocked (the user's own file)
====================  =================================  ===========================

Paths the scaffold wrote before but no longer renders are deleted when untouched, and kept
(reported) when the user edited them, unless the caller forces their removal.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from gitops_scaffold import disk
from gitops_scaffold.disk import UndecodableFileError
from gitops_scaffold.merge import merge3
from gitops_scaffold.render import Tree
from gitops_scaffold.state import encode_record, record_path

if TYPE_CHECKING:
    from gitops_scaffold.promotion.carry import Carry


class Action(StrEnum):
    CREATE = "created"
    UPDATE = "updated"
    MERGE = "merged"
    CONFLICT = "conflict"
    UNCHANGED = "unchanged"
    KEEP = "kept"  # the user's edit, nothing new from the scaffold
    SKIP_DELETED = "skipped (deleted by you)"
    BLOCKED = "skipped (your file is in the way)"
    DELETE = "deleted"
    KEEP_EDITED = "kept (edited by you, no longer generated)"


WRITES = {Action.CREATE, Action.UPDATE, Action.MERGE, Action.CONFLICT}
NEEDS_ATTENTION = {Action.CONFLICT, Action.BLOCKED, Action.KEEP_EDITED}


@dataclass(frozen=True)
class Change:
    path: str
    action: Action
    old_text: str | None = None  # on disk before
    new_text: str | None = None  # on disk after (None: removed, or untouched)


@dataclass
class Plan:
    changes: list[Change] = field(default_factory=list)
    # Internal files: scaffold's records and the answers file; None deletes.
    internal: dict[str, str | None] = field(default_factory=dict)

    def by_action(self, *actions: Action) -> list[Change]:
        return [c for c in self.changes if c.action in actions]

    @property
    def conflicts(self) -> list[Change]:
        return self.by_action(Action.CONFLICT)

    @property
    def writes(self) -> dict[str, str | None]:
        """Every path to write (text) or delete (None), generated and internal."""
        out: dict[str, str | None] = {}
        for change in self.changes:
            if change.action in WRITES:
                out[change.path] = change.new_text
            elif change.action is Action.DELETE:
                out[change.path] = None
        out.update(self.internal)
        return out


def read_current(repo: Path, path: str) -> str | None:
    """The file on disk (None: missing); raises UndecodableFileError when it is not text."""
    return disk.read_text(repo, path)


def decide(path: str, base: str | None, current: str | None, new: str) -> Change:
    if current is None:
        if base is None:
            return Change(path, Action.CREATE, None, new)
        return Change(path, Action.SKIP_DELETED)
    if current == new:
        return Change(path, Action.UNCHANGED)
    if base is None:
        return Change(path, Action.BLOCKED, current, None)
    if current == base:
        return Change(path, Action.UPDATE, current, new)
    if new == base:
        return Change(path, Action.KEEP)
    merged = merge3(base, current, new)
    action = Action.CONFLICT if merged.conflicts else Action.MERGE
    return Change(path, action, current, merged.text)


def decide_stale(path: str, base: str, current: str | None, force: bool) -> Change | None:
    """A file the scaffold wrote before and no longer renders."""
    if current is None:
        return None
    if current == base or force:
        return Change(path, Action.DELETE, current, None)
    return Change(path, Action.KEEP_EDITED)


def make_plan(
    repo: Path,
    rendered: dict[str, Tree],
    old_records: dict[str, Tree | None],
    stale_keys: Iterable[str] = (),
    force: bool = False,
    carry: Carry | None = None,
) -> Plan:
    """Decide every rendered and stale file; the records to keep come along in ``internal``.

    ``carry`` may rewrite (base, new) of a file before the decision: image pins moved by
    set-image/promote win over the render (promotion/carry.py); the record keeps ``new``.
    """
    plan = Plan()
    rendered_paths: set[str] = set()
    for key, files in rendered.items():
        base_files = old_records.get(key) or {}
        kept: Tree = {}
        for path, new in sorted(files.items()):
            rendered_paths.add(path)
            change = _decide_on_disk(repo, path, base_files.get(path), new, carry)
            plan.changes.append(change)
            if change.action is not Action.BLOCKED:
                kept[path] = new
        for path, base in sorted(base_files.items()):
            if path not in files:
                _add_stale(plan, repo, path, base, force)
        plan.internal[record_path(key)] = encode_record(kept)
    for key in stale_keys:
        for path, base in sorted((old_records.get(key) or {}).items()):
            if path not in rendered_paths:
                _add_stale(plan, repo, path, base, force)
        plan.internal[record_path(key)] = None
    plan.changes.sort(key=lambda c: c.path)
    return plan


def _decide_on_disk(repo: Path, path: str, base: str | None, new: str, carry: Carry | None) -> Change:
    try:
        current = read_current(repo, path)
        base, carried = carry(path, base, current, new) if carry else (base, new)
        return decide(path, base, current, carried)
    except UndecodableFileError:
        if base is None:  # the user's own file is in the way of a generated one
            return Change(path, Action.BLOCKED)
        raise  # a file the scaffold wrote, no longer text: one line, exit 2


def _add_stale(plan: Plan, repo: Path, path: str, base: str, force: bool) -> None:
    try:
        change = decide_stale(path, base, read_current(repo, path), force)
    except UndecodableFileError:  # no longer what the scaffold wrote: the user's now
        change = Change(path, Action.DELETE) if force else Change(path, Action.KEEP_EDITED)
    if change is not None:
        plan.changes.append(change)
