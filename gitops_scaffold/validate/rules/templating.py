"""Templating rules: single-brace placeholders (GS011), templated booleans (GS012), fields
in the wrong place (GS013)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from gitops_scaffold.validate.argo.loader import Document, Path_
from gitops_scaffold.validate.catalog import MISPLACED_FIELD, SINGLE_BRACE_PLACEHOLDER, TEMPLATED_BOOLEAN
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules.base import Context, rule, value_at, walk

# --- GS011 placeholders, GS012 templated booleans, GS013 misplaced fields --------------------

_SINGLE_BRACE = re.compile(r"(?<![{$\\])\{\s*\.?[A-Za-z_][\w.\-\[\]]*\s*\}(?!\})")
_FAST_DOTTED = re.compile(r"\{\{\s*([A-Za-z_][\w-]*(?:\.[\w\[\]-]+)+)\s*\}\}")
_FAST_COMMON = re.compile(
    r"\{\{\s*(name|server|cluster|url|path|namespace|branch|number|nameNormalized)\s*\}\}"
)
_GO_ACTION = re.compile(r"\{\{-?\s*(\.|\$|if\b|range\b|with\b|end\b|toYaml\b|default\b|printf\b|index\b)")


def _template_strings(doc: Document) -> Iterator[tuple[Path_, str]]:
    template = doc.spec.get("template")
    for path, value in walk(template, ("spec", "template")):
        if isinstance(value, str):
            yield path, value
        if isinstance(value, dict):
            for key in value:
                if isinstance(key, str) and "{" in key:
                    yield (*path, key), key


@rule(SINGLE_BRACE_PLACEHOLDER)
def placeholders(ctx: Context) -> Iterator[Finding]:
    for doc in ctx.appsets:
        go = doc.spec.get("goTemplate") is True
        for path, text in _template_strings(doc):
            single = _SINGLE_BRACE.search(text)
            if single:
                yield SINGLE_BRACE_PLACEHOLDER.finding(
                    doc.file,
                    doc.line_of(path),
                    f"{single.group(0)!r} (single braces) is never substituted",
                )
                continue
            if go:
                fast = _FAST_DOTTED.search(text) or _FAST_COMMON.search(text)
                if fast:
                    yield SINGLE_BRACE_PLACEHOLDER.finding(
                        doc.file,
                        doc.line_of(path),
                        f"{fast.group(0)!r} is a fasttemplate placeholder, but goTemplate is true: "
                        f"write {{{{ .{fast.group(1)} }}}}",
                    )
            elif _GO_ACTION.search(text):
                yield SINGLE_BRACE_PLACEHOLDER.finding(
                    doc.file,
                    doc.line_of(path),
                    f"{short(text)!r} is a Go template, but goTemplate is not true: it stays literal",
                )


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _schema_types(schema: dict[str, Any], path: Path_) -> set[str]:
    """The JSON types the Application schema allows at ``path`` (empty: unknown/open)."""
    node: Any = schema
    for part in path:
        if not isinstance(node, dict):
            return set()
        if isinstance(part, int):
            node = node.get("items")
        else:
            props = node.get("properties")
            if not isinstance(props, dict) or part not in props:
                return set()
            node = props[part]
    if not isinstance(node, dict):
        return set()
    if "anyOf" in node:
        return {t for alt in node["anyOf"] if isinstance(alt, dict) for t in _as_set(alt.get("type"))}
    return _as_set(node.get("type"))


def _as_set(value: Any) -> set[str]:
    if isinstance(value, list):
        return {str(v) for v in value}
    return {str(value)} if value else set()


@rule(TEMPLATED_BOOLEAN)
def templated_booleans(ctx: Context) -> Iterator[Finding]:
    for doc in ctx.appsets:
        for path, text in _template_strings(doc):
            if "{{" not in text or path[-1] == text:
                continue
            types = _schema_types(ctx.application_schema, path[2:])
            if types and "string" not in types and types & {"boolean", "integer", "number"}:
                expected = "/".join(sorted(types & {"boolean", "integer", "number"}))
                yield TEMPLATED_BOOLEAN.finding(
                    doc.file,
                    doc.line_of(path),
                    f"{'.'.join(map(str, path))} is a {expected} but is templated as the string "
                    f"{short(text)!r}",
                )


# (parent path relative to the object, key) -> where it belongs
Misplaced = dict[tuple[Path_, str], str]
_MISPLACED_APPSET: Misplaced = {
    (("spec",), "preserveResourcesOnDeletion"): "spec.syncPolicy.preserveResourcesOnDeletion",
}
_MISPLACED_APP: Misplaced = {
    ((), "syncPolicy"): "spec.syncPolicy",
    ((), "ignoreDifferences"): "spec.ignoreDifferences",
    ((), "source"): "spec.source",
    ((), "destination"): "spec.destination",
    (("spec",), "syncOptions"): "spec.syncPolicy.syncOptions",
    (("spec",), "automated"): "spec.syncPolicy.automated",
    (("spec",), "finalizers"): "metadata.finalizers",
    (("spec", "syncPolicy"), "prune"): "spec.syncPolicy.automated.prune",
    (("spec", "syncPolicy"), "selfHeal"): "spec.syncPolicy.automated.selfHeal",
    (("spec", "source"), "valueFiles"): "spec.source.helm.valueFiles",
    (("spec", "source"), "releaseName"): "spec.source.helm.releaseName",
}


@rule(MISPLACED_FIELD)
def misplaced_fields(ctx: Context) -> Iterator[Finding]:
    for doc in ctx.files.objects:
        if doc.is_argo("ApplicationSet"):
            tables: list[tuple[Path_, Misplaced]] = [
                ((), _MISPLACED_APPSET),
                (("spec", "template"), {k: v for k, v in _MISPLACED_APP.items() if k[0]}),
            ]
        elif doc.is_argo("Application"):
            tables = [((), _MISPLACED_APP)]
        else:
            continue
        for prefix, table in tables:
            for (parent, key), right in table.items():
                node = value_at(doc.data, (*prefix, *parent))
                if isinstance(node, dict) and key in node:
                    here = ".".join(str(p) for p in (*prefix, *parent, key))
                    yield MISPLACED_FIELD.finding(
                        doc.file,
                        doc.line_of((*prefix, *parent, key)),
                        f"{here} is not read by Argo CD; it belongs at "
                        f"{'spec.template.' if prefix else ''}{right}",
                    )
