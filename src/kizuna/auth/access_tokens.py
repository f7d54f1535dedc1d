"""Access tokens for facility systems: opaque, short-lived, kept server-side.

Opaque rather than self-contained JWTs so that revoking a client ends its tokens at once
(MHLW guideline 6.0: access rights withdrawn must stop working immediately). The table
holds the SHA-256 of each token, never the token; one indexed lookup authenticates it.
"""

from __future__ import annotations

from dataclasses import dataclass

from kizuna.auth.clients import Client
from kizuna.auth.clock import Clock, now_ms
from kizuna.auth.tokens import CLIENT_BEARER, new_id, new_token, token_hash
from kizuna.store.db import Tx


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: str
    scopes: tuple[str, ...]
    expires_in: int

    def response(self) -> dict[str, object]:
        return {
            "access_token": self.token,
            "token_type": "bearer",
            "expires_in": self.expires_in,
            "scope": " ".join(self.scopes),
        }


@dataclass(frozen=True)
class TokenHolder:
    token_id: str
    scopes: tuple[str, ...]
    client_id: str
    name: str
    facility_code: str | None
    facility_name: str | None
    prefecture: str | None


def issue(tx: Tx, client: Client, scopes: list[str], lifetime: int, clock: Clock) -> IssuedToken:
    token, token_id, at = new_token(CLIENT_BEARER), new_id(), now_ms(clock)
    tx.insert_rows(
        "auth_access_tokens",
        ("token_hash", "token_id", "client_id", "scopes", "issued_ms", "expires_ms"),
        [
            (
                token_hash(token),
                token_id,
                client.client_id,
                " ".join(scopes),
                at,
                at + lifetime * 1000,
            )
        ],
    )
    return IssuedToken(token, token_id, tuple(scopes), lifetime)


def holder(tx: Tx, token: str, clock: Clock) -> TokenHolder | None:
    """The active client behind a live ``token``, or None."""
    row = tx.fetchone(
        "SELECT t.token_id, t.scopes, t.expires_ms, c.client_id, c.name, c.facility_code,"
        " c.facility_name, c.prefecture, c.status"
        " FROM auth_access_tokens t JOIN auth_clients c ON c.client_id = t.client_id"
        " WHERE t.token_hash = ?",
        (token_hash(token),),
    )
    if row is None or row[2] <= now_ms(clock) or row[8] != "active":
        return None
    return TokenHolder(row[0], tuple(row[1].split()), row[3], row[4], row[5], row[6], row[7])


def purge(tx: Tx, at_ms: int) -> None:
    tx.execute("DELETE FROM auth_access_tokens WHERE expires_ms <= ?", (at_ms,))
    tx.execute("DELETE FROM auth_assertion_jti WHERE expires_ms <= ?", (at_ms,))
