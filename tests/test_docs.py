"""The documentation: every shell command in it runs as written, and the generated pages are current.

The convention (stated in docs/quickstart.md, so writers see it):

- Every ```sh / ```bash / ```shell / ```console block in README.md and docs/ runs, page by page, in
  order, in one shell, in a scratch folder that holds a copy of examples/. So `cd demo` in one
  block holds for the next.
- A block that needs what the scratch folder lacks (network, a cluster, credentials) starts with
  a comment line `# needs ...`, and is not run.
- A command is expected to exit 0, or N when its line ends with `# exit N`.
- Installing (`python3 -m venv`, `. .venv/bin/activate`, `pip install`) is what the test
  environment already did: those parts of a `&&` chain are dropped. A command that runs the test
  suite itself is not run from here.
- The command reference's examples run one by one, each in a fresh repository made from the seed
  example (examples/platform/scaffold.yaml), as its intro says.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import pytest

from gitops_scaffold.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
COMMANDS_PAGE = "docs/reference/commands.md"
SHELL_LANGUAGES = {"sh", "bash", "shell", "console"}
_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[A-Za-z]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)
_EXPECT = re.compile(r"\s+#\s*exit\s+(\d+)\s*$")
_HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
_INSTALL = re.compile(r"^\s*(python3? -m venv\b|(\.|source) \.venv/bin/activate|pip install\b)")

@dataclass(frozen=True)
class Command:
    line: int  # where the command starts in its file
    text: str
    expected: int


def doc_pages() -> list[Path]:
    pages = [ROOT / "README.md"]
    pages += sorted(p for p in DOCS.rglob("*.md") if "_generated" not in p.parts)
    return pages


def shell_blocks(path: Path) -> list[tuple[int, str]]:
    """(line, body) of each shell block that is meant to run."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        if match["lang"] not in SHELL_LANGUAGES:
            continue
        indent = len(match["indent"])
        body = "".join(line[indent:] for line in match["body"].splitlines(keepends=True))
        if body.lstrip().startswith("# needs"):
            continue
        start = text.count("\n", 0, match.start("body")) + 1
        blocks.append((start, body))
    return blocks


def commands(start: int, body: str) -> list[Command]:
    """Split a block into commands: continuation lines joined, heredocs kept whole."""
    lines = body.splitlines()
    result: list[Command] = []
    index = 0
    while index < len(lines):
        first = index
        line = lines[index].removeprefix("$ ")
        index += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\") and index < len(lines):
            line = line + "\n" + lines[index]
            index += 1
        heredoc = _HEREDOC.search(line)
        if heredoc:
            while index < len(lines):
                line += "\n" + lines[index]
                index += 1
                if lines[index - 1].strip() == heredoc.group(1):
                    break
        expected = _EXPECT.search(line.splitlines()[0])
        result.append(Command(start + first, line, int(expected.group(1)) if expected else 0))
    return result


def without_install(text: str) -> str | None:
    """The command without its install steps; None when nothing (or only the test suite) is left."""
    parts = [p for p in text.split("&&") if not _INSTALL.match(p)]
    if not parts or any("pytest" in p for p in parts):
        return None
    return "&&".join(parts).strip()


def sandbox(tmp_path: Path) -> Path:
    work = tmp_path / "work"
    work.mkdir()
    shutil.copytree(ROOT / "examples", work / "examples")
    return work


def run_commands(work: Path, cmds: list[Command], where: str) -> list[str]:
    """Run the commands in one bash, in order; a message for each that exited unexpectedly."""
    script = ["exec </dev/null", f"cd {str(work)!r}"]
    for number, command in enumerate(cmds):
        script += [command.text, f"__rc=$?; printf '\\n@@@ %d %d\\n' {number} $__rc"]
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "NO_COLOR": "1",
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    completed = subprocess.run(
        ["bash", "-c", "\n".join(script)],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    output = completed.stdout
    failures = []
    for number, command in enumerate(cmds):
        marker = re.search(rf"\n@@@ {number} (\d+)\n", output)
        if marker is None:
            failures.append(f"{where}:{command.line}: `{command.text}` never finished\n{completed.stderr}")
            break
        before, output = output[: marker.start()], output[marker.end() :]
        rc = int(marker.group(1))
        if rc != command.expected:
            failures.append(
                f"{where}:{command.line}: `{command.text}` exited {rc}, the doc expects "
                f"{command.expected}\n--- its output:\n{before[-3000:]}"
            )
    if failures:
        failures.append(f"--- stderr of the page:\n{completed.stderr[-3000:]}")
    return failures


def runnable(page: Path) -> list[Command]:
    cmds: list[Command] = []
    for start, body in shell_blocks(page):
        for command in commands(start, body):
            text = without_install(command.text)
            if text is not None:
                cmds.append(Command(command.line, text, command.expected))
    return cmds


# Pages with something to run; the command reference's examples are run one by one below.
PAGES = [p for p in doc_pages() if p.relative_to(ROOT).as_posix() != COMMANDS_PAGE and runnable(p)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_shell_command_on_the_page_runs_as_written(page: Path, tmp_path: Path) -> None:
    cmds = runnable(page)
    failures = run_commands(sandbox(tmp_path), cmds, page.relative_to(ROOT).as_posix())
    assert not failures, "\n\n".join(failures)


def _reference_examples() -> list[Command]:
    page = ROOT / COMMANDS_PAGE
    return [c for start, body in shell_blocks(page) for c in commands(start, body)]


@pytest.mark.parametrize("command", _reference_examples(), ids=lambda c: c.text.split()[1])
def test_each_command_reference_example_runs_on_the_seed_example(command: Command, tmp_path: Path) -> None:
    work = sandbox(tmp_path)
    # `init` makes its own repository from examples/; every other command runs inside one.
    enter = "" if command.text.startswith("scaffold init ") else " && cd repo"
    setup = Command(0, f"scaffold init repo --answers examples/platform/scaffold.yaml --commit -q{enter}", 0)
    failures = run_commands(work, [setup, command], COMMANDS_PAGE)
    assert not failures, "\n\n".join(failures)


def test_the_command_reference_shows_an_example_for_every_command() -> None:
    import typer.main

    group = typer.main.get_command(app)
    names = {c.text.split()[1] for c in _reference_examples()}
    ctx = group.context_class(group, info_name="scaffold")
    assert set(group.list_commands(ctx)) <= names


def test_docs_name_only_commands_that_exist() -> None:
    """`scaffold WORD` in an inline code span or a shell block names a real command."""
    import typer.main

    group = typer.main.get_command(app)
    known = set(group.list_commands(group.context_class(group, info_name="scaffold")))
    unknown = []
    for page in doc_pages():
        text = page.read_text(encoding="utf-8")
        spans = re.findall(r"(?<!`)`([^`\n]+)`(?!`)", text)
        spans += [c.text for start, body in shell_blocks(page) for c in commands(start, body)]
        for span in spans:
            for match in re.finditer(r"(?:^|&&|\|\||;|\|)\s*scaffold ([a-z][a-z-]*)", span):
                if match.group(1) not in known:
                    unknown.append(f"{page.relative_to(ROOT)}: `{span}`")
    assert not unknown


def test_readme_test_command_is_the_ci_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    command = next(line for line in ci.splitlines() if "pytest" in line and not line.startswith("#"))
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert command.strip() in readme


# --- generated pages --------------------------------------------------------------------------


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_reference", DOCS / "gen_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_generated_pages_are_current() -> None:
    gen = _generator()
    pages = gen.generate()
    if os.environ.get("SCAFFOLD_REGEN") == "1":
        gen.main(["--write"])
        pytest.skip("SCAFFOLD_REGEN=1: regenerated the docs' reference pages and diagrams")
    stale = gen.stale_pages(pages)
    assert not stale, (
        "generated docs are out of date; run `python docs/gen_reference.py --write` "
        "(or SCAFFOLD_REGEN=1 pytest tests/test_docs.py)\n" + "\n".join(stale.values())
    )


def test_generated_pages_are_in_the_nav_or_included() -> None:
    gen = _generator()
    mkdocs = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    included = "".join(p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md"))
    for rel in gen.generate():
        if rel.startswith("_generated/"):
            assert f'--8<-- "{rel}"' in included, f"{rel} is included by no page"
        else:
            assert rel in mkdocs, f"{rel} is not in the nav of mkdocs.yml"


def test_mkdocs_build_strict(tmp_path: Path) -> None:
    pytest.importorskip("mkdocs", reason="the docs extra is not installed: pip install -e '.[docs]'")
    pytest.importorskip("material", reason="the docs extra is not installed: pip install -e '.[docs]'")
    completed = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert (tmp_path / "site" / "reference" / "answers" / "index.html").is_file()
    _assert_renders_offline(tmp_path / "site")


_EXTERNAL = re.compile(r"""<(?:script|link|img|iframe)\b[^>]*?\b(?:src|href)=["']?(?:https?:)?//""", re.I)


def _assert_renders_offline(site: Path) -> None:
    """Every page loads only the site's own files, and diagram pages load the bundled Mermaid."""
    bundled = site / "assets" / "javascripts" / "mermaid.min.js"
    assert bundled.read_bytes() == (ROOT / "docs/assets/javascripts/mermaid.min.js").read_bytes()
    diagram_pages = 0
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not _EXTERNAL.search(html), f"{page.relative_to(site)} loads a file from another host"
        assert "fonts.googleapis.com" not in html and "unpkg.com" not in html, page
        if 'class="mermaid"' in html:
            diagram_pages += 1
            assert re.search(r'<script src="[./]*assets/javascripts/mermaid\.min\.js"', html), page
    assert diagram_pages >= 3
    # Reference tables keep key names whole (no `namespace_su` / `ffix`).
    css = (site / "assets" / "stylesheets" / "extra.css").read_text(encoding="utf-8")
    assert re.search(r"td:first-child code \{[^}]*white-space: nowrap", css)
    assert "assets/stylesheets/extra.css" in (site / "reference" / "answers" / "index.html").read_text()
