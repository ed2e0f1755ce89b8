"""Dead values keys: a key we set that the upstream chart at the pinned version never reads.

A leaf path of our values is *live* when both hold:

1. it is declared: the chart's values.yaml (with each subchart's values.yaml under its name) has
   the path, or the path runs into a declared free-form map: a default that is an empty map or
   null (``nodeSelector: {}``, ``annotations: {}``), or one of the maps the chart documents as
   free-form (``FREE_FORM``, e.g. ``configs.cm``, whose entries Argo CD reads, not Helm);
2. it is read: some template of that chart (or subchart) names ``.Values.<first>.<second>``
   (``.Values.<first>`` for a top-level key), or names ``.Values.<first>`` and ``.<second>``
   (the key read inside a ``with`` block or a helper).

A map a template hands on whole (``toYaml .Values.a.b | nindent``) takes any key below it, and a
key a template reads literally (``.Values.a.b.c``, ``hasKey .Values.a.b "c"``) is live even
when values.yaml leaves it commented out, and a subchart's ``condition`` (Chart.yaml) is read by
Helm itself. Maps Kubernetes passes through whole (``FREE_FORM_NAMES``: node selectors,
resources, annotations, labels) are checked down to the map, not below it.

The first rule catches a misspelt or invented key (``redis-ha.haproxy.nodeSelector`` is not in
redis-ha's values.yaml); the second a declared key that no template looks at.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

Path_ = tuple[str, ...]


def leaf_paths(value: Any, prefix: Path_ = ()) -> Iterator[Path_]:
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            yield from leaf_paths(item, (*prefix, str(key)))
    else:
        yield prefix


# Maps handed to Kubernetes whole (toYaml): any key below them is the API server's to check.
FREE_FORM_NAMES = frozenset(
    {"nodeSelector", "resources", "annotations", "labels", "podAnnotations", "podLabels"}
)


def _subcharts(chart: Path) -> dict[str, Path]:
    charts = chart / "charts"
    return {p.name: p for p in sorted(charts.iterdir()) if p.is_dir()} if charts.is_dir() else {}


def defaults(chart: Path) -> dict[str, Any]:
    tree: dict[str, Any] = yaml.safe_load((chart / "values.yaml").read_text(encoding="utf-8")) or {}
    for name, sub in _subcharts(chart).items():
        tree[name] = {**defaults(sub), **(tree.get(name) or {})}
    return tree


def _templates_text(chart: Path) -> str:
    parts = [p.read_text(encoding="utf-8") for p in sorted((chart / "templates").rglob("*")) if p.is_file()]
    return "\n".join(parts)


def _conditions(chart: Path) -> set[str]:
    meta = yaml.safe_load((chart / "Chart.yaml").read_text(encoding="utf-8"))
    conditions = [str(dep.get("condition", "")) for dep in meta.get("dependencies") or []]
    return {c for condition in conditions for c in condition.split(",") if c}


def _to_free_form(path: Path_, free_form: set[str]) -> Path_:
    """The path cut after the first free-form map on it (its keys are not the chart's)."""
    for depth in range(1, len(path)):
        if ".".join(path[:depth]) in free_form or path[depth - 1] in FREE_FORM_NAMES:
            return path[:depth]
    return path


def _declared(path: Path_, tree: Any, free_form: set[str]) -> bool:
    node = tree
    for depth, key in enumerate(path):
        if ".".join(path[:depth]) in free_form or (depth and path[depth - 1] in FREE_FORM_NAMES):
            return True
        if node is None or (isinstance(node, Mapping) and not node):
            return True  # a free-form map (empty or null default)
        if not isinstance(node, Mapping) or key not in node:
            return False
        node = node[key]
    return True


def _read_literally(path: Path_, text: str) -> bool:
    full = re.escape(".".join(path))
    head, last = re.escape(".".join(path[:-1])), re.escape(path[-1])
    return (
        re.search(rf"\.Values\.{full}\b", text) is not None
        or (len(path) > 1 and re.search(rf"\.Values\.{head}\s+\"{last}\"", text) is not None)
    )


def _passed_whole(path: Path_, text: str) -> bool:
    """A prefix of the path is handed to Kubernetes as it is (`toYaml .Values.<prefix>`)."""
    for depth in range(1, len(path) + 1):
        prefix = re.escape(".".join(path[:depth]))
        if re.search(rf"toYaml\s+\$?\.Values\.{prefix}\s*\|", text):
            return True
    return False


def _read(path: Path_, chart: Path) -> bool:
    subcharts = _subcharts(chart)
    if path and path[0] in subcharts:
        return _read(path[1:], subcharts[path[0]])
    text = _templates_text(chart)
    first = re.escape(path[0])
    if len(path) == 1:
        return re.search(rf"\.Values\.{first}\b", text) is not None
    second = re.escape(path[1])
    if re.search(rf"\.Values\.{first}\.{second}\b", text) or re.search(
        rf"\.Values\.{first}\s+\"{second}\"", text
    ):
        return True
    # Read inside `with .Values.<first>` or a helper that is handed it: `.<second>` (not the
    # top-level `.Values.<second>`, which is another key) or `"<second>"` (index, hasKey).
    return re.search(rf"\.Values\.{first}\b", text) is not None and (
        re.search(rf"(?<!Values)\.{second}\b", text) is not None or f'"{path[1]}"' in text
    )


def _subchart_text(path: Path_, chart: Path) -> tuple[Path_, str]:
    subcharts = _subcharts(chart)
    if path and path[0] in subcharts:
        return _subchart_text(path[1:], subcharts[path[0]])
    return path, _templates_text(chart)


def dead_keys(
    values: Mapping[str, Any],
    chart: Path,
    free_form: frozenset[str] = frozenset(),
    read_elsewhere: Mapping[str, str] | None = None,
) -> list[str]:
    """Each leaf path of ``values`` the chart does not read, with the reason.

    ``read_elsewhere`` names keys read by files the git snapshot lacks (with why), such as CRD
    templates generated when the chart is packaged.
    """
    tree = defaults(chart)
    conditions = _conditions(chart)
    found = []
    for leaf in leaf_paths(values):
        dotted = ".".join(leaf)
        if read_elsewhere and dotted in read_elsewhere:
            continue
        path = _to_free_form(leaf, set(free_form))
        sub_path, text = _subchart_text(path, chart)
        if ".".join(path) in conditions or (sub_path and _read_literally(sub_path, text)):
            continue
        if _passed_whole(sub_path, text):
            continue
        if not _declared(path, tree, set(free_form)):
            found.append(f"{dotted}: not in {chart.name}'s values.yaml")
        elif not _read(path, chart):
            found.append(f"{dotted}: no template of {chart.name} reads it")
    return found
