"""data: the resolved answers every template sees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gitops_scaffold import answers as answers_file
from gitops_scaffold.context import resolve


def print_data(answers_path: Path) -> dict[str, Any]:
    """The resolved data templates see (what `copier copy` of a set needs)."""
    _, answers = answers_file.load(answers_path)
    return resolve(answers)

