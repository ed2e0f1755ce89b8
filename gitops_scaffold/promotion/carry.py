"""Pins moved by set-image/promote survive every later render and are not "your edits".

A service's ``values-<env>.yaml`` is seeded: the render wrote it once, and ``image.tag`` there
moves with every release. A later render (add-env, upgrade, render) merges three ways against
the last render (the base); a tag moved next to a line the new templates also change would
then be a conflict, and a status would list the file as edited by hand. So before the merge,
the pins that differ on disk from the base are written into both the base and the new render:
the merge then sees only the other changes, and the pin on disk wins. The record keeps the
pure render, so the next command decides the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from gitops_scaffold.errors import UserInputError
from gitops_scaffold.model import Answers
from gitops_scaffold.promotion.keys import VALUES_PATH, pinned_keys
from gitops_scaffold.promotion.values_edit import lookup, parse_values, set_key

Carry = Callable[[str, str | None, str | None, str], tuple[str | None, str]]


def pin_carrier(answers: Answers) -> Carry:
    """``(path, base, current, new) -> (base, new)`` with the moved pins of ``current`` in both."""

    def carry(path: str, base: str | None, current: str | None, new: str) -> tuple[str | None, str]:
        match = VALUES_PATH.fullmatch(path)
        if match is None or base is None or current is None or current == base:
            return base, new
        try:
            _, base_data = parse_values(path, base)
            _, current_data = parse_values(path, current)
        except UserInputError:
            return base, new  # the plan reports the file as it is
        for key in pinned_keys(answers, match["service"]):
            value = lookup(current_data, key)
            if not isinstance(value, str) or value == lookup(base_data, key):
                continue
            try:
                base, new = set_key(path, base, key, value), set_key(path, new, key, value)
            except UserInputError:
                continue  # the new render has no place for it: a plain merge decides
        return base, new

    return carry


def only_pins_moved(carry: Carry, path: str, base: str, current: str) -> bool:
    """The file differs from what the scaffold wrote only in pins set by set-image/promote."""
    carried, _ = carry(path, base, current, base)
    return carried == current and carried != base
