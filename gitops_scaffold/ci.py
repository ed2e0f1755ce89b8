"""What every generated GitHub workflow shares: pinned actions and how gitops-scaffold is installed.

Each action is pinned by the full commit SHA of a release tag, with the tag in a comment (a tag
can be moved to other code; a commit cannot), so Dependabot and Renovate can still bump it.
Templates read ``scaffold.ci`` (see ``resolve``) through the macros in ``templates/repo/ci.jinja``
and never spell an action reference themselves.

Where each SHA was read: the tag in the action's own Git repository (``git rev-parse
<tag>^{commit}`` in a clone of github.com/actions/checkout and github.com/actions/setup-python).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from gitops_scaffold.model import Ci


class Action(NamedTuple):
    repository: str
    sha: str
    tag: str

    @property
    def uses(self) -> str:
        """The `uses:` value with its version comment, as Dependabot and Renovate write it."""
        return f"{self.repository}@{self.sha} # {self.tag}"


ACTIONS: dict[str, Action] = {
    "checkout": Action("actions/checkout", "3d3c42e5aac5ba805825da76410c181273ba90b1", "v7.0.1"),
    "setup_python": Action("actions/setup-python", "5fda3b95a4ea91299a34e894583c3862153e4b97", "v7.0.0"),
    "github_script": Action("actions/github-script", "ed597411d8f924073f98dfc5c65a23a2325f34cd", "v8.0.0"),
}
PYTHON_VERSION = "3.12"
PACKAGE = "gitops-scaffold[validate]"


def requirement(ci: Ci, tool_version: str) -> str:
    """The pip requirement CI and the pre-commit hooks install: the answer, or the exact release
    that wrote the repo. It names only the package index (or the answer's own git URL), so the
    generated repository depends on no URL of this project's."""
    if ci.install is None:
        return f"{PACKAGE}=={tool_version}"
    if ci.install.startswith("git+"):
        return f"{PACKAGE} @ {ci.install}"
    return ci.install


def resolve(ci: Ci, tool_version: str) -> dict[str, object]:
    """``scaffold.ci`` in the template data."""
    index = f"--index-url {ci.index_url} " if ci.index_url else ""
    return {
        "install": ci.install,
        "index_url": ci.index_url,
        "requirement": requirement(ci, tool_version),
        # The model refuses quotes, spaces and shell characters in both parts.
        "install_command": f'python -m pip install {index}"{requirement(ci, tool_version)}"',
        "python_version": PYTHON_VERSION,
        "actions": {name: action.uses for name, action in ACTIONS.items()},
    }
