"""Templates, templatePatch and merges: how generator templates, patches and parameters combine."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from gitops_scaffold.validate.argo.common import ExpansionError, Json

# --- templates, patches, merges ------------------------------------------------------------


def template_metadata_and_spec(template: Json) -> Json:
    """GetTempApplication: only these metadata fields of the template reach the Application."""
    metadata = template.get("metadata") or {}
    kept = {k: metadata[k] for k in ("name", "namespace", "labels", "annotations", "finalizers")
            if k in metadata}
    return {"metadata": kept, "spec": template.get("spec") or {}}


def merge_generator_template(generator: Any, template: Json) -> Json:
    """A generator's own template (e.g. list.template) wins over the ApplicationSet's, field
    by field."""
    bodies = [v for k, v in generator.items() if k != "selector"] if isinstance(generator, dict) else []
    own = bodies[0].get("template") if len(bodies) == 1 and isinstance(bodies[0], dict) else None
    if not own:
        return template
    merged: Json = copy.deepcopy(own)
    mergo(merged, template)
    return merged


def template_strings(tree: Any) -> list[str]:
    """Every string and map key that holds a template action, in document order, once."""
    found: dict[str, None] = {}

    def walk(node: Any) -> None:
        if isinstance(node, str):
            if "{{" in node:
                found[node] = None
        elif isinstance(node, dict):
            for key, value in node.items():
                walk(key)
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(tree)
    return list(found)


def map_strings(tree: Any, render: Callable[[str], str]) -> Any:
    if isinstance(tree, str):
        return render(tree)
    if isinstance(tree, dict):
        return {render(k) if isinstance(k, str) else k: map_strings(v, render)
                for k, v in tree.items()}
    if isinstance(tree, list):
        return [map_strings(item, render) for item in tree]
    return copy.deepcopy(tree)


_FAST_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


def fast_replacer(params: Mapping[str, Any]) -> Callable[[str], str]:
    return lambda text: fast_replace(text, params)


def lookup_replacer(rendered: Mapping[str, str]) -> Callable[[str], str]:
    return lambda text: rendered.get(text, text)


def fast_replace(text: str, params: Mapping[str, Any]) -> str:
    """Argo CD's fasttemplate mode: {{ key }} becomes a string parameter, else stays."""

    def replace(match: re.Match[str]) -> str:
        value = params.get(match.group(1).strip())
        return value if isinstance(value, str) and match.group(1).strip() else match.group(0)

    return _FAST_TAG.sub(replace, text)


def strategic_merge(original: Any, patch: Any, path: tuple[str, ...]) -> Any:
    """Kubernetes' strategic merge patch over the Application type, which declares no list
    merge strategy except metadata.finalizers: maps merge, lists are replaced, null deletes,
    and ``$patch: replace|delete`` are honoured."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    directive = patch.get("$patch")
    body = {k: v for k, v in patch.items() if not k.startswith("$")}
    if directive == "replace" or not isinstance(original, dict):
        return _strip_nulls(body)
    result = copy.deepcopy(original)
    for key, value in body.items():
        if value is None or (isinstance(value, dict) and value.get("$patch") == "delete"):
            result.pop(key, None)
        elif (path, key) == (("metadata",), "finalizers") and isinstance(value, list):
            existing = list(result.get(key) or [])
            result[key] = existing + [f for f in value if f not in existing]
        elif isinstance(value, dict):
            result[key] = strategic_merge(result.get(key), value, (*path, key))
        else:
            result[key] = copy.deepcopy(value)
    return result


def _strip_nulls(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _strip_nulls(v) for k, v in node.items() if v is not None}
    return copy.deepcopy(node)


def _is_empty(value: Any) -> bool:
    """Go's zero value test as mergo applies it."""
    return value is None or value is False or value == 0 or value in ("", [], {})


def mergo(destination: Json, source: Mapping[str, Any], *, override: bool = False) -> None:
    """mergo.Merge over map[string]any: nested maps merge; a key is set where the
    destination lacks it or holds a zero value (or, with override, where the source is not
    empty)."""
    for key, value in source.items():
        current = destination.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            mergo(current, value, override=override)
        elif key not in destination or _is_empty(current) or (override and not _is_empty(value)):
            destination[key] = copy.deepcopy(value)


def by_merge_key(
    params: list[Json], keys: list[str], where: str, fail: Callable[[str], ExpansionError]
) -> dict[str, Json]:
    result: dict[str, Json] = {}
    for p in params:
        key = json.dumps({k: _lookup(p, k) for k in keys}, sort_keys=True)
        if key in result:
            raise fail(f"{where}: the merge keys {keys} are not unique: {key}")
        result[key] = copy.deepcopy(p)
    return result


def _lookup(params: Mapping[str, Any], key: str) -> Any:
    if key in params:
        return params[key]
    node: Any = params
    for part in key.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def selector_matches(
    selector: Mapping[str, Any], params: Mapping[str, Any], fail: Callable[[str], ExpansionError]
) -> bool:
    """A label selector over the parameters whose values are strings."""
    labels = {k: v for k, v in params.items() if isinstance(v, str)}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), expression.get("operator")
        values = expression.get("values") or []
        present = key in labels
        if operator == "In":
            ok = present and labels[key] in values
        elif operator == "NotIn":
            ok = not present or labels[key] not in values
        elif operator == "Exists":
            ok = present
        elif operator == "DoesNotExist":
            ok = not present
        else:
            raise fail(f"unknown selector operator {operator!r}")
        if not ok:
            return False
    return True
