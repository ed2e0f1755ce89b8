"""Reports (text, JSON, SARIF) and exit codes hold their contract."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gitops_scaffold.cli import app
from gitops_scaffold.validate import RULES, Options, Report, Severity, reporters, validate
from tests.factory import SCHEMAS
from tests.validate.helpers import (
    BLOG_ERA,
    EXAMPLE_APPS,
    line_of,
    runner,
)

# --- reports and exit codes -------------------------------------------------------------------


@pytest.fixture(scope="module")
def blog_report() -> Report:
    return validate(BLOG_ERA, Options(schemas=SCHEMAS))


def test_json_report(blog_report: Report) -> None:
    payload = json.loads(reporters.as_json(blog_report, fail_on=Severity.error))
    assert payload["schema_version"] == 1 and payload["exit_code"] == 1
    assert payload["summary"]["error"] == sum(1 for f in blog_report.findings if f.severity is Severity.error)
    first = payload["findings"][0]
    assert set(first) == {"rule", "name", "severity", "file", "line", "message", "context", "title", "fix"}
    assert first["fix"] == RULES[first["rule"]].fix


def test_sarif_report(blog_report: Report) -> None:
    payload = json.loads(reporters.sarif(blog_report))
    assert payload["version"] == "2.1.0"
    run = payload["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted(RULES)
    assert all(r["fullDescription"]["text"] and r["help"]["text"] for r in rules)
    results = run["results"]
    assert len(results) == len(blog_report.findings)
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        location = result["locations"][0]["physicalLocation"]
        assert not location["artifactLocation"]["uri"].startswith("/")
        assert location["region"]["startLine"] >= 1
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].startswith("file://")


def test_sarif_validates_against_its_schema_subset(blog_report: Report) -> None:
    """The properties code-scanning uploads require (github.com/github/codeql-action validates the
    rest): ruleId, message.text, a relative artifact URI, startLine >= 1."""
    import jsonschema

    schema = {
        "type": "object",
        "required": ["version", "runs"],
        "properties": {
            "version": {"const": "2.1.0"},
            "runs": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["tool", "results"],
                    "properties": {
                        "results": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "required": ["ruleId", "message", "locations"],
                                "properties": {
                                    "message": {"type": "object", "required": ["text"]},
                                    "level": {"enum": ["none", "note", "warning", "error"]},
                                },
                            },
                        }
                    },
                },
            },
        },
    }
    jsonschema.validate(json.loads(reporters.sarif(blog_report)), schema)


def test_text_report_names_file_line_rule_and_fix(blog_report: Report) -> None:
    out = reporters.text(blog_report, fail_on=Severity.warning)
    line = line_of(BLOG_ERA, "apps/services.yaml", "prune: '{{")
    assert f"apps/services.yaml:{line}: error GS012 templated-boolean:" in out
    assert "FAILED:" in out and RULES["GS012"].fix in out


def test_cli_exit_codes_and_formats() -> None:
    result = runner.invoke(app, ["validate", str(BLOG_ERA), "--format", "json"])
    assert result.exit_code == 1
    assert json.loads(result.stdout)["exit_code"] == 1
    result = runner.invoke(app, ["validate", str(BLOG_ERA), "--fail-on", "never", "-f", "sarif"])
    assert result.exit_code == 0 and json.loads(result.stdout)["version"] == "2.1.0"
    errors_only = runner.invoke(
        app,
        [
            "validate",
            str(BLOG_ERA),
            "--fail-on",
            "error",
            "--ignore",
            "GS003",
            "--ignore",
            "GS009",
            "--ignore",
            "GS011",
            "--ignore",
            "GS012",
            "--ignore",
            "GS013",
            "--ignore",
            "GS015",
            "--ignore",
            "GS017",
        ],
    )
    assert errors_only.exit_code == 0, errors_only.output
    assert "warning GS001" in errors_only.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--ignore", "GS999"], "unknown rule id"),
        (["--schemas", "/nonexistent"], "does not exist"),
        (["--fail-on", "sometimes"], "sometimes"),
    ],
)
def test_cli_bad_usage_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE_APPS), *args])
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_cli_schemas_dir_without_the_files_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(EXAMPLE_APPS), "--schemas", str(tmp_path)])
    assert result.exit_code == 2
    assert "application.json" in result.stderr


def test_help_has_an_example() -> None:
    for command in ("validate", "preview"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and f"Example: scaffold {command} ." in result.output
