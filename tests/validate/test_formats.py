"""`validate --output github` (workflow annotations) and `--output junit` (JUnit XML).

`--format`/`-f`, the first release's name of the option, still selects them.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gitops_scaffold.cli import app
from gitops_scaffold.validate import Options, Severity, reporters, validate
from gitops_scaffold.validate.catalog import RULES
from gitops_scaffold.validate.findings import Finding, Report
from tests.factory import ROOT

BLOG_ERA = ROOT / "tests" / "resources" / "blog-era"
ANNOTATION = re.compile(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")
runner = CliRunner()


@pytest.fixture(scope="module")
def blog_report() -> Report:
    return validate(BLOG_ERA, Options(helm=False))


def _props(text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in text.split(","))


def test_github_annotations_name_the_file_line_and_rule(
    blog_report: Report, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    result = runner.invoke(app, ["validate", "tests/resources/blog-era", "--no-helm", "--format", "github"])
    assert result.exit_code == 1
    annotations = [
        m for m in map(ANNOTATION.match, result.stdout.splitlines()) if m and "file=" in m["props"]
    ]
    assert len(annotations) == len(blog_report.findings)
    for match, finding in zip(annotations, blog_report.findings, strict=True):
        props = _props(match["props"])
        # Relative to the workspace (the current folder), so GitHub puts it on the file.
        assert props["file"] == f"tests/resources/blog-era/{finding.file}"
        assert (BLOG_ERA / finding.file).exists()
        assert props.get("line", "0") == str(finding.line) or finding.line == 0
        assert props["title"] == finding.rule
        assert (
            match.group(1)
            == {"error": "error", "warning": "warning", "info": "notice"}[finding.severity.name]
        )
        assert "\n" not in match["message"] and "%0AFix: " in match["message"]
    assert result.stdout.splitlines()[-1].startswith("FAILED: ")


def test_github_escapes_what_would_end_a_command() -> None:
    report = Report(repo=".", findings=[Finding("a,b:c.yaml", 3, "GS001", "100% wrong\nsecond line")])
    (line,) = reporters.github(report).splitlines()
    assert line.startswith("::error file=a%2Cb%3Ac.yaml,line=3,title=GS001::")
    assert "100%25 wrong%0Asecond line" in line


def test_junit_has_a_suite_per_rule_and_a_case_per_flagged_file(blog_report: Report) -> None:
    root = ET.fromstring(reporters.junit(blog_report, fail_on=Severity.warning))
    assert root.tag == "testsuites"
    suites = {s.get("name", "").split()[0]: s for s in root.iter("testsuite")}
    assert set(suites) == set(RULES)
    failing = {(f.rule, f.file) for f in blog_report.at_or_above(Severity.warning)}
    failed = {
        (case.get("classname"), case.get("name"))
        for case in root.iter("testcase")
        if case.find("failure") is not None
    }
    assert failed == failing
    assert root.get("failures") == str(len(failing))
    assert root.get("tests") == str(sum(1 for _ in root.iter("testcase")))
    for suite in suites.values():
        assert suite.get("tests") == str(len(suite.findall("testcase")))


def test_junit_through_the_cli_parses(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(BLOG_ERA), "--no-helm", "-f", "junit", "--fail-on", "never"])
    assert result.exit_code == 0
    root = ET.fromstring(result.stdout)
    assert root.get("failures") == "0" and int(root.get("tests", "0")) >= len(RULES)
    assert os.linesep not in root.get("name", "")
