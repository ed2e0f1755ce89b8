"""What each Application's sources point at in this repository: the path exists, the values
files exist, and what gets deployed (manifests in a directory, or a chart rendered by Helm).

A source is *local* when its ``repoURL`` names this repository (``--repo-url``, scaffold.yaml's
``repo.url``, the git remotes, or, when none is known, the URLs whose paths exist here).
Remote sources are not fetched: their resources stay unknown and are not checked.
"""

from __future__ import annotations

import bisect
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitops_scaffold.validate.argo.helm import Helm, RenderRequest, ValueSource
from gitops_scaffold.validate.argo.loader import Document, Path_, RepoFiles
from gitops_scaffold.validate.argo.objects import App, Resource, infer_self_urls, normalize_git_url
from gitops_scaffold.validate.argo.projects import directory_glob
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.structural import SOURCE_PATH_MISSING, VALUES_FILE_MISSING
from gitops_scaffold.yaml_guard import read_text, safe_load

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def source_refs(app: App) -> dict[str, dict[str, Any]]:
    """The sources of a multi-source Application by their ``ref`` (for ``$ref/...`` values files)."""
    return {str(s["ref"]): s for _, s in app.sources() if s.get("ref")}


@dataclass
class SourceResolver:
    root: Path
    files: RepoFiles
    self_urls: set[str]
    helm: Helm | None  # None: Helm checks off or not installed
    # No URL is known for this repository: take the repoURLs whose paths exist here, as the
    # Applications come (those of a Helm App of Apps only appear once its chart renders).
    infer: bool = False
    findings: list[Finding] = field(default_factory=list)
    notes: set[str] = field(default_factory=set)
    _by_file: dict[str, list[Any]] = field(default_factory=dict)

    _objects: list[Document] = field(default_factory=list)  # sorted by file, for prefix ranges
    _object_files: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        for doc in self.files.documents:
            self._by_file.setdefault(doc.file, []).append(doc)
        self._objects = sorted((d for d in self.files.documents if d.is_object), key=lambda d: d.file)
        self._object_files = [d.file for d in self._objects]

    def _objects_below(self, prefix: str) -> list[Document]:
        """Objects of files whose path starts with ``prefix`` (a binary search, not a scan)."""
        if not prefix:
            return self._objects
        start = bisect.bisect_left(self._object_files, prefix)
        end = bisect.bisect_left(self._object_files, prefix[:-1] + chr(ord(prefix[-1]) + 1))
        return self._objects[start:end]

    def is_local(self, source: dict[str, Any]) -> bool:
        url = source.get("repoURL")
        return isinstance(url, str) and normalize_git_url(url) in self.self_urls

    def resolve_all(self, apps: list[App]) -> None:
        """Resolve a batch (with ``infer``, the batch's existing paths name this repository)."""
        if self.infer:
            self.self_urls |= infer_self_urls(self.root, apps)
        for app in apps:
            self.resolve(app)

    def resolve(self, app: App) -> None:
        """Check the app's local paths and values files; set ``app.resources`` when knowable."""
        resources: list[Resource] = []
        known = True
        sources = list(app.sources())
        refs = source_refs(app)
        for key, source in sources:
            if source.get("ref") and not source.get("path") and not source.get("chart"):
                continue  # a values-only source ($ref)
            found = self.resolve_source(app, key, source, refs)
            if found is None:
                known = False
            else:
                resources += found
        app.resources = resources if known else None

    def resolve_source(
        self, app: App, key: Path_, source: dict[str, Any], refs: dict[str, dict[str, Any]]
    ) -> list[Resource] | None:
        """What one source of ``app`` deploys (None: unknown here); records its values files."""
        value_files = self._value_files(app, key, source, refs)
        app.value_files[key] = None if value_files is None else [(v.file, v.data) for v in value_files]
        if source.get("chart") or not self.is_local(source):
            return None  # a chart repository or another Git repository: not fetched
        path = str(source.get("path") or ".").strip("/") or "."
        if ".." in Path(path).parts or not (self.root / path).is_dir():
            self.findings.append(
                SOURCE_PATH_MISSING.finding(
                    app.file,
                    app.locate((*key, "path")),
                    f"{app.name}: source path {path!r} does not exist in this repository",
                    app.context,
                )
            )
            return None
        return self._resources(app, key, source, path, value_files)

    def _value_files(
        self, app: App, key: Path_, source: dict[str, Any], refs: dict[str, dict[str, Any]]
    ) -> list[ValueSource] | None:
        """The local values files of a Helm source, in order; None if some are remote."""
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        assert isinstance(helm, dict)
        result: list[ValueSource] = []
        complete = True
        ignore_missing = helm.get("ignoreMissingValueFiles") is True
        base = str(source.get("path") or ".").strip("/") or "."
        for index, entry in enumerate(helm.get("valueFiles") or []):
            name = str(entry)
            if _URL.match(name):
                complete = False
                continue
            if name.startswith("$"):
                ref, _, rest = name[1:].partition("/")
                ref_source = refs.get(ref)
                if ref_source is None:
                    self.findings.append(
                        VALUES_FILE_MISSING.finding(
                            app.file,
                            app.locate((*key, "helm", "valueFiles", index)),
                            f"{app.name}: values file {name!r} refers to ${ref}, but no source has "
                            f"ref: {ref}",
                            app.context,
                        )
                    )
                    continue
                if not self.is_local(ref_source):
                    complete = False
                    continue
                rel = posixpath.normpath(rest)
            elif self.is_local(source) and not source.get("chart"):
                rel = posixpath.normpath(posixpath.join(base, name))
            else:
                complete = False
                continue
            if rel.startswith("../") or not (self.root / rel).is_file():
                if not ignore_missing:
                    self.findings.append(
                        VALUES_FILE_MISSING.finding(
                            app.file,
                            app.locate((*key, "helm", "valueFiles", index)),
                            f"{app.name}: values file {name!r} does not exist ({rel})",
                            app.context,
                        )
                    )
                continue
            result.append(ValueSource(rel, self._data(rel)))
        return result if complete else None

    def _data(self, rel: str) -> Any:
        docs = self._by_file.get(rel)
        if docs is not None:
            return docs[0].data if docs else {}
        try:
            return safe_load(read_text(self.root / rel))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            return None

    def _resources(
        self,
        app: App,
        key: Path_,
        source: dict[str, Any],
        path: str,
        value_files: list[ValueSource] | None,
    ) -> list[Resource] | None:
        directory = self.root / path
        if (directory / "Chart.yaml").is_file():
            return self._chart(app, source, path, value_files)
        if any((directory / name).is_file() for name in KUSTOMIZATION_FILES):
            self.notes.add(f"{path}: a Kustomize source; its resources are not rendered (kinds unchecked)")
            return None
        if source.get("plugin"):
            return None
        spec = source.get("directory") if isinstance(source.get("directory"), dict) else {}
        assert isinstance(spec, dict)
        recurse = spec.get("recurse") is True
        include = str(spec.get("include") or "")
        exclude = str(spec.get("exclude") or "")
        prefix = "" if path == "." else path + "/"
        resources = []
        for doc in self._objects_below(prefix):
            rel = doc.file[len(prefix) :]
            if not recurse and "/" in rel:
                continue
            if include and not directory_glob(include, rel):
                continue
            if exclude and directory_glob(exclude, rel):
                continue
            resources.append(Resource(doc.data, doc.file, doc.line_of))
        return resources

    def _chart(
        self, app: App, source: dict[str, Any], path: str, value_files: list[ValueSource] | None
    ) -> list[Resource] | None:
        if self.helm is None or value_files is None:
            return None
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        assert isinstance(helm, dict)
        inline: Any = helm.get("valuesObject")
        if inline is None and isinstance(helm.get("values"), str):
            try:
                inline = safe_load(helm["values"])
            except yaml.YAMLError:
                inline = None
        parameters = [p for p in helm.get("parameters") or [] if isinstance(p, dict)]
        request = RenderRequest(
            chart=path,
            files=value_files,
            inline=inline,
            parameters=parameters,
            release=str(helm.get("releaseName") or app.name),
            namespace=str(app.destination.get("namespace") or "default"),
            context=app.context,
        )
        return self.helm.render(request)
