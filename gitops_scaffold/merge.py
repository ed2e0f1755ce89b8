"""Three-way merge of text, line by line (the diff3 algorithm of bzr/merge3).

``base`` is what the scaffold wrote last time, ``yours`` is the file on disk, ``theirs`` is the
new render. Regions changed on one side only are taken from that side; regions changed on
both sides differently become a conflict with git-style markers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

YOURS_MARKER = "<<<<<<< yours (edited in this repo)\n"
BASE_MARKER = "||||||| scaffold, last written\n"
SPLIT_MARKER = "=======\n"
THEIRS_MARKER = ">>>>>>> scaffold, new render\n"

Region = tuple[int, int, int, int, int, int]


@dataclass(frozen=True)
class MergeResult:
    text: str
    conflicts: int


def _lines(text: str) -> list[str]:
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"  # so a missing final newline is not a one-line conflict
    return lines


def _sync_regions(base: list[str], yours: list[str], theirs: list[str]) -> list[Region]:
    """Stretches where all three agree: (base start, end, yours start, end, theirs start, end)."""
    ours_blocks = SequenceMatcher(None, base, yours, autojunk=False).get_matching_blocks()
    theirs_blocks = SequenceMatcher(None, base, theirs, autojunk=False).get_matching_blocks()
    regions: list[Region] = []
    i = j = 0
    while i < len(ours_blocks) and j < len(theirs_blocks):
        a_base, a_match, a_len = ours_blocks[i]
        b_base, b_match, b_len = theirs_blocks[j]
        start = max(a_base, b_base)
        end = min(a_base + a_len, b_base + b_len)
        if start < end:
            a_sub = a_match + (start - a_base)
            b_sub = b_match + (start - b_base)
            regions.append((start, end, a_sub, a_sub + end - start, b_sub, b_sub + end - start))
        if a_base + a_len < b_base + b_len:
            i += 1
        else:
            j += 1
    regions.append((len(base), len(base), len(yours), len(yours), len(theirs), len(theirs)))
    return regions


def _merged_chunks(
    base: list[str], yours: list[str], theirs: list[str]
) -> Iterator[tuple[list[str], list[str], list[str]] | list[str]]:
    """Resolved chunks as a list of lines; conflicts as (yours, base, theirs)."""
    z = a = b = 0
    for z_match, z_end, a_match, a_end, b_match, b_end in _sync_regions(base, yours, theirs):
        same, mine, new = base[z:z_match], yours[a:a_match], theirs[b:b_match]
        if mine or new:
            if new in (mine, same):
                yield mine
            elif mine == same:
                yield new
            else:
                yield (mine, same, new)
        elif same:
            pass  # deleted on both sides
        yield base[z_match:z_end]
        z, a, b = z_end, a_end, b_end


def merge3(base: str, yours: str, theirs: str) -> MergeResult:
    out: list[str] = []
    conflicts = 0
    for chunk in _merged_chunks(_lines(base), _lines(yours), _lines(theirs)):
        if isinstance(chunk, tuple):
            mine, same, new = chunk
            conflicts += 1
            out += [YOURS_MARKER, *mine, BASE_MARKER, *same, SPLIT_MARKER, *new, THEIRS_MARKER]
        else:
            out += chunk
    text = "".join(out)
    if yours and not yours.endswith("\n") and theirs and not theirs.endswith("\n"):
        text = text.removesuffix("\n")
    return MergeResult(text=text, conflicts=conflicts)


def has_conflict_markers(text: str) -> bool:
    return YOURS_MARKER in text and THEIRS_MARKER in text
