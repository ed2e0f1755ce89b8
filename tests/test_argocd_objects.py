"""The Argo CD objects of a rendered repository are what a real Argo CD v3.5 accepts.

For several answers files, the whole tree is rendered once and its Argo CD layer is checked:
every Application, ApplicationSet and AppProject against the strict schemas of Argo CD's CRDs,
the bootstrap (platform project + root), the root's children and their sync waves, the team
AppProjects (exact, wildcard-free, valid for argocd-server), cluster registrations (no
credential in Git) and the ImageUpdaters.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from gitops_scaffold.context import resolve
from gitops_scaffold.model import Answers
from gitops_scaffold.render import TEMPLATES_DIR, flatten, instances, render, render_instance
from tests.argocd_checks import (
    CLUSTER_EXTERNAL_SECRET_SCHEMA,
    IMAGE_UPDATER_SCHEMA,
    IN_CLUSTER,
    argocd_documents,
    documents,
    project_permits,
    project_problems,
    schema_errors,
    wildcards,
)
from tests.helm_checks import PROJECT_KINDS

EXAMPLE = Path(__file__).parents[1] / "examples/platform/scaffold.yaml"

# One in-cluster cluster, one (production) environment, one team, one service with nothing
# optional; no notifications, no image updater, no SSO, no domain.
MINIMAL: dict[str, Any] = {
    "repo": {"url": "https://github.com/acme/mini-config"},
    "clusters": [{"name": "local", "server": "https://kubernetes.default.svc"}],
    "environments": [{"name": "prod", "cluster": "local"}],
    "teams": [{"name": "core", "groups": ["core-team"]}],
    "services": [{"name": "api", "team": "core", "image": "ghcr.io/acme/api", "tag": "1.0.0"}],
    "platform": [{"name": "cert-manager"}, {"name": "external-secrets"}],
}

# Four clusters (in-cluster, EKS, and two registered by token, one with its own secret name),
# five environments (a manual non-production one, two production ones, windows with time zones
# and manual syncs), a team without services, services with and without autoscaling and with
# release and non-release tags; production opted into image updates (and never gets them).
WIDE: dict[str, Any] = {
    "repo": {"url": "git@github.com:acme/wide-config.git", "revision": "release"},
    "argocd": {"namespace": "gitops", "ha": False, "system_nodes": False},
    "clusters": [
        {"name": "mgmt", "server": "https://kubernetes.default.svc"},
        {"name": "eu", "server": "https://eu.k8s.acme.com"},
        {"name": "us", "server": "https://us.k8s.acme.com",
         "eks": {"cluster_name": "us-prod", "role_arn": "arn:aws:iam::123456789012:role/argo"}},
        {"name": "ap", "server": "https://ap.k8s.acme.com:6443",
         "credentials_secret": "infra/clusters/ap"},
    ],
    "environments": [
        {"name": "dev", "cluster": "mgmt", "image_updates": True},
        {"name": "qa", "cluster": "mgmt", "auto_sync": False, "image_updates": True},
        {"name": "stage", "cluster": "eu", "namespace_suffix": "-stg", "self_heal": False,
         "sync_windows": [{"kind": "allow", "schedule": "0 22 * * *", "duration": "8h",
                           "manual_sync": True, "timezone": "Europe/Berlin"}]},
        {"name": "prod", "cluster": "us", "production": True, "auto_sync": False,
         "image_updates": True,
         "sync_windows": [
             {"kind": "deny", "schedule": "0 8 * * MON-FRI", "duration": "2h"},
             {"kind": "deny", "schedule": "0 0 * * SAT", "duration": "24h", "manual_sync": True,
              "timezone": "America/New_York"},
         ]},
        {"name": "dr", "cluster": "ap"},
    ],
    "teams": [
        {"name": "platform", "groups": ["platform", "sre"], "admin": True},
        {"name": "shop", "groups": ["shop-devs", "shop-leads"]},
        {"name": "data", "groups": ["data-eng"]},
        {"name": "ops", "groups": ["ops-team"]},
    ],
    "services": [
        {"name": "storefront", "team": "shop", "image": "ghcr.io/acme/storefront",
         "tag": "2024.11.03-abc123", "autoscaling": {"min": 3, "max": 9, "cpu": 50},
         "ingress": {"host": "shop.acme.com"}},
        {"name": "catalog", "team": "shop", "image": "ghcr.io/acme/catalog", "tag": "v3.1.0"},
        {"name": "ledger", "team": "data", "image": "ghcr.io/acme/ledger", "tag": "0.9.1"},
        {"name": "inventory-worker", "team": "data", "image": "ghcr.io/acme/inventory",
         "tag": "v1.0.0-rc.1", "autoscaling": {"min": 1, "max": 4}},
    ],
    "platform": [{"name": "ingress-nginx"}, {"name": "external-secrets"},
                 {"name": "cert-manager"}, {"name": "karpenter"}],
    "notifications": {"slack": {"deployments": "deploys", "alerts": "shop-alerts"}},
    "image_updater": {"registry": "ghcr.io"},
}

# Teams and opted-in environments but no service yet, and only remote clusters: Argo CD itself
# still runs "in-cluster".
NO_SERVICES: dict[str, Any] = {
    "repo": {"url": "https://gitlab.acme.com/platform/gitops.git"},
    "clusters": [
        {"name": "dev", "server": "https://dev.eks.acme.com",
         "eks": {"cluster_name": "dev", "role_arn": "arn:aws:iam::210987654321:role/argocd"}},
        {"name": "prod", "server": "https://prod.eks.acme.com",
         "eks": {"cluster_name": "prod", "role_arn": "arn:aws:iam::210987654321:role/argocd"}},
    ],
    "environments": [
        {"name": "dev", "cluster": "dev", "image_updates": True},
        {"name": "prod", "cluster": "prod"},
    ],
    "teams": [{"name": "infra", "groups": ["infra"], "admin": True}, {"name": "web", "groups": ["web"]}],
    "image_updater": {"registry": "ghcr.io"},
}

ANSWERS: dict[str, dict[str, Any]] = {
    "example": yaml.safe_load(EXAMPLE.read_text(encoding="utf-8")),
    "minimal": MINIMAL,
    "wide": WIDE,
    "no-services": NO_SERVICES,
}

WAVE = "argocd.argoproj.io/sync-wave"
FINALIZER = "resources-finalizer.argocd.argoproj.io"
ROOT_CHILD_WAVES = {
    "projects": "-2", "clusters": "-1", "argocd": "0", "platform-apps": "1", "services": "2",
    "image-updates": "3",
}


@dataclass
class Repo:
    name: str
    view: dict[str, Any]
    tree: dict[str, str]

    @property
    def namespace(self) -> str:
        return str(self.view["argocd"]["namespace"])

    def objects(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        return [(p, o) for p, o in argocd_documents(self.tree) if o["kind"] == kind]

    def one(self, path: str) -> dict[str, Any]:
        (doc,) = documents(self.tree, path)
        return doc

    def project(self, name: str) -> dict[str, Any]:
        return self.one(f"projects/{name}.yaml")


@pytest.fixture(scope="module", params=sorted(ANSWERS))
def repo(request: pytest.FixtureRequest) -> Repo:
    view = resolve(Answers.model_validate(ANSWERS[request.param]))
    return Repo(request.param, view, flatten(render(view)))


# --- everything -------------------------------------------------------------------------------


def test_every_argocd_object_is_strictly_valid(repo: Repo) -> None:
    found = list(argocd_documents(repo.tree))
    assert {o["kind"] for _, o in found} == {"Application", "ApplicationSet", "AppProject"}
    for path, obj in found:
        assert schema_errors(obj) == [], f"{path}: {obj['kind']} {obj['metadata']['name']}"
        assert obj["metadata"]["namespace"] == repo.namespace, path


def test_projects_pass_argocd_server_validation(repo: Repo) -> None:
    for path, project in repo.objects("AppProject"):
        assert project_problems(project) == [], path


def test_every_application_is_permitted_by_its_project(repo: Repo) -> None:
    projects = {o["metadata"]["name"]: o for _, o in repo.objects("AppProject")}
    for path, app in repo.objects("Application"):
        project = projects[app["spec"]["project"]]
        assert project_permits(project, app) == [], f"{path}: {app['metadata']['name']}"


# --- the bootstrap ----------------------------------------------------------------------------


def test_root_app_holds_the_platform_project_and_root(repo: Repo) -> None:
    project, root = documents(repo.tree, "bootstrap/root-app.yaml")
    assert (project["kind"], project["metadata"]["name"]) == ("AppProject", "platform")
    assert (root["kind"], root["metadata"]["name"]) == ("Application", "root")
    assert "kubectl apply -n " + repo.namespace + " -f bootstrap/root-app.yaml" in repo.tree[
        "bootstrap/root-app.yaml"
    ]
    assert root["spec"]["project"] == "platform"
    assert root["spec"]["source"] == {
        "repoURL": repo.view["repo"]["url"],
        "targetRevision": repo.view["repo"]["revision"],
        "path": "bootstrap/root",
    }
    assert root["spec"]["destination"] == {"server": IN_CLUSTER, "namespace": repo.namespace}
    assert root["spec"]["syncPolicy"]["automated"] == {"prune": False, "selfHeal": True}
    assert "finalizers" not in root["metadata"]
    # The copy root keeps in sync is the same object.
    assert repo.project("platform") == project


def test_platform_project_is_exact(repo: Repo) -> None:
    project = repo.project("platform")["spec"]
    addons = repo.view["platform"]
    expected_repos = [repo.view["repo"]["url"], *[a["source_url"] for a in addons]]
    expected_repos.append("https://argoproj.github.io/argo-helm")
    assert project["sourceRepos"] == list(dict.fromkeys(expected_repos))

    expected = {(IN_CLUSTER, repo.namespace)}
    for _, app in repo.objects("Application"):
        if app["spec"]["project"] == "platform":
            expected.add((app["spec"]["destination"]["server"],
                          app["spec"]["destination"]["namespace"]))
    for addon in addons:
        if addon["name"] in ("cert-manager", "karpenter"):
            expected |= {(c["server"], "kube-system") for c in addon["clusters"]}
    destinations = [(d["server"], d["namespace"]) for d in project["destinations"]]
    assert sorted(destinations) == sorted(expected)
    assert project["clusterResourceWhitelist"] == [{"group": "*", "kind": "*"}]

    admin_groups = [g for t in repo.view["teams"] if t["admin"] for g in t["groups"]]
    if admin_groups:
        (role,) = project["roles"]
        assert role["groups"] == admin_groups
    else:
        assert "roles" not in project


def test_root_children_and_waves(repo: Repo) -> None:
    view = repo.view
    children = {p: o for p, o in argocd_documents(repo.tree) if p.startswith("bootstrap/root/")}
    expected = {"projects", "argocd", "platform-apps", "service-apps"}
    if view["remote_clusters"]:
        expected.add("clusters")
    if view["image_update_targets"] and view["services"]:
        expected.add("image-updates")
    assert {p.removeprefix("bootstrap/root/").removesuffix(".yaml") for p in children} == expected
    for path, child in children.items():
        name = child["metadata"]["name"]
        assert child["metadata"]["annotations"][WAVE] == ROOT_CHILD_WAVES[name], path
        assert "finalizers" not in child["metadata"], path
        if child["kind"] == "Application":
            assert child["spec"]["project"] == "platform", path
            assert child["spec"]["destination"]["server"] == IN_CLUSTER, path
            source_path = child["spec"]["source"]["path"]
            # Argo CD fails an Application whose path is missing, and Git keeps no empty
            # directory: every child's directory has manifests.
            assert any(p.startswith(source_path + "/") and p.endswith(".yaml") for p in repo.tree), path

    projects = children["bootstrap/root/projects.yaml"]["spec"]["syncPolicy"]["automated"]
    assert projects == {"prune": False, "selfHeal": True}
    if "clusters" in expected:
        clusters = children["bootstrap/root/clusters.yaml"]["spec"]["syncPolicy"]
        assert clusters["automated"] == {"prune": False, "selfHeal": True}


# --- team projects ----------------------------------------------------------------------------


def test_team_projects_are_exact(repo: Repo) -> None:
    view = repo.view
    names = {p.removeprefix("projects/").removesuffix(".yaml")
             for p in repo.tree if p.startswith("projects/")}
    expected_names = {f"{t['name']}-{e['name']}" for t in view["teams"] for e in view["environments"]}
    assert names == expected_names | {"platform"}

    for team in view["teams"]:
        services = [s for s in view["services"] if s["team"] == team["name"]]
        for env in view["environments"]:
            name = f"{team['name']}-{env['name']}"
            project = repo.project(name)
            spec = project["spec"]
            assert project["metadata"]["name"] == name
            assert spec["sourceRepos"] == [view["repo"]["url"]]
            namespaces = [s["namespaces"][env["name"]] for s in services]
            assert spec["destinations"] == [
                {"server": env["server"], "namespace": ns} for ns in namespaces
            ]
            assert spec["clusterResourceWhitelist"] == [
                {"group": "", "kind": "Namespace", "name": ns} for ns in namespaces
            ]
            kinds = {(k["group"], k["kind"]) for k in spec["namespaceResourceWhitelist"]}
            assert kinds == PROJECT_KINDS
            assert wildcards(project) == [], name
            assert spec["description"]

            roles = {r["name"]: r for r in spec["roles"]}
            assert set(roles) == {"deployer", "readonly"}
            assert roles["deployer"]["groups"] == team["groups"]
            assert "groups" not in roles["readonly"]
            apps = {f"{name}/{service}-{env['name']}" for service in team["services"]}
            for role in roles.values():
                policies = role.get("policies", [])
                assert {p.split(", ")[4] for p in policies} == apps, policies
                assert "*" not in "".join(policies)
            deployer = {p.split(", ")[3] for p in roles["deployer"].get("policies", [])}
            assert deployer == ({"get", "sync", "action/apps/Deployment/restart"} if apps else set())


def test_sync_windows_follow_the_environment(repo: Repo) -> None:
    view = repo.view
    for team in view["teams"]:
        for env in view["environments"]:
            spec = repo.project(f"{team['name']}-{env['name']}")["spec"]
            if not env["sync_windows"] or not team["services"]:
                # A window must name what it applies to; a team without services has nothing.
                assert "syncWindows" not in spec
                continue
            windows = spec["syncWindows"]
            assert len(windows) == len(env["sync_windows"])
            for window, answer in zip(windows, env["sync_windows"], strict=True):
                assert window["kind"] == answer["kind"]
                assert window["schedule"] == answer["schedule"]
                assert window["duration"] == answer["duration"]
                assert window["manualSync"] is answer["manual_sync"]
                assert window.get("timeZone") == answer["timezone"]
                assert window["applications"] == [f"{s}-{env['name']}" for s in team["services"]]
                assert not any("*" in a for a in window["applications"])


# --- cluster registrations --------------------------------------------------------------------


def test_remote_clusters_are_registered_without_credentials(repo: Repo) -> None:
    view = repo.view
    files = {p for p in repo.tree if p.startswith("clusters/")}
    assert files == {f"clusters/{c}.yaml" for c in view["remote_clusters"]}
    for cluster in view["clusters"]:
        if cluster["in_cluster"]:
            continue
        secret = repo.one(f"clusters/{cluster['name']}.yaml")
        jsonschema.validate(secret, CLUSTER_EXTERNAL_SECRET_SCHEMA)
        assert secret["metadata"]["namespace"] == repo.namespace
        spec = secret["spec"]
        assert spec["secretStoreRef"] == {"kind": "ClusterSecretStore", "name": "aws-secrets-manager"}
        template = spec["target"]["template"]
        assert template["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "cluster"
        assert template["data"]["name"] == cluster["name"]
        assert template["data"]["server"] == cluster["server"]

        fetched = {d["secretKey"]: d["remoteRef"] for d in spec["data"]}
        assert all(ref["key"] == cluster["registration_secret"] for ref in fetched.values())
        assert {ref["property"] for ref in fetched.values()} == set(fetched)
        # Every value of the config comes from External Secrets, or is not a credential.
        placeholders = re.findall(r"\{\{ \.([A-Za-z]+) \}\}", template["data"]["config"])
        assert set(placeholders) == set(fetched)
        config = json.loads(re.sub(r"\{\{ \.([A-Za-z]+) \}\}", r"<\1>", template["data"]["config"]))
        assert config["tlsClientConfig"] == {"insecure": False, "caData": "<caData>"}
        if cluster["eks"]:
            assert set(fetched) == {"caData"}
            assert config["awsAuthConfig"] == {
                "clusterName": cluster["eks"]["cluster_name"],
                "roleARN": cluster["eks"]["role_arn"],
            }
            assert "bearerToken" not in config
        else:
            assert set(fetched) == {"bearerToken", "caData"}
            assert config["bearerToken"] == "<bearerToken>"


# --- image updates ----------------------------------------------------------------------------


def test_image_updaters_only_for_opted_in_non_production(repo: Repo) -> None:
    view = repo.view
    envs = {e["name"]: e for e in view["environments"]}
    files = {p for p in repo.tree if p.startswith("image-updates/")}
    expected = {
        f"image-updates/{t['name']}-{e}.yaml"
        for t in view["teams"] if t["services"]
        for e in view["image_update_targets"]
    }
    assert files == expected
    if view["image_updater"] is None:
        assert not files
    for path in files:
        updater = repo.one(path)
        jsonschema.validate(updater, IMAGE_UPDATER_SCHEMA)
        team_name, env_name = updater["metadata"]["labels"]["gitops-scaffold.io/team"], \
            updater["metadata"]["labels"]["gitops-scaffold.io/environment"]
        env = envs[env_name]
        assert env["image_updates"] and not env["production"]
        # The pinned updater (1.2+) takes the Applications' namespace from metadata.namespace.
        assert "namespace" not in updater["spec"]
        assert updater["metadata"]["namespace"] == repo.namespace
        services = {s["name"]: s for s in view["services"] if s["team"] == team_name}
        refs = updater["spec"]["applicationRefs"]
        assert [r["namePattern"] for r in refs] == [f"{s}-{env_name}" for s in services]
        for ref, service in zip(refs, services.values(), strict=True):
            (image,) = ref["images"]
            assert image["alias"] == service["name"]
            assert image["imageName"].startswith(service["image"])
            assert image["manifestTargets"]["helm"] == {"name": "image.repository", "tag": "image.tag"}
            if service["image_update_constraint"]:
                assert image["imageName"] == f"{service['image']}:{service['image_update_constraint']}"
                assert image["commonUpdateSettings"]["updateStrategy"] == "semver"
            git = ref["writeBackConfig"]["gitConfig"]
            assert ref["writeBackConfig"]["method"] == "git"
            assert git["branch"] == view["repo"]["revision"]
            target = git["writeBackTarget"].removeprefix("helmvalues:")
            # Relative to the Application's path: the environment's values file of the chart.
            assert f"apps/services/{service['name']}/{target}" in repo.tree
            assert target == f"values-{env_name}.yaml"


# --- the service descriptor -------------------------------------------------------------------


def test_service_descriptor(repo: Repo) -> None:
    for service in repo.view["services"]:
        path = f"apps/services/{service['name']}/service.yaml"
        assert repo.one(path) == {
            "team": service["team"],
            "autoscaling": service["autoscaling"] is not None,
        }
        assert repo.tree[path].startswith("# The ")


# --- rendering --------------------------------------------------------------------------------

MY_SETS = {"cluster", "project"}


def test_rendering_is_deterministic(repo: Repo) -> None:
    assert flatten(render(copy.deepcopy(repo.view))) == repo.tree


def test_copier_copy_gives_the_same_files(repo: Repo, tmp_path: Path) -> None:
    if repo.name != "example":
        pytest.skip("Copier parity is checked on the example only (Copier is slow)")
    import copier

    for instance in instances(repo.view, lambda key: key.split("/")[0] in MY_SETS):
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
