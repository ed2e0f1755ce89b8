"""Read every YAML document of a repository, remembering the file and line of each object and key.

Argo CD reads plain manifests from Git and Helm renders charts; so do we. Files inside a Helm
chart's ``templates/``, ``charts/`` and ``crds/`` are Helm's business (the Helm checks render
them); everything else with a ``.yaml``/``.yml`` suffix is parsed here, once.

Positions are recorded per *key path* (``("spec", "source", "path")``, list items by index), so a
finding can point at the exact line of the offending key; ``Document.line_of`` falls back to the
nearest ancestor that has a position.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.structural import YAML
from gitops_scaffold.yaml_guard import (
    NotReadable,
    Unusual,
    check_aliases,
    construct_plain,
    no_aliases,
    read_text,
    safe_load_all,
)

Path_ = tuple[str | int, ...]

# Directories never read: VCS and tool state, dependencies.
SKIP_DIRS = frozenset({".git", ".scaffold", "node_modules", ".terraform", ".venv", "__pycache__"})
# Inside a chart these hold Go templates, subcharts or CRDs Helm installs itself.
CHART_SKIP_DIRS = frozenset({"templates", "charts", "crds"})
YAML_SUFFIXES = (".yaml", ".yml")

try:  # the C parser is several times faster and keeps marks
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader


class ObjectFields:
    """Read-only accessors of a Kubernetes object held in ``data``; tolerant of bad shapes."""

    data: Any

    @property
    def kind(self) -> str:
        return str(self.data.get("kind", ""))

    @property
    def api_version(self) -> str:
        return str(self.data.get("apiVersion", ""))

    @property
    def group(self) -> str:
        return self.api_version.rsplit("/", 1)[0] if "/" in self.api_version else ""

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.data.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def name(self) -> str:
        return str(self.metadata.get("name", ""))

    @property
    def annotations(self) -> dict[str, Any]:
        value = self.metadata.get("annotations")
        return value if isinstance(value, dict) else {}

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec")
        return spec if isinstance(spec, dict) else {}


@dataclass
class Document(ObjectFields):
    """One YAML document: its data and the 1-based line of every key path inside it."""

    file: str
    index: int
    line: int
    data: Any
    positions: dict[Path_, int] = field(default_factory=dict, repr=False)

    def line_of(self, path: Path_ = ()) -> int:
        """The line of ``path``, or of its nearest ancestor that has one."""
        for end in range(len(path), -1, -1):
            line = self.positions.get(tuple(path[:end]))
            if line is not None:
                return line
        return self.line

    @property
    def is_object(self) -> bool:
        return (
            isinstance(self.data, dict)
            and isinstance(self.data.get("apiVersion"), str)
            and isinstance(self.data.get("kind"), str)
        )

    def is_argo(self, kind: str) -> bool:
        return self.group == "argoproj.io" and self.kind == kind


@dataclass
class RepoFiles:
    """Every parsed document of a repository, and the problems met while reading."""

    root: Path
    documents: list[Document] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)
    charts: list[str] = field(default_factory=list)  # repo-relative chart directories
    files: int = 0

    _objects: tuple[int, list[Document]] = field(default=(-1, []), repr=False, compare=False)

    @property
    def objects(self) -> list[Document]:
        """The documents that are Kubernetes objects (worked out again only when documents
        were added: validate asks for them dozens of times)."""
        count, objects = self._objects
        if count != len(self.documents):
            objects = [d for d in self.documents if d.is_object]
            self._objects = (len(self.documents), objects)
        return list(objects)

    def argo(self, kind: str) -> list[Document]:
        return [d for d in self.objects if d.is_argo(kind)]

    def documents_in(self, rel_dir: str) -> Iterator[Document]:
        """Documents of files below ``rel_dir`` (the repo root for "" or ".")."""
        prefix = "" if rel_dir in {"", "."} else rel_dir.rstrip("/") + "/"
        for doc in self.documents:
            if doc.file.startswith(prefix):
                yield doc


def load_repo(root: Path) -> RepoFiles:
    """Parse every YAML file below ``root`` (see the module docstring for what is skipped)."""
    repo = RepoFiles(root=root)
    for path in _yaml_files(root, repo):
        rel = path.relative_to(root).as_posix()
        repo.files += 1
        try:
            text = read_text(path)
        except OSError as exc:  # a FIFO, a device, too large, not UTF-8: never read, never hung on
            repo.problems.append(YAML.finding(rel, 0, f"cannot read the file: {_reason(exc)}"))
            continue
        docs, problems = parse_text(text, rel)
        repo.documents += docs
        repo.problems += problems
    return repo


def _reason(exc: OSError) -> str:
    return str(exc) if isinstance(exc, NotReadable) else (exc.strerror or str(exc))


def _yaml_files(root: Path, repo: RepoFiles) -> Iterator[Path]:
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        is_chart = "Chart.yaml" in filenames
        if is_chart:
            repo.charts.append(here.relative_to(root).as_posix() or ".")
        dirnames[:] = sorted(
            d
            for d in dirnames
            if d not in SKIP_DIRS and not (is_chart and d in CHART_SKIP_DIRS) and not d.startswith(".git")
        )
        for name in sorted(filenames):
            if name.endswith(YAML_SUFFIXES):
                yield here / name


def load_one(text: str) -> Any:
    """One YAML document with the fast (C) loader when PyYAML has it (as ``yaml.safe_load``)."""
    return yaml.load(text, Loader=_Loader)  # _Loader is a SafeLoader


def load_all(text: str) -> list[Any]:
    """Every document of a YAML stream, with the fast (C) loader when PyYAML has it."""
    return safe_load_all(text)  # the C safe loader, aliases bounded


def parse_text(text: str, rel: str) -> tuple[list[Document], list[Finding]]:
    """Every document of one file with positions; a syntax error stops the file (as in kubectl)."""
    docs: list[Document] = []
    problems: list[Finding] = []
    loader = _Loader(text)
    plain = no_aliases(text)
    try:
        index = 0
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - an empty stream
                break
            data = _plain_values(node) if plain else _NOT_PLAIN
            if data is _NOT_PLAIN:
                aliases = check_aliases(node)
                if aliases is not None:  # checked before anything is constructed or walked
                    problems.append(YAML.finding(rel, aliases.line, aliases.message()))
                    break
                data = loader.construct_document(node)
            positions: dict[Path_, int] = {}
            _walk(node, (), positions, problems, rel)
            if data is not None:
                docs.append(Document(rel, index, node.start_mark.line + 1, data, positions))
            index += 1
    except yaml.MarkedYAMLError as exc:
        problems.append(YAML.finding(rel, *_syntax_error(exc)))
    except yaml.YAMLError as exc:
        problems.append(YAML.finding(rel, 0, f"YAML error: {exc}"))
    finally:
        loader.dispose()
    return docs, problems


_NOT_PLAIN = object()


def _plain_values(node: yaml.Node) -> Any:
    """The document's values when it is plain (built directly: the same values, faster, its
    nesting bounded, no alias possible), else _NOT_PLAIN (then it is checked and constructed
    the standard way)."""
    try:
        return construct_plain(node)
    except Unusual:
        return _NOT_PLAIN


def _syntax_error(exc: yaml.MarkedYAMLError) -> tuple[int, str]:
    """The line to blame and a message: an unclosed flow collection is blamed where it opens
    (the parser only notices lines later), anything else where the parser stopped."""
    problem, context = exc.problem_mark, exc.context_mark
    message = f"YAML syntax error: {exc.problem}"
    if context is not None and (exc.context or "").startswith("while parsing a flow"):
        if problem is not None:
            message += f" (line {problem.line + 1}); {exc.context} opened here"
        return context.line + 1, message
    mark = problem or context
    return (mark.line + 1 if mark is not None else 0), message


def _walk(node: yaml.Node, path: Path_, out: dict[Path_, int], problems: list[Finding], rel: str) -> None:
    out.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = key_node.value
            if key == "<<":  # a merge key: its keys land in this mapping, positions stay with it
                continue
            if key in seen:
                problems.append(
                    YAML.finding(
                        rel,
                        key_node.start_mark.line + 1,
                        f"duplicate key {key!r} in {_dotted(path) or 'the document'}: Kubernetes and "
                        "Argo CD reject it (PyYAML would silently keep the last one)",
                    )
                )
            seen.add(key)
            child = (*path, key)
            out[child] = key_node.start_mark.line + 1
            _walk(value_node, child, out, problems, rel)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, (*path, i), out, problems, rel)


def _dotted(path: Path_) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


dotted = _dotted
