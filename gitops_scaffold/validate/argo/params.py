"""Parameters as Argo CD flattens them, and the YAML and name handling around them."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import yaml

from gitops_scaffold.validate.argo.common import ExpansionError, Json

# --- parameters ----------------------------------------------------------------------------


def flat_element(
    element: Mapping[str, Any], where: str, fail: Callable[[str], ExpansionError]
) -> Json:
    """A list element without goTemplate: string values only; `values` becomes values.<key>."""
    params: Json = {}
    for key, value in element.items():
        if key == "values" and isinstance(value, dict):
            for inner, inner_value in value.items():
                if not isinstance(inner_value, str):
                    raise fail(f"{where}.values.{inner} is not a string")
                params[f"values.{inner}"] = inner_value
        elif isinstance(value, str):
            params[key] = value
        else:
            raise fail(f"{where}.{key} is not a string (set goTemplate: true for other types)")
    return params


def flatten(node: Any, prefix: str = "") -> dict[str, str]:
    """jeremywohl/flatten DotStyle, values printed like Go's %v."""
    if isinstance(node, dict):
        items: Iterator[tuple[str, Any]] = ((str(k), v) for k, v in node.items())
    elif isinstance(node, list):
        items = ((str(i), v) for i, v in enumerate(node))
    else:
        return {prefix: _go_print(node)}
    flat: dict[str, str] = {}
    for key, value in items:
        name = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict | list) and value:
            flat.update(flatten(value, name))
        else:
            flat[name] = _go_print(value)
    return flat


def _go_print(value: Any) -> str:
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, dict | list):
        return "map[]" if isinstance(value, dict) else "[]"
    return str(value)


_INVALID_NAME_CHARS = re.compile(r"[^-a-z0-9.]")


def sanitize_name(name: str) -> str:
    """Argo CD's SanitizeName (basenameNormalized, filenameNormalized)."""
    return _INVALID_NAME_CHARS.sub("-", name.lower())[:253].strip("-.")


class _GoYamlLoader(yaml.SafeLoader):
    """YAML as sigs.k8s.io/yaml reads it: timestamps stay strings, keys become strings."""


_GoYamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


class _GoYamlCLoader(getattr(yaml, "CSafeLoader", _GoYamlLoader)):  # type: ignore[misc]
    """The same with libyaml's parser: several times faster (a failure is re-read by the
    pure-Python one, whose messages quote the offending line)."""

    yaml_implicit_resolvers = _GoYamlLoader.yaml_implicit_resolvers


def load_yaml(text: str) -> Any:
    try:
        return _stringify_keys(yaml.load(text, Loader=_GoYamlCLoader))
    except yaml.YAMLError:
        return _stringify_keys(yaml.load(text, Loader=_GoYamlLoader))


def _stringify_keys(node: Any) -> Any:
    if isinstance(node, dict):
        return {_go_print(k) if not isinstance(k, str) else k: _stringify_keys(v)
                for k, v in node.items()}
    if isinstance(node, list):
        return [_stringify_keys(item) for item in node]
    return node


def short(params: Json) -> str:
    text = json.dumps(params, sort_keys=True, default=str)
    return text if len(text) <= 300 else text[:297] + "..."
