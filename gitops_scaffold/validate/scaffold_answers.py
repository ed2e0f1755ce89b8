"""scaffold.yaml as the check half sees it: read in this one place, tolerantly.

validate and preview check any Argo CD repository; when gitops-scaffold wrote it, its answers
file says more: the repository's URL, which environments are production, deliberate choices
such as ``argocd.system_nodes: false``. A missing, unreadable or malformed file means no
answers, never an error: the check half does not depend on the write half's validation.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gitops_scaffold.constants import ANSWERS_FILE


@dataclass(frozen=True)
class ScaffoldAnswers:
    data: dict[str, Any]

    @property
    def repo_url(self) -> str | None:
        repo = self.data.get("repo")
        url = repo.get("url") if isinstance(repo, dict) else None
        return url if isinstance(url, str) else None

    @property
    def argocd(self) -> dict[str, Any]:
        section = self.data.get("argocd", {})
        return section if isinstance(section, dict) else {}

    def production_environments(self) -> set[str]:
        """The environments marked ``production: true``, and the last one unless it says
        otherwise: the answers file's rule (DESIGN §1), read without the write half's model."""
        listed = self.data.get("environments")
        envs = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
        names: set[str] = set()
        for index, env in enumerate(envs):
            explicit = env.get("production")
            if explicit is True or (explicit is None and index == len(envs) - 1):
                names.add(str(env.get("name")))
        return names


def read_answers(root: Path) -> ScaffoldAnswers | None:
    """The answers of the repository at ``root``, or None when it has no usable scaffold.yaml."""
    path = root / ANSWERS_FILE
    try:
        stat = path.stat()
    except OSError:
        return None
    if not path.is_file():
        return None
    return _parse(path, stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=16)
def _parse(path: Path, mtime_ns: int, size: int) -> ScaffoldAnswers | None:
    """One parse per version of the file (the key holds its mtime and size): one per run."""
    import yaml

    from gitops_scaffold.yaml_guard import read_text, safe_load

    try:
        data = safe_load(read_text(path))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if data is None:
        data = {}
    return ScaffoldAnswers(data) if isinstance(data, dict) else None
