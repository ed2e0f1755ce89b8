"""GS014: the deprecated kubernetes.io/ingress.class annotation."""

from __future__ import annotations

from collections.abc import Iterator

from gitops_scaffold.validate.catalog import DEPRECATED_INGRESS_CLASS_ANNOTATION
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules.base import Context, rule, walk

# --- GS014 deprecated ingress-class annotation ---------------------------------------------

_INGRESS_CLASS = "kubernetes.io/ingress.class"


@rule(DEPRECATED_INGRESS_CLASS_ANNOTATION)
def ingress_class_annotation(ctx: Context) -> Iterator[Finding]:
    for res in ctx.resources:
        if res.kind == "Ingress" and _INGRESS_CLASS in res.annotations:
            yield DEPRECATED_INGRESS_CLASS_ANNOTATION.finding(
                res.file,
                res.locate(("metadata", "annotations", _INGRESS_CLASS)),
                f"Ingress {res.name!r} uses the {_INGRESS_CLASS} annotation",
            )
    for doc in ctx.values_documents():
        for path, _ in walk(doc.data):
            if path and path[-1] == _INGRESS_CLASS:
                yield DEPRECATED_INGRESS_CLASS_ANNOTATION.finding(
                    doc.file,
                    doc.line_of(path),
                    f"{'.'.join(map(str, path))}: the {_INGRESS_CLASS} annotation is deprecated",
                )
    for app in ctx.apps:
        for key, source in app.sources():
            helm = source.get("helm") if isinstance(source.get("helm"), dict) else None
            values = helm.get("valuesObject") if isinstance(helm, dict) else None
            for path, _ in walk(values):
                if path and path[-1] == _INGRESS_CLASS:
                    yield DEPRECATED_INGRESS_CLASS_ANNOTATION.finding(
                        app.file,
                        app.locate((*key, "helm", "valuesObject", *path)),
                        f"{app.name}: helm.valuesObject sets the {_INGRESS_CLASS} annotation",
                        app.context,
                    )
