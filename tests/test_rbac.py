"""The generated RBAC, evaluated with Argo CD's own casbin model (tests/resources/upstream/argo-cd-v3.5.1).

Argo CD enforces ``model.conf`` over its built-in policy plus ``policy.csv`` from argocd-rbac-cm:
each of a user's subjects (with ``scopes: [groups]``, every group of the token) is tried, then
``policy.default``; ``globOrRegexMatch`` is a glob match in ``policy.matchMode: glob`` (gobwas/glob
without separators: ``*`` also spans ``/``).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import casbin
import pytest
import yaml

from tests.test_platform import VARIANTS, _render

UPSTREAM = Path(__file__).parent / "resources" / "upstream" / "argo-cd-v3.5.1"


class ArgoRbac:
    def __init__(self, rbac: dict[str, str]) -> None:
        assert rbac["policy.matchMode"] == "glob"
        model = casbin.Enforcer.new_model(text=(UPSTREAM / "model.conf").read_text(encoding="utf-8"))
        self.enforcer = casbin.Enforcer(model)
        self.enforcer.add_function("globOrRegexMatch", fnmatch.fnmatchcase)  # (value, pattern)
        builtin = (UPSTREAM / "builtin-policy.csv").read_text(encoding="utf-8")
        for line in [*builtin.splitlines(), *rbac["policy.csv"].splitlines()]:
            fields = [f.strip() for f in line.split(",")]
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            if fields[0] == "p":
                self.enforcer.add_policy(*fields[1:])
            elif fields[0] == "g":
                self.enforcer.add_grouping_policy(*fields[1:])
        self.default = rbac.get("policy.default", "")

    def can(self, groups: list[str], resource: str, action: str, obj: str) -> bool:
        subjects = [*groups, *([self.default] if self.default else [])]
        return any(self.enforcer.enforce(s, resource, action, obj) for s in subjects)


def _case(name: str) -> tuple[dict[str, Any], ArgoRbac]:
    view, tree = _render(VARIANTS[name])
    values = yaml.safe_load(tree["argocd/values.yaml"])["argo-cd"]
    return view, ArgoRbac(values["configs"]["rbac"])


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_teams_sync_their_own_applications_and_only_those(name: str) -> None:
    view, rbac = _case(name)
    teams, envs = view["teams"], view["environments"]
    for team in teams:
        groups = team["groups"]
        for env in envs:
            for other in teams:
                app = f"{other['name']}-{env['name']}/app-{env['name']}"
                own = other["name"] == team["name"]
                assert rbac.can(groups, "applications", "get", app)  # everyone reads (readonly)
                assert rbac.can(groups, "applications", "sync", app) is (own or team["admin"]), (team, app)
                assert rbac.can(groups, "logs", "get", app)
            project = f"{team['name']}-{env['name']}"
            assert rbac.can(groups, "applications", "delete", f"{project}/x") is team["admin"]
        assert rbac.can(groups, "clusters", "update", "https://kubernetes.default.svc") is team["admin"]
        assert rbac.can(groups, "projects", "update", "anything") is team["admin"]


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_someone_in_no_team_group_only_reads(name: str) -> None:
    view, rbac = _case(name)
    project = f"{view['teams'][0]['name']}-{view['environments'][0]['name']}/x"
    assert rbac.can(["contractors"], "applications", "get", project)
    for action in ("sync", "delete", "create", "action/apps/Deployment/restart"):
        assert not rbac.can(["contractors"], "applications", action, project)
    assert not rbac.can(["contractors"], "exec", "create", project)


def test_the_model_is_not_vacuous() -> None:
    """The glob spans '/', as in Argo CD: team-dev/* covers every app of the project and no other."""
    policy = "p, g1, applications, sync, t-dev/*, allow"
    rbac = ArgoRbac({"policy.matchMode": "glob", "policy.default": "", "policy.csv": policy})
    assert rbac.can(["g1"], "applications", "sync", "t-dev/a")
    assert not rbac.can(["g1"], "applications", "sync", "t-prod/a")
    assert not rbac.can(["g2"], "applications", "sync", "t-dev/a")
