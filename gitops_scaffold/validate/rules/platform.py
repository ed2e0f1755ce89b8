"""Lint rules about the platform add-ons an Argo CD repository installs (issue 12).

GS030: an Application installs the retired ingress-nginx. The catalog entry (id, explanation,
fix) is ``catalog.INGRESS_NGINX_RETIRED``; importing this module registers the check. A warning,
except where scaffold.yaml records ``ingress.controller: ingress-nginx``: a known choice, still
reported, as info, so that the repository's CI (``--fail-on warning``) passes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from gitops_scaffold.validate.catalog import INGRESS_NGINX_RETIRED
from gitops_scaffold.validate.findings import Finding, Severity
from gitops_scaffold.validate.rules.base import Context, rule
from gitops_scaffold.validate.scaffold_answers import read_answers

_INGRESS_NGINX_REPOS = ("kubernetes.github.io/ingress-nginx", "registry.k8s.io/ingress-nginx")


def _ingress_choice(root: Path) -> Any:
    """ingress.controller from scaffold.yaml, when the repo was written by gitops-scaffold."""
    answers = read_answers(root)
    ingress = answers.data.get("ingress") if answers is not None else None
    return ingress.get("controller") if isinstance(ingress, dict) else None


def _is_ingress_nginx(source: dict[str, Any]) -> bool:
    url = str(source.get("repoURL") or "")
    return source.get("chart") == "ingress-nginx" or any(repo in url for repo in _INGRESS_NGINX_REPOS)


@rule(INGRESS_NGINX_RETIRED)
def retired_ingress_nginx(ctx: Context) -> Iterator[Finding]:
    known = _ingress_choice(ctx.root) == "ingress-nginx"  # recorded in scaffold.yaml
    for app in ctx.apps:
        for key, source in app.sources():
            if _is_ingress_nginx(source):
                yield INGRESS_NGINX_RETIRED.finding(
                    app.file,
                    app.locate((*key, "repoURL")),
                    f"{app.name}: installs ingress-nginx, retired upstream in March 2026 "
                    "(no more releases or security fixes)"
                    + ("; kept as scaffold.yaml records (ingress.controller)" if known else ""),
                    app.context,
                    Severity.info if known else None,
                )
