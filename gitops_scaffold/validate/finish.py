"""The last step of a run: ignored rules and inline suppressions dropped, a schema error left
out where a more specific finding names the same place, each finding once, in order."""

from __future__ import annotations

import re
from pathlib import Path

from gitops_scaffold.validate.catalog import MISPLACED_FIELD, SINGLE_BRACE_PLACEHOLDER, TEMPLATED_BOOLEAN
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.structural import ARGOCD_SCHEMA
from gitops_scaffold.yaml_guard import read_text

# A schema error at the same place as one of these more specific findings is left out.
_SUPERSEDES_SCHEMA = frozenset({r.id for r in (SINGLE_BRACE_PLACEHOLDER, TEMPLATED_BOOLEAN, MISPLACED_FIELD)})

_SUPPRESS = re.compile(r"scaffold-validate:\s*(ignore-file|ignore)\s+((?:GS\d{3}[\s,]*)+)")


def _suppressions(root: Path, files: set[str]) -> dict[str, dict[int, set[str]]]:
    """``# scaffold-validate: ignore GS008`` on a finding's line or the line above skips it
    there; ``ignore-file`` anywhere in the file skips the rule for the whole file (line 0)."""
    found: dict[str, dict[int, set[str]]] = {}
    for rel in files:
        try:
            text = read_text(root / rel)
        except (OSError, UnicodeDecodeError):
            continue
        if "scaffold-validate:" not in text:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            match = _SUPPRESS.search(line)
            if match:
                rules = set(re.findall(r"GS\d{3}", match.group(2)))
                lines = [0] if match.group(1) == "ignore-file" else [number, number + 1]
                for target in lines:
                    found.setdefault(rel, {}).setdefault(target, set()).update(rules)
    return found


def finish(root: Path, findings: list[Finding], ignore: set[str]) -> list[Finding]:
    specific = {(f.file, f.line) for f in findings if f.rule in _SUPERSEDES_SCHEMA}
    suppressed = _suppressions(root, {f.file for f in findings if f.file})
    kept: dict[tuple[str, int, str, str], Finding] = {}
    for f in findings:
        if f.rule in ignore:
            continue
        here = suppressed.get(f.file, {})
        if f.rule in here.get(f.line, set()) or f.rule in here.get(0, set()):
            continue
        if f.rule == ARGOCD_SCHEMA.id and (f.file, f.line) in specific:
            continue
        kept.setdefault((f.file, f.line, f.rule, f.message), f)
    return sorted(kept.values())
