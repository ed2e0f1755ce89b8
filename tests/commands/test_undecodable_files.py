"""A managed file that is not UTF-8 text: one line naming it and exit 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from tests.factory import init_repo, snapshot

runner = CliRunner()


@pytest.mark.parametrize("dry_run", [False, True], ids=["apply", "dry-run"])
def test_a_non_utf8_byte_in_the_generated_readme_is_one_line_and_exit_2(
    tmp_path: Path, dry_run: bool
) -> None:
    repo = init_repo(tmp_path)
    readme = repo / "README.md"
    readme.write_bytes(readme.read_bytes() + b"\nna\xefve\n")
    before = snapshot(repo)
    args = ["add-service", "cart", "--team", "web", "-C", str(repo)] + (["--dry-run"] if dry_run else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("scaffold: README.md: not UTF-8 text (byte 0xef at offset")
    assert "nothing was written" in lines[0]
    assert "Traceback" not in result.output
    assert len(lines[0]) < 300  # the file is named, not dumped
    assert snapshot(repo) == before


def test_a_binary_file_of_the_users_in_the_way_is_blocked_not_a_crash(tmp_path: Path) -> None:
    repo = init_repo(tmp_path)
    (repo / "apps/services/cart").mkdir(parents=True)
    own = repo / "apps/services/cart/values.yaml"
    own.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    result = runner.invoke(app, ["add-service", "cart", "--team", "web", "-C", str(repo)])
    assert result.exit_code == 1, result.output
    assert "apps/services/cart/values.yaml" in result.stdout
    assert own.read_bytes() == b"\x89PNG\r\n\x1a\n\xff\xfe"


def test_status_counts_an_undecodable_managed_file_as_edited(tmp_path: Path) -> None:
    repo = init_repo(tmp_path)
    (repo / "README.md").write_bytes(b"\xff\xfe binary now")
    result = runner.invoke(app, ["status", "-C", str(repo)])
    assert "Traceback" not in result.output
    assert "edited by you: 1" in result.stdout and "README.md" in result.stdout
