"""`scaffold validate`: check a gitops repository the way Argo CD will see it, offline.

Public surface: ``validate(repo, Options) -> Report``, the rule catalog ``RULES``, and the
reporters in ``gitops_scaffold.validate.reporters``.
"""

from __future__ import annotations

from gitops_scaffold.validate.catalog import RULES
from gitops_scaffold.validate.engine import Options, validate
from gitops_scaffold.validate.findings import Finding, Report, Rule, Severity

__all__ = ["RULES", "Finding", "Options", "Report", "Rule", "Severity", "validate"]
