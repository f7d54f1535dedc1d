"""Opaque bearer secrets: random, prefixed by purpose, stored only as SHA-256 digests."""

from __future__ import annotations

import hashlib
import secrets

#: prefixes tell the kinds apart (and let secret scanners recognise a leaked token)
PENDING = "kzp_"
SESSION = "kzs_"
USER_BEARER = "kzu_"
CLIENT_BEARER = "kzc_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_id() -> str:
    """A public, non-secret identifier (for sessions, tokens and users)."""
    return secrets.token_hex(16)
