"""The lint rules (GS001-GS016): each a small function over the repository as Argo CD sees it.

Every rule is registered with its catalog entry (id, severity, title, explanation, fix live in
``catalog.py``); ``run_rules`` calls them all. A rule never raises on odd input: a repository
for another tool or a half-written manifest is skipped, not crashed on.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_scaffold.validate.catalog import RULES, Rule, finding
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.loader import Document, Path_, RepoFiles, load_one
from gitops_scaffold.validate.model import RESOURCES_FINALIZERS, App, Production, Resource
from gitops_scaffold.validate.projects import Project


@dataclass
class Context:
    """Everything a rule may look at."""

    root: Path
    files: RepoFiles
    apps: list[App]
    projects: dict[str, Project]
    production: Production
    application_schema: dict[str, Any]
    # Objects in Git (not Argo CD's own) and objects rendered from charts, each once.
    resources: list[Resource] = field(default_factory=list)
    # Resources that are deployed together (one Application, or a chart rendered on its own).
    groups: list[list[Resource]] = field(default_factory=list)

    @property
    def appsets(self) -> list[Document]:
        return self.files.argo("ApplicationSet")

    def values_documents(self) -> Iterator[Document]:
        """Helm values files: non-object documents of files named like values files."""
        for doc in self.files.documents:
            name = doc.file.rsplit("/", 1)[-1]
            if not doc.is_object and isinstance(doc.data, dict) and _VALUES_FILE.search(name):
                yield doc


_VALUES_FILE = re.compile(r"(^|[-_.])values([-_.][\w.-]*)?\.ya?ml$")

RuleCheck = Callable[[Context], Iterable[Finding]]
_CHECKS: list[tuple[Rule, RuleCheck]] = []


def rule(rule_id: str) -> Callable[[RuleCheck], RuleCheck]:
    def register(check: RuleCheck) -> RuleCheck:
        _CHECKS.append((RULES[rule_id], check))
        return check

    return register


def run_rules(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for _, check in _CHECKS:
        out += check(ctx)
    return out


def lint_rule_ids() -> list[str]:
    return [r.id for r, _ in _CHECKS]


# --- helpers ---------------------------------------------------------------------------------


def _annotations(data: dict[str, Any]) -> dict[str, Any]:
    meta = data.get("metadata") if isinstance(data.get("metadata"), dict) else {}
    value = meta.get("annotations") if isinstance(meta, dict) else None
    return value if isinstance(value, dict) else {}


def _walk(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, Any]]:
    """Every (path, value) below ``value``, mappings and lists included."""
    yield path, value
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, (*path, index))


def _pod_spec_paths(data: dict[str, Any]) -> Iterator[tuple[Path_, dict[str, Any]]]:
    kind = data.get("kind")
    spec = data.get("spec") if isinstance(data.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    if kind == "Pod":
        yield ("spec",), spec
    elif kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "ReplicationController"}:
        pod = (spec.get("template") or {}).get("spec")
        if isinstance(pod, dict):
            yield ("spec", "template", "spec"), pod
    elif kind == "CronJob":
        pod = (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec")
        if isinstance(pod, dict):
            yield ("spec", "jobTemplate", "spec", "template", "spec"), pod


def _hook(resource: Resource) -> str | None:
    """The Argo CD sync phase of a hook (PreSync, Sync, PostSync, ...), or None."""
    notes = resource.annotations
    if notes.get("argocd.argoproj.io/hook"):
        return str(notes["argocd.argoproj.io/hook"]).split(",")[0].strip()
    helm_hook = str(notes.get("helm.sh/hook") or "")
    if helm_hook:
        if "pre-install" in helm_hook or "pre-upgrade" in helm_hook:
            return "PreSync"
        if "post-install" in helm_hook or "post-upgrade" in helm_hook:
            return "PostSync"
        return "Skip"  # test, delete or rollback hooks: not part of the sync
    return None


# --- GS001 production auto-sync ------------------------------------------------------------


@rule("GS001")
def production_auto_sync(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        if app.auto_sync and ctx.production(app):
            yield finding(
                "GS001",
                app.file,
                app.locate(("spec", "syncPolicy", "automated")),
                f"{app.name} targets production and has syncPolicy.automated",
                app.context,
            )


# --- GS002 HPA without ignoreDifferences on replicas ---------------------------------------


def _ignores_replicas(app: App, deployment: str) -> bool:
    for entry in app.spec.get("ignoreDifferences") or []:
        if not isinstance(entry, dict):
            continue
        if str(entry.get("group", "")) != "apps" or entry.get("kind") not in {"Deployment", "*"}:
            continue
        if entry.get("name") not in (None, "", deployment):
            continue
        pointers = [str(p) for p in entry.get("jsonPointers") or []]
        jq = [str(p).replace(" ", "") for p in entry.get("jqPathExpressions") or []]
        managers = entry.get("managedFieldsManagers") or []
        if "/spec/replicas" in pointers or ".spec.replicas" in jq or managers:
            return True
    return False


@rule("GS002")
def hpa_replicas(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        resources = app.resources or []
        deployments = {r.name: r for r in resources if r.kind == "Deployment" and r.group == "apps"}
        for hpa in resources:
            if hpa.kind != "HorizontalPodAutoscaler":
                continue
            target = hpa.spec.get("scaleTargetRef") or {}
            if not isinstance(target, dict) or target.get("kind") != "Deployment":
                continue
            name = str(target.get("name", ""))
            if not _ignores_replicas(app, name):
                yield finding(
                    "GS002",
                    app.file,
                    app.locate(("spec", "ignoreDifferences")),
                    f"{app.name}: HorizontalPodAutoscaler {hpa.name!r} scales Deployment {name!r}, but the "
                    "Application does not ignore /spec/replicas of it",
                    app.context,
                )
            deployment = deployments.get(name)
            if (
                deployment is not None
                and "replicas" in deployment.spec
                and not app.has_sync_option("RespectIgnoreDifferences=true")
            ):
                yield finding(
                    "GS002",
                    deployment.file,
                    deployment.locate(("spec", "replicas")),
                    f"Deployment {name!r} sets replicas although HorizontalPodAutoscaler {hpa.name!r} "
                    "owns them: every sync resets the count",
                    app.context,
                )


# --- GS003 secret values in Git --------------------------------------------------------------

_CREDENTIAL_KEY = re.compile(
    r"(password|passwd|passphrase|secret|token|apikey|privatekey|accesskey|clientsecret"
    r"|webhookurl|bearertoken|keydata|sshprivatekey)$"
)
_NOT_A_VALUE = re.compile(r"^(\$|\{\{|<|ENC\[|ref\+|vault:|secretref|\*\*\*)", re.IGNORECASE)
_ARGO_SECRET_KEYS = frozenset(
    {
        "password",
        "sshPrivateKey",
        "githubAppPrivateKey",
        "tlsClientCertKey",
        "bearerToken",
        "gcpServiceAccountKey",
    }
)
_CONFIG_CREDENTIALS = re.compile(r'"(bearerToken|password|keyData|secretAccessKey)"\s*:\s*"[^"{$]')


def _credential_key(key: str) -> bool:
    norm = key.lower().replace("-", "").replace("_", "")
    return bool(_CREDENTIAL_KEY.search(norm)) and not norm.startswith(("existing", "use", "create"))


def _literal_secret(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip()) and not _NOT_A_VALUE.match(value.strip())


def _secret_findings(res: Resource) -> Iterator[Finding]:
    labels = res.metadata.get("labels") if isinstance(res.metadata.get("labels"), dict) else {}
    assert isinstance(labels, dict)
    argo_type = labels.get("argocd.argoproj.io/secret-type")
    for field_name in ("data", "stringData"):
        data = res.data.get(field_name)
        if not isinstance(data, dict):
            continue
        for raw_key, value in data.items():
            if not value:
                continue
            key = str(raw_key)
            if argo_type:
                leaked = key in _ARGO_SECRET_KEYS or (
                    key == "config" and isinstance(value, str) and _CONFIG_CREDENTIALS.search(value)
                )
                if not leaked:
                    continue
            yield finding(
                "GS003",
                res.file,
                res.locate((field_name, key)),
                f"Secret {res.name!r} holds {field_name}.{key} in Git",
            )


def _value_secrets(
    doc_file: str, data: Any, locate: Callable[[Path_], int], where: str = ""
) -> Iterator[Finding]:
    for path, value in _walk(data):
        if path and isinstance(path[-1], str) and _credential_key(path[-1]) and _literal_secret(value):
            yield finding(
                "GS003",
                doc_file,
                locate(path),
                f"{where}{'.'.join(str(p) for p in path)} holds a literal credential",
            )


def _locator(app: App, prefix: Path_) -> Callable[[Path_], int]:
    return lambda path: app.locate((*prefix, *path))


@rule("GS003")
def secrets_in_git(ctx: Context) -> Iterator[Finding]:
    for res in ctx.resources:
        if res.kind == "Secret" and res.group == "":
            yield from _secret_findings(res)
    for doc in ctx.values_documents():
        yield from _value_secrets(doc.file, doc.data, doc.line_of)
    for app in ctx.apps:
        for key, source in app.sources():
            helm = source.get("helm") if isinstance(source.get("helm"), dict) else None
            if not helm:
                continue
            assert isinstance(helm, dict)
            if isinstance(helm.get("valuesObject"), dict):
                yield from _value_secrets(
                    app.file,
                    helm["valuesObject"],
                    _locator(app, (*key, "helm", "valuesObject")),
                    "helm.valuesObject.",
                )
            for index, parameter in enumerate(helm.get("parameters") or []):
                if (
                    isinstance(parameter, dict)
                    and _credential_key(str(parameter.get("name", "")).split(".")[-1])
                    and _literal_secret(parameter.get("value"))
                ):
                    yield finding(
                        "GS003",
                        app.file,
                        app.locate((*key, "helm", "parameters", index)),
                        f"{app.name}: helm parameter {parameter.get('name')} holds a literal credential",
                        app.context,
                    )


# --- GS004 hook Jobs without activeDeadlineSeconds -----------------------------------------


@rule("GS004")
def hook_deadline(ctx: Context) -> Iterator[Finding]:
    for res in ctx.resources:
        if res.kind not in {"Job", "Pod"} or _hook(res) is None:
            continue
        if res.kind == "Job" and "activeDeadlineSeconds" not in res.spec:
            yield finding(
                "GS004",
                res.file,
                res.locate(("spec",)),
                f"hook Job {res.name!r} ({_hook(res)}) has no spec.activeDeadlineSeconds",
            )
        elif res.kind == "Pod" and "activeDeadlineSeconds" not in res.spec:
            yield finding(
                "GS004",
                res.file,
                res.locate(("spec",)),
                f"hook Pod {res.name!r} ({_hook(res)}) has no spec.activeDeadlineSeconds",
            )


# --- GS005 default project, GS006 wildcard project -------------------------------------------


@rule("GS005")
def default_project(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        if app.project == "default":
            yield finding(
                "GS005",
                app.file,
                app.locate(("spec", "project")),
                f"{app.name} is in the default project",
                app.context,
            )


@rule("GS006")
def wildcard_project(ctx: Context) -> Iterator[Finding]:
    counts = Counter(a.project for a in ctx.apps)
    for project in ctx.projects.values():
        doc = project.doc
        if doc is None:
            continue
        users = counts[project.name]
        note = f" ({users} Application{'s' if users != 1 else ''} use it)"
        for index, repo in enumerate(doc.spec.get("sourceRepos") or []):
            if str(repo) == "*":
                yield finding(
                    "GS006",
                    doc.file,
                    doc.line_of(("spec", "sourceRepos", index)),
                    f"AppProject {doc.name} permits every source repository{note}",
                )
        for index, dest in enumerate(doc.spec.get("destinations") or []):
            if not isinstance(dest, dict):
                continue
            wild = [k for k in ("server", "name", "namespace") if str(dest.get(k, "")) == "*"]
            if wild:
                yield finding(
                    "GS006",
                    doc.file,
                    doc.line_of(("spec", "destinations", index)),
                    f"AppProject {doc.name} permits any {' and any '.join(wild)} as a destination{note}",
                )


# --- GS007 unpinned charts, GS008 unpinned images --------------------------------------------

_EXACT_VERSION = re.compile(r"v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?")


@rule("GS007")
def unpinned_chart(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        for key, source in app.sources():
            url = str(source.get("repoURL") or "")
            if not source.get("chart") and not url.startswith("oci://"):
                continue
            revision = str(source.get("targetRevision") or "")
            if not _EXACT_VERSION.fullmatch(revision):
                what = source.get("chart") or url
                yield finding(
                    "GS007",
                    app.file,
                    app.locate((*key, "targetRevision")),
                    f"{app.name}: chart {what} is not pinned (targetRevision {revision or 'missing'!r})",
                    app.context,
                )
    for doc in ctx.files.documents:
        if not doc.file.endswith("Chart.yaml") or not isinstance(doc.data, dict):
            continue
        for index, dep in enumerate(doc.data.get("dependencies") or []):
            if not isinstance(dep, dict):
                continue
            version = str(dep.get("version") or "")
            repository = str(dep.get("repository") or "")
            if repository.startswith("file://"):
                continue
            if not _EXACT_VERSION.fullmatch(version):
                yield finding(
                    "GS007",
                    doc.file,
                    doc.line_of(("dependencies", index, "version")),
                    f"chart dependency {dep.get('name')} is not pinned (version {version or 'missing'!r})",
                )


def _unpinned_image(image: str) -> bool:
    if "@sha256:" in image or "{{" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.rsplit(":", 1)[1] in {"latest", ""}


@rule("GS008")
def unpinned_image(ctx: Context) -> Iterator[Finding]:
    flagged_charts: set[str] = set()
    for doc in ctx.values_documents():
        for path, value in _walk(doc.data):
            if not path or not isinstance(path[-1], str):
                continue
            parent = _at(doc.data, path[:-1])
            latest_tag = (
                path[-1] == "tag"
                and value == "latest"
                and isinstance(parent, dict)
                and ("repository" in parent or "registry" in parent or "image" in str(path[-2:-1]))
            )
            latest_image = path[-1] == "image" and isinstance(value, str) and value.endswith(":latest")
            if latest_tag or latest_image:
                flagged_charts.add(doc.file.rsplit("/", 1)[0] if "/" in doc.file else ".")
                yield finding(
                    "GS008", doc.file, doc.line_of(path), f"{'.'.join(map(str, path))}: image tag 'latest'"
                )
    for res in ctx.resources:
        if res.rendered and any(res.file.startswith(c + "/") for c in flagged_charts):
            continue
        for prefix, pod in _pod_spec_paths(res.data):
            for group in ("initContainers", "containers", "ephemeralContainers"):
                for index, container in enumerate(pod.get(group) or []):
                    image = container.get("image") if isinstance(container, dict) else None
                    if isinstance(image, str) and _unpinned_image(image):
                        yield finding(
                            "GS008",
                            res.file,
                            res.locate((*prefix, group, index, "image")),
                            f"{res.kind} {res.name!r}: image {image!r} is not pinned",
                        )


def _at(data: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return None
    return data


# --- GS009 image updates on an auto-syncing production Application ---------------------------


def _selects(ref: dict[str, Any], app: App) -> bool:
    pattern = ref.get("namePattern")
    if pattern and not fnmatch.fnmatchcase(app.name, str(pattern)):
        return False
    selectors = ref.get("labelSelectors") if isinstance(ref.get("labelSelectors"), dict) else {}
    assert isinstance(selectors, dict)
    for key, value in (selectors.get("matchLabels") or {}).items():
        if app.labels.get(str(key)) != str(value):
            return False
    return bool(pattern or selectors)


@rule("GS009")
def image_updates_production(ctx: Context) -> Iterator[Finding]:
    risky = [a for a in ctx.apps if a.auto_sync and ctx.production(a)]
    if not risky:
        return
    for doc in ctx.files.objects:
        if doc.kind != "ImageUpdater" or not doc.group.startswith("argocd-image-updater.argoproj.io"):
            continue
        for index, ref in enumerate(doc.spec.get("applicationRefs") or []):
            if not isinstance(ref, dict):
                continue
            hit = [a.name for a in risky if _selects(ref, a)]
            if hit:
                yield finding(
                    "GS009",
                    doc.file,
                    doc.line_of(("spec", "applicationRefs", index)),
                    f"ImageUpdater {doc.name} updates auto-syncing production Application(s) "
                    f"{', '.join(sorted(hit))}",
                )
    for app in risky:
        keys = [
            k
            for k in app.metadata.get("annotations") or {}
            if str(k).startswith("argocd-image-updater.argoproj.io/")
        ]
        if keys:
            yield finding(
                "GS009",
                app.file,
                app.locate(("metadata", "annotations", keys[0])),
                f"{app.name} auto-syncs to production and has Argo CD Image Updater annotations",
                app.context,
            )


# --- GS010 root app with cascading deletion --------------------------------------------------


@rule("GS010")
def root_cascade(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        children = [
            r
            for r in app.resources or []
            if r.group == "argoproj.io" and r.kind in {"Application", "ApplicationSet"}
        ]
        if not children:
            continue
        what = f"{app.name} manages {len(children)} Application(s)/ApplicationSet(s)"
        finalizers = [f for f in app.finalizers if f in RESOURCES_FINALIZERS]
        if finalizers:
            index = app.finalizers.index(finalizers[0])
            yield finding(
                "GS010",
                app.file,
                app.locate(("metadata", "finalizers", index)),
                f"{what} and has the {finalizers[0]} finalizer: deleting it deletes them all",
                app.context,
            )
        automated = app.sync_policy.get("automated")
        if app.auto_sync and isinstance(automated, dict) and automated.get("prune") is True:
            yield finding(
                "GS010",
                app.file,
                app.locate(("spec", "syncPolicy", "automated", "prune")),
                f"{what} and prunes automatically: removing a file deletes that Application",
                app.context,
            )


# --- GS011 placeholders, GS012 templated booleans, GS013 misplaced fields --------------------

_SINGLE_BRACE = re.compile(r"(?<![{$\\])\{\s*\.?[A-Za-z_][\w.\-\[\]]*\s*\}(?!\})")
_FAST_DOTTED = re.compile(r"\{\{\s*([A-Za-z_][\w-]*(?:\.[\w\[\]-]+)+)\s*\}\}")
_FAST_COMMON = re.compile(
    r"\{\{\s*(name|server|cluster|url|path|namespace|branch|number|nameNormalized)\s*\}\}"
)
_GO_ACTION = re.compile(r"\{\{-?\s*(\.|\$|if\b|range\b|with\b|end\b|toYaml\b|default\b|printf\b|index\b)")


def _template_strings(doc: Document) -> Iterator[tuple[Path_, str]]:
    template = doc.spec.get("template")
    for path, value in _walk(template, ("spec", "template")):
        if isinstance(value, str):
            yield path, value
        if isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and "{" in key:
                    yield (*path, key), key


@rule("GS011")
def placeholders(ctx: Context) -> Iterator[Finding]:
    for doc in ctx.appsets:
        go = doc.spec.get("goTemplate") is True
        for path, text in _template_strings(doc):
            single = _SINGLE_BRACE.search(text)
            if single:
                yield finding(
                    "GS011",
                    doc.file,
                    doc.line_of(path),
                    f"{single.group(0)!r} (single braces) is never substituted",
                )
                continue
            if go:
                fast = _FAST_DOTTED.search(text) or _FAST_COMMON.search(text)
                if fast:
                    yield finding(
                        "GS011",
                        doc.file,
                        doc.line_of(path),
                        f"{fast.group(0)!r} is a fasttemplate placeholder, but goTemplate is true: "
                        f"write {{{{ .{fast.group(1)} }}}}",
                    )
            elif _GO_ACTION.search(text):
                yield finding(
                    "GS011",
                    doc.file,
                    doc.line_of(path),
                    f"{short(text)!r} is a Go template, but goTemplate is not true: it stays literal",
                )


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _schema_types(schema: dict[str, Any], path: Path_) -> set[str]:
    """The JSON types the Application schema allows at ``path`` (empty: unknown/open)."""
    node: Any = schema
    for part in path:
        if not isinstance(node, dict):
            return set()
        if isinstance(part, int):
            node = node.get("items")
        else:
            props = node.get("properties")
            if not isinstance(props, dict) or part not in props:
                return set()
            node = props[part]
    if not isinstance(node, dict):
        return set()
    if "anyOf" in node:
        return {t for alt in node["anyOf"] if isinstance(alt, dict) for t in _as_set(alt.get("type"))}
    return _as_set(node.get("type"))


def _as_set(value: Any) -> set[str]:
    if isinstance(value, list):
        return {str(v) for v in value}
    return {str(value)} if value else set()


@rule("GS012")
def templated_booleans(ctx: Context) -> Iterator[Finding]:
    for doc in ctx.appsets:
        for path, text in _template_strings(doc):
            if "{{" not in text or path[-1] == text:
                continue
            types = _schema_types(ctx.application_schema, path[2:])
            if types and "string" not in types and types & {"boolean", "integer", "number"}:
                expected = "/".join(sorted(types & {"boolean", "integer", "number"}))
                yield finding(
                    "GS012",
                    doc.file,
                    doc.line_of(path),
                    f"{'.'.join(map(str, path))} is a {expected} but is templated as the string "
                    f"{short(text)!r}",
                )


# (parent path relative to the object, key) -> where it belongs
Misplaced = dict[tuple[Path_, str], str]
_MISPLACED_APPSET: Misplaced = {
    (("spec",), "preserveResourcesOnDeletion"): "spec.syncPolicy.preserveResourcesOnDeletion",
}
_MISPLACED_APP: Misplaced = {
    ((), "syncPolicy"): "spec.syncPolicy",
    ((), "ignoreDifferences"): "spec.ignoreDifferences",
    ((), "source"): "spec.source",
    ((), "destination"): "spec.destination",
    (("spec",), "syncOptions"): "spec.syncPolicy.syncOptions",
    (("spec",), "automated"): "spec.syncPolicy.automated",
    (("spec",), "finalizers"): "metadata.finalizers",
    (("spec", "syncPolicy"), "prune"): "spec.syncPolicy.automated.prune",
    (("spec", "syncPolicy"), "selfHeal"): "spec.syncPolicy.automated.selfHeal",
    (("spec", "source"), "valueFiles"): "spec.source.helm.valueFiles",
    (("spec", "source"), "releaseName"): "spec.source.helm.releaseName",
}


@rule("GS013")
def misplaced_fields(ctx: Context) -> Iterator[Finding]:
    for doc in ctx.files.objects:
        if doc.is_argo("ApplicationSet"):
            tables: list[tuple[Path_, Misplaced]] = [
                ((), _MISPLACED_APPSET),
                (("spec", "template"), {k: v for k, v in _MISPLACED_APP.items() if k[0]}),
            ]
        elif doc.is_argo("Application"):
            tables = [((), _MISPLACED_APP)]
        else:
            continue
        for prefix, table in tables:
            for (parent, key), right in table.items():
                node = _at(doc.data, (*prefix, *parent))
                if isinstance(node, dict) and key in node:
                    here = ".".join(str(p) for p in (*prefix, *parent, key))
                    yield finding(
                        "GS013",
                        doc.file,
                        doc.line_of((*prefix, *parent, key)),
                        f"{here} is not read by Argo CD; it belongs at "
                        f"{'spec.template.' if prefix else ''}{right}",
                    )


# --- GS014 deprecated ingress-class annotation ---------------------------------------------

_INGRESS_CLASS = "kubernetes.io/ingress.class"


@rule("GS014")
def ingress_class_annotation(ctx: Context) -> Iterator[Finding]:
    for res in ctx.resources:
        if res.kind == "Ingress" and _INGRESS_CLASS in res.annotations:
            yield finding(
                "GS014",
                res.file,
                res.locate(("metadata", "annotations", _INGRESS_CLASS)),
                f"Ingress {res.name!r} uses the {_INGRESS_CLASS} annotation",
            )
    for doc in ctx.values_documents():
        for path, _ in _walk(doc.data):
            if path and path[-1] == _INGRESS_CLASS:
                yield finding(
                    "GS014",
                    doc.file,
                    doc.line_of(path),
                    f"{'.'.join(map(str, path))}: the {_INGRESS_CLASS} annotation is deprecated",
                )
    for app in ctx.apps:
        for key, source in app.sources():
            helm = source.get("helm") if isinstance(source.get("helm"), dict) else None
            values = helm.get("valuesObject") if isinstance(helm, dict) else None
            for path, _ in _walk(values):
                if path and path[-1] == _INGRESS_CLASS:
                    yield finding(
                        "GS014",
                        app.file,
                        app.locate((*key, "helm", "valuesObject", *path)),
                        f"{app.name}: helm.valuesObject sets the {_INGRESS_CLASS} annotation",
                        app.context,
                    )


# --- GS015 migration after the Deployment ---------------------------------------------------

_PHASES = {"PreSync": 0, "Sync": 1, "PostSync": 2}
_MIGRATION = re.compile(r"migrat", re.IGNORECASE)


def _wave(res: Resource) -> int:
    notes = res.annotations
    raw = notes.get("argocd.argoproj.io/sync-wave")
    if raw is None and notes.get("helm.sh/hook"):
        raw = notes.get("helm.sh/hook-weight")
    try:
        return int(str(raw).strip()) if raw is not None else 0
    except ValueError:
        return 0


def _is_migration(res: Resource) -> bool:
    if res.kind != "Job":
        return False
    labels = res.metadata.get("labels") if isinstance(res.metadata.get("labels"), dict) else {}
    assert isinstance(labels, dict)
    text = " ".join([res.name, *map(str, labels.values())])
    for _, pod in _pod_spec_paths(res.data):
        for container in pod.get("containers") or []:
            if isinstance(container, dict):
                text += " " + json.dumps(
                    [container.get("name"), container.get("command"), container.get("args")]
                )
    return bool(_MIGRATION.search(text))


@rule("GS015")
def migration_order(ctx: Context) -> Iterator[Finding]:
    for group in ctx.groups:
        deployments = [r for r in group if r.kind in {"Deployment", "StatefulSet"} and _hook(r) is None]
        if not deployments:
            continue
        first = min(deployments, key=_wave)
        for job in group:
            if not _is_migration(job):
                continue
            phase = _hook(job) or "Sync"
            if phase not in _PHASES:
                continue
            if (_PHASES[phase], _wave(job)) >= (_PHASES["Sync"], _wave(first)):
                where = (
                    ("metadata", "annotations", "argocd.argoproj.io/sync-wave")
                    if ("argocd.argoproj.io/sync-wave" in job.annotations)
                    else ("metadata", "annotations")
                )
                yield finding(
                    "GS015",
                    job.file,
                    job.locate(where),
                    f"migration Job {job.name!r} ({phase}, wave {_wave(job)}) does not run before "
                    f"{first.kind} {first.name!r} (Sync, wave {_wave(first)})",
                )


# --- GS016 Argo CD not pinned to system nodes ------------------------------------------------


def _pinned(glob: dict[str, Any]) -> bool:
    """A node selector, or node affinity in the argo-cd chart's form (``affinity.nodeAffinity``
    with ``matchExpressions``) or Kubernetes' (``requiredDuringScheduling...``)."""
    if glob.get("nodeSelector"):
        return True
    affinity = glob.get("affinity") if isinstance(glob.get("affinity"), dict) else {}
    assert isinstance(affinity, dict)
    node = affinity.get("nodeAffinity") if isinstance(affinity.get("nodeAffinity"), dict) else {}
    assert isinstance(node, dict)
    return bool(node.get("matchExpressions") or node.get("requiredDuringSchedulingIgnoredDuringExecution"))


@dataclass
class _ArgoInstall:
    app: App
    key: Path_  # the source's key path in the Application
    prefix: str  # "" for the argo-cd chart itself, the dependency key in an umbrella chart
    files: list[tuple[str, Any]]  # local values files, in order
    inline: Any  # helm.valuesObject


def _argocd_installs(ctx: Context) -> Iterator[_ArgoInstall]:
    """Each Application that installs the argo-cd chart, directly or as a dependency."""
    for app in ctx.apps:
        for key, source in app.sources():
            files = app.value_files.get(key)
            if files is None:
                continue
            helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
            assert isinstance(helm, dict)
            inline = helm.get("valuesObject")
            if source.get("chart") == "argo-cd":
                yield _ArgoInstall(app, key, "", files, inline)
                continue
            path = str(source.get("path") or "").strip("/")
            alias = _argocd_dependency(ctx.root / path) if path else None
            if alias:
                if not files:
                    files = [(f"{path}/values.yaml", _values_of(ctx, f"{path}/values.yaml"))]
                yield _ArgoInstall(app, key, alias, files, inline)


def _argocd_dependency(chart_dir: Path) -> str | None:
    import yaml

    try:
        meta = load_one((chart_dir / "Chart.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return None
    for dep in meta.get("dependencies") or [] if isinstance(meta, dict) else []:
        if isinstance(dep, dict) and dep.get("name") == "argo-cd":
            return str(dep.get("alias") or "argo-cd")
    return None


def _answers(root: Path) -> dict[str, Any]:
    """scaffold.yaml, when the repository was written by gitops-scaffold ({} otherwise)."""
    import yaml

    try:
        data = load_one((root / "scaffold.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) and isinstance(data.get("argocd", {}), dict) else {}


def _values_of(ctx: Context, rel: str) -> Any:
    for doc in ctx.files.documents:
        if doc.file == rel:
            return doc.data
    return None


@rule("GS016")
def argocd_system_nodes(ctx: Context) -> Iterator[Finding]:
    from gitops_scaffold.validate.helm import coalesce

    if _answers(ctx.root).get("argocd", {}).get("system_nodes") is False:
        return  # a deliberate choice, recorded in scaffold.yaml
    for install in _argocd_installs(ctx):
        values: dict[str, Any] = {}
        for _, data in install.files:
            if isinstance(data, dict):
                values = coalesce(values, data)
        if isinstance(install.inline, dict):
            values = coalesce(values, install.inline)
        scope = values.get(install.prefix) if install.prefix else values
        glob = scope.get("global") if isinstance(scope, dict) else None
        if isinstance(glob, dict) and _pinned(glob):
            continue
        app = install.app
        path: tuple[str, ...] = (install.prefix, "global") if install.prefix else ("global",)
        if isinstance(install.inline, dict):
            file, line = app.file, app.locate((*install.key, "helm", "valuesObject", *path))
        else:
            file, line = app.file, app.locate(install.key)
            for rel, data in reversed(install.files):
                if isinstance(data, dict) and (not install.prefix or install.prefix in data):
                    docs = [d for d in ctx.files.documents if d.file == rel]
                    file, line = rel, docs[0].line_of(path) if docs else 0
                    break
        yield finding(
            "GS016",
            file,
            line,
            f"Argo CD ({app.name}): {'.'.join(path)} sets neither nodeSelector nor node affinity",
            app.context,
        )
