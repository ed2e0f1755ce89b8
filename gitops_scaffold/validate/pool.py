"""Run independent jobs on every core, results in the order of the jobs.

Helm's native render releases the GIL (measured: two threads render about 1.7x as fast as one),
but what follows it (YAML parsing, schema checks) is Python and holds it, so the jobs run in
worker processes. They are *spawned*, never forked: the parent has Helm's Go runtime loaded,
and a forked copy of a Go runtime can deadlock. Spawning costs a Python start-up and the
imports per worker (a few hundred ms), so a small batch runs here, serially, and so does any
batch when processes cannot be started (no ``spawn``, a sandbox without semaphores, a broken
worker): the results are the same, only slower.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Below this many jobs the pool's start-up costs more than it saves (about 25 ms per render,
# against roughly 0.5 s to start and import in a worker on a loaded 2-core machine).
MIN_PARALLEL_JOBS = 24


def workers() -> int:
    """Worker processes to use: the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not Linux
        return os.cpu_count() or 1


def run_all(function: Callable[[T], R], jobs: Sequence[T], *, parallel: bool = True) -> list[R]:
    """``[function(job) for job in jobs]``, on ``workers()`` processes when it pays."""
    count = workers()
    if not parallel or count < 2 or len(jobs) < MIN_PARALLEL_JOBS:
        return [function(job) for job in jobs]
    try:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=count, mp_context=context) as executor:
            chunk = max(1, min(16, len(jobs) // (count * 4)))
            return list(executor.map(function, jobs, chunksize=chunk))
    except (OSError, ValueError, NotImplementedError, ImportError, BrokenProcessPool):
        return [function(job) for job in jobs]
