"""jsonschema-rs gives the verdict, pure-Python jsonschema the messages: both must agree on
which objects are valid, for Kubernetes' schemas and Argo CD's CRD schemas alike."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from gitops_scaffold.validate.argo import fastschema, rendering
from gitops_scaffold.validate.argo.schemas import ArgoSchemas, KubeSchemas
from tests.factory import init_repo, minimal

pytest.importorskip("jsonschema_rs")

from tests.validate.helpers import EXAMPLE_APPS


def mutations(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Broken copies of a valid object, one mistake each (the kinds of mistake users make)."""

    def changed(name: str, edit: Any) -> tuple[str, dict[str, Any]]:
        broken = copy.deepcopy(doc)
        edit(broken)
        return name, broken

    yield changed("unknown top-level field", lambda d: d.update(spce={}))
    yield changed("name not a string", lambda d: d["metadata"].update(name=5))
    yield changed("labels a list", lambda d: d["metadata"].update(labels=["a"]))
    yield changed("annotation value a number", lambda d: d["metadata"].update(annotations={"a": 1}))
    spec = doc.get("spec")
    if isinstance(spec, dict):
        yield changed("unknown spec field", lambda d: d["spec"].update(replicaz=1))
        yield changed("spec a string", lambda d: d.update(spec="x"))
        for key, value in spec.items():
            if isinstance(value, int) and not isinstance(value, bool):
                yield changed(f"spec.{key} a string", lambda d, k=key: d["spec"].update({k: "three"}))
            if isinstance(value, dict):
                yield changed(f"spec.{key} a list", lambda d, k=key: d["spec"].update({k: [1]}))
        template = spec.get("template")
        if isinstance(template, dict) and "containers" in (template.get("spec") or {}):
            yield changed("containers missing", lambda d: d["spec"]["template"]["spec"].pop("containers"))
            yield changed(
                "container without image name",
                lambda d: d["spec"]["template"]["spec"].update(containers=[{"image": "x"}]),
            )


def rendered_objects(tmp_path: Path) -> list[dict[str, Any]]:
    """Every object the scaffold service chart renders for one service with every option on."""
    service = {
        "name": "shop",
        "team": "web",
        "image": "ghcr.io/acme/shop",
        "tag": "v1.0.0",
        "autoscaling": {"min": 2, "max": 4},
        "migrations": {"command": ["./migrate"]},
        # dev and prod share the cluster: each environment its own host
        "ingress": {"host": "shop.acme.com", "hosts": {"dev": "shop.dev.acme.com"}},
    }
    repo = init_repo(tmp_path, minimal(services=[service]))
    chart = repo / "apps/services/shop"
    values = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8"))
    job = rendering.Job(str(chart), values, "shop-prod", "shop-prod", None)
    outcome = rendering.run_job(job)
    assert outcome["error"] is None, outcome["error"]
    return [doc for _, _, checked in outcome["templates"] for doc, _ in checked]


def test_both_engines_agree_on_kubernetes_objects(tmp_path: Path) -> None:
    kube = KubeSchemas(None)
    objects = [doc for doc in rendered_objects(tmp_path) if not doc["apiVersion"].startswith("argoproj.io/")]
    kinds = {doc["kind"] for doc in objects}
    assert {"Deployment", "Service", "ConfigMap", "Job"} <= kinds
    checked = invalid = 0
    for doc in objects:
        slow = kube._validator(doc["apiVersion"], doc["kind"])
        fast = kube._verdict(doc["apiVersion"], doc["kind"])
        if slow is None:  # a custom resource without a schema
            assert fast is None
            continue
        assert fast is not None
        for name, case in [("as rendered", doc), *mutations(doc)]:
            python_valid = not list(slow.iter_errors(case))
            assert fastschema.is_valid(fast, case) == python_valid, (doc["kind"], name)
            checked += 1
            invalid += not python_valid
    assert invalid >= 40 and checked > invalid  # a real corpus of invalid objects, and valid ones


def test_both_engines_agree_on_argo_cd_objects() -> None:
    argo = ArgoSchemas()
    docs = [
        doc
        for path in sorted(EXAMPLE_APPS.rglob("*.yaml"))
        if "templates" not in path.parts  # chart templates are Go templates, not YAML
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and doc.get("kind") in {"Application", "ApplicationSet", "AppProject"}
    ]
    assert {d["kind"] for d in docs} == {"Application", "ApplicationSet", "AppProject"}
    invalid = 0
    for doc in docs:
        slow = argo.validator(doc["kind"])
        fast = fastschema.compile_verdict(argo.schema(doc["kind"]), draft7=True)
        for name, case in [("as written", doc), *mutations(doc)]:
            python_valid = not list(slow.iter_errors(case))
            assert fastschema.is_valid(fast, case) == python_valid, (doc["kind"], name)
            invalid += not python_valid
    assert invalid >= 20


def test_the_messages_are_the_python_validators(tmp_path: Path) -> None:
    """An invalid object's errors come from jsonschema, worded as before."""
    kube = KubeSchemas(None)
    deployment = next(d for d in rendered_objects(tmp_path) if d["kind"] == "Deployment")
    broken = copy.deepcopy(deployment)
    broken["spec"]["replicaz"] = 1
    broken["spec"]["replicas"] = "three"
    errors = kube.errors(broken)
    assert errors is not None
    messages = [message for _, message in errors]
    assert any("unknown field 'replicaz'" in m for m in messages), messages
    assert any(m.startswith('spec.replicas: "three" is not of type') for m in messages), messages
    assert kube.errors(deployment) == []
