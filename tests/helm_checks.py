"""Helpers for tests that render generated Helm charts offline (no cluster, no network).

``helm_python`` binds Helm's Go SDK; ``kubernetes_validate`` carries the strict OpenAPI schemas
of each Kubernetes release. Custom resources (ExternalSecret) are not in those schemas, so
``validate_object`` checks them against a hand-written subset of their CRD.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml

# Kubernetes releases the manifests must be valid for: the oldest EKS release we still expect,
# and the newest kubernetes-validate bundles.
K8S_VERSIONS = ("1.30", "1.37")

# The namespaced kinds a team AppProject whitelists (group, kind); a service chart uses no other.
PROJECT_KINDS = frozenset({
    ("", "ConfigMap"),
    ("", "ServiceAccount"),
    ("", "Service"),
    ("apps", "Deployment"),
    ("batch", "Job"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("policy", "PodDisruptionBudget"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("external-secrets.io", "ExternalSecret"),
})

DNS_SUBDOMAIN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
_DNS_SUBDOMAIN, _STRING_MAP = DNS_SUBDOMAIN, STRING_MAP


def closed(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    """A JSON Schema object that, like strict field validation, refuses unknown keys."""
    return {
        "type": "object",
        "properties": properties,
        "required": required or [],
        "additionalProperties": False,
    }


_closed = closed

# ExternalSecret spec.data: which Secrets Manager entry (and property) fills which key.
EXTERNAL_SECRET_DATA: dict[str, Any] = {
    "type": "array",
    "items": closed(
        {
            "secretKey": {"type": "string", "pattern": r"^[-._a-zA-Z0-9]+$"},
            "remoteRef": closed(
                {"key": {"type": "string", "minLength": 1}, "property": {"type": "string"}},
                ["key"],
            ),
        },
        ["secretKey", "remoteRef"],
    ),
}


# The part of external-secrets.io ExternalSecret (v1beta1 and v1 agree on it) that our charts
# use, closed like the API server's strict field validation would be.
# Source: config/crds/bases/external-secrets.io_externalsecrets.yaml in external-secrets.
EXTERNAL_SECRET_SCHEMA: dict[str, Any] = _closed(
    {
        "apiVersion": {"enum": ["external-secrets.io/v1beta1", "external-secrets.io/v1"]},
        "kind": {"const": "ExternalSecret"},
        "metadata": _closed(
            {
                "name": {"type": "string", "pattern": _DNS_SUBDOMAIN, "maxLength": 253},
                "labels": _STRING_MAP,
                "annotations": _STRING_MAP,
            },
            ["name"],
        ),
        "spec": _closed(
            {
                "refreshInterval": {"type": "string"},
                "secretStoreRef": _closed(
                    {
                        "kind": {"enum": ["SecretStore", "ClusterSecretStore"]},
                        "name": {"type": "string", "pattern": _DNS_SUBDOMAIN, "minLength": 1},
                    },
                    ["name"],
                ),
                "target": _closed(
                    {
                        "name": {"type": "string", "pattern": _DNS_SUBDOMAIN, "minLength": 1},
                        "creationPolicy": {"enum": ["Owner", "Orphan", "Merge", "None"]},
                    }
                ),
                "data": EXTERNAL_SECRET_DATA,
                "dataFrom": {
                    "type": "array",
                    "items": _closed(
                        {"extract": _closed({"key": {"type": "string", "minLength": 1}}, ["key"])},
                        ["extract"],
                    ),
                },
            },
            ["secretStoreRef", "target"],
        ),
    },
    ["apiVersion", "kind", "metadata", "spec"],
)


def write_tree(tree: Mapping[str, str], root: Path) -> Path:
    """Write a rendered ``{path: text}`` tree under ``root``; returns ``root``."""
    for rel, text in tree.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def merge_values(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Helm's coalescing of two values files: maps merge key by key, anything else replaces."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), Mapping):
            merged[key] = merge_values(base[key], value)
        else:
            merged[key] = value
    return merged


def load_values(chart_dir: Path, *files: str) -> dict[str, Any]:
    """values.yaml, then each named values file over it, as Argo CD's valueFiles do."""
    values: dict[str, Any] = {}
    for name in ("values.yaml", *files):
        values = merge_values(values, yaml.safe_load((chart_dir / name).read_text()) or {})
    return values


def render_manifests(
    chart_dir: Path, values: Mapping[str, Any], *, name: str, namespace: str
) -> dict[str, str]:
    """Render the chart offline, as ``helm template`` does: ``{template path: manifest text}``."""
    import helm_python

    with helm_python.Chart.load(chart_dir) as chart:
        return chart.render(dict(values), name=name, namespace=namespace)


def parse_manifests(manifests: Mapping[str, str]) -> list[dict[str, Any]]:
    """Every object in the rendered manifests, in template order (empty documents dropped)."""
    objects = []
    for template in sorted(manifests):
        for doc in yaml.safe_load_all(manifests[template]):
            if doc:
                objects.append(doc)
    return objects


def render_objects(
    chart_dir: Path, values: Mapping[str, Any], *, name: str, namespace: str
) -> list[dict[str, Any]]:
    """Render the chart offline and parse every manifest into objects."""
    return parse_manifests(render_manifests(chart_dir, values, name=name, namespace=namespace))


def group_of(obj: Mapping[str, Any]) -> str:
    api_version = str(obj["apiVersion"])
    return api_version.rsplit("/", 1)[0] if "/" in api_version else ""


def validate_object(obj: dict[str, Any]) -> None:
    """Strict validation: Kubernetes' own schemas for built-in kinds, the CRD subset otherwise."""
    if group_of(obj) == "external-secrets.io":
        jsonschema.validate(obj, EXTERNAL_SECRET_SCHEMA)
        return
    import kubernetes_validate

    for version in K8S_VERSIONS:
        kubernetes_validate.validate(obj, version, strict=True)


def pod_specs(obj: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The pod spec of a Deployment or Job, if the object has one."""
    if obj["kind"] in {"Deployment", "Job", "StatefulSet", "DaemonSet"}:
        yield obj["spec"]["template"]["spec"]


def strings(value: Any) -> Iterator[str]:
    """Every string (keys and values) inside a parsed YAML document."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
