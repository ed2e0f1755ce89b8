"""A content-addressed cache of chart renders and their per-object check results.

An entry's key is a SHA-256 over everything its content depends on (the chart directory's
files, the values, release name and namespace, the Kubernetes version, Helm's and the schemas'
versions, scaffold's version and this format's version), so an entry is never stale: a change
to any input is a different key. Entries live under ``platformdirs.user_cache_dir
("gitops-scaffold")`` (``SCAFFOLD_CACHE_DIR`` overrides it), one file each::

    {"format": 1, "key": "<key>", "sha256": "<of the payload bytes>"}\\n<payload JSON>

An entry is trusted only when its header names this format and this key and the checksum
matches; anything else (a torn write, another version's file, a hand edit) is a miss. Writes
go to a temporary file renamed into place (``os.replace``), so concurrent runs see a whole
entry or none. The total size is bounded: when a run wrote entries and the cache grew past
``MAX_BYTES``, the least recently used entries (by mtime, touched on every hit) are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

FORMAT = 1
MAX_BYTES = 512 * 1024 * 1024
_KEEP_FRACTION = 0.8  # evict down to this share of MAX_BYTES, so a full cache is not trimmed every run


def cache_dir() -> Path:
    override = os.environ.get("SCAFFOLD_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("gitops-scaffold"))


def digest(*parts: Any) -> str:
    """A key from JSON-able parts (order matters, dict order does not)."""
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_SKIPPED_NAMES = frozenset({".git", "__pycache__", ".DS_Store"})


def tree_hash(directory: Path) -> str:
    """The SHA-256 of a directory's files: relative paths and contents, in sorted order
    (symbolic links by their target's content, as Helm reads them)."""
    sha = hashlib.sha256()
    for path in sorted(p for p in directory.rglob("*") if not _SKIPPED_NAMES & set(p.parts)):
        if not path.is_file():
            continue
        rel = path.relative_to(directory).as_posix().encode("utf-8")
        data = path.read_bytes()
        sha.update(b"%d:%s%d:" % (len(rel), rel, len(data)))
        sha.update(data)
    return sha.hexdigest()


class Cache:
    """Get and put JSON payloads by key; ``enabled=False`` (``--no-cache``) reads and writes nothing."""

    def __init__(self, directory: Path | None = None, *, enabled: bool = True, max_bytes: int = MAX_BYTES):
        self.enabled = enabled
        self.root = directory or (cache_dir() if enabled else Path())  # what a worker reopens
        self.directory = self.root / f"v{FORMAT}"
        self.max_bytes = max_bytes
        self.hits = 0
        self.writes = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> Any | None:
        """The payload stored under ``key``, or None (missing, corrupt, foreign or disabled)."""
        if not self.enabled:
            return None
        path = self._path(key)
        try:
            raw = path.read_bytes()
            head, _, body = raw.partition(b"\n")
            header = json.loads(head)
            if (
                not isinstance(header, dict)
                or header.get("format") != FORMAT
                or header.get("key") != key
                or header.get("sha256") != hashlib.sha256(body).hexdigest()
            ):
                return None
            payload = json.loads(body)
        except (OSError, ValueError):
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
        self.hits += 1
        return payload

    def put(self, key: str, payload: Any) -> None:
        """Store a JSON-able payload (atomically); a full or read-only disk is not an error."""
        if not self.enabled:
            return
        path = self._path(key)
        try:
            body = json.dumps(payload, separators=(",", ":"), allow_nan=True).encode("utf-8")
            header = json.dumps({"format": FORMAT, "key": key, "sha256": hashlib.sha256(body).hexdigest()})
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
            try:
                with os.fdopen(handle, "wb") as out:
                    out.write(header.encode("utf-8") + b"\n" + body)
                Path(temp).replace(path)  # atomic: readers see all of it or nothing
            except BaseException:
                Path(temp).unlink(missing_ok=True)
                raise
        except (OSError, TypeError, ValueError):
            return
        self.writes += 1

    def trim(self) -> None:
        """Remove least recently used entries while the cache is over its bound (after writes)."""
        if not self.enabled or not self.writes:
            return
        entries: list[tuple[float, int, Path]] = []
        try:
            for path in self.directory.glob("*/*.json"):
                try:
                    stat = path.stat()
                except OSError:
                    continue  # removed by a concurrent run
                entries.append((stat.st_mtime, stat.st_size, path))
        except OSError:
            return
        total = sum(size for _, size, _ in entries)
        if total <= self.max_bytes:
            return
        for _, size, path in sorted(entries):
            if total <= self.max_bytes * _KEEP_FRACTION:
                break
            path.unlink(missing_ok=True)
            total -= size
