"""The answers model: typed keys, defaults, and the cross-reference rules.

``Answers`` mirrors the contract in DESIGN.md §1 key for key. Field-level rules (types, DNS-1123
names, pinned tags) live on the fields; rules that need the whole file (references, duplicates,
production never auto-syncing) live in ``cross_check`` so every problem can be reported at once,
each with the key path it belongs to.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from gitops_scaffold.constants import IN_CLUSTER_SERVER
from gitops_scaffold.model_platform import IngressSettings, Karpenter, RepoAuth, Tls, platform_problems

ANSWERS_VERSION = 1
DEFAULT_ARGOCD_CHART_VERSION = "10.9.1"  # argo-cd chart with Argo CD v3.5.3

# Every pattern here is applied with ``fullmatch``: ``$`` alone also matches before a trailing
# newline, and "shop\n" would become a directory name and broken YAML.
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DURATION = re.compile(r"^([0-9]+h)?([0-9]+m)?([0-9]+s)?$")
# An image repository: an optional registry host (with a port) and path components, no tag
# or digest (those are the `tag` and `digest` keys).
_REGISTRY = re.compile(r"[a-z0-9]([a-z0-9.\-]*[a-z0-9])?(:[0-9]{1,5})?")
_IMAGE_COMPONENT = re.compile(r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*")
_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]{0,127}$")
_VERSION = re.compile(r"^v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.\-]+)?$")
_HTTPS_URL = re.compile(r"^https://[A-Za-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9._~\-/%]*)?$")
_GIT_URL = re.compile(r"^(https://[A-Za-z0-9.\-]+(:[0-9]+)?/|git@[A-Za-z0-9.\-]+:)[A-Za-z0-9._~\-/]+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z\-]*:iam::[0-9]{12}:role/[A-Za-z0-9+=,.@_\-/]+$")
_SECRET_KEY = re.compile(r"^[A-Za-z0-9/_+=.@\-]+$")
_HTTP_PATH = re.compile(r"^/[A-Za-z0-9._~\-/]*$")
_SLACK_CHANNEL = re.compile(r"^[a-z0-9][a-z0-9_\-]{0,79}$")
_USERINFO = re.compile(r"^(?P<scheme>[a-z][a-z0-9+.\-]*://)(?P<userinfo>[^/\s]*@)", re.IGNORECASE)
_GROUP = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 _.@\-:/]{0,127}$")


def _dns_label(value: str) -> str:
    if len(value) > 63:
        raise ValueError(f"{value!r} is longer than 63 characters (a DNS-1123 label)")
    if not _DNS_LABEL.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a DNS-1123 label: lowercase letters, digits and '-', "
            "starting and ending with a letter or digit"
        )
    return value


def _pattern(regex: re.Pattern[str], expected: str) -> AfterValidator:
    def check(value: str) -> str:
        if not regex.fullmatch(value):
            raise ValueError(f"{value!r} is not {expected}")
        return value

    return AfterValidator(check)


def mask_credentials(text: str) -> str:
    """``text`` with the user:token of a URL (and any query, where tokens also travel)
    replaced by ***, so no message echoes a secret."""
    masked = _USERINFO.sub(lambda m: f"{m['scheme']}***@", text)
    return re.sub(r"\?.*", "?***", masked, flags=re.DOTALL)


def _url(regex: re.Pattern[str], expected: str) -> AfterValidator:
    """A URL without credentials; the value is never echoed unmasked."""

    def check(value: str) -> str:
        if _USERINFO.match(value):
            raise ValueError(
                f"{mask_credentials(value)!r} holds credentials (user:token@); remove them from "
                "the URL: Argo CD reads repository and cluster credentials from Secrets, never Git"
            )
        if not regex.fullmatch(value):
            raise ValueError(f"{mask_credentials(value)!r} is not {expected}")
        return value

    return AfterValidator(check)


def _hostname(value: str) -> str:
    if len(value) > 253 or not _DNS_SUBDOMAIN.fullmatch(value):
        raise ValueError(f"{value!r} is not a DNS host name (lowercase, dot-separated labels)")
    return value


def _pinned_tag(value: str) -> str:
    if value == "latest":
        raise ValueError("'latest' is not a pinned tag; name a release such as 'v1.4.2'")
    if not _TAG.fullmatch(value):
        raise ValueError(f"{value!r} is not a container image tag")
    return value


def _image_repository(value: str) -> str:
    """`registry[:port]/path` without a tag or digest: those have keys of their own."""
    repository, at, digest = value.partition("@")
    if at:
        raise ValueError(
            f"{value!r} holds a digest; write image: {repository!r} and the digest under digest: {digest!r}"
        )
    components = repository.split("/")
    last, colon, tag = components[-1].partition(":")
    if colon:
        head = "/".join([*components[:-1], last])
        raise ValueError(f"{value!r} holds a tag; write image: {head!r} and tag: {tag!r}")
    registry = (
        components[0]
        if len(components) > 1
        and ("." in components[0] or ":" in components[0] or components[0] == "localhost")
        else None
    )
    paths = components[1:] if registry is not None else components
    if (registry is not None and not _REGISTRY.fullmatch(registry)) or not all(
        _IMAGE_COMPONENT.fullmatch(part) for part in paths
    ):
        raise ValueError(
            f"{value!r} is not an image reference without tag, such as 'ghcr.io/acme/shop' or "
            "'registry:5000/team/shop' (lowercase)"
        )
    return value


def _cron(value: str) -> str:
    from gitops_scaffold.cron import CronError, check_schedule

    try:
        check_schedule(value)
    except CronError as exc:
        raise ValueError(
            f"{value!r} is not a five-field cron schedule Argo CD accepts ({exc}); for example "
            "'0 8 * * MON-FRI'"
        ) from None
    return value


def _timezone(value: str) -> str:
    if value not in _time_zones():
        close = [z for z in _time_zones() if z.lower() == value.lower()]
        hint = f"; did you mean {close[0]!r}?" if close else " (a tz database name such as 'Europe/Berlin')"
        raise ValueError(f"{value!r} is not a time zone Argo CD knows{hint}")
    return value


def _time_zones() -> frozenset[str]:
    import zoneinfo

    return frozenset(zoneinfo.available_timezones())


def _slack_channel(value: str) -> str:
    if value.startswith("#"):
        raise ValueError(
            f"{value!r}: write the channel name without '#' ({value.lstrip('#')!r}); YAML also "
            "reads an unquoted # as the start of a comment"
        )
    if not _SLACK_CHANNEL.fullmatch(value):
        raise ValueError(
            f"{value!r} is not a Slack channel name (lowercase letters, digits, '-' and '_', "
            "at most 80 characters)"
        )
    return value


def _duration(value: str) -> str:
    if not value or not _DURATION.fullmatch(value):
        raise ValueError(f"{value!r} is not a duration such as '2h' or '1h30m'")
    return value


Name = Annotated[str, StringConstraints(strict=True), AfterValidator(_dns_label)]
Hostname = Annotated[str, StringConstraints(strict=True), AfterValidator(_hostname)]
HttpsUrl = Annotated[str, StringConstraints(strict=True), _url(_HTTPS_URL, "an https:// URL")]
HttpPath = Annotated[str, StringConstraints(strict=True), _pattern(_HTTP_PATH, "an HTTP path")]
ChartVersion = Annotated[
    str, StringConstraints(strict=True), _pattern(_VERSION, "a chart version such as '1.2.3'")
]


class Strict(BaseModel):
    """Base of every answers section: unknown keys are errors, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, use_attribute_docstrings=True)


class Repo(Strict):
    url: Annotated[str, _url(_GIT_URL, "a Git URL (https://host/org/repo or git@host:org/repo)")]
    """The Git repository Argo CD pulls this configuration from."""
    revision: Annotated[
        str, StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._\-/]+$")
    ] = "main"
    """The branch (or tag) Argo CD follows."""
    auth: RepoAuth | None = None
    """How Argo CD signs in to this repository (credentials from AWS Secrets Manager); none: a public repo."""


class Sso(Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=63, pattern=r"^[A-Za-z0-9 _\-]+$")]
    """Name shown on the login button."""
    issuer: HttpsUrl
    """OIDC issuer URL."""
    client_id: Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[A-Za-z0-9._\-]+$")]
    """OIDC client ID; the client secret comes from AWS Secrets Manager, never Git."""


class ArgoCD(Strict):
    namespace: Name = "argocd"
    """Namespace Argo CD runs in."""
    chart_version: ChartVersion = DEFAULT_ARGOCD_CHART_VERSION
    """Version of the argo-cd Helm chart (default: the version gitops-scaffold is tested with)."""
    domain: Hostname | None = None
    """Host name of the Argo CD UI; when set, an Ingress with TLS is written."""
    ingress_class: Name = "nginx"
    """IngressClass for Argo CD's and the services' ingresses."""
    ha: bool = True
    """Run Argo CD highly available (2+ replicas, redis-ha)."""
    sso: Sso | None = None
    """Sign in through OIDC; the local admin user is disabled when set."""
    system_nodes: bool = True
    """Pin Argo CD and the add-ons to the system node group."""


class Eks(Strict):
    cluster_name: Annotated[
        str, StringConstraints(min_length=1, max_length=100, pattern=r"^[0-9A-Za-z][A-Za-z0-9\-_]*$")
    ]
    """The EKS cluster name."""
    role_arn: Annotated[str, _pattern(_ROLE_ARN, "an IAM role ARN")]
    """IAM role Argo CD assumes to reach the cluster."""


class Cluster(Strict):
    name: Name
    """Cluster name (a DNS-1123 label)."""
    server: HttpsUrl
    """API server URL; https://kubernetes.default.svc is the cluster Argo CD runs in."""
    eks: Eks | None = None
    """EKS access through an IAM role (no credential in Git)."""
    # Where a non-EKS remote cluster's bearer token and CA live in AWS Secrets Manager;
    # External Secrets turns it into Argo CD's cluster secret, so no credential is in Git.
    credentials_secret: Annotated[str, _pattern(_SECRET_KEY, "a secret name")] | None = None
    """Non-EKS remote cluster: Secrets Manager entry with its credentials (default: argocd/clusters/NAME)."""

    @property
    def in_cluster(self) -> bool:
        return self.server == IN_CLUSTER_SERVER


class SyncWindow(Strict):
    kind: Literal["allow", "deny"]
    """allow or deny."""
    schedule: Annotated[str, AfterValidator(_cron)]
    """Five-field cron schedule when the window opens, such as '0 8 * * MON-FRI'."""
    duration: Annotated[str, AfterValidator(_duration)]
    """How long the window stays open, such as '2h'."""
    manual_sync: bool = False
    """Allow manual syncs while a deny window is active."""
    timezone: Annotated[str, StringConstraints(strict=True), AfterValidator(_timezone)] | None = None
    """Time zone of the schedule, such as Europe/Berlin (default: UTC)."""


class Environment(Strict):
    name: Name
    """Environment name (a DNS-1123 label)."""
    cluster: Name
    """The cluster it runs on (one of clusters[].name)."""
    production: bool | None = None  # default: the last environment is production
    """Production environments never auto-sync (default: the last environment)."""
    auto_sync: bool | None = None  # default: False for production, True otherwise
    """Sync automatically (default: false for production, true otherwise)."""
    prune: bool | None = None  # default: = auto_sync
    """Delete resources removed from Git when syncing automatically (default: = auto_sync)."""
    self_heal: bool = True
    """Revert changes made in the cluster outside Git."""
    namespace_suffix: (
        Annotated[str, StringConstraints(max_length=20, pattern=r"^(-[a-z0-9]([-a-z0-9]*[a-z0-9])?)?$")]
        | None
    ) = None  # default: "-<name>", "" for production
    """Service namespace = <service><suffix> (default: '-<name>', '' for production)."""
    image_updates: bool = False
    """Let argocd-image-updater write new image tags for this environment."""
    sync_windows: list[SyncWindow] = Field(default_factory=list)
    """Windows when syncs are allowed or denied (the environment's AppProjects)."""


class Team(Strict):
    name: Name
    """Team name (a DNS-1123 label)."""
    groups: Annotated[list[Annotated[str, _pattern(_GROUP, "an SSO group name")]], Field(min_length=1)]
    """SSO groups whose members belong to the team."""
    admin: bool = False
    """Members are Argo CD admins."""


# What YAML can carry in a double-quoted string unchanged (its printable set, minus NEL, which
# YAML folds to a space): anything else would make the generated values file change or break.
_PRINTABLE = re.compile("^[\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")


def _printable(value: str) -> str:
    if not _PRINTABLE.fullmatch(value):
        bad = next(c for c in value if not _PRINTABLE.fullmatch(c))
        raise ValueError(f"{value!r} holds the control character U+{ord(bad):04X}; remove it")
    return value


class Migrations(Strict):
    command: Annotated[
        list[Annotated[str, StringConstraints(min_length=1), AfterValidator(_printable)]], Field(min_length=1)
    ]
    """The command the migration Job runs before each deploy."""


class Ingress(Strict):
    host: Hostname
    """Host name the service is exposed on."""
    path: HttpPath = "/"
    """Path prefix routed to the service."""
    hosts: dict[Name, Hostname] = Field(default_factory=dict)
    """Host per environment where it differs from host (two environments on one cluster need two).
    A key that names no environment is ignored, so removing an environment leaves no error here."""


class Autoscaling(Strict):
    min: Annotated[int, Field(ge=1, le=1000)]
    """Fewest replicas."""
    max: Annotated[int, Field(ge=1, le=1000)]
    """Most replicas."""
    cpu: Annotated[int, Field(ge=1, le=100)] = 70
    """Target average CPU utilisation in percent."""

    @model_validator(mode="after")
    def _min_not_above_max(self) -> Autoscaling:
        if self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class Service(Strict):
    name: Name
    """Service name (a DNS-1123 label)."""
    team: Name
    """The owning team (one of teams[].name)."""
    image: Annotated[str, StringConstraints(max_length=255), AfterValidator(_image_repository)]
    """Container image repository, without tag or digest (registry:5000/team/shop is fine)."""
    tag: Annotated[str, AfterValidator(_pinned_tag)]
    """A pinned image tag; 'latest' is refused."""
    digest: Annotated[str, _pattern(_DIGEST, "an image digest 'sha256:<64 hex digits>'")] | None = None
    """Optional digest pin (sha256:...): the image is pulled as image:tag@digest."""
    port: Annotated[int, Field(ge=1, le=65535)] = 8080
    """Container port."""
    health_path: HttpPath = "/health"
    """HTTP path of the readiness, liveness and smoke-test checks."""
    replicas: Annotated[int, Field(ge=1, le=1000)] = 2
    """Replicas when not autoscaled."""
    migrations: Migrations | None = None
    """Run a migration Job (a Sync hook) before each deploy."""
    ingress: Ingress | None = None
    """Expose the service through an Ingress with TLS."""
    autoscaling: Autoscaling | None = None
    """A HorizontalPodAutoscaler (Argo CD then ignores replicas)."""
    database_secret: Annotated[str, _pattern(_SECRET_KEY, "a Secrets Manager secret name")] | None = None
    """AWS Secrets Manager entry for the database credentials (an ExternalSecret)."""


class Addon(Strict):
    name: Name
    """A built-in add-on (ingress-nginx, cert-manager, external-secrets, karpenter, ...) or your own."""
    # For the built-in add-ons these come from the catalog; another add-on must name them all.
    repo_url: (
        Annotated[str, _url(re.compile(r"^(https://|oci://)[A-Za-z0-9.\-/_:]+$"), "a chart repository URL")]
        | None
    ) = None
    """Chart repository (required for an add-on that is not built in)."""
    chart: Name | None = None
    """Chart name (required for an add-on that is not built in)."""
    version: ChartVersion | None = None
    """Pinned chart version (default for built-ins: the tested pin)."""
    namespace: Name | None = None
    """Namespace it is installed in (required for an add-on that is not built in)."""


class Slack(Strict):
    deployments: Annotated[str, AfterValidator(_slack_channel)]
    """Channel for deployment notifications."""
    alerts: Annotated[str, AfterValidator(_slack_channel)]
    """Channel for failed syncs and degraded health."""


class Notifications(Strict):
    slack: Slack
    """Slack channels; the token comes from AWS Secrets Manager."""


class ImageUpdater(Strict):
    registry: Annotated[
        str, _pattern(re.compile(r"^[a-z0-9.\-]+(:[0-9]+)?(/[a-z0-9._\-]+)*$"), "a registry host")
    ]
    """The registry argocd-image-updater watches."""


class Aws(Strict):
    region: Annotated[
        str, _pattern(re.compile(r"^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$"), "an AWS region")
    ]
    """Region of AWS Secrets Manager (External Secrets) and ECR."""


# How CI installs gitops-scaffold: a pip requirement naming the package, or a git URL at a
# tag. No whitespace, quotes or shell characters (it is written into a `run:` line), and no
# user:password@ or token@ (no credential in Git).
_PIP_REQUIREMENT = re.compile(r"^gitops-scaffold(\[[a-z,]+\])?((==|>=|~=)[0-9][0-9A-Za-z.+\-]*)?$")
_GIT_INSTALL = re.compile(r"^git\+https://[A-Za-z0-9.\-]+(:[0-9]+)?/[A-Za-z0-9._~\-/]+@[A-Za-z0-9._\-/]+$")
_INDEX_URL = re.compile(r"^https://[A-Za-z0-9.\-]+(:[0-9]+)?(/[A-Za-z0-9._~\-/%]*)?$")


_URL_CREDENTIALS = re.compile(r"^[a-z+]+://[^/]*@")


def _no_credentials(value: str) -> None:
    # Never echo the value: it may hold a token.
    if _URL_CREDENTIALS.match(value):
        raise ValueError(
            "holds credentials (user@ or user:token@ before the host); give the runner a pip "
            "config or netrc instead, never Git"
        )


def _install(value: str) -> str:
    _no_credentials(value)
    if _PIP_REQUIREMENT.match(value) or _GIT_INSTALL.match(value):
        return value
    raise ValueError(
        f"{value!r} is neither a pip requirement such as 'gitops-scaffold[validate]==0.1.0' nor a git "
        "URL at a tag such as 'git+https://github.com/org/gitops-scaffold@v0.1.0'"
    )


def _index_url(value: str) -> str:
    _no_credentials(value)
    if not _INDEX_URL.match(value):
        raise ValueError(f"{value!r} is not an https:// package index URL")
    return value


class Ci(Strict):
    install: Annotated[str, AfterValidator(_install)] | None = None
    """How CI installs gitops-scaffold: a pip requirement or git+https://HOST/PATH@TAG (default: pinned)."""
    index_url: Annotated[str, AfterValidator(_index_url)] | None = None
    """Package index to install from (pip --index-url); credentials come from the runner, not Git."""


def _default_platform() -> list[Addon]:
    return [Addon(name=n) for n in ("ingress-nginx", "cert-manager", "external-secrets", "karpenter")]


_VALUES_KEY = re.compile(r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
ValuesKey = Annotated[str, _pattern(_VALUES_KEY, "a dotted values key such as 'image.tag'")]


def _default_promotion_keys() -> list[str]:
    return ["image.tag"]


class ServicePromotion(Strict):
    keys: Annotated[list[ValuesKey], Field(min_length=1)]
    """The values keys `scaffold promote` copies for this service (replaces promotion.keys)."""


class Promotion(Strict):
    keys: Annotated[list[ValuesKey], Field(min_length=1)] = Field(default_factory=_default_promotion_keys)
    """The values keys `scaffold promote` copies between environments (image.digest moves with
    image.tag when either side pins one)."""
    services: dict[Name, ServicePromotion] = Field(default_factory=dict)
    """Per-service overrides of the promoted keys."""


class Answers(Strict):
    version: Literal[1] = 1
    """Answers format version."""
    repo: Repo
    """Where this configuration lives."""
    argocd: ArgoCD = Field(default_factory=ArgoCD)
    """Argo CD's own installation."""
    clusters: Annotated[list[Cluster], Field(min_length=1)]
    """Clusters Argo CD deploys to (at least one)."""
    environments: Annotated[list[Environment], Field(min_length=1)]
    """Environments, in promotion order; the last is production."""
    teams: Annotated[list[Team], Field(min_length=1)]
    """Teams: one AppProject per team and environment, roles bound to SSO groups."""
    services: list[Service] = Field(default_factory=list)
    """Services: a Helm chart each, deployed to every environment."""

    @field_validator("services", mode="before")
    @classmethod
    def _no_services_yet(cls, value: object) -> object:
        # `services:` with nothing under it is how people write "none yet".
        return [] if value is None else value

    @field_validator("version", mode="before")
    @classmethod
    def _version_is_a_number(cls, value: object) -> object:
        # `version: true` equals 1 in Python, and a Literal would accept it.
        if isinstance(value, bool):
            raise ValueError(f"expected the answers format number 1, got bool {value!r}")
        return value

    platform: list[Addon] = Field(default_factory=_default_platform)
    """Platform add-ons Argo CD installs on the clusters."""
    notifications: Notifications | None = None
    """Argo CD notifications to Slack."""
    image_updater: ImageUpdater | None = None
    """Automatic image updates for opted-in environments."""
    ci: Ci = Field(default_factory=Ci)
    """The generated CI workflows."""
    aws: Aws | None = None
    """AWS settings (default region: that of the first ECR registry named here, else us-east-1)."""
    karpenter: Karpenter = Field(default_factory=Karpenter)
    """Karpenter's default EC2NodeClass and NodePool on every EKS cluster."""
    tls: Tls = Field(default_factory=Tls)
    """The cert-manager ClusterIssuer of the ingresses' certificates."""
    ingress: IngressSettings = Field(default_factory=IngressSettings)
    """The ingress controller: the AWS Load Balancer Controller (the default on EKS) or ingress-nginx."""
    promotion: Promotion = Field(default_factory=Promotion)
    """What `scaffold promote` copies from one environment's values file to the next."""


# --- rules that need the whole file -------------------------------------------------------

Loc = tuple[str | int, ...]


class Problem(BaseModel):
    """One thing wrong with the answers, at a key path such as ('services', 0, 'team')."""

    loc: Loc
    message: str
    also: Loc | None = None  # the other source of a collision, named in the message with its line


def is_production(answers: Answers, index: int) -> bool:
    env = answers.environments[index]
    if env.production is not None:
        return env.production
    return index == len(answers.environments) - 1


def _duplicates(section: str, names: list[str]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for index, name in enumerate(names):
        if name in seen:
            problems.append(Problem(loc=(section, index, "name"), message=f"duplicate name {name!r}"))
        seen.add(name)
    return problems


def _choices(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names) or "(none defined)"


def cross_check(answers: Answers) -> list[Problem]:
    """Every problem that a single field cannot see, in file order."""
    from gitops_scaffold.catalog import ADDONS
    from gitops_scaffold.derived import derived_name_problems

    problems: list[Problem] = []
    for section in ("clusters", "environments", "teams", "services", "platform"):
        items = getattr(answers, section)
        problems += _duplicates(section, [item.name for item in items])

    cluster_names = [c.name for c in answers.clusters]
    team_names = [t.name for t in answers.teams]
    for index, env in enumerate(answers.environments):
        where: Loc = ("environments", index)
        if env.cluster not in cluster_names:
            problems.append(
                Problem(
                    loc=(*where, "cluster"),
                    message=f"unknown cluster {env.cluster!r}; expected one of {_choices(cluster_names)}",
                )
            )
        if is_production(answers, index) and env.auto_sync:
            problems.append(
                Problem(
                    loc=(*where, "auto_sync"),
                    message=f"production environment {env.name!r} must not auto-sync; set auto_sync: false",
                )
            )
        if env.image_updates and answers.image_updater is None:
            problems.append(
                Problem(
                    loc=(*where, "image_updates"),
                    message="image updates need an 'image_updater' section with the registry",
                )
            )
        problems += _environment_problems(answers, index)

    for index, service in enumerate(answers.services):
        problems += _service_problems(answers, index, service, team_names)

    problems += _namespace_clashes(answers)
    problems += derived_name_problems(answers)
    service_names = [s.name for s in answers.services]
    problems += [
        Problem(
            loc=("promotion", "services", name),
            message=f"unknown service {name!r}; expected one of {_choices(service_names)}",
        )
        for name in answers.promotion.services
        if name not in service_names
    ]
    problems += [Problem(loc=loc, message=message) for loc, message in platform_problems(answers)]
    for index, addon in enumerate(answers.platform):
        if addon.name == "argocd-image-updater" and answers.image_updater is None:
            problems.append(
                Problem(
                    loc=("platform", index, "name"),
                    message="the argocd-image-updater add-on needs an 'image_updater' section "
                    "with the registry it watches",
                )
            )
        if addon.name not in ADDONS:
            missing = [k for k in ("repo_url", "chart", "version", "namespace") if getattr(addon, k) is None]
            if missing:
                problems.append(
                    Problem(
                        loc=("platform", index, missing[0]),
                        message=(
                            f"add-on {addon.name!r} is not built in ({_choices(sorted(ADDONS))}); "
                            f"give its {', '.join(missing)}"
                        ),
                    )
                )
    return problems


def _environment_problems(answers: Answers, index: int) -> list[Problem]:
    env = answers.environments[index]
    problems: list[Problem] = []
    if env.image_updates and is_production(answers, index):
        # Production is promoted by a reviewed commit to values-<env>.yaml, never by a bot.
        problems.append(
            Problem(
                loc=("environments", index, "image_updates"),
                message=(
                    f"production environment {env.name!r} takes no automatic image updates; "
                    "promote by committing image.tag to its values file"
                ),
            )
        )
    seen: set[tuple[str, str, str]] = set()
    for number, window in enumerate(env.sync_windows):
        key = (window.kind, window.schedule, window.duration)
        if key in seen:
            # argocd-server refuses an AppProject with two identical windows.
            problems.append(
                Problem(
                    loc=("environments", index, "sync_windows", number),
                    message="the same window (kind, schedule, duration) is listed twice",
                )
            )
        seen.add(key)
    return problems


def _service_problems(answers: Answers, index: int, service: Service, team_names: list[str]) -> list[Problem]:
    problems: list[Problem] = []
    if service.team not in team_names:
        problems.append(
            Problem(
                loc=("services", index, "team"),
                message=f"unknown team {service.team!r}; expected one of {_choices(team_names)}",
            )
        )
    for env_index, env in enumerate(answers.environments):
        namespace = service.name + suffix_of(answers, env_index)
        if len(namespace) > 63:
            problems.append(
                Problem(
                    loc=("services", index, "name"),
                    message=(
                        f"namespace {namespace!r} for environment {env.name!r} is longer than 63 characters"
                    ),
                )
            )
        release = f"{service.name}-{env.name}"
        if len(release) > 53:
            # Argo CD renders the chart with the Application name as Helm's release name,
            # and Helm refuses release names longer than 53 characters.
            problems.append(
                Problem(
                    loc=("services", index, "name"),
                    message=(
                        f"Application {release!r} (service-environment) is longer than 53 "
                        "characters, Helm's limit for a release name; shorten the name"
                    ),
                )
            )
            break
    return problems


def suffix_of(answers: Answers, index: int) -> str:
    env = answers.environments[index]
    if env.namespace_suffix is not None:
        return env.namespace_suffix
    return "" if is_production(answers, index) else f"-{env.name}"


def _namespace_clashes(answers: Answers) -> list[Problem]:
    """Two environments on one cluster must not put a service in the same namespace."""
    problems = []
    seen: dict[tuple[str, str], str] = {}
    for index, env in enumerate(answers.environments):
        key = (env.cluster, suffix_of(answers, index))
        if key in seen:
            problems.append(
                Problem(
                    loc=("environments", index, "namespace_suffix"),
                    message=(
                        f"environments {seen[key]!r} and {env.name!r} share cluster {env.cluster!r} "
                        f"and namespace suffix {key[1]!r}; give one a different namespace_suffix"
                    ),
                )
            )
        seen.setdefault(key, env.name)
    return problems
