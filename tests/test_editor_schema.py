"""Editors check scaffold.yaml against a schema the repository itself holds; no URL that nothing serves."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import yaml

from gitops_scaffold.answers import SCHEMA_FILE, json_schema
from gitops_scaffold.templates_root import templates_root
from tests.factory import EXAMPLE, ROOT, init_repo

BUNDLED = templates_root() / "repo" / "template" / SCHEMA_FILE
MODELINE = re.compile(r"#\s*yaml-language-server:\s*\$schema=(\S+)")
REGENERATE = "regenerate with `scaffold schema > {}`"


def _schema_text() -> str:
    return json.dumps(json_schema(), indent=2) + "\n"


def test_the_bundled_copies_are_the_current_schema() -> None:
    for copy in (BUNDLED, ROOT / "docs" / "scaffold.schema.json"):
        assert copy.read_text(encoding="utf-8") == _schema_text(), REGENERATE.format(copy.relative_to(ROOT))


def test_a_generated_repo_points_editors_at_its_own_schema(tmp_path: Path) -> None:
    repo = init_repo(tmp_path, EXAMPLE.read_text())
    first = (repo / "scaffold.yaml").read_text().splitlines()[0]
    match = MODELINE.fullmatch(first)
    assert match, first
    # The YAML language server resolves a relative $schema against the file's own folder.
    target = (repo / match.group(1)).resolve()
    assert target == (repo / SCHEMA_FILE).resolve() and target.is_file()
    schema = json.loads(target.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    answers = yaml.safe_load((repo / "scaffold.yaml").read_text())
    assert not list(jsonschema.Draft202012Validator(schema).iter_errors(answers))
    bad = {**answers, "argocd": {**answers["argocd"], "ha": "yes"}}
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))


def test_init_replaces_any_other_modeline_and_keeps_the_rest(tmp_path: Path) -> None:
    text = (
        "# yaml-language-server: $schema=https://example.invalid/x.json\n"
        + EXAMPLE.read_text().split("\n", 1)[1]
    )
    repo = init_repo(tmp_path, text)
    written = (repo / "scaffold.yaml").read_text()
    assert written.split("\n", 1) == [
        f"# yaml-language-server: $schema={SCHEMA_FILE}",
        text.split("\n", 1)[1],
    ]


def test_every_schema_modeline_in_this_repository_resolves_locally() -> None:
    checked = 0
    for path in [
        *ROOT.glob("examples/*/scaffold.yaml"),
        *ROOT.glob("docs/**/*.md"),
        *templates_root().rglob("*.jinja"),
    ]:
        for found in MODELINE.findall(path.read_text(encoding="utf-8")):
            target = found.strip("`")
            assert not target.startswith(("http://", "https://")), f"{path}: {target} is a URL"
            if path.name.endswith(".jinja"):  # written into the generated repo's root
                assert target == SCHEMA_FILE, path
            elif path.parent.parent.name == "examples":
                assert (path.parent / target).resolve().is_file(), f"{path}: {target} does not exist"
            checked += 1
    assert checked >= 4


def test_no_file_names_the_dead_schema_host() -> None:
    for path in [
        *ROOT.glob("gitops_scaffold/**/*"),
        *ROOT.glob("docs/**/*"),
        *ROOT.glob("examples/**/*"),
        ROOT / "README.md",
    ]:
        if path.is_file() and path.suffix in {".py", ".md", ".yaml", ".yml", ".json", ".jinja"}:
            assert "gitops-scaffold.dev" not in path.read_text(encoding="utf-8"), path
