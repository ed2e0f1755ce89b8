"""Declarative cluster secrets, read one way for the clusters generator and for destinations.

A cluster is a Secret labelled ``argocd.argoproj.io/secret-type: cluster`` (``data`` decoded,
``stringData`` as is) or an ExternalSecret whose ``target.template`` makes such a Secret.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from gitops_scaffold.constants import CLUSTER_SECRET_LABEL
from gitops_scaffold.validate.argo.common import Json


def secret_data(secret: Mapping[str, Any]) -> dict[str, str]:
    """A Secret's data (base64-decoded where possible) and stringData, as strings."""
    result: dict[str, str] = {}
    for key, value in _mapping(secret.get("data")).items():
        try:
            result[str(key)] = base64.b64decode(str(value), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            result[str(key)] = str(value)
    for key, value in _mapping(secret.get("stringData")).items():
        result[str(key)] = "" if value is None else str(value)
    return result


def cluster_secret(doc: Any) -> Json | None:
    """``{secret, name, server, project, labels, annotations}`` when ``doc`` declares a cluster
    (with a server), else None; ``secret`` is the name of the Secret it is or makes."""
    if not isinstance(doc, dict):
        return None
    metadata = _mapping(doc.get("metadata"))
    meta: Mapping[str, Any]
    if doc.get("kind") == "Secret" and doc.get("apiVersion") == "v1":
        meta, data = metadata, secret_data(doc)
        secret_name = str(metadata.get("name", ""))
    elif doc.get("kind") == "ExternalSecret":
        target = _mapping(_mapping(doc.get("spec")).get("target"))
        template = _mapping(target.get("template"))
        meta = _mapping(template.get("metadata"))
        data = {str(k): str(v) for k, v in _mapping(template.get("data")).items()}
        secret_name = str(target.get("name") or metadata.get("name", ""))
    else:
        return None
    labels = {str(k): str(v) for k, v in _mapping(meta.get("labels")).items()}
    if labels.get(CLUSTER_SECRET_LABEL) != "cluster" or not data.get("server"):
        return None
    return {
        "secret": secret_name,
        "name": data.get("name", ""),
        "server": data["server"],
        "project": data.get("project", ""),
        "labels": labels,
        "annotations": {str(k): str(v) for k, v in _mapping(meta.get("annotations")).items()},
    }


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}
