"""Every form a command prints: a JSON envelope with schema_version, also for errors; -q; -C."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gitops_scaffold import cli_support
from gitops_scaffold.cli import app
from tests.factory import init_repo

runner = CliRunner()


def test_an_error_with_output_json_is_a_json_object_on_stdout_with_the_same_exit_code(tmp_path: Path) -> None:
    result = runner.invoke(app, ["add-service", "x", "--team", "web", "-C", str(tmp_path), "-o", "json"])
    assert result.exit_code == 2
    payload = json.loads(result.stdout)
    assert payload["schema_version"] == 1 and payload["command"] == "add-service"
    assert payload["exit_code"] == 2
    assert "no scaffold.yaml here" in payload["error"]["message"]
    assert result.stderr.startswith("scaffold: ")


@pytest.mark.parametrize(
    ("argv", "command", "message"),
    [
        (["add-env", "qa", "-o", "json"], "add-env", "Missing option '--cluster'."),
        (["validate", ".", "--bogus", "--output=json"], "validate", "No such option: --bogus"),
        (["validate", ".", "--format", "json", "--quite"], "validate", "No such option: --quite"),
        (["no-such-command", "-ojson"], "scaffold", "No such command 'no-such-command'."),
    ],
)
def test_a_bad_command_line_with_output_json_is_a_json_error_too(
    argv: list[str], command: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The parser fails before any command runs: the entry point still answers in JSON."""
    with pytest.raises(SystemExit) as exit_info:
        cli_support.main(app, argv)
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    payload = json.loads(out)
    assert (payload["command"], payload["exit_code"]) == (command, 2)
    assert payload["error"]["message"].startswith(message)
    assert "Usage:" in err and message in err


def test_the_entry_point_without_json_prints_a_usage_error_on_stderr_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_support.main(app, ["add-env", "qa"])
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2 and out == ""
    assert "Missing option '--cluster'" in err


def test_the_entry_point_with_json_keeps_exit_codes_and_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = init_repo(tmp_path)
    for where, code in ((repo, 0), (tmp_path, 2)):
        argv = ["status", "-C", str(where), "-o", "json"]
        with pytest.raises(SystemExit) as exit_info:
            cli_support.main(app, argv)
        payload = json.loads(capsys.readouterr().out)
        assert exit_info.value.code == code == payload["exit_code"], payload


def test_a_text_error_prints_nothing_on_stdout(tmp_path: Path) -> None:
    result = runner.invoke(app, ["status", "-C", str(tmp_path)])
    assert result.exit_code == 2 and result.stdout == ""


def test_status_json_has_the_envelope_and_quiet_status_is_silent_when_up_to_date(tmp_path: Path) -> None:
    repo = init_repo(tmp_path)
    payload = json.loads(runner.invoke(app, ["status", "-C", str(repo), "-o", "json"]).stdout)
    assert payload["schema_version"] == 1 and payload["command"] == "status"
    assert payload["exit_code"] == 0 and payload["behind"] == []
    quiet = runner.invoke(app, ["status", "-C", str(repo), "-q"])
    assert quiet.exit_code == 0 and quiet.stdout == ""


def test_validate_and_preview_errors_in_json_and_format_stays_an_alias_of_output(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    for args in (["validate", str(missing), "-o", "json"], ["validate", str(missing), "--format", "json"],
                 ["preview", str(missing), "-o", "json"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, args
        assert json.loads(result.stdout)["command"] == args[0]


def test_data_and_validate_take_the_repository_with_dash_c(tmp_path: Path) -> None:
    repo = init_repo(tmp_path)
    data = runner.invoke(app, ["data", "-C", str(repo)])
    assert data.exit_code == 0 and json.loads(data.stdout)["scaffold"]["repo"]["url"]
    report = runner.invoke(app, ["validate", "-C", str(repo), "--no-helm", "-o", "json"])
    assert json.loads(report.stdout)["repo"] == str(repo.resolve())


def test_a_bug_ends_in_one_line_naming_a_crash_log_in_the_user_cache_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from gitops_scaffold.commands import status as status_command

    def broken(repo: Path) -> None:
        raise RuntimeError("boom")

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(status_command, "status", broken)
    result = runner.invoke(app, ["status", "-o", "json"])
    assert result.exit_code == 3
    assert json.loads(result.stdout)["exit_code"] == 3
    (line,) = result.stderr.strip().splitlines()
    assert "this is a bug" in line
    (log,) = (tmp_path / "cache" / "gitops-scaffold").glob("crash-*.log")
    assert str(log) in line and "RuntimeError: boom" in log.read_text()
