"""`scaffold diff`: the rendered difference between two revisions of an Argo CD repository,
per Application and per resource, offline.

Public surface: ``diff(directory, Options) -> DiffResult`` and the reporters in
``gitops_scaffold.diff.report``.
"""

from __future__ import annotations

from gitops_scaffold.diff.run import AppChange, DiffResult, Options, diff

__all__ = ["AppChange", "DiffResult", "Options", "diff"]
