"""Three-way merge: one-sided changes are taken, two-sided different changes conflict."""

from __future__ import annotations

from gitops_scaffold.merge import BASE_MARKER, SPLIT_MARKER, THEIRS_MARKER, YOURS_MARKER, merge3

BASE = "a\nb\nc\nd\ne\n"


def test_changes_on_different_lines_merge_cleanly() -> None:
    result = merge3(BASE, "a\nB\nc\nd\ne\nadded\n", "a\nb\nc\nD\ne\n")
    assert result.conflicts == 0
    assert result.text == "a\nB\nc\nD\ne\nadded\n"


def test_same_change_on_both_sides_is_not_a_conflict() -> None:
    result = merge3(BASE, "a\nX\nc\nd\ne\n", "a\nX\nc\nd\ne\n")
    assert (result.conflicts, result.text) == (0, "a\nX\nc\nd\ne\n")


def test_different_changes_to_one_line_conflict_with_markers() -> None:
    result = merge3(BASE, "a\nmine\nc\nd\ne\n", "a\ntheirs\nc\nd\ne\n")
    assert result.conflicts == 1
    assert result.text == (
        f"a\n{YOURS_MARKER}mine\n{BASE_MARKER}b\n{SPLIT_MARKER}theirs\n{THEIRS_MARKER}c\nd\ne\n"
    )


def test_only_one_side_changed() -> None:
    assert merge3(BASE, BASE, "new\n" + BASE).text == "new\n" + BASE
    assert merge3(BASE, BASE + "mine\n", BASE).text == BASE + "mine\n"


def test_deletion_on_one_side_and_edit_elsewhere() -> None:
    result = merge3(BASE, "a\nc\nd\ne\n", "a\nb\nc\nd\ne\nf\n")
    assert (result.conflicts, result.text) == (0, "a\nc\nd\ne\nf\n")


def test_missing_final_newline_is_not_a_conflict() -> None:
    result = merge3(BASE, BASE.rstrip("\n"), BASE + "f\n")
    assert result.conflicts == 0
    assert result.text == BASE + "f\n"


def test_repetitive_yaml_lines_merge_at_the_right_place() -> None:
    base = "".join(f"  - name: s{i}\n    port: 80\n" for i in range(5))
    yours = base.replace("name: s2\n    port: 80", "name: s2\n    port: 8080")
    theirs = base + "  - name: s5\n    port: 80\n"
    result = merge3(base, yours, theirs)
    assert result.conflicts == 0
    assert result.text == yours + "  - name: s5\n    port: 80\n"
