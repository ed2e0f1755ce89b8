"""Shared pytest setup: git must not need a global identity for the commits tests make."""

from __future__ import annotations

import os

os.environ.setdefault("GIT_AUTHOR_NAME", "scaffold tests")
os.environ.setdefault("GIT_AUTHOR_EMAIL", "tests@gitops-scaffold.invalid")
os.environ.setdefault("GIT_COMMITTER_NAME", "scaffold tests")
os.environ.setdefault("GIT_COMMITTER_EMAIL", "tests@gitops-scaffold.invalid")
