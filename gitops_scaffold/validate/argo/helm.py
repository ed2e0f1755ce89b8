"""Real Helm, offline: lint and render each chart in the repository once per distinct set of
values an Application gives it (in practice: once per chart per environment).

Values are composed as Argo CD composes them: the ``valueFiles`` in order (Helm's coalescing:
maps merge, anything else replaces, ``null`` deletes), then ``valuesObject`` (or the ``values``
string), then ``parameters`` as ``--set``. Charts whose dependencies are not vendored under
``charts/`` are not rendered: Argo CD runs ``helm dependency build`` against the chart
repositories, which an offline check cannot reach.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitops_scaffold import progress
from gitops_scaffold.validate.argo.cache import Cache
from gitops_scaffold.validate.argo.loader import Path_, RepoFiles
from gitops_scaffold.validate.argo.objects import Resource
from gitops_scaffold.validate.argo.pool import Workers
from gitops_scaffold.validate.argo.schemas import KubeSchemas
from gitops_scaffold.validate.findings import Finding, Rule, Severity
from gitops_scaffold.validate.structural import HELM_LINT, HELM_RENDER
from gitops_scaffold.yaml_guard import read_text, safe_load

_NO_CACHE = Cache(enabled=False)

_TEMPLATE_ERROR = re.compile(r"([^:\s\"]+\.(?:yaml|yml|tpl|txt|json)):(\d+)(?::\d+)?:?\s+(.*)", re.DOTALL)
_SCHEMA_AT = re.compile(r"- at '(/[^']*)': ([^\n]*)")


def helm_available() -> bool:
    try:
        import helm_python  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


@dataclass
class ValueSource:
    """A values file an Application passes (repo-relative), with its parsed data."""

    file: str
    data: Any


@dataclass
class RenderRequest:
    chart: str  # repo-relative chart directory
    files: list[ValueSource]
    inline: Any  # valuesObject, or the parsed `values` string
    parameters: list[dict[str, Any]]
    release: str
    namespace: str
    context: str  # for messages: which Application asked

    def key(self) -> str:
        return json.dumps(
            [
                self.chart,
                [f.file for f in self.files],
                self.inline,
                self.parameters,
                self.release,
                self.namespace,
            ],
            sort_keys=True,
            default=str,
        )


@dataclass
class Helm:
    root: Path
    files: RepoFiles
    kube_version: str | None = None
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    renders: int = 0
    requests: list[RenderRequest] = field(default_factory=list)
    lint: bool = True  # False: render only (scaffold diff wants the manifests, not lint findings)
    kube: KubeSchemas | None = None  # rendered objects are schema-checked with the render
    cache: Cache | None = None  # None: no cache (--no-cache)
    parallel: bool = True
    workers: Workers | None = None  # started early by the engine for a large repo
    _cache: dict[str, list[Resource] | None] = field(default_factory=dict)
    _unvendored: dict[str, list[str]] = field(default_factory=dict)
    _outcomes: dict[str, dict[str, Any]] = field(default_factory=dict)  # prefetched, by request key
    _chart_hashes: dict[str, str] = field(default_factory=dict)
    _lint_signatures: dict[str, set[str]] = field(default_factory=dict)  # linted, per chart
    _planned: list[RenderRequest] | None = None
    _locators: dict[str, Callable[[Path_], int]] = field(default_factory=dict)

    def missing_dependencies(self, chart: str) -> list[str]:
        if chart not in self._unvendored:
            self._unvendored[chart] = _missing_dependencies(self.root / chart)
            if self._unvendored[chart]:
                self.notes.append(
                    f"{chart}: not rendered, its dependencies ({', '.join(self._unvendored[chart])}) "
                    "are not vendored under charts/ (Argo CD fetches them; `helm dependency build` "
                    "and run again to check it)"
                )
        return self._unvendored[chart]

    def render(self, request: RenderRequest) -> list[Resource] | None:
        """Render once per distinct request; the objects, or None if it failed. While
        ``planning``, only note the request (``prefetch`` then renders them all at once)."""
        if self._planned is not None:
            self._planned.append(request)
            return []
        key = request.key()
        if key not in self._cache:
            self.requests.append(request)
            self._cache[key] = self._render(request)
        return self._cache[key]

    @contextmanager
    def planning(self) -> Iterator[list[RenderRequest]]:
        """Collect the requests ``render`` would get instead of rendering them."""
        planned: list[RenderRequest] = []
        self._planned = planned
        try:
            yield planned
        finally:
            self._planned = None

    def prefetch(self, requests: list[RenderRequest]) -> None:
        """Render (and check) the requests not yet rendered: cached outcomes first, the rest
        on every core (``pool.run_all``), in request order. ``render`` then uses them."""
        from gitops_scaffold.validate.argo import pool, rendering

        fixed = rendering.versions()
        todo: dict[str, tuple[rendering.Job, str]] = {}
        linted = set(self._lint_signatures)
        for request in requests:
            key = request.key()
            if key in self._cache or key in self._outcomes or key in todo:
                continue
            if self.missing_dependencies(request.chart):
                continue
            job = self._job(request, lint=request.chart not in linted)
            chart_hash = self.chart_hash(request.chart)
            cached = self.cache.get(rendering.render_key(job, chart_hash, fixed)) if self.cache else None
            if isinstance(cached, dict):
                self._outcomes[key] = cached
                continue
            linted.add(request.chart)
            todo[key] = (job, chart_hash)
        cache_root = str(self.cache.root) if self.cache is not None and self.cache.enabled else None
        jobs = [rendering.StoredJob(job, chart_hash, cache_root) for job, chart_hash in todo.values()]
        if self.workers is not None:
            results = self.workers.run_all(rendering.run_and_store, jobs)
        else:
            results = pool.run_all(rendering.run_and_store, jobs, parallel=self.parallel)
        if self.cache is not None:
            self.cache.writes += len(jobs)  # stored by the jobs (so trimmed at the end)
        self._outcomes.update(zip(todo, results, strict=True))

    def _job(self, request: RenderRequest, *, lint: bool) -> Any:
        from gitops_scaffold.validate.argo import rendering

        return rendering.Job(
            chart_dir=str(self.root / request.chart),
            values=compose_values(request),
            release=request.release,
            namespace=request.namespace,
            kube_schemas=self.kube.version if self.kube is not None else None,
            lint_kube_version=self.kube_version,
            lint=lint,
        )

    def chart_hash(self, chart: str) -> str:
        from gitops_scaffold.validate.argo.cache import tree_hash

        if chart not in self._chart_hashes:
            self._chart_hashes[chart] = tree_hash(self.root / chart)
        return self._chart_hashes[chart]

    def _render(self, request: RenderRequest) -> list[Resource] | None:
        """The request's outcome (prefetched, cached or rendered now) as findings and objects:
        a failure is what Argo CD reports; lint adds what only it finds (rendering.py)."""
        from gitops_scaffold.validate.argo import rendering

        if self.missing_dependencies(request.chart):
            return None
        self.renders += 1
        progress.tick("rendering charts", self.renders)
        key = request.key()
        job = self._job(request, lint=self.lint and request.chart not in self._lint_signatures)
        outcome = self._outcomes.pop(key, None)
        if outcome is None:
            outcome = rendering.cached_run(job, self.chart_hash(request.chart), self.cache or _NO_CACHE)
        error = outcome["error"]
        if error is not None and error["kind"] == "load":
            # lint names the problem better, when it ran
            if not self.lint or not self._lint(request, outcome["lint"] or []):
                self.findings.append(
                    self._locate_error(HELM_LINT, request, "Chart.yaml", error["text"], Severity.error)
                )
            return None
        if error is not None:
            self.findings.append(self._locate_error(HELM_RENDER, request, "", error["text"], Severity.error))
            return None
        seen = self._lint_signatures.setdefault(request.chart, set())
        if self.lint and outcome["lint_signature"] not in seen:
            seen.add(outcome["lint_signature"])
            messages = outcome["lint"]
            if messages is None:
                fixed = rendering.versions()
                chart_hash = self.chart_hash(request.chart)
                messages = rendering.cached_lint(job, chart_hash, fixed, self.cache or _NO_CACHE)
            self._lint(request, messages)
        return self._parse(request, outcome["templates"])

    def _lint(self, request: RenderRequest, messages: list[dict[str, Any]]) -> bool:
        """Findings from `helm lint`'s messages; whether it reported anything."""
        reported = False
        for message in messages:
            severity = int(message.get("severity", 0))
            text = str(message.get("error", "")).strip()
            if severity < 2 or "missing these dependencies" in text:
                continue
            reported = True
            self.findings.append(
                self._locate_error(
                    HELM_LINT,
                    request,
                    str(message.get("path", "")),
                    text,
                    Severity.error if severity >= 3 else Severity.warning,
                )
            )
        return reported

    def _parse(self, request: RenderRequest, templates: list[list[Any]]) -> list[Resource]:
        resources: list[Resource] = []
        for template, yaml_error, checked in templates:
            rel = self._template_file(request.chart, template)
            if yaml_error is not None:
                self.findings.append(
                    HELM_RENDER.finding(rel, 0, f"renders invalid YAML: {yaml_error}", request.context)
                )
                continue
            locate = self._locator(rel)
            for doc, errors in checked:
                resource = Resource(doc, rel, locate, rendered=True)
                if self.kube is not None:
                    self.kube.known(doc, None if errors is None else [(tuple(p), m) for p, m in errors])
                resources.append(resource)
        return resources

    def _locator(self, rel: str) -> Callable[[Path_], int]:
        if rel not in self._locators:
            self._locators[rel] = template_locator(_read(self.root / rel))
        return self._locators[rel]

    @staticmethod
    def _template_file(chart: str, template: str) -> str:
        # "<chart name>/templates/x.yaml" or "<chart>/charts/<sub>/templates/x.yaml"
        inner = template.split("/", 1)[1] if "/" in template else template
        return inner if chart in {"", "."} else f"{chart}/{inner}"

    def _locate_error(
        self, rule: Rule, request: RenderRequest, path: str, text: str, severity: Severity
    ) -> Finding:
        """Point a Helm error at the template line it names, or the values key it blames."""
        message = " ".join(text.split())
        match = _TEMPLATE_ERROR.search(text)
        if match:
            rel = self._template_file(request.chart, match.group(1))
            line = int(match.group(2))
            return rule.finding(rel, line, f"{message}", request.context, severity)
        at = _SCHEMA_AT.search(text)
        if at:
            pointer = tuple(p for p in at.group(1).split("/") if p)
            file, line = self._values_line(request, pointer)
            return rule.finding(
                file,
                line,
                f"values fail {request.chart}/values.schema.json at {at.group(1)}: {at.group(2)}",
                request.context,
                severity,
            )
        where = f"{request.chart}/{path}" if path and not path.startswith("/") else request.chart
        if path.startswith("templates") or not path:
            where = f"{request.chart}/Chart.yaml"
        return rule.finding(where, 0, message, request.context, severity)

    def _values_line(self, request: RenderRequest, pointer: tuple[str, ...]) -> tuple[str, int]:
        """The last values file that sets ``pointer`` (or its nearest parent), and the line."""
        candidates = [f.file for f in request.files] or [f"{request.chart}/values.yaml"]
        for depth in range(len(pointer), 0, -1):
            for file in reversed(candidates):
                for doc in self.files.documents:
                    if doc.file == file and pointer[:depth] in doc.positions:
                        return file, doc.positions[pointer[:depth]]
        return candidates[-1], 0


def compose_values(request: RenderRequest) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for source in request.files:
        if isinstance(source.data, dict):
            values = coalesce(values, source.data)
    if isinstance(request.inline, dict):
        values = coalesce(values, request.inline)
    if request.parameters:
        import helm_python

        for parameter in request.parameters:
            name, value = parameter.get("name"), parameter.get("value", "")
            if not name:
                continue
            expression = f"{name}={'' if value is None else value}"
            parse = (
                helm_python.parse_set_string_values
                if parameter.get("forceString")
                else (helm_python.parse_set_string)
            )
            values = coalesce(values, parse(expression))
    return values


def coalesce(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Helm's merge of a values layer over another: maps merge, the rest replaces, null deletes."""
    merged = dict(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = coalesce(merged[key], value)
        else:
            merged[key] = value
    return merged


def _missing_dependencies(chart_dir: Path) -> list[str]:
    try:
        meta = safe_load(read_text(chart_dir / "Chart.yaml")) or {}
    except (OSError, yaml.YAMLError):
        return []
    missing = []
    vendored = chart_dir / "charts"
    for dep in meta.get("dependencies") or []:
        if not isinstance(dep, dict) or not dep.get("name"):
            continue
        name = str(dep["name"])
        present = (vendored / name).is_dir() or any(vendored.glob(f"{name}-*.tgz"))
        if not present:
            missing.append(f"{name} {dep.get('version', '')}".strip())
    return missing


def _read(path: Path) -> str:
    try:
        return read_text(path)
    except (OSError, UnicodeDecodeError):
        return ""


def template_locator(source: str) -> Callable[[Path_], int]:
    """Best-effort line of a key path inside a chart template: the first line that writes the
    deepest named key of the path (e.g. ``activeDeadlineSeconds:``), else line 1."""
    lines = source.splitlines()

    def locate(path: Path_) -> int:
        for key in reversed([p for p in path if isinstance(p, str)]):
            pattern = re.compile(rf"^\s*(-\s+)?[\"']?{re.escape(key)}[\"']?\s*:")
            for number, text in enumerate(lines, start=1):
                if pattern.match(text):
                    return number
        return 1

    return locate
