"""A Helm App of Apps, Kustomize patches, an ApplicationSet that generates nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from gitops_scaffold.validate import Options, Severity, validate
from tests.factory import SCHEMAS
from tests.validate.helpers import (
    EXAMPLE_APPS,
    HELM_APP_OF_APPS,
    Edit,
    copy_of,
    line_of,
)

# --- a Helm App of Apps: the Applications exist only once the chart renders -------------------



def test_helm_app_of_apps_is_clean_and_its_applications_are_checked() -> None:
    report = validate(HELM_APP_OF_APPS, Options(schemas=SCHEMAS))
    assert report.findings == [], [(f.rule, f.file, f.line, f.message) for f in report.findings]
    # apps/ rendered on its own, then podinfo once per environment's values.
    assert report.stats["applications"] == 3 and report.stats["renders"] == 3


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            (
                "apps/values.yaml",
                "  - name: production\n    autoSync: false",
                "  - name: production\n    autoSync: true",
            ),
            ("GS001", "apps/templates/podinfo.yaml", "automated:"),
        ),
        (
            ("apps/templates/guestbook.yaml", "path: guestbook", "path: guest-book"),
            ("GS108", "apps/templates/guestbook.yaml", "path:"),
        ),
        (
            ("podinfo/values-staging.yaml", "replicas: 1", "replicas: one"),
            ("GS102", "podinfo/templates/deployment.yaml", "replicas:"),
        ),
        (
            ("apps/templates/project.yaml", "      kind: Service\n", "      kind: ConfigMap\n"),
            ("GS107", "podinfo/templates/service.yaml", "kind: Service"),
        ),
    ],
    ids=["production auto-sync", "path", "rendered schema", "kind"],
)
def test_helm_app_of_apps_mistakes_point_into_the_templates(
    tmp_path: Path, edit: Edit, expected: tuple[str, str, str]
) -> None:
    repo = copy_of(HELM_APP_OF_APPS, tmp_path)
    rel, old, new = edit
    text = (repo / rel).read_text()
    assert old in text
    (repo / rel).write_text(text.replace(old, new))
    report = validate(repo, Options(schemas=SCHEMAS))
    rule, file, marker = expected
    assert {(f.rule, f.file, f.line) for f in report.findings} == {
        (rule, file, line_of(repo, file, marker))
    }, [(f.rule, f.file, f.line, f.message) for f in report.findings]


def test_kustomize_patches_are_not_schema_checked_as_whole_objects(tmp_path: Path) -> None:
    repo = copy_of(EXAMPLE_APPS, tmp_path)
    guestbook = repo / "guestbook"
    (guestbook / "kustomization.yaml").write_text(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
        "resources:\n  - guestbook-ui-deployment.yaml\n  - guestbook-ui-svc.yaml\n"
        "patches:\n  - path: replicas.yaml\n"
    )
    (guestbook / "replicas.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: guestbook-ui\nspec:\n  replicas: 2\n"
    )
    report = validate(repo)
    assert report.findings == [], [(f.rule, f.file, f.line, f.message) for f in report.findings]
    assert any("Kustomize" in note for note in report.notes)
    # A resource the kustomization lists is still checked.
    deployment = guestbook / "guestbook-ui-deployment.yaml"
    deployment.write_text(deployment.read_text().replace("replicas: 1", 'replicas: "1"'))
    assert [f.rule for f in validate(repo).findings] == ["GS102"]


def test_an_applicationset_that_generates_nothing_and_a_mistyped_kind(tmp_path: Path) -> None:
    repo = copy_of(EXAMPLE_APPS, tmp_path)
    workloads = repo / "apps/workloads.yaml"
    workloads.write_text(workloads.read_text().replace("path: workloads/*", "path: workload/*"))
    guestbook = repo / "apps/guestbook.yaml"
    guestbook.write_text(guestbook.read_text().replace("kind: Application", "kind: Aplication"))
    report = validate(repo, Options(schemas=SCHEMAS))
    got = {(f.rule, f.file, f.line, f.severity) for f in report.findings}
    assert got == {
        (
            "GS103",
            "apps/workloads.yaml",
            line_of(repo, "apps/workloads.yaml", "generators:"),
            Severity.warning,
        ),
        ("GS101", "apps/guestbook.yaml", 2, Severity.error),
        # ... and the root's project does not whitelist that kind either.
        ("GS107", "apps/guestbook.yaml", 2, Severity.error),
    }
    assert "did you mean Application?" in next(f.message for f in report.findings if f.rule == "GS101")
