"""Bounds on what a YAML file may cost to read: shared by the answers reader and the repo loader.

Two things can make a small file expensive: aliases that repeat nodes which repeat nodes
("billion laughs": 3 KB that construct to billions of values), and a path that is not a regular
file (a FIFO blocks ``read`` forever, ``/dev/zero`` never ends). Both are checked before any
value is constructed, with the same limits wherever YAML is read.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

# Values that aliases may add beyond the nodes written out: generous for the anchors people
# use to share a block, far below what a nested bomb expands to.
MAX_ALIASED_VALUES = 10_000
# Collections inside collections: no configuration needs more, and every reader that walks a
# document recursively stays far from Python's recursion limit.
MAX_NESTING = 200
# A YAML file in a repository (or an answers file) larger than this is not configuration.
MAX_YAML_BYTES = 5 * 1024 * 1024


@dataclass(frozen=True)
class AliasProblem:
    """Where alias expansion went wrong: the node (for its line) and what happened."""

    node: yaml.Node
    recursive: bool  # an alias inside the node it refers to
    too_deep: bool = False  # collections nested beyond MAX_NESTING

    @property
    def line(self) -> int:
        return self.node.start_mark.line + 1

    def message(self) -> str:
        if self.too_deep:
            return f"collections nested more than {MAX_NESTING} levels deep; flatten the document"
        if self.recursive:
            return "a YAML alias refers to a node that contains it; the document cannot be recursive"
        return (
            f"YAML aliases expand to more than {MAX_ALIASED_VALUES} values; write the values out "
            "instead of nesting aliases"
        )


def check_aliases(root: yaml.Node, limit: int = MAX_ALIASED_VALUES) -> AliasProblem | None:
    """None if constructing ``root`` stays within ``limit`` values more than it has nodes
    (and within MAX_NESTING levels).

    Linear in the number of distinct nodes: each node's expanded size is computed once
    (iteratively, so a deeply nested document cannot exhaust the stack).
    """
    size: dict[int, int] = {}
    open_nodes: set[int] = set()
    cap = limit + 1
    stack: list[tuple[yaml.Node, bool, int]] = [(root, False, 0)]
    aliased: yaml.Node | None = None
    while stack:
        node, children_done, depth = stack.pop()
        key = id(node)
        children = _children(node)
        if children_done:
            open_nodes.discard(key)
            size[key] = min(cap * 2, 1 + sum(size[id(c)] for c in children))
            continue
        if key in size:
            continue
        if key in open_nodes:
            return AliasProblem(node, recursive=True)
        if depth > MAX_NESTING:
            return AliasProblem(node, recursive=False, too_deep=True)
        open_nodes.add(key)
        stack.append((node, True, depth))
        for child in children:
            if id(child) in open_nodes:
                return AliasProblem(child, recursive=True)
            if id(child) in size:
                aliased = aliased or child
            else:
                stack.append((child, False, depth + 1))
    if size.get(id(root), 1) - len(size) > limit:
        return AliasProblem(aliased or root, recursive=False)
    return None


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


class NotReadable(OSError):
    """Why a path is not read (a FIFO, a device, too large, not UTF-8); an OSError, so every
    reader that already handles an unreadable file handles this one the same way."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "cannot be read"


class AliasBombError(yaml.YAMLError):
    """Alias expansion beyond the bound (or a recursive alias): a YAMLError, so every reader
    that reports bad YAML reports this too."""

    def __init__(self, problem: AliasProblem) -> None:
        super().__init__(f"line {problem.line}: {problem.message()}")
        self.problem = problem


_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class GuardedLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """The safe loader (C when available) that checks aliases before constructing a document."""

    def construct_document(self, node: yaml.Node) -> object:
        problem = check_aliases(node)
        if problem is not None:
            raise AliasBombError(problem)
        return super().construct_document(node)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` with the alias bound."""
    documents, plain = load_all_plain(text)
    if plain and len(documents) <= 1:
        return documents[0] if documents else None
    return yaml.load(text, Loader=GuardedLoader)  # the standard path (and its error for a stream)


def safe_load_all(text: str) -> list[Any]:
    """``yaml.safe_load_all`` with the alias bound (the same values, usually 3-4x faster)."""
    return load_all_plain(text)[0]


def load_all_plain(text: str) -> tuple[list[Any], bool]:
    """``safe_load_all``, and whether every document is plain: string-keyed maps, lists,
    strings, numbers, booleans and nulls only (what JSON holds exactly)."""
    if no_aliases(text):
        loader = _BaseLoader(text)
        try:
            documents = []
            while loader.check_node():
                documents.append(construct_plain(loader.get_node()))
            return documents, True
        except Unusual:
            pass  # the standard path below constructs it (or names the problem)
        finally:
            loader.dispose()
    return list(yaml.load_all(text, Loader=GuardedLoader)), False


def no_aliases(text: str) -> bool:
    """Whether ``text`` cannot hold a YAML alias (one needs an ``&anchor`` and a ``*ref``), so
    ``construct_plain`` may build its nodes: nothing in it can expand."""
    return "&" not in text or "*" not in text


class Unusual(Exception):
    """A node ``construct_plain`` leaves to PyYAML's own constructor."""


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"
_SAFE = yaml.constructor.SafeConstructor()
_SCALARS: dict[str, Callable[[Any], Any]] = {
    "tag:yaml.org,2002:int": _SAFE.construct_yaml_int,
    "tag:yaml.org,2002:bool": _SAFE.construct_yaml_bool,
    "tag:yaml.org,2002:null": _SAFE.construct_yaml_null,
    "tag:yaml.org,2002:float": _SAFE.construct_yaml_float,
}


def construct_plain(node: yaml.Node | None, depth: int = 0) -> Any:
    """What ``SafeConstructor`` makes of a node tree that holds only string-keyed maps, lists,
    strings, numbers, booleans and nulls: the same values, without its per-node machinery
    (most of a load's time). Anything else (a timestamp, a merge key, a non-string key, an
    explicit tag, nesting beyond MAX_NESTING) raises Unusual. The caller makes sure aliases
    cannot occur (each node is built as often as it is referenced)."""
    if node is None:  # an empty stream
        return None
    kind = node.__class__
    if kind is yaml.ScalarNode:
        if node.tag == _STR:
            return node.value
        scalar = _SCALARS.get(node.tag)
        if scalar is None:
            raise Unusual(node.tag)
        return scalar(node)
    if depth >= MAX_NESTING:
        raise Unusual("deep")
    if kind is yaml.MappingNode and node.tag == _MAP:
        mapping: dict[str, Any] = {}
        for key, value in node.value:
            if key.__class__ is not yaml.ScalarNode or key.tag != _STR or key.value == "<<":
                raise Unusual("key")
            mapping[key.value] = construct_plain(value, depth + 1)
        return mapping
    if kind is yaml.SequenceNode and node.tag == _SEQ:
        return [construct_plain(item, depth + 1) for item in node.value]
    raise Unusual(node.tag)


def read_text(path: Path, limit: int = MAX_YAML_BYTES) -> str:
    """The UTF-8 text of a regular file of bounded size, or NotReadable (an OSError) saying why."""
    raw = read_bounded(path, limit)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NotReadable(f"line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x})") from None


def read_bounded(path: Path, limit: int = MAX_YAML_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; never blocks on a FIFO.

    Opened with O_NONBLOCK and checked with fstat on the open descriptor, so the file that
    is read is the file that was checked.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(21, "is a directory", str(path))
        if not stat.S_ISREG(info.st_mode):
            raise NotReadable(f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise NotReadable(f"{info.st_size} bytes is too large (at most {limit // 1024 // 1024} MiB)")
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            raise NotReadable(f"grew beyond {limit // 1024 // 1024} MiB while being read")
        return data
    finally:
        os.close(fd)


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"
