"""Scaffolded repositories for the promotion tests: five services, three environments."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from tests.factory import init_repo, minimal

SERVICES = ["shop", "cart", "search", "users", "mail"]
ENVS = ["dev", "staging", "prod"]

# A values file as people leave it: comments moved, keys reordered, extra keys, other quoting.
HAND_EDITED = """\
# staging values for cart -- reviewed by the web team
replicas: 1   # one pod is enough here

image:
  pullPolicy: Always      # we test pull behaviour in staging
  tag: 'v1.0.0'           # single quotes, on purpose
  extra: {note: "kept"}
environment: staging
resources: {requests: {cpu: 50m, memory: 128Mi}}
featureFlags:
  - checkout-v2
"""


def answers(**changes: Any) -> dict[str, Any]:
    data = minimal(
        environments=[
            {"name": "dev", "cluster": "main"},
            {"name": "staging", "cluster": "main"},
            {"name": "prod", "cluster": "main"},
        ],
        services=[
            {"name": name, "team": "web", "image": f"ghcr.io/acme/{name}", "tag": "v1.0.0"}
            for name in SERVICES
        ],
    )
    data.update(changes)
    return data


def make_repo(tmp_path: Path, name: str = "repo", **changes: Any) -> Path:
    return init_repo(tmp_path, answers(**changes), name=name)


def values_path(repo: Path, service: str, env: str) -> Path:
    return repo / f"apps/services/{service}/values-{env}.yaml"


def values(repo: Path, service: str, env: str) -> dict[str, Any]:
    loaded = yaml.safe_load(values_path(repo, service, env).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def scaffold(repo: Path, *args: str) -> Any:
    """The CLI in-process; stderr apart from stdout."""
    return CliRunner().invoke(app, [*args, "--repo", str(repo)])


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", message)
