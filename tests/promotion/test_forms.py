"""set-image, promote and versions print like every other command: JSON errors with -o json,
the pin changes in status's text and JSON forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.promotion.repos import make_repo, scaffold


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set-image", "nope", "--env", "dev", "--tag", "v2", "-o", "json"], "nope"),
        (["promote", "shop", "-o", "json"], "--from"),
        (["versions", "-o", "json"], "no scaffold.yaml here"),
    ],
)
def test_an_error_with_output_json_is_a_json_object_on_stdout(
    tmp_path: Path, args: list[str], message: str
) -> None:
    repo = make_repo(tmp_path) if args[0] != "versions" else tmp_path
    result = scaffold(repo, *args)
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["schema_version"] == 1 and payload["command"] == args[0]
    assert payload["exit_code"] == 2 and message in payload["error"]["message"]
    assert result.stderr.startswith("scaffold: ")


def test_a_text_error_prints_nothing_on_stdout(tmp_path: Path) -> None:
    result = scaffold(make_repo(tmp_path), "set-image", "nope", "--env", "dev", "--tag", "v2")
    assert result.exit_code == 2 and result.stdout == ""


def test_status_lists_a_moved_pin_in_text_and_json(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    assert scaffold(repo, "set-image", "shop", "--env", "prod", "--tag", "v9", "-q").stdout == ""
    text = scaffold(repo, "status")
    assert text.exit_code == 0
    assert "image pins moved by set-image/promote (yours, kept by every render): 1" in text.stdout
    assert "    apps/services/shop/values-prod.yaml" in text.stdout
    assert "edited by you" not in text.stdout
    payload = json.loads(scaffold(repo, "status", "-o", "json").stdout)
    assert payload["pinned"] == ["apps/services/shop/values-prod.yaml"] and payload["modified"] == []
