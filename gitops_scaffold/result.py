"""What commands return: typed results, printed by output.py in every form."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from gitops_scaffold.plan import NEEDS_ATTENTION, Plan


@dataclass
class Result:
    """What a command did (or, with --dry-run, would do)."""

    command: str
    repo: Path
    plan: Plan
    dry_run: bool
    diff: str = ""
    next_steps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def attention(self) -> list[str]:
        return [c.path for c in self.plan.changes if c.action in NEEDS_ATTENTION]

    @property
    def exit_code(self) -> int:
        return 1 if self.attention else 0


@dataclass
class Status:
    """How the repo stands against its record and the installed gitops-scaffold."""

    repo: Path
    modified: list[str] = field(default_factory=list)  # generated files you changed
    pinned: list[str] = field(default_factory=list)  # values files whose image pins moved (only)
    deleted: list[str] = field(default_factory=list)  # generated files you deleted
    conflicted: list[str] = field(default_factory=list)  # still holding conflict markers
    behind: list[str] = field(default_factory=list)  # files `upgrade`/`render` would change
    # generated files whose only change is a moved chart pin (Renovate): path, chart, from, to, option
    pin_changes: list[dict[str, str]] = field(default_factory=list)
    answers_changed: bool = False  # scaffold.yaml edited since the last render
    templates_changed: bool = False  # installed templates differ from those last used
    rendered_by: str = ""

    @property
    def exit_code(self) -> int:
        return 1 if self.behind or self.pin_changes else 0
