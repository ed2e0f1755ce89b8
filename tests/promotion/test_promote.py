"""`scaffold promote`: the promotion order, what is left alone, one commit for many services."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.factory import snapshot
from tests.promotion.repos import HAND_EDITED, SERVICES, git, make_repo, scaffold, values, values_path


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path)
    for name in SERVICES:
        assert (
            scaffold(repo, "set-image", name, "--env", "dev", "--tag", f"v2-{name}", "--commit").exit_code
            == 0
        )
    return repo


def test_five_services_are_one_commit_and_only_the_tag_moves(repo: Path) -> None:
    values_path(repo, "cart", "staging").write_text(HAND_EDITED)
    git(repo, "commit", "-qam", "hand edit")
    count = int(git(repo, "rev-list", "--count", "HEAD"))
    before = {name: values(repo, name, "staging") for name in SERVICES}
    result = scaffold(repo, "promote", "--all", "--from", "dev", "--commit", "-o", "json")
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    assert [(c["service"], c["environment"], c["new"]) for c in payload["changes"]] == [
        (name, "staging", f"v2-{name}") for name in SERVICES
    ]
    assert int(git(repo, "rev-list", "--count", "HEAD")) == count + 1
    subject = git(repo, "log", "-1", "--format=%s").strip()
    assert subject.startswith("promote shop, cart, search, users, mail: dev -> staging (v2-shop, v2-cart")
    changed = git(repo, "show", "--name-only", "--format=", "HEAD").split()
    assert changed == sorted(f"apps/services/{n}/values-staging.yaml" for n in SERVICES)
    for name in SERVICES:
        expected = before[name]
        expected["image"]["tag"] = f"v2-{name}"
        assert values(repo, name, "staging") == expected
    text = values_path(repo, "cart", "staging").read_text()
    assert text == HAND_EDITED.replace("'v1.0.0'", '"v2-cart"')


def test_to_defaults_to_the_next_environment_and_skipping_needs_skip_order(repo: Path) -> None:
    before = snapshot(repo)
    refused = scaffold(repo, "promote", "shop", "--from", "dev", "--to", "prod")
    assert refused.exit_code == 2
    assert (
        "the promotion order in scaffold.yaml is dev -> staging -> prod; dev -> prod skips it"
        in refused.stderr
    )
    assert snapshot(repo) == before
    assert scaffold(repo, "promote", "shop", "--from", "dev", "--to", "prod", "--skip-order").exit_code == 0
    assert values(repo, "shop", "prod")["image"]["tag"] == "v2-shop"
    assert values(repo, "shop", "staging")["image"]["tag"] == "v1.0.0"


def test_missing_source_and_matching_target_are_reported_and_left_alone(repo: Path) -> None:
    assert scaffold(repo, "promote", "cart", "--from", "dev").exit_code == 0
    result = scaffold(repo, "promote", "cart", "shop", "--from", "dev")
    assert result.exit_code == 0
    assert "cart: staging already matches dev; left alone" in result.stdout
    assert "shop  image.tag  staging: v1.0.0 -> v2-shop" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["shop", "--from", "prod"], "--from prod: it is the last environment in scaffold.yaml"),
        (["shop", "--from", "qa"], "--from qa: scaffold.yaml: environments: no environment 'qa'"),
        (["shop", "--from", "dev", "--to", "dev"], "--to dev: it is the --from environment"),
        (["shop", "--from", "staging", "--to", "dev"], "staging -> dev goes back over it"),
        (["--from", "dev"], "SERVICE: name the services to promote, or give --all"),
        (["shop", "--all", "--from", "dev"], "--all: name services or give --all, not both"),
        (["ghost", "--from", "dev"], "scaffold.yaml: services: no service 'ghost'"),
        (["shop"], "--from: name the environment to promote from"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(repo: Path, args: list[str], message: str) -> None:
    before = snapshot(repo)
    result = scaffold(repo, "promote", *args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.stderr
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("source_text", "message"),
    [
        ("image:\n  tag: latest\n", "apps/services/shop/values-dev.yaml:2: image.tag: --"),
        (
            "image:\n  tag: 1.5\n",
            "apps/services/shop/values-dev.yaml:2: image.tag: expected a string to promote",
        ),
        ("image: [\n", "apps/services/shop/values-dev.yaml:2: YAML syntax error"),
    ],
)
def test_a_bad_source_value_is_refused(repo: Path, source_text: str, message: str) -> None:
    values_path(repo, "shop", "dev").write_text(source_text)
    before = snapshot(repo)
    result = scaffold(repo, "promote", "shop", "--from", "dev")
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert message.rstrip(" -") in result.stderr
    assert snapshot(repo) == before


def test_a_digest_travels_with_the_tag_and_leaves_when_the_source_has_none(repo: Path) -> None:
    digest = "sha256:" + "c" * 64
    assert (
        scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v3", "--digest", digest).exit_code == 0
    )
    assert scaffold(repo, "promote", "shop", "--from", "dev").exit_code == 0
    assert values(repo, "shop", "staging")["image"] == {"tag": "v3", "digest": digest}
    assert scaffold(repo, "set-image", "shop", "--env", "dev", "--tag", "v4").exit_code == 0
    assert scaffold(repo, "promote", "shop", "--from", "dev").exit_code == 0
    assert values(repo, "shop", "staging")["image"] == {"tag": "v4", "digest": ""}


def test_promotion_keys_come_from_scaffold_yaml(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path,
        promotion={
            "keys": ["image.tag", "config.channel"],
            "services": {"cart": {"keys": ["config.channel"]}},
        },
    )
    for name in ("shop", "cart"):
        path = values_path(repo, name, "dev")
        path.write_text(
            path.read_text().replace('tag: "v1.0.0"', 'tag: "v5"') + 'config:\n  channel: "beta"\n'
        )
        staging = values_path(repo, name, "staging")
        staging.write_text(staging.read_text() + 'config:\n  channel: "stable"\n')
    assert scaffold(repo, "promote", "shop", "cart", "--from", "dev").exit_code == 0
    assert values(repo, "shop", "staging")["image"]["tag"] == "v5"
    assert values(repo, "shop", "staging")["config"] == {"channel": "beta"}
    assert values(repo, "cart", "staging")["image"]["tag"] == "v1.0.0"  # cart promotes config only
    assert values(repo, "cart", "staging")["config"] == {"channel": "beta"}


def test_promotion_of_an_unknown_service_is_an_answers_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    answers = repo / "scaffold.yaml"
    data = yaml.safe_load(answers.read_text())
    data["promotion"] = {"services": {"ghost": {"keys": ["image.tag"]}}, "keys": ["image tag"]}
    answers.write_text(yaml.safe_dump(data, sort_keys=False))
    result = scaffold(repo, "promote", "shop", "--from", "dev")
    assert result.exit_code == 2
    assert "promotion.keys[0]: 'image tag' is not a dotted values key" in result.stderr


def test_promotion_overrides_must_name_a_service(tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    answers = repo / "scaffold.yaml"
    answers.write_text(answers.read_text() + "promotion:\n  services:\n    ghost: {keys: [image.tag]}\n")
    result = scaffold(repo, "versions")
    assert result.exit_code == 2
    assert "promotion.services.ghost: unknown service 'ghost'" in result.stderr
