"""The guarded YAML reader: the same values as PyYAML's safe loader, bounds kept.

``safe_load_all`` builds plain documents without PyYAML's constructor (most of a load's time);
these tests hold it to ``yaml.safe_load_all`` on everything YAML can say, including what the
fast path hands back to PyYAML (tags, merge keys, non-string keys, timestamps, aliases).
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gitops_scaffold.yaml_guard import MAX_NESTING, AliasBombError, safe_load, safe_load_all

TRICKY = [
    "",
    "---\n",
    "--- \n---\n",
    "a: 1\n",
    "a: 0o17\nb: 017\nc: 0x1F\nd: 1_000\ne: -0\nf: +12\n",
    "a: .inf\nb: -.Inf\nc: 1e3\nd: 6.8523015e+5\ne: 190:20:30.15\nf: 1:30\n",
    "a: yes\nb: No\nc: on\nd: OFF\ne: true\nf: ~\ng: null\nh:\n",
    "when: 2026-12-02\nat: 2001-12-14t21:59:43.10-05:00\n",
    "base: &b {x: 1, y: [1, 2]}\nderived:\n  <<: *b\n  y: 3\n",
    "1: one\n2.5: half\ntrue: yes\n~: nothing\n",
    "? [a, b]\n: composite\n",
    "s: !!str 123\nb: !!binary aGVsbG8=\nset: !!set {a, b}\n",
    "pairs: !!pairs [a: 1, b: 2]\nomap: !!omap [a: 1]\n",
    "k: 'quoted: value'\nl: \"tab\\there\"\nm: |\n  line one\n  line two\nn: >-\n  folded\n  text\n",
    "dup: 1\ndup: 2\n",
    "list:\n- a\n- - nested\n  - deeper\n- {flow: [1, 2, {k: v}]}\n",
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, annotations: {a: 'b&c'}}\ndata:\n  cmd: a && b\n",
    "a: &anchor 1\nb: *anchor\n",
    "x: '*not an alias'\ny: '&not an anchor'\n",
    "first: 1\n---\nsecond: [2]\n--- just a string\n",
]


def _same(left: Any, right: Any) -> bool:
    """Equal values (NaN equal to NaN), with the same types throughout."""
    if isinstance(left, type) or isinstance(right, type):
        return left is right
    if type(left) is not type(right):
        return False
    if isinstance(left, float) and math.isnan(left):
        return math.isnan(right)
    if isinstance(left, dict):
        return list(left) == list(right) and all(_same(left[k], right[k]) for k in left)
    if isinstance(left, list):
        return len(left) == len(right) and all(_same(a, b) for a, b in zip(left, right, strict=True))
    return bool(left == right)


def _outcome(load: Any, text: str) -> Any:
    try:
        return list(load(text))
    except yaml.YAMLError as exc:
        return type(exc)


@pytest.mark.parametrize("text", TRICKY)
def test_values_are_pyyamls(text: str) -> None:
    """The same documents, or the same kind of error (an unhashable key, say)."""
    assert _same(_outcome(safe_load_all, text), _outcome(yaml.safe_load_all, text))


def test_nan_is_read_as_nan() -> None:
    [doc] = safe_load_all("a: .nan\n")
    assert math.isnan(doc["a"])


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(
        ["yes", "no", "on", "~", "0o7", "012", "1e3", ".inf", "2026-01-01", "a: b", "- x", "&a", "*a"]
    ),
)
_documents = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_documents, min_size=1, max_size=3), st.booleans())
def test_any_dumped_document_reads_back_as_pyyaml_reads_it(documents: list[Any], flow: bool) -> None:
    text = yaml.safe_dump_all(documents, default_flow_style=flow, sort_keys=False, allow_unicode=True)
    assert _same(safe_load_all(text), list(yaml.safe_load_all(text)))


def test_an_alias_bomb_is_still_refused() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(5)
    )
    with pytest.raises(AliasBombError):
        safe_load_all(bomb)


def test_nesting_beyond_the_bound_is_refused() -> None:
    deep = "[" * (MAX_NESTING + 5) + "]" * (MAX_NESTING + 5)
    with pytest.raises(AliasBombError, match="nested more than"):
        safe_load_all(deep)
    near = "[" * (MAX_NESTING - 1) + "]" * (MAX_NESTING - 1)
    assert _same(safe_load_all(near), list(yaml.safe_load_all(near)))


@pytest.mark.parametrize(
    "text", ["", "a: 1\n", "---\na: 1\n", "a: 1\n---\nb: 2\n", "---\n", "x\n", "a: &x 1\nb: *x\n"]
)
def test_safe_load_is_pyyamls(text: str) -> None:
    """One document (or None), or PyYAML's error for a stream of several."""
    assert _same(_outcome(lambda t: [safe_load(t)], text), _outcome(lambda t: [yaml.safe_load(t)], text))
