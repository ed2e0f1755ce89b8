"""What the ApplicationSet modules share: the JSON type, the expansion error, the engine check."""

from __future__ import annotations

from typing import Any

from gitops_scaffold.errors import ScaffoldError

Json = dict[str, Any]


INSTALL_ENGINE = "pip install 'gitops-scaffold[validate]' (helm-python-sdk)"


def engine_available() -> bool:
    """Whether Helm's Go template engine (helm-python-sdk) can be imported."""
    import importlib.util

    return importlib.util.find_spec("helm_python") is not None


class ExpansionError(ScaffoldError):
    """The ApplicationSet cannot be expanded: Argo CD would report an error too, or this
    offline engine cannot do what it asks."""
