"""Golden trees: each bundled example renders exactly the files checked in under tests/golden/.

`scaffold init` of examples/<name>/scaffold.yaml is compared file by file with
tests/golden/<name>/ (everything but .git/ and .scaffold/, whose records hold versions and
digests). A template change therefore shows up here as a readable diff, to be reviewed and
accepted on purpose, never silently:

    python -m pytest tests/test_golden.py --update-golden

`.gitignore` and `.gitattributes` are stored as `<name>.golden`, so that the golden copies do not
change how Git treats this repository.
"""

from __future__ import annotations

import difflib
import shutil
from pathlib import Path

import pytest

from gitops_scaffold.commands import init as init_command

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
EXAMPLES = ("minimal", "platform", "multi-cluster")
EXCLUDED_DIRS = {".git", ".scaffold"}
ESCAPED = {".gitignore", ".gitattributes"}
MAX_DIFF_LINES = 400


def golden_path(rel: str) -> str:
    head, _, name = rel.rpartition("/")
    if name in ESCAPED:
        name += ".golden"
    return f"{head}/{name}" if head else name


def tree_of(root: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if path.is_file() and not EXCLUDED_DIRS & set(rel.parts):
            files[rel.as_posix()] = path.read_bytes()
    return files


@pytest.fixture(scope="module", params=EXAMPLES)
def example(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, dict[str, bytes], Path]:
    name: str = request.param
    dest = tmp_path_factory.mktemp(name) / "repo"
    result = init_command.init(dest, ROOT / "examples" / name / "scaffold.yaml")
    assert result.exit_code == 0, result.attention
    rendered = {golden_path(rel): data for rel, data in tree_of(dest).items()}
    return name, rendered, dest


def _diff(name: str, rel: str, want: bytes, got: bytes) -> list[str]:
    return list(
        difflib.unified_diff(
            want.decode("utf-8", "replace").splitlines(keepends=True),
            got.decode("utf-8", "replace").splitlines(keepends=True),
            fromfile=f"tests/golden/{name}/{rel}",
            tofile=f"examples/{name} rendered/{rel}",
        )
    )


def test_example_renders_its_golden_tree(
    example: tuple[str, dict[str, bytes], Path], request: pytest.FixtureRequest
) -> None:
    name, rendered, _ = example
    golden_dir = GOLDEN / name
    if request.config.getoption("--update-golden"):
        shutil.rmtree(golden_dir, ignore_errors=True)
        for rel, data in rendered.items():
            path = golden_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        pytest.skip(
            f"--update-golden: rewrote tests/golden/{name}/ ({len(rendered)} files); review `git diff`"
        )
    golden = tree_of(golden_dir) if golden_dir.is_dir() else {}
    missing = sorted(set(golden) - set(rendered))
    extra = sorted(set(rendered) - set(golden))
    changed = sorted(rel for rel in set(golden) & set(rendered) if golden[rel] != rendered[rel])
    if not (missing or extra or changed):
        return
    report = [f"examples/{name}: the render differs from tests/golden/{name}/"]
    if missing:
        report.append(f"no longer rendered ({len(missing)}): " + ", ".join(missing))
    if extra:
        report.append(f"newly rendered ({len(extra)}): " + ", ".join(extra))
    if changed:
        report.append(f"changed ({len(changed)}): " + ", ".join(changed))
        lines: list[str] = []
        for rel in changed:
            lines += _diff(name, rel, golden[rel], rendered[rel])
        if len(lines) > MAX_DIFF_LINES:
            lines = [*lines[:MAX_DIFF_LINES], f"... {len(lines) - MAX_DIFF_LINES} more diff lines\n"]
        report.append("".join(lines))
    report.append("If the change is intended: python -m pytest tests/test_golden.py --update-golden")
    pytest.fail("\n".join(report), pytrace=False)


def test_golden_trees_hold_no_record_of_the_scaffold() -> None:
    from gitops_scaffold.answers import with_schema_modeline

    for name in EXAMPLES:
        assert not (GOLDEN / name / ".scaffold").exists()
        # The same answers; init points the modeline at the repo's own schema.
        example = (ROOT / "examples" / name / "scaffold.yaml").read_text(encoding="utf-8")
        assert (GOLDEN / name / "scaffold.yaml").read_text(encoding="utf-8") == with_schema_modeline(example)


def test_example_repo_passes_scaffold_validate(example: tuple[str, dict[str, bytes], Path]) -> None:
    pytest.importorskip("helm_python", reason="scaffold validate needs the validate extra")
    from gitops_scaffold.validate import Options, Severity, validate

    name, _, dest = example
    report = validate(dest, Options())
    # The one finding: a notice (info, which the generated CI's --fail-on warning passes) that
    # the ingress-nginx the example chose in scaffold.yaml is retired upstream.
    problems = [
        f"{f.file}:{f.line}: {f.rule} {f.message}"
        for f in report.at_or_above(Severity.info)
        if not (f.rule == "GS030" and f.severity is Severity.info)
    ]
    assert not problems, f"examples/{name}:\n" + "\n".join(problems)
    assert {f.file for f in report.findings} == {"apps/platform/ingress-nginx/application.yaml"}
