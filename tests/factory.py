"""Build answers files and scaffolded repos inline, so each test shows its whole situation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "platform" / "scaffold.yaml"
# The Argo CD CRD schemas bundled in the package: tests never read anything beside the checkout.
SCHEMAS = ROOT / "gitops_scaffold" / "schemas" / "argocd" / "v3.5.1"
# Where the schemas were derived, in the development workspace only (compared when present).
SHARED_SCHEMAS = ROOT.parent / "shared" / "schemas" / "argocd"

MINIMAL: dict[str, Any] = {
    "version": 1,
    "repo": {"url": "https://github.com/acme/gitops-config"},
    "clusters": [{"name": "main", "server": "https://kubernetes.default.svc"}],
    "environments": [
        {"name": "dev", "cluster": "main"},
        {"name": "prod", "cluster": "main"},
    ],
    "teams": [{"name": "web", "groups": ["web-team"]}],
    "services": [
        {"name": "shop", "team": "web", "image": "ghcr.io/acme/shop", "tag": "v1.0.0"},
    ],
}


def minimal(**changes: Any) -> dict[str, Any]:
    """The minimal answers with top-level keys replaced (None removes a key)."""
    data = copy.deepcopy(MINIMAL)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def checked(data: dict[str, Any]) -> Any:
    """The typed answers after every check `scaffold` runs on scaffold.yaml (field rules and the
    cross-checks: references, collisions, the ingress controller's needs), or AnswersError."""
    from gitops_scaffold import answers as answers_file

    text = yaml.safe_dump(data, sort_keys=False)
    return answers_file.validate(answers_file.parse(Path("scaffold.yaml"), text))


def write_answers(path: Path, data: dict[str, Any] | str) -> Path:
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def init_repo(tmp_path: Path, data: dict[str, Any] | str | None = None, name: str = "repo") -> Path:
    """A freshly scaffolded repository (committed, so `git diff` shows later edits)."""
    from gitops_scaffold.commands import init as init_command

    answers = write_answers(tmp_path / f"{name}-answers.yaml", data or minimal())
    dest = tmp_path / name
    init_command.init(dest, answers, commit=True)
    return dest


def snapshot(repo: Path) -> dict[str, bytes]:
    """Every file below ``repo`` except Git's own, as bytes."""
    return {
        p.relative_to(repo).as_posix(): p.read_bytes()
        for p in sorted(repo.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(repo).parts
    }
