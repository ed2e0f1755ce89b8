"""The one way the write half reads the files it manages: UTF-8 text, or a clear refusal.

plan (what is on disk now), apply (does a write change anything) and the dry-run diff all read
through here, so a file that is not text is met the same way everywhere: one line naming it,
never a traceback or a dump of its bytes.
"""

from __future__ import annotations

from pathlib import Path

from gitops_scaffold.errors import UserInputError


class UndecodableFileError(UserInputError):
    """A file the scaffold manages as text holds bytes that are not UTF-8."""

    def __init__(self, path: str, exc: UnicodeDecodeError) -> None:
        byte = exc.object[exc.start]
        super().__init__(
            f"{path}: not UTF-8 text (byte 0x{byte:02x} at offset {exc.start}); the scaffold "
            f"manages this file as text: restore it (`git checkout -- {path}`) or save it as "
            "UTF-8, then run the command again; nothing was written"
        )
        self.path = path


def read_bytes(repo: Path, path: str) -> bytes | None:
    """The file's bytes; None when it is missing or a folder stands where a file goes
    (writing it is refused before the commit point)."""
    try:
        return (repo / path).read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def read_text(repo: Path, path: str) -> str | None:
    """The file as text with universal newlines (as ``open`` reads it); None when missing.

    Raises UndecodableFileError when the bytes are not UTF-8.
    """
    data = read_bytes(repo, path)
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UndecodableFileError(path, exc) from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def differs(repo: Path, path: str, text: str | None) -> bool:
    """Whether writing ``text`` (None: deleting) would change the file's bytes."""
    if text is None:
        return (repo / path).exists()
    return read_bytes(repo, path) != text.encode("utf-8")
