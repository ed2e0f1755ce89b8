"""`scaffold diff` on a hand-written Argo CD repository (no scaffold.yaml): multi-source Helm
with `$values`, valuesObject, parameters and releaseName; directories with recurse, include and
exclude; a Helm App of Apps; Kustomize; a remote chart (inputs, or rendered from --charts);
Secrets masked; hooks marked. Each case states the exact pairs expected. Then bad input (one
line, exit 2), the markdown limit and the JSON shape.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from gitops_scaffold.diff import Options, diff, report

runner = CliRunner()
URL = "https://example.com/org/gitops.git"


def application(name: str, namespace: str, **spec: Any) -> str:
    doc = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {"name": name, "namespace": "argocd"},
        "spec": {
            "project": "default",
            "destination": {"server": "https://kubernetes.default.svc", "namespace": namespace},
            **spec,
        },
    }
    return yaml.safe_dump(doc, sort_keys=False)


WEB_SOURCES = [
    {
        "repoURL": URL,
        "targetRevision": "main",
        "path": "charts/web",
        "helm": {
            "releaseName": "web",
            "valueFiles": ["$values/envs/prod/values.yaml"],
            "valuesObject": {"greeting": "hello"},
            "parameters": [{"name": "image", "value": "nginx:1.1"}],
        },
    },
    {"repoURL": URL, "targetRevision": "main", "ref": "values"},
]
FILES = {
    "charts/web/Chart.yaml": "apiVersion: v2\nname: web\nversion: 0.1.0\n",
    "charts/web/values.yaml": "replicas: 1\nimage: nginx:1.0\ngreeting: hi\n",
    "charts/web/templates/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n"
        "  replicas: {{ .Values.replicas }}\n  template:\n    spec:\n      containers:\n"
        "        - name: web\n          image: {{ .Values.image }}\n"
    ),
    "charts/web/templates/configmap.yaml": (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-config\n"
        "  namespace: {{ .Release.Namespace }}\ndata:\n  greeting: {{ .Values.greeting | quote }}\n"
    ),
    "charts/web/templates/migrate.yaml": (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  name: {{ .Release.Name }}-migrate\n  annotations:\n"
        "    argocd.argoproj.io/hook: PreSync\nspec:\n  template:\n    spec:\n      restartPolicy: Never\n"
        "      containers:\n        - name: migrate\n          image: {{ .Values.image }}\n"
    ),
    "envs/prod/values.yaml": "replicas: 3\n",
    "apps/web-prod.yaml": application("web-prod", "prod", sources=WEB_SOURCES),
    "apps/config.yaml": application(
        "config",
        "config",
        source={
            "repoURL": URL,
            "path": "manifests",
            "directory": {"recurse": True, "include": "*.yaml", "exclude": "skip/*"},
        },
    ),
    "manifests/secret.yaml": "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n"
    "stringData:\n  password: s3cret\n",
    "manifests/nested/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: nested\n"
    "data:\n  a: '1'\n",
    "manifests/skip/ignored.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: skipped\n",
    "manifests/notes.txt": "not a manifest\n",
    "apps/kust.yaml": application("kust", "kust", source={"repoURL": URL, "path": "kust"}),
    "kust/kustomization.yaml": "resources:\n  - deploy.yaml\ncommonLabels:\n  team: web\n",
    "kust/deploy.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: kust\nspec:\n  template:\n    spec:\n"
        "      containers:\n        - name: k\n          image: busybox:1.36\n"
    ),
    "apps/overlay.yaml": application("overlay", "overlay", source={"repoURL": URL, "path": "overlay"}),
    "overlay/kustomization.yaml": "resources:\n  - ../kust\nnamePrefix: o-\n",
    "apps/root.yaml": application("root", "argocd", source={"repoURL": URL, "path": "aoa"}),
    "aoa/Chart.yaml": "apiVersion: v2\nname: aoa\nversion: 0.1.0\n",
    "aoa/values.yaml": "children: [a]\n",
    "aoa/templates/apps.yaml": (
        "{{- range .Values.children }}\n---\napiVersion: argoproj.io/v1alpha1\nkind: Application\n"
        "metadata:\n  name: child-{{ . }}\n  namespace: argocd\nspec:\n  project: default\n"
        f"  source:\n    repoURL: {URL}\n    path: charts/web\n"
        "  destination:\n    server: https://kubernetes.default.svc\n    namespace: child-{{ . }}\n"
        "{{- end }}\n"
    ),
    "apps/remote.yaml": application(
        "podinfo",
        "podinfo",
        source={
            "repoURL": "https://charts.example.com",
            "chart": "podinfo",
            "targetRevision": "6.0.0",
            "helm": {"valuesObject": {"message": "one"}},
        },
    ),
}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def commit(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "change")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("handwritten") / "repo"
    for rel, text in FILES.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    git(repo, "remote", "add", "origin", URL)
    commit(repo)
    return repo


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    shutil.copytree(pristine, tmp_path / "repo", symlinks=True)
    return tmp_path / "repo"


def pairs(result: Any) -> set[tuple[str, str, str, str, str]]:
    return {(a.name, c.kind, c.namespace, c.name, c.status) for a in result.applications for c in a.resources}


def one(result: Any, name: str) -> Any:
    return next(a for a in result.applications if a.name == name)


def test_nothing_changed(repo: Path) -> None:
    result = diff(repo)
    assert pairs(result) == set() and not result.differs and result.errors == []
    assert {a.name for a in result.applications} == {
        "web-prod",
        "config",
        "kust",
        "overlay",
        "root",
        "child-a",
        "podinfo",
    }
    assert {a.name for a in result.applications if a.rendered} == set()


def test_values_file_of_a_multi_source_application(repo: Path) -> None:
    (repo / "envs/prod/values.yaml").write_text("replicas: 4\n")
    commit(repo)
    result = diff(repo, Options(base="HEAD~1", head="HEAD"))
    assert pairs(result) == {("web-prod", "Deployment", "prod", "web", "changed")}
    assert "-  replicas: 3\n+  replicas: 4\n" in one(result, "web-prod").resources[0].diff
    assert {a.name for a in result.applications if a.rendered} == {"web-prod"}


def test_an_added_application_renders_as_the_repo_server_would(repo: Path) -> None:
    sources = json.loads(json.dumps(WEB_SOURCES))
    sources[0]["helm"]["releaseName"] = "web-stage"
    (repo / "apps/web-stage.yaml").write_text(application("web-stage", "stage", sources=sources))
    result = diff(repo)
    assert pairs(result) == {
        ("web-stage", "Deployment", "stage", "web-stage", "added"),
        ("web-stage", "ConfigMap", "stage", "web-stage-config", "added"),
        ("web-stage", "Job", "stage", "web-stage-migrate", "added"),
    }
    changes = {c.kind: c for c in one(result, "web-stage").resources}
    assert "+  greeting: hello\n" in changes["ConfigMap"].diff  # valuesObject over values.yaml
    assert "+      - image: nginx:1.1\n" in changes["Deployment"].diff  # parameters last
    assert "+  replicas: 3\n" in changes["Deployment"].diff  # $values/envs/prod/values.yaml
    assert "+  namespace: stage\n" in changes["Deployment"].diff  # the destination namespace
    assert changes["Job"].hook == "PreSync" and changes["Deployment"].hook is None
    assert one(result, "web-stage").status == "added" and one(result, "web-stage").needs_manual_sync


def test_directory_recurse_include_exclude_and_masked_secrets(repo: Path) -> None:
    (repo / "manifests/skip/ignored.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"
    )
    (repo / "manifests/nested/cm.yaml").write_text(FILES["manifests/nested/cm.yaml"].replace("'1'", "'2'"))
    (repo / "manifests/secret.yaml").write_text(FILES["manifests/secret.yaml"].replace("s3cret", "n3wpass"))
    result = diff(repo)
    assert pairs(result) == {
        ("config", "ConfigMap", "config", "nested", "changed"),
        ("config", "Secret", "config", "db", "changed"),
    }
    secret = next(c for c in one(result, "config").resources if c.kind == "Secret")
    assert "-  password: ++++++++\n+  password: +++++++++\n" in secret.diff
    for output in ("text", "markdown", "json"):
        printed = runner.invoke(app, ["diff", str(repo), "--output", output]).stdout
        assert "s3cret" not in printed and "n3wpass" not in printed and "nested" in printed


def test_a_helm_app_of_apps_adds_a_child(repo: Path) -> None:
    (repo / "aoa/values.yaml").write_text("children: [a, b]\n")
    result = diff(repo)
    assert pairs(result) == {
        ("root", "Application", "argocd", "child-b", "added"),
        ("child-b", "Deployment", "child-b", "child-b", "added"),
        ("child-b", "ConfigMap", "child-b", "child-b-config", "added"),
        ("child-b", "Job", "child-b", "child-b-migrate", "added"),
    }
    assert one(result, "child-a").status == "unchanged"


def test_kustomize_is_built(repo: Path) -> None:
    if shutil.which("kubectl") is None and shutil.which("kustomize") is None:
        pytest.skip("needs kubectl or kustomize")
    (repo / "kust/deploy.yaml").write_text(FILES["kust/deploy.yaml"].replace("1.36", "1.37"))
    result = diff(repo)
    assert pairs(result) == {
        ("kust", "Deployment", "kust", "kust", "changed"),
        ("overlay", "Deployment", "overlay", "o-kust", "changed"),  # through resources: [../kust]
    }
    change = one(result, "kust").resources[0]
    assert "+      - image: busybox:1.37\n" in change.diff and "    team: web\n" in change.diff  # built


def test_a_remote_chart_compares_inputs_or_renders_from_charts(repo: Path, tmp_path: Path) -> None:
    path = repo / "apps/remote.yaml"
    path.write_text(path.read_text().replace("message: one", "message: two"))
    plain = diff(repo)
    assert pairs(plain) == {("podinfo", "SourceInputs", "", "podinfo", "changed")}
    assert "-    message: one\n+    message: two\n" in one(plain, "podinfo").resources[0].diff
    assert any("--charts" in n for n in one(plain, "podinfo").notes)

    import helm_python

    chart = tmp_path / "podinfo"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: podinfo\nversion: 6.0.0\n")
    (chart / "templates/cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n"
        "  message: {{ .Values.message | quote }}\n"
    )
    charts = tmp_path / "charts"
    charts.mkdir()
    helm_python.package(chart, destination=charts)
    rendered = diff(repo, Options(charts=charts))
    assert pairs(rendered) == {("podinfo", "ConfigMap", "podinfo", "podinfo", "changed")}
    assert "-  message: one\n+  message: two\n" in one(rendered, "podinfo").resources[0].diff


def _fails_with_one_line(args: list[str], *expected: str) -> None:
    result = runner.invoke(app, ["diff", *args])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and all(e in lines[0] for e in expected), result.output


def test_bad_revisions_and_not_a_repository(repo: Path, tmp_path: Path) -> None:
    _fails_with_one_line([str(repo), "--base", "no-such-branch"], "--base 'no-such-branch' is not a revision")
    _fails_with_one_line([str(repo), "--head", "deadbeef"], "--head 'deadbeef'")
    plain = tmp_path / "plain"
    plain.mkdir()
    _fails_with_one_line([str(plain)], "is not in a Git repository")
    _fails_with_one_line([str(tmp_path / "missing")], "is not a directory")
    empty = tmp_path / "empty"
    git(tmp_path, "init", "-q", str(empty))
    _fails_with_one_line([str(empty)], "has no commit yet")


def test_an_error_with_output_json_is_the_json_error_object(repo: Path) -> None:
    result = runner.invoke(app, ["diff", str(repo), "--base", "no-such-branch", "--output", "json"])
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["schema_version"] == 1 and payload["command"] == "diff" and payload["exit_code"] == 2
    assert "--base 'no-such-branch' is not a revision" in payload["error"]["message"]
    assert result.stderr.startswith("scaffold: ")


def test_the_directory_is_relative_to_dash_c(repo: Path) -> None:
    (repo / "envs/prod/values.yaml").write_text("replicas: 4\n")
    by_argument = runner.invoke(app, ["diff", str(repo), "--output", "json"])
    by_dash_c = runner.invoke(app, ["diff", "-C", str(repo.parent), repo.name, "--output", "json"])
    assert by_argument.exit_code == by_dash_c.exit_code == 0
    assert json.loads(by_dash_c.stdout) == json.loads(by_argument.stdout)
    assert json.loads(by_dash_c.stdout)["summary"]["changed"] == 1


def test_a_shallow_clone_lacking_the_base(repo: Path, tmp_path: Path) -> None:
    (repo / "envs/prod/values.yaml").write_text("replicas: 5\n")
    commit(repo)
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    _fails_with_one_line([str(shallow), "--base", "HEAD~1"], "shallow clone", "fetch-depth: 0")


def test_markdown_fits_a_pull_request_comment(repo: Path) -> None:
    (repo / "manifests/bulk").mkdir()
    for index in range(300):
        (repo / f"manifests/bulk/cm-{index:03}.yaml").write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": f"bulk-{index:03}"},
                    "data": {"blob": "x" * 400},
                }
            )
        )
    result = runner.invoke(app, ["diff", str(repo), "--output", "markdown", "--exit-code"])
    assert result.exit_code == 1
    text = result.stdout
    assert len(text) <= report.MARKDOWN_LIMIT
    assert text.startswith(report.MARKDOWN_MARKER)
    assert text.index("| changed | `config` |") < text.index("<details>")  # the table comes first
    assert "left out to fit the comment" in text
    assert text.count("<details>") == text.count("</details>") == 1


def test_json_shape(repo: Path) -> None:
    (repo / "envs/prod/values.yaml").write_text("replicas: 4\n")
    result = runner.invoke(app, ["diff", str(repo), "--output", "json"])
    assert result.exit_code == 0
    payload = json.loads(result.stdout)
    assert payload["schema_version"] == 1
    assert set(payload) == {
        "schema_version",
        "repo",
        "base",
        "head",
        "summary",
        "applications",
        "notes",
        "errors",
    }
    assert payload["summary"] == {"added": 0, "removed": 0, "changed": 1, "unchanged": 6, "rendered": 1}
    web = next(a for a in payload["applications"] if a["name"] == "web-prod")
    assert set(web) == {
        "name",
        "namespace",
        "status",
        "project",
        "cluster",
        "destination_namespace",
        "sync",
        "production",
        "needs_manual_sync",
        "application_set",
        "file",
        "rendered",
        "spec_diff",
        "resources",
        "notes",
        "errors",
    }
    assert web["resources"][0] | {"diff": ""} == {
        "group": "apps",
        "kind": "Deployment",
        "namespace": "prod",
        "name": "web",
        "status": "changed",
        "hook": None,
        "rendered": True,
        "diff": "",
    }
    assert web["production"] is True and web["needs_manual_sync"] is True  # "prod", no automated sync
