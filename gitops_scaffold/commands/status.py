"""status: what the user changed in generated files, and whether the repo is behind."""

from __future__ import annotations

from pathlib import Path

from gitops_scaffold import answers as answers_file
from gitops_scaffold import ingress_choice, migrations
from gitops_scaffold.apply import locked, work_dir
from gitops_scaffold.commands.pipeline import existing_repo
from gitops_scaffold.constants import ANSWERS_FILE, JOURNAL
from gitops_scaffold.context import resolve
from gitops_scaffold.model import Answers
from gitops_scaffold.promotion.carry import only_pins_moved, pin_carrier
from gitops_scaffold.render import render
from gitops_scaffold.result import Status
from gitops_scaffold.state import load_record, recorded_keys


def status(repo: Path) -> Status:
    from gitops_scaffold import __version__
    from gitops_scaffold.disk import UndecodableFileError
    from gitops_scaffold.plan import read_current
    from gitops_scaffold.state import answers_digest, load_meta, templates_digest

    repo = existing_repo(repo)
    if (work_dir(repo) / JOURNAL).is_file():
        with locked(repo):  # a command killed after its commit point: finish it, then report
            pass
    disk_text = answers_file.read_text(repo / ANSWERS_FILE)
    doc = answers_file.parse(repo / ANSWERS_FILE, disk_text)
    migrations.refuse_old(doc)
    answers_file.validate(doc)
    # What the next command renders: an absent ingress.controller recorded as what runs.
    text, _ = ingress_choice.record(doc.path, doc.text, ingress_choice.running_controller(repo))
    answers = answers_file.validate(answers_file.parse(doc.path, text))
    meta = load_meta(repo)
    report = Status(repo=repo, rendered_by=str(meta.get("version", "unknown")))
    report.answers_changed = meta.get("answers") != answers_digest(disk_text)
    report.templates_changed = (
        meta.get("templates") != templates_digest() or meta.get("version") != __version__
    )
    records = {key: load_record(repo, key) or {} for key in recorded_keys(repo)}
    rendered = render(resolve(answers))
    carry = pin_carrier(answers)
    for key, files in records.items():
        for path, base in sorted(files.items()):
            try:
                current = read_current(repo, path)
            except UndecodableFileError:  # not what the scaffold wrote: changed by the user
                report.modified.append(path)
                continue
            if current is None:
                report.deleted.append(path)
            elif current != base and only_pins_moved(carry, path, base, current):
                report.pinned.append(path)
            elif current != base:
                _classify_change(report, answers, key, path, base, current, rendered.get(key, {}).get(path))
    for key in sorted(set(rendered) | set(records)):
        new, old = rendered.get(key, {}), records.get(key, {})
        report.behind += [p for p in sorted(set(new) | set(old)) if new.get(p) != old.get(p)]
    for listing in (report.modified, report.pinned, report.deleted, report.conflicted, report.behind):
        listing.sort()
    report.pin_changes.sort(key=lambda change: change["path"])
    return report


def _classify_change(
    report: Status, answers: Answers, key: str, path: str, base: str, current: str, fresh: str | None
) -> None:
    """An edit, a conflict, a chart pin moved (Renovate), or already what scaffold.yaml gives."""
    from gitops_scaffold import pins
    from gitops_scaffold.merge import has_conflict_markers

    if has_conflict_markers(current):
        report.conflicted.append(path)
    elif current == fresh:
        return  # e.g. Renovate bumped the pin in scaffold.yaml too: `scaffold render` records it
    elif (change := pins.detect(answers, key, path, base, current)) is not None:
        report.pin_changes.append(change)
    else:
        report.modified.append(path)
