"""The first bootstrap converges: no root wave waits on something a later wave installs."""

from __future__ import annotations

import yaml

from gitops_scaffold import answers
from gitops_scaffold.context import resolve
from gitops_scaffold.render import flatten, render
from tests.factory import EXAMPLE


def _tree() -> dict[str, str]:
    _, loaded = answers.load(EXAMPLE)
    return flatten(render(resolve(loaded)))


def test_root_children_are_ordered_and_cluster_registration_is_not_awaited() -> None:
    tree = _tree()
    waves = {}
    for path, text in tree.items():
        if path.startswith("bootstrap/root/"):
            app = yaml.safe_load(text)
            waves[app["metadata"]["name"]] = int(
                app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"]
            )
    assert (
        waves["projects"] < waves["clusters"] < waves["argocd"] < waves["platform-apps"] < waves["services"]
    )
    clusters = yaml.safe_load(tree["bootstrap/root/clusters.yaml"])
    # Its ExternalSecrets need External Secrets, which the later platform-apps wave installs.
    assert clusters["metadata"]["annotations"]["gitops-scaffold.io/root-waits"] == "false"
    assert clusters["spec"]["syncPolicy"]["retry"]["limit"] < 0
    health = yaml.safe_load(tree["argocd/values.yaml"])["argo-cd"]["configs"]["cm"][
        "resource.customizations.health.argoproj.io_Application"
    ]
    assert 'obj.metadata.annotations["gitops-scaffold.io/root-waits"] == "false"' in health
    assert "obj.status.health.status" in health
