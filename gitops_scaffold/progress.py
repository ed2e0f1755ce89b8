"""A progress line on stderr for long work: shown after a couple of seconds, on a terminal only.

The CLI turns it on around a command (``shown``); the core only calls ``tick`` at its loops,
which costs nothing when no progress is shown (pipes, CI logs, ``-q``, the tests' CliRunner).
A leaf module (it imports nothing of the package), so the check half may use it too.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TextIO

# Seconds of work before the line appears; SCAFFOLD_PROGRESS_DELAY overrides it (tests use 0).
DEFAULT_DELAY = 2.0
_REDRAW_EVERY = 0.1


@dataclass
class _Line:
    label: str
    stream: TextIO
    delay: float
    started: float = field(default_factory=time.monotonic)
    drawn_at: float = 0.0
    drawn: bool = False
    phase: str = ""

    def draw(self, phase: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - self.started < self.delay:
            return
        # Counts are redrawn at most ten times a second; a new phase is shown at once.
        if self.drawn and phase == self.phase and now - self.drawn_at < _REDRAW_EVERY:
            return
        count = f"{done}/{total}" if total is not None else str(done)
        # \r and erase-line: the line is rewritten in place and never scrolls the terminal.
        self.stream.write(f"\r\033[K{self.label}: {phase} {count}")
        self.stream.flush()
        self.drawn, self.drawn_at, self.phase = True, now, phase

    def clear(self) -> None:
        if self.drawn:
            self.stream.write("\r\033[K")
            self.stream.flush()


_active: ContextVar[_Line | None] = ContextVar("scaffold_progress", default=None)


def wanted(quiet: bool, stream: TextIO | None = None) -> bool:
    """Progress only for a person watching: a terminal, not -q, not a dumb terminal."""
    stream = stream or sys.stderr
    return not quiet and stream.isatty() and os.environ.get("TERM") != "dumb"


@contextmanager
def shown(label: str, enabled: bool, stream: TextIO | None = None) -> Iterator[None]:
    """Show progress ticks of the work inside, labelled ``label``, when ``enabled``."""
    if not enabled:
        yield
        return
    delay = float(os.environ.get("SCAFFOLD_PROGRESS_DELAY", DEFAULT_DELAY))
    line = _Line(label, stream or sys.stderr, delay)
    token = _active.set(line)
    try:
        yield
    finally:
        line.clear()
        _active.reset(token)


def tick(phase: str, done: int, total: int | None = None) -> None:
    """Report ``done`` of ``total`` items of ``phase``; counts drawn at most ten times a second."""
    line = _active.get()
    if line is not None:
        line.draw(phase, done, total)
