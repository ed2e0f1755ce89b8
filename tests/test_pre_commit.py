"""This repository is a pre-commit hook repository, and a generated repo's config runs its hooks.

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
from gitops_scaffold.model import Ci
from tests.factory import ROOT, init_repo, minimal


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


@pytest.mark.parametrize(
    "ci_answer", [None, {"install": "git+https://git.example.com/mirror/gitops-scaffold@v0.1.0"}]
)
def test_the_generated_config_is_these_hooks_installed_like_ci(
    tmp_path: Path, ci_answer: dict[str, str] | None
) -> None:
    """Local hooks, so the generated repository needs no URL of this project: only the index."""
    repo = init_repo(tmp_path, minimal(ci=ci_answer))
    config = yaml.safe_load((repo / ".pre-commit-config.yaml").read_text())
    [local] = config["repos"]
    assert local["repo"] == "local"
    wanted = ci.requirement(Ci.model_validate(ci_answer or {}), __version__)
    published = {h["id"]: h for h in yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())}
    assert [h["id"] for h in local["hooks"]] == ["scaffold-validate", "scaffold-status"]
    for hook in local["hooks"]:
        assert hook.pop("additional_dependencies") == [wanted]
        expected = {k: v for k, v in published[hook["id"]].items() if k not in _NOT_COPIED}
        assert hook == expected


# The manifest's description is for hook catalogs; its dependencies are the package's own, which
# the generated hook gets from installing the package itself.
_NOT_COPIED = {"description", "additional_dependencies"}


@pytest.mark.slow
def test_try_repo_runs_both_hooks_in_a_generated_repo(tmp_path: Path) -> None:
    repo = init_repo(tmp_path)
    # Put the repo behind its answers: status must fail and say so; validate still passes.
    answers = repo / "scaffold.yaml"
    answers.write_text(answers.read_text().replace("tag: v1.0.0", "tag: v1.0.1"))
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"), "PRE_COMMIT_COLOR": "never"}
    run, out = _pre_commit(["try-repo", str(ROOT), "--all-files"], repo, env)
    assert _results(out) == {"scaffold validate": "Passed", "scaffold status": "Failed"}, out
    assert "scaffold.yaml changed since the last render" in out
    assert run.returncode == 1


@pytest.mark.slow
def test_the_generated_config_runs_both_hooks(tmp_path: Path) -> None:
    """`pre-commit run` in a generated repository, as its users run it once the release is on the
    package index: this checkout's wheel stands in for that release (found before the index)."""
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "-q",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            str(ROOT),
            "-w",
            str(wheels),
        ],
        check=True,
        capture_output=True,
    )
    repo = init_repo(tmp_path)
    answers = repo / "scaffold.yaml"
    answers.write_text(answers.read_text().replace("tag: v1.0.0", "tag: v1.0.1"))
    env = {
        **os.environ,
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "PRE_COMMIT_COLOR": "never",
        "PIP_FIND_LINKS": f"{wheels} {os.environ.get('PIP_FIND_LINKS', '')}".strip(),
    }
    run, out = _pre_commit(["run", "--all-files"], repo, env)
    assert _results(out) == {"scaffold validate": "Passed", "scaffold status": "Failed"}, out
    assert "scaffold.yaml changed since the last render" in out
    assert run.returncode == 1


def _pre_commit(
    args: list[str], repo: Path, env: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], str]:
    """pre-commit with ``args`` in ``repo``: the finished process and all it printed."""
    run = subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    return run, run.stdout + run.stderr


def _results(out: str) -> dict[str, str]:
    """pre-commit's `name......Passed` lines, by hook name."""
    return {
        line.split(".", 1)[0].strip(): line.rsplit(".", 1)[-1].strip()
        for line in out.splitlines()
        if line.startswith("scaffold ") and line.rstrip().endswith(("Passed", "Failed"))
    }
