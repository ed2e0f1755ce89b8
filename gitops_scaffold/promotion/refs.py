"""What an image reference may be: the OCI distribution grammar, with `latest` refused.

Tags: ``[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`` (OCI distribution spec, "tag"). Digests: only
``sha256:`` and 64 lowercase hex digits, the one algorithm registries and the kubelet accept
in practice. Repositories: an optional registry host (with port) and lowercase path
components, as `docker/distribution/reference` parses them.
"""

from __future__ import annotations

import re

from gitops_scaffold.errors import UserInputError

TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,127}")
DIGEST = re.compile(r"sha256:[a-f0-9]{64}")
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_HOST = rf"(?:{_LABEL}(?:\.{_LABEL})*(?::[0-9]+)?/)"
REPOSITORY = re.compile(rf"{_HOST}?{_COMPONENT}(?:/{_COMPONENT})*")
MAX_REPOSITORY = 255


def check_tag(tag: str, where: str = "--tag") -> str:
    if tag.lower() == "latest":
        raise UserInputError(f"{where}: {tag!r} is not a pinned tag; name a release such as 'v1.4.2'")
    if not TAG.fullmatch(tag):
        raise UserInputError(
            f"{where}: {tag!r} is not an image tag (letters, digits, '_', '.' and '-', "
            "not starting with '.' or '-', at most 128 characters)"
        )
    return tag


def check_digest(digest: str, where: str = "--digest") -> str:
    if not DIGEST.fullmatch(digest):
        raise UserInputError(
            f"{where}: {digest!r} is not an image digest; expected 'sha256:' and 64 lowercase hex digits"
        )
    return digest


def check_repository(repository: str, where: str = "--image") -> str:
    if ":" in repository.rsplit("/", 1)[-1] or "@" in repository:
        raise UserInputError(f"{where}: {repository!r} names a tag or digest; give the repository only")
    if len(repository) > MAX_REPOSITORY or not REPOSITORY.fullmatch(repository):
        raise UserInputError(
            f"{where}: {repository!r} is not an image repository such as "
            "'123456789012.dkr.ecr.eu-west-1.amazonaws.com/orders'"
        )
    return repository


def is_pin(value: object) -> bool:
    """A tag or digest a values file may hold (what `versions` and `promote` accept as a source)."""
    if not isinstance(value, str):
        return False
    return bool(DIGEST.fullmatch(value) or (TAG.fullmatch(value) and value.lower() != "latest"))
