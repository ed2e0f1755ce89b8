# ruff: noqa: PTH113, PTH114, PTH116, PTH118, PTH120, PTH123
# (str paths and os.walk: 3.5x faster than pathlib over the 14,000 files of a large repo, measured)
"""The whole report of a run, reused when nothing it read has changed.

A second ``scaffold validate`` on an unchanged repository (pre-commit, a CI retry, an editor
on save) need not read, expand, render or check anything again: its report is a function of
the repository's files, the options, the remotes that name the repository, and the versions
of scaffold, Helm and the schemas. The key is a SHA-256 over all of them, every file's path
and content included, so any change is a different key and a stale report cannot be served.
Reports live in the render cache (``cache.py``: checksummed, atomic, bounded, ``--no-cache``).

Not reused (the run goes the long way, and its renders still come from the cache): a
repository holding a half-written scaffold change (its report carries a note that must
reflect the moment), or a symbolic link to a directory (what lies behind it is outside the
hashed tree).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gitops_scaffold.validate.findings import Finding, Report, Severity

FORMAT = 1
# Folders that hold no configuration and can be large (Terraform's providers, a virtualenv);
# the loader never reads them. Inside a chart everything counts: Helm reads it all.
_UNREAD_DIRS = frozenset({"node_modules", ".terraform", ".venv", "__pycache__"})


class NotReusable(Exception):
    """This tree's report must not come from the memo (see the module docstring)."""


def tree_digest(root: Path) -> str:
    """A SHA-256 of every file under ``root`` that a run may read: relative path and bytes."""
    sha = hashlib.sha256()
    top = str(root)
    in_charts: set[str] = set()  # chart folders and everything below them (walked top-down)
    for here, dirs, files in os.walk(top):
        if "Chart.yaml" in files or os.path.dirname(here) in in_charts:
            in_charts.add(here)
        in_chart = here in in_charts
        for name in dirs:
            if os.path.islink(os.path.join(here, name)):
                raise NotReusable(f"{os.path.join(here, name)} is a symbolic link to a directory")
        dirs[:] = sorted(d for d in dirs if d != ".git" and (in_chart or d not in _UNREAD_DIRS))
        prefix = os.path.relpath(here, top).replace(os.sep, "/") + "/" if here != top else ""
        for name in sorted(files):
            rel = (prefix + name).encode("utf-8", "surrogateescape")
            data = _content(os.path.join(here, name))
            sha.update(b"%d:%s%d:" % (len(rel), rel, len(data)))
            sha.update(data)
    return sha.hexdigest()


def _content(path: str) -> bytes:
    """A regular file's bytes (through a symbolic link); a marker for anything else, which is
    never opened (a FIFO would block)."""
    if not os.path.isfile(path):
        return b"\0not a regular file"
    with open(path, "rb") as handle:
        return handle.read()


def report_key(root: Path, settings: dict[str, Any], versions: dict[str, str]) -> str:
    """The memo key of a run over ``root`` with these settings and tool versions."""
    parts = {"format": FORMAT, "tree": tree_digest(root), "settings": settings, "versions": versions}
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(("report\0" + text).encode("utf-8")).hexdigest()


def code_digest() -> str:
    """Sizes and modification times of scaffold's own files (its rules and bundled schemas):
    an edited checkout (an editable install) is a different key without a version bump."""
    import gitops_scaffold

    package = Path(gitops_scaffold.__file__).parent
    sha = hashlib.sha256()
    for here, dirs, files in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            info = os.stat(os.path.join(here, name))
            sha.update(f"{os.path.join(here, name)}:{info.st_size}:{info.st_mtime_ns}\n".encode())
    return sha.hexdigest()


def to_payload(report: Report) -> dict[str, Any]:
    return {
        "repo": report.repo,
        "findings": [{**asdict(f), "severity": int(f.severity)} for f in report.findings],
        "notes": list(report.notes),
        "stats": dict(report.stats),
    }


def from_payload(payload: Any, repo: str) -> Report | None:
    """The report stored in ``payload``, or None when it is not one (then the run goes on)."""
    try:
        findings = [
            Finding(
                file=str(f["file"]),
                line=int(f["line"]),
                rule=str(f["rule"]),
                message=str(f["message"]),
                severity=Severity(int(f["severity"])),
                context=str(f.get("context", "")),
            )
            for f in payload["findings"]
        ]
        notes = [str(note) for note in payload["notes"]]
        stats = {str(k): int(v) for k, v in payload["stats"].items()}
        if payload["repo"] != repo:
            return None
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return Report(repo=repo, findings=findings, notes=notes, stats=stats)
