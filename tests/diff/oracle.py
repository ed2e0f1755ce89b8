"""An independent oracle for `scaffold diff` on a scaffolded repository: both revisions checked
out with `git worktree`, every Application's manifests rendered with helm-python-sdk directly
(the service charts) or read from its directory, and compared object by object.

It knows the scaffold layout instead of reading Argo CD objects generically: service
Applications are services x environments (names and namespaces taken from the raw
ApplicationSet template strings), the written ones read their folders. Sources that cannot be
rendered offline (remote add-on charts, the argocd umbrella chart with unvendored dependencies)
count as changed when their source, values or Chart.yaml change.
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import helm_python
import yaml

Key = tuple[str, str, str, str]
Pair = tuple[str, Key, str]  # (Application, resource key, status)
INPUTS = ("diff.gitops-scaffold.io", "SourceInputs")
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition"}


@contextmanager
def worktree(repo: Path, revision: str | None) -> Iterator[Path]:
    if revision is None:
        yield repo
        return
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "side"
        subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "--detach", str(dest), revision],
            check=True,
            capture_output=True,
        )
        try:
            yield dest
        finally:
            subprocess.run(
                ["git", "-C", str(repo), "worktree", "remove", "--force", str(dest)],
                check=True,
                capture_output=True,
            )


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict) and d.get("kind")]


def _key(obj: dict[str, Any], namespace: str) -> Key:
    api = str(obj["apiVersion"])
    group = api.rsplit("/", 1)[0] if "/" in api else ""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace") or ("" if obj["kind"] in CLUSTER_SCOPED else namespace)
    return (group, str(obj["kind"]), str(ns), str(meta.get("name")))


def _keyed(objects: list[dict[str, Any]], namespace: str) -> dict[Key, Any]:
    out = {}
    for obj in objects:
        key = _key(obj, namespace)
        defaulted = not (obj.get("metadata") or {}).get("namespace") and key[2]
        out[key] = {**obj, "metadata": {**obj["metadata"], "namespace": key[2]}} if defaulted else obj
    return out


def applications(root: Path) -> dict[str, dict[Key, Any]]:
    """Application name -> its objects by key, at one checkout."""
    apps: dict[str, dict[Key, Any]] = {}
    directories = {
        "root": ("bootstrap/root", "*.yaml"),
        "projects": ("projects", "*.yaml"),
        "platform-apps": ("apps/platform", "*/application.yaml"),
    }
    for name, (folder, pattern) in directories.items():
        objects = [d for f in sorted((root / folder).glob(pattern)) for d in _docs(f)]
        apps[name] = _keyed(objects, "argocd")
    argocd_app = _docs(root / "bootstrap/root/argocd.yaml")[0]
    apps["argocd"] = {
        (*INPUTS, "", "argocd"): (
            argocd_app["spec"]["source"],
            yaml.safe_load((root / "argocd/values.yaml").read_text()),
            yaml.safe_load((root / "argocd/Chart.yaml").read_text()),
        )
    }
    for application in sorted((root / "apps/platform").glob("*/application.yaml")):
        for doc in _docs(application):
            chart = doc["spec"]["sources"][0]
            values = yaml.safe_load(
                (root / chart["helm"]["valueFiles"][0].removeprefix("$values/")).read_text()
            )
            apps[doc["metadata"]["name"]] = {(*INPUTS, "", chart["chart"]): (chart, values)}
    appset = _docs(root / "bootstrap/root/service-apps.yaml")[0]
    template = appset["spec"]["template"]
    envs = appset["spec"]["generators"][0]["matrix"]["generators"][1]["list"]["elements"]
    for service_file in sorted((root / "apps/services").glob("*/service.yaml")):
        chart = service_file.parent
        for element in envs:
            env = element["env"]

            def fill(text: str, env: dict[str, Any] = env, service: str = chart.name) -> str:
                return (
                    text.replace("{{ .path.basename }}", service)
                    .replace("{{ .env.name }}", env["name"])
                    .replace("{{ .env.namespaceSuffix }}", env["namespaceSuffix"])
                )

            name = fill(template["metadata"]["name"])
            namespace = fill(template["spec"]["destination"]["namespace"])
            values = yaml.safe_load((chart / f"values-{env['name']}.yaml").read_text()) or {}
            with helm_python.Chart.load(chart) as loaded:
                manifests = loaded.render(values, name=name, namespace=namespace)
            objects = [
                d
                for text in manifests.values()
                for d in yaml.safe_load_all(text)
                if isinstance(d, dict) and d.get("kind")
            ]
            apps[name] = _keyed(objects, namespace)
    return apps


def expected_pairs(repo: Path, base: str, head: str | None) -> tuple[set[Pair], set[str]]:
    """The (Application, resource, status) pairs that differ, and every Application's name."""
    with worktree(repo, base) as before_root, worktree(repo, head) as after_root:
        before, after = applications(before_root), applications(after_root)
    pairs: set[Pair] = set()
    for app in set(before) | set(after):
        old, new = before.get(app, {}), after.get(app, {})
        for key in set(old) | set(new):
            if key not in old:
                pairs.add((app, key, "added"))
            elif key not in new:
                pairs.add((app, key, "removed"))
            elif old[key] != new[key]:
                pairs.add((app, key, "changed"))
    return pairs, set(before) | set(after)
