"""`scaffold versions`: which image each environment's values pin, service by service.

Read-only. A cell is the digest when one is pinned (that is what runs), else the tag. An
environment is *behind* when its pin differs from the environment before it in the promotion
order (a release waiting to move on); a production environment that differs from the one
before it is marked as such. Environments argocd-image-updater writes to are named: there the
tag moves without a commit by a person.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gitops_scaffold import answers as answers_file
from gitops_scaffold.commands.pipeline import existing_repo
from gitops_scaffold.constants import ANSWERS_FILE
from gitops_scaffold.context import resolve
from gitops_scaffold.errors import UserInputError
from gitops_scaffold.promotion.keys import DIGEST_KEY, TAG_KEY, values_path
from gitops_scaffold.promotion.values_edit import read_values


@dataclass(frozen=True)
class Cell:
    env: str
    tag: str | None  # None: the values file or its image.tag is missing
    digest: str | None
    behind: bool  # differs from the environment before it
    updater: bool  # argocd-image-updater writes this environment's tag

    @property
    def pin(self) -> str | None:
        return self.digest or self.tag


@dataclass
class Row:
    service: str
    cells: list[Cell] = field(default_factory=list)
    production_differs: bool = False


@dataclass
class Board:
    repo: Path
    environments: list[str]
    production: list[str]
    updater_environments: list[str]
    rows: list[Row] = field(default_factory=list)
    exit_code: int = 0


def board(repo: Path) -> Board:
    repo = existing_repo(repo)
    _, answers = answers_file.load(repo / ANSWERS_FILE)
    view = resolve(answers)
    envs = [e["name"] for e in view["environments"]]
    updater = list(view["image_update_targets"])
    result = Board(repo, envs, list(view["production_environments"]), updater)
    for service in answers.services:
        row = Row(service.name)
        previous: str | None = None
        for index, env in enumerate(envs):
            tag, digest = _pins(repo, values_path(service.name, env))
            pin = digest or tag
            behind = index > 0 and pin != previous
            row.cells.append(Cell(env, tag, digest, behind, env in updater))
            if behind and env in result.production:
                row.production_differs = True
            previous = pin
        result.rows.append(row)
    return result


def _pins(repo: Path, path: str) -> tuple[str | None, str | None]:
    try:
        values = read_values(repo, path)
    except UserInputError:
        return None, None  # shown as missing: the board is a picture, not a check
    tag, digest = values.get(TAG_KEY), values.get(DIGEST_KEY)
    return (tag if isinstance(tag, str) else None, digest if isinstance(digest, str) and digest else None)


def as_json(result: Board) -> str:
    payload = {
        "schema_version": 1,
        "command": "versions",
        "repo": str(result.repo),
        "environments": result.environments,
        "production": result.production,
        "image_updater_environments": result.updater_environments,
        "services": [
            {
                "service": row.service,
                "production_differs": row.production_differs,
                "environments": {
                    c.env: {k: v for k, v in asdict(c).items() if k != "env"} for c in row.cells
                },
            }
            for row in result.rows
        ],
        "exit_code": result.exit_code,
    }
    return json.dumps(payload, indent=2)


def _cell_text(cell: Cell) -> str:
    text = _short(cell.pin) if cell.pin else "(missing)"
    return text + (" <" if cell.behind else "") + (" *" if cell.updater else "")


def _short(pin: str) -> str:
    return pin[:19] if pin.startswith("sha256:") else pin


def _legend(result: Board) -> list[str]:
    lines = ["< behind the environment before it (promote to move it on)"]
    if result.updater_environments:
        lines.append(f"* argocd-image-updater writes the tag here ({', '.join(result.updater_environments)})")
    if result.production:
        lines.append(f"! production ({', '.join(result.production)}) differs from the environment before it")
    return lines


def as_table(result: Board) -> str:
    header = ["SERVICE", *result.environments]
    rows = [
        [row.service + (" !" if row.production_differs else ""), *map(_cell_text, row.cells)]
        for row in result.rows
    ]
    widths = [max(len(line[i]) for line in [header, *rows]) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(line)).rstrip() for line in [header, *rows]
    ]
    if not result.rows:
        lines.append("(no services)")
    return "\n".join([*lines, "", *_legend(result)])


def as_markdown(result: Board) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    lines = [
        "| Service | " + " | ".join(f"`{e}`" for e in result.environments) + " |",
        "|---" * (len(result.environments) + 1) + "|",
    ]
    for row in result.rows:
        name = f"`{row.service}`" + (" !" if row.production_differs else "")
        lines.append(f"| {name} | " + " | ".join(cell(_cell_text(c)) for c in row.cells) + " |")
    return "\n".join([*lines, "", *(f"- {line}" for line in _legend(result))])
