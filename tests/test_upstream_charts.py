"""Our values against the REAL upstream charts at the pinned versions (tests/resources/upstream/charts).

Three failures this catches, each with a test that proves the check is not vacuous:
- a values key the chart does not read (tests/chart_keys.py: declared in values.yaml and read
  by a template);
- an intended Argo CD setting that does not reach the rendered argocd-cm, argocd-rbac-cm or
  argocd-notifications-cm (the umbrella chart rendered by Helm over the vendored argo-cd chart);
- an add-on chart that does not render with our values, or renders without what we set.

Where a pin is newer than the vendored snapshot (argo-cd chart 10.9.1, cert-manager v1.21.2,
external-secrets 2.10.0) the newest vendored release stands in for it (PROVENANCE.md).
"""

from __future__ import annotations

import copy
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_scaffold.context import resolve
from gitops_scaffold.render import flatten, render
from tests.chart_keys import dead_keys
from tests.factory import checked
from tests.helm_checks import parse_manifests, render_manifests, write_tree
from tests.test_platform import BARE, EXAMPLE_ANSWERS, NEW_EKS, TWO_EKS

Tree = dict[str, str]
CHARTS = Path(__file__).parent / "resources" / "upstream" / "charts"
ARGO_CD = CHARTS / "argo-cd-10.1.1"
ADDON_CHARTS = {
    "ingress-nginx": CHARTS / "ingress-nginx-4.15.1",
    "cert-manager": CHARTS / "cert-manager-v1.21.1",
    "external-secrets": CHARTS / "external-secrets-2.9.0",
    "karpenter": CHARTS / "karpenter-1.14.1",
    "argocd-image-updater": CHARTS / "argocd-image-updater-1.2.4",
    "aws-load-balancer-controller": CHARTS / "aws-load-balancer-controller-3.5.0",
}
# Maps whose entries the application reads, not Helm: argocd-cm / argocd-cmd-params-cm /
# argocd-rbac-cm / argocd-notifications-cm entries, and the image updater's ConfigMap entries
# (templates/configmap.yaml ranges over .Values.config). What reaches them is checked below.
FREE_FORM = {
    "argo-cd": frozenset(
        {
            "configs.cm",
            "configs.params",
            "configs.rbac",
            "notifications.notifiers",
            "notifications.triggers",
            "notifications.templates",
        }
    ),
    "argocd-image-updater": frozenset({"config"}),
}
# Keys read by files the git snapshot of a chart lacks.
READ_ELSEWHERE = {
    "external-secrets": {
        "installCRDs": "templates/crds/*.yaml are generated into the packaged chart (the git tree "
        "holds only templates/crds/README.md, which says so); each is guarded by .Values.installCRDs",
    },
}
ACME = {"issuer": "acme", "acme": {"email": "platform@acme.io", "hosted_zone_id": "Z0123456789ABC"}}


def _objects(chart: Path, values: dict[str, Any], name: str, namespace: str) -> list[dict[str, Any]]:
    manifests = render_manifests(chart, values, name=name, namespace=namespace)
    # Split documents as Kubernetes' YAML reader (and so Argo CD) does: a line starting with
    # "---" followed by a comment is a separator (cert-manager's rbac.yaml renders "---# ...").
    return parse_manifests(
        {k: re.sub(r"(?m)^---#", "---\n#", v) for k, v in manifests.items() if not k.endswith("NOTES.txt")}
    )


def _alb() -> dict[str, Any]:
    """TWO_EKS on the AWS Load Balancer Controller, with the default add-on list."""
    answers = copy.deepcopy(TWO_EKS)
    # Argo CD's own cluster is EKS too, so the controller serves the Argo CD ingress there.
    answers["clusters"].insert(
        0,
        {
            "name": "hub",
            "server": "https://kubernetes.default.svc",
            "eks": {"cluster_name": "hub-eks", "role_arn": "arn:aws:iam::111111111111:role/argocd"},
        },
    )
    answers.pop("platform")
    answers["argocd"].pop("ingress_class")
    answers["ingress"] = {"controller": "aws-load-balancer-controller"}
    # qa and stage share cluster eu: each gets its own host (one host+path per cluster).
    answers["services"][0]["ingress"] = {"host": "cart.acme.io", "hosts": {"qa": "cart-qa.acme.io"}}
    return answers


def _variant(name: str) -> dict[str, Any]:
    if name == "alb":
        return _alb()
    if name == "new-eks":  # the ALB controller by default, with its own ACME issuer
        return copy.deepcopy(NEW_EKS)
    answers = copy.deepcopy({"example": EXAMPLE_ANSWERS, "two-eks": TWO_EKS, "bare": BARE}[name])
    answers["tls"] = ACME
    return answers


@pytest.fixture(scope="module", params=["example", "two-eks", "bare", "alb", "new-eks"])
def case(request: pytest.FixtureRequest) -> tuple[str, Tree]:
    answers = _variant(request.param)
    return request.param, flatten(render(resolve(checked(answers))))


# --- dead keys --------------------------------------------------------------------------------


def test_argocd_values_set_only_keys_the_argo_cd_chart_reads(case: tuple[str, Tree]) -> None:
    _, tree = case
    values = yaml.safe_load(tree["argocd/values.yaml"])["argo-cd"]
    assert dead_keys(values, ARGO_CD, FREE_FORM["argo-cd"]) == []


def _per_cluster_values(tree: Tree, name: str) -> list[dict[str, Any]]:
    """The valuesObject of each of the add-on's Applications (cluster name, IRSA role, ...)."""
    path = f"apps/platform/{name}/application.yaml"
    apps = [d for d in yaml.safe_load_all(tree.get(path, "")) if d and d.get("kind") == "Application"]
    sources = [s for app in apps for s in app["spec"].get("sources", [app["spec"].get("source", {})])]
    return [s["helm"]["valuesObject"] for s in sources if "valuesObject" in s.get("helm", {})]


def test_addon_values_set_only_keys_their_charts_read(case: tuple[str, Tree]) -> None:
    _, tree = case
    checked = 0
    for name, chart in ADDON_CHARTS.items():
        path = f"apps/platform/{name}/values.yaml"
        if path not in tree:
            continue
        # The shared values file, and what each cluster's Application adds to it.
        for values in [yaml.safe_load(tree[path]), *_per_cluster_values(tree, name)]:
            found = dead_keys(values, chart, FREE_FORM.get(name, frozenset()), READ_ELSEWHERE.get(name))
            assert found == [], name
            checked += 1
    assert checked >= 3


def test_the_dead_key_check_finds_the_keys_redis_ha_never_read() -> None:
    """The two keys of issue 12: declared nowhere (nodeSelector) or declared but unread (tolerations)."""
    values = {"redis-ha": {"haproxy": {"nodeSelector": {"node-role/system": "true"}, "tolerations": []}}}
    found = dead_keys(values, ARGO_CD)
    assert found == [
        "redis-ha.haproxy.nodeSelector.node-role/system: not in argo-cd-10.1.1's values.yaml",
        "redis-ha.haproxy.tolerations: no template of argo-cd-10.1.1 reads it",
    ]
    # ... while the keys redis-ha does read pass.
    assert dead_keys({"redis-ha": {"nodeSelector": {"a": "b"}, "haproxy": {"resources": {}}}}, ARGO_CD) == []
    assert dead_keys({"server": {"ingres": {"enabled": True}}}, ARGO_CD) == [
        "server.ingres.enabled: not in argo-cd-10.1.1's values.yaml"
    ]


# --- Argo CD's settings reach its ConfigMaps ---------------------------------------------------------


def _render_umbrella(tree: Tree, tmp_path: Path) -> list[dict[str, Any]]:
    chart_files = {p.removeprefix("argocd/"): t for p, t in tree.items() if p.startswith("argocd/")}
    root = write_tree(chart_files, tmp_path / "argocd")
    meta = yaml.safe_load(chart_files["Chart.yaml"])
    # The vendored argo-cd chart stands in for the pin (a newer release of the same line).
    meta["dependencies"][0]["version"] = "10.1.1"
    (root / "Chart.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    shutil.copytree(ARGO_CD, root / "charts" / "argo-cd")
    values = yaml.safe_load(chart_files["values.yaml"])
    return _objects(root, values, "argocd", "argocd")


def _config_map(objects: list[dict[str, Any]], name: str) -> dict[str, str]:
    (found,) = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == name]
    data: dict[str, str] = found.get("data") or {}
    return data


def _as_configmap_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["example", "bare", "new-eks"])
def test_argocd_settings_reach_the_rendered_configmaps(variant: str, tmp_path: Path) -> None:
    tree = flatten(render(resolve(checked(_variant(variant)))))
    values = yaml.safe_load(tree["argocd/values.yaml"])["argo-cd"]
    objects = _render_umbrella(tree, tmp_path)

    cm = _config_map(objects, "argocd-cm")
    for key, value in values["configs"]["cm"].items():
        assert cm.get(key) == _as_configmap_value(value), key
    params = _config_map(objects, "argocd-cmd-params-cm")
    for key, value in values["configs"]["params"].items():
        assert params.get(key) == _as_configmap_value(value), key
    rbac = _config_map(objects, "argocd-rbac-cm")
    for key in ("policy.csv", "policy.default", "policy.matchMode", "scopes"):
        assert rbac[key] == values["configs"]["rbac"][key], key

    notifications = values["notifications"]
    if notifications["enabled"]:
        sent = _config_map(objects, "argocd-notifications-cm")
        for section in ("triggers", "templates", "notifiers"):
            for key, value in notifications[section].items():
                assert sent.get(key) == value, key
        assert yaml.safe_load(sent["subscriptions"]) == notifications["subscriptions"]
    else:
        assert not [o for o in objects if o["metadata"]["name"] == "argocd-notifications-cm"]

    if values["global"].get("nodeSelector"):
        # Every Argo CD pod, HA Redis and its HAProxy included, lands on the system nodes.
        for obj in objects:
            if obj["kind"] in {"Deployment", "StatefulSet"}:
                selector = obj["spec"]["template"]["spec"].get("nodeSelector", {})
                assert selector.get("node-role/system") == "true", obj["metadata"]["name"]


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["alb", "new-eks"])
def test_server_ingress_on_an_alb(variant: str, tmp_path: Path) -> None:
    """argo-cd 10.x's own AWS settings: an ALB Ingress plus the gRPC Service for the CLI."""
    tree = flatten(render(resolve(checked(_variant(variant)))))
    objects = _render_umbrella(tree, tmp_path)
    (ingress,) = [o for o in objects if o["kind"] == "Ingress"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    annotations = ingress["metadata"]["annotations"]
    assert annotations["alb.ingress.kubernetes.io/backend-protocol"] == "HTTPS"
    assert "cert-manager.io/cluster-issuer" not in annotations
    paths = ingress["spec"]["rules"][0]["http"]["paths"]
    assert {p["backend"]["service"]["name"] for p in paths} == {"argocd-server", "argocd-server-grpc"}
    (grpc,) = [o for o in objects if o["kind"] == "Service" and o["metadata"]["name"] == "argocd-server-grpc"]
    assert grpc["spec"]["type"] == "ClusterIP"
    assert grpc["metadata"]["annotations"]["alb.ingress.kubernetes.io/backend-protocol-version"] == "GRPC"


@pytest.mark.slow
def test_server_ingress_follows_the_answers(tmp_path: Path) -> None:
    tree = flatten(render(resolve(checked(_variant("two-eks")))))
    objects = _render_umbrella(tree, tmp_path)
    (ingress,) = [o for o in objects if o["kind"] == "Ingress"]
    assert ingress["spec"]["ingressClassName"] == "internal"
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert ingress["spec"]["tls"][0]["hosts"] == ["cd.acme.io"]


# --- add-on charts render with our values ------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize(
    ("addon", "variant"),
    # The seed (ingress-nginx) and a new repo on EKS (the ALB controller by default).
    [(a, "example") for a in sorted(ADDON_CHARTS) if a != "aws-load-balancer-controller"]
    + [(a, "new-eks") for a in sorted(ADDON_CHARTS) if a != "ingress-nginx"],
)
def test_addon_chart_renders_with_our_values(addon: str, variant: str) -> None:
    tree = flatten(render(resolve(checked(_variant(variant)))))
    values = yaml.safe_load(tree[f"apps/platform/{addon}/values.yaml"])
    if addon in {"karpenter", "aws-load-balancer-controller"}:
        # Per-cluster values from the Application (valuesObject) complete the shared file.
        (app, *_) = [d for d in yaml.safe_load_all(tree[f"apps/platform/{addon}/application.yaml"]) if d]
        values.update(app["spec"]["sources"][0]["helm"]["valuesObject"])
    objects = _objects(ADDON_CHARTS[addon], values, addon, "platform")
    workloads = [o for o in objects if o["kind"] in {"Deployment", "StatefulSet", "DaemonSet"}]
    assert workloads
    for obj in workloads:
        selector = obj["spec"]["template"]["spec"].get("nodeSelector", {})
        assert selector.get("node-role/system") == "true", obj["metadata"]["name"]
    if addon == "aws-load-balancer-controller":
        (deployment,) = workloads
        args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        assert "--cluster-name=hub-eks" in args and "--ingress-class=alb" in args
        (class_list,) = [o for o in objects if o["kind"] == "List"]
        (ingress_class,) = class_list["items"][1:]
        assert ingress_class["metadata"]["name"] == "alb"
    if addon == "cert-manager":
        (issuer,) = [o for o in objects if o["kind"] == "ClusterIssuer"]
        assert issuer["metadata"]["name"] == "letsencrypt-prod"
    if addon == "external-secrets":
        (store,) = [o for o in objects if o["kind"] == "ClusterSecretStore"]
        assert store["metadata"]["name"] == "aws-secrets-manager"
    if addon == "argocd-image-updater":
        maps = [o for o in objects if o["kind"] == "ConfigMap" and "registries.conf" in o.get("data", {})]
        (config,) = maps
        registries = yaml.safe_load(config["data"]["registries.conf"])["registries"]
        assert registries == values["config"]["registries"]
        # Every other config entry is a key of the same ConfigMap, which the Deployment reads.
        for key in ("log.level", "git.user"):
            assert config["data"][key] == values["config"][key]
