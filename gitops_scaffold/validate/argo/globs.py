"""Path globs as Argo CD matches them: git pathspecs, doublestar and Go's path.Match."""

from __future__ import annotations

import fnmatch
import functools
import re
from dataclasses import dataclass
from typing import Literal

_GLOB_CHARS = re.compile(r"[*?\[]")


def git_pathspec_match(pattern: str, path: str) -> bool:
    """A `git ls-files -- <pattern>` pathspec: a glob whose `*` also matches `/`, or a
    literal path naming the file or a directory above it."""
    pattern = pattern.lstrip("/")
    if not _GLOB_CHARS.search(pattern):
        literal = pattern.rstrip("/")
        return path == literal or path.startswith(literal + "/")
    return fnmatch.fnmatchcase(path, pattern)


@dataclass(frozen=True)
class Dialect:
    """How one of Argo CD's glob libraries reads a pattern."""

    star: str  # what `*` matches
    one: str  # what `?` matches
    doublestar: Literal["segments", "any"] | None  # `**`: doublestar's, gobwas' `.*`, or two `*`
    braces: bool  # `{a,b}` is an alternative


# bmatcuk/doublestar (the new git files globbing): `**/` spans directories, `*` stays in one.
DOUBLESTAR = Dialect(star="[^/]*", one="[^/]", doublestar="segments", braces=True)
# Go's path.Match (the git directories generator).
GO_PATH = Dialect(star="[^/]*", one="[^/]", doublestar=None, braces=False)
# gobwas/glob, as AppProject globMatch uses it: without a separator `*` matches anything.
GOBWAS = Dialect(star=".*", one=".", doublestar="any", braces=True)
GOBWAS_SEPARATED = Dialect(star="[^/]*", one="[^/]", doublestar="any", braces=True)


@functools.cache
def compile_glob(pattern: str, dialect: Dialect) -> re.Pattern[str]:
    """A glob as a regular expression matching whole paths, in the given dialect."""
    out = []
    i = 0
    while i < len(pattern):
        if dialect.doublestar and pattern.startswith("**", i):
            slash = dialect.doublestar == "segments" and pattern.startswith("**/", i)
            out.append("(?:.*/)?" if slash else ".*")
            i += 3 if slash else 2
            continue
        char = pattern[i]
        closing = {"[": "]", "{": "}"}.get(char)
        end = pattern.find(closing, i + 1) if closing else -1
        if char == "*":
            out.append(dialect.star)
        elif char == "?":
            out.append(dialect.one)
        elif char == "[" and end != -1:
            body = pattern[i + 1 : end]
            negate = body.startswith(("!", "^"))
            body = (body[1:] if negate else body).replace("\\", "\\\\").replace("[", "\\[")
            out.append("[" + ("^" if negate else "") + body + "]")
            i = end
        elif char == "{" and dialect.braces and end != -1:
            options = pattern[i + 1 : end].split(",")
            out.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def doublestar_match(pattern: str, path: str) -> bool:
    return compile_glob(pattern.lstrip("/"), DOUBLESTAR).match(path) is not None


def go_path_match(pattern: str, path: str) -> bool:
    """Go's path.Match, as the git directories generator applies it."""
    return compile_glob(pattern, GO_PATH).match(path) is not None
