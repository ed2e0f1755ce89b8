"""--push against a moving remote: the change is re-applied on the new head, never lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factory import ROOT
from tests.promotion.repos import git, make_repo, scaffold, values


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare remote holding a scaffolded repository on main."""
    origin = make_repo(tmp_path, name="seed")
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "--initial-branch=main", str(bare))
    git(origin, "push", "-q", str(bare), "HEAD:refs/heads/main")
    return bare


def clone(remote: Path, dest: Path) -> Path:
    git(remote.parent, "clone", "-q", str(remote), str(dest))
    return dest


def scaffold_process(repo: Path, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.Popen(
        [sys.executable, "-m", "gitops_scaffold", *args, "--repo", str(repo), "-o", "json"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_racing_pushes_from_two_clones_both_land(remote: Path, tmp_path: Path) -> None:
    first, second = clone(remote, tmp_path / "a"), clone(remote, tmp_path / "b")
    runs = [
        scaffold_process(
            first, "set-image", "shop", "--env", "dev", "--tag", "v7", "--push", "--retries", "5"
        ),
        scaffold_process(
            second, "set-image", "cart", "--env", "dev", "--tag", "v8", "--push", "--retries", "5"
        ),
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert all(json.loads(out)["pushed"] for out, _ in outputs)
    landed = clone(remote, tmp_path / "check")
    assert values(landed, "shop", "dev")["image"]["tag"] == "v7"
    assert values(landed, "cart", "dev")["image"]["tag"] == "v8"
    subjects = git(landed, "log", "--format=%s", "-3").splitlines()
    assert {"set-image shop in dev (v7)", "set-image cart in dev (v8)"} <= set(subjects)


def test_a_rejected_push_re_applies_the_change_on_the_new_head(remote: Path, tmp_path: Path) -> None:
    behind, ahead = clone(remote, tmp_path / "behind"), clone(remote, tmp_path / "ahead")
    # The other job moved the same file: a textual rebase would touch the same lines.
    assert scaffold(ahead, "set-image", "shop", "--env", "dev", "--tag", "v2", "--push").exit_code == 0
    result = scaffold(behind, "set-image", "shop", "--env", "dev", "--tag", "v3", "--push", "-o", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert payload["pushed"] and payload["push_retries"] == 1
    assert payload["changes"] == [
        {
            "service": "shop",
            "environment": "dev",
            "key": "image.tag",
            "old": "v2",
            "new": "v3",
            "path": "apps/services/shop/values-dev.yaml",
        }
    ]
    landed = clone(remote, tmp_path / "check")
    assert values(landed, "shop", "dev")["image"]["tag"] == "v3"
    assert git(landed, "log", "--format=%s", "-2").splitlines() == [
        "set-image shop in dev (v3)",
        "set-image shop in dev (v2)",
    ]


def test_the_same_change_already_on_the_remote_leaves_nothing_to_push(remote: Path, tmp_path: Path) -> None:
    behind, ahead = clone(remote, tmp_path / "behind"), clone(remote, tmp_path / "ahead")
    assert scaffold(ahead, "set-image", "shop", "--env", "dev", "--tag", "v2", "--push").exit_code == 0
    result = scaffold(behind, "set-image", "shop", "--env", "dev", "--tag", "v2", "--push", "-o", "json")
    assert result.exit_code == 0, result.stderr
    # Either the very same commit (same parent, tree, message and second) or the note that the
    # head already had it: never a second commit for one change.
    subjects = git(remote, "log", "--format=%s", "main").splitlines()
    assert subjects.count("set-image shop in dev (v2)") == 1
    assert values(clone(remote, tmp_path / "check"), "shop", "dev")["image"]["tag"] == "v2"


def test_branch_then_push_creates_the_branch_on_the_remote(remote: Path, tmp_path: Path) -> None:
    work = clone(remote, tmp_path / "work")
    assert scaffold(work, "set-image", "shop", "--env", "dev", "--tag", "v3", "--commit").exit_code == 0
    git(work, "push", "-q", "origin", "HEAD:main")
    result = scaffold(work, "promote", "--all", "--from", "dev", "--branch", "promote/dev-1", "--push")
    assert result.exit_code == 0, result.stderr
    assert git(remote, "log", "-1", "--format=%s", "promote/dev-1").startswith(
        "promote shop: dev -> staging (v3)"
    )
    assert git(work, "branch", "--show-current").strip() == "promote/dev-1"


def test_push_refuses_a_dirty_work_tree(remote: Path, tmp_path: Path) -> None:
    work = clone(remote, tmp_path / "work")
    (work / "README.md").write_text("local change\n")
    result = scaffold(work, "set-image", "shop", "--env", "dev", "--tag", "v3", "--push")
    assert result.exit_code == 2
    assert "--push needs a clean work tree" in result.stderr
    assert values(work, "shop", "dev")["image"]["tag"] == "v1.0.0"


def test_concurrent_local_runs_wait_for_each_other_on_the_repository_lock(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    names = ["shop", "cart", "search"]
    runs = [
        scaffold_process(repo, "set-image", name, "--env", "dev", "--tag", f"v3-{name}", "--commit")
        for name in names
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    for name in names:
        assert values(repo, name, "dev")["image"]["tag"] == f"v3-{name}"
    subjects = set(git(repo, "log", "--format=%s", "-3").splitlines())
    assert subjects == {f"set-image {name} in dev (v3-{name})" for name in names}
    assert git(repo, "status", "--porcelain") == ""


def test_a_push_that_fails_after_the_commit_exits_1_and_says_what_was_done(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)  # no remote named origin
    result = scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v3", "--push")
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("the values files are committed locally, not pushed")
    assert git(repo, "log", "-1", "--format=%s").strip() == "set-image shop in dev (v3)"
