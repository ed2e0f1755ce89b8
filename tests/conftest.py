"""Shared pytest setup: git must not need a global identity for the commits tests make."""

from __future__ import annotations

import os
import tempfile

import pytest

os.environ.setdefault("GIT_AUTHOR_NAME", "scaffold tests")
os.environ.setdefault("GIT_AUTHOR_EMAIL", "tests@gitops-scaffold.invalid")
os.environ.setdefault("GIT_COMMITTER_NAME", "scaffold tests")
os.environ.setdefault("GIT_COMMITTER_EMAIL", "tests@gitops-scaffold.invalid")
# validate's render cache: one fresh folder per test session, never the user's cache.
os.environ["SCAFFOLD_CACHE_DIR"] = tempfile.mkdtemp(prefix="scaffold-test-cache-")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite tests/golden/<example>/ from the current templates (tests/test_golden.py)",
    )
