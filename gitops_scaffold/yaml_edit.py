"""Positioned YAML edits: change one node of a YAML text and keep every other byte.

The one editor for files a person owns (``scaffold.yaml``, a service's ``values-<env>.yaml``):
the text is composed into PyYAML nodes, whose marks say where each value starts and ends, and
only those characters are replaced. Comments, quoting, key order and layout elsewhere survive.
"""

from __future__ import annotations

import json

import yaml

Loc = tuple[str | int, ...]

_STR_TAG = "tag:yaml.org,2002:str"


def line_starts(text: str) -> list[int]:
    """The offset of the first character of every line."""
    starts = [0]
    for index, char in enumerate(text):
        if char == "\n":
            starts.append(index + 1)
    return starts


def last_line(node: yaml.Node) -> int:
    """The 0-based line of the last character that belongs to ``node``'s content."""
    if isinstance(node, yaml.MappingNode) and node.value and node.flow_style is not True:
        return last_line(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value and node.flow_style is not True:
        return last_line(node.value[-1])
    end = node.end_mark
    # A block scalar's end mark sits at the start of the line after it.
    return end.line - 1 if end.column == 0 and end.line > node.start_mark.line else end.line


def node_at(root: yaml.Node, loc: Loc) -> yaml.Node | None:
    """The node at a key path (strings: mapping keys, ints: list positions), or None."""
    node: yaml.Node | None = root
    for part in loc:
        if isinstance(part, int) and isinstance(node, yaml.SequenceNode) and part < len(node.value):
            node = node.value[part]
        elif isinstance(part, str) and isinstance(node, yaml.MappingNode):
            node = next((v for k, v in node.value if k.value == part), None)
        else:
            return None
    return node


def is_string(node: yaml.Node) -> bool:
    """A scalar a YAML parser reads as a string (quoted, or plain that resolves to str)."""
    return isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG


def set_scalar(text: str, root: yaml.Node, loc: Loc, value: str) -> str:
    """``text`` with the scalar at ``loc`` set to the string ``value``, written double-quoted.

    Only the value's own characters change; a value that already reads as that string is left
    as written (the user's quoting stays). A missing last key is added beside its siblings, in
    the mapping's own style (block or flow). Every parent of ``loc`` must exist: ValueError.
    """
    parent = node_at(root, loc[:-1])
    if not isinstance(parent, yaml.MappingNode):
        raise ValueError(f"{'.'.join(map(str, loc[:-1])) or 'the top level'} is not a mapping")
    scalar = json.dumps(value)
    for key_node, value_node in parent.value:
        if key_node.value == loc[-1]:
            if is_string(value_node) and value_node.value == value:
                return text
            start, end = value_node.start_mark.index, value_node.end_mark.index
            if isinstance(value_node, yaml.ScalarNode) and value_node.style in ("|", ">"):
                scalar += "\n"  # a block scalar's end is the start of the next line
            return text[:start] + scalar + text[end:]
    if parent.flow_style:
        close = parent.end_mark.index - 1  # the closing brace
        separator = ", " if parent.value else ""
        return text[:close] + f"{separator}{loc[-1]}: {scalar}" + text[close:]
    starts = line_starts(text)
    last = last_line(parent)
    indent = parent.value[0][0].start_mark.column if parent.value else 2
    offset = starts[last + 1] if last + 1 < len(starts) else len(text)
    before = text[:offset] if text[:offset].endswith("\n") else text[:offset] + "\n"
    return before + " " * indent + f"{loc[-1]}: {scalar}\n" + text[offset:]
