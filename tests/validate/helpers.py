"""What the validate tests share: the fixture repositories and small helpers."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from gitops_scaffold.validate import Report

RESOURCES = Path(__file__).parents[1] / "resources"
EXAMPLE_APPS = RESOURCES / "example-apps"
BLOG_ERA = RESOURCES / "blog-era"
HELM_APP_OF_APPS = RESOURCES / "helm-app-of-apps"
runner = CliRunner()
# One textual edit of a fixture file: (path, text to find, replacement).
Edit = tuple[str, str, str]


def found(report: Report) -> set[tuple[str, str, int]]:
    return {(f.rule, f.file, f.line) for f in report.findings}


def line_of(repo: Path, rel: str, marker: str, nth: int = 1) -> int:
    """The line of the nth line holding ``marker`` in a file."""
    hits = [n for n, text in enumerate((repo / rel).read_text().splitlines(), start=1) if marker in text]
    assert len(hits) >= nth, f"{marker!r} not in {rel}"
    return hits[nth - 1]


def copy_of(fixture: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(fixture, tmp_path / fixture.name))
