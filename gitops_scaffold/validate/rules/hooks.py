"""Hook rules: Jobs without a deadline (GS004), a migration after its Deployment (GS015)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from gitops_scaffold.validate.argo.objects import Resource
from gitops_scaffold.validate.catalog import HOOK_WITHOUT_DEADLINE, MIGRATION_AFTER_DEPLOYMENT
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules.base import Context, hook_of, pod_spec_paths, rule

# --- GS004 hook Jobs without activeDeadlineSeconds -----------------------------------------


@rule(HOOK_WITHOUT_DEADLINE)
def hook_deadline(ctx: Context) -> Iterator[Finding]:
    for res in ctx.resources:
        if res.kind not in {"Job", "Pod"} or hook_of(res) is None:
            continue
        if res.kind == "Job" and "activeDeadlineSeconds" not in res.spec:
            yield HOOK_WITHOUT_DEADLINE.finding(
                res.file,
                res.locate(("spec",)),
                f"hook Job {res.name!r} ({hook_of(res)}) has no spec.activeDeadlineSeconds",
            )
        elif res.kind == "Pod" and "activeDeadlineSeconds" not in res.spec:
            yield HOOK_WITHOUT_DEADLINE.finding(
                res.file,
                res.locate(("spec",)),
                f"hook Pod {res.name!r} ({hook_of(res)}) has no spec.activeDeadlineSeconds",
            )


# --- GS015 migration after the Deployment ---------------------------------------------------

_PHASES = {"PreSync": 0, "Sync": 1, "PostSync": 2}
_MIGRATION = re.compile(r"migrat", re.IGNORECASE)


def _wave(res: Resource) -> int:
    notes = res.annotations
    raw = notes.get("argocd.argoproj.io/sync-wave")
    if raw is None and notes.get("helm.sh/hook"):
        raw = notes.get("helm.sh/hook-weight")
    try:
        return int(str(raw).strip()) if raw is not None else 0
    except ValueError:
        return 0


def _is_migration(res: Resource) -> bool:
    if res.kind != "Job":
        return False
    labels = res.metadata.get("labels") if isinstance(res.metadata.get("labels"), dict) else {}
    assert isinstance(labels, dict)
    text = " ".join([res.name, *map(str, labels.values())])
    for _, pod in pod_spec_paths(res.data):
        for container in pod.get("containers") or []:
            if isinstance(container, dict):
                text += " " + json.dumps(
                    [container.get("name"), container.get("command"), container.get("args")]
                )
    return bool(_MIGRATION.search(text))


@rule(MIGRATION_AFTER_DEPLOYMENT)
def migration_order(ctx: Context) -> Iterator[Finding]:
    for group in ctx.groups:
        deployments = [r for r in group if r.kind in {"Deployment", "StatefulSet"} and hook_of(r) is None]
        if not deployments:
            continue
        first = min(deployments, key=_wave)
        for job in group:
            if not _is_migration(job):
                continue
            phase = hook_of(job) or "Sync"
            if phase not in _PHASES:
                continue
            if (_PHASES[phase], _wave(job)) >= (_PHASES["Sync"], _wave(first)):
                where = (
                    ("metadata", "annotations", "argocd.argoproj.io/sync-wave")
                    if ("argocd.argoproj.io/sync-wave" in job.annotations)
                    else ("metadata", "annotations")
                )
                yield MIGRATION_AFTER_DEPLOYMENT.finding(
                    job.file,
                    job.locate(where),
                    f"migration Job {job.name!r} ({phase}, wave {_wave(job)}) does not run before "
                    f"{first.kind} {first.name!r} (Sync, wave {_wave(first)})",
                )
