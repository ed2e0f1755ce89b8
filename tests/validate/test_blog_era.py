"""The blog-era repository: every lint rule's mistake at once, each found at its line."""

from __future__ import annotations

from gitops_scaffold.validate import Options, Severity, validate
from gitops_scaffold.validate.rules import lint_rule_ids
from tests.factory import SCHEMAS
from tests.validate.helpers import (
    BLOG_ERA,
    found,
    line_of,
)

# --- the blog-era repository: every lint rule at once ----------------------------------------

BLOG_FINDINGS: list[tuple[str, str, str]] = [
    ("GS001", "apps/guestbook-prod.yaml", "automated:"),
    ("GS002", "apps/guestbook-prod.yaml", "spec:"),  # no ignoreDifferences at all
    ("GS002", "guestbook/deployment.yaml", "replicas: 3"),
    ("GS003", "guestbook/db-secret.yaml", "password:"),
    ("GS004", "guestbook/migrate-job.yaml", "spec:"),
    ("GS005", "apps/argocd.yaml", "project: default"),
    ("GS005", "bootstrap/root.yaml", "project: default"),
    ("GS006", "projects/team.yaml", '- "*"'),
    ("GS006", "projects/team.yaml", "- server:"),
    ("GS007", "apps/argocd.yaml", "targetRevision:"),
    ("GS008", "guestbook/deployment.yaml", "image:"),
    ("GS009", "apps/guestbook-prod.yaml", "argocd-image-updater"),
    ("GS010", "bootstrap/root.yaml", "- resources-finalizer"),
    ("GS010", "bootstrap/root.yaml", "prune: true"),
    ("GS011", "apps/cluster-addons.yaml", "{path.basename}"),
    ("GS012", "apps/services.yaml", "prune: '{{"),
    ("GS013", "apps/cluster-addons.yaml", "preserveResourcesOnDeletion"),
    ("GS014", "apps/argocd.yaml", "kubernetes.io/ingress.class"),
    ("GS014", "guestbook/ingress.yaml", "kubernetes.io/ingress.class"),
    ("GS015", "guestbook/migrate-job.yaml", "annotations:"),
    ("GS016", "apps/argocd.yaml", "valuesObject:"),
    ("GS017", "projects/team.yaml", 'namespace: "*"'),
]


def test_blog_era_repo_every_mistake_found_at_its_line() -> None:
    report = validate(BLOG_ERA, Options(schemas=SCHEMAS))
    want = {(rule, rel, line_of(BLOG_ERA, rel, marker)) for rule, rel, marker in BLOG_FINDINGS}
    assert found(report) == want, "\n".join(
        f"{f.rule} {f.file}:{f.line} {f.message}" for f in report.findings
    )
    # The collision rules need two teams or two ingresses, which the blog-era repo has not, and
    # the platform rule (GS030) an ingress-nginx Application; MUTATIONS covers them.
    assert {rule for rule, _, _ in BLOG_FINDINGS} == set(lint_rule_ids()) - {"GS018", "GS019", "GS030"}
    assert report.exit_code(Severity.warning) == 1


def test_a_schema_error_where_a_lint_rule_explains_it_is_reported_once() -> None:
    """The templated boolean also fails the schema; only the specific rule is reported."""
    report = validate(BLOG_ERA, Options(schemas=SCHEMAS))
    line = line_of(BLOG_ERA, "apps/services.yaml", "prune: '{{")
    assert [f.rule for f in report.findings if f.file == "apps/services.yaml" and f.line == line] == ["GS012"]
