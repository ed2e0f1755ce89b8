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


def from_defaults(dest: Path, pairs: list[str]) -> Path:
    """``init --defaults --data KEY=VALUE``: the questionnaire's defaults, then the overrides.

    A KEY that is a question of the questionnaire (``environments=dev,prod``) answers it; any
    other KEY is a dotted path in scaffold.yaml (``repo.url=...``, ``argocd.ha=false``,
    ``environments.0.auto_sync=true``) set after. VALUE is read as YAML, as Copier reads
    ``--data``. The result is checked like any answers file before anything is written.
    """
    import yaml

    from gitops_scaffold import answers as answers_file
    from gitops_scaffold.errors import AnswersError

    questions = set(yaml.safe_load((QUESTIONNAIRE / "copier.yml").read_text(encoding="utf-8")))
    overrides = [_pair(p) for p in pairs]
    flat = {k: v for k, v in overrides if k in questions and not k.startswith("_")}
    dotted = [(k, v) for k, v in overrides if k not in flat]
    flat.setdefault("repo_url", next((str(v) for k, v in dotted if k == "repo.url"), None))
    if flat["repo_url"] is None:
        raise UserInputError("--defaults needs --data repo.url=URL (the Git repository Argo CD pulls from)")
    try:
        text = answer_defaults({k: str(v) if isinstance(v, str) else v for k, v in flat.items()})
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"--data: {exc}") from None
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    data = yaml.safe_load(text)
    for key, value in dotted:
        _set_dotted(data, key, value)
    path = Path(tempfile.mkdtemp(prefix="scaffold-answers-")) / "scaffold.yaml"
    path.write_text(header + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    try:
        answers_file.load(path)
    except AnswersError as exc:
        raise AnswersError([p.replace(str(path), "--defaults --data") for p in exc.problems]) from None
    return path


def _pair(text: str) -> tuple[str, object]:
    import yaml

    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise UserInputError(f"--data: expected KEY=VALUE, got {text!r}")
    try:
        parsed = yaml.safe_load(value) if value.strip() else ""
    except yaml.YAMLError:
        parsed = value
    return key.strip(), value if parsed is None else parsed


def _set_dotted(data: dict[str, object], key: str, value: object) -> None:
    node: object = data
    parts = key.split(".")
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        where = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise UserInputError(f"--data {key}: {where} is not an item of a list of {len(node)}")
            if last:
                node[int(part)] = value
            node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise UserInputError(f"--data {key}: {'.'.join(parts[:depth])} is a value, not a section")


def answer_defaults(data: dict[str, object]) -> str:
    """The answers file the questionnaire writes for ``data`` (no terminal; used by tests)."""
    import copier

    out = Path(tempfile.mkdtemp(prefix="scaffold-answers-"))
    copier.run_copy(
        str(QUESTIONNAIRE), str(out), data=data, defaults=True, unsafe=True, quiet=True, vcs_ref=None
    )
    return (out / "scaffold.yaml").read_text(encoding="utf-8")
