"""Path globs as Argo CD matches them: git pathspecs, doublestar and Go's path.Match."""

from __future__ import annotations

import fnmatch
import re

_GLOB_CHARS = re.compile(r"[*?\[]")


def git_pathspec_match(pattern: str, path: str) -> bool:
    """A `git ls-files -- <pattern>` pathspec: a glob whose `*` also matches `/`, or a
    literal path naming the file or a directory above it."""
    pattern = pattern.lstrip("/")
    if not _GLOB_CHARS.search(pattern):
        literal = pattern.rstrip("/")
        return path == literal or path.startswith(literal + "/")
    return fnmatch.fnmatchcase(path, pattern)


def _glob_regex(pattern: str, *, doublestar: bool) -> re.Pattern[str]:
    """A glob as a regular expression: `*` and `?` stay within one path segment; with
    doublestar, `**` spans segments and `{a,b}` is an alternative."""
    out = []
    i = 0
    while i < len(pattern):
        if doublestar and pattern.startswith("**", i):
            slash = pattern.startswith("**/", i)
            out.append("(?:.*/)?" if slash else ".*")
            i += 3 if slash else 2
            continue
        char = pattern[i]
        closing = {"[": "]", "{": "}"}.get(char)
        end = pattern.find(closing, i + 1) if closing else -1
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and end != -1:
            body = pattern[i + 1 : end]
            negate = body.startswith(("!", "^"))
            body = (body[1:] if negate else body).replace("\\", "\\\\").replace("[", "\\[")
            out.append("[" + ("^" if negate else "") + body + "]")
            i = end
        elif char == "{" and doublestar and end != -1:
            options = pattern[i + 1 : end].split(",")
            out.append("(?:" + "|".join(re.escape(o) for o in options) + ")")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return re.compile("".join(out) + r"\Z")


def doublestar_match(pattern: str, path: str) -> bool:
    return _glob_regex(pattern.lstrip("/"), doublestar=True).match(path) is not None


def go_path_match(pattern: str, path: str) -> bool:
    """Go's path.Match, as the git directories generator applies it."""
    return _glob_regex(pattern, doublestar=False).match(path) is not None
