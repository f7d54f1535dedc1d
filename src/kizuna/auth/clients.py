"""Facility systems and regional networks registered for SMART Backend Services.

A client is registered with its public key(s) (a JWKS, or a PEM public key converted to
one) and the SMART ``system/`` scopes it may be granted. ``register_client`` can instead
generate the key pair and hand back the private key once; the server keeps only the
public half.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from kizuna.auth.clock import Clock, SystemClock, now_ms
from kizuna.auth.keys import thumbprint
from kizuna.auth.scopes import ScopeError, parse_scope, scope_list
from kizuna.auth.tokens import new_id
from kizuna.codes.checkdigit import facility_code_valid
from kizuna.store.db import Database, Row, Tx

ALGORITHMS = ("ES384", "RS384")
MIN_RSA_BITS = 2048
COLUMNS = (
    "client_id, name, facility_code, facility_name, prefecture, scopes, jwks, status, created_ms"
)


class ClientError(ValueError):
    """A registration that breaks the rules."""


@dataclass(frozen=True)
class Client:
    client_id: str
    name: str
    facility_code: str | None
    facility_name: str | None
    prefecture: str | None
    scopes: tuple[str, ...]
    jwks: dict[str, Any]
    status: str  # active | revoked
    created_ms: int

    @property
    def active(self) -> bool:
        return self.status == "active"

    def public(self) -> dict[str, Any]:
        return {
            "client_id": self.client_id,
            "name": self.name,
            "facility_code": self.facility_code,
            "facility_name": self.facility_name,
            "prefecture": self.prefecture,
            "scopes": list(self.scopes),
            "key_ids": [k.get("kid") for k in self.jwks.get("keys", [])],
            "status": self.status,
            "created_ms": self.created_ms,
        }


@dataclass(frozen=True)
class Registration:
    """Shown once: the client id and, when generated, the private key."""

    client: Client
    private_key_pem: str | None
    key_id: str
    algorithm: str

    def as_json(self, token_url: str | None = None) -> dict[str, Any]:
        out = {**self.client.public(), "kid": self.key_id, "alg": self.algorithm}
        if self.private_key_pem:
            out["private_key_pem"] = self.private_key_pem
        if token_url:
            out["token_url"] = token_url
        return out


def _public_jwk(key: Any) -> tuple[dict[str, Any], str]:
    if isinstance(key, ec.EllipticCurvePublicKey):
        if not isinstance(key.curve, ec.SECP384R1):
            raise ClientError("EC keys must be on P-384 (for ES384)")
        jwk: dict[str, Any] = ECAlgorithm.to_jwk(key, as_dict=True)
        alg = "ES384"
    elif isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise ClientError(f"RSA keys need at least {MIN_RSA_BITS} bits")
        jwk = RSAAlgorithm.to_jwk(key, as_dict=True)
        alg = "RS384"
    else:
        raise ClientError("keys must be EC P-384 or RSA")
    jwk = {**jwk, "alg": alg, "use": "sig"}
    jwk["kid"] = thumbprint(jwk)
    return jwk, alg


def jwks_from_text(text: str) -> dict[str, Any]:
    """A JWKS (JSON) or a PEM public key, checked: public keys of supported kinds only."""
    stripped = text.strip()
    if stripped.startswith("-----BEGIN"):
        if "PRIVATE KEY" in stripped:
            raise ClientError("give the public key, never the private key")
        jwk, _ = _public_jwk(serialization.load_pem_public_key(stripped.encode()))
        return {"keys": [jwk]}
    try:
        document = json.loads(stripped)
    except json.JSONDecodeError as exc:
        raise ClientError("expected a PEM public key or a JWKS JSON document") from exc
    keys = document.get("keys") if isinstance(document, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ClientError("a JWKS needs a non-empty 'keys' array")
    return {"keys": [_checked_jwk(k) for k in keys]}


def _checked_jwk(jwk: Any) -> dict[str, Any]:
    if not isinstance(jwk, dict) or jwk.get("kty") not in ("EC", "RSA"):
        raise ClientError("each key must be an EC or RSA JWK")
    if any(member in jwk for member in ("d", "p", "q", "dp", "dq", "qi")):
        raise ClientError("a JWKS for registration must hold public keys only")
    algorithm = ECAlgorithm if jwk["kty"] == "EC" else RSAAlgorithm
    checked, alg = _public_jwk(algorithm.from_jwk(json.dumps(jwk)))
    if jwk.get("kid"):
        checked["kid"] = str(jwk["kid"])
    if jwk.get("alg") not in (None, alg):
        raise ClientError(f"key {checked['kid']}: alg must be {alg}")
    return checked


def generate_key_pair(algorithm: str = "ES384") -> tuple[str, dict[str, Any]]:
    """(private key PEM, JWKS with the public key)."""
    private: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if algorithm == "ES384":
        private = ec.generate_private_key(ec.SECP384R1())
    elif algorithm == "RS384":
        private = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    else:
        raise ClientError(f"algorithm must be one of {', '.join(ALGORITHMS)}")
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")
    jwk, _ = _public_jwk(private.public_key())
    return pem, {"keys": [jwk]}


def _check_scopes(scopes: list[str]) -> None:
    if not scopes:
        raise ClientError("a client needs at least one scope")
    for text in scopes:
        try:
            parsed = parse_scope(text)
        except ScopeError as exc:
            raise ClientError(str(exc)) from exc
        if parsed is None or parsed.context != "system":
            raise ClientError(f"{text!r}: backend clients get system/ scopes only")


def register_client(
    db: Database,
    *,
    name: str,
    scopes: str | list[str],
    public_key: str | None = None,
    algorithm: str = "ES384",
    facility_code: str | None = None,
    facility_name: str | None = None,
    prefecture: str | None = None,
    clock: Clock | None = None,
) -> Registration:
    """Register a client with ``public_key`` (PEM or JWKS), or generate its key pair."""
    wanted = scope_list(scopes)
    _check_scopes(wanted)
    if facility_code is not None and not facility_code_valid(facility_code):
        raise ClientError(f"{facility_code!r} is not a valid 10-digit facility code")
    if public_key is None:
        private_pem, jwks = generate_key_pair(algorithm)
    else:
        private_pem, jwks = None, jwks_from_text(public_key)
    first = jwks["keys"][0]
    client = Client(
        client_id=new_id(),
        name=name,
        facility_code=facility_code,
        facility_name=facility_name,
        prefecture=prefecture or (facility_code[:2] if facility_code else None),
        scopes=tuple(wanted),
        jwks=jwks,
        status="active",
        created_ms=now_ms(clock or SystemClock()),
    )
    with db.transaction() as tx:
        tx.insert_rows(
            "auth_clients",
            (
                "client_id",
                "name",
                "facility_code",
                "facility_name",
                "prefecture",
                "scopes",
                "jwks",
                "status",
                "created_ms",
            ),
            [
                (
                    client.client_id,
                    client.name,
                    client.facility_code,
                    client.facility_name,
                    client.prefecture,
                    " ".join(client.scopes),
                    json.dumps(jwks),
                    client.status,
                    client.created_ms,
                )
            ],
        )
    return Registration(client, private_pem, first["kid"], first["alg"])


def _client(row: Row) -> Client:
    return Client(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        tuple(row[5].split()),
        json.loads(row[6]),
        row[7],
        row[8],
    )


def find_client(tx: Tx, client_id: str) -> Client | None:
    row = tx.fetchone(f"SELECT {COLUMNS} FROM auth_clients WHERE client_id = ?", (client_id,))
    return _client(row) if row else None


def list_clients(db: Database) -> list[Client]:
    with db.read() as tx:
        rows = tx.fetchall(f"SELECT {COLUMNS} FROM auth_clients ORDER BY created_ms, client_id")
    return [_client(r) for r in rows]


def revoke_client(db: Database, client_id: str, clock: Clock | None = None) -> Client:
    """Revoke a client: its live access tokens stop working at once."""
    with db.transaction() as tx:
        client = find_client(tx, client_id)
        if client is None:
            raise ClientError(f"no client {client_id!r}")
        tx.execute(
            "UPDATE auth_clients SET status = 'revoked', revoked_ms = ? WHERE client_id = ?",
            (now_ms(clock or SystemClock()), client_id),
        )
        tx.execute("DELETE FROM auth_access_tokens WHERE client_id = ?", (client_id,))
    return replace(client, status="revoked")
