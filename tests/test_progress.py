"""The progress line: on a terminal's stderr only, never in pipes or with -q (checked through a pty).

SCAFFOLD_PROGRESS_DELAY=0 shows it at once, so no test depends on how long the work takes.
"""

from __future__ import annotations

import io
import os
import pty
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from gitops_scaffold import progress
from tests.factory import EXAMPLE, ROOT, init_repo, write_answers

PROGRESS = re.compile(r"\r\x1b\[K(scaffold[a-z ]*): ([a-zA-Z ]+) (\d+)(?:/(\d+))?")


def _run(args: list[str], *, stderr_is_tty: bool, cwd: Path) -> tuple[int, str, str]:
    env = {**os.environ, "SCAFFOLD_PROGRESS_DELAY": "0", "PYTHONPATH": str(ROOT), "TERM": "xterm"}
    command = [sys.executable, "-m", "gitops_scaffold", *args]
    if not stderr_is_tty:
        done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
        return done.returncode, done.stdout, done.stderr
    controller, terminal = pty.openpty()
    proc = subprocess.Popen(
        command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=terminal
    )
    os.close(terminal)
    seen = bytearray()
    while True:
        ready, _, _ = select.select([controller], [], [], 0.5)
        if ready:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the pty closes when the process ends
                break
            if not chunk:
                break
            seen += chunk
        elif proc.poll() is not None:
            break
    assert proc.stdout is not None
    out = proc.stdout.read().decode()
    os.close(controller)
    return proc.wait(), out, seen.decode(errors="replace")


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_repo(tmp_path_factory.mktemp("progress"), EXAMPLE.read_text())


def test_validate_shows_counts_on_a_terminal_and_clears_the_line(repo: Path) -> None:
    code, out, err = _run(["validate", str(repo), "--no-helm"], stderr_is_tty=True, cwd=repo)
    assert code == 0, out + err
    shown = PROGRESS.findall(err)
    assert shown, err
    assert {label for label, *_ in shown} == {"scaffold validate"}
    assert any(total and int(done) <= int(total) for _, _, done, total in shown)
    assert err.endswith("\r\x1b[K")  # the last thing written erases the line
    assert "\r" not in out and "\nOK: " in out


def test_no_progress_with_quiet(repo: Path) -> None:
    code, _, err = _run(["validate", str(repo), "--no-helm", "-q"], stderr_is_tty=True, cwd=repo)
    assert code == 0
    assert not PROGRESS.search(err) and "\x1b[K" not in err


def test_no_progress_when_stderr_is_a_pipe(repo: Path) -> None:
    code, out, err = _run(["validate", str(repo), "--no-helm"], stderr_is_tty=False, cwd=repo)
    assert code == 0
    assert "\x1b" not in err + out and "\r" not in err + out


def test_init_and_preview_show_progress_too(tmp_path: Path, repo: Path) -> None:
    answers = write_answers(tmp_path / "scaffold.yaml", EXAMPLE.read_text())
    init = ["init", str(tmp_path / "new"), "--answers", str(answers), "--commit"]
    code, _, err = _run(init, stderr_is_tty=True, cwd=tmp_path)
    assert code == 0, err
    phases = [phase for label, phase, *_ in PROGRESS.findall(err) if label == "scaffold"]
    # Writing (each file synced to disk) and committing are most of a large init's time.
    assert list(dict.fromkeys(phases)) == ["rendering", "writing files", "git add", "git commit"]
    code, _, err = _run(["preview", str(repo)], stderr_is_tty=True, cwd=repo)
    assert code == 0, err
    assert {label for label, *_ in PROGRESS.findall(err)} == {"scaffold preview"}


def test_nothing_is_drawn_before_the_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    monkeypatch.setenv("SCAFFOLD_PROGRESS_DELAY", "3600")
    with progress.shown("scaffold validate", progress.wanted(False, stream), stream):
        progress.tick("checking schemas", 1, 10)
    assert stream.getvalue() == ""
    monkeypatch.setenv("SCAFFOLD_PROGRESS_DELAY", "0")
    with progress.shown("scaffold validate", True, stream):
        progress.tick("checking schemas", 1, 10)
    assert stream.getvalue() == "\r\x1b[Kscaffold validate: checking schemas 1/10\r\x1b[K"
    progress.tick("outside", 1)  # no line is active: nothing happens
    assert stream.getvalue().count("scaffold validate") == 1
