"""`scaffold preview`: the Applications every ApplicationSet of a repository generates, expanded
offline exactly as the ApplicationSet controller would (``validate.argo.expansion``), listed
with project, cluster, namespace, source path, values files and sync mode.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gitops_scaffold.constants import ANSWERS_FILE
from gitops_scaffold.errors import UserInputError

JSON_SCHEMA_VERSION = 1


@dataclass
class Preview:
    repo: Path
    applications: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "file:line: message" per failed ApplicationSet
    notes: list[str] = field(default_factory=list)  # ApplicationSets that need a live Argo CD

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0


def preview(target: Path, *, include_written: bool = False) -> Preview:
    """Expand the ApplicationSets in ``target`` (a repository, or one file inside one)."""
    from gitops_scaffold.validate.appsets import expand_appsets
    from gitops_scaffold.validate.argo.loader import load_repo, parse_text
    from gitops_scaffold.validate.argo.objects import App, find_clusters
    from gitops_scaffold.validate.engine import interrupted_transaction
    from gitops_scaffold.validate.findings import Severity

    if not target.exists():
        raise UserInputError(f"{target} does not exist")
    target = target.resolve()
    root = target if target.is_dir() else _repo_root(target)
    files = load_repo(root)
    if not target.is_dir():
        from gitops_scaffold.yaml_guard import read_text

        rel = target.relative_to(root).as_posix()
        try:  # a regular file of bounded size, UTF-8: a FIFO or a binary file is one clear line
            text = read_text(target)
        except OSError as exc:
            raise UserInputError(f"{rel}: cannot read the file: {exc}") from None
        docs, problems = parse_text(text, rel)
        if problems:
            raise UserInputError("\n".join(f"{p.file}:{p.line}: {p.message}" for p in problems))
    else:
        docs = files.documents
        problems = files.problems
    result = Preview(repo=root)
    result.notes += interrupted_transaction(root)
    result.errors += [f"{p.file}:{p.line}: {p.message}" for p in problems]
    appsets = [d for d in docs if d.is_object and d.is_argo("ApplicationSet")]
    from gitops_scaffold.validate.argo import common

    if appsets and not common.engine_available():
        raise UserInputError(
            f"preview expands ApplicationSets with Helm's Go templates: {common.INSTALL_ENGINE}"
        )
    expanded = expand_appsets(root, appsets)
    for f in expanded.findings:  # a failure is an error; generating nothing is worth a note
        (result.errors if f.severity is Severity.error else result.notes).append(
            f"{f.file}:{f.line}: {f.message}"
        )
    result.notes += expanded.notes
    apps = list(expanded.apps)
    if include_written:
        apps = [App(d.data, d) for d in docs if d.is_object and d.is_argo("Application")] + apps
    clusters = find_clusters(files)
    for app in apps:
        result.applications.append(summarize(app, clusters))
    return result


def _repo_root(path: Path) -> Path:
    for parent in path.parents:
        if (parent / ".git").exists() or (parent / ANSWERS_FILE).is_file():
            return parent
    return path.parent


def summarize(app: Any, clusters: Any) -> dict[str, Any]:
    """The fields a reviewer checks, plus the full Application manifest."""
    sources = []
    for _, source in app.sources():
        helm = source.get("helm") if isinstance(source.get("helm"), dict) else {}
        entry = {
            "repoURL": source.get("repoURL"),
            "targetRevision": source.get("targetRevision"),
        }
        for key in ("path", "chart", "ref"):
            if source.get(key) is not None:
                entry[key] = source[key]
        entry["valueFiles"] = list(helm.get("valueFiles") or [])
        sources.append(entry)
    first = next(
        (s for s in sources if "ref" not in s or "path" in s or "chart" in s), sources[0] if sources else {}
    )
    automated = app.sync_policy.get("automated") if app.auto_sync else None
    sync = "auto" if app.auto_sync else "manual"
    if isinstance(automated, dict):
        flags = [name for name, key in (("prune", "prune"), ("self-heal", "selfHeal")) if automated.get(key)]
        if flags:
            sync += f" ({', '.join(flags)})"
    return {
        "name": app.name,
        "applicationSet": app.appset,
        "file": app.file,
        "project": app.project,
        "cluster": clusters.name_of(app.destination),
        "server": clusters.server_of(app.destination),
        "namespace": app.destination.get("namespace", ""),
        "path": first.get("path", first.get("chart", "")),
        "valueFiles": [v for s in sources for v in s["valueFiles"]],
        "sync": sync,
        "sources": sources,
        "manifest": app.data,
    }


# --- output --------------------------------------------------------------------------------

_COLUMNS = (
    ("NAME", "name"),
    ("APPLICATIONSET", "applicationSet"),
    ("PROJECT", "project"),
    ("CLUSTER", "cluster"),
    ("NAMESPACE", "namespace"),
    ("PATH", "path"),
    ("VALUES", "valueFiles"),
    ("SYNC", "sync"),
)


def as_table(result: Preview) -> str:
    rows = [[h for h, _ in _COLUMNS]]
    for app in result.applications:
        row = []
        for _, key in _COLUMNS:
            value = app.get(key)
            row.append(",".join(value) if isinstance(value, list) else str(value or "-"))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(_COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    count = len(result.applications)
    lines.append(f"{count} Application{'s' if count != 1 else ''}")
    return "\n".join(lines)


def _payload(result: Preview) -> dict[str, Any]:
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "repo": str(result.repo),
        "applications": result.applications,
        "errors": result.errors,
        "notes": result.notes,
    }


def as_json(result: Preview) -> str:
    return json.dumps(_payload(result), indent=2)


def as_yaml(result: Preview) -> str:
    return yaml.safe_dump(_payload(result), sort_keys=False, default_flow_style=False)
