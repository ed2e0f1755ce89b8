"""Compare one Application's manifests at two revisions: resources matched by (group, kind,
namespace, name), each shown as normalized YAML (keys sorted) in a unified diff; Secret values
masked the way Argo CD masks them (a run of ``+`` whose length tells equal values apart);
Argo CD and Helm hooks marked as hooks.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

import yaml

from gitops_scaffold.diff.render import INPUTS_GROUP, ResourceKey, hook_of

ADDED, REMOVED, CHANGED, UNCHANGED = "added", "removed", "changed", "unchanged"
_SECRET_FIELDS = ("data", "stringData")


@dataclass
class ResourceChange:
    key: ResourceKey
    status: str  # added, removed or changed
    diff: str  # unified diff of the normalized YAML (masked for Secrets)
    hook: str | None = None  # e.g. "Sync", "PostSync" (from the side that has it, head first)

    @property
    def group(self) -> str:
        return self.key[0]

    @property
    def kind(self) -> str:
        return self.key[1]

    @property
    def namespace(self) -> str:
        return self.key[2]

    @property
    def name(self) -> str:
        return self.key[3]

    @property
    def rendered(self) -> bool:
        """False for the synthetic inputs of a source that could not be rendered."""
        return self.group != INPUTS_GROUP

    def label(self) -> str:
        kind = f"{self.kind}.{self.group}" if self.group and self.rendered else self.kind
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{kind} {where}"


@dataclass
class Comparison:
    resources: list[ResourceChange] = field(default_factory=list)
    unchanged: int = 0


def compare(base: dict[ResourceKey, dict[str, Any]], head: dict[ResourceKey, dict[str, Any]]) -> Comparison:
    """Every added, removed and changed resource, sorted by key."""
    result = Comparison()
    for key in sorted(set(base) | set(head)):
        old, new = base.get(key), head.get(key)
        if old is not None and new is not None and old == new:
            result.unchanged += 1
            continue
        if key[1] == "Secret" and key[0] == "":
            old, new = mask_secrets(old, new)
        status = ADDED if old is None else REMOVED if new is None else CHANGED
        text = unified(old, new, label_of(key))
        hook = hook_of(new) if new is not None else hook_of(old or {})
        result.resources.append(ResourceChange(key, status, text, hook))
    return result


def label_of(key: ResourceKey) -> str:
    group, kind, namespace, name = key
    return "/".join(part for part in (group, kind, namespace, name) if part)


def normalized(obj: dict[str, Any] | None) -> str:
    """Stable YAML: keys sorted, block style, no line wrapping."""
    if obj is None:
        return ""
    return yaml.safe_dump(obj, sort_keys=True, default_flow_style=False, width=1_000_000, allow_unicode=True)


def unified(old: dict[str, Any] | None, new: dict[str, Any] | None, label: str) -> str:
    lines = difflib.unified_diff(
        normalized(old).splitlines(keepends=True),
        normalized(new).splitlines(keepends=True),
        fromfile=f"base/{label}" if old is not None else "/dev/null",
        tofile=f"head/{label}" if new is not None else "/dev/null",
        n=3,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def mask_secrets(
    old: dict[str, Any] | None, new: dict[str, Any] | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Replace every Secret value by ``+`` repeated: equal values keep equal masks, so a
    reviewer sees *that* a key changed, never what it holds (Argo CD's HideSecretData)."""
    masks: dict[tuple[str, str], dict[str, str]] = {}

    def mask(obj: dict[str, Any] | None) -> dict[str, Any] | None:
        if obj is None:
            return None
        out = dict(obj)
        for section in _SECRET_FIELDS:
            values = obj.get(section)
            if not isinstance(values, dict):
                continue
            masked = {}
            for key, value in values.items():
                seen = masks.setdefault((section, str(key)), {})
                masked[key] = seen.setdefault(str(value), "+" * (8 + len(seen)))
            out[section] = masked
        return out

    return mask(old), mask(new)
