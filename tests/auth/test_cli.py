"""``kizuna users|clients|audit`` operator commands, end to end on a real database."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import jwt
import pytest
import typer
from tests.auth.support import HOSPITAL
from typer.testing import CliRunner

from kizuna.auth import totp
from kizuna.auth.assertion import authenticate_client
from kizuna.auth.clock import SystemClock
from kizuna.auth.policy import AuthPolicy
from kizuna.auth.service import AuthService, RequestInfo
from kizuna.cli import audit as audit_cli
from kizuna.cli import clients as clients_cli
from kizuna.cli import users as users_cli
from kizuna.store.db import Database


@pytest.fixture
def env(database_url: str, tmp_path: Path) -> dict[str, str]:
    return {"KIZUNA_DATABASE_URL": database_url, "KIZUNA_DATA_DIR": str(tmp_path / "var")}


def run(
    app: typer.Typer, args: list[str], env: dict[str, str], code: int = 0, stdin: str | None = None
) -> str:
    result = CliRunner().invoke(app, args, env=env, input=stdin)
    assert result.exit_code == code, result.output
    return result.stdout


def test_users_add_prints_credentials_once_and_stores_no_plaintext(
    env: dict[str, str], db: Database
) -> None:
    out = json.loads(
        run(
            users_cli.app,
            [
                "add",
                "dr.tanaka",
                "--role",
                "physician",
                "--name",
                "田中 一郎",
                "--facility-code",
                HOSPITAL,
                "--facility-name",
                "テスト総合病院",
            ],
            env,
        )
    )
    assert out["username"] == "dr.tanaka" and out["role"] == "physician"
    assert len(out["password"]) >= 20
    assert out["totp_uri"].startswith("otpauth://totp/Kizuna:dr.tanaka?")
    with db.read() as tx:
        row = tx.fetchone("SELECT * FROM auth_users WHERE username = 'dr.tanaka'")
    stored = " ".join(str(v) for v in row)
    assert out["password"] not in stored and out["totp_secret"] not in stored
    assert "$argon2id$" in stored
    if db.dialect == "sqlite":
        assert db.url.path is not None
        files = [db.url.path, db.url.path.with_name(db.url.path.name + "-wal")]
        raw = b"".join(f.read_bytes() for f in files if f.exists())
        assert out["password"].encode() not in raw and out["totp_secret"].encode() not in raw

    listed = json.loads(run(users_cli.app, ["list", "--json"], env))
    assert [u["username"] for u in listed] == ["dr.tanaka"]
    assert "password" not in listed[0] and "totp_secret" not in listed[0]


def test_the_printed_credentials_log_in(env: dict[str, str], db: Database) -> None:
    out = json.loads(
        run(
            users_cli.app,
            [
                "add",
                "mother",
                "--role",
                "guardian",
                "--patient-id",
                "child-1",
                "--patient-id",
                "child-2",
            ],
            env,
        )
    )
    service = AuthService(db, env["KIZUNA_DATA_DIR"], AuthPolicy(), SystemClock())
    pending = service.start_login("mother", out["password"], RequestInfo("10.0.0.1"))
    _, principal = service.finish_login(
        pending.token, totp.code_at(out["totp_secret"], time.time()), RequestInfo("10.0.0.1")
    )
    assert principal.role == "guardian" and principal.patient_ids == ("child-1", "child-2")


def test_users_add_refuses_bad_profiles(env: dict[str, str]) -> None:
    run(users_cli.app, ["add", "dr.x", "--role", "physician"], env, code=2)
    run(
        users_cli.app,
        ["add", "dr.x", "--role", "physician", "--facility-code", "1234567890"],
        env,
        code=2,
    )
    run(users_cli.app, ["add", "ambulance", "--role", "emergency"], env, code=2)
    run(users_cli.app, ["add", "kid", "--role", "patient"], env, code=2)
    run(users_cli.app, ["add", "root", "--role", "superuser"], env, code=2)


def test_users_add_can_take_a_password_from_stdin(env: dict[str, str]) -> None:
    out = json.loads(
        run(
            users_cli.app,
            ["add", "auditor1", "--role", "auditor", "--password-stdin"],
            env,
            stdin="a long enough passphrase\n",
        )
    )
    assert "password" not in out
    run(
        users_cli.app,
        ["add", "auditor2", "--role", "auditor", "--password-stdin"],
        env,
        code=2,
        stdin="short\n",
    )


def test_users_disable_and_enable(env: dict[str, str]) -> None:
    run(users_cli.app, ["add", "ns.ito", "--role", "nurse", "--facility-code", HOSPITAL], env)
    assert json.loads(run(users_cli.app, ["disable", "ns.ito"], env))["disabled"] is True
    assert json.loads(run(users_cli.app, ["enable", "ns.ito"], env))["disabled"] is False
    run(users_cli.app, ["disable", "nobody"], env, code=2)


def test_clients_add_generates_a_key_pair_and_the_key_authenticates(
    env: dict[str, str], db: Database
) -> None:
    out = json.loads(
        run(
            clients_cli.app,
            [
                "add",
                "vendor-x",
                "--scope",
                "system/*.rs",
                "--scope",
                "system/Bundle.c",
                "--facility-code",
                HOSPITAL,
            ],
            env,
        )
    )
    assert out["private_key_pem"].startswith("-----BEGIN PRIVATE KEY-----")
    assert out["alg"] == "ES384" and out["scopes"] == ["system/*.rs", "system/Bundle.c"]
    with db.read() as tx:
        stored = " ".join(str(v) for v in tx.fetchone("SELECT * FROM auth_clients"))
    assert "PRIVATE" not in stored and '"d"' not in stored

    token_url = "https://kizuna.example/auth/token"
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": out["client_id"],
            "sub": out["client_id"],
            "aud": token_url,
            "exp": now + 60,
            "jti": str(uuid.uuid4()),
        },
        out["private_key_pem"],
        algorithm="ES384",
        headers={"kid": out["kid"]},
    )
    with db.transaction() as tx:
        client = authenticate_client(tx, assertion, (token_url,), AuthPolicy(), SystemClock())
    assert client.client_id == out["client_id"]

    listed = json.loads(run(clients_cli.app, ["list", "--json"], env))
    assert listed[0]["status"] == "active"
    assert json.loads(run(clients_cli.app, ["revoke", out["client_id"]], env))["status"] == (
        "revoked"
    )


def test_clients_add_takes_a_public_key_file_and_refuses_private_keys(
    env: dict[str, str], tmp_path: Path
) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    private = ec.generate_private_key(ec.SECP384R1())
    public_file, private_file = tmp_path / "pub.pem", tmp_path / "key.pem"
    public_file.write_bytes(
        private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    private_file.write_bytes(
        private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    out = json.loads(
        run(
            clients_cli.app,
            ["add", "net", "--scope", "system/*.rs", "--public-key", str(public_file)],
            env,
        )
    )
    assert "private_key_pem" not in out
    run(
        clients_cli.app,
        ["add", "net", "--scope", "system/*.rs", "--public-key", str(private_file)],
        env,
        code=2,
    )
    run(clients_cli.app, ["add", "net", "--scope", "user/*.rs"], env, code=2)


def test_audit_verify_reports_tampering_with_exit_code_1(env: dict[str, str], db: Database) -> None:
    from tests.audit.support import fill, tamper

    fill(db, 12)
    assert "OK: 12 rows" in run(audit_cli.app, ["verify"], env)
    checkpoint = json.loads(run(audit_cli.app, ["checkpoint"], env))
    assert checkpoint["seq"] == 12
    report = json.loads(run(audit_cli.app, ["verify", "--json"], env))
    assert report["ok"] and report["signed_through"] == 12

    with tamper(db) as tx:
        tx.execute("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 7")
    out = run(audit_cli.app, ["verify"], env, code=1)
    assert "seq 7: changed" in out and "FAILED" in out


def test_audit_review_commands(env: dict[str, str], db: Database) -> None:
    from kizuna.audit.event import AuditEvent
    from kizuna.audit.store import record

    seq = record(
        db,
        AuditEvent(
            action="emergency-access",
            actor_kind="user",
            actor_subject="u1",
            actor_role="physician",
            patient_ids=("p1",),
            emergency_reason="unconscious, no ID",
        ),
    )
    queue = json.loads(run(audit_cli.app, ["reviews"], env))
    assert [r["review_id"] for r in queue] == [seq]
    run(users_cli.app, ["add", "audit.kato", "--role", "auditor"], env)
    run(users_cli.app, ["add", "dr.y", "--role", "physician", "--facility-code", HOSPITAL], env)
    run(
        audit_cli.app,
        ["close-review", str(seq), "--auditor", "dr.y", "--note", "looks fine"],
        env,
        code=2,
    )
    closed = json.loads(
        run(
            audit_cli.app,
            [
                "close-review",
                str(seq),
                "--auditor",
                "audit.kato",
                "--note",
                "justified: ambulance record matches",
            ],
            env,
        )
    )
    assert closed["status"] == "closed"
    assert json.loads(run(audit_cli.app, ["reviews"], env)) == []
