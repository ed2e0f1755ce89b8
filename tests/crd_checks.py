"""Custom resources against the upstream CRDs in tests/resources/upstream (strict, like the API server).

``strict_schema`` turns a CRD version's ``openAPIV3Schema`` into a JSON Schema that, like
``kubectl apply --validate=strict``, refuses a field the CRD does not declare: every object with
``properties`` is closed unless it says ``x-kubernetes-preserve-unknown-fields``, and
``x-kubernetes-int-or-string`` admits both. The CEL rules (``x-kubernetes-validations``) are
evaluated too, as the API server does on create (tests/cel_checks.py).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.cel_checks import cel_errors

UPSTREAM = Path(__file__).parent / "resources" / "upstream"


def strict_schema(node: Any) -> Any:
    if isinstance(node, list):
        return [strict_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: strict_schema(v) for k, v in node.items() if not k.startswith("x-kubernetes-")}
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if (
        node.get("type") == "object"
        and "properties" in node
        and "additionalProperties" not in node
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@functools.cache
def crd_schema(relative: str, kind: str, version: str) -> tuple[str, dict[str, Any]]:
    """The API group and the ``openAPIV3Schema`` of ``kind`` at ``version`` in the CRD file ``relative``."""
    for doc in yaml.safe_load_all((UPSTREAM / "crds" / relative).read_text(encoding="utf-8")):
        if not doc or doc.get("kind") != "CustomResourceDefinition" or doc["spec"]["names"]["kind"] != kind:
            continue
        for served in doc["spec"]["versions"]:
            if served["name"] == version:
                return doc["spec"]["group"], served["schema"]["openAPIV3Schema"]
    raise LookupError(f"no {kind} {version} in {relative}")


@functools.cache
def crd_validator(relative: str, kind: str, version: str) -> jsonschema.Draft7Validator:
    """The strict validator of ``kind`` at ``version`` from the CRD file ``relative`` (in upstream/crds)."""
    group, openapi = crd_schema(relative, kind, version)
    schema = strict_schema(openapi)
    # The API server checks metadata itself; name and labels are all we set.
    schema["properties"]["metadata"] = {"type": "object"}
    schema["properties"]["apiVersion"] = {"const": f"{group}/{version}"}
    schema["properties"]["kind"] = {"const": kind}
    schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
    return jsonschema.Draft7Validator(schema)


CRDS = {
    ("karpenter.sh/v1", "NodePool"): "karpenter-1.14.1/karpenter.sh_nodepools.yaml",
    ("karpenter.k8s.aws/v1", "EC2NodeClass"): "karpenter-1.14.1/karpenter.k8s.aws_ec2nodeclasses.yaml",
    ("cert-manager.io/v1", "ClusterIssuer"): "cert-manager-v1.21.1/clusterissuers.yaml",
    ("external-secrets.io/v1", "ExternalSecret"): "external-secrets-2.9.0/externalsecrets.yaml",
    ("external-secrets.io/v1", "ClusterSecretStore"): "external-secrets-2.9.0/clustersecretstores.yaml",
    ("argocd-image-updater.argoproj.io/v1alpha1", "ImageUpdater"): (
        "argocd-image-updater-chart-1.2.4/imageupdaters.yaml"
    ),
}


def crd_errors(obj: dict[str, Any]) -> list[str]:
    """What the upstream CRD rejects in ``obj`` (one line per problem); [] when it is valid.

    The schema first (types, enums, patterns, required and unknown fields); the CEL rules only
    when it passes, as the API server runs them only on an object of the schema's shape.
    """
    api_version, kind = obj["apiVersion"], obj["kind"]
    relative, version = CRDS[(api_version, kind)], api_version.rsplit("/", 1)[1]
    name = f"{kind} {obj['metadata'].get('name')}"
    errors = [
        f"{name}: {'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in crd_validator(relative, kind, version).iter_errors(obj)
    ]
    if errors:
        return errors
    return [f"{name}: {e}" for e in cel_errors(crd_schema(relative, kind, version)[1], obj)]
