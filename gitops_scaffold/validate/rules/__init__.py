"""The lint rules (GS001-GS019, GS030), one module per family; importing this package registers them all."""

from gitops_scaffold.validate.rules import (  # noqa: F401  (each module registers its rules)
    argocd_install,
    hooks,
    ingress,
    pins,
    platform,
    projects,
    secrets,
    sync,
    templating,
    tenancy,
)
from gitops_scaffold.validate.rules.base import Context, lint_rule_ids, run_rules

__all__ = ["Context", "lint_rule_ids", "run_rules"]
