"""validate/argo: one glob compiler for every Argo CD dialect, one reader of cluster secrets."""

from __future__ import annotations

import base64

import pytest

from gitops_scaffold.validate.argo.clusters import cluster_secret
from gitops_scaffold.validate.argo.globs import (
    DOUBLESTAR,
    GO_PATH,
    GOBWAS,
    GOBWAS_SEPARATED,
    compile_glob,
)


@pytest.mark.parametrize(
    ("dialect", "pattern", "path", "matches"),
    [
        (DOUBLESTAR, "apps/**/config.yaml", "apps/config.yaml", True),
        (DOUBLESTAR, "apps/**/config.yaml", "apps/a/b/config.yaml", True),
        (DOUBLESTAR, "apps/*/config.yaml", "apps/a/b/config.yaml", False),
        (DOUBLESTAR, "apps/{a,b}/x", "apps/b/x", True),
        (GO_PATH, "apps/*", "apps/web", True),
        (GO_PATH, "apps/*", "apps/web/dev", False),
        (GO_PATH, "apps/{a,b}", "apps/a", False),  # path.Match has no alternatives
        (GOBWAS, "team-*", "team-web/anything", True),  # no separator: * crosses /
        (GOBWAS_SEPARATED, "team-*", "team-web/anything", False),
        (GOBWAS, "[!x]eb", "web", True),
        (GOBWAS, "[a-c]at", "bat", True),
    ],
)
def test_one_compiler_reads_each_dialect(dialect: object, pattern: str, path: str, matches: bool) -> None:
    assert (compile_glob(pattern, dialect).match(path) is not None) is matches  # type: ignore[arg-type]


def _secret(**overrides: object) -> dict[str, object]:
    doc: dict[str, object] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "eu", "labels": {"argocd.argoproj.io/secret-type": "cluster"}},
        "data": {"server": base64.b64encode(b"https://eu.example.com").decode(), "name": "eu"},
    }
    doc.update(overrides)
    return doc


def test_a_cluster_secret_is_decoded_and_odd_shapes_are_not_clusters() -> None:
    found = cluster_secret(_secret())
    assert found is not None
    assert (found["name"], found["server"], found["secret"]) == ("eu", "https://eu.example.com", "eu")
    assert cluster_secret(_secret(metadata={"name": "eu", "labels": ["not", "a", "map"]})) is None
    assert cluster_secret(_secret(data="not a map")) is None
    assert cluster_secret(_secret(kind="ConfigMap")) is None


def test_an_external_secret_template_declares_a_cluster() -> None:
    doc = {
        "kind": "ExternalSecret",
        "metadata": {"name": "es"},
        "spec": {"target": {"name": "prod", "template": {
            "metadata": {"labels": {"argocd.argoproj.io/secret-type": "cluster"}},
            "data": {"name": "prod", "server": "https://prod.example.com"},
        }}},
    }
    found = cluster_secret(doc)
    assert found is not None and found["secret"] == "prod" and found["server"] == "https://prod.example.com"
