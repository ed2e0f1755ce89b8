"""set-image and promote as semantic changes: computed from the files, re-run on a new head.

A request says what should be true (this tag in that environment; these services' pins
copied from one environment to the next); ``compute`` turns it into the edits and the new
texts of the files as they are now. Running it again after a fetch gives the same change on
the new remote head, which is how a rejected push is retried (gitflow.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gitops_scaffold.constants import ANSWERS_FILE
from gitops_scaffold.errors import UserInputError
from gitops_scaffold.model import Answers
from gitops_scaffold.promotion import refs
from gitops_scaffold.promotion.keys import DIGEST_KEY, REPOSITORY_KEY, TAG_KEY, promotable_keys, values_path
from gitops_scaffold.promotion.values_edit import MISSING, ValuesFile, line_of, read_values, set_key


@dataclass(frozen=True)
class Edit:
    """One key moved in one values file."""

    service: str
    env: str
    key: str
    old: str | None
    new: str
    path: str


@dataclass
class Change:
    """What a request changes in the files as they are: edits, reports and the new texts."""

    edits: list[Edit] = field(default_factory=list)
    reports: list[str] = field(default_factory=list)  # left alone, and why
    texts: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SetImage:
    service: str
    env: str
    tag: str
    repository: str | None = None
    digest: str | None = None
    command: str = "set-image"

    def check(self) -> None:
        refs.check_tag(self.tag)
        if self.digest is not None:
            refs.check_digest(self.digest)
        if self.repository is not None:
            refs.check_repository(self.repository)

    def compute(self, repo: Path, answers: Answers) -> Change:
        _known_service(answers, self.service)
        _known_env(answers, self.env, "--env")
        change = Change()
        values = _read_pinned(repo, self.service, self.env)
        wanted: dict[str, str] = {TAG_KEY: self.tag}
        if self.repository is not None:
            wanted[REPOSITORY_KEY] = self.repository
        if self.digest is not None:
            _check_digest_support(repo, self.service)
            wanted[DIGEST_KEY] = self.digest
        elif _text(values.get(DIGEST_KEY)):
            wanted[DIGEST_KEY] = ""  # a new tag under an old digest would still run the old image
        _apply(change, values, self.service, self.env, wanted)
        if not change.edits:
            change.reports.append(f"{self.service}: {values.path} already pins {self.tag}; nothing to do")
        return change

    def message(self, change: Change) -> str:
        return _commit_message(f"set-image {self.service} in {self.env}", change)


@dataclass(frozen=True)
class Promote:
    services: tuple[str, ...]
    every_service: bool
    source: str
    target: str | None = None
    skip_order: bool = False
    command: str = "promote"

    def check(self) -> None:
        if self.every_service and self.services:
            raise UserInputError("--all: name services or give --all, not both")
        if not self.every_service and not self.services:
            raise UserInputError("SERVICE: name the services to promote, or give --all")

    def target_env(self, answers: Answers) -> str:
        envs = [e.name for e in answers.environments]
        _known_env(answers, self.source, "--from")
        position = envs.index(self.source)
        if self.target is None:
            if position + 1 == len(envs):
                raise UserInputError(
                    f"--from {self.source}: it is the last environment in {ANSWERS_FILE}; "
                    "there is no next one to promote to"
                )
            return envs[position + 1]
        _known_env(answers, self.target, "--to")
        distance = envs.index(self.target) - position
        if distance == 0:
            raise UserInputError(f"--to {self.target}: it is the --from environment")
        if distance != 1 and not self.skip_order:
            order = " -> ".join(envs)
            raise UserInputError(
                f"--to {self.target}: the promotion order in {ANSWERS_FILE} is {order}; "
                f"{self.source} -> {self.target} {'skips' if distance > 1 else 'goes back over'} it "
                "(give --skip-order to do it anyway)"
            )
        return self.target

    def chosen(self, answers: Answers) -> list[str]:
        if self.every_service:
            return [s.name for s in answers.services]
        for name in self.services:
            _known_service(answers, name)
        return list(dict.fromkeys(self.services))

    def compute(self, repo: Path, answers: Answers) -> Change:
        target = self.target_env(answers)
        change = Change()
        for service in self.chosen(answers):
            source = read_values(repo, values_path(service, self.source))
            wanted: dict[str, str] = {}
            for key in promotable_keys(answers, service):
                value = source.get(key)
                if key == DIGEST_KEY:
                    if value is not MISSING and value is not None:
                        wanted[key] = _pin_text(source, key, value, digest=True)
                    continue
                if value is MISSING or value is None:
                    change.reports.append(f"{service}: {key} is not set in {source.path}; left alone")
                    continue
                wanted[key] = _pin_text(source, key, value, digest=False)
            if not wanted:
                continue
            destination = _read_pinned(repo, service, target)
            if DIGEST_KEY not in wanted and _text(destination.get(DIGEST_KEY)):
                wanted[DIGEST_KEY] = ""  # the source runs by tag: the target's old digest goes
            before = len(change.edits)
            _apply(change, destination, service, target, wanted)
            if len(change.edits) == before:
                change.reports.append(f"{service}: {target} already matches {self.source}; left alone")
        return change

    def message(self, change: Change) -> str:
        services = ", ".join(dict.fromkeys(e.service for e in change.edits))
        envs = f"{self.source} -> {change.edits[0].env}" if change.edits else self.source
        return _commit_message(f"promote {services}: {envs}", change)


Request = SetImage | Promote


def _apply(change: Change, values: ValuesFile, service: str, env: str, wanted: dict[str, str]) -> None:
    text = change.texts.get(values.path, values.text)
    for key, value in wanted.items():
        old = values.get(key)
        if old is MISSING and value == "":
            continue  # no digest pinned on either side
        if old is not MISSING and old is not None and str(old) == value and isinstance(old, str):
            continue
        text = set_key(values.path, text, key, value)
        change.edits.append(
            Edit(service, env, key, None if old is MISSING or old is None else str(old), value, values.path)
        )
    if text != values.text:
        change.texts[values.path] = text


def _read_pinned(repo: Path, service: str, env: str) -> ValuesFile:
    values = read_values(repo, values_path(service, env))
    tag = values.get(TAG_KEY)
    if tag is MISSING:
        raise UserInputError(
            f"{values.path}:{line_of(values, TAG_KEY)}: {TAG_KEY}: not set (removed by hand?); "
            "put `image:` with `tag:` back in this file, then run this again"
        )
    if not isinstance(tag, str):
        raise UserInputError(
            f"{values.path}:{line_of(values, TAG_KEY)}: {TAG_KEY}: expected a tag as a string, got {tag!r}"
        )
    return values


def _pin_text(values: ValuesFile, key: str, value: Any, digest: bool) -> str:
    """A source value checked the way set-image checks its options."""
    where = f"{values.path}:{line_of(values, key)}: {key}"
    if not isinstance(value, str):
        raise UserInputError(
            f"{where}: expected a string to promote, got {json.dumps(value)[:60]} (quote it in the file)"
        )
    if digest:
        return value if value == "" else refs.check_digest(value, where)
    return refs.check_tag(value, where) if key == TAG_KEY else value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _check_digest_support(repo: Path, service: str) -> None:
    """A strict values schema without image.digest would fail every sync: refuse instead."""
    path = f"apps/services/{service}/values.schema.json"
    try:
        schema = json.loads((repo / path).read_text(encoding="utf-8"))
        image = schema["properties"]["image"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # no schema, or not ours: nothing refuses the key
    if "digest" not in image.get("properties", {}) and image.get("additionalProperties") is False:
        raise UserInputError(
            f"{path}: image.digest: this chart does not know digest pins; add `digest` to its image "
            "values (see `scaffold upgrade`, which brings the current chart templates), then pin"
        )


def _known_service(answers: Answers, name: str) -> None:
    names = [s.name for s in answers.services]
    if name not in names:
        raise UserInputError(
            f"{ANSWERS_FILE}: services: no service {name!r} (known: {', '.join(names) or 'none'})"
        )


def _known_env(answers: Answers, name: str, option: str) -> None:
    names = [e.name for e in answers.environments]
    if name not in names:
        raise UserInputError(
            f"{option} {name}: {ANSWERS_FILE}: environments: no environment {name!r} "
            f"(known: {', '.join(names)})"
        )


def _commit_message(subject: str, change: Change) -> str:
    lines = [
        f"{e.service} {e.key} in {e.env}: {e.old or '(unset)'} -> {e.new or '(unset)'}" for e in change.edits
    ]
    tags = ", ".join(dict.fromkeys(e.new for e in change.edits if e.key == TAG_KEY))
    return f"{subject} ({tags})\n\n" + "\n".join(lines) + "\n\nMade by `scaffold` (gitops-scaffold).\n"
