"""The CEL rules (``x-kubernetes-validations``) of a CRD, evaluated as the API server does on create.

The API server runs each rule of a schema node on the value at that node, for every node present
in the object, after it has applied the schema's defaults. A rule that reads ``oldSelf`` is a
transition rule: it only runs on an update, so a create (what a sync of a new object is) skips it.
A rule that evaluates to false, or that cannot be evaluated, rejects the object.

CEL itself comes from cel-python (``celpy``). Kubernetes adds libraries to standard CEL; the
vendored CRDs use two functions of them that cel-python lacks, implemented here as Kubernetes
documents them: ``<string>.find(<regex>)`` (the regex library: the first match, or '') and
``<string>.split(<separator>[, <limit>])`` (cel-go's strings extension, Go's ``strings.SplitN``).
``FUNCTIONS`` names every function the rules may call; tests/test_cel.py holds every rule of the
vendored CRDs to that list, so a CRD bump that needs another library is a failing test, not a
rule silently skipped.
"""

from __future__ import annotations

import copy
import functools
import re
from collections.abc import Iterator
from typing import Any

import celpy
import re2
from celpy import celtypes
from celpy.evaluation import CELEvalError

Json = Any


def _find(text: celtypes.StringType, pattern: celtypes.StringType) -> celtypes.StringType:
    match = re2.search(str(pattern), str(text))
    return celtypes.StringType(match.group(0) if match else "")


def _split(
    text: celtypes.StringType, separator: celtypes.StringType, limit: celtypes.IntType | None = None
) -> celtypes.ListType:
    count = -1 if limit is None else int(limit)
    if count == 0:
        return celtypes.ListType([])
    if count < 0:
        parts = str(text).split(str(separator)) if separator else list(str(text))
    else:
        parts = str(text).split(str(separator), count - 1)
    return celtypes.ListType([celtypes.StringType(p) for p in parts])


# The functions Kubernetes adds that the vendored CRDs use and cel-python does not provide.
KUBERNETES_FUNCTIONS = {"find": _find, "split": _split}
# Every function and macro a rule may call: standard CEL as cel-python evaluates it, and the above.
FUNCTIONS = frozenset(
    {"has", "all", "exists", "exists_one", "filter", "map", "size", "matches", "startsWith", "endsWith",
     "contains", "int", "uint", "string", "double", "bool", "type", *KUBERNETES_FUNCTIONS}
)
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


def functions_called(rule: str) -> set[str]:
    """The function and macro names a rule calls (string literals left out)."""
    code = re.sub(r"'[^']*'|\"[^\"]*\"", "''", rule)
    return set(_CALL.findall(code))


def is_transition_rule(rule: str) -> bool:
    return re.search(r"\boldSelf\b", rule) is not None


@functools.cache
def _program(rule: str) -> celpy.Runner:
    env = celpy.Environment()
    return env.program(env.compile(rule), functions=KUBERNETES_FUNCTIONS)


def evaluate(rule: str, value: Json) -> object:
    """The rule's result for ``self`` = value (a CELEvalError when it cannot be evaluated)."""
    try:
        return _program(rule).evaluate({"self": celpy.json_to_cel(value)})
    except CELEvalError as exc:
        return exc


def with_defaults(schema: Json, value: Json) -> Json:
    """``value`` with the schema's defaults filled in where a field is absent, as the API server
    applies them before it validates (a default is itself defaulted)."""
    if isinstance(value, dict) and schema.get("properties"):
        out = dict(value)
        for name, sub in schema["properties"].items():
            if name not in out and "default" in sub:
                out[name] = copy.deepcopy(sub["default"])
            if name in out:
                out[name] = with_defaults(sub, out[name])
        return out
    if isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        return {k: with_defaults(schema["additionalProperties"], v) for k, v in value.items()}
    if isinstance(value, list) and isinstance(schema.get("items"), dict):
        return [with_defaults(schema["items"], item) for item in value]
    return value


def rules_at(schema: Json, value: Json, path: str = "") -> Iterator[tuple[str, dict[str, Any], Json]]:
    """(path, validation, value) for every rule of every schema node ``value`` has a value at."""
    for validation in schema.get("x-kubernetes-validations") or []:
        yield path, validation, value
    if isinstance(value, dict) and schema.get("properties"):
        for name, sub in schema["properties"].items():
            if name in value:
                yield from rules_at(sub, value[name], f"{path}/{name}")
    elif isinstance(value, dict) and isinstance(schema.get("additionalProperties"), dict):
        for key, item in value.items():
            yield from rules_at(schema["additionalProperties"], item, f"{path}/{key}")
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for index, item in enumerate(value):
            yield from rules_at(schema["items"], item, f"{path}/{index}")


def all_rules(schema: Json, path: str = "") -> Iterator[tuple[str, str]]:
    """(path, rule) for every rule in a schema, whether or not an object reaches it."""
    for validation in schema.get("x-kubernetes-validations") or []:
        yield path, validation["rule"]
    for name, sub in (schema.get("properties") or {}).items():
        yield from all_rules(sub, f"{path}/{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(schema.get(key), dict):
            yield from all_rules(schema[key], f"{path}/{key}")


def cel_errors(schema: Json, obj: Json) -> list[str]:
    """One line per CEL rule ``obj`` breaks (or that cannot be evaluated on it); [] when none."""
    errors = []
    for path, validation, value in rules_at(schema, with_defaults(schema, obj)):
        rule = validation["rule"]
        if is_transition_rule(rule):
            continue  # runs on updates only; a create has no oldSelf
        result = evaluate(rule, value)
        if isinstance(result, CELEvalError):
            errors.append(f"{path or '/'}: cannot evaluate {rule!r}: {result.args[0]}")
        elif not (isinstance(result, celtypes.BoolType) and bool(result)):
            errors.append(f"{path or '/'}: {validation.get('message') or 'rule'} ({rule})")
    return errors
