"""Which values keys move with a release, and where each service's values files are."""

from __future__ import annotations

import re

from gitops_scaffold.model import Answers

TAG_KEY = "image.tag"
DIGEST_KEY = "image.digest"
REPOSITORY_KEY = "image.repository"
# Keys set-image writes; a render carries them over when they were moved (carry.py).
IMAGE_KEYS = (TAG_KEY, DIGEST_KEY, REPOSITORY_KEY)
VALUES_PATH = re.compile(r"apps/services/(?P<service>[^/]+)/values-(?P<env>[^/]+)\.yaml")


def values_path(service: str, env: str) -> str:
    return f"apps/services/{service}/values-{env}.yaml"


def promotable_keys(answers: Answers, service: str) -> list[str]:
    """The configured keys for ``service``; the digest travels with the tag."""
    override = answers.promotion.services.get(service)
    keys = list(override.keys if override is not None else answers.promotion.keys)
    if TAG_KEY in keys and DIGEST_KEY not in keys:
        keys.insert(keys.index(TAG_KEY) + 1, DIGEST_KEY)
    return list(dict.fromkeys(keys))


def pinned_keys(answers: Answers, service: str) -> list[str]:
    """Every key set-image or promote may have written for ``service``."""
    return list(dict.fromkeys([*IMAGE_KEYS, *promotable_keys(answers, service)]))
