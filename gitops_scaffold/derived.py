"""Names the scaffold derives from the answers: none may belong to the platform, none may collide.

A service's namespace is ``<service><suffix>``, its Applications ``<service>-<env>``, a team's
AppProjects (and their files) ``<team>-<env>``, an add-on's Applications ``<addon>-<cluster>``.
Every one is checked after the derivation, because two different inputs can give one name
(service ``a`` in environment ``b-c`` and service ``a-b`` in environment ``c``), and Argo CD
does not warn: one object silently replaces the other, or an ApplicationSet generates nothing.

Each collision is reported at the later of its two sources, naming the earlier (``also``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gitops_scaffold.model import Answers, Loc, Problem

# --- reserved namespaces --------------------------------------------------------------------

# Namespaces Kubernetes itself owns: `default` (where unqualified objects land) and `kube-*`
# (kube-system holds the control-plane add-ons, Karpenter and the aws-auth ConfigMap). A team
# whose AppProject permits one of them can replace what runs there.
KUBERNETES_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
KUBERNETES_PREFIX = "kube-"


def platform_namespaces(answers: Answers) -> dict[str, str]:
    """Every namespace the platform owns, with the reason (for the message that refuses it)."""
    from gitops_scaffold.catalog import ADDONS

    owned = dict.fromkeys(KUBERNETES_NAMESPACES, "a namespace Kubernetes owns")
    owned[answers.argocd.namespace] = "Argo CD's namespace (argocd.namespace)"
    for addon in answers.platform:
        spec = ADDONS.get(addon.name)
        namespace = addon.namespace or (spec.namespace if spec else None)
        if addon.name == "argocd-image-updater" and addon.namespace is None:
            namespace = answers.argocd.namespace
        if namespace is not None:
            owned.setdefault(namespace, f"the namespace of the {addon.name} add-on")
    return owned


def reserved_reason(namespace: str, owned: dict[str, str]) -> str | None:
    if namespace in owned:
        return owned[namespace]
    if namespace.startswith(KUBERNETES_PREFIX):
        return "a kube-* namespace, which Kubernetes reserves"
    return None


def _service_namespaces(answers: Answers) -> Iterator[tuple[int, int, str]]:
    from gitops_scaffold.model import suffix_of

    for s_index, service in enumerate(answers.services):
        for e_index in range(len(answers.environments)):
            yield s_index, e_index, service.name + suffix_of(answers, e_index)


def platform_namespace_problems(answers: Answers) -> list[Problem]:
    """A service namespace never is one of the platform's: its team would own Argo CD or an add-on."""
    from gitops_scaffold.model import Problem

    owned = platform_namespaces(answers)
    problems = []
    reported: set[int] = set()  # one line per service, for its first reserved namespace
    for s_index, e_index, namespace in _service_namespaces(answers):
        reason = reserved_reason(namespace, owned)
        if reason is None or s_index in reported:
            continue
        reported.add(s_index)
        env = answers.environments[e_index].name
        problems.append(
            Problem(
                loc=("services", s_index, "name"),
                message=(
                    f"service {answers.services[s_index].name!r} would deploy into namespace "
                    f"{namespace!r} in environment {env!r}, {reason}; its team could then change "
                    "what the platform runs there. Choose another service name"
                ),
            )
        )
    return problems


# --- uniqueness after derivation --------------------------------------------------------------


def _first_wins(
    entries: Iterable[tuple[object, Loc, str]],
    describe: Callable[[Any], str],
    fix: str,
    skip_same_key_path: bool = False,
) -> list[Problem]:
    """A Problem for every entry whose key an earlier entry already has (``skip_same_key_path``:
    not when both come from one key, a case another check reports in its own words)."""
    from gitops_scaffold.model import Problem

    seen: dict[object, tuple[Loc, str]] = {}
    problems = []
    for key, loc, source in entries:
        if key in seen:
            first_loc, first_source = seen[key]
            # The same words twice are two items with one name: the duplicate is reported as such.
            if first_source == source or (first_loc == loc and skip_same_key_path):
                continue
            problems.append(
                Problem(
                    loc=loc,
                    message=f"{describe(key)} twice: by {first_source} and by {source}; {fix}",
                    also=None if first_loc == loc else first_loc,
                )
            )
            continue
        seen[key] = (loc, source)
    return problems


def service_namespace_collisions(answers: Answers) -> list[Problem]:
    """Two services (or environments) on one cluster must not share a namespace."""
    entries = []
    for s_index, e_index, namespace in _service_namespaces(answers):
        env = answers.environments[e_index]
        source = f"service {answers.services[s_index].name!r} in environment {env.name!r}"
        entries.append(((env.cluster, namespace), ("services", s_index, "name"), source))
    return _first_wins(
        entries,
        lambda key: f"namespace {key[1]!r} on cluster {key[0]!r} is derived",
        "each team's AppProject would permit the other's namespace; rename one service",
        skip_same_key_path=True,  # one service in two environments: _namespace_clashes says it
    )


# Applications the repository itself defines (bootstrap/), by name.
FIXED_APPLICATIONS = ("root", "argocd", "projects", "clusters", "platform-apps", "image-updates")


def application_name_collisions(answers: Answers) -> list[Problem]:
    """`<service>-<env>`, `<addon>-<cluster>` and the bootstrap Applications are one namespace."""
    entries: list[tuple[object, Loc, str]] = []
    for name in FIXED_APPLICATIONS:
        entries.append((name, (), f"the bootstrap Application {name!r}"))
    clusters = [c.name for c in answers.clusters]
    for a_index, addon in enumerate(answers.platform):
        for cluster in [*clusters, "in-cluster"]:
            entries.append(
                (
                    f"{addon.name}-{cluster}",
                    ("platform", a_index, "name"),
                    f"add-on {addon.name!r} on cluster {cluster!r}",
                )
            )
    for s_index, service in enumerate(answers.services):
        for env in answers.environments:
            entries.append(
                (
                    f"{service.name}-{env.name}",
                    ("services", s_index, "name"),
                    f"service {service.name!r} in environment {env.name!r}",
                )
            )
    return _first_wins(
        entries,
        lambda key: f"Application name {key!r} is derived",
        "the ApplicationSet would generate none of them; rename one",
        skip_same_key_path=True,
    )


def project_name_collisions(answers: Answers) -> list[Problem]:
    """`<team>-<env>` names an AppProject and its file projects/<team>-<env>.yaml."""
    entries: list[tuple[object, Loc, str]] = [
        ("platform", (), "the platform AppProject"),
        ("default", (), "Argo CD's default AppProject"),
    ]
    for t_index, team in enumerate(answers.teams):
        for env in answers.environments:
            entries.append(
                (
                    f"{team.name}-{env.name}",
                    ("teams", t_index, "name"),
                    f"team {team.name!r} in environment {env.name!r}",
                )
            )
    return _first_wins(
        entries,
        lambda key: f"AppProject {key!r} (projects/{key}.yaml) is derived",
        "one file would overwrite the other; rename one team",
    )


def _path_key(path: str) -> str:
    return path.rstrip("/") or "/"


def ingress_collisions(answers: Answers) -> list[Problem]:
    """One host and path per cluster: ingress-nginx's admission refuses the second Ingress."""
    from gitops_scaffold.constants import IN_CLUSTER_SERVER

    entries: list[tuple[object, Loc, str]] = []
    argocd_cluster = next((c.name for c in answers.clusters if c.server == IN_CLUSTER_SERVER), "in-cluster")
    if answers.argocd.domain:
        entries.append(((argocd_cluster, answers.argocd.domain, "/"), ("argocd", "domain"), "Argo CD's UI"))
    for s_index, service in enumerate(answers.services):
        if service.ingress is None:
            continue
        for env in answers.environments:
            host = service.ingress.hosts.get(env.name, service.ingress.host)
            loc: Loc = ("services", s_index, "ingress", "hosts", env.name)
            if env.name not in service.ingress.hosts:
                loc = ("services", s_index, "ingress", "host")
            entries.append(
                (
                    (env.cluster, host, _path_key(service.ingress.path)),
                    loc,
                    f"service {service.name!r} in environment {env.name!r}",
                )
            )
    return _first_wins(
        entries,
        lambda key: f"host and path {key[1] + key[2]!r} on cluster {key[0]!r} are served",
        "give one environment its own host with ingress.hosts: {<env>: <host>}",
    )


def _server_key(server: str) -> str:
    scheme, _, rest = server.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.lower()}://{host.lower()}{slash}{path}".rstrip("/")


def cluster_problems(answers: Answers) -> list[Problem]:
    """`in-cluster` is Argo CD's own cluster; one server is one cluster (one cluster secret)."""
    from gitops_scaffold.constants import IN_CLUSTER_SERVER
    from gitops_scaffold.model import Problem

    problems = []
    for index, cluster in enumerate(answers.clusters):
        if cluster.name == "in-cluster" and cluster.server != IN_CLUSTER_SERVER:
            problems.append(
                Problem(
                    loc=("clusters", index, "name"),
                    message=(
                        "the cluster name 'in-cluster' is Argo CD's name for the cluster it runs in "
                        f"({IN_CLUSTER_SERVER}); give this remote cluster another name"
                    ),
                )
            )
    entries = [
        (_server_key(c.server), ("clusters", i, "server"), f"cluster {c.name!r}")
        for i, c in enumerate(answers.clusters)
    ]
    problems += _first_wins(
        entries,
        lambda key: f"cluster server {key!r} is registered",
        "Argo CD keeps one cluster secret per server; use one cluster entry for both environments",
    )
    return problems


def derived_name_problems(answers: Answers) -> list[Problem]:
    """Every reserved-namespace and collision problem, for ``model.cross_check``."""
    return [
        *platform_namespace_problems(answers),
        *service_namespace_collisions(answers),
        *application_name_collisions(answers),
        *project_name_collisions(answers),
        *ingress_collisions(answers),
        *cluster_problems(answers),
    ]
