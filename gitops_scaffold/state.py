"""The record of what the scaffold last wrote: the base of every three-way merge.

Kept in the repository under ``.scaffold/`` and committed with it, so any later command, on
any machine, with any later gitops-scaffold, knows exactly what it wrote before:

- ``.scaffold/state/<instance key>.json``: per template-set instance, every file as last
  rendered, stored as a list of lines so that a reviewer's diff stays readable;
- ``.scaffold/meta.json``: the gitops-scaffold version, the digest of the templates used and of
  the answers rendered.
"""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

from gitops_scaffold import __version__
from gitops_scaffold.constants import META_FILE, RECORDS_DIR
from gitops_scaffold.render import SETS, TEMPLATES_DIR, Tree


def record_path(key: str) -> str:
    return f"{RECORDS_DIR}/{key}.json"


def encode_record(files: Tree) -> str:
    payload = {path: text.splitlines(keepends=True) for path, text in sorted(files.items())}
    return json.dumps({"files": payload}, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def decode_record(text: str) -> Tree:
    files = json.loads(text)["files"]
    return {path: "".join(lines) for path, lines in files.items()}


def check_state_folder(repo: Path) -> None:
    """`.scaffold/state` must be a folder; a file there is one clear line, not a crash."""
    folder = repo / RECORDS_DIR
    if folder.exists() and not folder.is_dir():
        from gitops_scaffold.errors import UserInputError

        raise UserInputError(
            f"{folder}: is not a folder, so the scaffold's record of what it wrote is missing; "
            f"restore it from Git (git checkout -- {RECORDS_DIR})"
        )


def load_record(repo: Path, key: str) -> Tree | None:
    path = repo / record_path(key)
    check_state_folder(repo)
    try:
        return decode_record(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError, AttributeError, IsADirectoryError, NotADirectoryError):
        from gitops_scaffold.errors import UserInputError

        raise UserInputError(
            f"{path}: the scaffold record is damaged; "
            f"restore it from Git (git checkout -- {record_path(key)})"
        ) from None


def recorded_keys(repo: Path, prefixes: tuple[str, ...] | None = None) -> list[str]:
    """Instance keys with a record; only below the given key prefixes when named."""
    check_state_folder(repo)
    root = repo / RECORDS_DIR
    keys: list[str] = []
    tops = prefixes if prefixes is not None else tuple(spec.name for spec in SETS)
    for top in tops:
        single = root / f"{top}.json"
        if single.is_file():
            keys.append(top)
        folder = root / top
        if folder.is_dir():
            keys += sorted(
                p.relative_to(root).as_posix().removesuffix(".json") for p in folder.rglob("*.json")
            )
    return keys


def is_scaffolded(repo: Path) -> bool:
    return (repo / META_FILE).is_file()


@functools.cache  # the installed templates do not change while a command runs
def templates_digest() -> str:
    """Changes whenever an installed template changes: how `status` knows a repo is behind."""
    digest = hashlib.sha256()
    for path in sorted(TEMPLATES_DIR.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            digest.update(path.relative_to(TEMPLATES_DIR).as_posix().encode())
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()[:16]


def answers_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def encode_meta(answers_text: str) -> str:
    """Who rendered the repo, with which templates, from which answers (for `scaffold status`)."""
    return (
        json.dumps(
            {
                "generator": "gitops-scaffold",
                "version": __version__,
                "templates": templates_digest(),
                "answers": answers_digest(answers_text),
            },
            indent=1,
            sort_keys=True,
        )
        + "\n"
    )


def load_meta(repo: Path) -> dict[str, str]:
    try:
        data = json.loads((repo / META_FILE).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
