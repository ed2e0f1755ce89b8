"""Render one Application's manifests as Argo CD's repo-server would, offline.

- Helm charts in this repository: through the check half's source resolver and Helm renderer
  (``valueFiles`` incl. ``$ref/...`` of multi-source Applications, ``values``/``valuesObject``,
  ``parameters``, ``releaseName``, the destination namespace);
- plain directories: ``recurse``, ``include``, ``exclude`` (the same resolver);
- Kustomize: ``kubectl kustomize`` (or ``kustomize build``) when one is on PATH;
- charts from chart repositories: from ``--charts DIR`` (``helm pull`` archives) when there.

What cannot be rendered here (a remote chart not in ``--charts``, a chart whose dependencies
are not vendored, another Git repository, a plugin) is compared by its *inputs*: a synthetic
``SourceInputs`` object holding the source (chart, version) and the values it composes.
Namespaced objects without a namespace get the destination namespace, as Argo CD applies them.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from gitops_scaffold.validate.argo.helm import Helm, RenderRequest, ValueSource, compose_values
from gitops_scaffold.validate.argo.loader import RepoFiles, load_all
from gitops_scaffold.validate.argo.objects import App, Resource
from gitops_scaffold.validate.argo.projects import CLUSTER_SCOPED
from gitops_scaffold.validate.argo.sources import KUSTOMIZATION_FILES, source_refs

if TYPE_CHECKING:
    from gitops_scaffold.diff.side import Side

INPUTS_GROUP = "diff.gitops-scaffold.io"
INPUTS_KIND = "SourceInputs"
HOOK_ANNOTATIONS = ("argocd.argoproj.io/hook", "helm.sh/hook")
ResourceKey = tuple[str, str, str, str]  # (group, kind, namespace, name)


@dataclass
class Rendered:
    """What one Application deploys at one revision."""

    objects: list[Resource] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def by_key(self, namespace: str) -> dict[ResourceKey, dict[str, Any]]:
        """Objects by (group, kind, namespace, name); namespaced ones default to ``namespace``."""
        crds = {
            (str(o.spec.get("group") or ""), str((o.spec.get("names") or {}).get("kind") or ""))
            for o in self.objects
            if o.kind == "CustomResourceDefinition" and o.spec.get("scope") == "Cluster"
        }
        out: dict[ResourceKey, dict[str, Any]] = {}
        for res in self.objects:
            data = res.data
            ns = str(res.metadata.get("namespace") or "")
            scoped = (res.group, res.kind) in CLUSTER_SCOPED or (res.group, res.kind) in crds
            if not ns and namespace and not scoped and res.group != INPUTS_GROUP:
                ns = namespace
                data = {**data, "metadata": {**res.metadata, "namespace": ns}}
            out[(res.group, res.kind, ns, res.name)] = data
        return out


def hook_of(obj: dict[str, Any]) -> str | None:
    """The Argo CD (or Helm) hook an object is, e.g. ``Sync`` or ``PostSync``; None if none."""
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    for name in HOOK_ANNOTATIONS:
        if isinstance(annotations, dict) and annotations.get(name):
            return str(annotations[name])
    return None


def render_app(app: App, side: Side, charts: Path | None = None) -> Rendered:
    """Every object ``app`` deploys at ``side`` (see the module docstring)."""
    out = Rendered()
    refs = source_refs(app)
    for key, source in app.sources():
        if source.get("ref") and not source.get("path") and not source.get("chart"):
            continue  # a values-only source ($ref)
        before = len(side.helm.findings) if side.helm else 0
        problems = len(side.resolver.findings)
        objects = _source(app, key, source, refs, side, charts, out)
        found = side.resolver.findings[problems:] + (side.helm.findings[before:] if side.helm else [])
        out.errors += [f"{f.file}:{f.line}: {f.message}" for f in found]
        if objects is None:
            out.objects.append(_inputs(app, key, source, side))
        else:
            out.objects += objects
    return out


def _source(
    app: App,
    key: tuple[str | int, ...],
    source: dict[str, Any],
    refs: dict[str, dict[str, Any]],
    side: Side,
    charts: Path | None,
    out: Rendered,
) -> list[Resource] | None:
    resolver = side.resolver
    path = str(source.get("path") or ".").strip("/") or "."
    what = source.get("chart") or path
    if source.get("chart"):
        resolver.resolve_source(app, key, source, refs)  # records its values files
        archive = find_archive(charts, str(source["chart"]), str(source.get("targetRevision") or ""))
        if archive is None:
            out.notes.append(
                f"{what} {source.get('targetRevision', '')}: a chart from {source.get('repoURL')}, "
                "not rendered (pass --charts with `helm pull` archives); its inputs are compared"
            )
            return None
        return _archive(app, key, source, archive, out)
    if not resolver.is_local(source):
        out.notes.append(
            f"{what}: from another repository ({source.get('repoURL')}); its inputs are compared"
        )
        return None
    directory = side.root / path
    if directory.is_dir() and any((directory / name).is_file() for name in KUSTOMIZATION_FILES):
        return _kustomize(directory, path, source, out)
    if source.get("plugin"):
        out.notes.append(f"{path}: a config management plugin source, not rendered; its inputs are compared")
        return None
    found = resolver.resolve_source(app, key, source, refs)
    if found is None and side.helm is not None:
        out.notes += [n for n in side.helm.notes if n.startswith(f"{path}:")]
    return found


def _inputs(app: App, key: tuple[str | int, ...], source: dict[str, Any], side: Side) -> Resource:
    """The synthetic object compared for a source that is not rendered (for a local chart
    whose dependencies are not vendored: with its Chart.yaml, where the pins are)."""
    files = app.value_files.get(key) or []
    request = _request(app, source, "", [ValueSource(f, d) for f, d in files])
    try:
        values: Any = compose_values(request)
    except Exception:
        values = {"parameters": request.parameters}
    spec = {k: v for k, v in source.items() if k != "helm"}
    helm = source.get("helm") if isinstance(source.get("helm"), dict) else None
    if helm is not None:
        spec["helm"] = {k: v for k, v in helm.items() if k not in {"values", "valuesObject", "parameters"}}
        spec["values"] = values
    chart_yaml = side.root / str(source.get("path") or ".").strip("/") / "Chart.yaml"
    if not source.get("chart") and side.resolver.is_local(source) and chart_yaml.is_file():
        rel = chart_yaml.relative_to(side.root).as_posix()
        spec["chartYaml"] = next((d.data for d in side.files.documents if d.file == rel), None)
    name = str(source.get("chart") or source.get("path") or source.get("repoURL") or "source")
    data = {"apiVersion": f"{INPUTS_GROUP}/v1", "kind": INPUTS_KIND, "metadata": {"name": name}, "spec": spec}
    return Resource(data, app.file, app.locate)


def _request(app: App, source: dict[str, Any], chart: str, files: list[ValueSource]) -> RenderRequest:
    helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
    assert isinstance(helm, dict)
    inline: Any = helm.get("valuesObject")
    if inline is None and isinstance(helm.get("values"), str):
        try:
            inline = yaml.safe_load(helm["values"])
        except yaml.YAMLError:
            inline = None
    return RenderRequest(
        chart=chart,
        files=files,
        inline=inline,
        parameters=[p for p in helm.get("parameters") or [] if isinstance(p, dict)],
        release=str(helm.get("releaseName") or app.name),
        namespace=str(app.destination.get("namespace") or "default"),
        context=app.context,
    )


def find_archive(charts: Path | None, chart: str, version: str) -> Path | None:
    """``<chart>-<version>.tgz`` in ``charts`` (as `helm pull` names it; a leading v optional)."""
    if charts is None:
        return None
    name = chart.rstrip("/").rsplit("/", 1)[-1]
    bare = version.removeprefix("v")
    for candidate in (f"{name}-{version}.tgz", f"{name}-{bare}.tgz", f"{name}-v{bare}.tgz"):
        if (charts / candidate).is_file():
            return charts / candidate
    return None


def _archive(
    app: App, key: tuple[str | int, ...], source: dict[str, Any], archive: Path, out: Rendered
) -> list[Resource] | None:
    files = app.value_files.get(key)
    if files is None:
        out.notes.append(
            f"{source['chart']}: values files inside the chart archive are not read, only $ref ones"
        )
        files = []
    helm = Helm(archive.parent, RepoFiles(archive.parent), lint=False)
    rendered = helm.render(_request(app, source, archive.name, [ValueSource(f, d) for f, d in files]))
    out.errors += [f"{archive.name}: {f.message}" for f in helm.findings]
    return rendered


def kustomize_command() -> list[str] | None:
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    return None


def _kustomize(directory: Path, path: str, source: dict[str, Any], out: Rendered) -> list[Resource] | None:
    command = kustomize_command()
    if command is None:
        out.notes.append(
            f"{path}: a Kustomize source; neither kubectl nor kustomize is on PATH, inputs compared"
        )
        return None
    if source.get("kustomize"):
        out.notes.append(
            f"{path}: the Application's kustomize options (images, prefixes, patches) are not applied"
        )
    try:
        done = subprocess.run(
            [*command, str(directory)], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.SubprocessError) as exc:
        out.errors.append(f"{path}: {' '.join(command)} failed: {exc}")
        return None
    if done.returncode != 0:
        out.errors.append(f"{path}: {' '.join(command)}: {' '.join(done.stderr.split())}")
        return None
    try:
        docs = [d for d in load_all(done.stdout) if isinstance(d, dict)]
    except yaml.YAMLError as exc:
        out.errors.append(f"{path}: kustomize output is not YAML: {exc}")
        return None
    return [Resource(d, f"{path}/kustomization.yaml", lambda _p: 0, rendered=True) for d in docs]
