"""Pinning rules: unpinned charts (GS007) and images (GS008)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from gitops_scaffold.validate.catalog import UNPINNED_CHART, UNPINNED_IMAGE
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules.base import Context, pod_spec_paths, rule, value_at, walk

# --- GS007 unpinned charts, GS008 unpinned images --------------------------------------------

_EXACT_VERSION = re.compile(r"v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?")


@rule(UNPINNED_CHART)
def unpinned_chart(ctx: Context) -> Iterator[Finding]:
    for app in ctx.apps:
        for key, source in app.sources():
            url = str(source.get("repoURL") or "")
            if not source.get("chart") and not url.startswith("oci://"):
                continue
            revision = str(source.get("targetRevision") or "")
            if not _EXACT_VERSION.fullmatch(revision):
                what = source.get("chart") or url
                yield UNPINNED_CHART.finding(
                    app.file,
                    app.locate((*key, "targetRevision")),
                    f"{app.name}: chart {what} is not pinned (targetRevision {revision or 'missing'!r})",
                    app.context,
                )
    for doc in ctx.files.documents:
        if not doc.file.endswith("Chart.yaml") or not isinstance(doc.data, dict):
            continue
        for index, dep in enumerate(doc.data.get("dependencies") or []):
            if not isinstance(dep, dict):
                continue
            version = str(dep.get("version") or "")
            repository = str(dep.get("repository") or "")
            if repository.startswith("file://"):
                continue
            if not _EXACT_VERSION.fullmatch(version):
                yield UNPINNED_CHART.finding(
                    doc.file,
                    doc.line_of(("dependencies", index, "version")),
                    f"chart dependency {dep.get('name')} is not pinned (version {version or 'missing'!r})",
                )


def _unpinned_image(image: str) -> bool:
    if "@sha256:" in image or "{{" in image:
        return False
    last = image.rsplit("/", 1)[-1]
    return ":" not in last or last.rsplit(":", 1)[1] in {"latest", ""}


@rule(UNPINNED_IMAGE)
def unpinned_image(ctx: Context) -> Iterator[Finding]:
    flagged_charts: set[str] = set()
    for doc in ctx.values_documents():
        for path, value in walk(doc.data):
            if not path or not isinstance(path[-1], str):
                continue
            parent = value_at(doc.data, path[:-1])
            latest_tag = (
                path[-1] == "tag"
                and value == "latest"
                and isinstance(parent, dict)
                and ("repository" in parent or "registry" in parent or "image" in str(path[-2:-1]))
            )
            latest_image = path[-1] == "image" and isinstance(value, str) and value.endswith(":latest")
            if latest_tag or latest_image:
                flagged_charts.add(doc.file.rsplit("/", 1)[0] if "/" in doc.file else ".")
                yield UNPINNED_IMAGE.finding(
                    doc.file, doc.line_of(path), f"{'.'.join(map(str, path))}: image tag 'latest'"
                )
    for res in ctx.resources:
        if res.rendered and any(res.file.startswith(c + "/") for c in flagged_charts):
            continue
        for prefix, pod in pod_spec_paths(res.data):
            for group in ("initContainers", "containers", "ephemeralContainers"):
                for index, container in enumerate(pod.get(group) or []):
                    image = container.get("image") if isinstance(container, dict) else None
                    if isinstance(image, str) and _unpinned_image(image):
                        yield UNPINNED_IMAGE.finding(
                            res.file,
                            res.locate((*prefix, group, index, "image")),
                            f"{res.kind} {res.name!r}: image {image!r} is not pinned",
                        )
