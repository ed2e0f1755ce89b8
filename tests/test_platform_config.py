"""The add-on configuration a repo gets on day one (issue 12), checked against the upstream CRDs.

Karpenter's EC2NodeClass and NodePool, cert-manager's ClusterIssuer, the repository-credential
ExternalSecrets: rendered from answers variants, parsed, and validated strictly against the CRDs
of the pinned releases (tests/resources/upstream, see PROVENANCE.md there).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_scaffold.context import resolve
from gitops_scaffold.model import Answers
from gitops_scaffold.render import flatten, render
from tests.crd_checks import CRDS, crd_errors
from tests.factory import checked
from tests.helm_checks import parse_manifests, render_manifests, write_tree
from tests.test_platform import BARE, EXAMPLE_ANSWERS, TWO_EKS, VARIANTS, addon_apps, docs

Tree = dict[str, str]


def _render(answers: dict[str, Any]) -> tuple[dict[str, Any], Tree]:
    view = resolve(checked(answers))
    return view, flatten(render(view))


@pytest.fixture(scope="module")
def two_eks() -> tuple[dict[str, Any], Tree]:
    return _render(copy.deepcopy(TWO_EKS))


@pytest.fixture(scope="module")
def bare() -> tuple[dict[str, Any], Tree]:
    return _render(copy.deepcopy(BARE))


def _custom_resources(tree: Tree) -> list[tuple[str, dict[str, Any]]]:
    """Every object of a kind in CRDS, from plain files and from add-on values (extraObjects)."""
    found = []
    for path, text in tree.items():
        if not path.endswith((".yaml", ".yml")) or "/templates/" in path or path.startswith(".github/"):
            continue
        for doc in docs(text):
            if not isinstance(doc, dict):
                continue
            extra = [yaml.safe_load(o) if isinstance(o, str) else o for o in doc.get("extraObjects", [])]
            candidates = [doc, *extra]
            found += [(path, c) for c in candidates if (c.get("apiVersion"), c.get("kind")) in CRDS]
    return found


# --- Karpenter ------------------------------------------------------------------------------


def test_every_eks_cluster_gets_a_node_class_and_pool(two_eks: tuple[dict[str, Any], Tree]) -> None:
    _, tree = two_eks
    for cluster, eks_name in (("eu", "eu-eks"), ("us", "us-eks")):
        (node_class,) = docs(tree[f"apps/platform/karpenter/nodes/{cluster}/ec2nodeclass.yaml"])
        (pool,) = docs(tree[f"apps/platform/karpenter/nodes/{cluster}/nodepool.yaml"])
        assert node_class["spec"]["role"] == f"KarpenterNodeRole-{eks_name}"
        discovery = {"tags": {"karpenter.sh/discovery": eks_name}}
        assert node_class["spec"]["subnetSelectorTerms"] == [discovery]
        assert node_class["spec"]["securityGroupSelectorTerms"] == [discovery]
        assert node_class["spec"]["amiSelectorTerms"] == [{"alias": "al2023@latest"}]
        ref = pool["spec"]["template"]["spec"]["nodeClassRef"]
        name = node_class["metadata"]["name"]
        assert ref == {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": name}
        assert pool["spec"]["limits"] == {"cpu": "1000", "memory": "4000Gi"}
        assert pool["spec"]["disruption"] == {
            "consolidationPolicy": "WhenEmptyOrUnderutilized",
            "consolidateAfter": "1m",
            "budgets": [{"nodes": "10%"}],
        }
    # The production environment runs on "us": on-demand only there, spot allowed on "eu".
    assert _capacity_types(tree, "us") == ["on-demand"]
    assert _capacity_types(tree, "eu") == ["spot", "on-demand"]


def _requirement(pool: dict[str, Any], key: str) -> list[str]:
    (found,) = [r for r in pool["spec"]["template"]["spec"]["requirements"] if r["key"] == key]
    assert found["operator"] == "In"
    values: list[str] = found["values"]
    return values


def _capacity_types(tree: Tree, cluster: str) -> list[str]:
    (pool,) = docs(tree[f"apps/platform/karpenter/nodes/{cluster}/nodepool.yaml"])
    return _requirement(pool, "karpenter.sh/capacity-type")


def test_node_pools_follow_the_karpenter_answers() -> None:
    answers = copy.deepcopy(TWO_EKS)
    answers["karpenter"] = {
        "ami_alias": "bottlerocket@v1.40.0",
        "node_role": "EksNodes",
        "architectures": ["amd64", "arm64"],
        "instance_categories": ["m"],
        "cpu_limit": 64,
        "memory_limit_gi": 256,
        "consolidation_policy": "WhenEmpty",
        "consolidate_after": "5m",
        "expire_after": "168h",
        "disruption_budget": "1",
    }
    _, tree = _render(answers)
    (node_class,) = docs(tree["apps/platform/karpenter/nodes/eu/ec2nodeclass.yaml"])
    (pool,) = docs(tree["apps/platform/karpenter/nodes/eu/nodepool.yaml"])
    assert node_class["spec"]["role"] == "EksNodes"
    assert node_class["spec"]["amiSelectorTerms"] == [{"alias": "bottlerocket@v1.40.0"}]
    assert _requirement(pool, "kubernetes.io/arch") == ["amd64", "arm64"]
    assert _requirement(pool, "karpenter.k8s.aws/instance-category") == ["m"]
    assert pool["spec"]["limits"] == {"cpu": "64", "memory": "256Gi"}
    assert pool["spec"]["template"]["spec"]["expireAfter"] == "168h"
    assert pool["spec"]["disruption"] == {
        "consolidationPolicy": "WhenEmpty",
        "consolidateAfter": "5m",
        "budgets": [{"nodes": "1"}],
    }
    for _, obj in _custom_resources(tree):
        assert crd_errors(obj) == []


def test_system_nodes_stay_outside_karpenter(two_eks: tuple[dict[str, Any], Tree]) -> None:
    """Pods pinned to node-role/system=true never land on a Karpenter node: no pool offers that label."""
    _, tree = two_eks
    for path in [p for p in tree if p.startswith("apps/platform/karpenter/nodes/")]:
        text = tree[path]
        (obj,) = docs(text)
        if obj["kind"] != "NodePool":
            continue
        template = obj["spec"]["template"]
        assert "node-role/system" not in template["metadata"].get("labels", {})
        assert all(r["key"] != "node-role/system" for r in template["spec"]["requirements"])
        assert "taints" not in template["spec"]
    values = yaml.safe_load(tree["apps/platform/karpenter/values.yaml"])
    # The controller itself runs on the system nodes, never on nodes it manages.
    assert values["nodeSelector"]["node-role/system"] == "true"


def test_node_config_syncs_after_karpenter_and_its_crds(two_eks: tuple[dict[str, Any], Tree]) -> None:
    view, tree = two_eks
    apps = {a["metadata"]["name"]: a for a in addon_apps(tree)["karpenter"]}
    assert set(apps) == {"karpenter-eu", "karpenter-us", "karpenter-nodes-eu", "karpenter-nodes-us"}
    for cluster in ("eu", "us"):
        addon, nodes = apps[f"karpenter-{cluster}"], apps[f"karpenter-nodes-{cluster}"]
        wave = int(nodes["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])
        assert wave > int(addon["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))
        assert "SkipDryRunOnMissingResource=true" in nodes["spec"]["syncPolicy"]["syncOptions"]
        assert nodes["spec"]["destination"]["server"] == addon["spec"]["destination"]["server"]
        source = nodes["spec"]["source"]
        assert source["repoURL"] == view["repo"]["url"]
        assert source["path"] == f"apps/platform/karpenter/nodes/{cluster}"
        # The directory it applies holds exactly the node class and the pool.
        assert {p for p in tree if p.startswith(source["path"] + "/")} == {
            f"{source['path']}/ec2nodeclass.yaml",
            f"{source['path']}/nodepool.yaml",
        }


def test_no_karpenter_config_without_an_eks_cluster(bare: tuple[dict[str, Any], Tree]) -> None:
    view, tree = bare
    assert view["karpenter"] == {**view["karpenter"], "clusters": []}
    assert not any(p.startswith("apps/platform/karpenter/") for p in tree)


@pytest.mark.parametrize(
    "bad",
    [
        {"ami_alias": "ubuntu@latest"},
        # The EC2NodeClass CRD's CEL rule: Windows aliases only at @latest.
        {"ami_alias": "windows2022@v20260801"},
        {"disruption_budget": "150%"},
        {"architectures": []},
    ],
)
def test_bad_karpenter_answers_are_refused(bad: dict[str, Any]) -> None:
    answers = {**copy.deepcopy(BARE), "karpenter": bad}
    with pytest.raises(ValueError, match="karpenter"):
        Answers.model_validate(answers)


# --- TLS -------------------------------------------------------------------------------------

ACME = {
    "issuer": "acme",
    "acme": {"email": "platform@acme.io", "hosted_zone_id": "Z0123456789ABC", "aws_auth": "irsa"},
}


def _cluster_issuers(tree: Tree) -> list[dict[str, Any]]:
    values = yaml.safe_load(tree["apps/platform/cert-manager/values.yaml"])
    return [yaml.safe_load(o) for o in values.get("extraObjects", [])]


def test_acme_issuer_is_written_and_named_by_every_ingress() -> None:
    answers = copy.deepcopy(TWO_EKS)
    answers["tls"] = ACME
    # qa and stage share cluster eu: qa gets a host of its own (one host+path per cluster).
    answers["services"][0]["ingress"] = {"host": "cart.acme.io", "hosts": {"qa": "cart-qa.acme.io"}}
    view, tree = _render(answers)
    (issuer,) = _cluster_issuers(tree)
    assert crd_errors(issuer) == []
    assert issuer["metadata"]["name"] == "letsencrypt-prod"
    assert issuer["metadata"]["annotations"] == {
        "argocd.argoproj.io/sync-wave": "1",
        "argocd.argoproj.io/sync-options": "SkipDryRunOnMissingResource=true",
    }
    acme = issuer["spec"]["acme"]
    assert acme["server"] == "https://acme-v02.api.letsencrypt.org/directory"
    assert acme["email"] == "platform@acme.io"
    (solver,) = acme["solvers"]
    assert solver == {"dns01": {"route53": {"region": view["aws_region"], "hostedZoneID": "Z0123456789ABC"}}}
    # IRSA: each EKS cluster's cert-manager service account names its role.
    roles = {
        app["metadata"]["name"]: app["spec"]["sources"][0]["helm"].get("valuesObject")
        for app in addon_apps(tree)["cert-manager"]
    }
    role = "arn:aws:iam::111111111111:role/cert-manager-eu-eks"
    annotations = {"eks.amazonaws.com/role-arn": role}
    assert roles["cert-manager-eu"] == {"serviceAccount": {"annotations": annotations}}
    assert roles["cert-manager-in-cluster"] is None
    server_ingress = yaml.safe_load(tree["argocd/values.yaml"])["argo-cd"]["server"]["ingress"]
    assert server_ingress["annotations"]["cert-manager.io/cluster-issuer"] == "letsencrypt-prod"
    assert server_ingress["tls"] is True
    service_values = yaml.safe_load(tree["apps/services/cart/values.yaml"])
    assert service_values["ingress"]["clusterIssuer"] == "letsencrypt-prod"


def test_existing_issuer_is_named_and_none_requests_no_certificate() -> None:
    answers = copy.deepcopy(TWO_EKS)
    answers["tls"] = {"issuer": "existing", "name": "corp-ca"}
    _, tree = _render(answers)
    assert _cluster_issuers(tree) == []
    server_ingress = yaml.safe_load(tree["argocd/values.yaml"])["argo-cd"]["server"]["ingress"]
    assert server_ingress["annotations"]["cert-manager.io/cluster-issuer"] == "corp-ca"
    assert yaml.safe_load(tree["apps/services/cart/values.yaml"])["ingress"]["clusterIssuer"] == "corp-ca"
    assert "`corp-ca`" in tree["README.md"]

    answers["tls"] = {"issuer": "none"}
    _, tree = _render(answers)
    server_ingress = yaml.safe_load(tree["argocd/values.yaml"])["argo-cd"]["server"]["ingress"]
    assert "cert-manager.io/cluster-issuer" not in server_ingress["annotations"]
    assert server_ingress["tls"] is False
    assert yaml.safe_load(tree["apps/services/cart/values.yaml"])["ingress"]["clusterIssuer"] == ""


def test_staging_and_pod_identity() -> None:
    answers = copy.deepcopy(TWO_EKS)
    answers["tls"] = {
        "issuer": "acme",
        "name": "le-staging",
        "acme": {**ACME["acme"], "aws_auth": "pod_identity", "staging": True, "region": "us-west-2"},
    }
    _, tree = _render(answers)
    (issuer,) = _cluster_issuers(tree)
    assert crd_errors(issuer) == []
    assert issuer["spec"]["acme"]["server"].startswith("https://acme-staging-v02.")
    assert issuer["spec"]["acme"]["solvers"][0]["dns01"]["route53"]["region"] == "us-west-2"
    apps = addon_apps(tree)["cert-manager"]
    assert all("valuesObject" not in a["spec"]["sources"][0]["helm"] for a in apps)


@pytest.mark.parametrize(
    ("tls", "message"),
    [
        ({"issuer": "acme"}, "needs an 'acme' section"),
        ({"issuer": "none", "acme": ACME["acme"]}, "only read with issuer: acme"),
        ({"issuer": "acme", "acme": {**ACME["acme"], "hosted_zone_id": "zone"}}, "hosted zone ID"),
        ({"issuer": "acme", "acme": {**ACME["acme"], "email": "nobody"}}, "e-mail"),
    ],
)
def test_bad_tls_answers_are_refused(tls: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Answers.model_validate({**copy.deepcopy(BARE), "tls": tls})


# --- every custom resource against its CRD --------------------------------------------------


@pytest.mark.parametrize("variant", ["example", "two-eks", "bare", "new-eks"])
def test_custom_resources_pass_the_upstream_crds(variant: str) -> None:
    answers = copy.deepcopy(VARIANTS[variant])
    answers["tls"] = ACME
    _, tree = _render(answers)
    found = _custom_resources(tree)
    assert found or variant == "bare"
    errors = [f"{path}: {e}" for path, obj in found for e in crd_errors(obj)]
    assert errors == []


def test_the_crd_check_refuses_what_the_api_server_refuses() -> None:
    """The strict schema is not vacuous: an unknown field and a bad enum are findings."""
    pool = {
        "apiVersion": "karpenter.sh/v1",
        "kind": "NodePool",
        "metadata": {"name": "x"},
        "spec": {
            "template": {
                "spec": {
                    "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "d"},
                    "requirements": [],
                    "nodeSelector": {"a": "b"},
                }
            },
            "disruption": {"consolidationPolicy": "Always"},
        },
    }
    errors = crd_errors(pool)
    assert any("nodeSelector" in e for e in errors)
    assert any("Always" in e for e in errors)


@pytest.mark.parametrize("tls", [ACME, {"issuer": "none"}])
def test_service_ingress_renders_with_and_without_an_issuer(tls: dict[str, Any], tmp_path: Path) -> None:
    answers = copy.deepcopy(TWO_EKS)
    answers["tls"] = tls
    # qa and stage share cluster eu: qa gets a host of its own (one host+path per cluster).
    answers["services"][0]["ingress"] = {"host": "cart.acme.io", "hosts": {"qa": "cart-qa.acme.io"}}
    _, tree = _render(answers)
    base = "apps/services/cart/"
    chart = {p.removeprefix(base): t for p, t in tree.items() if p.startswith(base)}
    root = write_tree(chart, tmp_path / "cart")
    values = yaml.safe_load(chart["values.yaml"])
    values.update(yaml.safe_load(chart["values-qa.yaml"]) or {})
    objects = parse_manifests(render_manifests(root, values, name="cart-qa", namespace="cart-qa"))
    (ingress,) = [o for o in objects if o["kind"] == "Ingress"]
    issuer = ingress["metadata"]["annotations"].get("cert-manager.io/cluster-issuer")
    if tls["issuer"] == "none":
        assert issuer is None and "tls" not in ingress["spec"]
    else:
        assert issuer == "letsencrypt-prod"
        assert ingress["spec"]["tls"][0]["hosts"] == ["cart-qa.acme.io"]


# --- repository access ------------------------------------------------------------------------


def _umbrella_objects(tree: Tree, tmp_path: Path) -> list[dict[str, Any]]:
    """The umbrella's own templates on a cluster that serves external-secrets.io/v1."""
    files = {p.removeprefix("argocd/"): t for p, t in tree.items() if p.startswith("argocd/")}
    meta = yaml.safe_load(files["Chart.yaml"])
    meta.pop("dependencies")
    files["Chart.yaml"] = yaml.safe_dump(meta)
    capability = '(.Capabilities.APIVersions.Has "external-secrets.io/v1")'
    served = {p: t.replace(capability, "true") for p, t in files.items()}
    root = write_tree(served, tmp_path / "argocd")
    values = yaml.safe_load(files["values.yaml"])
    return parse_manifests(render_manifests(root, values, name="argocd", namespace="argocd"))


@pytest.mark.parametrize(
    ("method", "keys"),
    [
        ("github_app", {"githubAppID", "githubAppInstallationID", "githubAppPrivateKey"}),
        ("ssh", {"sshPrivateKey"}),
        ("https_token", {"username", "password"}),
    ],
)
def test_repository_secret_comes_from_secrets_manager(method: str, keys: set[str], tmp_path: Path) -> None:
    answers = copy.deepcopy(EXAMPLE_ANSWERS)
    answers["repo"]["auth"] = {"method": method, "secret": "platform/gitops-repo"}
    _, tree = _render(answers)
    objects = _umbrella_objects(tree, tmp_path)
    (repo,) = [o for o in objects if o["metadata"]["name"] == "repo-gitops-config"]
    assert crd_errors(repo) == []
    spec = repo["spec"]
    template = spec["target"]["template"]
    assert template["metadata"]["labels"]["argocd.argoproj.io/secret-type"] == "repository"
    assert template["data"] == {"type": "git", "url": answers["repo"]["url"]}
    assert {d["secretKey"] for d in spec["data"]} == keys
    assert {d["remoteRef"]["key"] for d in spec["data"]} == {"platform/gitops-repo"}
    readme = tree["README.md"]
    assert "`platform/gitops-repo`" in readme
    assert all(f"`{key}`" in readme for key in keys)
    # The example runs the image updater: its commits need write access with these credentials.
    assert "need write access" in readme
    # Nothing secret in Git: only names of keys and of the Secrets Manager entry.
    assert "BEGIN" not in tree["argocd/values.yaml"]


def test_public_repository_needs_no_secret(tmp_path: Path) -> None:
    _, tree = _render(copy.deepcopy(EXAMPLE_ANSWERS))
    objects = _umbrella_objects(tree, tmp_path)
    assert not [o for o in objects if o["metadata"]["name"] == "repo-gitops-config"]
    assert "must be public" in tree["README.md"]
    for obj in objects:
        assert crd_errors(obj) == []


def test_bad_repo_auth_is_refused() -> None:
    answers = copy.deepcopy(BARE)
    answers["repo"]["auth"] = {"method": "password"}
    with pytest.raises(ValueError, match=r"repo\.auth\.method"):
        Answers.model_validate(answers)


# --- ingress controller -----------------------------------------------------------------------


HUB = {
    "name": "hub",
    "server": "https://kubernetes.default.svc",
    "eks": {"cluster_name": "hub-eks", "role_arn": "arn:aws:iam::111111111111:role/argocd"},
}


def _alb_answers() -> dict[str, Any]:
    answers = copy.deepcopy(TWO_EKS)
    answers["clusters"].insert(0, HUB)
    answers.pop("platform")
    answers["argocd"].pop("ingress_class")
    answers["ingress"] = {"controller": "aws-load-balancer-controller", "scheme": "internet-facing"}
    # qa and stage share cluster eu: each gets its own host (one host+path per cluster).
    answers["services"][0]["ingress"] = {"host": "cart.acme.io", "hosts": {"qa": "cart-qa.acme.io"}}
    return answers


def test_alb_replaces_ingress_nginx_in_the_default_add_ons(tmp_path: Path) -> None:
    view, tree = _render(_alb_answers())
    names = [a["name"] for a in view["platform"]]
    assert "ingress-nginx" not in names and "aws-load-balancer-controller" in names
    apps = {a["metadata"]["name"]: a for a in addon_apps(tree)["aws-load-balancer-controller"]}
    assert set(apps) == {f"aws-load-balancer-controller-{c}" for c in ("hub", "eu", "us")}
    source = apps["aws-load-balancer-controller-us"]["spec"]["sources"][0]
    assert source["repoURL"] == "https://aws.github.io/eks-charts"
    assert source["targetRevision"] == "3.5.0"
    per_cluster = source["helm"]["valuesObject"]
    assert per_cluster["clusterName"] == "us-eks"
    assert per_cluster["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"] == (
        "arn:aws-us-gov:iam::222222222222:role/AWSLoadBalancerControllerRole-us-eks"
    )
    values = yaml.safe_load(tree["apps/platform/aws-load-balancer-controller/values.yaml"])
    assert values["ingressClass"] == "alb"
    assert values["ingressClassParams"]["spec"] == {"scheme": "internet-facing"}
    # The service chart: class alb, no cert-manager issuer (ACM), the ALB's VPC admitted.
    base = "apps/services/cart/"
    chart = {p.removeprefix(base): t for p, t in tree.items() if p.startswith(base)}
    service_values = yaml.safe_load(chart["values.yaml"])
    assert service_values["ingress"]["className"] == "alb"
    assert service_values["ingress"]["annotations"]["alb.ingress.kubernetes.io/target-type"] == "ip"
    root = write_tree(chart, tmp_path / "cart")
    objects = parse_manifests(render_manifests(root, service_values, name="cart-qa", namespace="cart-qa"))
    (ingress,) = [o for o in objects if o["kind"] == "Ingress"]
    assert ingress["spec"]["ingressClassName"] == "alb"
    assert "cert-manager.io/cluster-issuer" not in ingress["metadata"]["annotations"]
    (policy,) = [o for o in objects if o["kind"] == "NetworkPolicy"]
    sources = policy["spec"]["ingress"][0]["from"]
    assert {"ipBlock": {"cidr": "10.0.0.0/8"}} in sources
    assert "ALB" in tree["README.md"] or "Application Load Balancer" in tree["README.md"]


def test_alb_with_an_explicit_add_on_list_must_install_it() -> None:
    from gitops_scaffold.model import cross_check

    answers = copy.deepcopy(TWO_EKS)
    answers["ingress"] = {"controller": "aws-load-balancer-controller"}
    problems = cross_check(Answers.model_validate(answers))
    found = [(p.loc, "does not install it" in p.message) for p in problems]
    # ... and Argo CD's own cluster (implicit here) is not known to be EKS.
    assert found == [(("ingress", "controller"), True), (("argocd", "domain"), False)]
    assert cross_check(Answers.model_validate(_alb_answers())) == []


def test_answers_without_the_key_keep_ingress_nginx() -> None:
    view, tree = _render(copy.deepcopy(TWO_EKS))
    assert view["ingress"]["controller"] == "ingress-nginx"
    assert "ingress-nginx" in [a["name"] for a in view["platform"]]
    assert "GS030" in tree["README.md"]
