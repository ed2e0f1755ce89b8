"""The repository as the generators read it: files, directories, declarative cluster secrets."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from gitops_scaffold.constants import (
    CLUSTER_SECRET_LABEL,
)
from gitops_scaffold.validate.argo.clusters import cluster_secret
from gitops_scaffold.validate.argo.common import Json
from gitops_scaffold.yaml_guard import read_text, safe_load_all

# --- the repository ------------------------------------------------------------------------




def cluster_secrets(repo_dir: Path) -> list[Json]:
    """The cluster secrets declared in the repository, as the clusters generator sees them
    ({name, server, project, labels, annotations}), ordered by Secret name as the API lists
    them: plain Secrets labelled ``argocd.argoproj.io/secret-type: cluster`` (``data`` decoded,
    ``stringData``), and ExternalSecrets whose ``target.template`` makes such a Secret."""
    found: dict[str, Json] = {}
    for rel in repo_files(repo_dir):
        if not rel.endswith((".yaml", ".yml")) or "/templates/" in f"/{rel}":
            continue
        try:
            text = read_text(repo_dir / rel)
        except (OSError, UnicodeDecodeError):
            continue
        if CLUSTER_SECRET_LABEL not in text:
            continue
        try:
            documents = safe_load_all(text)
        except yaml.YAMLError:
            continue
        for doc in documents:
            secret = cluster_secret(doc)
            if secret is not None:
                found.setdefault(secret.pop("secret"), secret)
    return [found[name] for name in sorted(found)]


def repo_files(repo_dir: Path) -> list[str]:
    """Every file below repo_dir (what `git ls-files` lists in a clean checkout), posix paths."""
    files = []
    for root, dirs, names in os.walk(repo_dir):
        dirs[:] = sorted(d for d in dirs if d != ".git")
        base = Path(root).relative_to(repo_dir).as_posix()
        for name in sorted(names):
            files.append(name if base == "." else f"{base}/{name}")
    return files


def repo_directories(repo_dir: Path) -> list[str]:
    """The directories Argo CD's repo server lists: not hidden, holding at least one file
    (Git keeps no empty directory), in walk order."""
    result = []
    for root, dirs, names in os.walk(repo_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        base = Path(root).relative_to(repo_dir).as_posix()
        if base != "." and (names or _has_files(Path(root))):
            result.append(base)
    return result


def _has_files(directory: Path) -> bool:
    return any(p.is_file() for p in directory.rglob("*"))
