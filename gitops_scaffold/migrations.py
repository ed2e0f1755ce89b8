"""Answers-format migrations: carry an older ``scaffold.yaml`` to the current ``version:``.

Each migration takes the file from format N to N+1 as a text edit (so comments survive) and
says in one line what it changed. ``scaffold upgrade`` runs them in order; every other
command refuses an older format and names `scaffold upgrade`. A newer format than this
release understands is refused everywhere (answers.validate).

Format 1 is the first published format, so the chain is empty today; the machinery and its
tests are here so that the first change to the contract ships with its migration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gitops_scaffold.answers import Document, parse
from gitops_scaffold.constants import ANSWERS_FILE
from gitops_scaffold.errors import UserInputError
from gitops_scaffold.model import ANSWERS_VERSION


@dataclass(frozen=True)
class Migration:
    from_version: int
    summary: str
    apply: Callable[[Document], str]  # the new text, `version:` included


MIGRATIONS: dict[int, Migration] = {}


def version_of(doc: Document) -> int:
    version = doc.data.get("version", ANSWERS_VERSION)
    return version if isinstance(version, int) and not isinstance(version, bool) else ANSWERS_VERSION


def migrate(doc: Document) -> tuple[Document, list[str]]:
    """The document in the current format, and one line per migration applied."""
    summaries: list[str] = []
    version = version_of(doc)
    while version < ANSWERS_VERSION:
        migration = MIGRATIONS.get(version)
        if migration is None:
            raise UserInputError(
                f"{doc.path}:{doc.line_of(('version',))}: version: answers format {version} is "
                f"too old for this gitops-scaffold (it reads {min(MIGRATIONS, default=ANSWERS_VERSION)} "
                f"to {ANSWERS_VERSION}); upgrade with an older release first"
            )
        doc = parse(doc.path, migration.apply(doc))
        summaries.append(f"answers format {version} -> {version + 1}: {migration.summary}")
        new_version = version_of(doc)
        if new_version <= version:
            raise AssertionError(f"migration from {version} did not raise the version")
        version = new_version
    return doc, summaries


def refuse_old(doc: Document) -> None:
    """Commands other than upgrade work only on the current format."""
    version = version_of(doc)
    if version < ANSWERS_VERSION:
        raise UserInputError(
            f"{doc.path}:{doc.line_of(('version',))}: version: {ANSWERS_FILE} is in answers format "
            f"{version}; run `scaffold upgrade` to migrate it to format {ANSWERS_VERSION} first"
        )
