"""Crash safety: SIGKILL, a full disk or a refused write at every step leaves before or after.

Two ways of killing the real CLI:

- *Deterministic*: the test forks a child (which has the package imported already) that runs
  the command line exactly as ``scaffold`` does, with every file-system mutation (open for
  writing, mkdir, rename/replace, unlink, rmdir, chmod, fsync, sync) counted; the child sends
  itself SIGKILL just before mutation number N. A first run counts the mutations, then N
  sweeps them: by default a sample that always includes the steps around the commit point
  (the journal's rename) and the last move (the answers file); ``SCAFFOLD_CRASH_SWEEP=full``
  kills at every one.
- *Timed*: ``python -m gitops_scaffold`` in a subprocess, SIGKILLed after a sweep of delays.

After each kill the repository, byte for byte (``.git`` aside, where the scaffold keeps its
staging folder and journal), is checked twice:

1. at once, with no recovery: it is *before*, *after*, or a committed journal is present (the
   next command finishes it; apply.py, "the commit point");
2. after the next command's first step (``apply.locked``, which runs ``recover``): it is
   *before* or *after*, and running the command again ends *after*.

The same child can instead make mutation N fail with ENOSPC or EACCES: the command must then
exit 2 with one clear line, and leave the repository as it was.
"""

from __future__ import annotations

import builtins
import errno
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gitops_scaffold import apply
from gitops_scaffold.cli import app
from gitops_scaffold.context import resolve
from gitops_scaffold.model import Answers
from gitops_scaffold.render import render
from gitops_scaffold.state import decode_record, encode_record, record_path
from tests.factory import ROOT, init_repo, minimal, write_answers
from tests.factory import snapshot as snapshot_all

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")

FULL_SWEEP = os.environ.get("SCAFFOLD_CRASH_SWEEP") == "full"
MUTATIONS = ("mkdir", "replace", "rename", "unlink", "remove", "rmdir", "chmod", "fsync", "sync")

ANSWERS = minimal(
    argocd={"chart_version": "10.9.1"},
    services=[
        {"name": "shop", "team": "web", "image": "ghcr.io/acme/shop", "tag": "v1.0.0"},
        {
            "name": "cart",
            "team": "web",
            "image": "ghcr.io/acme/cart",
            "tag": "v2.0.0",
            "autoscaling": {"min": 2, "max": 4},
        },
    ],
)


@dataclass
class Run:
    """How a forked run of the CLI ended, and the mutations it made (when it was not killed)."""

    killed: bool
    exit_code: int | None
    stderr: str
    ops: list[str]


def _writes(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    mode = kwargs.get("mode", args[1] if len(args) > 1 else "r")
    return isinstance(mode, str) and any(flag in mode for flag in "wax+")


def _instrument(kill_at: int, fail_at: int, fail_errno: int, ops: list[str]) -> None:
    """In the child: count mutations; die or fail at the chosen one."""

    def wrap(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
        def hooked(*args: Any, **kwargs: Any) -> Any:
            if name == "open" and not _writes(args, kwargs):
                return real(*args, **kwargs)
            ops.append(f"{name} {args[0] if args else ''}")
            if len(ops) == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            if len(ops) == fail_at:
                raise OSError(fail_errno, os.strerror(fail_errno), str(args[0]) if args else None)
            return real(*args, **kwargs)

        return hooked

    for name in MUTATIONS:
        setattr(os, name, wrap(name, getattr(os, name)))
    hooked_open = wrap("open", io.open)
    io.open = hooked_open  # pathlib opens through io.open
    builtins.open = hooked_open


def run_cli(args: list[str], tmp: Path, kill_at: int = 0, fail_at: int = 0, fail_errno: int = 0) -> Run:
    """Run ``scaffold ARGS`` in a forked child; kill it (or fail) at mutation N (1-based)."""
    trace = tmp / f"trace-{os.getpid()}-{time.monotonic_ns()}.json"
    err = trace.with_suffix(".err")
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 70
        try:
            os.dup2(os.open(err, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)
            sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), write_through=True)
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), write_through=True)
            ops: list[str] = []
            _instrument(kill_at, fail_at, fail_errno, ops)
            try:
                app(args, prog_name="scaffold")
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 1
            with io.FileIO(str(trace), "w") as handle:
                handle.write(json.dumps({"ops": ops}).encode())
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    stderr = err.read_text() if err.exists() else ""
    if os.WIFSIGNALED(status):
        assert os.WTERMSIG(status) == signal.SIGKILL
        return Run(killed=True, exit_code=None, stderr=stderr, ops=[])
    ops = json.loads(trace.read_text())["ops"] if trace.exists() else []
    return Run(killed=False, exit_code=os.WEXITSTATUS(status), stderr=stderr, ops=ops)


def snapshot(repo: Path) -> dict[str, bytes]:
    """The repository's files; not .scaffold/txn/, the (git-ignored) transaction folder of a
    repository without .git."""
    return {p: b for p, b in snapshot_all(repo).items() if not p.startswith(".scaffold/txn/")}


def journal_present(repo: Path) -> bool:
    return (apply.work_dir(repo) / apply.JOURNAL).is_file()


def recover(repo: Path) -> None:
    """What every locked command does first."""
    with apply.locked(repo):
        pass


def commit_point(ops: list[str]) -> int:
    """The number of the journal's rename into place."""
    return next(i for i, op in enumerate(ops, 1) if op.startswith("replace") and "journal.json.tmp" in op)


def kill_points(ops: list[str]) -> list[int]:
    """Mutation numbers to kill at: all of them, or a sample around every phase boundary."""
    total = len(ops)
    if FULL_SWEEP:
        return list(range(1, total + 1))
    commit = commit_point(ops)
    last_move = max(i for i, op in enumerate(ops, 1) if op.startswith("replace") and "staging" in op)
    first_move = commit + 1
    # Staging, the last step before the commit point, the commit point itself, the first,
    # a middle and the last move (the answers file), cleaning up, and the very last step.
    points = {
        2,
        commit // 2,
        commit - 1,
        commit,
        first_move + 1,
        (first_move + last_move) // 2,
        last_move,
        last_move + 1,
        total,
    }
    return sorted(p for p in points if 1 <= p <= total)


# --- the repositories and commands -------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    """Compile every template in this process, so each forked child starts warm."""
    render(resolve(Answers.model_validate(ANSWERS)))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return init_repo(tmp_path_factory.mktemp("crash"), ANSWERS)


@pytest.fixture(scope="module")
def without_git(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same repo with no .git: staging and journal live in .scaffold/txn/ instead."""
    repo = tmp_path_factory.mktemp("nogit") / "repo"
    shutil.copytree(pristine, repo, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    return repo


OLD_LINE = "# written by an older gitops-scaffold\n"


@pytest.fixture(scope="module")
def aged(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repo whose records and files look as an older gitops-scaffold wrote them."""
    repo = init_repo(tmp_path_factory.mktemp("aged"), ANSWERS)
    for key in ("repo", "service/shop", "service_env/cart/prod"):
        record_file = repo / record_path(key)
        files = decode_record(record_file.read_text())
        for path in sorted(files)[:4]:
            files[path] = OLD_LINE + files[path]
            (repo / path).write_text(files[path])
        record_file.write_text(encode_record(files))
    subprocess.run(["git", "commit", "-qam", "older templates"], cwd=repo, check=True)
    return repo


COMMANDS: dict[str, tuple[str, list[str]]] = {
    "add-service": (
        "pristine",
        ["add-service", "search", "--team", "web", "--autoscale", "2:5", "--migrations"],
    ),
    "add-env": ("pristine", ["add-env", "qa", "--cluster", "main"]),
    "remove-service": ("pristine", ["remove-service", "cart"]),
    "upgrade": ("aged", ["upgrade", "--argocd-chart", "10.9.9"]),
    "add-service-without-git": ("without_git", ["add-service", "search", "--team", "web"]),
}


def copy_of(source: Path, tmp: Path, name: str) -> Path:
    target = tmp / name
    shutil.copytree(source, target, symlinks=True)
    return target


@dataclass
class Baseline:
    before: dict[str, bytes]
    after: dict[str, bytes]
    ops: list[str]
    status: dict[str, int]  # what `scaffold status` exits with, before and after


def baseline(source: Path, args: list[str], tmp: Path) -> Baseline:
    repo = copy_of(source, tmp, "baseline")
    before = snapshot(repo)
    status_before = run_cli(["status", "-C", str(repo)], tmp).exit_code
    run = run_cli([*args, "-C", str(repo)], tmp)
    assert run.exit_code == 0, run.stderr
    after = snapshot(repo)
    assert after != before
    status_after = run_cli(["status", "-C", str(repo)], tmp).exit_code
    assert status_before is not None and status_after is not None
    return Baseline(before, after, run.ops, {"before": status_before, "after": status_after})


def status_tells_the_truth(repo: Path, base: Baseline, tmp: Path, point: int) -> list[str]:
    """Right after a kill: `scaffold status` finishes (completing a committed transaction
    first) and reports the state the repo is then in; `git status` finishes and shows changes
    exactly when the repo is no longer the committed *before*."""
    problems = []
    status = run_cli(["status", "-C", str(repo)], tmp)
    state = describe(snapshot(repo), base)
    if state not in ("before", "after"):
        problems.append(f"#{point}: after `scaffold status` the repo is {state}")
    elif status.exit_code != base.status[state]:
        problems.append(f"#{point}: `scaffold status` exits {status.exit_code} on {state}: {status.stderr}")
    if (repo / ".git").exists():
        git = subprocess.run(
            ["git", "status", "--porcelain"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        clean = git.returncode == 0 and git.stdout.strip() == ""
        if git.returncode != 0 or clean != (state == "before"):
            problems.append(f"#{point}: `git status` on {state}: {git.returncode} {git.stdout[:200]!r}")
    return problems


def describe(state: dict[str, bytes], base: Baseline) -> str:
    if state == base.before:
        return "before"
    if state == base.after:
        return "after"
    changed = sorted(p for p in set(state) | set(base.after) if state.get(p) != base.after.get(p))
    return f"neither ({len(changed)} paths differ from after, e.g. {changed[:3]})"


@pytest.mark.parametrize("command", list(COMMANDS))
def test_sigkill_at_every_step_leaves_before_or_after(
    command: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    source: Path = request.getfixturevalue(COMMANDS[command][0])
    args = COMMANDS[command][1]
    base = baseline(source, args, tmp_path)
    problems = []
    seen = {"before": 0, "after": 0, "journal": 0}
    for point in kill_points(base.ops):
        repo = copy_of(source, tmp_path, f"kill-{point}")
        run = run_cli([*args, "-C", str(repo)], tmp_path, kill_at=point)
        assert run.killed, (point, run)
        state = describe(snapshot(repo), base)
        if state in ("before", "after"):
            seen[state] += 1
        elif journal_present(repo):
            seen["journal"] += 1
        else:
            problems.append(f"kill before {base.ops[point - 1]} (#{point}): at once {state}, no journal")
        problems += status_tells_the_truth(repo, base, tmp_path, point)
        recover(repo)
        state = describe(snapshot(repo), base)
        if state not in ("before", "after"):
            problems.append(f"kill before {base.ops[point - 1]} (#{point}): after recovery {state}")
        again = run_cli([*args, "-C", str(repo)], tmp_path)
        if state == "before" and again.exit_code != 0:
            problems.append(f"#{point}: the command run again failed: {again.stderr}")
        if snapshot(repo) != base.after:
            problems.append(f"#{point}: running the command again does not end at after")
        assert not (apply.work_dir(repo) / "staging").exists()
        shutil.rmtree(repo)
    print(f"{command}: {len(base.ops)} mutations, killed at {sum(seen.values())}: {seen}")
    assert problems == []
    assert seen["before"] and seen["after"] and seen["journal"], seen


def test_sigkill_during_init_leaves_nothing_or_the_whole_repo(tmp_path: Path) -> None:
    answers = write_answers(tmp_path / "answers.yaml", ANSWERS)
    dest = tmp_path / "baseline"
    run = run_cli(["init", str(dest), "--answers", str(answers)], tmp_path)
    assert run.exit_code == 0, run.stderr
    after = snapshot(dest)
    problems = []
    seen = Counter[str]()
    for point in kill_points(run.ops):
        target = tmp_path / f"kill-{point}"
        killed = run_cli(["init", str(target), "--answers", str(answers)], tmp_path, kill_at=point)
        assert killed.killed
        state = snapshot(target) if target.exists() else {}
        committed = target.exists() and journal_present(target)
        seen[
            "nothing" if state == {} else "after" if state == after else "journal" if committed else "neither"
        ] += 1
        if state not in ({}, after) and not committed:
            problems.append(f"#{point} ({run.ops[point - 1]}): neither nothing nor the whole repo")
        # What a user does next: run init again.
        again = run_cli(["init", str(target), "--answers", str(answers)], tmp_path)
        finished = again.exit_code == 0 or "already holds a scaffolded repository" in again.stderr
        if not finished or snapshot(target) != after:
            problems.append(
                f"#{point} ({run.ops[point - 1]}): init again -> exit {again.exit_code}, "
                f"{'whole repo' if snapshot(target) == after else 'not the whole repo'}: "
                f"{again.stderr.strip()[:160]}"
            )
        shutil.rmtree(target)
    print(f"init: {len(run.ops)} mutations, killed at {sum(seen.values())}: {dict(seen)}")
    assert problems == [], "\n".join(problems)


# --- a full disk and a refused write, at every step before the commit point ---------------


@pytest.mark.parametrize(
    ("fail_errno", "reason"),
    [(errno.ENOSPC, "the disk is full|no space left on device"), (errno.EACCES, "permission denied")],
)
def test_a_write_that_fails_before_the_commit_point_changes_nothing(
    pristine: Path, tmp_path: Path, fail_errno: int, reason: str
) -> None:
    args = COMMANDS["add-service"][1]
    base = baseline(pristine, args, tmp_path)
    commit = commit_point(base.ops)
    points = (
        range(1, commit + 1) if FULL_SWEEP else sorted({1, 3, commit // 3, commit // 2, commit - 1, commit})
    )
    refused = 0
    for point in points:
        repo = copy_of(pristine, tmp_path, f"fail-{point}")
        run = run_cli([*args, "-C", str(repo)], tmp_path, fail_at=point, fail_errno=fail_errno)
        op = base.ops[point - 1]
        if run.exit_code == 0:  # absorbed: mkdir of a folder that exists already
            assert op.startswith("mkdir") and snapshot(repo) == base.after, op
            continue
        refused += 1
        assert run.exit_code == 2, (op, run)
        lines = run.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("scaffold: "), (op, lines)
        assert re.search(reason, lines[0].lower()) and lines[0].endswith("; nothing was changed"), (op, lines)
        assert snapshot(repo) == base.before, op
        assert not (apply.work_dir(repo) / "staging").exists(), op
        assert not journal_present(repo), op
        again = run_cli([*args, "-C", str(repo)], tmp_path)
        assert again.exit_code == 0 and snapshot(repo) == base.after, (op, again.stderr)
        shutil.rmtree(repo)
    assert refused >= len(points) // 2


def test_a_move_that_fails_after_the_commit_point_is_finished_by_the_next_command(
    pristine: Path, tmp_path: Path
) -> None:
    # No check can rule out an I/O error during a rename; the journal makes it recoverable.
    args = COMMANDS["add-service"][1]
    base = baseline(pristine, args, tmp_path)
    moves = [i for i, op in enumerate(base.ops, 1) if op.startswith("replace") and "staging" in op]
    repo = copy_of(pristine, tmp_path, "eio")
    run = run_cli([*args, "-C", str(repo)], tmp_path, fail_at=moves[len(moves) // 2], fail_errno=errno.EIO)
    assert run.exit_code == 2
    assert run.stderr.splitlines() == [
        f"scaffold: {repo}: stopped half-way through writing (Input/output error); once that is "
        "fixed, any scaffold command (such as `scaffold render`) finishes the change first"
    ]
    assert journal_present(repo)
    assert describe(snapshot(repo), base).startswith("neither")
    recover(repo)
    assert snapshot(repo) == base.after


# --- the real CLI in a subprocess, killed after a delay ------------------------------------


def test_sigkill_after_a_delay(pristine: Path, tmp_path: Path) -> None:
    args = COMMANDS["add-service"][1]
    base = baseline(pristine, args, tmp_path)
    command = [sys.executable, "-m", "gitops_scaffold"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    started = time.monotonic()
    repo = copy_of(pristine, tmp_path, "timed-full")
    subprocess.run([*command, *args, "-C", str(repo), "-q"], check=True, env=env)
    whole = time.monotonic() - started
    fractions = [i / 20 for i in range(6, 22)] if FULL_SWEEP else [0.6, 0.75, 0.9]
    states = []
    for number, fraction in enumerate(fractions):
        repo = copy_of(pristine, tmp_path, f"timed-{number}")
        process = subprocess.Popen([*command, *args, "-C", str(repo), "-q"], env=env)
        time.sleep(whole * fraction)
        process.send_signal(signal.SIGKILL)
        process.wait()
        state = describe(snapshot(repo), base)
        assert state in ("before", "after") or journal_present(repo), (fraction, state)
        recover(repo)
        state = describe(snapshot(repo), base)
        assert state in ("before", "after"), (fraction, state)
        states.append(state)
        shutil.rmtree(repo)
    print(f"timed kills after {whole:.2f}s x {fractions}: {states}")
    assert states
