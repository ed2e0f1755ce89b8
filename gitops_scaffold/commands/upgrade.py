"""upgrade: re-render with the installed templates and new chart pins, keeping the user's edits."""

from __future__ import annotations

import re
from pathlib import Path

from gitops_scaffold import answers as answers_file
from gitops_scaffold.answers import Document
from gitops_scaffold.commands.pipeline import ALL_SETS, known, names_of, run
from gitops_scaffold.errors import UserInputError
from gitops_scaffold.model import Answers
from gitops_scaffold.result import Result


def upgrade(
    repo: Path,
    argocd_chart: str | None = None,
    addon_charts: dict[str, str] | None = None,
    dry_run: bool = False,
) -> Result:
    """Re-render with the installed templates (and new pins), merging against the last render."""
    bumps = dict(addon_charts or {})
    for option, version in [
        ("--argocd-chart", argocd_chart),
        *((f"--addon-chart {n}", v) for n, v in bumps.items()),
    ]:
        if version is not None and not re.fullmatch(
            r"v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.\-]+)?", version
        ):
            raise UserInputError(f"{option}: {version!r} is not a chart version such as '1.2.3'")

    def change(doc: Document, current: Answers) -> str:
        if argocd_chart is not None:
            doc = _reparse(doc, _set_argocd_chart(doc, argocd_chart))
        for name, version in sorted(bumps.items()):
            doc = _reparse(doc, _set_addon_chart(doc, current, name, version))
        return doc.text

    result = run("upgrade", repo, change, None, lambda _: ALL_SETS, dry_run, migrate=True)
    result.next_steps = [
        "review with `git diff` (and resolve any conflict markers)",
        "git add -A && git commit -m 'Upgrade gitops-scaffold output' && git push",
    ]
    return result


def _reparse(doc: Document, text: str) -> Document:
    return answers_file.parse(doc.path, text)


def _set_argocd_chart(doc: Document, version: str) -> str:
    if "argocd" not in doc.data:
        return answers_file.add_section(doc, "argocd", {"chart_version": version})
    return answers_file.set_value(doc, ("argocd", "chart_version"), version)


def _set_addon_chart(doc: Document, current: Answers, name: str, version: str) -> str:
    names = names_of(current.platform)
    if name == "argocd-image-updater" and name not in names and current.image_updater is not None:
        # Installed because image_updater: is set, not listed: list it, with its pin.
        if "platform" not in doc.data:
            items = [{"name": n} for n in names] + [{"name": name, "version": version}]
            return answers_file.add_section(doc, "platform", items)
        return answers_file.insert_item(doc, "platform", len(names), {"name": name, "version": version})
    if name not in names:
        raise UserInputError(f"--addon-chart: no add-on {name!r} ({known('add-ons', names)})")
    if "platform" not in doc.data:
        # The defaults were never written down: write them, with the one pin changed.
        items = [{"name": n, **({"version": version} if n == name else {})} for n in names]
        return answers_file.add_section(doc, "platform", items)
    return answers_file.set_value(doc, ("platform", names.index(name), "version"), version)
