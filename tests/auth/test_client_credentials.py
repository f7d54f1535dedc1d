"""SMART Backend Services over real HTTP: signed assertions, each rejection, token use."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from tests.auth.support import HOSPITAL, AuthServer

from kizuna.auth.assertion import ASSERTION_TYPE
from kizuna.auth.clients import Registration, register_client, revoke_client
from kizuna.auth.tokens import new_id

SCOPES = "system/Observation.rs system/Patient.rs system/Bundle.c"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def es_client(auth_server: AuthServer) -> Registration:
    return register_client(
        auth_server.db,
        name="vendor-ehr",
        scopes=SCOPES,
        facility_code=HOSPITAL,
        facility_name="テスト総合病院",
        clock=auth_server.clock,
    )


def claims(server: AuthServer, reg: Registration, **overrides: Any) -> dict[str, Any]:
    now = server.clock.now()
    base = {
        "iss": reg.client.client_id,
        "sub": reg.client.client_id,
        "aud": f"{server.url}/auth/token",
        "exp": int(now + 240),
        "iat": int(now),
        "jti": str(uuid.uuid4()),
    }
    return {**base, **overrides}


def sign(
    payload: dict[str, Any], reg: Registration, key_pem: str | None = None, alg: str | None = None
) -> str:
    return jwt.encode(
        payload,
        key_pem or reg.private_key_pem,
        algorithm=alg or reg.algorithm,
        headers={"kid": reg.key_id},
    )


def ask(
    server: AuthServer, assertion: str, scope: str = "system/Observation.rs", **fields: str
) -> httpx.Response:
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        "scope": scope,
        **fields,
    }
    return server.client().post("/auth/token", data=form)


def oauth_error(response: httpx.Response) -> str:
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert response.headers["cache-control"] == "no-store"
    return str(body["error"])


def test_a_valid_assertion_gets_a_token_with_the_granted_scopes(
    auth_server: AuthServer, es_client: Registration
) -> None:
    answer = ask(
        auth_server,
        sign(claims(auth_server, es_client), es_client),
        scope="system/Observation.rs system/Patient.read",
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 300
    assert body["scope"] == "system/Observation.rs system/Patient.read"
    assert answer.headers["cache-control"] == "no-store"

    me = auth_server.client().get(
        "/whoami", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    principal = me.json()
    assert principal["kind"] == "client" and principal["role"] == "system"
    assert principal["subject"] == es_client.client.client_id
    assert principal["facility_code"] == HOSPITAL
    assert principal["scopes"] == ["system/Observation.rs", "system/Patient.read"]


def test_a_wildcard_request_is_narrowed_to_the_registration(
    auth_server: AuthServer, es_client: Registration
) -> None:
    answer = ask(
        auth_server, sign(claims(auth_server, es_client), es_client), scope="system/*.read"
    )
    assert answer.status_code == 200
    assert answer.json()["scope"] == "system/Observation.rs system/Patient.rs"


def test_scopes_beyond_the_registration_are_refused(
    auth_server: AuthServer, es_client: Registration
) -> None:
    for scope in (
        "system/Observation.rs system/Condition.rs",
        "system/Observation.write",
        "system/*.d",
        "user/*.read",
        "openid",
    ):
        answer = ask(auth_server, sign(claims(auth_server, es_client), es_client), scope=scope)
        assert answer.status_code == 400
        assert oauth_error(answer) == "invalid_scope"


def test_an_rs384_client_registered_with_a_pem_public_key(auth_server: AuthServer) -> None:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    reg = register_client(
        auth_server.db,
        name="regional-network",
        scopes="system/*.rs",
        public_key=public_pem,
        clock=auth_server.clock,
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    assert reg.algorithm == "RS384" and reg.private_key_pem is None
    answer = ask(auth_server, sign(claims(auth_server, reg), reg, private_pem), "system/*.rs")
    assert answer.status_code == 200, answer.text


def test_a_forged_signature_is_rejected(auth_server: AuthServer, es_client: Registration) -> None:
    other = (
        ec.generate_private_key(ec.SECP384R1())
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    answer = ask(auth_server, sign(claims(auth_server, es_client), es_client, other))
    assert answer.status_code == 401 and oauth_error(answer) == "invalid_client"


def test_a_tampered_payload_is_rejected(auth_server: AuthServer, es_client: Registration) -> None:
    header, _, signature = sign(claims(auth_server, es_client), es_client).split(".")
    forged = _b64(json.dumps(claims(auth_server, es_client, exp=2**40)).encode())
    answer = ask(auth_server, f"{header}.{forged}.{signature}")
    assert oauth_error(answer) == "invalid_client"


@pytest.mark.parametrize(
    ("change", "seconds"),
    [("expired", -120), ("too far ahead", 3600)],
)
def test_assertions_outside_their_lifetime_are_rejected(
    auth_server: AuthServer, es_client: Registration, change: str, seconds: int
) -> None:
    exp = int(auth_server.clock.now() + seconds)
    answer = ask(auth_server, sign(claims(auth_server, es_client, exp=exp), es_client))
    assert answer.status_code == 400 and oauth_error(answer) == "invalid_grant", change


def test_the_wrong_audience_is_rejected(auth_server: AuthServer, es_client: Registration) -> None:
    for aud in ("https://other.example/auth/token", f"{auth_server.url}/fhir", None):
        payload = claims(auth_server, es_client, aud=aud)
        answer = ask(auth_server, sign(payload, es_client))
        assert oauth_error(answer) == "invalid_grant"


def test_a_replayed_jti_is_rejected(auth_server: AuthServer, es_client: Registration) -> None:
    assertion = sign(claims(auth_server, es_client), es_client)
    assert ask(auth_server, assertion).status_code == 200
    again = ask(auth_server, assertion)
    assert again.status_code == 400 and oauth_error(again) == "invalid_grant"
    assert "jti" in again.json()["error_description"]


def test_alg_none_is_rejected(auth_server: AuthServer, es_client: Registration) -> None:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = _b64(json.dumps(claims(auth_server, es_client)).encode())
    answer = ask(auth_server, f"{header}.{body}.")
    assert answer.status_code == 401 and oauth_error(answer) == "invalid_client"


def test_hs256_signed_with_the_public_key_is_rejected(
    auth_server: AuthServer, es_client: Registration
) -> None:
    jwk = es_client.client.jwks["keys"][0]
    public_pem = jwt.PyJWK(jwk, algorithm="ES384").key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": es_client.key_id}).encode())
    body = _b64(json.dumps(claims(auth_server, es_client)).encode())
    mac = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    answer = ask(auth_server, f"{header}.{body}.{_b64(mac)}")
    assert answer.status_code == 401 and oauth_error(answer) == "invalid_client"


def test_unknown_clients_and_mismatched_issuers_are_rejected(
    auth_server: AuthServer, es_client: Registration
) -> None:
    stranger = new_id()
    unknown = sign(claims(auth_server, es_client, iss=stranger, sub=stranger), es_client)
    assert oauth_error(ask(auth_server, unknown)) == "invalid_client"
    mismatched = sign(claims(auth_server, es_client, sub="someone-else"), es_client)
    assert oauth_error(ask(auth_server, mismatched)) == "invalid_client"


def test_a_revoked_client_is_rejected_and_its_tokens_stop_working(
    auth_server: AuthServer, es_client: Registration
) -> None:
    token = ask(auth_server, sign(claims(auth_server, es_client), es_client)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert auth_server.client().get("/whoami", headers=headers).status_code == 200

    revoke_client(auth_server.db, es_client.client.client_id)

    assert auth_server.client().get("/whoami", headers=headers).status_code == 401
    answer = ask(auth_server, sign(claims(auth_server, es_client), es_client))
    assert answer.status_code == 401 and oauth_error(answer) == "invalid_client"


def test_an_expired_access_token_is_rejected(
    auth_server: AuthServer, es_client: Registration
) -> None:
    token = ask(auth_server, sign(claims(auth_server, es_client), es_client)).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    auth_server.clock.advance(299)
    assert auth_server.client().get("/whoami", headers=headers).status_code == 200
    auth_server.clock.advance(2)
    assert auth_server.client().get("/whoami", headers=headers).status_code == 401


def test_malformed_requests_get_oauth_errors(
    auth_server: AuthServer, es_client: Registration
) -> None:
    good = sign(claims(auth_server, es_client), es_client)
    assert oauth_error(ask(auth_server, good, grant_type="password")) == "unsupported_grant_type"
    assert oauth_error(ask(auth_server, good, client_assertion_type="secret")) == "invalid_client"
    assert oauth_error(ask(auth_server, "not-a-jwt")) == "invalid_client"
    assert oauth_error(ask(auth_server, good, scope="")) == "invalid_request"
    as_json = auth_server.client().post("/auth/token", json={"grant_type": "client_credentials"})
    assert as_json.status_code == 400 and oauth_error(as_json) == "invalid_request"


def test_token_requests_are_audited_with_their_reason(
    auth_server: AuthServer, es_client: Registration
) -> None:
    from kizuna.audit.records import search_records

    assertion = sign(claims(auth_server, es_client), es_client)
    ask(auth_server, assertion)
    ask(auth_server, assertion)
    records = list(reversed(search_records(auth_server.db)))
    assert [(r.action, r.actor_kind, r.actor_subject, r.reason) for r in records] == [
        ("login", "client", es_client.client.client_id, None),
        ("login-failed", "client", es_client.client.client_id, "jti-replay"),
    ]


def test_discovery_is_public_and_names_the_token_endpoint_that_works(
    auth_server: AuthServer, es_client: Registration
) -> None:
    """A SMART client starts from <fhir base>/.well-known/smart-configuration, unauthenticated,
    and sends its assertion to the token endpoint found there."""
    client = auth_server.client()
    documents = [
        client.get(path).json()
        for path in ("/fhir/.well-known/smart-configuration", "/auth/smart-configuration")
    ]
    assert documents[0] == documents[1]
    endpoint = documents[0]["token_endpoint"]
    assert endpoint == f"{auth_server.url}/auth/token"
    assert documents[0]["grant_types_supported"] == ["client_credentials"]
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": sign(claims(auth_server, es_client, aud=endpoint), es_client),
        "scope": "system/Patient.rs",
    }
    answer = client.post(endpoint, data=form)
    assert answer.status_code == 200, answer.text
    assert answer.json()["scope"] == "system/Patient.rs"
