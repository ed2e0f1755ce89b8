"""Bad input, through the real command line: one clear line per problem, exit 2, nothing written.

Every case is its own test. Answers-file cases mark the offending line with ``#!`` so the
test can check that the message names ``file:line: key``; the marker is a YAML comment and
changes nothing else. Each case checks: exit code 2, no traceback, every stderr line is a
``scaffold:`` message (or click's own usage error), and the destination or the repository is
byte-for-byte as before.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from gitops_scaffold.apply import work_dir
from gitops_scaffold.cli import app
from tests.factory import ROOT, init_repo, snapshot

runner = CliRunner()

# The answers every case breaks in one place: one cluster, two environments, one service.
BASE = """\
version: 1
repo:
  url: https://github.com/acme/gitops-config
clusters:
  - name: main
    server: https://kubernetes.default.svc
environments:
  - name: dev
    cluster: main
  - name: prod
    cluster: main
teams:
  - name: web
    groups: [web-team]
services:
  - name: shop
    team: web
    image: ghcr.io/acme/shop
    tag: v1.0.0
"""

MARK = "  #!"


def edit(old: str, new: str, text: str = BASE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def service(extra: str) -> str:
    """BASE with ``extra`` (already indented, marker included) added to the service."""
    return BASE + extra


@dataclass(frozen=True)
class Case:
    id: str
    text: str | bytes
    expected: str  # a regex the problem line must match
    key: str | None = None  # the key path the message names, when there is one
    problems: int = 1  # how many lines the whole answer has


def marked_line(text: str | bytes) -> int | None:
    lines = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    for number, line in enumerate(lines.splitlines(), start=1):
        if line.endswith(MARK) or line.endswith(MARK.strip()):
            return number
    return None


ANSWERS_CASES = [
    # --- not YAML, or not the right shape of YAML ---------------------------------------
    Case("empty-file", "", r"the file is empty; expected a mapping"),
    Case("only-comments", "# nothing here yet\n# really\n", r"the file is empty"),
    Case("whitespace-only", "\n   \n\n", r"the file is empty"),
    Case("top-level-list", "- version: 1\n- repo: x\n", r"expected a mapping of keys .* at the top level"),
    Case("top-level-scalar", "just some words\n", r"expected a mapping of keys"),
    Case("unclosed-flow", edit("    groups: [web-team]\n", "    groups: [web-team\n"), r"YAML syntax error"),
    Case(
        "tab-indent",
        edit("  url: https://github.com/acme/gitops-config\n", "\turl: https://x.example.com/a/b  #!\n"),
        r"YAML syntax error: found character that cannot start any token",
    ),
    Case(
        "bad-indent",
        edit("    tag: v1.0.0\n", "    tag: v1.0.0\n   port: 80  #!\n"),
        r"YAML syntax error",
    ),
    Case("unclosed-quote", edit("tag: v1.0.0", 'tag: "v1.0.0'), r"YAML syntax error"),
    Case("two-documents", BASE + "---  #!\n" + BASE, r"YAML syntax error: but found another document"),
    Case("nested-too-deep", "version: " + "[" * 2000 + "]" * 2000 + "\n", r"YAML syntax error"),
    Case("control-character", edit("web-team", "web\x07team  #!"), r"control character U\+0007"),
    Case("nul-byte", edit("tag: v1.0.0", "tag: v1\x00  #!"), r"control character U\+0000"),
    Case("non-string-key", BASE + "? [a, b]  #!\n: c\n", r"top level: keys must be strings, got a list"),
    Case("integer-key", BASE + "1: one  #!\n", r"top level: keys must be strings, got 1"),
    Case("merge-key", BASE + "base: &b {x: 1}\nother:\n  <<: *b  #!\n", r"YAML merge keys \(<<\) are not"),
    Case(
        "duplicate-key",
        edit("    tag: v1.0.0\n", "    tag: v1.0.0\n    tag: v2.0.0  #!\n"),
        r"duplicate key",
        "services[0].tag",
    ),
    Case(
        "alias-bomb",
        "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 9)),
        r"YAML aliases expand to more than 10000 values",
    ),
    Case("recursive-alias", BASE + "extra: &x  #!\n  - *x\n", r"refers to a node that contains it"),
    Case(
        "conflict-markers",
        edit("  - name: shop\n", "<<<<<<< HEAD  #!\n  - name: shop\n=======\n  - name: shop2\n>>>>>>> b\n"),
        r"unresolved merge conflict marker; resolve the conflict first",
    ),
    # --- wrong types -----------------------------------------------------------------------
    Case(
        "version-string",
        edit("version: 1\n", "version: '1'  #!\n"),
        r"input should be 1, got str '1'",
        "version",
    ),
    Case("version-bool", edit("version: 1\n", "version: true  #!\n"), r"got bool True", "version"),
    Case("version-newer", edit("version: 1\n", "version: 7  #!\n"), r"answers format 7 is newer", "version"),
    Case(
        "repo-scalar",
        edit(
            "repo:\n  url: https://github.com/acme/gitops-config\n",
            "repo: https://github.com/acme/gitops-config  #!\n",
        ),
        r"expected a mapping, got str",
        "repo",
    ),
    Case(
        "clusters-mapping",
        edit("clusters:\n", "clusters:  #!\n  main:\n    x: 1\n").replace(
            "  - name: main\n    server: https://kubernetes.default.svc\n", ""
        ),
        r"expected a list, got a mapping",
        "clusters",
    ),
    Case(
        "environments-empty",
        edit("environments:\n", "environments: []  #!\n").replace(
            "  - name: dev\n    cluster: main\n  - name: prod\n    cluster: main\n", ""
        ),
        r"expected at least 1 item, got none",
        "environments",
    ),
    Case(
        "teams-null",
        edit("teams:\n  - name: web\n    groups: [web-team]\n", "teams:  #!\n"),
        r"expected a list, got nothing \(null\)",
        "teams",
    ),
    Case(
        "port-string",
        service("    port: eighty  #!\n"),
        r"valid integer, got str 'eighty'",
        "services[0].port",
    ),
    Case("port-float", service("    port: 80.5  #!\n"), r"got float 80.5", "services[0].port"),
    Case("port-bool", service("    port: true  #!\n"), r"valid integer, got bool True", "services[0].port"),
    Case(
        "port-zero",
        service("    port: 0  #!\n"),
        r"greater than or equal to 1, got int 0",
        "services[0].port",
    ),
    Case(
        "port-too-big", service("    port: 70000  #!\n"), r"less than or equal to 65535", "services[0].port"
    ),
    Case(
        "replicas-negative",
        service("    replicas: -1  #!\n"),
        r"greater than or equal to 1",
        "services[0].replicas",
    ),
    Case("tag-float", edit("tag: v1.0.0", "tag: 1.0  #!"), r"valid string, got float 1.0", "services[0].tag"),
    Case(
        "tag-date", edit("tag: v1.0.0", "tag: 2024-01-01  #!"), r"valid string, got date", "services[0].tag"
    ),
    Case(
        "tag-latest",
        edit("tag: v1.0.0", "tag: latest  #!"),
        r"'latest' is not a pinned tag",
        "services[0].tag",
    ),
    Case(
        "auto-sync-string",
        edit(
            "    cluster: main\n  - name: prod", "    cluster: main\n    auto_sync: 'yes'  #!\n  - name: prod"
        ),
        r"valid boolean, got str 'yes'",
        "environments[0].auto_sync",
    ),
    Case(
        "groups-string",
        edit("groups: [web-team]", "groups: web-team  #!"),
        r"expected a list, got str",
        "teams[0].groups",
    ),
    Case(
        "groups-empty",
        edit("groups: [web-team]", "groups: []  #!"),
        r"expected at least 1 item",
        "teams[0].groups",
    ),
    Case(
        "migrations-string",
        service("    migrations: {command: ./migrate}  #!\n"),
        r"expected a list, got str './migrate'",
        "services[0].migrations.command",
    ),
    Case(
        "autoscaling-min-above-max",
        service("    autoscaling: {min: 5, max: 2}  #!\n"),
        r"min \(5\) is greater than max \(2\)",
        "services[0].autoscaling",
    ),
    Case(
        "sync-window-kind",
        edit(
            "  - name: prod\n    cluster: main\n",
            "  - name: prod\n    cluster: main\n"
            "    sync_windows:\n"
            "      - {kind: maybe, schedule: '0 8 * * *', duration: 1h}  #!\n",
        ),
        r"input should be 'allow' or 'deny', got str 'maybe'",
        "environments[1].sync_windows[0].kind",
    ),
    Case(
        "sync-window-cron",
        edit(
            "  - name: prod\n    cluster: main\n",
            "  - name: prod\n    cluster: main\n"
            "    sync_windows:\n      - kind: deny\n        schedule: every monday  #!\n"
            "        duration: 2h\n",
        ),
        r"not a five-field cron schedule",
        "environments[1].sync_windows[0].schedule",
    ),
    Case(
        "namespace-suffix-pattern",
        edit(
            "  - name: dev\n    cluster: main\n",
            "  - name: dev\n    cluster: main\n    namespace_suffix: dev  #!\n",
        ),
        r"'dev' is not a namespace suffix: empty, or '-' and a DNS label",
        "environments[0].namespace_suffix",
    ),
    Case(
        "revision-pattern",
        edit(
            "  url: https://github.com/acme/gitops-config\n",
            "  url: https://github.com/acme/gitops-config\n  revision: 'main branch'  #!\n",
        ),
        r"'main branch' is not a Git branch, tag or commit",
        "repo.revision",
    ),
    # --- unknown and misspelled keys ---------------------------------------------------------
    Case(
        "misspelled-top-level",
        edit("environments:", "enviroments:  #!"),
        r"unknown key 'enviroments'; did you mean 'environments'\?",
        "enviroments",
    ),
    Case(
        "misspelled-repo-url",
        edit("  url: https", "  ulr: https").replace("gitops-config\n", "gitops-config  #!\n"),
        r"unknown key 'ulr'; did you mean 'url'\?",
        "repo.ulr",
    ),
    Case(
        "misspelled-image",
        edit("    image: ghcr.io/acme/shop\n", "    imgae: ghcr.io/acme/shop  #!\n"),
        r"unknown key 'imgae'; did you mean 'image'\?",
        "services[0].imgae",
    ),
    Case(
        "misspelled-auto-sync",
        edit(
            "    cluster: main\n  - name: prod", "    cluster: main\n    autosync: true  #!\n  - name: prod"
        ),
        r"did you mean 'auto_sync'\?",
        "environments[0].autosync",
    ),
    Case(
        "misspelled-groups",
        edit("groups: [web-team]", "group: [web-team]  #!"),
        r"unknown key 'group'; did you mean 'groups'\?",
        "teams[0].group",
    ),
    Case(
        "misspelled-server",
        edit(
            "    server: https://kubernetes.default.svc\n", "    sever: https://kubernetes.default.svc  #!\n"
        ),
        r"did you mean 'server'\?",
        "clusters[0].sever",
    ),
    Case(
        "unknown-top-level",
        BASE + "colour: blue  #!\n",
        r"unknown key 'colour'; expected one of version, repo",
        "colour",
    ),
    # --- names -----------------------------------------------------------------------------
    Case(
        "name-uppercase",
        edit("  - name: shop", "  - name: Shop  #!"),
        r"'Shop' is not a DNS-1123 label",
        "services[0].name",
    ),
    Case(
        "name-underscore",
        edit("  - name: web", "  - name: web_team  #!").replace("team: web\n", "team: web_team\n"),
        r"'web_team' is not a DNS-1123 label",
        "teams[0].name",
        problems=2,
    ),
    Case(
        "name-leading-dash",
        edit("  - name: main", "  - name: -main  #!"),
        r"is not a DNS-1123 label",
        "clusters[0].name",
    ),
    Case(
        "name-empty",
        edit("  - name: shop", "  - name: ''  #!"),
        r"'' is not a DNS-1123 label",
        "services[0].name",
    ),
    Case(
        "name-64-chars",
        edit("  - name: shop", f"  - name: {'s' * 64}  #!"),
        r"is longer than 63 characters \(a DNS-1123 label\)",
        "services[0].name",
    ),
    Case(
        "name-namespace-too-long",
        edit("  - name: shop", f"  - name: {'s' * 60}  #!"),
        r"longer than",
        "services[0].name",
        problems=2,
    ),
    Case(
        "name-path-traversal",
        edit("  - name: shop", "  - name: ../../etc  #!"),
        r"'\.\./\.\./etc' is not a DNS-1123 label",
        "services[0].name",
    ),
    Case(
        "name-dot-dot",
        edit("  - name: dev", "  - name: '..'  #!"),
        r"'\.\.' is not a DNS-1123 label",
        "environments[0].name",
    ),
    Case(
        "name-slash",
        edit("  - name: shop", "  - name: shop/cart  #!"),
        r"is not a DNS-1123 label",
        "services[0].name",
    ),
    Case(
        "name-helm-template",
        edit("  - name: shop", "  - name: '{{ .Values.x }}'  #!"),
        r"'\{\{ \.Values\.x \}\}' is not a DNS-1123 label",
        "services[0].name",
    ),
    Case(
        "name-jinja-statement",
        edit("  - name: shop", "  - name: '{% include x %}'  #!"),
        r"is not a DNS-1123 label",
        "services[0].name",
    ),
    Case(
        "name-our-delimiters",
        edit("  - name: shop", "  - name: '[[ scaffold ]]'  #!"),
        r"is not a DNS-1123 label",
        "services[0].name",
    ),
    Case(
        "name-newline",
        edit("  - name: shop", '  - name: "shop\\nrm -rf"  #!'),
        r"'shop\\nrm -rf' is not a DNS-1123 label",
        "services[0].name",
    ),
    Case(
        "image-template",
        edit("image: ghcr.io/acme/shop", "image: 'ghcr.io/{{ x }}'  #!"),
        r"is not an image reference without tag",
        "services[0].image",
    ),
    Case(
        "tag-newline",
        edit("tag: v1.0.0", 'tag: "v1\\n  evil: true"  #!'),
        r"is not a container image tag",
        "services[0].tag",
    ),
    Case(
        "group-template",
        edit("groups: [web-team]", "groups: ['{% raw %}']  #!"),
        r"is not an SSO group name",
        "teams[0].groups[0]",
    ),
    Case(
        "repo-url-traversal",
        edit("url: https://github.com/acme/gitops-config", "url: file:///etc/passwd  #!"),
        r"is not a Git URL",
        "repo.url",
    ),
    Case(
        "health-path-template",
        service("    health_path: '/{{ .x }}'  #!\n"),
        r"is not an HTTP path",
        "services[0].health_path",
    ),
    Case(
        "database-secret-newline",
        service('    database_secret: "a\\nb"  #!\n'),
        r"is not a Secrets Manager secret name",
        "services[0].database_secret",
    ),
    # --- duplicates and dangling references ----------------------------------------------
    Case(
        "duplicate-service",
        BASE + "  - name: shop  #!\n    team: web\n    image: ghcr.io/acme/x\n    tag: v1\n",
        r"duplicate name 'shop'",
        "services[1].name",
    ),
    Case(
        "duplicate-environment",
        edit("  - name: prod", "  - name: dev  #!"),
        r"duplicate name 'dev'",
        "environments[1].name",
    ),
    Case(
        "duplicate-cluster",
        edit(
            "    server: https://kubernetes.default.svc\n",
            "    server: https://kubernetes.default.svc\n  - name: main  #!\n"
            "    server: https://x.example.com\n",
        ),
        r"duplicate name 'main'",
        "clusters[1].name",
    ),
    Case(
        "duplicate-team",
        edit("    groups: [web-team]\n", "    groups: [web-team]\n  - name: web  #!\n    groups: [x]\n"),
        r"duplicate name 'web'",
        "teams[1].name",
    ),
    Case(
        "dangling-team",
        edit("    team: web", "    team: webb  #!"),
        r"unknown team 'webb'; expected one of 'web'",
        "services[0].team",
    ),
    Case(
        "dangling-cluster",
        edit("  - name: dev\n    cluster: main", "  - name: dev\n    cluster: mian  #!"),
        r"unknown cluster 'mian'; expected one of 'main'",
        "environments[0].cluster",
    ),
    Case(
        "namespace-clash",
        edit(
            "  - name: dev\n    cluster: main\n",
            "  - name: dev\n    cluster: main\n    namespace_suffix: ''\n",
        ).replace("  - name: prod\n", "  - name: prod  #!\n"),
        r"share cluster 'main' and namespace suffix ''",
        "environments[1].namespace_suffix",
    ),
    Case(
        "production-auto-sync",
        edit(
            "  - name: prod\n    cluster: main\n",
            "  - name: prod\n    cluster: main\n    auto_sync: true  #!\n",
        ),
        r"production environment 'prod' must not auto-sync",
        "environments[1].auto_sync",
    ),
    Case(
        "image-updates-without-updater",
        edit(
            "  - name: dev\n    cluster: main\n",
            "  - name: dev\n    cluster: main\n    image_updates: true  #!\n",
        ),
        r"image updates need an 'image_updater' section",
        "environments[0].image_updates",
    ),
    Case(
        "unknown-addon",
        BASE + "platform:\n  - name: my-addon  #!\n",
        r"add-on 'my-addon' is not built in",
        "platform[0].repo_url",
    ),
    Case(
        "image-updater-addon-without-section",
        BASE + "platform:\n  - name: argocd-image-updater  #!\n",
        r"the argocd-image-updater add-on needs an 'image_updater' section",
        "platform[0].name",
    ),
    Case(
        "command-control-character",
        service('    migrations: {command: ["./migrate", "a\\x7fb"]}  #!\n'),
        r"'a\\x7fb' holds the control character U\+007F",
        "services[0].migrations.command[1]",
    ),
    # --- bytes ---------------------------------------------------------------------------
    Case(
        "latin-1",
        BASE.replace("acme/gitops-config", "acm\xe9/gitops-config").encode("latin-1"),
        r":3: not UTF-8 text \(byte 0xe9\); save the file as UTF-8",
    ),
    Case("utf-16", BASE.encode("utf-16"), r":1: not UTF-8 text \(byte 0xff\)"),
    Case(
        "over-5-MiB",
        BASE + "# padding\n" * (5 * 1024 * 1024 // 10 + 1),
        r"bytes is too large for an answers file \(at most 5 MiB\)",
    ),
]


def check_one_clear_answer(result: Result, expected: str, problems: int = 1) -> list[str]:
    """Exit 2, no traceback, ``problems`` lines each starting with 'scaffold: '; returns them."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == problems, lines
    assert all(line.startswith("scaffold: ") for line in lines), lines
    assert any(re.search(expected, line) for line in lines), (expected, lines)
    return lines


def check_names_the_place(lines: list[str], answers: Path, case: Case) -> None:
    line = next(x for x in lines if re.search(case.expected, x))
    assert line.startswith(f"scaffold: {answers}:"), line
    where = marked_line(case.text)
    if where is not None:
        assert line.startswith(f"scaffold: {answers}:{where}: "), (where, line)
    if case.key is not None:
        assert re.search(rf":\d+: {re.escape(case.key)}: ", line), (case.key, line)


@pytest.mark.parametrize("case", ANSWERS_CASES, ids=[c.id for c in ANSWERS_CASES])
def test_init_refuses_bad_answers(tmp_path: Path, case: Case) -> None:
    answers = tmp_path / "scaffold.yaml"
    if isinstance(case.text, bytes):
        answers.write_bytes(case.text)
    else:
        answers.write_text(case.text, encoding="utf-8")
    before = answers.read_bytes()
    dest = tmp_path / "out"
    result = runner.invoke(app, ["init", str(dest), "--answers", str(answers)])
    lines = check_one_clear_answer(result, case.expected, case.problems)
    check_names_the_place(lines, answers, case)
    assert not dest.exists()
    assert answers.read_bytes() == before


def test_the_base_answers_are_valid(tmp_path: Path) -> None:
    answers = tmp_path / "scaffold.yaml"
    answers.write_text(BASE, encoding="utf-8")
    result = runner.invoke(app, ["init", str(tmp_path / "out"), "--answers", str(answers), "-q"])
    assert result.exit_code == 0, result.output


def test_a_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    answers = tmp_path / "scaffold.yaml"
    answers.write_bytes(b"\xef\xbb\xbf" + BASE.encode())
    result = runner.invoke(app, ["init", str(tmp_path / "out"), "--answers", str(answers), "-q"])
    assert result.exit_code == 0, result.output


def test_a_large_but_valid_answers_file_is_read_quickly(tmp_path: Path) -> None:
    # Just under the size limit, all comments: the reader must not choke on size alone.
    answers = tmp_path / "scaffold.yaml"
    answers.write_text(BASE + "# padding line\n" * (4 * 1024 * 1024 // 15), encoding="utf-8")
    result = runner.invoke(app, ["init", str(tmp_path / "out"), "--answers", str(answers), "--dry-run", "-q"])
    assert result.exit_code == 0, result.output


# --- command-line arguments on a scaffolded repository ----------------------------------------


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_repo(tmp_path_factory.mktemp("pristine"), BASE)


@pytest.fixture
def repo(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(pristine, copy, symlinks=True)
    return copy


ARGUMENT_CASES: list[tuple[str, list[str], str]] = [
    (
        "service-uppercase",
        ["add-service", "Cart", "--team", "web"],
        r"^scaffold: NAME: 'Cart' is not a DNS-1123",
    ),
    (
        "service-traversal",
        ["add-service", "../x", "--team", "web"],
        r"NAME: '\.\./x' is not a DNS-1123 label",
    ),
    ("service-absolute", ["add-service", "/etc", "--team", "web"], r"NAME: '/etc' is not a DNS-1123 label"),
    ("service-helm-template", ["add-service", "{{x}}", "--team", "web"], r"NAME: '\{\{x\}\}' is not a DNS"),
    ("service-jinja", ["add-service", "{%x%}", "--team", "web"], r"NAME: '\{%x%\}' is not a DNS"),
    ("service-newline", ["add-service", "a\nb", "--team", "web"], r"NAME: 'a\\nb' is not a DNS-1123 label"),
    ("service-64-chars", ["add-service", "a" * 64, "--team", "web"], r"longer than 63 characters"),
    ("service-namespace-too-long", ["add-service", "a" * 60, "--team", "web"], r"longer than"),
    (
        "service-unknown-team",
        ["add-service", "cart", "--team", "nope"],
        r"--team: unknown team 'nope' \(known teams: web\); add it first with `scaffold add-team",
    ),
    ("service-exists", ["add-service", "shop", "--team", "web"], r"service 'shop' already exists"),
    (
        "service-latest",
        ["add-service", "cart", "--team", "web", "--tag", "latest"],
        r"--tag: 'latest' is not a pinned tag",
    ),
    (
        "service-tag-newline",
        ["add-service", "cart", "--team", "web", "--tag", "v1\nx"],
        r"--tag: 'v1\\nx' is not a container image tag",
    ),
    (
        "service-port-zero",
        ["add-service", "cart", "--team", "web", "--port", "0"],
        r"--port: input should be greater than or equal to 1, got int 0",
    ),
    (
        "service-port-word",
        ["add-service", "cart", "--team", "web", "--port", "http"],
        r"Invalid value for '--port'",
    ),
    (
        "service-autoscale-order",
        ["add-service", "cart", "--team", "web", "--autoscale", "5:2"],
        r"--autoscale: min \(5\) is greater than max \(2\)",
    ),
    (
        "service-autoscale-form",
        ["add-service", "cart", "--team", "web", "--autoscale", "lots"],
        r"--autoscale: expected MIN:MAX such as 2:10, got 'lots'",
    ),
    (
        "service-image",
        ["add-service", "cart", "--team", "web", "--image", "ghcr.io/{{x}}"],
        r"--image: 'ghcr.io/\{\{x\}\}' is not an image reference",
    ),
    (
        "service-health-path",
        ["add-service", "cart", "--team", "web", "--health-path", "health"],
        r"--health-path: 'health' is not an HTTP path",
    ),
    (
        "service-ingress-host",
        ["add-service", "cart", "--team", "web", "--ingress-host", "a host"],
        r"--ingress-host: 'a host' is not a DNS host name",
    ),
    (
        "service-migrations-quote",
        ["add-service", "cart", "--team", "web", "--migrations-command", "'oops"],
        r"--migrations-command: No closing quotation",
    ),
    (
        "service-unknown-option",
        ["add-service", "cart", "--team", "web", "--colour", "red"],
        r"No such option: --colour",
    ),
    ("env-uppercase", ["add-env", "QA", "--cluster", "main"], r"NAME: 'QA' is not a DNS-1123 label"),
    ("env-unknown-cluster", ["add-env", "qa", "--cluster", "nope"], r"--cluster: unknown cluster 'nope'"),
    (
        "env-unknown-after",
        ["add-env", "qa", "--cluster", "main", "--after", "nope"],
        r"--after: unknown environment 'nope' \(known environments: dev, prod\)",
    ),
    (
        "env-after-production",
        ["add-env", "qa", "--cluster", "main", "--after", "prod"],
        r"would become the last, production environment",
    ),
    (
        "env-suffix-form",
        ["add-env", "qa", "--cluster", "main", "--namespace-suffix", "qa"],
        r"--namespace-suffix: 'qa' is not a namespace suffix",
    ),
    (
        "env-suffix-clash",
        ["add-env", "qa", "--cluster", "main", "--namespace-suffix", "-dev"],
        r"share cluster 'main' and namespace suffix '-dev'",
    ),
    (
        "env-image-updates",
        ["add-env", "qa", "--cluster", "main", "--image-updates"],
        r"image updates need an 'image_updater' section",
    ),
    ("env-exists", ["add-env", "dev", "--cluster", "main"], r"environment 'dev' already exists"),
    ("team-no-group", ["add-team", "ops"], r"Missing option '--group'"),
    (
        "team-group-template",
        ["add-team", "ops", "--group", "{{x}}"],
        r"--group: '\{\{x\}\}' is not an SSO group",
    ),
    (
        "cluster-http",
        ["add-cluster", "eu", "--server", "http://eu.example.com"],
        r"--server: 'http://eu.example.com' is not an https:// URL",
    ),
    (
        "cluster-half-eks",
        [
            "add-cluster",
            "eu",
            "--server",
            "https://eu.example.com",
            "--role-arn",
            "arn:aws:iam::123456789012:role/x",
        ],
        r"go together; give both or neither",
    ),
    (
        "cluster-same-server",
        ["add-cluster", "eu", "--server", "https://kubernetes.default.svc"],
        r"already registered as another cluster",
    ),
    ("remove-unknown-service", ["remove-service", "nope"], r"no service 'nope' in scaffold.yaml"),
    ("remove-unknown-env", ["remove-env", "nope"], r"no environment 'nope' in scaffold.yaml"),
    (
        "upgrade-bad-pin",
        ["upgrade", "--argocd-chart", "ten"],
        r"--argocd-chart: 'ten' is not a chart version",
    ),
    (
        "upgrade-bad-addon-pin",
        ["upgrade", "--addon-chart", "cert-manager"],
        r"--addon-chart: expected NAME=VERSION, got 'cert-manager'",
    ),
    ("unknown-command", ["frobnicate"], r"No such command 'frobnicate'"),
]


@pytest.mark.parametrize(
    ("args", "expected"), [c[1:] for c in ARGUMENT_CASES], ids=[c[0] for c in ARGUMENT_CASES]
)
def test_bad_arguments_change_nothing(repo: Path, args: list[str], expected: str) -> None:
    before = snapshot(repo)
    result = runner.invoke(app, [*args, "-C", str(repo)] if args[0] != "frobnicate" else args)
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    messages = [line for line in result.stderr.splitlines() if line.startswith(("scaffold: ", "Error: "))]
    assert messages, result.stderr
    assert any(re.search(expected, line) for line in messages), (expected, result.stderr)
    if messages[0].startswith("scaffold: "):  # ours: nothing but messages
        assert result.stderr.splitlines() == messages
    assert snapshot(repo) == before
    assert not (work_dir(repo) / "staging").exists()


# --- scaffold validate's own arguments --------------------------------------------------------

VALIDATE_CASES = [
    pytest.param(["{missing}"], r"is not a directory", id="validate-missing-folder"),
    pytest.param(
        ["{repo}/scaffold.yaml"], r"Invalid value for 'directory': dir '.*' is a file", id="validate-a-file"
    ),
    pytest.param(
        ["{repo}", "--kube-version", "banana"],
        r"--kube-version 'banana': expected MAJOR.MINOR",
        id="validate-kube-version",
    ),
    pytest.param(
        ["{repo}", "--ignore", "NOPE"], r"--ignore: unknown rule id\(s\) NOPE", id="validate-unknown-rule"
    ),
    pytest.param(["{repo}", "--format", "xml"], r"Invalid value for '--format'", id="validate-format"),
    pytest.param(
        ["{repo}", "--fail-on", "sometimes"], r"Invalid value for '--fail-on'", id="validate-fail-on"
    ),
    pytest.param(
        ["{repo}", "--schemas", "{missing}"], r"Invalid value for '--schemas'", id="validate-schemas"
    ),
    pytest.param(
        ["{repo}", "--production", "["],
        r"--production: '\[' is not a regular expression",
        id="validate-production-regex",
    ),
]


@pytest.mark.parametrize(("args", "expected"), VALIDATE_CASES)
def test_bad_validate_arguments(repo: Path, tmp_path: Path, args: list[str], expected: str) -> None:
    before = snapshot(repo)
    argv = [a.format(repo=repo, missing=tmp_path / "missing") for a in args]
    result = runner.invoke(app, ["validate", *argv])
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    messages = [line for line in result.stderr.splitlines() if line.startswith(("scaffold: ", "Error: "))]
    assert any(re.search(expected, line) for line in messages), (expected, result.stderr)
    assert snapshot(repo) == before


# --- a repository whose scaffold.yaml or records are broken --------------------------------

BROKEN_REPOS: list[tuple[str, str, str]] = [
    ("conflicted-answers", "conflict", r"scaffold.yaml:\d+: unresolved merge conflict marker"),
    ("malformed-answers", "malformed", r"scaffold.yaml:\d+: YAML syntax error"),
    ("empty-answers", "empty", r"scaffold.yaml:1: the file is empty"),
    (
        "misspelled-answers",
        "misspelled",
        r"scaffold.yaml:\d+: services\[0\].tga: unknown key 'tga'; did you mean",
    ),
    ("dangling-answers", "dangling", r"scaffold.yaml:\d+: services\[0\].team: unknown team 'ghost'"),
    ("non-utf8-answers", "latin1", r"scaffold.yaml:\d+: not UTF-8 text"),
    ("answers-is-a-folder", "folder", r"no scaffold.yaml here"),
    (
        "missing-meta",
        "nometa",
        r"the scaffold's record of what it wrote is missing; restore .scaffold/ from Git",
    ),
    ("damaged-record", "record", r"the scaffold record is damaged; restore it from Git"),
    ("record-wrong-shape", "record-shape", r"the scaffold record is damaged"),
]


def break_repo(repo: Path, how: str) -> None:
    answers = repo / "scaffold.yaml"
    text = answers.read_text()
    if how == "conflict":
        answers.write_text(
            edit(
                "  - name: shop\n",
                "<<<<<<< ours\n  - name: shop\n=======\n  - name: cart\n>>>>>>> theirs\n",
                text,
            )
        )
    elif how == "malformed":
        answers.write_text(text + "oops: [\n")
    elif how == "empty":
        answers.write_text("")
    elif how == "misspelled":
        answers.write_text(edit("    tag: v1.0.0", "    tga: v1.0.0", text))
    elif how == "dangling":
        answers.write_text(edit("    team: web", "    team: ghost", text))
    elif how == "latin1":
        answers.write_bytes(text.encode() + b"# caf\xe9\n")
    elif how == "folder":
        answers.unlink()
        answers.mkdir()
    elif how == "nometa":
        (repo / ".scaffold/meta.json").unlink()
    elif how == "record":
        (repo / ".scaffold/state/repo.json").write_text("{not json")
    elif how == "record-shape":
        (repo / ".scaffold/state/repo.json").write_text('{"files": 3}')


COMMANDS = {
    "add-service": ["add-service", "cart", "--team", "web"],
    "add-env": ["add-env", "qa", "--cluster", "main"],
    "render": ["render"],
    "upgrade": ["upgrade"],
}


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize(("how", "expected"), [c[1:] for c in BROKEN_REPOS], ids=[c[0] for c in BROKEN_REPOS])
def test_a_broken_repo_is_explained_and_left_alone(repo: Path, how: str, expected: str, command: str) -> None:
    break_repo(repo, how)
    before = snapshot(repo)
    result = runner.invoke(app, [*COMMANDS[command], "-C", str(repo)])
    check_one_clear_answer(result, expected)
    assert snapshot(repo) == before


# --- destinations ------------------------------------------------------------------------


def write_base(tmp_path: Path) -> Path:
    answers = tmp_path / "answers.yaml"
    answers.write_text(BASE, encoding="utf-8")
    return answers


def test_init_into_a_file(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("mine\n")
    result = runner.invoke(app, ["init", str(target), "--answers", str(write_base(tmp_path))])
    check_one_clear_answer(result, r"exists and is not a folder")
    assert target.read_text() == "mine\n"


def test_init_below_a_file(tmp_path: Path) -> None:
    target = tmp_path / "a-file"
    target.write_text("mine\n")
    result = runner.invoke(app, ["init", str(target / "sub"), "--answers", str(write_base(tmp_path))])
    check_one_clear_answer(result, r"cannot create the destination \(Not a directory\)")
    assert target.read_text() == "mine\n"


def test_init_with_a_missing_answers_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "out"), "--answers", str(tmp_path / "nope.yaml")])
    check_one_clear_answer(result, r"nope.yaml: no such answers file")
    assert not (tmp_path / "out").exists()


def test_init_with_a_folder_as_answers(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "out"), "--answers", str(tmp_path)])
    check_one_clear_answer(result, r"is a directory, not an answers file")
    assert not (tmp_path / "out").exists()


def test_init_over_a_scaffolded_repo(repo: Path) -> None:
    before = snapshot(repo)
    result = runner.invoke(app, ["init", str(repo), "--answers", str(repo / "scaffold.yaml")])
    check_one_clear_answer(result, r"already holds a scaffolded repository; grow it with")
    assert snapshot(repo) == before


def test_a_command_outside_any_repo(tmp_path: Path) -> None:
    result = runner.invoke(app, ["add-service", "cart", "--team", "web", "-C", str(tmp_path)])
    check_one_clear_answer(result, r"no scaffold.yaml here; run this in a repository made by `scaffold init`")
    assert list(tmp_path.iterdir()) == []


# --- permissions, for real: run as an unprivileged user ---------------------------------------

NOBODY = 65534
as_nobody = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run the CLI as an unprivileged user",
)


@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A folder the unprivileged user can reach (pytest's own are private to root)."""
    folder = Path(tempfile.mkdtemp(prefix="scaffold-nobody-"))
    folder.chmod(0o755)
    yield folder
    for path in (folder, *folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(folder)


def give_to_nobody(root: Path) -> None:
    for path in (root, *root.rglob("*")):
        os.chown(path, NOBODY, NOBODY, follow_symlinks=False)


def run_as_nobody(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            "setpriv",
            f"--reuid={NOBODY}",
            f"--regid={NOBODY}",
            "--clear-groups",
            sys.executable,
            "-m",
            "gitops_scaffold",
            *args,
        ],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "HOME": str(cwd), "PYTHONPATH": str(ROOT), "TMPDIR": str(cwd)},
    )


@as_nobody
def test_init_into_a_read_only_folder(open_tmp: Path) -> None:
    answers = write_base(open_tmp)
    parent = open_tmp / "read-only"
    parent.mkdir()
    parent.chmod(0o555)
    completed = run_as_nobody("init", str(parent / "repo"), "--answers", str(answers), cwd=open_tmp)
    assert completed.returncode == 2, completed
    assert completed.stderr.splitlines() == [
        f"scaffold: {parent / 'repo'}: cannot create the destination (Permission denied)"
    ]
    assert list(parent.iterdir()) == []


def check_usage_error(completed: subprocess.CompletedProcess[str], expected: str) -> None:
    """click's own answer to a bad option value: exit 2, a usage line and one Error: line."""
    assert completed.returncode == 2, completed
    assert "Traceback" not in completed.stderr
    errors = [line for line in completed.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and re.search(expected, errors[0]), completed.stderr


@as_nobody
def test_an_unreadable_answers_file(open_tmp: Path) -> None:
    answers = write_base(open_tmp)
    answers.chmod(0o600)
    completed = run_as_nobody("init", str(open_tmp / "out"), "--answers", str(answers), cwd=open_tmp)
    check_usage_error(completed, r"Invalid value for '--answers' / '-a': path '.*' is not readable")
    assert not (open_tmp / "out").exists()


@as_nobody
@pytest.mark.parametrize("read_only", [".", "apps/services/shop"])
def test_a_read_only_folder_in_the_repo(pristine: Path, open_tmp: Path, read_only: str) -> None:
    repo = open_tmp / "repo"
    shutil.copytree(pristine, repo, symlinks=True)
    give_to_nobody(repo)
    (repo / read_only).chmod(0o555)
    before = snapshot(repo)
    completed = run_as_nobody("add-env", "qa", "--cluster", "main", cwd=repo)
    assert completed.returncode == 2, completed
    assert "Traceback" not in completed.stderr
    assert len(completed.stderr.splitlines()) == 1, completed.stderr
    assert "permission denied; nothing was changed" in completed.stderr
    assert snapshot(repo) == before


@as_nobody
def test_an_unreadable_repo_named_with_an_option(pristine: Path, open_tmp: Path) -> None:
    repo = open_tmp / "repo"
    shutil.copytree(pristine, repo, symlinks=True)
    repo.chmod(0o700)  # root's, and private
    before = snapshot(repo)
    completed = run_as_nobody("add-service", "cart", "--team", "web", "-C", str(repo), cwd=open_tmp)
    check_usage_error(completed, r"Invalid value for '--repo' / '-C': dir '.*' is not readable")
    assert snapshot(repo) == before


@as_nobody
def test_an_unreadable_repo_as_the_working_directory(pristine: Path, open_tmp: Path) -> None:
    repo = open_tmp / "repo"
    shutil.copytree(pristine, repo, symlinks=True)
    repo.chmod(0o700)  # root's, and private
    before = snapshot(repo)
    completed = run_as_nobody("add-service", "cart", "--team", "web", cwd=repo)
    assert completed.returncode == 2, completed
    assert completed.stderr == f"scaffold: {repo}: permission denied; cannot read this folder\n"
    assert snapshot(repo) == before
