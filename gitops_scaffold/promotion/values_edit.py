"""Read a service's values file and set one scalar in it, keeping every other byte.

The edit is the shared positioned-YAML edit (``yaml_edit.set_scalar``); what this adds is the
values-file side: one-line errors naming file, line and key, and a check after every edit
that an independent parse of the new text differs from the old one at that key only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from gitops_scaffold.errors import UserInputError
from gitops_scaffold.yaml_edit import node_at, set_scalar

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MISSING: Any = object()


@dataclass(frozen=True)
class ValuesFile:
    """A values file as read: where it is (relative to the repository), its text and data."""

    path: str
    text: str
    data: dict[str, Any]

    def get(self, key: str) -> Any:
        """The value at a dotted key path, or MISSING."""
        return lookup(self.data, key)


def loc_of(key: str) -> tuple[str, ...]:
    return tuple(key.split("."))


def lookup(data: Any, key: str) -> Any:
    node = data
    for part in loc_of(key):
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def parse_values(path: str, text: str) -> tuple[yaml.MappingNode, dict[str, Any]]:
    """YAML text -> (root node, data), or a one-line UserInputError naming the line."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(("<<<<<<< ", ">>>>>>> ")):
            raise UserInputError(f"{path}:{number}: unresolved merge conflict marker; resolve it first")
    try:
        root = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark else 1
        raise UserInputError(f"{path}:{where}: YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise UserInputError(f"{path}:1: not a YAML file: {str(exc).splitlines()[0]}") from None
    if root is None:
        root, data = yaml.MappingNode("tag:yaml.org,2002:map", []), {}
    if not isinstance(root, yaml.MappingNode) or not isinstance(data, dict):
        raise UserInputError(f"{path}:1: expected a mapping of values at the top level")
    return root, data


def read_values(repo: Path, path: str) -> ValuesFile:
    try:
        text = (repo / path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserInputError(f"{path}: no such values file (deleted by hand?); restore it first") from None
    except (UnicodeDecodeError, OSError) as exc:
        raise UserInputError(f"{path}: cannot read it ({exc})") from None
    _, data = parse_values(path, text)
    return ValuesFile(path=path, text=text, data=data)


def line_of(values: ValuesFile, key: str) -> int:
    """The line of the deepest part of ``key`` that exists (for messages)."""
    root, _ = parse_values(values.path, values.text)
    loc = loc_of(key)
    for end in range(len(loc), 0, -1):
        node = node_at(root, loc[:end])
        if node is not None:
            return node.start_mark.line + 1
    return 1


def set_key(path: str, text: str, key: str, value: str) -> str:
    """``text`` with the string ``value`` at dotted ``key``; nothing else in the data changes."""
    root, before = parse_values(path, text)
    try:
        new_text = set_scalar(text, root, loc_of(key), value)
    except ValueError:
        raise UserInputError(f"{path}: {key}: its parent is not a mapping; cannot set it") from None
    _, after = parse_values(path, new_text)
    expected = _unshared(before)  # an alias loads as one shared dict: copy each use apart
    _assign(expected, loc_of(key), value)
    if after != expected:  # an alias, a duplicate key or a tag made the edit reach further
        raise UserInputError(
            f"{path}: {key}: cannot be changed alone (a YAML anchor, alias or duplicate key "
            "shares it); write the value out plainly, then run this again"
        )
    return new_text


def _unshared(data: Any) -> Any:
    if isinstance(data, dict):
        return {key: _unshared(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_unshared(item) for item in data]
    return data


def _assign(data: dict[str, Any], loc: tuple[str, ...], value: str) -> None:
    node = data
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = value
