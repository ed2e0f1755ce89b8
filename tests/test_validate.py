"""`scaffold validate`: repos we generate are clean; every injected mistake is found by its rule,
at its file and line; the reports (text, JSON, SARIF) and exit codes hold their contract.

Fixtures (tests/resources/): `example-apps` is a clean public-example-like repo (App of Apps, a
plain-manifest app, a Helm chart app, a git-directory ApplicationSet); the mutation cases below
break a copy of it one mistake at a time and expect exactly the findings that mistake causes.
`blog-era` has every lint rule's mistake injected at once.
"""

from __future__ import annotations

import copy
import json
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from gitops_scaffold.validate import RULES, Options, Report, Severity, reporters, validate
from gitops_scaffold.validate.catalog import Rule
from gitops_scaffold.validate.rules import lint_rule_ids
from tests.factory import EXAMPLE, SCHEMAS, init_repo, minimal

RESOURCES = Path(__file__).parent / "resources"
EXAMPLE_APPS = RESOURCES / "example-apps"
BLOG_ERA = RESOURCES / "blog-era"
runner = CliRunner()


def found(report: Report) -> set[tuple[str, str, int]]:
    return {(f.rule, f.file, f.line) for f in report.findings}


def line_of(repo: Path, rel: str, marker: str, nth: int = 1) -> int:
    """The line of the nth line holding ``marker`` in a file."""
    hits = [n for n, text in enumerate((repo / rel).read_text().splitlines(), start=1) if marker in text]
    assert len(hits) >= nth, f"{marker!r} not in {rel}"
    return hits[nth - 1]


def copy_of(fixture: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(fixture, tmp_path / fixture.name))


# --- the catalog ------------------------------------------------------------------------------


def test_every_rule_has_an_id_title_explanation_and_fix() -> None:
    for rule_id, rule in RULES.items():
        assert isinstance(rule, Rule) and rule.id == rule_id
        assert rule_id[:2] == "GS" and len(rule_id) == 5
        assert rule.title and rule.fix and len(rule.explanation) > 120, rule_id
        assert rule.name == rule.name.lower() and " " not in rule.name
    lint = lint_rule_ids()
    assert lint == [f"GS{n:03d}" for n in range(1, 20)], "one check per lint rule, in id order"


def test_rules_flag_prints_every_rule() -> None:
    result = runner.invoke(app, ["validate", "--rules"])
    assert result.exit_code == 0
    for rule_id, rule in RULES.items():
        assert f"{rule_id} {rule.name}" in result.output


# --- repos we generate are clean --------------------------------------------------------------

VARIANTS: dict[str, dict[str, Any]] = {
    "example": yaml.safe_load(EXAMPLE.read_text()),
    "minimal": minimal(),
    "several clusters, envs, teams, services": minimal(
        clusters=[
            {"name": "hub", "server": "https://kubernetes.default.svc"},
            {"name": "qa", "server": "https://qa.k8s.example.com"},
            {
                "name": "prod",
                "server": "https://prod.eks.example.com",
                "eks": {"cluster_name": "prod", "role_arn": "arn:aws:iam::123456789012:role/argocd"},
            },
        ],
        environments=[
            {"name": "dev", "cluster": "hub", "image_updates": True},
            {"name": "qa", "cluster": "qa"},
            {"name": "prod", "cluster": "prod"},
        ],
        teams=[{"name": "web", "groups": ["web-team"]}, {"name": "api", "groups": ["api"], "admin": True}],
        services=[
            {
                "name": "shop",
                "team": "web",
                "image": "ghcr.io/acme/shop",
                "tag": "v1.0.0",
                "autoscaling": {"min": 2, "max": 5, "cpu": 70},
                "migrations": {"command": ["./migrate"]},
                "ingress": {"host": "shop.example.com"},
            },
            {
                "name": "api",
                "team": "api",
                "image": "ghcr.io/acme/api",
                "tag": "1.2.3",
                "database_secret": "prod/api/db",
            },
        ],
        image_updater={"registry": "ghcr.io"},
        notifications={"slack": {"deployments": "deploys", "alerts": "alerts"}},
    ),
    "no SSO, no domain, not on system nodes": {
        **minimal(),
        "argocd": {"ha": False, "system_nodes": False},
    },
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    repos = {}
    for index, (name, data) in enumerate(VARIANTS.items()):
        repos[name] = init_repo(tmp_path_factory.mktemp(f"gen{index}"), data)
    return repos


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_generated_repos_validate_clean(generated: dict[str, Path], variant: str) -> None:
    report = validate(generated[variant], Options(schemas=SCHEMAS))
    assert report.findings == [], "\n".join(
        f"{f.file}:{f.line} {f.rule} {f.message} ({f.context})" for f in report.findings
    )
    assert report.stats["generated"] > 0 and report.stats["renders"] > 0
    services = VARIANTS[variant]["services"]
    environments = VARIANTS[variant]["environments"]
    assert report.stats["generated"] == len(services) * len(environments)


def test_generated_ci_workflow_runs_validate(generated: dict[str, Path]) -> None:
    workflow = yaml.safe_load((generated["example"] / ".github/workflows/validate.yaml").read_text())
    steps = [s.get("run", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert any(step.strip().startswith("scaffold validate") for step in steps)


def test_cli_on_a_generated_repo_exits_0(generated: dict[str, Path]) -> None:
    result = runner.invoke(app, ["validate", str(generated["example"])])
    assert result.exit_code == 0, result.output
    assert "OK: 0 error(s), 0 warning(s)" in result.output


def test_the_generated_repo_still_checks_what_it_opted_out_of(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    """system_nodes: false skips GS016 only because scaffold.yaml says so."""
    repo = copy_of(generated["no SSO, no domain, not on system nodes"], tmp_path)
    (repo / "scaffold.yaml").unlink()
    report = validate(repo, Options(repo_urls=["https://github.com/acme/gitops-config"]))
    assert [(f.rule, f.file) for f in report.findings] == [("GS016", "argocd/values.yaml")]


# --- the clean example, broken one mistake at a time -----------------------------------------


def test_example_apps_is_clean(tmp_path: Path) -> None:
    report = validate(copy_of(EXAMPLE_APPS, tmp_path), Options(schemas=SCHEMAS))
    assert report.findings == [], [(f.rule, f.file, f.line, f.message) for f in report.findings]
    assert report.stats == {"files": 14, "objects": 12, "applications": 5, "generated": 2, "renders": 1}


# (id, [(file, old, new)], [(rule, file, marker-in-mutated-file or line number)])
Edit = tuple[str, str, str]
Expect = tuple[str, str, str | int]
MUTATIONS: list[tuple[str, list[Edit], list[Expect]]] = [
    (
        "production auto-sync",
        [
            (
                "apps/helm-guestbook.yaml",
                "  syncPolicy:\n",
                "  syncPolicy:\n    automated:\n      selfHeal: true\n",
            )
        ],
        [("GS001", "apps/helm-guestbook.yaml", "automated:")],
    ),
    (
        "HPA without ignoreDifferences",
        [
            (
                "apps/helm-guestbook.yaml",
                "  ignoreDifferences:\n    - group: apps\n      kind: Deployment\n"
                "      jsonPointers:\n        - /spec/replicas\n",
                "",
            )
        ],
        [("GS002", "apps/helm-guestbook.yaml", "spec:")],
    ),
    (
        "secret value in a values file",
        [("helm-guestbook/values.yaml", "migrations:\n", "database:\n  password: hunter22\nmigrations:\n")],
        [("GS003", "helm-guestbook/values.yaml", "password:")],
    ),
    (
        "hook Job without a deadline",
        [("helm-guestbook/templates/migration-job.yaml", "  activeDeadlineSeconds: 300\n", "")],
        [("GS004", "helm-guestbook/templates/migration-job.yaml", "spec:")],
    ),
    (
        "default project",
        [("apps/guestbook.yaml", "project: demo", "project: default")],
        [("GS005", "apps/guestbook.yaml", "project: default")],
    ),
    (
        "wildcard source repo",
        [("apps/projects.yaml", "    - https://github.com/example/argocd-example-apps.git", '    - "*"')],
        [("GS006", "apps/projects.yaml", '- "*"')],
    ),
    (
        "unpinned chart dependency",
        [
            (
                "helm-guestbook/Chart.yaml",
                'appVersion: "1.0"\n',
                'appVersion: "1.0"\ndependencies:\n  - name: redis\n    version: ^17.0.0\n'
                "    repository: https://charts.bitnami.com/bitnami\n",
            )
        ],
        [("GS007", "helm-guestbook/Chart.yaml", "version: ^17")],
    ),
    (
        "latest image",
        [("workloads/frontend/deployment.yaml", "frontend:1.4.0", "frontend:latest")],
        [("GS008", "workloads/frontend/deployment.yaml", "image:")],
    ),
    (
        "image updates on an auto-syncing production app",
        [
            (
                "apps/helm-guestbook.yaml",
                "  finalizers:\n",
                "  annotations:\n"
                "    argocd-image-updater.argoproj.io/image-list: gb=gcr.io/heptio-images/gb\n"
                "  finalizers:\n",
            ),
            ("apps/helm-guestbook.yaml", "  syncPolicy:\n", "  syncPolicy:\n    automated: {}\n"),
        ],
        [
            ("GS001", "apps/helm-guestbook.yaml", "automated:"),
            ("GS009", "apps/helm-guestbook.yaml", "argocd-image-updater"),
        ],
    ),
    (
        "root app with cascading deletion",
        [
            (
                "root.yaml",
                "  name: root\n  namespace: argocd\n",
                "  name: root\n  namespace: argocd\n"
                "  finalizers:\n    - resources-finalizer.argocd.argoproj.io\n",
            )
        ],
        [("GS010", "root.yaml", "- resources-finalizer")],
    ),
    (
        "single-brace placeholder",
        [("apps/workloads.yaml", "workload: '{{ .path.basename }}'", "workload: '{path.basename}'")],
        [("GS011", "apps/workloads.yaml", "workload: '{path")],
    ),
    (
        "templated boolean",
        [
            (
                "apps/workloads.yaml",
                "        syncOptions:\n",
                "        automated:\n"
                "          selfHeal: '{{ ne .path.basename \"x\" }}'\n"
                "        syncOptions:\n",
            )
        ],
        [("GS012", "apps/workloads.yaml", "selfHeal: '{{")],
    ),
    (
        "top-level preserveResourcesOnDeletion",
        [
            (
                "apps/workloads.yaml",
                "  syncPolicy:\n    preserveResourcesOnDeletion: true\n",
                "  preserveResourcesOnDeletion: true\n",
            )
        ],
        [("GS013", "apps/workloads.yaml", "preserveResourcesOnDeletion")],
    ),
    (
        "deprecated ingress-class annotation in values",
        [
            (
                "helm-guestbook/values.yaml",
                "migrations:\n",
                "ingress:\n  annotations:\n    kubernetes.io/ingress.class: nginx\nmigrations:\n",
            )
        ],
        [("GS014", "helm-guestbook/values.yaml", "kubernetes.io/ingress.class")],
    ),
    (
        "migration after the Deployment",
        [("helm-guestbook/templates/migration-job.yaml", 'sync-wave: "1"', 'sync-wave: "2"')],
        [("GS015", "helm-guestbook/templates/migration-job.yaml", "sync-wave")],
    ),
    (
        "Argo CD not on system nodes",
        [("root.yaml", "  sourceRepos:\n", "  sourceRepos:\n    - https://argoproj.github.io/argo-helm\n")],
        [("GS016", "apps/argocd.yaml", "valuesObject:")],
    ),
    (
        "YAML syntax error",
        [("guestbook/guestbook-ui-svc.yaml", "  selector:\n", "  selector:\n   - oops: [\n")],
        [("GS100", "guestbook/guestbook-ui-svc.yaml", "oops")],
    ),
    (
        "unknown Application field",
        [("apps/guestbook.yaml", "    path: guestbook\n", "    path: guestbook\n    valueFile: x.yaml\n")],
        [("GS101", "apps/guestbook.yaml", "valueFile:")],
    ),
    (
        "Kubernetes schema",
        [("guestbook/guestbook-ui-deployment.yaml", "replicas: 1", 'replicas: "one"')],
        [("GS102", "guestbook/guestbook-ui-deployment.yaml", "replicas:")],
    ),
    (
        "missing template key",
        [("apps/workloads.yaml", "path: '{{ .path.path }}'", "path: '{{ .path.folder }}'")],
        [("GS103", "apps/workloads.yaml", ".path.folder")],
    ),
    (
        "project does not exist",
        [("apps/guestbook.yaml", "project: demo", "project: demos")],
        [("GS104", "apps/guestbook.yaml", "project: demos")],
    ),
    (
        "source repo not permitted",
        [
            (
                "apps/guestbook.yaml",
                "repoURL: https://github.com/example/argocd-example-apps.git",
                "repoURL: https://github.com/someone/else.git",
            )
        ],
        [("GS105", "apps/guestbook.yaml", "repoURL:")],
    ),
    (
        "destination not permitted",
        [("apps/guestbook.yaml", "namespace: guestbook", "namespace: kube-system")],
        [("GS106", "apps/guestbook.yaml", "destination:")],
    ),
    (
        "kind not permitted",
        [],
        [("GS107", "guestbook/pdb.yaml", "kind:")],
    ),
    (
        "source path missing",
        [("apps/guestbook.yaml", "path: guestbook", "path: guest-book")],
        [("GS108", "apps/guestbook.yaml", "path: guest-book")],
    ),
    (
        "values file missing",
        [("apps/helm-guestbook.yaml", "- values-production.yaml", "- values-prod.yaml")],
        [("GS109", "apps/helm-guestbook.yaml", "values-prod.yaml")],
    ),
    (
        "duplicate Application name",
        [("apps/guestbook.yaml", "name: guestbook\n", "name: workload-frontend\n")],
        [("GS110", "apps/workloads.yaml", "name: 'workload-")],
    ),
    (
        "chart does not lint",
        [("helm-guestbook/Chart.yaml", "version: 0.1.0\n", "version: not-a-version\n")],
        [("GS111", "helm-guestbook/Chart.yaml", 0)],
    ),
    (
        "chart does not render",
        [("helm-guestbook/templates/service.yaml", ".Values.service.port", ".Values.service.ports.http")],
        [("GS112", "helm-guestbook/templates/service.yaml", ".Values.service.ports")],
    ),
    (
        "team project permits a platform namespace",
        [
            (
                "apps/projects.yaml",
                "      namespace: workload-*\n",
                "      namespace: workload-*\n    - server: https://kubernetes.default.svc\n"
                "      namespace: kube-system\n",
            )
        ],
        [("GS017", "apps/projects.yaml", "namespace: kube-system")],
    ),
    (
        "two team projects permit one namespace",
        [],
        [("GS018", "apps/projects.yaml", "namespace: guestbook")],
    ),
    (
        "two Applications serve one host and path",
        [
            (
                "apps/projects.yaml",
                "    - group: apps\n      kind: Deployment\n",
                "    - group: apps\n      kind: Deployment\n"
                "    - group: networking.k8s.io\n      kind: Ingress\n",
            )
        ],
        [("GS019", "workloads/frontend/ingress.yaml", "path: /")],
    ),
]

# Files some mutations add.
EXTRA_FILES = {
    "two team projects permit one namespace": {
        "apps/other-project.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: other
  namespace: argocd
spec:
  sourceRepos:
    - https://github.com/example/argocd-example-apps.git
  destinations:
    - server: https://kubernetes.default.svc
      namespace: guestbook
""",
    },
    "two Applications serve one host and path": {
        "workloads/frontend/ingress.yaml": """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
""",
        "workloads/backend/ingress.yaml": """\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: web
                port:
                  number: 80
""",
    },
    "Argo CD not on system nodes": {
        "apps/argocd.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: argocd
  namespace: argocd
spec:
  project: platform
  source:
    repoURL: https://argoproj.github.io/argo-helm
    chart: argo-cd
    targetRevision: 9.1.0
    helm:
      valuesObject:
        configs:
          params:
            server.insecure: true
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
""",
    },
    "kind not permitted": {
        "guestbook/pdb.yaml": """\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: guestbook-ui
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: guestbook-ui
""",
    },
}


@pytest.mark.parametrize(("name", "edits", "expected"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_each_injected_mistake_is_found_by_its_rule_at_its_line(
    tmp_path: Path, name: str, edits: list[Edit], expected: list[Expect]
) -> None:
    repo = copy_of(EXAMPLE_APPS, tmp_path)
    for rel, text in EXTRA_FILES.get(name, {}).items():
        (repo / rel).write_text(text)
    for rel, old, new in edits:
        path = repo / rel
        text = path.read_text()
        assert old in text, (rel, old)
        path.write_text(text.replace(old, new, 1))
    report = validate(repo, Options(schemas=SCHEMAS))
    want = {
        (rule, rel, where if isinstance(where, int) else line_of(repo, rel, where))
        for rule, rel, where in expected
    }
    assert found(report) == want, "\n".join(
        f"{f.rule} {f.file}:{f.line} {f.message}" for f in report.findings
    )


def test_mutations_cover_every_rule() -> None:
    covered = {rule for _, _, expected in MUTATIONS for rule, _, _ in expected}
    assert covered == set(RULES)


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
    # The collision rules need two teams or two ingresses, which the blog-era repo has not;
    # MUTATIONS covers them.
    assert {rule for rule, _, _ in BLOG_FINDINGS} == set(lint_rule_ids()) - {"GS018", "GS019"}
    assert report.exit_code(Severity.warning) == 1


def test_a_schema_error_where_a_lint_rule_explains_it_is_reported_once() -> None:
    """The templated boolean also fails the schema; only the specific rule is reported."""
    report = validate(BLOG_ERA, Options(schemas=SCHEMAS))
    line = line_of(BLOG_ERA, "apps/services.yaml", "prune: '{{")
    assert [f.rule for f in report.findings if f.file == "apps/services.yaml" and f.line == line] == ["GS012"]


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
    report = validate(repo)
    assert report.findings == []
    assert any("pip install 'gitops-scaffold[validate]'" in n for n in report.notes)


def test_bundled_schemas_match_the_shared_ones_and_keep_their_source_note() -> None:
    from gitops_scaffold.validate.schemas import bundled_schemas_dir

    for name in ("application", "applicationset", "appproject"):
        bundled = json.loads((bundled_schemas_dir() / f"{name}.json").read_text())
        assert bundled == json.loads((SCHEMAS / f"{name}.json").read_text())
        assert "v3.5.1" in bundled["x-derived-from"]["source"]


def test_kube_version_option(tmp_path: Path) -> None:
    repo = copy_of(EXAMPLE_APPS, tmp_path)
    assert validate(repo, Options(kube_version="1.30")).findings == []
    result = runner.invoke(app, ["validate", str(repo), "--kube-version", "0.9"])
    assert result.exit_code == 2 and "--kube-version" in result.stderr


# --- reports and exit codes -------------------------------------------------------------------


@pytest.fixture(scope="module")
def blog_report() -> Report:
    return validate(BLOG_ERA, Options(schemas=SCHEMAS))


def test_json_report(blog_report: Report) -> None:
    payload = json.loads(reporters.as_json(blog_report, fail_on=Severity.error))
    assert payload["schema_version"] == 1 and payload["exit_code"] == 1
    assert payload["summary"]["error"] == sum(1 for f in blog_report.findings if f.severity is Severity.error)
    first = payload["findings"][0]
    assert set(first) == {"rule", "name", "severity", "file", "line", "message", "context", "title", "fix"}
    assert first["fix"] == RULES[first["rule"]].fix


def test_sarif_report(blog_report: Report) -> None:
    payload = json.loads(reporters.sarif(blog_report))
    assert payload["version"] == "2.1.0"
    run = payload["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    assert all(r["fullDescription"]["text"] and r["help"]["text"] for r in rules)
    results = run["results"]
    assert len(results) == len(blog_report.findings)
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")


def test_sarif_validates_against_its_schema_subset(blog_report: Report) -> None:
    """The properties code-scanning uploads require (github.com/github/codeql-action validates the
    rest): ruleId, message.text, a relative artifact URI, startLine >= 1."""
    import jsonschema

    schema = {
        "type": "object",
        "required": ["version", "runs"],
        "properties": {
            "version": {"const": "2.1.0"},
            "runs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["tool", "results"],
                    "properties": {
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["ruleId", "message", "locations"],
                                "properties": {
                                    "message": {"type": "object", "required": ["text"]},
                                    "level": {"enum": ["none", "note", "warning", "error"]},
                                },
                            },
                        }
                    },
                },
            },
        },
    }
    jsonschema.validate(json.loads(reporters.sarif(blog_report)), schema)


def test_text_report_names_file_line_rule_and_fix(blog_report: Report) -> None:
    out = reporters.text(blog_report, fail_on=Severity.warning)
    line = line_of(BLOG_ERA, "apps/services.yaml", "prune: '{{")
    assert f"apps/services.yaml:{line}: error GS012 templated-boolean:" in out
    assert "FAILED:" in out and RULES["GS012"].fix in out


def test_cli_exit_codes_and_formats() -> None:
    result = runner.invoke(app, ["validate", str(BLOG_ERA), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["exit_code"] == 1
    result = runner.invoke(app, ["validate", str(BLOG_ERA), "--fail-on", "never", "-f", "sarif"])
    assert result.exit_code == 0 and json.loads(result.stdout)["version"] == "2.1.0"
    errors_only = runner.invoke(
        app,
        [
            "validate",
            str(BLOG_ERA),
            "--fail-on",
            "error",
            "--ignore",
            "GS003",
            "--ignore",
            "GS009",
            "--ignore",
            "GS011",
            "--ignore",
            "GS012",
            "--ignore",
            "GS013",
            "--ignore",
            "GS015",
            "--ignore",
            "GS017",
        ],
    )
    assert errors_only.exit_code == 0, errors_only.output
    assert "warning GS001" in errors_only.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ignore", "GS999"], "unknown rule id"),
        (["--schemas", "/nonexistent"], "does not exist"),
        (["--fail-on", "sometimes"], "sometimes"),
    ],
)
def test_cli_bad_usage_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE_APPS), *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_cli_schemas_dir_without_the_files_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE_APPS), "--schemas", str(tmp_path)])
    assert result.exit_code == 2
    assert "application.json" in result.stderr


def test_help_has_an_example() -> None:
    for command in ("validate", "preview"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and f"Example: scaffold {command} ." in result.output


# --- performance: linear in the number of Applications ----------------------------------------


def _many_apps(root: Path, count: int) -> Path:
    shutil.copytree(EXAMPLE_APPS, root)
    apps = []
    template = yaml.safe_load((root / "apps/guestbook.yaml").read_text())
    for index in range(count):
        doc = copy.deepcopy(template)
        doc["metadata"]["name"] = f"guestbook-{index}"
        apps.append(doc)
    (root / "apps/many.yaml").write_text(yaml.safe_dump_all(apps))
    for index in range(count):
        (root / "workloads" / f"w{index}").mkdir()
        (root / "workloads" / f"w{index}" / "deployment.yaml").write_text(
            (root / "workloads/frontend/deployment.yaml").read_text().replace("frontend", f"w{index}")
        )
    return root


def test_validate_is_linear_in_the_number_of_applications(tmp_path: Path) -> None:
    small, large = _many_apps(tmp_path / "small", 50), _many_apps(tmp_path / "large", 400)
    timings = []
    for repo in (small, large):
        start = time.perf_counter()
        report = validate(repo)
        timings.append(time.perf_counter() - start)
        assert report.findings == []
    assert validate(large).stats["applications"] == 5 + 400 + 400
    # 8x the Applications: well under 8x squared; allow generous noise on a shared runner.
    assert timings[1] < 20 * max(timings[0], 0.05), timings


# --- a Helm App of Apps: the Applications exist only once the chart renders -------------------

HELM_APP_OF_APPS = RESOURCES / "helm-app-of-apps"


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
