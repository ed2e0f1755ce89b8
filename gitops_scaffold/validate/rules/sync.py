"""Sync rules: production auto-sync (GS001), HPA replica drift (GS002), image updates on
auto-syncing production (GS009), a root app that cascades deletion (GS010)."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from typing import Any

from gitops_scaffold.validate.argo.objects import RESOURCES_FINALIZERS, App
from gitops_scaffold.validate.catalog import (
    HPA_REPLICAS_DRIFT,
    IMAGE_UPDATES_AUTO_SYNC_PRODUCTION,
    PRODUCTION_AUTO_SYNC,
    ROOT_APP_CASCADE,
)
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules.base import Context, rule

# --- GS001 production auto-sync ------------------------------------------------------------


@rule(PRODUCTION_AUTO_SYNC)
def production_auto_sync(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        if app.auto_sync and ctx.production(app):
            yield PRODUCTION_AUTO_SYNC.finding(
                app.file,
                app.locate(("spec", "syncPolicy", "automated")),
                f"{app.name} targets production and has syncPolicy.automated",
                app.context,
            )


# --- GS002 HPA without ignoreDifferences on replicas ---------------------------------------


def _ignores_replicas(app: App, deployment: str) -> bool:
    for entry in app.spec.get("ignoreDifferences") or []:
        if not isinstance(entry, dict):
            continue
        if str(entry.get("group", "")) != "apps" or entry.get("kind") not in {"Deployment", "*"}:
            continue
        if entry.get("name") not in (None, "", deployment):
            continue
        pointers = [str(p) for p in entry.get("jsonPointers") or []]
        jq = [str(p).replace(" ", "") for p in entry.get("jqPathExpressions") or []]
        managers = entry.get("managedFieldsManagers") or []
        if "/spec/replicas" in pointers or ".spec.replicas" in jq or managers:
            return True
    return False


@rule(HPA_REPLICAS_DRIFT)
def hpa_replicas(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        resources = app.resources or []
        deployments = {r.name: r for r in resources if r.kind == "Deployment" and r.group == "apps"}
        for hpa in resources:
            if hpa.kind != "HorizontalPodAutoscaler":
                continue
            target = hpa.spec.get("scaleTargetRef") or {}
            if not isinstance(target, dict) or target.get("kind") != "Deployment":
                continue
            name = str(target.get("name", ""))
            if not _ignores_replicas(app, name):
                yield HPA_REPLICAS_DRIFT.finding(
                    app.file,
                    app.locate(("spec", "ignoreDifferences")),
                    f"{app.name}: HorizontalPodAutoscaler {hpa.name!r} scales Deployment {name!r}, but the "
                    "Application does not ignore /spec/replicas of it",
                    app.context,
                )
            deployment = deployments.get(name)
            if (
                deployment is not None
                and "replicas" in deployment.spec
                and not app.has_sync_option("RespectIgnoreDifferences=true")
            ):
                yield HPA_REPLICAS_DRIFT.finding(
                    deployment.file,
                    deployment.locate(("spec", "replicas")),
                    f"Deployment {name!r} sets replicas although HorizontalPodAutoscaler {hpa.name!r} "
                    "owns them: every sync resets the count",
                    app.context,
                )


# --- GS009 image updates on an auto-syncing production Application ---------------------------


def _selects(ref: dict[str, Any], app: App) -> bool:
    pattern = ref.get("namePattern")
    if pattern and not fnmatch.fnmatchcase(app.name, str(pattern)):
        return False
    selectors = ref.get("labelSelectors") if isinstance(ref.get("labelSelectors"), dict) else {}
    assert isinstance(selectors, dict)
    for key, value in (selectors.get("matchLabels") or {}).items():
        if app.labels.get(str(key)) != str(value):
            return False
    return bool(pattern or selectors)


@rule(IMAGE_UPDATES_AUTO_SYNC_PRODUCTION)
def image_updates_production(ctx: Context) -> Iterator[Finding]:
    risky = [a for a in ctx.apps if a.auto_sync and ctx.production(a)]
    if not risky:
        return
    for doc in ctx.files.objects:
        if doc.kind != "ImageUpdater" or not doc.group.startswith("argocd-image-updater.argoproj.io"):
            continue
        for index, ref in enumerate(doc.spec.get("applicationRefs") or []):
            if not isinstance(ref, dict):
                continue
            hit = [a.name for a in risky if _selects(ref, a)]
            if hit:
                yield IMAGE_UPDATES_AUTO_SYNC_PRODUCTION.finding(
                    doc.file,
                    doc.line_of(("spec", "applicationRefs", index)),
                    f"ImageUpdater {doc.name} updates auto-syncing production Application(s) "
                    f"{', '.join(sorted(hit))}",
                )
    for app in risky:
        keys = [
            k
            for k in app.metadata.get("annotations") or {}
            if str(k).startswith("argocd-image-updater.argoproj.io/")
        ]
        if keys:
            yield IMAGE_UPDATES_AUTO_SYNC_PRODUCTION.finding(
                app.file,
                app.locate(("metadata", "annotations", keys[0])),
                f"{app.name} auto-syncs to production and has Argo CD Image Updater annotations",
                app.context,
            )


# --- GS010 root app with cascading deletion --------------------------------------------------


@rule(ROOT_APP_CASCADE)
def root_cascade(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        children = [
            r
            for r in app.resources or []
            if r.group == "argoproj.io" and r.kind in {"Application", "ApplicationSet"}
        ]
        if not children:
            continue
        what = f"{app.name} manages {len(children)} Application(s)/ApplicationSet(s)"
        finalizers = [f for f in app.finalizers if f in RESOURCES_FINALIZERS]
        if finalizers:
            index = app.finalizers.index(finalizers[0])
            yield ROOT_APP_CASCADE.finding(
                app.file,
                app.locate(("metadata", "finalizers", index)),
                f"{what} and has the {finalizers[0]} finalizer: deleting it deletes them all",
                app.context,
            )
        automated = app.sync_policy.get("automated")
        if app.auto_sync and isinstance(automated, dict) and automated.get("prune") is True:
            yield ROOT_APP_CASCADE.finding(
                app.file,
                app.locate(("spec", "syncPolicy", "automated", "prune")),
                f"{what} and prunes automatically: removing a file deletes that Application",
                app.context,
            )
