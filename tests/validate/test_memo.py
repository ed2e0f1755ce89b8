"""A run's whole report is reused only when nothing it reads has changed (memo.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_scaffold.validate import Options, Report, engine, memo, validate
from gitops_scaffold.validate.argo import cache as cache_module
from tests.factory import init_repo, minimal

pytestmark = pytest.mark.slow


class Runs:
    """Counts runs that really read and checked the repository."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        real = engine._Run.report

        def counted(run: Any) -> Report:
            self.count += 1
            return real(run)

        monkeypatch.setattr(engine._Run, "report", counted)


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(tmp_path / "cache"))
    return init_repo(tmp_path, minimal())


def summary(report: Report) -> tuple[Any, ...]:
    return (
        [(f.file, f.line, f.rule, f.message, f.severity, f.context) for f in report.findings],
        report.notes,
        report.stats,
        report.repo,
    )


def test_an_unchanged_repo_gets_the_same_report_without_a_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runs = Runs(monkeypatch)
    first = validate(repo, Options(parallel=False))
    again = validate(repo, Options(parallel=False))
    assert runs.count == 1
    assert summary(again) == summary(first)
    assert first.stats["applications"] > 0


@pytest.mark.parametrize(
    "change",
    [
        "apps/services/shop/templates/_helpers.tpl",  # no YAML: Helm reads it
        "apps/services/shop/values-dev.yaml",
        "README.md",
        "new-file.txt",
    ],
)
def test_any_changed_file_is_a_new_run(repo: Path, monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    validate(repo, Options(parallel=False))
    runs = Runs(monkeypatch)
    path = repo / change
    path.write_text((path.read_text(encoding="utf-8") if path.exists() else "") + "\n", encoding="utf-8")
    validate(repo, Options(parallel=False))
    assert runs.count == 1


def test_other_options_are_a_new_run_and_no_cache_never_reuses(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    validate(repo, Options(parallel=False))
    runs = Runs(monkeypatch)
    validate(repo, Options(parallel=False, ignore={"GS008"}))
    validate(repo, Options(parallel=False, helm=False))
    validate(repo, Options(parallel=False, repo_urls=["https://example.com/other.git"]))
    validate(repo, Options(parallel=False, cache=False))
    validate(repo, Options(parallel=False, cache=False))
    assert runs.count == 5


def test_a_corrupt_or_foreign_report_is_not_trusted(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = validate(repo, Options(parallel=False))
    store = cache_module.Cache()
    key = engine._memo_key(repo.resolve(), Options(), use_helm=True)
    assert key is not None and store.get(key) is not None
    store.put(key, {"repo": str(repo.resolve()), "findings": [{"file": "x"}], "notes": [], "stats": {}})
    runs = Runs(monkeypatch)
    again = validate(repo, Options(parallel=False))
    assert runs.count == 1 and summary(again) == summary(first)
    assert (
        memo.from_payload({"repo": "/elsewhere", "findings": [], "notes": [], "stats": {}}, "/here") is None
    )
    assert memo.from_payload("not a report", "/here") is None


def test_a_linked_folder_or_a_half_written_change_is_always_run(
    repo: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    runs = Runs(monkeypatch)
    validate(repo, Options(parallel=False))
    validate(repo, Options(parallel=False))
    assert runs.count == 2
    (repo / "linked").unlink()
    journal = repo / ".git/scaffold/journal.json"
    journal.parent.mkdir(parents=True, exist_ok=True)
    journal.write_text(json.dumps({}), encoding="utf-8")
    validate(repo, Options(parallel=False))
    validate(repo, Options(parallel=False))
    assert runs.count == 4


def test_the_tree_digest_covers_every_file_but_git_and_unread_folders(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "a").mkdir(parents=True)
    (root / "a/x.yaml").write_text("k: v\n", encoding="utf-8")
    base = memo.tree_digest(root)
    (root / ".git").mkdir()
    (root / ".git/HEAD").write_text("ref\n", encoding="utf-8")
    (root / ".terraform").mkdir()
    (root / ".terraform/provider").write_bytes(b"\0" * 100)
    assert memo.tree_digest(root) == base  # neither is read by a run
    (root / "chart/.terraform").mkdir(parents=True)
    (root / "chart/Chart.yaml").write_text("name: c\n", encoding="utf-8")
    with_chart = memo.tree_digest(root)
    (root / "chart/.terraform/file").write_text("Helm reads everything in a chart\n", encoding="utf-8")
    assert memo.tree_digest(root) != with_chart
    (root / "a/x.yaml").rename(root / "a/y.yaml")
    assert memo.tree_digest(root) not in {base, with_chart}


def test_a_tree_edited_during_the_run_is_not_stored(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real = engine._Run.report
    readme = repo / "README.md"
    original = readme.read_text(encoding="utf-8")

    def edit_midway(run: Any) -> Report:
        report = real(run)
        readme.write_text("edited while validate ran\n", encoding="utf-8")
        return report

    monkeypatch.setattr(engine._Run, "report", edit_midway)
    validate(repo, Options(parallel=False))
    monkeypatch.undo()
    monkeypatch.setenv("SCAFFOLD_CACHE_DIR", str(repo.parent / "cache"))
    readme.write_text(original, encoding="utf-8")  # back to the tree the run began with
    runs = Runs(monkeypatch)
    validate(repo, Options(parallel=False))
    assert runs.count == 1  # what that run saw was half the old tree: nothing was stored for it
