"""Where the template sets are: one answer for a wheel, an editable install and a source tree.

The sets live in the top-level ``templates/`` of the source tree, next to the package. The wheel
carries them inside the package (a hatchling path rewrite to ``gitops_scaffold/templates``);
an editable install and ``PYTHONPATH=<checkout>`` import the package from the source tree, so
they find ``templates/`` beside it. Nothing else in the code knows either location.
"""

from __future__ import annotations

import functools
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@functools.cache
def templates_root() -> Path:
    """The directory holding one sub-directory per template set (``repo``, ``service``, ...)."""
    for candidate in (_PACKAGE / "templates", _PACKAGE.parent / "templates"):
        if (candidate / "repo" / "copier.yml").is_file():
            return candidate
    raise RuntimeError(
        f"gitops-scaffold is installed without its templates (looked in {_PACKAGE / 'templates'} "
        f"and {_PACKAGE.parent / 'templates'}); reinstall the package"
    )
