"""gitops_scaffold/diff/ belongs to the check half: like validate/, it imports nothing from the
write half but constants and errors (every import, also those inside functions)."""

from __future__ import annotations

import ast
from pathlib import Path

import gitops_scaffold.diff

ALLOWED = ("diff", "validate", "constants", "errors")  # under gitops_scaffold.


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "gitops_scaffold":  # from gitops_scaffold import appset
                names |= {f"gitops_scaffold.{alias.name}" for alias in node.names}
            else:
                names.add(node.module)
    return {n for n in names if n == "gitops_scaffold" or n.startswith("gitops_scaffold.")}


def test_an_import_from_the_write_half_is_seen(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from gitops_scaffold import appset\n    import gitops_scaffold.render\n")
    assert _imports(module) == {"gitops_scaffold.appset", "gitops_scaffold.render"}


def test_the_diff_package_imports_only_the_check_half_constants_and_errors() -> None:
    package = Path(gitops_scaffold.diff.__file__).parent
    modules = sorted(package.glob("*.py"))
    assert {m.stem for m in modules} >= {"revisions", "side", "inputs", "render", "compare", "report", "run"}
    outside = {
        f"{m.name}: {name}"
        for m in modules
        for name in _imports(m)
        if name.partition(".")[2].split(".")[0] not in ALLOWED
    }
    assert outside == set()
