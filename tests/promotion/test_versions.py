"""`scaffold versions`: the board agrees with the values files."""

from __future__ import annotations

import json
from pathlib import Path

from tests.promotion.repos import ENVS, SERVICES, make_repo, scaffold, values, values_path

DIGEST = "sha256:" + "d" * 64


def test_the_board_agrees_with_the_values_files(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        image_updater={"registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com"},
        environments=[
            {"name": "dev", "cluster": "main", "image_updates": True},
            {"name": "staging", "cluster": "main"},
            {"name": "prod", "cluster": "main"},
        ],
    )
    assert scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v2").exit_code == 0
    assert (
        scaffold(repo, "set-image", "cart", "--env", "staging", "--tag", "v3", "--digest", DIGEST).exit_code
        == 0
    )
    assert (
        scaffold(repo, "set-image", "cart", "--env", "prod", "--tag", "v3", "--digest", DIGEST).exit_code == 0
    )
    assert scaffold(repo, "set-image", "mail", "--env", "prod", "--tag", "v0.9").exit_code == 0
    values_path(repo, "users", "staging").unlink()
    result = scaffold(repo, "versions", "-o", "json")
    assert result.exit_code == 0, result.stderr
    board = json.loads(result.stdout)
    assert board["environments"] == ENVS and board["production"] == ["prod"]
    assert board["image_updater_environments"] == ["dev"]
    rows = {row["service"]: row for row in board["services"]}
    assert list(rows) == SERVICES
    for name in SERVICES:
        for env in ENVS:
            cell = rows[name]["environments"][env]
            if name == "users" and env == "staging":
                assert cell["tag"] is None
                continue
            image = values(repo, name, env)["image"]
            assert cell["tag"] == image["tag"]
            assert cell["digest"] == (image.get("digest") or None)
            assert cell["updater"] == (env == "dev")
    assert rows["shop"]["environments"]["staging"]["behind"] is True
    assert rows["shop"]["environments"]["prod"]["behind"] is False
    assert rows["shop"]["production_differs"] is False
    assert rows["cart"]["environments"]["staging"]["behind"] is True  # a digest differs from a tag
    assert rows["cart"]["environments"]["prod"]["behind"] is False
    assert rows["mail"]["production_differs"] is True
    assert rows["search"]["production_differs"] is False


def test_table_and_markdown_show_the_same_cells(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v2").exit_code == 0
    table = scaffold(repo, "versions").stdout.splitlines()
    assert table[0].split() == ["SERVICE", *ENVS]
    assert table[1].split() == ["shop", "v2", "v1.0.0", "<", "v1.0.0"]
    markdown = scaffold(repo, "versions", "-o", "markdown").stdout.splitlines()
    assert markdown[0] == "| Service | `dev` | `staging` | `prod` |"
    assert markdown[2] == "| `shop` | v2 | v1.0.0 < | v1.0.0 |"
