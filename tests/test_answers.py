"""The answers file: defaults, validation with file:line:key messages, text edits."""

from __future__ import annotations

import re
from pathlib import Path

import jsonschema
import pytest
import yaml

from gitops_scaffold import answers
from gitops_scaffold.context import resolve
from gitops_scaffold.errors import AnswersError
from tests.factory import EXAMPLE, minimal, write_answers


def problems_of(tmp_path: Path, text: str | bytes) -> list[str]:
    path = tmp_path / "scaffold.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(AnswersError) as caught:
        answers.load(path)
    return caught.value.problems


def test_example_loads_with_every_default_resolved() -> None:
    _, loaded = answers.load(EXAMPLE)
    view = resolve(loaded)
    assert [e["name"] for e in view["environments"]] == ["dev", "staging", "prod"]
    prod = view["environments"][-1]
    assert prod["production"] is True
    assert prod["auto_sync"] is False
    assert view["services"][0]["namespaces"] == {
        "dev": "orders-dev",
        "staging": "orders-staging",
        "prod": "orders",
    }


def test_defaults_of_a_minimal_file(tmp_path: Path) -> None:
    _, loaded = answers.load(write_answers(tmp_path / "a.yaml", minimal()))
    view = resolve(loaded)
    dev, prod = view["environments"]
    assert (dev["auto_sync"], dev["prune"], dev["namespace_suffix"]) == (True, True, "-dev")
    assert (prod["auto_sync"], prod["prune"], prod["namespace_suffix"]) == (False, False, "")
    assert view["argocd"]["namespace"] == "argocd"
    assert view["argocd"]["ha"] is True
    assert view["repo"]["revision"] == "main"
    assert [a["name"] for a in view["platform"]] == [
        "ingress-nginx",
        "cert-manager",
        "external-secrets",
        "karpenter",
    ]
    service = view["services"][0]
    assert (service["port"], service["health_path"]) == (8080, "/health")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("- name: shop\n", "- name: Shop\n", r":\d+: services\[0\]\.name: 'Shop' is not a DNS-1123 label"),
        ("tag: v1.0.0", "tag: latest", r"services\[0\]\.tag: 'latest' is not a pinned tag"),
        ("team: web\n", "team: webb\n", r"services\[0\]\.team: unknown team 'webb'; expected one of 'web'"),
        ("cluster: main\n", "cluster: mian\n", r"environments\[0\]\.cluster: unknown cluster 'mian'"),
        ("  url:", "  ulr:", r"repo\.ulr: unknown key 'ulr'; did you mean 'url'\?"),
        ("- name: web\n", "- name: web\n  admn: true\n", r"teams\[0\]\.admn: .*did you mean 'admin'"),
    ],
)
def test_each_problem_names_file_line_and_key(tmp_path: Path, old: str, new: str, expected: str) -> None:
    text = yaml.safe_dump(minimal(), sort_keys=False)
    assert old in text
    problems = problems_of(tmp_path, text.replace(old, new, 1))
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{tmp_path / 'scaffold.yaml'}:")
    assert re.search(expected, problems[0]), problems[0]


def test_line_number_points_at_the_offending_key(tmp_path: Path) -> None:
    text = yaml.safe_dump(minimal(), sort_keys=False).replace("tag: v1.0.0", "tag: latest")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "tag: latest" in row)
    (problem,) = problems_of(tmp_path, text)
    assert f"scaffold.yaml:{line}: " in problem


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    data = minimal()
    data["services"] = [
        {"name": "a", "team": "web", "image": "ghcr.io/x/a", "tag": "v1"},
        {"name": "a", "team": "nobody", "image": "ghcr.io/x/a", "tag": "v1"},
    ]
    data["environments"][1]["auto_sync"] = True
    problems = problems_of(tmp_path, yaml.safe_dump(data, sort_keys=False))
    text = "\n".join(problems)
    assert "services[1].name: duplicate name 'a'" in text
    assert "services[1].team: unknown team 'nobody'" in text
    assert "environments[1].auto_sync: production environment 'prod' must not auto-sync" in text
    assert len(problems) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "expected a mapping of keys"),
        ("repo: {url: [\n", "YAML syntax error"),
        ("repo:\n  url: a\n  url: b\n", "repo.url: duplicate key"),
        ("<<<<<<< ours\nrepo: {}\n=======\nrepo: {}\n>>>>>>> theirs\n", "unresolved merge conflict marker"),
        ("version: 2\n", "answers format 2 is newer than this gitops-scaffold understands"),
    ],
)
def test_broken_files_get_one_clear_line(tmp_path: Path, text: str, expected: str) -> None:
    problems = problems_of(tmp_path, text)
    assert any(expected in p for p in problems), problems
    assert all(re.match(rf"{re.escape(str(tmp_path))}/scaffold.yaml:\d+: ", p) for p in problems)


def test_non_utf8_file(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path, b"repo:\n  url: \xff\xfe\n")
    assert problem.endswith("not UTF-8 text (byte 0xff); save the file as UTF-8")
    assert ":2: " in problem


def test_wrong_types_say_what_was_expected(tmp_path: Path) -> None:
    data = minimal()
    data["services"][0]["port"] = "eighty"
    data["teams"] = {"name": "web"}
    problems = problems_of(tmp_path, yaml.safe_dump(data, sort_keys=False))
    text = "\n".join(problems)
    assert "services[0].port: input should be a valid integer, got str 'eighty'" in text
    assert "teams: expected a list, got a mapping" in text


def test_namespace_clash_between_environments_on_one_cluster(tmp_path: Path) -> None:
    data = minimal()
    data["environments"][0]["namespace_suffix"] = ""
    (problem,) = problems_of(tmp_path, yaml.safe_dump(data, sort_keys=False))
    assert "share cluster 'main' and namespace suffix ''" in problem


def test_json_schema_accepts_the_example_and_rejects_unknown_keys() -> None:
    schema = answers.json_schema()
    data = yaml.safe_load(EXAMPLE.read_text())
    jsonschema.validate(data, schema)
    data["repo"]["ulr"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_insert_keeps_every_other_byte(tmp_path: Path) -> None:
    path = tmp_path / "scaffold.yaml"
    original = EXAMPLE.read_text()
    path.write_text(original)
    doc, _ = answers.load(path)
    item = {"name": "cart", "team": "orders", "image": "ghcr.io/acme/cart", "tag": "v1"}
    changed = answers.insert_item(doc, "services", 2, item)
    block = "  - name: cart\n    team: orders\n    image: ghcr.io/acme/cart\n    tag: v1\n"
    at = original.index("platform:\n")
    assert changed == original[:at] + block + original[at:]
    reparsed = answers.validate(answers.parse(path, changed))
    assert [s.name for s in reparsed.services] == ["orders", "payments", "cart"]


def test_flow_style_items_get_a_flow_style_sibling(tmp_path: Path) -> None:
    path = tmp_path / "scaffold.yaml"
    path.write_text(EXAMPLE.read_text())
    doc, _ = answers.load(path)
    changed = answers.insert_item(doc, "teams", 3, {"name": "search", "groups": ["search-team"]})
    assert "  - {name: search, groups: [search-team]}\n" in changed


def test_remove_then_insert_returns_the_same_text(tmp_path: Path) -> None:
    path = tmp_path / "scaffold.yaml"
    original = EXAMPLE.read_text()
    path.write_text(original)
    doc, _ = answers.load(path)
    removed = answers.remove_item(doc, "environments", 1)
    assert "name: staging" not in removed
    assert answers.validate(answers.parse(path, removed)).environments[1].name == "prod"
