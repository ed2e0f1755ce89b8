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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitops_scaffold.validate.argo.loader import Path_, RepoFiles, load_all
from gitops_scaffold.validate.argo.objects import Resource
from gitops_scaffold.validate.findings import Finding, Rule, Severity
from gitops_scaffold.validate.structural import HELM_LINT, HELM_RENDER

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
    _cache: dict[str, list[Resource] | None] = field(default_factory=dict)
    _unvendored: dict[str, list[str]] = field(default_factory=dict)

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
        """Lint and render once per distinct request; the objects, or None if it failed."""
        key = request.key()
        if key not in self._cache:
            self.requests.append(request)
            self._cache[key] = self._render(request)
        return self._cache[key]

    def _render(self, request: RenderRequest) -> list[Resource] | None:
        """Render first (a failure is what Argo CD reports), then lint what rendered."""
        import helm_python

        if self.missing_dependencies(request.chart):
            return None
        values = compose_values(request)
        chart_dir = self.root / request.chart
        self.renders += 1
        try:
            with helm_python.Chart.load(chart_dir) as chart:
                manifests = chart.render(values, name=request.release, namespace=request.namespace)
        except (helm_python.HelmChartLoadError, helm_python.HelmChartInvalidError) as exc:
            if not self._lint(request, values):  # lint names the problem better, when it can
                self.findings.append(
                    self._locate_error(HELM_LINT, request, "Chart.yaml", str(exc), Severity.error)
                )
            return None
        except helm_python.HelmError as exc:
            self.findings.append(self._locate_error(HELM_RENDER, request, "", str(exc), Severity.error))
            return None
        self._lint(request, values)
        return self._parse(request, manifests)

    def _lint(self, request: RenderRequest, values: dict[str, Any]) -> bool:
        """`helm lint` with the request's values; whether it reported anything."""
        import helm_python

        report = helm_python.lint(
            self.root / request.chart,
            values,
            namespace=request.namespace,
            kube_version=f"v{self.kube_version}.0" if self.kube_version else None,
        )
        reported = False
        for message in report.get("messages", []):
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

    def _parse(self, request: RenderRequest, manifests: dict[str, str]) -> list[Resource]:
        resources: list[Resource] = []
        for template in sorted(manifests):
            text = manifests[template]
            if not text.strip() or not template.endswith((".yaml", ".yml", ".json", ".tpl")):
                continue
            rel = self._template_file(request.chart, template)
            source = _read(self.root / rel)
            try:
                docs = [d for d in load_all(text) if isinstance(d, dict)]
            except yaml.YAMLError as exc:
                self.findings.append(
                    HELM_RENDER.finding(rel, 0, f"renders invalid YAML: {exc}", request.context)
                )
                continue
            for doc in docs:
                if isinstance(doc.get("kind"), str) and isinstance(doc.get("apiVersion"), str):
                    resources.append(Resource(doc, rel, template_locator(source), rendered=True))
        return resources

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
            return _with(rule.finding(rel, line, f"{message}", request.context), severity)
        at = _SCHEMA_AT.search(text)
        if at:
            pointer = tuple(p for p in at.group(1).split("/") if p)
            file, line = self._values_line(request, pointer)
            return _with(
                rule.finding(
                    file,
                    line,
                    f"values fail {request.chart}/values.schema.json at {at.group(1)}: {at.group(2)}",
                    request.context,
                ),
                severity,
            )
        where = f"{request.chart}/{path}" if path and not path.startswith("/") else request.chart
        if path.startswith("templates") or not path:
            where = f"{request.chart}/Chart.yaml"
        return _with(rule.finding(where, 0, message, request.context), severity)

    def _values_line(self, request: RenderRequest, pointer: tuple[str, ...]) -> tuple[str, int]:
        """The last values file that sets ``pointer`` (or its nearest parent), and the line."""
        candidates = [f.file for f in request.files] or [f"{request.chart}/values.yaml"]
        for depth in range(len(pointer), 0, -1):
            for file in reversed(candidates):
                for doc in self.files.documents:
                    if doc.file == file and pointer[:depth] in doc.positions:
                        return file, doc.positions[pointer[:depth]]
        return candidates[-1], 0


def _with(finding: Finding, severity: Severity) -> Finding:
    return Finding(finding.file, finding.line, finding.rule, finding.message, severity, finding.context)


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
        meta = yaml.safe_load((chart_dir / "Chart.yaml").read_text(encoding="utf-8")) or {}
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
        return path.read_text(encoding="utf-8")
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
