"""Lint rules about the platform add-ons an Argo CD repository installs (issue 12).

Registered through ``rules.rule`` like every lint rule; the catalog entry (id, explanation, fix)
is in ``catalog.py``. Importing this module registers its checks (``engine`` does).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gitops_scaffold.validate.catalog import finding
from gitops_scaffold.validate.findings import Finding
from gitops_scaffold.validate.rules import Context, rule

_INGRESS_NGINX_REPOS = ("kubernetes.github.io/ingress-nginx", "registry.k8s.io/ingress-nginx")


def _ingress_choice(root: Path) -> Any:
    """ingress.controller from scaffold.yaml, when the repo was written by gitops-scaffold."""
    import yaml

    try:
        data = yaml.safe_load((root / "scaffold.yaml").read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return None
    ingress = data.get("ingress") if isinstance(data, dict) else None
    return ingress.get("controller") if isinstance(ingress, dict) else None


def _is_ingress_nginx(source: dict[str, Any]) -> bool:
    url = str(source.get("repoURL") or "")
    return source.get("chart") == "ingress-nginx" or any(repo in url for repo in _INGRESS_NGINX_REPOS)


@rule("GS030")
def retired_ingress_nginx(ctx: Context) -> Iterator[Finding]:
    if _ingress_choice(ctx.root) == "ingress-nginx":
        return  # a deliberate choice, recorded in scaffold.yaml (ingress.controller)
    for app in ctx.apps:
        for key, source in app.sources():
            if _is_ingress_nginx(source):
                yield finding(
                    "GS030",
                    app.file,
                    app.locate((*key, "repoURL")),
                    f"{app.name}: installs ingress-nginx, retired upstream in March 2026 "
                    "(no more releases or security fixes)",
                    app.context,
                )
