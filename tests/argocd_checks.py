"""Checks for the Argo CD objects of a rendered repository, shared by tests that need them.

- ``argocd_documents`` / ``validate_argocd``: every Application, ApplicationSet and AppProject,
  against the strict JSON Schemas derived from Argo CD v3.5.1's CRDs (bundled in gitops_scaffold/schemas).
- ``project_problems``: what ``AppProject.ValidateProject`` in Argo CD rejects (argocd-server
  runs it on every project create and update).
- ``project_permits``: whether an AppProject lets an Application deploy (repository,
  destination, and the Namespace that CreateNamespace=true makes).
- ``naive_expand``: an independent, pure-Python expansion of the `services` ApplicationSet, to
  cross-check the Helm-based engine in gitops_scaffold.validate.argo.expansion. It understands only what our
  template uses: `{{ .a.b }}` and `{{- if <cond> }} / {{- else }} / {{- end }}` with and/or/not.
- ``CLUSTER_EXTERNAL_SECRET_SCHEMA`` and ``IMAGE_UPDATER_SCHEMA``: closed subsets of the
  external-secrets.io/v1 ExternalSecret and argocd-image-updater 1.2.x ImageUpdater CRDs.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.factory import SCHEMAS
from tests.helm_checks import DNS_SUBDOMAIN, EXTERNAL_SECRET_DATA, STRING_MAP, closed

ARGOCD_KINDS = {"Application": "application", "ApplicationSet": "applicationset",
                "AppProject": "appproject"}
IN_CLUSTER = "https://kubernetes.default.svc"


@functools.cache
def validator(kind: str) -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMAS / f"{ARGOCD_KINDS[kind]}.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def documents(tree: Mapping[str, str], path: str) -> list[dict[str, Any]]:
    """The YAML documents of one file of a rendered tree (empty ones dropped)."""
    return [d for d in yaml.safe_load_all(tree[path]) if d is not None]


def argocd_documents(tree: Mapping[str, str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """(path, object) for every argoproj.io object in the plain YAML files of a tree (chart
    templates and values files are not Kubernetes objects as written and are skipped)."""
    for path in sorted(tree):
        name = path.rsplit("/", 1)[-1]
        if (not name.endswith((".yaml", ".yml")) or "/templates/" in path
                or name.startswith("values") or name == "Chart.yaml"):
            continue
        for doc in documents(tree, path):
            if isinstance(doc, dict) and str(doc.get("apiVersion", "")).startswith("argoproj.io/"):
                yield path, doc


def schema_errors(obj: Mapping[str, Any]) -> list[str]:
    errors = validator(str(obj["kind"])).iter_errors(obj)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]


# --- AppProject rules that only argocd-server checks ------------------------------------------

_ROLE_NAME = re.compile(r"^[a-zA-Z0-9]([-_a-zA-Z0-9]*[a-zA-Z0-9])?$")
_PROJECT_RESOURCES = {"applications", "applicationsets", "repositories", "exec", "logs",
                      "clusters"}
_ACTIONS = {"get", "create", "update", "delete", "sync", "override", "*"}


def project_problems(project: Mapping[str, Any]) -> list[str]:
    """AppProject.ValidateProject (pkg/apis/application/v1alpha1/types.go) as a list."""
    name = project["metadata"]["name"]
    spec = project["spec"]
    problems = []
    destinations = [f"{d.get('server')}/{d.get('namespace')}" for d in spec.get("destinations", [])]
    problems += [f"destination {d} added twice" for d in _duplicates(destinations)]
    problems += [f"source repo {r} added twice" for r in _duplicates(spec.get("sourceRepos", []))]
    roles = spec.get("roles", [])
    problems += [f"role {r} defined twice" for r in _duplicates([r["name"] for r in roles])]
    for role in roles:
        if not _ROLE_NAME.match(role["name"]):
            problems.append(f"invalid role name {role['name']!r}")
        policies = role.get("policies", [])
        problems += [f"policy {p!r} twice" for p in _duplicates(policies)]
        problems += [p for policy in policies if (p := _policy_problem(name, role["name"], policy))]
        groups = role.get("groups", [])
        problems += [f"group {g!r} twice in {role['name']}" for g in _duplicates(groups)]
        problems += [f"group {g!r} is empty or has , or newlines" for g in groups
                     if not g.strip() or re.search(r"[,\n\r\t]", g)]
    windows = spec.get("syncWindows", [])
    keys = [w["kind"] + w["schedule"] + w["duration"] for w in windows]
    problems += [f"window {k} defined twice" for k in _duplicates(keys)]
    for window in windows:
        if window.get("kind") not in ("allow", "deny"):
            problems.append(f"window kind {window.get('kind')!r}")
        if not (window.get("applications") or window.get("namespaces") or window.get("clusters")):
            problems.append(f"window {window['schedule']} requires application, cluster or namespace")
    return problems


def _policy_problem(project: str, role: str, policy: str) -> str | None:
    parts = [p.strip() for p in policy.split(",")]
    if len(parts) != 6 or parts[0] != "p":
        return f"policy {policy!r}: not 'p, sub, res, act, obj, eft'"
    _, subject, resource, action, obj, effect = parts
    if subject != f"proj:{project}:{role}":
        return f"policy {policy!r}: subject must be proj:{project}:{role}"
    if resource not in _PROJECT_RESOURCES:
        return f"policy {policy!r}: resource {resource!r} is not project-scoped"
    if action not in _ACTIONS and not action.startswith("action/"):
        return f"policy {policy!r}: invalid action {action!r}"
    if not re.match(rf"^{re.escape(project)}(/[*\w\-.]+){{1,2}}$", obj):
        return f"policy {policy!r}: object must be {project}/<app>"
    if effect not in ("allow", "deny"):
        return f"policy {policy!r}: effect {effect!r}"
    return None


def _duplicates(items: list[str]) -> list[str]:
    return sorted({i for i in items if items.count(i) > 1})


def project_permits(project: Mapping[str, Any], app: Mapping[str, Any]) -> list[str]:
    """Why the project would refuse the Application (empty: it permits it), with Argo CD's glob
    matching of source repositories and destinations."""
    spec = project["spec"]
    problems = []
    sources = [app["spec"]["source"]] if "source" in app["spec"] else app["spec"].get("sources", [])
    for source in sources:
        if not any(fnmatch.fnmatchcase(source["repoURL"], r) for r in spec.get("sourceRepos", [])):
            problems.append(f"repository {source['repoURL']} not permitted")
    dest = app["spec"]["destination"]
    if not any(fnmatch.fnmatchcase(dest.get("server", ""), d.get("server", ""))
               and fnmatch.fnmatchcase(dest.get("namespace", ""), d.get("namespace", ""))
               for d in spec.get("destinations", [])):
        problems.append(f"destination {dest} not permitted")
    options = (app["spec"].get("syncPolicy") or {}).get("syncOptions", [])
    if "CreateNamespace=true" in options and not any(
        fnmatch.fnmatchcase("", w.get("group", "")) and fnmatch.fnmatchcase("Namespace", w["kind"])
        and fnmatch.fnmatchcase(dest["namespace"], w.get("name", "*"))
        for w in spec.get("clusterResourceWhitelist", [])
    ):
        problems.append(f"Namespace {dest['namespace']} not in clusterResourceWhitelist")
    return problems


def wildcards(project: Mapping[str, Any]) -> list[str]:
    """Every `*` in a project's repositories, destinations and resource whitelists."""
    spec = project["spec"]
    found = [f"sourceRepos: {r}" for r in spec.get("sourceRepos", []) if "*" in r]
    for key in ("destinations", "clusterResourceWhitelist", "namespaceResourceWhitelist"):
        found += [f"{key}: {item}" for item in spec.get(key, [])
                  if any("*" in str(v) for v in item.values())]
    return found


# --- an independent expansion of the services ApplicationSet -----------------------------------

_FIELD = re.compile(r"\{\{-?\s*(\.[A-Za-z0-9_.]+)\s*-?\}\}")
_CONTROL = re.compile(r"\s*\{\{-\s*(if (.+?)|else|end)\s*\}\}")


def _value(params: Mapping[str, Any], ref: str) -> Any:
    node: Any = params
    for part in ref.lstrip(".").split("."):
        if not isinstance(node, Mapping) or part not in node:
            raise KeyError(f"map has no entry for key {part!r} ({ref})")
        node = node[part]
    return node


def _go_string(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _condition(expr: str, params: Mapping[str, Any]) -> bool:
    """`.a`, `not X`, `and X Y`, `or X Y` with parentheses: the forms our templatePatch uses."""
    tokens = re.findall(r"\(|\)|[^\s()]+", expr)

    def parse(pos: int) -> tuple[Any, int]:
        token = tokens[pos]
        if token == "(":
            value, pos = parse_call(pos + 1)
            return value, pos + 1  # ")"
        if token.startswith("."):
            return bool(_value(params, token)), pos + 1
        raise ValueError(f"unsupported token {token!r} in {expr!r}")

    def parse_call(pos: int) -> tuple[bool, int]:
        name = tokens[pos]
        if name not in ("and", "or", "not"):
            return parse(pos)
        args = []
        pos += 1
        while pos < len(tokens) and tokens[pos] != ")":
            value, pos = parse(pos)
            args.append(value)
        if name == "not":
            return not args[0], pos
        return (all(args) if name == "and" else any(args)), pos

    value, end = parse_call(0)
    assert end == len(tokens), f"trailing tokens in {expr!r}"
    return bool(value)


def naive_render(text: str, params: Mapping[str, Any]) -> str:
    """Our templates' subset of Go templates: fields and if/else/end blocks, with `{{-`
    trimming the whitespace before a control action."""
    out: list[str] = []
    stack: list[tuple[bool, bool]] = []  # (this branch active, some branch taken)
    pos = 0
    for match in _CONTROL.finditer(text):
        active = all(a for a, _ in stack)
        if active:
            out.append(text[pos:match.start()])
        word = match.group(1)
        if word.startswith("if "):
            taken = active and _condition(match.group(2), params)
            stack.append((taken, taken))
        elif word == "else":
            _, taken = stack.pop()
            stack.append((not taken, True))
        else:
            stack.pop()
        pos = match.end()
    out.append(text[pos:])
    assert not stack, "unbalanced if/end"
    return _FIELD.sub(lambda m: _go_string(_value(params, m.group(1))), "".join(out))


def _substitute(node: Any, params: Mapping[str, Any]) -> Any:
    if isinstance(node, str):
        return naive_render(node, params) if "{{" in node else node
    if isinstance(node, dict):
        return {_substitute(k, params): _substitute(v, params) for k, v in node.items()}
    if isinstance(node, list):
        return [_substitute(v, params) for v in node]
    return node


def _merge(base: Any, patch: Any) -> Any:
    if not isinstance(patch, dict) or not isinstance(base, dict):
        return patch
    merged = dict(base)
    for key, value in patch.items():
        merged[key] = _merge(base.get(key), value) if isinstance(value, dict) else value
    return merged


def naive_expand(appset: Mapping[str, Any], repo: Path) -> list[dict[str, Any]]:
    """Applications of the `services` ApplicationSet: every apps/services/<dir>/service.yaml
    times every list element, substituted without Go."""
    spec = appset["spec"]
    (matrix,) = spec["generators"]
    git, listing = (g for g in matrix["matrix"]["generators"])
    assert git["git"]["files"][0]["path"] == "apps/services/*/service.yaml"
    apps = []
    for descriptor in sorted((repo / "apps" / "services").glob("*/service.yaml")):
        service = yaml.safe_load(descriptor.read_text(encoding="utf-8")) or {}
        directory = descriptor.parent.relative_to(repo).as_posix()
        path = {"path": directory, "basename": descriptor.parent.name,
                "filename": "service.yaml", "basenameNormalized": descriptor.parent.name,
                "filenameNormalized": "service.yaml", "segments": directory.split("/")}
        for element in listing["list"]["elements"]:
            params = {**service, "path": path, **element}
            template = _substitute(spec["template"], params)
            app = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
                   "metadata": {"namespace": appset["metadata"]["namespace"],
                                **template["metadata"]},
                   "spec": template["spec"]}
            patch = yaml.safe_load(naive_render(spec["templatePatch"], params))
            app = _merge(app, patch)
            app["spec"]["project"] = template["spec"]["project"]
            apps.append(app)
    return apps


def canonical(obj: Any) -> Any:
    """Key order dropped, for comparing objects built in different orders."""
    return json.loads(json.dumps(obj, sort_keys=True))


# --- closed subsets of two more CRDs ----------------------------------------------------------

_DNS_SUBDOMAIN, _STRING_MAP, _closed = DNS_SUBDOMAIN, STRING_MAP, closed


_METADATA = _closed(
    {"name": {"type": "string", "pattern": _DNS_SUBDOMAIN, "maxLength": 253},
     "namespace": {"type": "string"}, "labels": _STRING_MAP, "annotations": _STRING_MAP},
    ["name", "namespace"],
)

# external-secrets.io/v1 ExternalSecret, the fields a cluster registration uses
# (config/crds/bases/external-secrets.io_externalsecrets.yaml in external-secrets).
CLUSTER_EXTERNAL_SECRET_SCHEMA: dict[str, Any] = _closed(
    {
        "apiVersion": {"const": "external-secrets.io/v1"},
        "kind": {"const": "ExternalSecret"},
        "metadata": _METADATA,
        "spec": _closed(
            {
                "refreshInterval": {"type": "string"},
                "secretStoreRef": _closed(
                    {"kind": {"enum": ["SecretStore", "ClusterSecretStore"]},
                     "name": {"type": "string", "minLength": 1}},
                    ["name"],
                ),
                "target": _closed(
                    {
                        "name": {"type": "string", "pattern": _DNS_SUBDOMAIN},
                        "creationPolicy": {"enum": ["Owner", "Orphan", "Merge", "None"]},
                        "template": _closed(
                            {
                                "type": {"type": "string"},
                                "engineVersion": {"enum": ["v2"]},
                                "metadata": _closed(
                                    {"labels": _STRING_MAP, "annotations": _STRING_MAP}
                                ),
                                "data": _STRING_MAP,
                            }
                        ),
                    }
                ),
                "data": EXTERNAL_SECRET_DATA,
            },
            ["secretStoreRef", "target"],
        ),
    },
    ["apiVersion", "kind", "metadata", "spec"],
)

_UPDATE_SETTINGS = _closed(
    {"updateStrategy": {"enum": ["semver", "newest-build", "alphabetical", "digest", "latest",
                                 "name"]},
     "forceUpdate": {"type": "boolean"}, "allowTags": {"type": "string"},
     "ignoreTags": {"type": "array", "items": {"type": "string"}},
     "pullSecret": {"type": "string"},
     "platforms": {"type": "array", "items": {"type": "string"}}}
)
_WRITE_BACK = _closed(
    {"method": {"type": "string", "pattern": r"^(argocd|git|git:[a-zA-Z0-9][a-zA-Z0-9-._/:]*)$"},
     "gitConfig": _closed({"repository": {"type": "string"}, "branch": {"type": "string"},
                           "writeBackTarget": {"type": "string"}})},
    ["method"],
)

# argocd-image-updater.argoproj.io/v1alpha1 ImageUpdater as served by the pinned argocd-image-updater
# chart 1.2.4 (templates/crd-imageupdaters.yaml): no spec.namespace (1.0.x required it, 1.2 rejects
# it). tests/test_platform_config.py checks the same objects against that CRD itself.
IMAGE_UPDATER_SCHEMA: dict[str, Any] = _closed(
    {
        "apiVersion": {"const": "argocd-image-updater.argoproj.io/v1alpha1"},
        "kind": {"const": "ImageUpdater"},
        "metadata": _METADATA,
        "spec": _closed(
            {
                "commonUpdateSettings": _UPDATE_SETTINGS,
                "writeBackConfig": _WRITE_BACK,
                "applicationRefs": {
                    "type": "array",
                    "minItems": 1,
                    "items": _closed(
                        {
                            "namePattern": {"type": "string"},
                            "commonUpdateSettings": _UPDATE_SETTINGS,
                            "writeBackConfig": _WRITE_BACK,
                            "images": {
                                "type": "array",
                                "minItems": 1,
                                "items": _closed(
                                    {
                                        "alias": {"type": "string",
                                                  "pattern": r"^[a-zA-Z0-9][a-zA-Z0-9-._]*$"},
                                        "imageName": {"type": "string"},
                                        "commonUpdateSettings": _UPDATE_SETTINGS,
                                        "manifestTargets": _closed(
                                            {"helm": _closed(
                                                {"name": {"type": "string"},
                                                 "tag": {"type": "string"},
                                                 "spec": {"type": "string"}},
                                                ["name", "tag"],
                                            )}
                                        ),
                                    },
                                    ["alias", "imageName"],
                                ),
                            },
                        },
                        ["namePattern", "images"],
                    ),
                },
            },
            ["applicationRefs"],
        ),
    },
    ["apiVersion", "kind", "metadata", "spec"],
)
