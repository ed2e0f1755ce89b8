"""A plain `pip install gitops-scaffold` (no validate extra): validate degrades, preview says why."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from tests.factory import EXAMPLE, init_repo


@pytest.fixture
def without_helm(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real_find_spec = importlib.util.find_spec
    real_import = builtins.__import__

    def find_spec(name: str, *args: Any, **kwargs: Any) -> Any:
        return (
            None if name.split(".", maxsplit=1)[0] == "helm_python" else real_find_spec(name, *args, **kwargs)
        )

    def guarded_import(name: str, *args: Any, **kwargs: Any) -> Any:
        if name.split(".", maxsplit=1)[0] == "helm_python":
            raise ImportError("No module named 'helm_python'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    monkeypatch.setattr(builtins, "__import__", guarded_import)


def test_validate_notes_what_it_could_not_check(tmp_path: Path, without_helm: None) -> None:
    repo = init_repo(tmp_path, EXAMPLE.read_text())
    result = CliRunner().invoke(app, ["validate", str(repo)])
    assert result.exit_code == 0, result.output
    assert "ApplicationSet(s) not expanded" in result.output
    assert "gitops-scaffold[validate]" in result.output


def test_preview_names_the_extra_it_needs(tmp_path: Path, without_helm: None) -> None:
    repo = init_repo(tmp_path, EXAMPLE.read_text())
    result = CliRunner().invoke(app, ["preview", str(repo)])
    assert result.exit_code == 2
    assert "pip install 'gitops-scaffold[validate]'" in result.stderr


def test_validate_helm_without_the_extra_is_one_line(tmp_path: Path, without_helm: None) -> None:
    """--helm asks for what is not installed: one line and exit 2, before any cache is consulted."""
    repo = init_repo(tmp_path, EXAMPLE.read_text())
    result = CliRunner().invoke(app, ["validate", str(repo), "--helm"])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        "scaffold: --helm needs helm-python-sdk: pip install 'gitops-scaffold[validate]'"
    ]
