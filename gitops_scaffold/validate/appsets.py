"""Every ApplicationSet's Applications, as Argo CD's controller would generate them offline;
a failure is a GS103 finding at the key it names (shared by validate, preview and diff)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_scaffold import progress
from gitops_scaffold.validate.argo.loader import Document, Path_
from gitops_scaffold.validate.argo.objects import App
from gitops_scaffold.validate.findings import Finding, Severity
from gitops_scaffold.validate.structural import APPLICATIONSET_GENERATION

_MISSING_KEY = re.compile(r'no entry for key "([^"]+)"|key "?([^" ]+)"? not found')
_WHERE = re.compile(r"\b(spec(?:\.[A-Za-z]+|\[\d+\])+)")


@dataclass
class Expanded:
    apps: list[App]
    findings: list[Finding]
    notes: list[str] = field(default_factory=list)


# Generators that read a live source (an SCM API, a ConfigMap, a plugin service): Argo CD
# expands them; offline there is nothing to read, which is not a mistake in the repository.
LIVE_GENERATORS = frozenset({"scmProvider", "pullRequest", "clusterDecisionResource", "plugin"})


def live_generators(generators: Any) -> set[str]:
    """The live generators an ApplicationSet uses, matrix and merge children included."""
    found: set[str] = set()
    for generator in generators if isinstance(generators, list) else []:
        if not isinstance(generator, dict):
            continue
        found |= LIVE_GENERATORS & set(generator)
        for nested in ("matrix", "merge"):
            body = generator.get(nested)
            if isinstance(body, dict):
                found |= live_generators(body.get("generators"))
    return found


def expand_appsets(root: Path, docs: list[Document]) -> Expanded:
    """Every ApplicationSet's Applications; a failure is a GS103 finding at the key it names."""
    from gitops_scaffold.validate.argo import common, expansion

    apps: list[App] = []
    findings: list[Finding] = []
    notes: list[str] = []
    if docs and not common.engine_available():
        notes.append(
            f"{len(docs)} ApplicationSet(s) not expanded, so their Applications were not checked: "
            f"{common.INSTALL_ENGINE}"
        )
        return Expanded(apps, findings, notes)
    for done, doc in enumerate(docs):
        progress.tick("expanding ApplicationSets", done, len(docs))
        live = live_generators(doc.spec.get("generators"))
        if live:
            notes.append(
                f"{doc.file}: ApplicationSet {doc.name} uses the {', '.join(sorted(live))} generator, "
                "which needs a running Argo CD: its Applications were not generated or checked"
            )
            continue
        try:
            generated = expansion.expand(doc.data, root)
        except common.ExpansionError as exc:
            line = _line_of_message(doc, exc.message)
            findings.append(APPLICATIONSET_GENERATION.finding(doc.file, line, exc.message))
            continue
        except Exception as exc:  # an engine bug must not hide the rest of the report
            findings.append(
                APPLICATIONSET_GENERATION.finding(
                    doc.file, doc.line, f"ApplicationSet {doc.name}: cannot expand: {exc!r}"
                )
            )
            continue
        if not generated:
            findings.append(
                APPLICATIONSET_GENERATION.finding(
                    doc.file,
                    doc.line_of(("spec", "generators")),
                    f"ApplicationSet {doc.name} generates no Application: its generators match nothing "
                    "(a git path matching no file or folder, an empty list, a selector that drops all)",
                    severity=Severity.warning,
                )
            )
        apps += [App(data, doc, appset=doc.name) for data in generated]
    return Expanded(apps, findings, notes)


def _line_of_message(doc: Document, message: str) -> int:
    """The line of the template string holding the missing key a message names, else of the
    first ``spec.x[0].y`` path it names, else the object's."""
    missing = _MISSING_KEY.search(message)
    if missing:
        key = re.compile(rf"\.{re.escape(missing.group(1) or missing.group(2))}\b")
        for where, value in _strings(doc.data):
            if "{{" in value and key.search(value):
                return doc.line_of(where)
    match = _WHERE.search(message)
    if not match:
        return doc.line
    path: list[str | int] = []
    for part in re.findall(r"[A-Za-z]+|\[\d+\]", match.group(1)):
        path.append(int(part[1:-1]) if part.startswith("[") else part)
    return doc.line_of(tuple(path))


def _strings(value: Any, path: Path_ = ()) -> Iterator[tuple[Path_, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, (*path, index))
