"""A Rust-backed verdict (``jsonschema-rs``) in front of the pure-Python ``jsonschema`` checks.

Nearly every object a repository holds is valid, and pure-Python ``jsonschema`` spends about
4 ms to say so about a rendered Deployment; ``jsonschema-rs`` says it in a few microseconds. So
each validator is compiled once per schema (per kind and apiVersion) with ``jsonschema-rs``
and asked for the verdict only; an object it finds invalid goes to the Python validator,
whose errors make the messages users see (so the text stays exactly what it was).
``tests/validate/test_fastschema.py`` checks that both engines agree on a corpus of invalid objects.

Without ``jsonschema-rs`` installed every object goes to the Python validator, as before.
"""

from __future__ import annotations

from typing import Any


def available() -> bool:
    try:
        import jsonschema_rs  # noqa: F401
    except ImportError:
        return False
    return True


def compile_verdict(
    schema: dict[str, Any], *, draft7: bool = False, definitions: dict[str, Any] | None = None
) -> Any | None:
    """A ``jsonschema-rs`` validator for ``schema`` (its ``is_valid`` is the verdict), or None
    when the library is missing or cannot compile it (then the Python validator decides alone).

    ``definitions`` is the one document every ``$ref`` of Kubernetes' schemas points into
    (``/api/_definitions.json``); formats are not asserted, as in the Python validators."""
    try:
        import jsonschema_rs
    except ImportError:
        return None

    def retrieve(uri: str) -> Any:
        if definitions is not None and uri.endswith("/_definitions.json"):
            return definitions
        raise ValueError(f"no offline copy of {uri}")

    try:
        if draft7:
            return jsonschema_rs.Draft7Validator(schema, validate_formats=False, retriever=retrieve)
        return jsonschema_rs.validator_for(schema, validate_formats=False, retriever=retrieve)
    except (ValueError, jsonschema_rs.ReferencingError):
        return None


def is_valid(verdict: Any | None, data: Any) -> bool:
    """True only when the fast validator exists and finds ``data`` valid."""
    if verdict is None:
        return False
    try:
        return bool(verdict.is_valid(data))
    except (ValueError, TypeError, OverflowError):  # a value Rust cannot take (e.g. a date)
        return False
