"""Read and write ``scaffold.yaml``: line-numbered errors, byte-preserving edits, JSON Schema.

Reading keeps, for every key path, the line it was written on, so each problem is reported as
``file:line: key.path: what was expected``. Writing never re-serialises the whole file: an
added, inserted or removed list item is a text edit at the lines of that item, so the user's
comments, quoting and layout survive byte for byte everywhere else.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from gitops_scaffold.errors import AnswersError
from gitops_scaffold.model import ANSWERS_VERSION, Answers, Loc, Problem, cross_check
from gitops_scaffold.yaml_edit import last_line as _last_line
from gitops_scaffold.yaml_edit import line_starts as _line_starts
from gitops_scaffold.yaml_edit import set_scalar
from gitops_scaffold.yaml_guard import NotReadable, check_aliases, read_bounded

MAX_ANSWERS_BYTES = 5 * 1024 * 1024
MISSING = "required key is missing"
# Where a generated repo keeps the schema (a managed file), and the modeline that points
# editors (the YAML language server) at it, relative to scaffold.yaml at the repo root.
SCHEMA_FILE = ".scaffold/scaffold.schema.json"
SCHEMA_MODELINE = f"# yaml-language-server: $schema={SCHEMA_FILE}"
_MODELINE = re.compile(r"\A(\ufeff?)# yaml-language-server: \$schema=[^\n]*\n")

_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass
class Document:
    """An answers file as read: its text, plain data, YAML nodes and the line of every key."""

    path: Path
    text: str
    data: dict[str, Any]
    root: yaml.MappingNode
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int:
        """The line of the deepest part of ``loc`` that exists in the file."""
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return 1


# --- reading -------------------------------------------------------------------------------


def read_text(path: Path) -> str:
    """The answers text; only a regular file of bounded size is read (a FIFO never blocks)."""
    try:
        raw = read_bounded(path, MAX_ANSWERS_BYTES)
    except FileNotFoundError:
        raise AnswersError([f"{path}: no such answers file"]) from None
    except IsADirectoryError:
        raise AnswersError([f"{path}: is a directory, not an answers file"]) from None
    except PermissionError:
        raise AnswersError([f"{path}: permission denied"]) from None
    except NotReadable as exc:
        raise AnswersError([f"{path}: {_for_answers(str(exc))}"]) from None
    except OSError as exc:
        raise AnswersError([f"{path}: cannot read the answers file ({exc.strerror or exc})"]) from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise AnswersError(
            [f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"]
        ) from None


def _for_answers(reason: str) -> str:
    if "too large" in reason:
        return reason.replace("too large", "too large for an answers file")
    return f"{reason}; the answers file must be a regular file"


def parse(path: Path, text: str) -> Document:
    """YAML text -> Document, or AnswersError naming the line."""
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith(("<<<<<<< ", ">>>>>>> ")) or line == "=======":
            raise AnswersError(
                [f"{path}:{number}: unresolved merge conflict marker; resolve the conflict first"]
            )
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise AnswersError([f"{path}:{where}: YAML syntax error: {problem}"]) from None
    except yaml.reader.ReaderError as exc:
        row = text[: exc.position].count("\n") + 1
        raise AnswersError(
            [f"{path}:{row}: control character U+{exc.character:04X} is not allowed in YAML; remove it"]
        ) from None
    except yaml.YAMLError as exc:
        raise AnswersError([f"{path}:1: YAML error: {exc}"]) from None
    if root is None:
        raise AnswersError(
            [
                f"{path}:1: the file is empty; expected a mapping with version, repo, clusters, "
                "environments, teams and services (see `scaffold schema`)"
            ]
        )
    if not isinstance(root, yaml.MappingNode):
        raise AnswersError(
            [
                f"{path}:{root.start_mark.line + 1}: expected a mapping of keys (version, repo, ...) "
                "at the top level"
            ]
        )
    aliases = check_aliases(root)
    if aliases is not None:
        raise AnswersError([f"{path}:{aliases.line}: {aliases.message()}"])
    lines: dict[Loc, int] = {}
    problems: list[str] = []
    data = _construct(root, (), lines, problems, path, _Walk())
    if problems:
        raise AnswersError(problems)
    assert isinstance(data, dict)
    return Document(path=path, text=text, data=data, root=root, lines=lines)


@dataclass
class _Walk:
    """What `_construct` tracks across the tree: the collections open above the current node
    (yaml_guard.check_aliases has bounded the aliases before the walk starts)."""

    open: set[int] = field(default_factory=set)


def _construct(
    node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[str], path: Path, walk: _Walk
) -> Any:
    """Plain data from a node, recording the line of every key and item on the way."""
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        walk.open.add(id(node))
        try:
            return _construct_collection(node, loc, lines, problems, path, walk)
        finally:
            walk.open.discard(id(node))
    return _scalar(node)


def _construct_collection(
    node: yaml.Node, loc: Loc, lines: dict[Loc, int], problems: list[str], path: Path, walk: _Walk
) -> Any:
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = _scalar(key_node)
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(
                    f"{path}:{key_node.start_mark.line + 1}: YAML merge keys (<<) are not supported"
                )
                continue
            if not isinstance(key, str):
                problems.append(
                    f"{path}:{key_node.start_mark.line + 1}: {_dotted(loc) or 'top level'}: "
                    f"keys must be strings, got {_describe_key(key)}"
                )
                continue
            if key in result:
                problems.append(
                    f"{path}:{key_node.start_mark.line + 1}: {_dotted((*loc, key))}: duplicate key"
                )
                continue
            lines[(*loc, key)] = key_node.start_mark.line + 1
            result[key] = _construct(value_node, (*loc, key), lines, problems, path, walk)
        return result
    return [
        _construct(item, (*loc, index), lines, problems, path, walk) for index, item in enumerate(node.value)
    ]


def _describe_key(key: Any) -> str:
    if isinstance(key, yaml.MappingNode):
        return "a mapping"
    if isinstance(key, yaml.SequenceNode):
        return "a list"
    return repr(key)


_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _scalar(node: yaml.Node) -> Any:
    if not isinstance(node, yaml.ScalarNode):
        return node  # reported by the caller as a non-string key
    construct = _CONSTRUCTOR.yaml_constructors.get(node.tag)
    if construct is None:
        return node.value
    try:
        return construct(_CONSTRUCTOR, node)
    except (yaml.constructor.ConstructorError, ValueError):
        return node.value


def _dotted(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


# --- validating ----------------------------------------------------------------------------


def validate(doc: Document) -> Answers:
    """The typed answers, or one AnswersError line per problem, in file order."""
    version = doc.data.get("version", ANSWERS_VERSION)
    if isinstance(version, int) and not isinstance(version, bool) and version > ANSWERS_VERSION:
        raise AnswersError(
            [
                f"{doc.path}:{doc.line_of(('version',))}: version: answers format {version} is newer "
                f"than this gitops-scaffold understands ({ANSWERS_VERSION}); upgrade gitops-scaffold"
            ]
        )
    try:
        answers = Answers.model_validate(doc.data)
    except ValidationError as exc:
        problems = _without_misspelled_missing([_pydantic_problem(error) for error in exc.errors()])
        raise AnswersError(_format(doc, problems)) from None
    problems = cross_check(answers)
    if problems:
        raise AnswersError(_format(doc, problems))
    return answers


def load(path: Path) -> tuple[Document, Answers]:
    doc = parse(path, read_text(path))
    return doc, validate(doc)


def _without_misspelled_missing(problems: list[Problem]) -> list[Problem]:
    """`ulr:` for `url:` is one mistake: report the misspelling, not also the missing key."""
    suggested = {
        (*p.loc[:-1], p.message.split("did you mean '")[1].rstrip("'?"))
        for p in problems
        if "did you mean '" in p.message
    }
    return [p for p in problems if not (p.message == MISSING and p.loc in suggested)]


def _format(doc: Document, problems: list[Problem]) -> list[str]:
    ordered = sorted(problems, key=lambda p: doc.line_of(p.loc))
    return [f"{doc.path}:{doc.line_of(p.loc)}: {_dotted(p.loc)}: {p.message}{_also(doc, p)}" for p in ordered]


def _also(doc: Document, problem: Problem) -> str:
    """Where the other source of a collision is (bootstrap names have no key path)."""
    if problem.also is None:
        return ""
    if not problem.also:
        return " (the other is generated by gitops-scaffold itself)"
    return f" (the other: {_dotted(problem.also)}, line {doc.line_of(problem.also)})"


def problem_message(error: Any) -> str:
    """One pydantic error in the words the user gets (no regexes, no 'Input should')."""
    return _pydantic_problem(error).message


def _pydantic_problem(error: Any) -> Problem:
    # Union members and validator names show up in pydantic's loc; the user never wrote them.
    loc: Loc = tuple(
        part
        for part in error["loc"]
        if not (
            isinstance(part, str)
            and (
                part.startswith(("function-", "constrained-"))
                or part in {"str", "int", "bool", "list[str]"}
                or "[" in part
            )
        )
    )
    kind = error["type"]
    if kind == "extra_forbidden":
        return Problem(loc=loc, message=_unknown_key_message(loc))
    if kind == "missing":
        return Problem(loc=loc, message=MISSING)
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    if kind in {"model_type", "dict_type"}:
        message = f"expected a mapping, got {_describe(error.get('input'))}"
    elif kind == "list_type":
        message = f"expected a list, got {_describe(error.get('input'))}"
    elif kind == "string_pattern_mismatch":
        expected = _PATTERN_EXPECTED.get(str(loc[-1]) if loc else "", "in the expected form")
        message = f"{error.get('input')!r} is not {expected}"
    elif kind == "too_short":
        at_least = (error.get("ctx") or {}).get("min_length", 1)
        message = f"expected at least {at_least} item{'s' if at_least != 1 else ''}, got none"
    elif kind.endswith(("_type", "_parsing", "_too_short", "_too_long")) or kind in _COMPARISONS:
        message = f"{message[0].lower()}{message[1:]}, got {_describe(error.get('input'))}"
    return Problem(loc=loc, message=message)


_COMPARISONS = {"literal_error", "greater_than", "greater_than_equal", "less_than", "less_than_equal"}

# What a field with a plain regex constraint expects, in words (pydantic would print the regex).
_PATTERN_EXPECTED = {
    "revision": "a Git branch, tag or commit",
    "namespace_suffix": "a namespace suffix: empty, or '-' and a DNS label such as '-qa'",
    "cluster_name": "an EKS cluster name (letters, digits, '-' and '_')",
    "client_id": "an OIDC client ID (letters, digits, '.', '_' and '-')",
    "timezone": "a time zone name such as 'Europe/Berlin'",
    "name": "a display name (letters, digits, spaces, '_' and '-')",
}


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {value!r}"


def _unknown_key_message(loc: Loc) -> str:
    key = str(loc[-1])
    known = _known_keys(loc[:-1])
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else f"; expected one of {', '.join(known)}"
    return f"unknown key {key!r}{hint}"


def _known_keys(loc: Loc) -> list[str]:
    """The keys the model accepts at ``loc`` (a path into the answers)."""
    model: type[BaseModel] = Answers
    for part in loc:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[str(part)].annotation
        inner = _model_in(annotation)
        if inner is None:
            return []
        model = inner
    return list(model.model_fields)


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        return _model_in(origin)
    return None


# --- writing -------------------------------------------------------------------------------


def item_yaml(item: dict[str, Any], indent: int, flow: bool) -> str:
    """One list item as YAML text, indented to sit beside its siblings."""
    pad = " " * indent
    if flow:
        body = yaml.safe_dump(item, default_flow_style=True, sort_keys=False, width=10_000).strip()
        return f"{pad}- {body}\n"
    body = yaml.safe_dump(item, default_flow_style=False, sort_keys=False, width=10_000)
    out = []
    for number, line in enumerate(body.splitlines()):
        prefix = f"{pad}- " if number == 0 else f"{pad}  "
        out.append(prefix + line)
    return "\n".join(out) + "\n"


def _section(doc: Document, section: str) -> yaml.Node | None:
    for key_node, value_node in doc.root.value:
        if key_node.value == section:
            node: yaml.Node = value_node
            return node
    return None


def _is_block_list(node: yaml.Node | None) -> bool:
    return isinstance(node, yaml.SequenceNode) and node.flow_style is not True and bool(node.value)


def insert_item(doc: Document, section: str, index: int, item: dict[str, Any]) -> str:
    """The answers text with ``item`` at position ``index`` of list ``section``."""
    node = _section(doc, section)
    if node is None or (isinstance(node, yaml.ScalarNode) and node.value in ("", "null", "~")):
        return _replace_section(doc, section, [item])
    if not _is_block_list(node):
        return _rewrite_flow_section(doc, section, lambda items: items.insert(index, item))
    assert isinstance(node, yaml.SequenceNode)
    starts = _line_starts(doc.text)
    items = node.value
    indent = _dash_column(doc.text, items[0])
    flow = all(isinstance(i, yaml.MappingNode) and i.flow_style for i in items)
    new_text = item_yaml(item, indent, flow)
    line = _last_line(items[-1]) + 1 if index >= len(items) else items[index].start_mark.line
    offset = starts[line] if line < len(starts) else len(doc.text)
    before = doc.text[:offset]
    if before and not before.endswith("\n"):
        before += "\n"
    return before + new_text + doc.text[offset:]


def remove_item(doc: Document, section: str, index: int) -> str:
    """The answers text without item ``index`` of list ``section``."""
    node = _section(doc, section)
    if not _is_block_list(node) or len(getattr(node, "value", ())) == 1:
        return _rewrite_flow_section(doc, section, lambda items: items.pop(index))
    assert isinstance(node, yaml.SequenceNode)
    starts = _line_starts(doc.text)
    first = node.value[index].start_mark.line
    last = _last_line(node.value[index])
    begin = starts[first]
    end = starts[last + 1] if last + 1 < len(starts) else len(doc.text)
    return doc.text[:begin] + doc.text[end:]


def _dash_column(text: str, item: yaml.Node) -> int:
    line = text.splitlines()[item.start_mark.line]
    return max(line.find("-"), 0)


def _replace_section(doc: Document, section: str, items: list[dict[str, Any]]) -> str:
    """Give an absent or empty list section its first items, as a block list."""
    body = "".join(item_yaml(i, 2, flow=False) for i in items)
    node = _section(doc, section)
    if node is None:
        text = doc.text if doc.text.endswith("\n") else doc.text + "\n"
        return f"{text}{section}:\n{body}"
    starts = _line_starts(doc.text)
    key_node = next(k for k, v in doc.root.value if v is node)
    key_line = key_node.start_mark.line
    line_end = starts[key_line + 1] if key_line + 1 < len(starts) else len(doc.text)
    # `services:  # none yet` keeps its comment.
    rest = doc.text[key_node.end_mark.index : line_end].lstrip(":").strip()
    for empty in ("null", "~"):
        rest = rest.removeprefix(empty).strip()
    comment = f"  {rest}" if rest.startswith("#") else ""
    return doc.text[: starts[key_line]] + f"{section}:{comment}\n{body}" + doc.text[line_end:]


def _rewrite_flow_section(doc: Document, section: str, change: Any) -> str:
    """Flow-style lists (`[a, b]`) are rewritten as a whole; comments elsewhere stay."""
    node = _section(doc, section)
    assert node is not None
    items = list(doc.data.get(section) or [])
    change(items)
    starts = _line_starts(doc.text)
    key_line = next(k.start_mark.line for k, v in doc.root.value if v is node)
    last = _last_line(node)
    end = starts[last + 1] if last + 1 < len(starts) else len(doc.text)
    body = "".join(item_yaml(i, 2, flow=False) for i in items) if items else ""
    # A comment after the flow list (`teams: [a, b]  # who deploys`) stays on the key's line.
    after = doc.text[node.end_mark.index : end].strip()
    comment = f"  {after}" if after.startswith("#") else ""
    replacement = f"{section}:{comment}\n{body}" if items else f"{section}: []{comment}\n"
    return doc.text[: starts[key_line]] + replacement + doc.text[end:]


def set_value(doc: Document, loc: Loc, value: str) -> str:
    """The answers text with the scalar at ``loc`` set to the string ``value`` (quoted).

    Only the value's own characters change; a missing key is added beside its siblings, in
    the mapping's own style (block or flow). Every parent of ``loc`` must exist.
    """
    try:
        return set_scalar(doc.text, doc.root, loc, value)
    except ValueError:
        raise ValueError(f"{_dotted(loc[:-1])} is not a mapping in {doc.path}") from None


def add_section(doc: Document, section: str, body: dict[str, Any] | list[Any]) -> str:
    """The answers text with a new top-level ``section`` appended at the end."""
    text = doc.text if doc.text.endswith("\n") else doc.text + "\n"
    if isinstance(body, list):
        return text + f"{section}:\n" + "".join(item_yaml(item, 2, flow=False) for item in body)
    # Strings double-quoted, as set_value writes them, so a later set_value changes nothing.
    lines = [
        f"  {key}: {json.dumps(value) if isinstance(value, str) else value}" for key, value in body.items()
    ]
    return text + f"{section}:\n" + "\n".join(lines) + "\n"


# --- schema --------------------------------------------------------------------------------


def with_schema_modeline(text: str) -> str:
    """``text`` whose first line points editors at the repo's own schema (replacing any other)."""
    match = _MODELINE.match(text)
    if match:
        return f"{match.group(1)}{SCHEMA_MODELINE}\n{text[match.end():]}"
    bom = "\ufeff" if text.startswith("\ufeff") else ""
    return f"{bom}{SCHEMA_MODELINE}\n{text.removeprefix(bom)}"


def json_schema() -> dict[str, Any]:
    """The JSON Schema of scaffold.yaml, for editors and `scaffold schema`."""
    schema = Answers.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "gitops-scaffold answers (scaffold.yaml)",
    }
