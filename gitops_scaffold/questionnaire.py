"""`scaffold init DEST` without --answers: Copier's questionnaire, then the answers file.

The questions live in ``templates/questionnaire/copier.yml`` (defaults, help and validation as
you type are Copier's); the one file it writes is a ``scaffold.yaml`` that ``init`` renders
and saves into the new repository.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from gitops_scaffold.errors import UserInputError
from gitops_scaffold.render import TEMPLATES_DIR

QUESTIONNAIRE = TEMPLATES_DIR / "questionnaire"


def ask(dest: Path) -> Path:
    """Ask on the terminal; return the path of the answers file written."""
    import copier

    out = Path(tempfile.mkdtemp(prefix="scaffold-answers-"))
    try:
        copier.run_copy(str(QUESTIONNAIRE), str(out), unsafe=True, quiet=True, vcs_ref=None)
    except KeyboardInterrupt:
        raise UserInputError(f"questionnaire cancelled; nothing was written to {dest}") from None
    answers = out / "scaffold.yaml"
    if not answers.is_file():
        raise UserInputError(f"questionnaire cancelled; nothing was written to {dest}")
    return answers


def answer_defaults(data: dict[str, object]) -> str:
    """The answers file the questionnaire writes for ``data`` (no terminal; used by tests)."""
    import copier

    out = Path(tempfile.mkdtemp(prefix="scaffold-answers-"))
    copier.run_copy(
        str(QUESTIONNAIRE), str(out), data=data, defaults=True, unsafe=True, quiet=True, vcs_ref=None
    )
    return (out / "scaffold.yaml").read_text(encoding="utf-8")
