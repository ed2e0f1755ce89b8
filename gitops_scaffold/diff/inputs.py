"""The content hash of everything an Application's manifests depend on at one revision: its
own manifest (for a generated Application: what the ApplicationSet and its generator inputs
made of it), every file below each local source path (a chart's templates, a directory's
manifests), the values files it reads (``$ref/...`` included), local ``file://`` chart
dependencies and the ``--charts`` archive of a remote chart. Equal hashes at both revisions
mean equal manifests, so such an Application is reported unchanged without rendering.

A Kustomize source also hashes what its kustomization reaches outside its folder (``../base``).
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import posixpath
import re
from pathlib import Path
from typing import Any

import yaml

from gitops_scaffold.diff.render import find_archive
from gitops_scaffold.validate.argo.loader import SKIP_DIRS
from gitops_scaffold.validate.argo.objects import App
from gitops_scaffold.validate.argo.sources import KUSTOMIZATION_FILES, SourceResolver, source_refs


class FileIndex:
    """Every file of one side (sorted, repo-relative), with contents hashed once, on demand."""

    def __init__(self, root: Path) -> None:
        self.root = root
        paths: list[str] = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
            rel = Path(dirpath).relative_to(root).as_posix()
            prefix = "" if rel == "." else rel + "/"
            paths += [prefix + name for name in filenames]
        self.paths = sorted(paths)
        self.present = frozenset(paths)
        self._digests: dict[str, str] = {}
        self._unread: dict[str, set[str]] = {}

    def below(self, directory: str) -> list[str]:
        """Files inside ``directory`` (all of them for "" or ".")."""
        if directory in {"", "."}:
            return self.paths
        prefix = directory.rstrip("/") + "/"
        start = bisect.bisect_left(self.paths, prefix)
        end = bisect.bisect_left(self.paths, prefix[:-1] + "0")  # "0" sorts right after "/"
        return self.paths[start:end]

    def unread_values_files(self, chart: str) -> set[str]:
        """The ``values*.yaml`` files beside a chart's values.yaml that Helm only reads when an
        Application names them (so they are inputs only then): none if a template reads
        ``.Files``, which could read them."""
        if chart not in self._unread:
            prefix = "" if chart in {"", "."} else chart.rstrip("/") + "/"
            inside = self.below(chart)
            extra = {
                rel
                for rel in inside
                if "/" not in rel[len(prefix) :] and re.fullmatch(r"values[-_.].+\.ya?ml", rel[len(prefix) :])
            }
            if f"{prefix}Chart.yaml" not in self.present or any(
                ".Files" in self._text(rel) for rel in inside if rel.startswith(f"{prefix}templates/")
            ):
                extra = set()
            self._unread[chart] = extra
        return self._unread[chart]

    def _text(self, rel: str) -> str:
        try:
            return (self.root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def digest(self, rel: str) -> str:
        if rel not in self._digests:
            try:
                self._digests[rel] = hashlib.sha1(
                    (self.root / rel).read_bytes(), usedforsecurity=False
                ).hexdigest()
            except OSError:
                self._digests[rel] = "absent"
        return self._digests[rel]


def input_hash(app: App, resolver: SourceResolver, index: FileIndex, charts: Path | None) -> str:
    digest = hashlib.sha256(json.dumps(app.data, sort_keys=True, default=str).encode())
    for rel in sorted(input_files(app, resolver, index)):
        digest.update(f"\0{rel}\0{index.digest(rel)}".encode())
    for _, source in app.sources():
        if source.get("chart"):
            archive = find_archive(charts, str(source["chart"]), str(source.get("targetRevision") or ""))
            digest.update(hashlib.sha1(archive.read_bytes()).hexdigest().encode() if archive else b"-")
    return digest.hexdigest()


def input_files(app: App, resolver: SourceResolver, index: FileIndex) -> set[str]:
    """Repo-relative files whose contents decide what ``app`` renders."""
    files: set[str] = set()
    unread: set[str] = set()
    values: set[str] = set()
    refs = source_refs(app)
    for _, source in app.sources():
        local = resolver.is_local(source) and not source.get("chart")
        path = posixpath.normpath(str(source.get("path") or ".").strip("/") or ".")
        if local and (source.get("path") or not source.get("ref")):
            kustomized = _kustomize_folders(index, path, set())
            for directory in kustomized or [path, *_file_dependencies(index.root, path)]:
                files.update(index.below(directory))
                files.update({directory} & index.present)  # a file a kustomization names
            unread |= index.unread_values_files(path)
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        for entry in (helm or {}).get("valueFiles") or []:
            name = str(entry)
            if name.startswith("$"):
                ref, _, rest = name[1:].partition("/")
                if ref in refs and resolver.is_local(refs[ref]):
                    values.add(posixpath.normpath(rest))
            elif local:
                values.add(posixpath.normpath(posixpath.join(path, name)))
    return (files - unread) | values


def _kustomize_folders(index: FileIndex, folder: str, seen: set[str]) -> list[str]:
    """A Kustomize folder and the folders and files outside it that its kustomization names
    (``../base``, components, patches, generator files: every string that leads out is
    followed, as Kustomize may); [] when ``folder`` holds no kustomization."""
    names = [_join(folder, n) for n in KUSTOMIZATION_FILES]
    kustomization = next((n for n in names if n in index.present), None)
    if kustomization is None or folder in seen:
        return []
    seen.add(folder)
    try:
        data = yaml.safe_load((index.root / kustomization).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return [folder]
    reached = [folder]
    inside = "" if folder in {"", "."} else folder + "/"
    for value in _strings(data):
        target = posixpath.normpath(posixpath.join(folder, value.split("?", 1)[0]))
        if target.startswith(inside) or target.startswith("../") or not (index.root / target).exists():
            continue
        reached += _kustomize_folders(index, target, seen) or [target]
    return reached


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node.strip()]
    if isinstance(node, dict):
        return [s for value in node.values() for s in _strings(value)]
    if isinstance(node, list):
        return [s for item in node for s in _strings(item)]
    return []


def _join(directory: str, name: str) -> str:
    return name if directory in {"", "."} else f"{directory}/{name}"


def _file_dependencies(root: Path, chart: str) -> list[str]:
    """Chart dependencies given as ``file://`` paths (folders outside the chart)."""
    try:
        meta: Any = yaml.safe_load((root / chart / "Chart.yaml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    out = []
    for dep in (meta or {}).get("dependencies") or [] if isinstance(meta, dict) else []:
        repository = str(dep.get("repository") or "") if isinstance(dep, dict) else ""
        if repository.startswith("file://"):
            out.append(posixpath.normpath(posixpath.join(chart, repository.removeprefix("file://"))))
    return out
