"""Jinja filters shared by ``scaffold`` and ``copier copy`` of the same template sets.

Copier loads this through ``_jinja_extensions`` in each ``copier.yml``; ``render`` adds it to
its own environment, so both produce the same bytes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from jinja2 import Environment
from jinja2.ext import Extension

_PLAIN_SAFE = re.compile(r"^[A-Za-z_/][A-Za-z0-9_./\-]*$")
_YAML_SPECIAL = {
    "true",
    "false",
    "yes",
    "no",
    "on",
    "off",
    "null",
    "y",
    "n",
    "~",
}


def quote(value: Any) -> str:
    """A YAML double-quoted scalar: always a string, whatever it looks like."""
    return json.dumps(str(value), ensure_ascii=False)


def yaml_scalar(value: Any) -> str:
    """A YAML scalar: plain when YAML would read it back unchanged, quoted otherwise."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if value is None:
        return "null"
    text = str(value)
    if _PLAIN_SAFE.fullmatch(text) and text.lower() not in _YAML_SPECIAL:
        return text
    return quote(text)


def to_json_compact(value: Any) -> str:
    """JSON on one line with sorted keys, for flow-style YAML that is also valid JSON."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


class ScaffoldExtension(Extension):
    """Registers the filters; no tags."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["yaml_quote"] = quote
        environment.filters["yaml_scalar"] = yaml_scalar
        environment.filters["json_compact"] = to_json_compact
