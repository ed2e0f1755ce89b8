"""`scaffold validate`: every injected mistake is found by its rule, at its file and line.

Fixtures (tests/resources/): `example-apps` is a clean public-example-like repo (App of Apps, a
plain-manifest app, a Helm chart app, a git-directory ApplicationSet); the mutation cases below
break a copy of it one mistake at a time and expect exactly the findings that mistake causes.
`blog-era` has every lint rule's mistake injected at once.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from gitops_scaffold.validate import RULES, Options, validate
from tests.factory import SCHEMAS
from tests.validate.helpers import (
    EXAMPLE_APPS,
    Edit,
    copy_of,
    found,
    line_of,
)

# --- the clean example, broken one mistake at a time -----------------------------------------


def test_example_apps_is_clean(tmp_path: Path) -> None:
    report = validate(copy_of(EXAMPLE_APPS, tmp_path), Options(schemas=SCHEMAS))
    assert report.findings == [], [(f.rule, f.file, f.line, f.message) for f in report.findings]
    assert report.stats == {"files": 14, "objects": 12, "applications": 5, "generated": 2, "renders": 1}


# (id, [(file, old, new)], [(rule, file, marker-in-mutated-file or line number)])
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
        "retired ingress-nginx installed",
        [("root.yaml", "  sourceRepos:\n", "  sourceRepos:\n    - https://kubernetes.github.io/ingress-nginx\n")],
        [("GS030", "apps/ingress-nginx.yaml", "repoURL: https://kubernetes.github.io/ingress-nginx")],
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
    "retired ingress-nginx installed": {
        "apps/ingress-nginx.yaml": """\
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: ingress-nginx
  namespace: argocd
spec:
  project: platform
  source:
    repoURL: https://kubernetes.github.io/ingress-nginx
    chart: ingress-nginx
    targetRevision: 4.15.1
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


# --- many Applications ----------------------------------------


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


def test_validate_checks_hundreds_of_applications(tmp_path: Path) -> None:
    # How the time grows with the number of Applications is measured in benchmarks/, not here.
    report = validate(_many_apps(tmp_path / "large", 400))
    assert report.findings == []
    assert report.stats["applications"] == 5 + 400 + 400
