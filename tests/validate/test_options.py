"""validate's options, suppression comments and degraded environments (no Helm, no schemas)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gitops_scaffold.cli import app
from gitops_scaffold.validate import Options, validate
from tests.factory import SCHEMAS, SHARED_SCHEMAS
from tests.validate.helpers import (
    BLOG_ERA,
    EXAMPLE_APPS,
    copy_of,
    runner,
)

# --- options, suppression, degraded environments ----------------------------------------------


def test_ignore_option_and_suppression_comments(tmp_path: Path) -> None:
    repo = copy_of(BLOG_ERA, tmp_path)
    report = validate(repo, Options(ignore={"GS005", "GS006"}))
    assert not {f.rule for f in report.findings} & {"GS005", "GS006"}
    deployment = repo / "guestbook/deployment.yaml"
    deployment.write_text(
        deployment.read_text().replace(
            "          image: ghcr.io/blog/guestbook:latest",
            "          # scaffold-validate: ignore GS008 -- the demo always runs the newest build\n"
            "          image: ghcr.io/blog/guestbook:latest",
        )
    )
    ingress = repo / "guestbook/ingress.yaml"
    ingress.write_text("# scaffold-validate: ignore-file GS014\n" + ingress.read_text())
    rules = {(f.rule, f.file) for f in validate(repo).findings}
    assert ("GS008", "guestbook/deployment.yaml") not in rules
    assert ("GS014", "guestbook/ingress.yaml") not in rules
    assert ("GS014", "apps/argocd.yaml") in rules


def test_production_pattern_option(tmp_path: Path) -> None:
    repo = copy_of(EXAMPLE_APPS, tmp_path)
    report = validate(repo, Options(production=r"^workload-frontend$"))
    assert [(f.rule, f.file) for f in report.findings] == [("GS001", "apps/workloads.yaml")]


def test_without_helm_charts_are_noted_not_checked(tmp_path: Path) -> None:
    repo = copy_of(EXAMPLE_APPS, tmp_path)
    (repo / "helm-guestbook/templates/service.yaml").write_text("{{ .Values.nope.nope }}")
    report = validate(repo, Options(helm=False))
    assert report.findings == []
    assert any("charts were not linted or rendered" in n for n in report.notes)
    assert report.stats["renders"] == 0


def test_without_kubernetes_validate_a_clear_note(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import builtins

    real_import = builtins.__import__

    def no_kubernetes_validate(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "kubernetes_validate":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_kubernetes_validate)
    repo = copy_of(EXAMPLE_APPS, tmp_path)
    deployment = repo / "guestbook/guestbook-ui-deployment.yaml"
    deployment.write_text(deployment.read_text().replace("replicas: 1", 'replicas: "one"'))
    # No cache: the import is hidden from this process only, which no cache key can know.
    report = validate(repo, Options(cache=False))
    assert report.findings == []
    assert any("pip install 'gitops-scaffold[validate]'" in n for n in report.notes)


def test_bundled_schemas_are_the_tests_schemas_and_keep_their_source_note() -> None:
    from gitops_scaffold.validate.argo.schemas import bundled_schemas_dir

    for name in ("application", "applicationset", "appproject"):
        bundled = json.loads((bundled_schemas_dir() / f"{name}.json").read_text())
        assert bundled == json.loads((SCHEMAS / f"{name}.json").read_text())
        assert "v3.5.1" in bundled["x-derived-from"]["source"]


@pytest.mark.skipif(not SHARED_SCHEMAS.is_dir(), reason="no ../shared/schemas/argocd beside this checkout")
def test_bundled_schemas_match_the_shared_ones_they_were_derived_into() -> None:
    from gitops_scaffold.validate.argo.schemas import bundled_schemas_dir

    for name in ("application", "applicationset", "appproject"):
        bundled = json.loads((bundled_schemas_dir() / f"{name}.json").read_text())
        assert bundled == json.loads((SHARED_SCHEMAS / f"{name}.json").read_text())


def test_kube_version_option(tmp_path: Path) -> None:
    repo = copy_of(EXAMPLE_APPS, tmp_path)
    assert validate(repo, Options(kube_version="1.30")).findings == []
    result = runner.invoke(app, ["validate", str(repo), "--kube-version", "0.9"])
    assert result.exit_code == 2 and "--kube-version" in result.stderr
