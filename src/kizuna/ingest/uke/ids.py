"""Resource ids equal to :func:`kizuna.ingest.base.stable_id`, for many ids at once.

A receipt yields a dozen resources whose ids share a prefix (format, facility, patient),
so :class:`IdMaker` hashes the prefix once. Ids of facilities and payers repeat across
receipts and are cached.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from kizuna.ingest.base import _NAMESPACE_BYTES, stable_id, uuid5_text


class IdMaker:
    """``stable_id(*prefix, *parts)`` for many ids sharing a prefix: the prefix is hashed once."""

    __slots__ = ("_base",)

    def __init__(self, *prefix: object) -> None:
        head = "\x1f".join(map(str, prefix)) + "\x1f"
        self._base = hashlib.sha1(_NAMESPACE_BYTES + head.encode("utf-8"), usedforsecurity=False)

    def __call__(self, first: object, *rest: object) -> str:
        h = self._base.copy()
        text = "\x1f".join([str(first), *map(str, rest)]) if rest else str(first)
        h.update(text.encode("utf-8"))
        return uuid5_text(h.digest())


@lru_cache(maxsize=65536)
def cached_id(*parts: str) -> str:
    """For ids of shared resources (facilities, payers, practitioners) that recur."""
    return stable_id(*parts)
