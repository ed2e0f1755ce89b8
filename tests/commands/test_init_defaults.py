"""`scaffold init DEST --defaults --data KEY=VALUE`: a non-interactive start, Copier style."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from tests.factory import EXAMPLE

runner = CliRunner()
URL = "repo.url=https://github.com/acme/gitops-config"


def _init(tmp_path: Path, *data: str) -> tuple[int, str, Path]:
    dest = tmp_path / "repo"
    args = ["init", str(dest), "--defaults"] + [arg for pair in data for arg in ("--data", pair)]
    result = runner.invoke(app, args)
    return result.exit_code, result.output, dest


def test_defaults_with_questions_and_dotted_keys(tmp_path: Path) -> None:
    code, output, dest = _init(
        tmp_path,
        URL,
        "environments=dev,qa,prod",
        "team=web",
        "argocd.ha=false",
        "environments.1.image_updates=true",
        "image_updater.registry=ghcr.io",
        "notifications.slack.deployments=deploys",
        "notifications.slack.alerts=alerts",
    )
    assert code == 0, output
    answers = yaml.safe_load((dest / "scaffold.yaml").read_text())
    assert answers["repo"]["url"] == "https://github.com/acme/gitops-config"
    assert [e["name"] for e in answers["environments"]] == ["dev", "qa", "prod"]
    assert answers["environments"][1]["image_updates"] is True  # YAML values, as Copier reads them
    assert answers["argocd"]["ha"] is False
    assert answers["teams"][0]["name"] == "web"
    assert answers["notifications"] == {"slack": {"deployments": "deploys", "alerts": "alerts"}}
    assert (dest / "scaffold.yaml").read_text().startswith("# yaml-language-server: $schema=")
    assert (dest / "projects" / "web-qa.yaml").is_file()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ([URL, "argocd.ha=maybe"], "scaffold: --defaults --data:"),
        ([URL, "argocd.ha=maybe"], "argocd.ha: input should be a valid boolean"),
        ([], "--defaults needs --data repo.url=URL"),
        ([URL, "environments=Dev"], "'Dev' is not a valid name"),
        ([URL, "teams.3.name=x"], "--data teams.3.name: teams.3 is not an item of a list of 1"),
        ([URL, "nonsense"], "--data: expected KEY=VALUE, got 'nonsense'"),
        ([URL, "colour=blue"], "colour"),
    ],
)
def test_bad_data_writes_nothing(tmp_path: Path, data: list[str], expected: str) -> None:
    code, output, dest = _init(tmp_path, *data)
    assert code == 2
    assert expected in output
    assert "Traceback" not in output
    assert not dest.exists()


def test_data_needs_defaults_and_excludes_answers(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "a"), "--data", URL])
    assert result.exit_code == 2 and "add --defaults" in result.output
    result = runner.invoke(app, ["init", str(tmp_path / "b"), "--answers", str(EXAMPLE), "--defaults"])
    assert result.exit_code == 2 and "leave out --defaults" in result.output


def test_next_steps_match_the_readme(tmp_path: Path) -> None:
    code, output, dest = _init(tmp_path, URL)
    assert code == 0
    step = "terraform init && terraform apply -target=helm_release.argocd`, then `terraform apply`"
    assert step in output
    readme = (dest / "README.md").read_text()
    assert "terraform apply -target=helm_release.argocd" in readme
    assert readme.index("terraform apply -target=helm_release.argocd") < readme.rindex("terraform apply\n")
