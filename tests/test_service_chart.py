"""The per-service Helm chart (`service` + `service_env` template sets) works in a real Helm.

For each answers file the rendered tree is written to disk, and every service's chart is linted
and rendered for every environment exactly as Argo CD does it (values.yaml + values-<env>.yaml,
release name <service>-<env>, namespace <service><suffix>). The manifests are then checked
against Kubernetes' strict schemas and the rules of DESIGN.md §2.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

from gitops_scaffold.context import resolve
from gitops_scaffold.model import Answers
from gitops_scaffold.render import TEMPLATES_DIR, flatten, instances, render, render_instance
from tests.crd_checks import crd_errors
from tests.helm_checks import (
    PROJECT_KINDS,
    group_of,
    load_values,
    parse_manifests,
    pod_specs,
    render_manifests,
    strings,
    validate_object,
    write_tree,
)

EXAMPLE = Path(__file__).parents[1] / "examples/platform/scaffold.yaml"

# One in-cluster cluster, one (production) environment, one service with nothing optional; no
# notifications, no image updater, no SSO, no domain, and no ingress controller add-on.
MINIMAL: dict[str, Any] = {
    "repo": {"url": "https://github.com/acme/mini-config"},
    "clusters": [{"name": "local", "server": "https://kubernetes.default.svc"}],
    "environments": [{"name": "prod", "cluster": "local"}],
    "teams": [{"name": "core", "groups": ["core-team"]}],
    "services": [
        {"name": "api", "team": "core", "image": "ghcr.io/acme/api", "tag": "1.0.0"},
    ],
    "platform": [{"name": "cert-manager"}, {"name": "external-secrets"}],
}

# Several clusters, environments, teams and services, each service with a different mix of the
# optional parts; a custom ingress class; a long service name that stresses name truncation.
WIDE: dict[str, Any] = {
    "repo": {"url": "git@github.com:acme/wide-config.git", "revision": "release"},
    "argocd": {"ingress_class": "internal-nginx", "ha": False, "system_nodes": False},
    "clusters": [
        {"name": "mgmt", "server": "https://kubernetes.default.svc"},
        {"name": "eu", "server": "https://eu.k8s.acme.com"},
        {
            "name": "us",
            "server": "https://us.k8s.acme.com",
            "eks": {"cluster_name": "us-prod", "role_arn": "arn:aws:iam::123456789012:role/argo"},
        },
    ],
    "environments": [
        {"name": "dev", "cluster": "mgmt", "image_updates": True},
        {"name": "qa", "cluster": "mgmt"},
        {"name": "stage", "cluster": "eu", "namespace_suffix": "-stg"},
        # Opted in, but production: image updates never target it (no ImageUpdater).
        {"name": "prod", "cluster": "us", "auto_sync": False, "image_updates": True},
    ],
    "teams": [
        {"name": "platform", "groups": ["platform"], "admin": True},
        {"name": "shop", "groups": ["shop-devs", "shop-leads"]},
        {"name": "data", "groups": ["data-eng"]},
    ],
    "services": [
        {
            "name": "storefront", "team": "shop", "image": "ghcr.io/acme/storefront",
            "tag": "2024.11.03-abc123", "port": 3000, "health_path": "/ready",
            "migrations": {"command": ["./bin/migrate", "up"]},
            "ingress": {"host": "shop.acme.com"},
            "autoscaling": {"min": 3, "max": 9, "cpu": 50},
            "database_secret": "shop/storefront/db",
        },
        {
            "name": "catalog", "team": "shop", "image": "ghcr.io/acme/catalog", "tag": "v3.1.0",
            "replicas": 3, "ingress": {"host": "catalog.acme.com", "path": "/api"},
        },
        {
            "name": "ledger", "team": "data", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/ledger",
            "tag": "v0.9.1", "migrations": {"command": ["ledger", "migrate"]},
            "database_secret": "data/ledger/postgres",
        },
        {
            "name": "inventory-reconciliation-worker-service", "team": "data",
            "image": "ghcr.io/acme/inventory", "tag": "v1.0.0-rc.1",
            "autoscaling": {"min": 1, "max": 4},
        },
    ],
    "platform": [{"name": "ingress-nginx"}, {"name": "external-secrets"}, {"name": "cert-manager"}],
    "notifications": {"slack": {"deployments": "deploys", "alerts": "shop-alerts"}},
    "image_updater": {"registry": "ghcr.io"},
}

ANSWERS: dict[str, dict[str, Any]] = {
    "example": yaml.safe_load(EXAMPLE.read_text()),
    "minimal": MINIMAL,
    "wide": WIDE,
}

pytestmark = pytest.mark.slow

HOOK = "argocd.argoproj.io/hook"
HOOK_DELETE = "argocd.argoproj.io/hook-delete-policy"
WAVE = "argocd.argoproj.io/sync-wave"


@dataclass
class Release:
    """One service rendered for one environment, as the Argo CD Application would render it."""

    service: dict[str, Any]
    env: dict[str, Any]
    chart_dir: Path
    values: dict[str, Any]
    manifests: dict[str, str]
    objects: list[dict[str, Any]]

    @property
    def name(self) -> str:
        return f"{self.service['name']}-{self.env['name']}"

    @property
    def namespace(self) -> str:
        return str(self.service["namespaces"][self.env["name"]])

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def named(self, kind: str, name: str) -> dict[str, Any]:
        (found,) = (o for o in self.of_kind(kind) if o["metadata"]["name"] == name)
        return found

    def one(self, kind: str, component: str | None = None) -> dict[str, Any]:
        found = [
            o for o in self.of_kind(kind)
            if component is None or o["metadata"]["labels"].get("app.kubernetes.io/component") == component
        ]
        assert len(found) == 1, f"{self.name}: expected one {kind} {component or ''}, got {len(found)}"
        return found[0]


@dataclass
class Rendered:
    view: dict[str, Any]
    root: Path
    tree: dict[str, str]
    releases: list[Release]


@pytest.fixture(scope="module", params=sorted(ANSWERS))
def rendered(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Rendered:
    view = resolve(Answers.model_validate(ANSWERS[request.param]))
    tree = flatten(render(view, lambda key: key.split("/")[0] in {"service", "service_env"}))
    root = write_tree(tree, tmp_path_factory.mktemp(request.param))
    releases = []
    for service in view["services"]:
        chart_dir = root / "apps/services" / service["name"]
        for env in view["environments"]:
            values = load_values(chart_dir, f"values-{env['name']}.yaml")
            manifests = render_manifests(
                chart_dir, values,
                name=f"{service['name']}-{env['name']}",
                namespace=service["namespaces"][env["name"]],
            )
            releases.append(Release(service, env, chart_dir, values, manifests, parse_manifests(manifests)))
    return Rendered(view, root, tree, releases)


def all_objects(rendered: Rendered) -> Iterator[tuple[Release, dict[str, Any]]]:
    for release in rendered.releases:
        for obj in release.objects:
            yield release, obj


# --- the chart as files -----------------------------------------------------------------------


def test_chart_files(rendered: Rendered) -> None:
    for service in rendered.view["services"]:
        base = f"apps/services/{service['name']}"
        for name in ("Chart.yaml", "values.yaml", "values.schema.json", ".helmignore",
                     "templates/_helpers.tpl", "templates/deployment.yaml"):
            assert f"{base}/{name}" in rendered.tree
        for env in rendered.view["environments"]:
            assert f"{base}/values-{env['name']}.yaml" in rendered.tree
        chart_text = rendered.tree[f"{base}/Chart.yaml"]
        chart = yaml.safe_load(chart_text)
        assert chart["apiVersion"] == "v2"
        assert chart["type"] == "application"
        assert chart["name"] == service["name"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
        assert chart["appVersion"] == service["tag"]
        assert f'appVersion: "{service["tag"]}"' in chart_text  # quoted, whatever the tag looks like
        assert "/service.yaml" in rendered.tree[f"{base}/.helmignore"].splitlines()


def test_service_descriptor_is_not_chart_content(rendered: Rendered) -> None:
    """apps/services/<svc>/service.yaml (for the ApplicationSet) stays out of the chart."""
    release = rendered.releases[0]
    descriptor = release.chart_dir / "service.yaml"
    existed = descriptor.exists()
    if not existed:
        descriptor.write_text(f"name: {release.service['name']}\n")
    try:
        with helm_python.Chart.load(release.chart_dir) as chart:
            names = {f["name"] for f in chart.files} | {t["name"] for t in chart.templates}
        assert "service.yaml" not in names
        assert "templates/service.yaml" in names  # the Service template is not caught by it
    finally:
        if not existed:
            descriptor.unlink()


def test_values_keys_are_camel_case_and_commented(rendered: Rendered) -> None:
    free_maps = {"config", "annotations", "podAnnotations", "podLabels", "nodeSelector"}

    def keys(value: Any, path: str = "") -> Iterator[str]:
        if isinstance(value, dict):
            for key, item in value.items():
                yield f"{path}{key}"
                if key not in free_maps:
                    yield from keys(item, f"{path}{key}.")

    for path, text in rendered.tree.items():
        if not re.fullmatch(r"apps/services/[^/]+/values(-[^/]+)?\.yaml", path):
            continue
        for key in keys(yaml.safe_load(text)):
            assert re.fullmatch(r"[a-z][A-Za-z0-9]*", key.rsplit(".", 1)[-1]), (path, key)
        lines = text.splitlines()
        for index, line in enumerate(lines):
            found = re.match(r"^\s*([A-Za-z]\w*):", line)
            if found and found.group(1) not in {"cpu", "memory", "PORT"}:  # every key says what it does
                assert lines[index - 1].strip().startswith("#"), f"{path}: no comment above {line!r}"


def test_env_values(rendered: Rendered) -> None:
    for release in rendered.releases:
        text = rendered.tree[f"apps/services/{release.service['name']}/values-{release.env['name']}.yaml"]
        own = yaml.safe_load(text)
        assert own["environment"] == release.env["name"]
        assert own["image"]["tag"] == release.service["tag"]  # the key path the image updater writes
        updated = release.env["name"] in rendered.view["image_update_targets"]
        assert ("argocd-image-updater" in text) == updated
        if release.env["production"]:
            assert own["replicas"] == release.service["replicas"]
            if release.service["autoscaling"]:
                assert own["autoscaling"]["minReplicas"] == release.service["autoscaling"]["min"]


# --- Helm: lint, schema -----------------------------------------------------------------------


def test_lint_is_clean(rendered: Rendered) -> None:
    for release in rendered.releases:
        # Argo CD runs `helm template --name-template <Application name>`, and Helm refuses
        # release names over 53 characters.
        helm_python.validate_release_name(release.name)
        env_values = yaml.safe_load((release.chart_dir / f"values-{release.env['name']}.yaml").read_text())
        report = helm_python.lint(release.chart_dir, env_values, strict=True, namespace=release.namespace)
        assert report["errors"] == [], (release.name, report)
        serious = [m for m in report["messages"] if m["severity"] >= 2]
        assert serious == [], (release.name, serious)


_DELETE = object()  # marks a key to remove in test_schema_rejects_bad_values


def _rejects(chart_dir: Path, values: dict[str, Any]) -> str:
    with helm_python.Chart.load(chart_dir) as chart, pytest.raises(helm_python.HelmError) as caught:
        chart.validate_schema(values)
    return str(caught.value)


def test_schema_rejects_bad_values(rendered: Rendered) -> None:
    release = rendered.releases[0]
    values = release.values
    with helm_python.Chart.load(release.chart_dir) as chart:
        chart.validate_schema(values)  # the real values pass

    def changed(path: str, value: Any) -> dict[str, Any]:
        result = copy.deepcopy(values)
        *parents, last = path.split(".")
        node = result
        for key in parents:
            node = node[key]
        if value is _DELETE:
            del node[last]
        else:
            node[last] = value
        return result

    for path, value in [
        ("image.tag", "latest"),
        ("curlImage.tag", "latest"),
        ("image.tag", ""),
        ("port", "8080"),
        ("port", 0),
        ("replicas", "2"),
        ("autoscaling.enabled", "true"),
        ("resources.limits", None),  # null removes a default in Helm
        ("securityContext.runAsUser", 0),
        ("healthPath", "health"),
        ("unknownKey", 1),
        ("ingress.hostname", "x.acme.com"),
        ("config.PORT", 8080),
        ("migrations.command", []),
    ]:
        bad = changed(path, value)
        if path == "migrations.command":
            bad["migrations"]["enabled"] = True
        _rejects(release.chart_dir, bad)

    # helm lint (what CI and `helm template` run) refuses a pinned-tag violation too.
    report = helm_python.lint(release.chart_dir, {"image": {"tag": "latest"}})
    assert report["errors"], report


# --- the rendered manifests -------------------------------------------------------------------


def test_every_object_is_valid_and_allowed(rendered: Rendered) -> None:
    for release, obj in all_objects(rendered):
        assert (group_of(obj), obj["kind"]) in PROJECT_KINDS, (release.name, obj["kind"])
        validate_object(obj)
        assert "namespace" not in obj["metadata"], "the namespace comes from the Application"
        assert obj["metadata"]["labels"]["app.kubernetes.io/instance"] == release.name
        assert obj["metadata"]["labels"]["gitops-scaffold.io/environment"] == release.env["name"]
        assert obj["metadata"]["labels"]["app.kubernetes.io/version"] == release.values["image"]["tag"]
        assert len(obj["metadata"]["name"]) <= 63


def test_waves_and_hooks(rendered: Rendered) -> None:
    # (kind, component) -> (wave, hook, delete policy); None = annotation absent.
    expected = {
        ("ConfigMap", None): ("0", None, None),
        ("ExternalSecret", None): ("0", None, None),
        ("NetworkPolicy", None): ("0", None, None),
        ("Job", "migration"): ("1", "Sync", "BeforeHookCreation"),
        ("ServiceAccount", None): ("2", None, None),
        ("Service", None): ("2", None, None),
        ("PodDisruptionBudget", None): ("2", None, None),
        ("Deployment", "server"): ("3", None, None),
        ("HorizontalPodAutoscaler", None): ("4", None, None),
        ("Ingress", None): ("4", None, None),
        ("Job", "smoke-test"): ("5", "PostSync", "BeforeHookCreation,HookSucceeded"),
        ("Job", "sync-fail-alert"): (None, "SyncFail", "BeforeHookCreation,HookSucceeded"),
    }
    for release, obj in all_objects(rendered):
        component = obj["metadata"]["labels"].get("app.kubernetes.io/component")
        annotations = obj["metadata"].get("annotations", {})
        got = (annotations.get(WAVE), annotations.get(HOOK), annotations.get(HOOK_DELETE))
        assert got == expected[(obj["kind"], component)], (release.name, obj["kind"], component)
        for key, value in annotations.items():
            if key.startswith("argocd.argoproj.io/"):
                assert isinstance(value, str)
        if obj["kind"] == "Job":
            assert obj["spec"]["activeDeadlineSeconds"] > 0
            assert HOOK in annotations, "every Job is an Argo CD hook"


def test_argocd_annotation_values_are_quoted(rendered: Rendered) -> None:
    for release in rendered.releases:
        for path, text in release.manifests.items():
            for line in text.splitlines():
                match = re.match(r"\s*argocd\.argoproj\.io/[\w-]+:\s*(.*)$", line)
                if match:
                    assert re.fullmatch(r'"[^"]*"', match.group(1)), f"{release.name} {path}: {line.strip()}"


def test_optional_parts_follow_the_answers(rendered: Rendered) -> None:
    notifications = rendered.view["notifications"] is not None
    for release in rendered.releases:
        service = release.service
        jobs = {o["metadata"]["labels"]["app.kubernetes.io/component"] for o in release.of_kind("Job")}
        assert ("migration" in jobs) == (service["migrations"] is not None)
        assert "smoke-test" in jobs
        assert ("sync-fail-alert" in jobs) == notifications
        assert bool(release.of_kind("HorizontalPodAutoscaler")) == (service["autoscaling"] is not None)
        assert bool(release.of_kind("Ingress")) == (service["ingress"] is not None)
        secrets = {o["metadata"]["name"] for o in release.of_kind("ExternalSecret")}
        assert (f"{release.name}-secrets" in secrets) == (service["database_secret"] is not None)
        assert (f"{release.name}-slack-webhook" in secrets) == notifications
        assert len(release.of_kind("NetworkPolicy")) == 1
        assert len(release.of_kind("PodDisruptionBudget")) == 1


def test_replicas_only_without_autoscaling(rendered: Rendered) -> None:
    for release in rendered.releases:
        deployment = release.one("Deployment")
        if release.service["autoscaling"]:
            assert "replicas" not in deployment["spec"]
            hpa = release.one("HorizontalPodAutoscaler")
            assert hpa["apiVersion"] == "autoscaling/v2"
            assert hpa["spec"]["scaleTargetRef"] == {
                "apiVersion": "apps/v1", "kind": "Deployment", "name": deployment["metadata"]["name"],
            }
            expected_min = release.service["autoscaling"]["min"] if release.env["production"] else 1
            assert hpa["spec"]["minReplicas"] == expected_min
            assert hpa["spec"]["maxReplicas"] == release.service["autoscaling"]["max"]
            target = hpa["spec"]["metrics"][0]["resource"]["target"]
            assert target["averageUtilization"] == release.service["autoscaling"]["cpu"]
        else:
            expected = release.service["replicas"] if release.env["production"] else 1
            assert deployment["spec"]["replicas"] == expected


def test_pods_run_restricted(rendered: Rendered) -> None:
    for release, obj in all_objects(rendered):
        for pod in pod_specs(obj):
            where = f"{release.name} {obj['kind']} {obj['metadata']['name']}"
            assert pod["automountServiceAccountToken"] is False, where
            assert pod["securityContext"]["runAsNonRoot"] is True, where
            assert pod["securityContext"]["runAsUser"] > 0, where
            assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
            tmp_volumes = [v for v in pod["volumes"] if v["name"] == "tmp"]
            assert tmp_volumes and "emptyDir" in tmp_volumes[0], where
            for container in pod["containers"]:
                context = container["securityContext"]
                assert context["runAsNonRoot"] is True, where
                assert context["runAsUser"] > 0, where
                assert context["allowPrivilegeEscalation"] is False, where
                assert context["readOnlyRootFilesystem"] is True, where
                assert context["capabilities"] == {"drop": ["ALL"]}, where
                assert context["seccompProfile"] == {"type": "RuntimeDefault"}, where
                assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], where
                for part in ("requests", "limits"):
                    assert set(container["resources"][part]) == {"cpu", "memory"}, where
                image = container["image"]
                repository, _, tag = image.rpartition(":")
                assert repository and "/" in repository and tag not in {"", "latest"}, image


def test_deployment(rendered: Rendered) -> None:
    for release in rendered.releases:
        deployment = release.one("Deployment")
        pod = deployment["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        service = release.service
        assert container["image"] == f"{service['image']}:{service['tag']}"
        assert container["ports"] == [{"name": "http", "containerPort": service["port"], "protocol": "TCP"}]
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["httpGet"] == {"path": service["health_path"], "port": "http"}
        assert pod["serviceAccountName"] == release.one("ServiceAccount")["metadata"]["name"]
        assert release.one("ServiceAccount")["automountServiceAccountToken"] is False
        selector = deployment["spec"]["selector"]["matchLabels"]
        pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items()
        assert release.one("Service")["spec"]["selector"] == selector
        assert release.one("PodDisruptionBudget")["spec"]["selector"]["matchLabels"] == selector
        # Hook Job pods must never be picked up by the Service.
        for job in release.of_kind("Job"):
            job_labels = job["spec"]["template"]["metadata"]["labels"]
            assert not selector.items() <= job_labels.items()
        env_from = container["envFrom"]
        assert {"configMapRef": {"name": release.one("ConfigMap")["metadata"]["name"]}} in env_from
        assert any("secretRef" in e for e in env_from) == (service["database_secret"] is not None)


def test_migration_job(rendered: Rendered) -> None:
    for release in rendered.releases:
        if release.service["migrations"] is None:
            continue
        job = release.one("Job", "migration")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        assert container["command"] == release.service["migrations"]["command"]
        assert container["image"] == f"{release.service['image']}:{release.service['tag']}"
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
        assert job["spec"]["backoffLimit"] >= 0


def test_smoke_test_calls_health_path(rendered: Rendered) -> None:
    for release in rendered.releases:
        job = release.one("Job", "smoke-test")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        service_name = release.one("Service")["metadata"]["name"]
        url = f"http://{service_name}:{release.service['port']}{release.service['health_path']}"
        assert container["args"][-1] == url
        assert container["command"] == ["curl"] and "--fail" in container["args"]


def test_sync_fail_alert(rendered: Rendered) -> None:
    notifications = rendered.view["notifications"]
    if notifications is None:
        return
    for release in rendered.releases:
        job = release.one("Job", "sync-fail-alert")
        (container,) = job["spec"]["template"]["spec"]["containers"]
        env = {e["name"]: e for e in container["env"]}
        secret_ref = env["SLACK_WEBHOOK_URL"]["valueFrom"]["secretKeyRef"]
        webhook = release.named("ExternalSecret", f"{release.name}-slack-webhook")
        assert secret_ref["name"] == webhook["spec"]["target"]["name"]
        assert webhook["spec"]["data"] == [{
            "secretKey": secret_ref["key"],
            "remoteRef": {"key": f"slack/webhooks/{notifications['slack']['alerts']}"},
        }]
        assert env["CHANNEL"]["value"] == notifications["slack"]["alerts"]
        script = container["command"][-1]
        assert "[[" not in script and "curl" in script


def test_external_secret(rendered: Rendered) -> None:
    for release in rendered.releases:
        for obj in release.of_kind("ExternalSecret"):
            # What the pinned external-secrets add-on serves (and its ClusterSecretStore uses).
            assert obj["apiVersion"] == "external-secrets.io/v1"
            store = {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
            assert obj["spec"]["secretStoreRef"] == store
            assert obj["spec"]["target"] == {"name": obj["metadata"]["name"], "creationPolicy": "Owner"}
            assert crd_errors(obj) == []  # the external-secrets CRD: schema and CEL rules
        if release.service["database_secret"]:
            db = release.named("ExternalSecret", f"{release.name}-secrets")
            assert db["spec"]["dataFrom"] == [{"extract": {"key": release.service["database_secret"]}}]


def test_network_policy(rendered: Rendered) -> None:
    controller_ns = rendered.view["ingress_controller_namespace"]
    for release in rendered.releases:
        policy = release.one("NetworkPolicy")["spec"]
        pod_labels = release.one("Deployment")["spec"]["template"]["metadata"]["labels"]
        assert policy["podSelector"]["matchLabels"].items() <= pod_labels.items()
        for job in release.of_kind("Job"):  # hook pods are covered too
            job_labels = job["spec"]["template"]["metadata"]["labels"]
            assert policy["podSelector"]["matchLabels"].items() <= job_labels.items()
        assert policy["policyTypes"] == ["Ingress"]
        (rule,) = policy["ingress"]
        peers: list[dict[str, Any]] = [{"podSelector": {}}]
        if controller_ns:
            namespace = {"kubernetes.io/metadata.name": controller_ns}
            peers.append({"namespaceSelector": {"matchLabels": namespace}})
        assert rule["from"] == peers
        assert rule["ports"] == [{"port": "http", "protocol": "TCP"}]


def test_ingress(rendered: Rendered) -> None:
    for release in rendered.releases:
        if release.service["ingress"] is None:
            continue
        ingress = release.one("Ingress")
        annotations = ingress["metadata"]["annotations"]
        assert ingress["spec"]["ingressClassName"] == rendered.view["argocd"]["ingress_class"]
        assert "kubernetes.io/ingress.class" not in annotations
        assert annotations["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"  # as README.md says
        # An environment sharing a cluster with another has its own host (ingress.hosts).
        ingress_answers = release.service["ingress"]
        host = ingress_answers["hosts"].get(release.env["name"], ingress_answers["host"])
        assert ingress["spec"]["tls"] == [{"hosts": [host], "secretName": f"{release.name}-tls"}]
        (rule,) = ingress["spec"]["rules"]
        assert rule["host"] == host
        (path,) = rule["http"]["paths"]
        assert path["path"] == release.service["ingress"]["path"]
        assert path["backend"]["service"]["name"] == release.one("Service")["metadata"]["name"]


def test_no_secret_in_git(rendered: Rendered) -> None:
    secretish = re.compile(r"hooks\.slack\.com|-----BEGIN|AKIA[0-9A-Z]{16}|xox[abpr]-|://[^/\s:@]+:[^/\s@]+@")
    for path, text in rendered.tree.items():
        assert not secretish.search(text), path
    for release, obj in all_objects(rendered):
        assert obj["kind"] != "Secret"
        for value in strings(obj):
            assert not secretish.search(value), (release.name, value)
        if obj["kind"] == "ConfigMap":
            for key in obj.get("data", {}):
                assert not re.search(r"PASSWORD|SECRET|TOKEN|KEY", key.upper()), key


# --- determinism and Copier -------------------------------------------------------------------


def test_rendering_is_deterministic(rendered: Rendered) -> None:
    again = flatten(render(rendered.view, lambda key: key.split("/")[0] in {"service", "service_env"}))
    assert again == rendered.tree


def test_copier_copy_gives_the_same_files(rendered: Rendered, tmp_path: Path) -> None:
    import copier

    for instance in instances(rendered.view, lambda key: key.split("/")[0] in {"service", "service_env"}):
        destination = tmp_path / instance.key
        copier.run_copy(
            str(TEMPLATES_DIR / instance.set_name), destination, data=instance.data,
            defaults=True, unsafe=True, quiet=True, vcs_ref=None,
        )
        copied = {
            p.relative_to(destination).as_posix(): p.read_text(encoding="utf-8")
            for p in destination.rglob("*") if p.is_file()
        }
        assert copied == render_instance(instance), instance.key
