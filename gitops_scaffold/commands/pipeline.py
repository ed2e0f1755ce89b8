"""The one path every write command takes: answers -> model -> render -> plan -> apply.

``run`` reads and validates ``scaffold.yaml``, changes the answers as text (so the user's
comments stay), validates again, renders the template-set instances the change touches, plans
against the disk and the record of the last render, and applies the plan all or nothing.
Nothing here edits a generated file in place.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gitops_scaffold import answers as answers_file
from gitops_scaffold import ingress_choice, migrations
from gitops_scaffold.answers import Document
from gitops_scaffold.apply import apply_writes, locked, unified_diff
from gitops_scaffold.constants import ANSWERS_FILE, META_FILE, STATE_DIR
from gitops_scaffold.context import resolve, resolve_environments
from gitops_scaffold.errors import AnswersError, ConflictError, UserInputError
from gitops_scaffold.model import Answers
from gitops_scaffold.plan import Action, Plan, make_plan
from gitops_scaffold.promotion.carry import pin_carrier
from gitops_scaffold.render import SETS, render
from gitops_scaffold.result import Result
from gitops_scaffold.state import encode_meta, is_scaffolded, load_record, recorded_keys

# Managed sets are re-rendered on every change; seeded ones (a service's files) only for it.
MANAGED_SETS = tuple(spec.name for spec in SETS if not spec.seeded)
ALL_SETS = tuple(spec.name for spec in SETS)


# --- scopes: which template-set instances a command renders ------------------------------


Wanted = Callable[[str], bool]


def managed(key: str) -> bool:
    return key.split("/", 1)[0] in MANAGED_SETS


def managed_or(*extra: Wanted) -> Wanted:
    return lambda key: managed(key) or any(w(key) for w in extra)


def service_keys(name: str) -> Wanted:
    return lambda key: key == f"service/{name}" or key.startswith(f"service_env/{name}/")



# --- the one path every command takes ----------------------------------------------------


def run(
    command: str,
    repo: Path,
    change_answers: Callable[[Document, Answers], str] | None,
    wanted: Wanted | None,
    stale_prefixes: Callable[[Answers], tuple[str, ...]],
    dry_run: bool,
    force_removal: bool | None = None,
    guard_environments: bool = True,
    migrate: bool = False,
) -> Result:
    repo = existing_repo(repo)
    with contextlib.nullcontext() if dry_run else locked(repo):
        path = repo / ANSWERS_FILE
        disk_text = answers_file.read_text(path)
        doc = answers_file.parse(path, disk_text)
        notes: list[str] = []
        if migrate:
            doc, notes = migrations.migrate(doc)
        else:
            migrations.refuse_old(doc)
        old = answers_file.validate(doc)
        changed = doc.text if change_answers is None else change_answers(doc, old)
        # The default controller decides only once: an absent key is written as what runs.
        changed, recorded = ingress_choice.record(path, changed, ingress_choice.running_controller(repo))
        new_text = _same_line_endings(disk_text, changed) if changed != doc.text else doc.text
        new = _validate_change(repo / ANSWERS_FILE, new_text, changed=new_text != doc.text)
        if guard_environments:
            _refuse_environment_drift(old, new)
        rendered = render(resolve(new), wanted)
        stale = [k for k in recorded_keys(repo, stale_prefixes(old)) if k not in rendered]
        records = {key: load_record(repo, key) for key in (*rendered, *stale)}
        plan = make_plan(repo, rendered, records, stale, force=bool(force_removal), carry=pin_carrier(new))
        if new_text != disk_text:
            plan.internal[ANSWERS_FILE] = new_text
        plan.internal[META_FILE] = encode_meta(new_text)
        if force_removal is False:
            _refuse_edited_removals(plan)
        _refuse_unresolved_conflicts(plan)
        result = finish(command, repo, plan, dry_run)
        result.notes += [*notes, *([recorded] if recorded else [])]
        return result


def _same_line_endings(before: str, after: str) -> str:
    """An edit of a CRLF scaffold.yaml keeps it CRLF (the edits insert plain newlines)."""
    if "\r\n" not in before:
        return after
    return after.replace("\r\n", "\n").replace("\n", "\r\n")


def _validate_change(path: Path, new_text: str, changed: bool) -> Answers:
    """The answers after the command's change; a problem the change causes is said as such."""
    try:
        return answers_file.validate(answers_file.parse(path, new_text))
    except AnswersError as exc:
        if not changed:
            raise
        # The lines are those of the text the command would write, not of the file on disk.
        problems = [re.sub(r"^.*?:\d+: ", "", problem, count=1) for problem in exc.problems]
        raise AnswersError([f"this change would make {path} invalid: {p}" for p in problems]) from None


def finish(command: str, repo: Path, plan: Plan, dry_run: bool) -> Result:
    result = Result(command=command, repo=repo, plan=plan, dry_run=dry_run)
    if dry_run:
        shown = {p: t for p, t in plan.writes.items() if not p.startswith(f"{STATE_DIR}/")}
        result.diff = unified_diff(repo, shown)
    else:
        apply_writes(repo, plan.writes)
    return result


def existing_repo(repo: Path) -> Path:
    repo = repo.resolve()
    try:
        found = (repo / ANSWERS_FILE).is_file()
    except PermissionError:
        raise UserInputError(f"{repo}: permission denied; cannot read this folder") from None
    if not found:
        raise UserInputError(
            f"{repo}: no {ANSWERS_FILE} here; run this in a repository made by "
            f"`scaffold init`, or name one with --repo DIR"
        )
    if not is_scaffolded(repo):
        raise UserInputError(
            f"{repo}: {ANSWERS_FILE} exists but {META_FILE} does not, so the scaffold's record "
            "of what it wrote is missing; restore .scaffold/ from Git"
        )
    return repo


def _refuse_edited_removals(plan: Plan) -> None:
    edited = plan.by_action(Action.KEEP_EDITED)
    if edited:
        listing = ", ".join(c.path for c in edited)
        raise ConflictError(
            f"refusing to remove files you edited: {listing}; nothing was changed "
            "(keep a copy and run again with --force to remove them anyway)"
        )


def _refuse_unresolved_conflicts(plan: Plan) -> None:
    """A file still holding the markers of the last conflict is not merged again (the second
    marker block would nest inside the first); the user resolves it first."""
    from gitops_scaffold.merge import has_conflict_markers

    unresolved = [
        c.path
        for c in plan.changes
        if c.action in {Action.MERGE, Action.CONFLICT} and c.old_text and has_conflict_markers(c.old_text)
    ]
    if unresolved:
        raise UserInputError(
            f"resolve first: {', '.join(unresolved)} still hold{'s' if len(unresolved) == 1 else ''} "
            "conflict markers from the last command; edit the file(s) to keep what you want and "
            "remove the <<<<<<< ======= >>>>>>> lines, then run this command again (nothing was changed)"
        )


def _refuse_environment_drift(old: Answers, new: Answers) -> None:
    """A change must not silently make another environment production, or move its namespaces."""
    before = {e["name"]: e for e in resolve_environments(old)}
    for env in resolve_environments(new):
        was = before.get(env["name"])
        if was is None:
            continue
        for key in ("production", "auto_sync", "namespace_suffix"):
            if was[key] != env[key]:
                raise UserInputError(
                    f"this change would alter environment {env['name']!r}: {key} "
                    f"{was[key]!r} -> {env[key]!r}; set {key} for {env['name']!r} explicitly "
                    f"in {ANSWERS_FILE} first, or choose another position"
                )



# --- naming what the answers hold ------------------------------------------------------------


def names_of(items: list[Any]) -> list[str]:
    return [item.name for item in items]


def known(kind: str, names: list[str]) -> str:
    return f"known {kind}: {', '.join(names) or '(none)'}"

