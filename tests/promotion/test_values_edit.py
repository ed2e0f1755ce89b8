"""The positioned edit of one values key: only that value's characters change."""

from __future__ import annotations

import pytest
import yaml

from gitops_scaffold.errors import UserInputError
from gitops_scaffold.promotion.values_edit import set_key


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("image:\n  tag: v1\n", 'image:\n  tag: "v2"\n'),
        ("image:\n  tag: 'v1'   # pinned\n", 'image:\n  tag: "v2"   # pinned\n'),
        ('image: {tag: "v1", pullPolicy: Always}\n', 'image: {tag: "v2", pullPolicy: Always}\n'),
        (
            "a: 1\nimage:\n  repository: r\n  tag: v1\nb: 2\n",
            'a: 1\nimage:\n  repository: r\n  tag: "v2"\nb: 2\n',
        ),
        (
            "image:\n  repository: r\n# tail comment\n",
            'image:\n  repository: r\n  tag: "v2"\n# tail comment\n',
        ),
        ("image: {repository: r}\n", 'image: {repository: r, tag: "v2"}\n'),
        ("image:\n  tag: |\n    v1\nnext: 1\n", 'image:\n  tag: "v2"\nnext: 1\n'),
    ],
)
def test_only_the_value_changes(before: str, after: str) -> None:
    assert set_key("v.yaml", before, "image.tag", "v2") == after
    assert yaml.safe_load(after)["image"]["tag"] == "v2"


def test_a_value_that_already_reads_as_the_string_keeps_its_quoting() -> None:
    text = "image:\n  tag: 'v2' # same\n"
    assert set_key("v.yaml", text, "image.tag", "v2") == text


def test_a_number_that_looks_like_the_tag_is_rewritten_as_a_string() -> None:
    assert set_key("v.yaml", "image:\n  tag: 1.10\n", "image.tag", "1.10") == 'image:\n  tag: "1.10"\n'


@pytest.mark.parametrize(
    "text",
    [
        "base: &b {tag: v1}\nimage: *b\n",  # an alias shares the node
        "image:\n  tag: v1\n  tag: v0\n",  # a duplicate key: which one Helm reads is not this one
    ],
)
def test_an_edit_that_would_reach_further_is_refused(text: str) -> None:
    with pytest.raises(UserInputError, match=r"^v\.yaml: image\.tag: cannot be changed alone"):
        set_key("v.yaml", text, "image.tag", "v2")


def test_a_parent_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(UserInputError, match=r"^v\.yaml: image\.tag: its parent is not a mapping"):
        set_key("v.yaml", "image: ghcr.io/x:v1\n", "image.tag", "v2")
