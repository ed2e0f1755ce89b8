"""`scaffold set-image`: one key moves, every other byte stays; bad input writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from gitops_scaffold.commands import grow
from gitops_scaffold.commands import status as status_command
from tests.factory import snapshot
from tests.promotion.repos import HAND_EDITED, git, make_repo, scaffold, values, values_path

DIGEST = "sha256:" + "ab" * 32


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path)


def only_lines_changed(before: str, after: str) -> list[tuple[str, str]]:
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old) == len(new)
    return [(a, b) for a, b in zip(old, new, strict=True) if a != b]


def test_a_hand_edited_file_changes_at_the_tag_only(repo: Path) -> None:
    path = values_path(repo, "cart", "staging")
    path.write_text(HAND_EDITED)
    before = yaml.safe_load(HAND_EDITED)
    result = scaffold(repo, "set-image", "cart", "--env", "staging", "--tag", "v1.2.0")
    assert result.exit_code == 0, result.stderr
    after = path.read_text()
    assert only_lines_changed(HAND_EDITED, after) == [
        (
            "  tag: 'v1.0.0'           # single quotes, on purpose\n",
            '  tag: "v1.2.0"           # single quotes, on purpose\n',
        )
    ]
    before["image"]["tag"] = "v1.2.0"
    assert yaml.safe_load(after) == before
    assert "cart  image.tag  staging: v1.0.0 -> v1.2.0" in result.stdout


def test_repository_and_digest_are_set_beside_the_tag(repo: Path) -> None:
    result = scaffold(
        repo,
        "set-image",
        "shop",
        "--env",
        "dev",
        "--tag",
        "v2",
        "--image",
        "ghcr.io/acme/shop2",
        "--digest",
        DIGEST,
        "-o",
        "json",
    )
    assert result.exit_code == 0, result.stderr
    changes = {c["key"]: (c["old"], c["new"]) for c in json.loads(result.stdout)["changes"]}
    assert changes == {
        "image.tag": ("v1.0.0", "v2"),
        "image.repository": (None, "ghcr.io/acme/shop2"),
        "image.digest": (None, DIGEST),
    }
    assert values(repo, "shop", "dev")["image"] == {
        "tag": "v2",
        "repository": "ghcr.io/acme/shop2",
        "digest": DIGEST,
    }
    # A later tag without --digest drops the old digest: it would still run the old image.
    assert scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v3").exit_code == 0
    assert values(repo, "shop", "dev")["image"]["digest"] == ""


def test_the_same_tag_is_a_no_op_that_says_so(repo: Path) -> None:
    before = snapshot(repo)
    result = scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v1.0.0")
    assert result.exit_code == 0
    assert "already pins v1.0.0; nothing to do" in result.stdout
    assert snapshot(repo) == before


def _remove_tag(repo: Path) -> None:
    values_path(repo, "shop", "dev").write_text("environment: dev\nimage: {}\n")


@pytest.mark.parametrize(
    ("args", "prepare", "message"),
    [
        (["shop", "--env", "dev", "--tag", "latest"], None, "--tag: 'latest' is not a pinned tag"),
        (["shop", "--env", "dev", "--tag", "LaTeSt"], None, "--tag: 'LaTeSt' is not a pinned tag"),
        (["shop", "--env", "dev", "--tag", ".v1"], None, "--tag: '.v1' is not an image tag"),
        (["shop", "--env", "dev", "--tag", "v" * 129], None, "is not an image tag"),
        (["shop", "--env", "dev", "--tag", "v1:x"], None, "--tag: 'v1:x' is not an image tag"),
        (
            ["shop", "--env", "dev", "--tag", "v1", "--digest", "sha256:abc"],
            None,
            "--digest: 'sha256:abc' is not",
        ),
        (
            ["shop", "--env", "dev", "--tag", "v1", "--digest", "md5:" + "a" * 64],
            None,
            "is not an image digest",
        ),
        (
            ["shop", "--env", "dev", "--tag", "v1", "--image", "ghcr.io/Acme/X"],
            None,
            "--image: 'ghcr.io/Acme/X'",
        ),
        (["nope", "--env", "dev", "--tag", "v1"], None, "scaffold.yaml: services: no service 'nope'"),
        (
            ["shop", "--env", "qa", "--tag", "v1"],
            None,
            "--env qa: scaffold.yaml: environments: no environment 'qa'",
        ),
        (
            ["shop", "--env", "dev", "--tag", "v1"],
            _remove_tag,
            "apps/services/shop/values-dev.yaml:2: image.tag: not set (removed by hand?)",
        ),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    repo: Path, args: list[str], prepare: object, message: str
) -> None:
    if callable(prepare):
        prepare(repo)
    before = snapshot(repo)
    result = scaffold(repo, "set-image", *args)
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert snapshot(repo) == before


def test_a_digest_needs_a_chart_that_knows_it(repo: Path) -> None:
    schema_path = repo / "apps/services/shop/values.schema.json"
    schema = json.loads(schema_path.read_text())
    del schema["properties"]["image"]["properties"]["digest"]
    schema_path.write_text(json.dumps(schema))
    before = snapshot(repo)
    result = scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v2", "--digest", DIGEST)
    assert result.exit_code == 2
    assert result.stderr.startswith("scaffold: apps/services/shop/values.schema.json: image.digest:")
    assert snapshot(repo) == before


def test_dry_run_prints_the_diff_and_writes_nothing(repo: Path) -> None:
    before = snapshot(repo)
    result = scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v9", "--dry-run")
    assert result.exit_code == 0
    assert '-  tag: "v1.0.0"\n+  tag: "v9"\n' in result.stdout
    assert snapshot(repo) == before


def test_commit_makes_one_commit_naming_service_env_and_tag(repo: Path) -> None:
    count = int(git(repo, "rev-list", "--count", "HEAD"))
    result = scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v9", "--commit")
    assert result.exit_code == 0, result.stderr
    assert int(git(repo, "rev-list", "--count", "HEAD")) == count + 1
    assert git(repo, "log", "-1", "--format=%s").strip() == "set-image shop in dev (v9)"
    assert git(repo, "status", "--porcelain") == ""


def test_status_lists_moved_pins_apart_and_later_renders_keep_them(repo: Path) -> None:
    assert scaffold(repo, "set-image", "shop", "--env", "prod", "--tag", "v9").exit_code == 0
    report = status_command.status(repo)
    assert report.modified == [] and report.behind == []
    assert report.pinned == ["apps/services/shop/values-prod.yaml"]
    # add-env before prod rewrites the comment line right above prod's tag: no conflict, tag kept.
    result = grow.add_env(repo, "qa", "main", after="staging")
    assert result.exit_code == 0 and not result.plan.conflicts
    text = values_path(repo, "shop", "prod").read_text()
    assert "values-qa.yaml once it is proven there" in text
    assert values(repo, "shop", "prod")["image"]["tag"] == "v9"
    assert grow.render_repo(repo).exit_code == 0
    assert values(repo, "shop", "prod")["image"]["tag"] == "v9"
    assert status_command.status(repo).pinned == ["apps/services/shop/values-prod.yaml"]
