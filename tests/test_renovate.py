"""The generated renovate.json, and what `scaffold status`/`upgrade` make of the pull request it opens.

Renovate itself is not run (it is a Node service that talks to registries); each of its
patterns is applied as Renovate applies it: `fileMatch` entries are regexes over repository
paths, `matchStrings` are JavaScript regexes with `(?<name>...)` groups.
A Renovate bump is simulated by editing each pin exactly where its manager edits it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from tests.factory import EXAMPLE, init_repo

runner = CliRunner()


@pytest.fixture(scope="module")
def platform_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_repo(tmp_path_factory.mktemp("renovate"), EXAMPLE.read_text())


def _config(repo: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((repo / "renovate.json").read_text())


def _files(patterns: list[str], repo: Path) -> set[str]:
    paths = [p.relative_to(repo).as_posix() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts]
    regexes = [re.compile(p) for p in patterns]
    return {path for path in paths if any(r.search(path) for r in regexes)}


def _py(js_regex: str) -> re.Pattern[str]:
    return re.compile(js_regex.replace("(?<", "(?P<"))


def test_only_chart_managers_run_and_service_tags_are_left_alone(platform_repo: Path) -> None:
    config = _config(platform_repo)
    assert set(config["enabledManagers"]) == {"argocd", "helmv3", "custom.regex"}
    argocd_files = _files(config["argocd"]["fileMatch"], platform_repo)
    assert argocd_files == {
        f"apps/platform/{d.name}/application.yaml" for d in (platform_repo / "apps/platform").iterdir()
    }
    assert _files(config["helmv3"]["fileMatch"], platform_repo) == {"argocd/Chart.yaml"}
    disabled = [rule for rule in config["packageRules"] if rule.get("enabled") is False]
    assert {"matchFileNames": ["apps/services/**"]}.items() <= disabled[-1].items()
    grouped = next(rule for rule in config["packageRules"] if "groupName" in rule)
    assert set(grouped["matchManagers"]) == set(config["enabledManagers"])


def test_the_regex_managers_find_every_pin_in_scaffold_yaml_and_terraform(tmp_path: Path) -> None:
    answers = EXAMPLE.read_text().replace(
        "  - {name: cert-manager}", '  - {name: cert-manager, version: "v1.21.2"}'
    )
    repo = init_repo(tmp_path, answers)
    found: dict[str, str] = {}
    for manager in _config(repo)["customManagers"]:
        for path in _files(manager["fileMatch"], repo):
            for pattern in manager["matchStrings"]:
                for match in _py(pattern).finditer((repo / path).read_text()):
                    found[f"{path}:{manager['depNameTemplate']}"] = match["currentValue"]
    assert found == {
        "scaffold.yaml:argo-cd": "10.9.1",
        "terraform/main.tf:argo-cd": "10.9.1",
        "scaffold.yaml:cert-manager": "v1.21.2",
        # Renovate's argocd manager reads an oci:// source as Git; a regex manager reads it instead.
        "apps/platform/karpenter/application.yaml:public.ecr.aws/karpenter/karpenter": "1.14.1",
    }


def _bump(repo: Path, path: str, old: str, new: str) -> None:
    file = repo / path
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new))


def test_a_renovate_pull_request_is_a_pin_change_and_upgrade_records_it(tmp_path: Path) -> None:
    repo = init_repo(tmp_path, EXAMPLE.read_text())
    # What Renovate's managers edit: the Chart.yaml dependency, targetRevision, the Terraform local.
    _bump(repo, "argocd/Chart.yaml", 'version: "10.9.1"', 'version: "10.10.0"')
    _bump(repo, "terraform/main.tf", 'argocd_chart_version = "10.9.1"', 'argocd_chart_version = "10.10.0"')
    _bump(repo, "apps/platform/cert-manager/application.yaml", '"v1.21.2"', '"v1.22.0"')

    status = runner.invoke(app, ["status", "-C", str(repo), "-o", "json"])
    report = json.loads(status.stdout)
    assert status.exit_code == 1
    assert report["modified"] == []
    assert [(c["path"], c["chart"], c["from"], c["to"]) for c in report["pin_changes"]] == [
        ("apps/platform/cert-manager/application.yaml", "cert-manager", "v1.21.2", "v1.22.0"),
        ("argocd/Chart.yaml", "argo-cd", "10.9.1", "10.10.0"),
        ("terraform/main.tf", "argo-cd", "10.9.1", "10.10.0"),
    ]
    text = runner.invoke(app, ["status", "-C", str(repo)]).stdout
    suggested = re.search(r"record them in scaffold.yaml: scaffold (upgrade .+)$", text, re.M)
    assert suggested, text

    upgrade = runner.invoke(app, [*suggested.group(1).split(), "-C", str(repo)])
    assert upgrade.exit_code == 0, upgrade.output
    answers = yaml.safe_load((repo / "scaffold.yaml").read_text())
    assert answers["argocd"]["chart_version"] == "10.10.0"
    assert {"name": "cert-manager", "version": "v1.22.0"} in answers["platform"]
    # The header comment naming the version follows; nothing is left as an edit or a conflict.
    assert "cert-manager v1.22.0 from" in (repo / "apps/platform/cert-manager/application.yaml").read_text()
    after = json.loads(runner.invoke(app, ["status", "-C", str(repo), "-o", "json"]).stdout)
    assert (after["modified"], after["pin_changes"], after["conflicted"], after["behind"]) == ([], [], [], [])


def test_a_pin_bumped_in_scaffold_yaml_too_is_not_an_edit(tmp_path: Path) -> None:
    repo = init_repo(tmp_path, EXAMPLE.read_text())  # it pins argocd.chart_version
    for path in ("scaffold.yaml", "argocd/Chart.yaml"):
        _bump(repo, path, '"10.9.1"', '"10.10.0"')
    report = json.loads(runner.invoke(app, ["status", "-C", str(repo), "-o", "json"]).stdout)
    assert report["modified"] == [] and report["pin_changes"] == []
    assert report["answers_changed"] is True
    assert runner.invoke(app, ["render", "-C", str(repo)]).exit_code == 0
    assert "10.10.0" in (repo / "terraform/main.tf").read_text()
    after = json.loads(runner.invoke(app, ["status", "-C", str(repo), "-o", "json"]).stdout)
    assert after["exit_code"] == 0, after


def test_an_edit_beside_a_pin_is_still_an_edit(tmp_path: Path) -> None:
    repo = init_repo(tmp_path, EXAMPLE.read_text())
    _bump(repo, "argocd/Chart.yaml", 'version: "10.9.1"', 'version: "10.10.0"')
    _bump(repo, "argocd/Chart.yaml", "version: 1.0.0", "version: 1.0.1")
    report = json.loads(runner.invoke(app, ["status", "-C", str(repo), "-o", "json"]).stdout)
    assert report["modified"] == ["argocd/Chart.yaml"]
    assert report["pin_changes"] == []
