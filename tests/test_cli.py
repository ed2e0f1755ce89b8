"""The command line: exit codes, messages without tracebacks, JSON for scripts, quick help."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import yaml
from typer.testing import CliRunner

from gitops_scaffold import __version__
from gitops_scaffold.cli import app
from tests.factory import EXAMPLE, init_repo, minimal, snapshot

runner = CliRunner()


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert (result.exit_code, result.output.strip()) == (0, f"gitops-scaffold {__version__}")


def test_help_does_not_import_jinja_copier_or_helm() -> None:
    code = (
        "import sys\n"
        "from gitops_scaffold.cli import app\n"
        "try:\n    app(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('jinja2', 'copier', 'helm_python', 'pydantic') if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "HEAVY []" in out


def test_every_command_has_an_example_in_its_help() -> None:
    for command in (
        "init",
        "add-service",
        "add-env",
        "add-team",
        "add-cluster",
        "remove-service",
        "remove-env",
        "render",
        "schema",
    ):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example: scaffold " + command.split()[0] in result.output


def test_init_on_the_example_then_json_output(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "repo"), "--answers", str(EXAMPLE), "-o", "json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["command"] == "init" and payload["exit_code"] == 0
    paths = {c["path"] for c in payload["changes"]}
    assert "apps/services/orders/values-prod.yaml" in paths
    assert all(c["action"] == "create" for c in payload["changes"])
    assert any("bootstrap/root-app.yaml" in step for step in payload["next_steps"])


def test_bad_answers_exit_2_with_file_line_key_and_write_nothing(tmp_path: Path) -> None:
    data = minimal()
    data["services"][0]["tag"] = "latest"
    answers = tmp_path / "answers.yaml"
    answers.write_text(yaml.safe_dump(data, sort_keys=False))
    result = runner.invoke(app, ["init", str(tmp_path / "repo"), "--answers", str(answers)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert f"{answers}:" in result.stderr and "services[0].tag: 'latest' is not a pinned tag" in result.stderr
    assert not (tmp_path / "repo").exists()


def test_init_without_answers_and_without_a_terminal_names_the_option(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "repo")])
    assert result.exit_code == 2
    assert "pass --answers FILE" in result.stderr
    assert not (tmp_path / "repo").exists()


def test_grow_commands_through_the_cli(tmp_path: Path) -> None:
    repo = init_repo(tmp_path)
    add = runner.invoke(app, ["add-service", "cart", "--team", "web", "-C", str(repo), "--autoscale", "2:4"])
    assert add.exit_code == 0, add.output
    assert "created:" in add.output and "apps/services/cart/values-dev.yaml" in add.output
    assert "Next:" in add.output
    before = snapshot(repo)
    again = runner.invoke(app, ["add-service", "cart", "--team", "web", "-C", str(repo)])
    assert again.exit_code == 2
    assert again.stderr.strip() == (
        "scaffold: service 'cart' already exists in scaffold.yaml; nothing to do "
        "(remove it with `scaffold remove-service cart`)"
    )
    assert snapshot(repo) == before
    dry = runner.invoke(app, ["add-env", "qa", "--cluster", "main", "-C", str(repo), "--dry-run"])
    assert dry.exit_code == 0
    assert "+++ b/apps/services/cart/values-qa.yaml" in dry.output
    assert snapshot(repo) == before


def test_not_a_scaffolded_repo(tmp_path: Path) -> None:
    result = runner.invoke(app, ["render", "-C", str(tmp_path)])
    assert result.exit_code == 2
    assert "no scaffold.yaml here" in result.stderr


def test_schema_is_json_schema(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema"])
    schema = json.loads(result.output)
    assert schema["title"].startswith("gitops-scaffold answers")
    assert {"repo", "clusters", "environments", "teams", "services"} <= set(schema["properties"])
