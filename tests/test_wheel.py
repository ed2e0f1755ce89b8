"""The package as users install it: a built wheel and an editable install both find the templates.

Each case installs gitops-scaffold (no dependencies, nothing downloaded) into a fresh virtualenv
whose only other packages are those of the running interpreter's environment, then runs
``scaffold init`` on examples/minimal from a directory outside the checkout and compares the
written tree with tests/golden/minimal. The wheel must carry the top-level ``templates/``
inside the package; the editable install must find them beside the package in the source tree.
"""

from __future__ import annotations

import os
import site
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.factory import ROOT
from tests.test_golden import GOLDEN, golden_path, tree_of

pytestmark = pytest.mark.slow


def _purelib(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(subprocess.run([str(python), "-c", code], check=True, capture_output=True,
                               text=True).stdout.strip())


def _fresh_venv(where: Path) -> Path:
    """A virtualenv that sees this environment's packages, except gitops-scaffold itself."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = _purelib(python)
    # A plain path line: the running environment's packages (typer, jinja2, ...) are importable,
    # but its own .pth files (such as an editable gitops-scaffold) are not processed.
    (Path(purelib) / "outer-environment.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8"
    )
    return python


def _pip_install(python: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps",
         "--no-index", "--no-build-isolation", *args],
        check=True, capture_output=True, text=True,
    )


def _init_minimal(python: Path, tmp_path: Path) -> Path:
    dest = tmp_path / "repo"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    scaffold = python.parent / ("scaffold.exe" if os.name == "nt" else "scaffold")
    done = subprocess.run(
        [str(scaffold), "init", str(dest), "--answers", str(ROOT / "examples/minimal/scaffold.yaml")],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )
    assert done.returncode == 0, done.stderr
    return dest


def _where_templates_are(python: Path, tmp_path: Path) -> Path:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    code = "from gitops_scaffold.templates_root import templates_root; print(templates_root())"
    out = subprocess.run([str(python), "-c", code], cwd=tmp_path, env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    return Path(out)


def _assert_golden_minimal(dest: Path) -> None:
    written = {golden_path(rel): data for rel, data in tree_of(dest).items()}
    assert written == tree_of(GOLDEN / "minimal")


def test_the_wheel_carries_the_templates_and_init_writes_the_golden_tree(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-index", "--no-build-isolation",
         "-w", str(wheels), str(ROOT)],
        check=True, capture_output=True, text=True,
    )
    (wheel,) = wheels.glob("gitops_scaffold-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "gitops_scaffold/templates/repo/copier.yml" in names
    assert "gitops_scaffold/schemas/argocd/v3.5.1/application.json" in names
    assert not [n for n in names if n.startswith("templates/")]

    python = _fresh_venv(tmp_path / "venv")
    _pip_install(python, str(wheel))
    site_templates = _where_templates_are(python, tmp_path)
    assert site_templates.parent.parent != ROOT  # the installed copy, not the checkout
    assert site_templates.name == "templates" and site_templates.parent.name == "gitops_scaffold"
    _assert_golden_minimal(_init_minimal(python, tmp_path))


def test_an_editable_install_finds_the_top_level_templates(tmp_path: Path) -> None:
    python = _fresh_venv(tmp_path / "venv")
    _pip_install(python, "-e", str(ROOT))
    assert not (_purelib(python) / "gitops_scaffold").exists()  # no copy of the package or templates
    assert _where_templates_are(python, tmp_path) == ROOT / "templates"
    _assert_golden_minimal(_init_minimal(python, tmp_path))
