"""Argo CD's own install, the platform add-ons, the Terraform bootstrap, the README and the CI.

Each answers variant is rendered once per module; the tests read the parsed output and check
what a real Argo CD, Helm and Terraform would do with it: the argo-cd chart keys exist, the
Applications pass the strict CRD schemas, pins are pinned, add-ons land on the right clusters.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from gitops_scaffold.catalog import ADDONS
from gitops_scaffold.context import resolve
from gitops_scaffold.render import flatten, render
from tests.factory import EXAMPLE, SCHEMAS, checked
from tests.helm_checks import parse_manifests, render_manifests, write_tree

Tree = dict[str, str]

# --- answers variants -----------------------------------------------------------------------

EXAMPLE_ANSWERS: dict[str, Any] = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))

# No SSO, no domain, no HA, no notifications, no system nodes, one in-cluster cluster,
# the default add-ons (so karpenter has no EKS cluster to go to), no services.
BARE: dict[str, Any] = {
    "version": 1,
    "repo": {"url": "https://gitlab.example.com/platform/deploy.git", "revision": "trunk"},
    "argocd": {"namespace": "gitops", "ha": False, "system_nodes": False},
    "clusters": [{"name": "local", "server": "https://kubernetes.default.svc"}],
    "environments": [{"name": "live", "cluster": "local"}],
    "teams": [{"name": "ops", "groups": ["Ops Team"]}],
}

# Two EKS clusters and no in-cluster one; a custom add-on from an OCI registry.
TWO_EKS: dict[str, Any] = {
    "version": 1,
    "repo": {"url": "https://github.com/acme/gitops-config"},
    "argocd": {"domain": "cd.acme.io", "ingress_class": "internal", "ha": True},
    "clusters": [
        {
            "name": "eu",
            "server": "https://eu.eks.acme.io",
            "eks": {"cluster_name": "eu-eks", "role_arn": "arn:aws:iam::111111111111:role/argocd"},
        },
        {
            "name": "us",
            "server": "https://us.eks.acme.io",
            "eks": {
                "cluster_name": "us-eks",
                "role_arn": "arn:aws-us-gov:iam::222222222222:role/argocd",
            },
        },
    ],
    "environments": [
        {"name": "qa", "cluster": "eu"},
        {"name": "stage", "cluster": "eu"},
        {"name": "prod", "cluster": "us"},
    ],
    "teams": [
        {"name": "core", "groups": ["core-admins", "sre"], "admin": True},
        {"name": "shop", "groups": ["shop-devs"]},
    ],
    "services": [
        {"name": "cart", "team": "shop", "image": "ghcr.io/acme/cart", "tag": "2.3.4"},
    ],
    "platform": [
        {"name": "ingress-nginx"},
        {"name": "cert-manager"},
        {"name": "external-secrets"},
        {"name": "karpenter"},
        {
            "name": "metrics-server",
            "repo_url": "oci://registry.example.com/charts",
            "chart": "metrics-server",
            "version": "3.12.2",
            "namespace": "kube-system",
        },
    ],
    "notifications": {"slack": {"deployments": "releases", "alerts": "oncall"}},
}

# A new repository on EKS as a platform team would write it: Argo CD's own cluster and prod on
# EKS, every optional section set, and no ingress.controller, platform: or ingress_class, so the
# defaults decide (the AWS Load Balancer Controller, class alb).
NEW_EKS: dict[str, Any] = {
    "version": 1,
    "repo": {
        "url": "https://github.com/acme/gitops-config",
        "auth": {"method": "github_app", "secret": "platform/gitops-repo"},
    },
    "argocd": {
        "domain": "argocd.acme.io",
        "sso": {"name": "Okta", "issuer": "https://acme.okta.com", "client_id": "argocd"},
    },
    "clusters": [
        {
            "name": "hub",
            "server": "https://kubernetes.default.svc",
            "eks": {"cluster_name": "hub-eks", "role_arn": "arn:aws:iam::123456789012:role/argocd"},
        },
        {
            "name": "prod",
            "server": "https://prod.eks.acme.io",
            "eks": {"cluster_name": "prod-eks", "role_arn": "arn:aws:iam::123456789012:role/argocd-manager"},
        },
    ],
    "environments": [
        {"name": "dev", "cluster": "hub", "image_updates": True},
        {"name": "staging", "cluster": "hub"},
        {"name": "prod", "cluster": "prod"},
    ],
    "teams": [
        {"name": "platform", "groups": ["platform-engineers"], "admin": True},
        {"name": "shop", "groups": ["shop-devs"]},
    ],
    "services": [
        {
            "name": "cart",
            "team": "shop",
            "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/cart",
            "tag": "v2.3.4",
            "ingress": {
                "host": "cart.acme.io",
                "path": "/api",
                "hosts": {"dev": "cart.dev.acme.io", "staging": "cart.staging.acme.io"},
            },
            "autoscaling": {"min": 2, "max": 10},
            "database_secret": "prod/cart/db",
        },
    ],
    "notifications": {"slack": {"deployments": "deployments", "alerts": "platform-alerts"}},
    "image_updater": {"registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com"},
    "tls": {"issuer": "acme", "acme": {"email": "platform@acme.io", "hosted_zone_id": "Z0123456789ABC"}},
}

VARIANTS: dict[str, dict[str, Any]] = {
    "example": EXAMPLE_ANSWERS,
    "bare": BARE,
    "two-eks": TWO_EKS,
    "new-eks": NEW_EKS,
}


def _render(answers: dict[str, Any]) -> tuple[dict[str, Any], Tree]:
    view = resolve(checked(answers))
    return view, flatten(render(view))


@pytest.fixture(scope="module", params=sorted(VARIANTS))
def case(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any], Tree]:
    name = request.param
    view, tree = _render(VARIANTS[name])
    return name, view, tree


@pytest.fixture(scope="module")
def example() -> tuple[dict[str, Any], Tree]:
    return _render(EXAMPLE_ANSWERS)


@pytest.fixture(scope="module")
def bare() -> tuple[dict[str, Any], Tree]:
    return _render(BARE)


@pytest.fixture(scope="module")
def two_eks() -> tuple[dict[str, Any], Tree]:
    return _render(TWO_EKS)


def argo_values(tree: Tree) -> dict[str, Any]:
    values = yaml.safe_load(tree["argocd/values.yaml"])
    assert isinstance(values["argo-cd"], dict)
    return values


def docs(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def addon_apps(tree: Tree) -> dict[str, list[dict[str, Any]]]:
    """{add-on: its Applications} from apps/platform/<add-on>/application.yaml."""
    found = {}
    for path, text in tree.items():
        match = re.fullmatch(r"apps/platform/([^/]+)/application\.yaml", path)
        if match:
            found[match.group(1)] = docs(text)
    return found


# --- the argo-cd chart's keys -----------------------------------------------------------------
# Every key of argocd/values.yaml is checked against the real argo-cd chart (and its redis-ha
# subchart) at the pinned version in tests/test_upstream_charts.py: declared in its values.yaml
# and read by one of its templates.


def test_chart_depends_on_the_pinned_argo_cd_chart(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    chart = yaml.safe_load(tree["argocd/Chart.yaml"])
    assert chart["apiVersion"] == "v2"
    assert chart["dependencies"] == [
        {
            "name": "argo-cd",
            "version": view["argocd"]["chart_version"],
            "repository": "https://argoproj.github.io/argo-helm",
        }
    ]
    # The umbrella's own keys stay outside the subtree the upstream chart (and Terraform) reads.
    assert set(argo_values(tree)) == {"externalSecrets", "argo-cd"}


# --- SSO, RBAC, health ------------------------------------------------------------------------


def test_admin_is_disabled_exactly_when_sso_is_set(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    values = argo_values(tree)
    cm = values["argo-cd"]["configs"]["cm"]
    sso = view["argocd"]["sso"]
    assert cm["admin.enabled"] is (sso is None)
    assert values["argo-cd"]["dex"]["enabled"] is False
    assert values["externalSecrets"]["oidc"]["enabled"] is (sso is not None)
    if sso is None:
        assert "oidc.config" not in cm
        return
    oidc = yaml.safe_load(cm["oidc.config"])
    assert oidc["name"] == sso["name"]
    assert oidc["issuer"] == sso["issuer"]
    assert oidc["clientID"] == sso["client_id"]
    # A reference to a key of a Secret (written by External Secrets), never the secret itself.
    secret = values["externalSecrets"]["oidc"]
    assert oidc["clientSecret"] == f"${secret['secretName']}:{secret['secretKey']}"
    assert "groups" in oidc["requestedScopes"]


def test_rbac_gives_each_team_its_projects_and_admins_the_admin_role(
    case: tuple[str, dict[str, Any], Tree],
) -> None:
    _, view, tree = case
    rbac = argo_values(tree)["argo-cd"]["configs"]["rbac"]
    assert rbac["policy.default"] == "role:readonly"
    assert rbac["scopes"] == "[groups]"
    lines = [
        [part.strip() for part in line.split(",")]
        for line in rbac["policy.csv"].splitlines()
        if line.strip() and not line.lstrip().startswith("#")
    ]
    policies = {tuple(line[1:]) for line in lines if line[0] == "p"}
    bindings = {tuple(line[1:]) for line in lines if line[0] == "g"}
    for team in view["teams"]:
        role = f"role:team-{team['name']}"
        for env in view["environments"]:
            project = f"{team['name']}-{env['name']}"
            for resource, action in (
                ("applications", "get"),
                ("applications", "sync"),
                ("applications", "action/*"),
                ("logs", "get"),
            ):
                assert (role, resource, action, f"{project}/*", "allow") in policies
        for group in team["groups"]:
            assert (group, role) in bindings
            assert ((group, "role:admin") in bindings) is team["admin"]
    # Nothing but the team roles is granted: no wildcard projects.
    assert all(not p[3].startswith("*") for p in policies)


def test_application_health_check_lets_sync_waves_wait(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, _, tree = case
    cm = argo_values(tree)["argo-cd"]["configs"]["cm"]
    lua = cm["resource.customizations.health.argoproj.io_Application"]
    assert 'hs.status = "Progressing"' in lua
    assert "hs.status = obj.status.health.status" in lua
    assert lua.rstrip().endswith("return hs")
    assert cm["application.resourceTrackingMethod"] == "annotation"
    assert cm["statusbadge.enabled"] is True
    assert re.fullmatch(r"[0-9]+s", cm["timeout.reconciliation"])
    assert argo_values(tree)["argo-cd"]["configs"]["params"]["server.insecure"] is False


# --- ingress, HA, resources, node pinning -------------------------------------------------------


def test_ingress_and_domain_only_with_a_domain(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    argocd = argo_values(tree)["argo-cd"]
    domain = view["argocd"]["domain"]
    if domain is None:
        assert "domain" not in argocd["global"]
        assert "ingress" not in argocd["server"]
        return
    assert argocd["global"]["domain"] == domain
    ingress = argocd["server"]["ingress"]
    assert ingress["enabled"] is True
    assert ingress["ingressClassName"] == view["argocd"]["ingress_class"]
    assert ingress["tls"] is True
    if view["ingress"]["alb"]:
        # argo-cd's own AWS settings: an ALB to HTTPS pods, the certificate from ACM.
        assert ingress["controller"] == "aws" and ingress["aws"]["backendProtocolVersion"] == "GRPC"
        assert ingress["annotations"]["alb.ingress.kubernetes.io/backend-protocol"] == "HTTPS"
        assert "cert-manager.io/cluster-issuer" not in ingress["annotations"]
    else:
        assert ingress["annotations"]["cert-manager.io/cluster-issuer"]
        assert ingress["annotations"]["nginx.ingress.kubernetes.io/backend-protocol"] == "HTTPS"
    # The deprecated class annotation is never used.
    assert "kubernetes.io/ingress.class" not in ingress["annotations"]


def test_ha_replicas_and_redis(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    argocd = argo_values(tree)["argo-cd"]
    ha = view["argocd"]["ha"]
    for component in ("server", "repoServer", "applicationSet"):
        assert (argocd[component]["replicas"] >= 2) is ha
    for component in ("server", "repoServer"):
        assert argocd[component]["autoscaling"]["enabled"] is False
    assert argocd["redis-ha"]["enabled"] is ha
    assert argocd["redis"]["enabled"] is (not ha)
    assert 1 <= argocd["controller"]["replicas"] <= 3


def test_every_component_has_requests_and_limits(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    argocd = argo_values(tree)["argo-cd"]
    components = ["controller", "server", "repoServer", "applicationSet", "redisSecretInit"]
    if view["argocd"]["ha"]:
        nested = [argocd["redis-ha"]["redis"], argocd["redis-ha"]["sentinel"], argocd["redis-ha"]["haproxy"]]
    else:
        nested = [argocd["redis"]]
    if view["notifications"]:
        components.append("notifications")
    for resources in [argocd[c]["resources"] for c in components] + [n["resources"] for n in nested]:
        assert set(resources) == {"requests", "limits"}
        assert {"cpu", "memory"} <= set(resources["requests"])
        assert "memory" in resources["limits"]


SYSTEM_LABEL = "node-role/system"


def test_node_pinning_only_with_system_nodes(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    argocd = argo_values(tree)["argo-cd"]
    pinned = view["argocd"]["system_nodes"]
    assert (SYSTEM_LABEL in argocd["global"].get("nodeSelector", {})) is pinned
    tolerations = argocd["global"].get("tolerations", [])
    assert ({"key": "CriticalAddonsOnly", "operator": "Exists"} in tolerations) is pinned
    if view["argocd"]["ha"]:
        assert (SYSTEM_LABEL in argocd["redis-ha"].get("nodeSelector", {})) is pinned
        # redis-ha's HAProxy reads the subchart's top-level nodeSelector, no key of its own.
        assert set(argocd["redis-ha"]["haproxy"]) == {"resources"}
    for path, text in tree.items():
        if path.startswith("apps/platform/") and path.endswith("/values.yaml"):
            assert (SYSTEM_LABEL in text) is pinned, path


# --- notifications ----------------------------------------------------------------------------


def test_notifications_only_when_configured(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    values = argo_values(tree)
    notifications = values["argo-cd"]["notifications"]
    slack = view["notifications"]["slack"] if view["notifications"] else None
    assert notifications["enabled"] is (slack is not None)
    assert values["externalSecrets"]["notifications"]["enabled"] is (slack is not None)
    if slack is None:
        assert set(notifications) == {"enabled"}
        return
    assert notifications["secret"]["create"] is False
    assert yaml.safe_load(notifications["notifiers"]["service.slack"]) == {"token": "$slack-token"}
    expected = []
    for env in view["environments"]:
        selector = f"gitops-scaffold.io/environment={env['name']}"
        expected += [
            {
                "recipients": [f"slack:{slack['deployments']}"],
                "selector": selector,
                "triggers": ["on-deployed", "on-sync-succeeded"],
            },
            {
                "recipients": [f"slack:{slack['alerts']}"],
                "selector": selector,
                "triggers": ["on-sync-failed", "on-health-degraded"],
            },
        ]
    assert notifications["subscriptions"] == expected
    catalog = yaml.safe_load(CATALOG.read_text(encoding="utf-8"))["data"]
    for name, template in (
        ("on-deployed", "app-deployed"),
        ("on-sync-succeeded", "app-sync-succeeded"),
        ("on-sync-failed", "app-sync-failed"),
        ("on-health-degraded", "app-health-degraded"),
    ):
        # Identical to the catalog of the pinned Argo CD line, condition and message alike.
        trigger = notifications["triggers"][f"trigger.{name}"]
        assert yaml.safe_load(trigger) == yaml.safe_load(catalog[f"trigger.{name}"])
        (condition,) = yaml.safe_load(trigger)
        assert condition["send"] == [template]
        text = notifications["templates"][f"template.{template}"]
        assert yaml.safe_load(text) == yaml.safe_load(catalog[f"template.{template}"])
    on_deployed = yaml.safe_load(notifications["triggers"]["trigger.on-deployed"])[0]["when"]
    # argoproj/argo-cd #21944 and #22204: healthy within a minute of the sync's end, or before it began.
    assert "Add(1 * time.Minute)" in on_deployed
    assert "operationState.startedAt" in on_deployed


CATALOG = (
    Path(__file__).parent / "resources" / "upstream" / "argo-cd-v3.5.1" / "notifications-catalog-install.yaml"
)


def test_no_secret_value_is_written(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, _, tree = case
    mine = [p for p in tree if p.startswith(("argocd/", "apps/platform/", "terraform/", "bootstrap/root/"))]
    for path in mine:
        text = tree[path]
        assert not re.search(r"xox[abp]-[0-9A-Za-z-]+", text), path
        assert "BEGIN PRIVATE KEY" not in text, path
        assert not re.search(r"(?i)(password|token|clientSecret)\s*:\s*[\"']?[A-Za-z0-9+/]{20,}", text), path


def test_external_secrets_render_once_the_cluster_serves_them(
    example: tuple[dict[str, Any], Tree],
    tmp_path: Path,
) -> None:
    """The umbrella's own templates, rendered by Helm without the (network-only) dependency."""
    _, tree = example
    chart_files = {p.removeprefix("argocd/"): t for p, t in tree.items() if p.startswith("argocd/")}
    chart = yaml.safe_load(chart_files["Chart.yaml"])
    chart.pop("dependencies")
    chart_files["Chart.yaml"] = yaml.safe_dump(chart)
    values = yaml.safe_load(chart_files["values.yaml"])

    before = write_tree(chart_files, tmp_path / "before")
    assert parse_manifests(render_manifests(before, values, name="argocd", namespace="argocd")) == []

    # Emulate a cluster that serves external-secrets.io/v1 (Argo CD passes its API versions).
    served = {
        p: t.replace('(.Capabilities.APIVersions.Has "external-secrets.io/v1")', "true")
        for p, t in chart_files.items()
    }
    after = write_tree(served, tmp_path / "after")
    objects = parse_manifests(render_manifests(after, values, name="argocd", namespace="argocd"))
    assert {o["metadata"]["name"] for o in objects} == {"argocd-oidc", "argocd-notifications-secret"}
    for obj in objects:
        jsonschema.validate(obj, ARGOCD_EXTERNAL_SECRET_SCHEMA)
        assert obj["metadata"]["namespace"] == "argocd"
        assert obj["apiVersion"] == "external-secrets.io/v1"
        assert obj["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
        assert obj["spec"]["target"]["template"]["metadata"]["labels"] == {
            "app.kubernetes.io/part-of": "argocd"
        }
    keys = {o["metadata"]["name"]: o["spec"]["data"][0]["secretKey"] for o in objects}
    assert keys == {"argocd-oidc": "clientSecret", "argocd-notifications-secret": "slack-token"}


def _closed(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


_STR = {"type": "string", "minLength": 1}
_LABELS = {"type": "object", "additionalProperties": {"type": "string"}}

# The fields of the external-secrets.io/v1 ExternalSecret CRD these templates use, closed.
ARGOCD_EXTERNAL_SECRET_SCHEMA = _closed(
    {
        "apiVersion": {"const": "external-secrets.io/v1"},
        "kind": {"const": "ExternalSecret"},
        "metadata": _closed({"name": _STR, "namespace": _STR, "labels": _LABELS}, ["name"]),
        "spec": _closed(
            {
                "refreshInterval": _STR,
                "secretStoreRef": _closed(
                    {"kind": {"enum": ["SecretStore", "ClusterSecretStore"]}, "name": _STR},
                    ["name"],
                ),
                "target": _closed(
                    {
                        "name": _STR,
                        "creationPolicy": {"enum": ["Owner", "Orphan", "Merge", "None"]},
                        "template": _closed({"metadata": _closed({"labels": _LABELS}, [])}, []),
                    },
                    [],
                ),
                "data": {
                    "type": "array",
                    "minItems": 1,
                    "items": _closed(
                        {
                            "secretKey": _STR,
                            "remoteRef": _closed({"key": _STR, "property": _STR}, ["key"]),
                        },
                        ["secretKey", "remoteRef"],
                    ),
                },
            },
            ["secretStoreRef", "target", "data"],
        ),
    },
    ["apiVersion", "kind", "metadata", "spec"],
)


# --- Argo CD objects --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def application_schema() -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(json.loads((SCHEMAS / "application.json").read_text()))


def my_argo_objects(tree: Tree) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in ("bootstrap/root/argocd.yaml", "bootstrap/root/platform-apps.yaml"):
        for doc in docs(tree[path]):
            yield path, doc
    for name, apps in addon_apps(tree).items():
        for app in apps:
            yield f"apps/platform/{name}/application.yaml", app


def test_argo_objects_pass_the_strict_schema(
    case: tuple[str, dict[str, Any], Tree],
    application_schema: jsonschema.Draft7Validator,
) -> None:
    _, _, tree = case
    objects = list(my_argo_objects(tree))
    assert len(objects) > 2
    for path, obj in objects:
        errors = [f"{'/'.join(map(str, e.path))}: {e.message}" for e in application_schema.iter_errors(obj)]
        assert errors == [], path


def test_root_children_waves_and_policies(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    (argocd,) = docs(tree["bootstrap/root/argocd.yaml"])
    (platform,) = docs(tree["bootstrap/root/platform-apps.yaml"])
    ns = view["argocd"]["namespace"]
    assert argocd["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "0"
    assert platform["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "1"
    for app in (argocd, platform):
        assert app["metadata"]["namespace"] == ns
        assert app["spec"]["project"] == "platform"
        assert app["spec"]["destination"] == {"server": "https://kubernetes.default.svc", "namespace": ns}
        assert app["spec"]["syncPolicy"]["automated"]["prune"] is False
        assert "finalizers" not in app["metadata"]
        assert app["spec"]["source"]["repoURL"] == view["repo"]["url"]
        assert app["spec"]["source"]["targetRevision"] == view["repo"]["revision"]
    assert argocd["spec"]["source"]["path"] == "argocd"
    assert argocd["spec"]["source"]["helm"]["valueFiles"] == ["values.yaml"]
    assert "ServerSideApply=true" in argocd["spec"]["syncPolicy"]["syncOptions"]


def test_platform_apps_applies_only_argo_objects(case: tuple[str, dict[str, Any], Tree]) -> None:
    """Emulates Argo CD's directory walk: recurse, then the include glob on the relative path."""
    _, _, tree = case
    (platform,) = docs(tree["bootstrap/root/platform-apps.yaml"])
    source = platform["spec"]["source"]
    assert source["directory"]["recurse"] is True
    include = source["directory"]["include"]
    base = source["path"] + "/"
    picked = {
        p
        for p in tree
        if p.startswith(base)
        and p.endswith((".yaml", ".yml", ".json"))
        and fnmatch.fnmatchcase(p.removeprefix(base), include)
    }
    assert picked == {f"apps/platform/{name}/application.yaml" for name in addon_apps(tree)}
    for path in picked:
        assert {d["kind"] for d in docs(tree[path])} == {"Application"}


# --- add-ons ----------------------------------------------------------------------------------


def test_addon_applications_are_pinned_and_read_their_values(
    case: tuple[str, dict[str, Any], Tree],
) -> None:
    _, view, tree = case
    addons = {a["name"]: a for a in view["platform"]}
    for name, apps in addon_apps(tree).items():
        addon = addons[name]
        for app in apps:
            if app["metadata"]["name"].startswith("karpenter-nodes-"):
                continue  # Karpenter's node config from this repo (tests/test_platform_config.py)
            chart_source, values_source = app["spec"]["sources"]
            version = chart_source["targetRevision"]
            assert version == addon["version"]
            assert re.fullmatch(r"v?[0-9]+\.[0-9]+\.[0-9]+", version)
            assert "*" not in version and version not in {"latest", "HEAD"}
            assert chart_source["repoURL"] == addon["source_url"]
            if addon["repo_url"].startswith("oci://"):
                assert chart_source["repoURL"] == f"{addon['repo_url']}/{addon['chart']}"
                assert chart_source["path"] == "." and "chart" not in chart_source
            else:
                assert chart_source["chart"] == addon["chart"]
            (value_file,) = chart_source["helm"]["valueFiles"]
            assert value_file == f"$values/apps/platform/{name}/values.yaml"
            assert value_file.removeprefix("$values/") in tree
            assert values_source == {
                "repoURL": view["repo"]["url"],
                "targetRevision": view["repo"]["revision"],
                "ref": "values",
            }
            spec = app["spec"]
            assert spec["project"] == "platform"
            assert spec["destination"]["namespace"] == addon["namespace"]
            assert spec["syncPolicy"]["automated"] == {"prune": False, "selfHeal": True}
            assert {"CreateNamespace=true", "ServerSideApply=true"} <= set(spec["syncPolicy"]["syncOptions"])
            assert "finalizers" not in app["metadata"]


def test_catalog_pins_are_exact_versions() -> None:
    for name, spec in ADDONS.items():
        assert re.fullmatch(r"v?[0-9]+\.[0-9]+\.[0-9]+", spec.version), name
        assert spec.repo_url.startswith(("https://", "oci://")), name
    assert ADDONS["karpenter"].repo_url == "oci://public.ecr.aws/karpenter"


def targets(tree: Tree, addon: str) -> dict[str, str]:
    return {
        app["metadata"]["name"]: app["spec"]["destination"]["server"]
        for app in addon_apps(tree).get(addon, [])
        if not app["metadata"]["name"].startswith("karpenter-nodes-")
    }


def test_example_addons_land_on_the_right_clusters(example: tuple[dict[str, Any], Tree]) -> None:
    _, tree = example
    dev, prod = "https://kubernetes.default.svc", "https://prod-cluster.eks.acme.com"
    for addon in ("ingress-nginx", "cert-manager", "external-secrets"):
        assert targets(tree, addon) == {f"{addon}-dev": dev, f"{addon}-prod": prod}
    assert targets(tree, "karpenter") == {"karpenter-prod": prod}
    assert targets(tree, "argocd-image-updater") == {"argocd-image-updater-dev": dev}
    karpenter, _nodes = addon_apps(tree)["karpenter"]
    per_cluster = karpenter["spec"]["sources"][0]["helm"]["valuesObject"]
    assert per_cluster["settings"]["clusterName"] == "prod-eks"
    assert per_cluster["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == (
        "arn:aws:iam::123456789012:role/KarpenterControllerRole-prod-eks"
    )


def test_bare_repo_has_no_karpenter_files(bare: tuple[dict[str, Any], Tree]) -> None:
    _, tree = bare
    assert not any(p.startswith("apps/platform/karpenter/") for p in tree)
    assert "none (no EKS cluster)" in tree["README.md"]
    assert targets(tree, "ingress-nginx") == {"ingress-nginx-local": "https://kubernetes.default.svc"}
    assert not any(p.startswith("apps/platform/argocd-image-updater/") for p in tree)


def test_two_eks_clusters(two_eks: tuple[dict[str, Any], Tree]) -> None:
    _, tree = two_eks
    eu, us, own = "https://eu.eks.acme.io", "https://us.eks.acme.io", "https://kubernetes.default.svc"
    # Argo CD's own cluster gets the add-ons its install needs, though no environment runs there.
    assert targets(tree, "cert-manager") == {
        "cert-manager-in-cluster": own,
        "cert-manager-eu": eu,
        "cert-manager-us": us,
    }
    assert targets(tree, "karpenter") == {"karpenter-eu": eu, "karpenter-us": us}
    roles = {
        app["metadata"]["name"]: app["spec"]["sources"][0]["helm"]["valuesObject"]
        for app in addon_apps(tree)["karpenter"]
        if "sources" in app["spec"]
    }
    assert roles["karpenter-eu"]["settings"]["clusterName"] == "eu-eks"
    assert roles["karpenter-us"]["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == (
        "arn:aws-us-gov:iam::222222222222:role/KarpenterControllerRole-us-eks"
    )
    (metrics, *_) = addon_apps(tree)["metrics-server"]
    assert metrics["spec"]["sources"][0]["repoURL"] == "oci://registry.example.com/charts/metrics-server"
    assert yaml.safe_load(tree["apps/platform/metrics-server/values.yaml"]) == {}
    ingress = yaml.safe_load(tree["apps/platform/ingress-nginx/values.yaml"])
    assert ingress["controller"]["ingressClassResource"]["name"] == "internal"
    assert ingress["controller"]["ingressClass"] == "internal"


def test_external_secrets_store(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    values = yaml.safe_load(tree["apps/platform/external-secrets/values.yaml"])
    assert values["installCRDs"] is True
    assert values["leaderElect"] is (values["replicaCount"] > 1)
    (store,) = values["extraObjects"]
    assert store["apiVersion"] == "external-secrets.io/v1"
    assert store["kind"] == "ClusterSecretStore"
    assert store["metadata"]["name"] == argo_values(tree)["externalSecrets"]["secretStore"]["name"]
    assert store["spec"]["provider"]["aws"] == {"service": "SecretsManager", "region": view["aws_region"]}
    assert (
        "SkipDryRunOnMissingResource=true"
        in store["metadata"]["annotations"]["argocd.argoproj.io/sync-options"]
    )


def test_region_comes_from_ecr(
    example: tuple[dict[str, Any], Tree], bare: tuple[dict[str, Any], Tree]
) -> None:
    assert example[0]["aws_region"] == "eu-west-1"
    assert bare[0]["aws_region"] == "us-east-1"


def test_cert_manager_and_image_updater_values(example: tuple[dict[str, Any], Tree]) -> None:
    _, tree = example
    cert_manager = yaml.safe_load(tree["apps/platform/cert-manager/values.yaml"])
    assert cert_manager["crds"] == {"enabled": True, "keep": True}
    for part in (cert_manager, cert_manager["webhook"], cert_manager["cainjector"]):
        assert part["replicaCount"] == 2
        assert part["nodeSelector"][SYSTEM_LABEL] == "true"
    updater = yaml.safe_load(tree["apps/platform/argocd-image-updater/values.yaml"])
    (registry,) = updater["config"]["registries"]
    assert registry["prefix"] == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    assert registry["credentials"] == "ext:/scripts/ecr-login.sh"
    assert "--region eu-west-1" in updater["authScripts"]["scripts"]["ecr-login.sh"]


# --- Terraform --------------------------------------------------------------------------------


def test_terraform_reads_existing_files_and_pins_the_chart(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    main = tree["terraform/main.tf"]
    for ref in re.findall(r'\$\{path\.module\}/\.\./([^"]+)"', main):
        assert ref in {"argocd/values.yaml", "bootstrap/root-app.yaml"}
        if ref == "argocd/values.yaml":
            assert ref in tree
    assert f'argocd_chart_version = "{view["argocd"]["chart_version"]}"' in main
    assert f'argocd_namespace     = "{view["argocd"]["namespace"]}"' in main
    assert 'chart            = "argo-cd"' in main
    assert "for_each = local.root_app_objects" in main
    versions = tree["terraform/versions.tf"]
    assert re.search(r'source\s+=\s+"hashicorp/helm"\s+version\s+=\s+"~> 3\.0"', versions)
    assert re.search(r'source\s+=\s+"hashicorp/kubernetes"\s+version\s+=\s+"~> 2\.[0-9]+"', versions)
    for name in ("main.tf", "versions.tf", "variables.tf", "outputs.tf"):
        text = tree[f"terraform/{name}"]
        assert text.count("{") == text.count("}"), name
        assert text.count("(") == text.count(")"), name


def test_terraform_is_valid_hcl(example: tuple[dict[str, Any], Tree]) -> None:
    hcl2 = pytest.importorskip("hcl2")
    _, tree = example
    parsed = {
        name: hcl2.loads(tree[f"terraform/{name}"])
        for name in ("main.tf", "versions.tf", "variables.tf", "outputs.tf")
    }
    assert parsed["main.tf"]["resource"]


def split_like_terraform(text: str) -> list[Any]:
    """main.tf's split of a multi-document file: on "\\n---", skipping comment-only parts."""
    parts = ("\n" + text).split("\n---")
    return [yaml.safe_load(p) for p in parts if re.sub(r"(?m)^\s*#.*$", "", p).strip()]


def test_terraform_document_split_matches_yaml() -> None:
    text = (
        "# header\n# more\n---\napiVersion: v1\nkind: A\nmetadata: {name: a}\n"
        "---\n# comment only\n---\napiVersion: v1\nkind: B\nmetadata: {name: b}\n"
    )
    assert [d["kind"] for d in split_like_terraform(text)] == ["A", "B"]
    assert split_like_terraform(text) == docs(text)


def test_terraform_splits_the_real_root_app(example: tuple[dict[str, Any], Tree]) -> None:
    _, tree = example
    if "bootstrap/root-app.yaml" not in tree:
        pytest.skip("bootstrap/root-app.yaml is not rendered yet")
    objects = split_like_terraform(tree["bootstrap/root-app.yaml"])
    assert objects == docs(tree["bootstrap/root-app.yaml"])
    assert {o["kind"] for o in objects} == {"AppProject", "Application"}


# --- README and CI ----------------------------------------------------------------------------


def test_readme_covers_the_answers(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    readme = tree["README.md"]
    for section in ("environments", "clusters", "teams", "services"):
        for item in view[section]:
            assert f"`{item['name']}`" in readme, (section, item["name"])
    for addon in view["platform"]:
        assert f"`{addon['name']}`" in readme
    ns = view["argocd"]["namespace"]
    assert f"kubectl apply -n {ns} -f bootstrap/root-app.yaml" in readme
    assert "scaffold add-service" in readme and "scaffold add-env" in readme
    assert "scaffold validate ." in readme
    assert "values-" in readme and "image.tag" in readme


def test_ci_runs_scaffold_validate_with_pinned_actions(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, view, tree = case
    workflow = yaml.safe_load(tree[".github/workflows/validate.yaml"])
    triggers = workflow.get("on", workflow.get(True))
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == [view["repo"]["revision"]]
    (job,) = workflow["jobs"].values()
    uses = [s["uses"] for s in job["steps"] if "uses" in s]
    assert {u.split("@")[0] for u in uses} == {"actions/checkout", "actions/setup-python"}
    # Pinned by full commit SHA (the tag is in a comment; tests/test_ci_workflows.py checks it).
    assert all(re.fullmatch(r"[\w/-]+@[0-9a-f]{40}", u) for u in uses)
    runs = [s["run"] for s in job["steps"] if "run" in s]
    assert f'"gitops-scaffold[validate]=={view["tool_version"]}"' in runs[0]
    assert runs[-1] == "scaffold validate --output github ."


def test_gitattributes_marks_the_scaffold_record_generated(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, _, tree = case
    assert ".scaffold/** linguist-generated=true" in tree[".gitattributes"].splitlines()


def test_every_generated_file_says_what_it_is(case: tuple[str, dict[str, Any], Tree]) -> None:
    _, _, tree = case
    mine = [
        p
        for p in tree
        if p.startswith(
            (
                "argocd/",
                "apps/platform/",
                "terraform/",
                "bootstrap/root/argocd",
                "bootstrap/root/platform-apps",
                ".github/",
            )
        )
        or p in {"README.md", ".gitattributes", ".gitignore", ".pre-commit-config.yaml", "renovate.json"}
    ]
    for path in mine:
        if path.endswith(".helmignore"):
            continue
        assert "Managed by gitops-scaffold" in tree[path][:600], path


def test_rendering_is_deterministic() -> None:
    first = _render(copy.deepcopy(TWO_EKS))[1]
    second = _render(copy.deepcopy(TWO_EKS))[1]
    assert first == second


def test_platform_project_permits_every_platform_application(
    case: tuple[str, dict[str, Any], Tree],
) -> None:
    """Argo CD refuses an Application whose repo or destination its project does not list."""
    _, _, tree = case
    if "bootstrap/root-app.yaml" not in tree:
        pytest.skip("bootstrap/root-app.yaml is not rendered yet")
    (project,) = [d for d in docs(tree["bootstrap/root-app.yaml"]) if d["kind"] == "AppProject"]
    assert project["metadata"]["name"] == "platform"
    repos = set(project["spec"]["sourceRepos"])
    destinations = {(d["server"], d["namespace"]) for d in project["spec"]["destinations"]}
    for path, app in my_argo_objects(tree):
        spec = app["spec"]
        sources = spec.get("sources") or [spec["source"]]
        for source in sources:
            assert source["repoURL"] in repos, (path, source["repoURL"])
        destination = (spec["destination"]["server"], spec["destination"]["namespace"])
        assert destination in destinations, (path, destination)
