"""Every template set is a Copier template: `copier copy` gives exactly what scaffold writes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from gitops_scaffold import answers
from gitops_scaffold.context import resolve
from gitops_scaffold.render import SETS, TEMPLATES_DIR, instances, render_instance
from tests.factory import EXAMPLE, minimal, write_answers


def _view(path: Path) -> dict:  # type: ignore[type-arg]
    _, loaded = answers.load(path)
    return resolve(loaded)


def _copied(src: Path, dest: Path, data: dict) -> dict[str, str]:  # type: ignore[type-arg]
    import copier

    copier.run_copy(str(src), str(dest), data=data, defaults=True, unsafe=True, quiet=True, vcs_ref=None)
    return {
        p.relative_to(dest).as_posix(): p.read_text(encoding="utf-8")
        for p in sorted(dest.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("source", ["example", "minimal"])
@pytest.mark.parametrize("set_name", [spec.name for spec in SETS])
def test_copier_copy_of_each_set_matches_scaffold(set_name: str, source: str, tmp_path: Path) -> None:
    path = EXAMPLE if source == "example" else write_answers(tmp_path / "a.yaml", minimal())
    view = _view(path)
    chosen = [i for i in instances(view) if i.set_name == set_name][:2]
    if not chosen:
        pytest.skip(f"the {source} answers have no {set_name} instance")
    for number, instance in enumerate(chosen):
        expected = render_instance(instance)
        copied = _copied(TEMPLATES_DIR / set_name, tmp_path / f"out{number}", instance.data)
        assert sorted(copied) == sorted(expected)
        for file, text in expected.items():
            assert copied[file] == text, file


def test_every_set_declares_the_delimiters_that_leave_go_templates_alone() -> None:
    for spec in SETS:
        config = yaml.safe_load((TEMPLATES_DIR / spec.name / "copier.yml").read_text())
        envops = config["_envops"]
        assert (envops["variable_start_string"], envops["block_start_string"]) == ("[[", "[%")
        assert config["_subdirectory"] == "template"
        assert config["_templates_suffix"] == ".jinja"
