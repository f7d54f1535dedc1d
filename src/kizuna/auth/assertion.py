"""SMART Backend Services client authentication: the signed JWT assertion (RFC 7523).

Checks, in order, each failure an OAuth error:

* ``invalid_client`` (the caller is not shown to be the client): malformed JWT; ``alg``
  other than RS384/ES384 (so ``none`` and HS256-with-the-public-key never reach a key);
  ``iss`` != ``sub``; unknown or revoked client; no registered key of that type (or
  ``kid``); a signature that does not verify.
* ``invalid_grant`` (a genuinely signed assertion that is not acceptable): ``aud`` is not
  this token endpoint; ``exp`` missing, past, or more than five minutes ahead; ``nbf`` or
  ``iat`` in the future; ``jti`` missing or already used by this client (replay).

Only the registered keys are used: ``jku``, ``jwk`` and ``x5u`` headers are ignored.
"""

from __future__ import annotations

from typing import Any

import jwt
from jwt.exceptions import InvalidSignatureError, InvalidTokenError, PyJWKError
from jwt.types import Options

from kizuna.auth.clients import ALGORITHMS, Client, find_client
from kizuna.auth.clock import Clock
from kizuna.auth.policy import AuthPolicy
from kizuna.store.db import Tx

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
KEY_TYPE = {"ES384": "EC", "RS384": "RSA"}
MAX_JTI = 255


class OAuthError(Exception):
    """An RFC 6749 §5.2 error response."""

    def __init__(self, error: str, description: str, status: int = 400, reason: str = "") -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.reason = reason or error  # a short code for the audit record
        self.client_id: str | None = None  # set once the client is known

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def invalid_client(reason: str, description: str) -> OAuthError:
    return OAuthError("invalid_client", description, 401, reason)


def invalid_grant(reason: str, description: str) -> OAuthError:
    return OAuthError("invalid_grant", description, 400, reason)


def _header_and_claims(assertion: str) -> tuple[dict[str, Any], dict[str, Any]]:
    try:
        header = jwt.get_unverified_header(assertion)
        claims = jwt.decode(assertion, options={"verify_signature": False})
    except InvalidTokenError as exc:
        raise invalid_client("malformed", "client_assertion is not a well-formed JWT") from exc
    return header, claims


def _candidate_keys(client: Client, alg: str, kid: Any) -> list[Any]:
    keys = []
    for jwk in client.jwks.get("keys", []):
        if jwk.get("kty") != KEY_TYPE[alg] or (kid is not None and jwk.get("kid") != kid):
            continue
        try:
            keys.append(jwt.PyJWK(jwk, algorithm=alg).key)
        except PyJWKError:
            continue
    return keys


def _verified_claims(assertion: str, client: Client, alg: str, kid: Any) -> dict[str, Any]:
    keys = _candidate_keys(client, alg, kid)
    if not keys:
        raise invalid_client(
            "no-key", f"no registered {alg} key" + (f" with kid {kid!r}" if kid else "")
        )
    options: Options = {
        "verify_exp": False,
        "verify_nbf": False,
        "verify_iat": False,
        "verify_aud": False,
        "verify_iss": False,
    }
    for key in keys:
        try:
            return jwt.decode(assertion, key=key, algorithms=[alg], options=options)
        except InvalidSignatureError:
            continue
        except InvalidTokenError as exc:
            raise invalid_client("bad-signature", "client_assertion does not verify") from exc
    raise invalid_client("bad-signature", "client_assertion signature does not verify")


def _check_times(claims: dict[str, Any], now: float, policy: AuthPolicy) -> float:
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        raise invalid_grant("no-exp", "client_assertion needs a numeric exp")
    skew = policy.clock_skew
    if exp <= now - skew:
        raise invalid_grant("expired", "client_assertion has expired")
    if exp > now + policy.assertion_max_lifetime + skew:
        raise invalid_grant("exp-too-far", "client_assertion exp is more than five minutes ahead")
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if isinstance(value, int | float) and value > now + skew:
            raise invalid_grant("not-yet-valid", f"client_assertion {name} is in the future")
    return float(exp)


def _check_audience(claims: dict[str, Any], token_urls: tuple[str, ...]) -> None:
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(a, str) and a.rstrip("/") in token_urls for a in audiences):
        raise invalid_grant("wrong-audience", "client_assertion aud is not this token endpoint")


def _consume_jti(tx: Tx, client_id: str, jti: Any, exp: float, policy: AuthPolicy) -> None:
    if not isinstance(jti, str) or not jti or len(jti) > MAX_JTI:
        raise invalid_grant("no-jti", "client_assertion needs a jti of 1-255 characters")
    keep_until = int((exp + policy.clock_skew) * 1000)
    row = tx.fetchone(
        "INSERT INTO auth_assertion_jti (client_id, jti, expires_ms) VALUES (?, ?, ?)"
        " ON CONFLICT (client_id, jti) DO NOTHING RETURNING jti",
        (client_id, jti, keep_until),
    )
    if row is None:
        raise invalid_grant("jti-replay", "client_assertion jti was already used")


def authenticate_client(
    tx: Tx,
    assertion: str,
    token_urls: tuple[str, ...],
    policy: AuthPolicy,
    clock: Clock,
) -> Client:
    """The registered, active client that signed ``assertion``; else OAuthError."""
    header, unverified = _header_and_claims(assertion)
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise invalid_client("bad-alg", f"alg must be one of {', '.join(ALGORITHMS)}")
    iss, sub = unverified.get("iss"), unverified.get("sub")
    if not isinstance(iss, str) or iss != sub:
        raise invalid_client("iss-sub", "client_assertion iss and sub must both be the client_id")
    client = find_client(tx, iss)
    if client is None or not client.active:
        raise invalid_client("unknown-client", "unknown or revoked client")
    try:
        claims = _verified_claims(assertion, client, alg, header.get("kid"))
        _check_audience(claims, token_urls)
        exp = _check_times(claims, clock.now(), policy)
        _consume_jti(tx, client.client_id, claims.get("jti"), exp, policy)
    except OAuthError as exc:
        exc.client_id = client.client_id
        raise
    return client
