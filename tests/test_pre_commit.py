"""This repository is a pre-commit hook repository, and a generated repo's config uses it.

`pre-commit try-repo` installs the hooks from this checkout exactly as a user's `pre-commit
install` would (a fresh virtualenv, `pip install .` plus the hook's dependencies, from the
package index), then runs them in a generated repository.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from gitops_scaffold import __version__, ci
from tests.factory import ROOT, init_repo


def test_the_hooks_manifest_declares_both_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"scaffold-validate", "scaffold-status"}
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["pass_filenames"] is False
        assert hook["entry"].split()[0] == "scaffold"
    assert hooks["scaffold-status"]["always_run"] is True
    assert "files" in hooks["scaffold-validate"]
    # The hook installs what `pip install gitops-scaffold[validate]` would, caps included.
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert hooks["scaffold-validate"]["additional_dependencies"] == extras["validate"]


def test_the_generated_config_names_this_release(tmp_path: Path) -> None:
    repo = init_repo(tmp_path)
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    assert config == {
        "repos": [
            {
                "repo": ci.PROJECT_URL,
                "rev": f"v{__version__}",
                "hooks": [{"id": "scaffold-validate"}, {"id": "scaffold-status"}],
            }
        ]
    }


@pytest.mark.slow
def test_try_repo_runs_both_hooks_in_a_generated_repo(tmp_path: Path) -> None:
    repo = init_repo(tmp_path)
    # Put the repo behind its answers: status must fail and say so; validate still passes.
    answers = repo / "scaffold.yaml"
    answers.write_text(answers.read_text().replace("tag: v1.0.0", "tag: v1.0.1"))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(ROOT), "--all-files"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    out = run.stdout + run.stderr
    results = {
        line.split(".", 1)[0].strip(): line.rsplit(".", 1)[-1].strip()
        for line in out.splitlines()
        if line.startswith("scaffold ") and line.rstrip().endswith(("Passed", "Failed"))
    }
    assert results == {"scaffold validate": "Passed", "scaffold status": "Failed"}, out
    assert "scaffold.yaml changed since the last render" in out
    assert run.returncode == 1
