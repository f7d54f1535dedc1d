"""Resource ids equal to :func:`kizuna.ingest.base.stable_id`, computed without ``uuid.UUID``.

A receipt yields a dozen resources and the pipeline's budget is a fraction of a millisecond
per receipt, so the UUIDv5 of the shared contract is computed here straight from SHA-1 (the
same bytes, version and variant bits; tests check both functions agree). Ids of facilities and
payers repeat across receipts and are cached.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from kizuna.ingest.base import _NAMESPACE

_PREFIX = _NAMESPACE.bytes


def _uuid5_text(digest: bytes) -> str:
    b = bytearray(digest[:16])
    b[6] = (b[6] & 0x0F) | 0x50  # version 5
    b[8] = (b[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def fast_stable_id(*parts: object) -> str:
    """The same value as ``stable_id(*parts)``: a UUIDv5 in the shared namespace."""
    name = "\x1f".join(map(str, parts))
    return _uuid5_text(hashlib.sha1(_PREFIX + name.encode("utf-8"), usedforsecurity=False).digest())


class IdMaker:
    """``stable_id(*prefix, *parts)`` for many ids sharing a prefix: the prefix is hashed once."""

    __slots__ = ("_base",)

    def __init__(self, *prefix: object) -> None:
        head = "\x1f".join(map(str, prefix)) + "\x1f"
        self._base = hashlib.sha1(_PREFIX + head.encode("utf-8"), usedforsecurity=False)

    def __call__(self, first: object, *rest: object) -> str:
        h = self._base.copy()
        text = "\x1f".join([str(first), *map(str, rest)]) if rest else str(first)
        h.update(text.encode("utf-8"))
        return _uuid5_text(h.digest())


@lru_cache(maxsize=65536)
def cached_id(*parts: str) -> str:
    """For ids of shared resources (facilities, payers, practitioners) that recur."""
    return fast_stable_id(*parts)
