"""Chart pins moved in generated files (by Renovate, or by hand): a pin change, not an edit.

Renovate's argocd, helmv3 and regex managers (the generated ``renovate.json``) bump the argo-cd
pin in ``argocd/Chart.yaml`` and ``terraform/main.tf`` and an add-on's ``targetRevision`` in
``apps/platform/<addon>/application.yaml``. ``scaffold status`` recognises such a file: every
changed line is the recorded line with the old version replaced by one new version, and the
scaffold, rendering with that version, writes the same lines (the merge of the file on disk
with that render is the render: only comments naming the version differ). It then names the
``scaffold upgrade`` option that records the new pin in ``scaffold.yaml``; the upgrade's
three-way merge finds both sides equal, so nothing conflicts.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gitops_scaffold.model import Answers

ARGOCD_CHART = "argo-cd"
_ARGOCD_PIN_FILES = ("argocd/Chart.yaml", "terraform/main.tf")
_VERSION = re.compile(r"v?[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.\-]+)?")


def owner(path: str) -> str | None:
    """Whose pin a generated file carries: ``argo-cd``, an add-on's name, or None."""
    if path in _ARGOCD_PIN_FILES:
        return ARGOCD_CHART
    parts = path.split("/")
    if len(parts) == 4 and parts[:2] == ["apps", "platform"] and parts[3] == "application.yaml":
        return parts[2]
    return None


def replaced_version(base: str, current: str, old: str) -> str | None:
    """The one version that took the place of ``old`` on every changed line, else None."""
    before_lines, after_lines = base.splitlines(), current.splitlines()
    found: set[str] = set()
    matcher = SequenceMatcher(None, before_lines, after_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "replace" or i2 - i1 != j2 - j1:
            return None
        for before, after in zip(before_lines[i1:i2], after_lines[j1:j2], strict=True):
            new = _substitute(before, after, old)
            if new is None:
                return None
            found.add(new)
    if len(found) != 1:
        return None
    new = found.pop()
    return new if _VERSION.fullmatch(new) and new != old else None


def _substitute(before: str, after: str, old: str) -> str | None:
    at = before.find(old)
    if at < 0:
        return None
    prefix, suffix = before[:at], before[at + len(old) :]
    if len(after) <= len(prefix) + len(suffix) or not (after.startswith(prefix) and after.endswith(suffix)):
        return None
    return after[len(prefix) : len(after) - len(suffix)]


def current_pin(answers: Answers, chart: str) -> str | None:
    """The version the answers pin ``chart`` to (None: no such add-on in ``platform``)."""
    from gitops_scaffold.catalog import ADDONS

    if chart == ARGOCD_CHART:
        return answers.argocd.chart_version
    addon = next((a for a in answers.platform if a.name == chart), None)
    if addon is None:
        return None
    if addon.version is not None:
        return addon.version
    return ADDONS[chart].version if chart in ADDONS else None


def with_pin(answers: Answers, chart: str, version: str) -> Answers:
    if chart == ARGOCD_CHART:
        return answers.model_copy(
            update={"argocd": answers.argocd.model_copy(update={"chart_version": version})}
        )
    platform = [a.model_copy(update={"version": version}) if a.name == chart else a for a in answers.platform]
    return answers.model_copy(update={"platform": platform})


def option(chart: str, version: str) -> str:
    """The `scaffold upgrade` option that records the pin."""
    return f"--argocd-chart {version}" if chart == ARGOCD_CHART else f"--addon-chart {chart}={version}"


def detect(answers: Answers, key: str, path: str, base: str, current: str) -> dict[str, str] | None:
    """A pin change of the file ``path`` (rendered by instance ``key``), or None for an edit."""
    from gitops_scaffold.context import resolve
    from gitops_scaffold.render import render

    chart = owner(path)
    old = current_pin(answers, chart) if chart else None
    if chart is None or old is None:
        return None
    new = replaced_version(base, current, old)
    if new is None:
        return None
    # Renovate moves the pin and leaves the header comment naming the version: the upgrade's
    # merge must give exactly the file rendered with the new pin.
    from gitops_scaffold.merge import merge3

    fresh = render(resolve(with_pin(answers, chart, new)), wanted=lambda k: k == key).get(key, {}).get(path)
    merged = merge3(base, current, fresh) if fresh is not None else None
    if merged is None or merged.conflicts or merged.text != fresh:
        return None
    return {"path": path, "chart": chart, "from": old, "to": new, "option": option(chart, new)}
