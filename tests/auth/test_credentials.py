"""Password hashing, TOTP arithmetic and the server key, on real crypto."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pyotp
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from kizuna.auth import passwords, totp
from kizuna.auth.keys import ENV_KEY, KEY_FILE, ServerKeyError, server_keys

START = 1_800_000_000.0


def _pem() -> bytes:
    return ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_passwords_are_argon2id_with_the_documented_parameters() -> None:
    hashed = passwords.hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert passwords.verify_password(hashed, "correct horse battery staple")
    assert not passwords.verify_password(hashed, "correct horse battery stapler")
    assert not passwords.verify_password("not a hash", "x")
    assert not passwords.needs_rehash(hashed)


@pytest.mark.parametrize("weak", ["short", "aaaaaaaaaaaaaaaa", "x" * 300])
def test_the_password_policy(weak: str) -> None:
    with pytest.raises(passwords.WeakPassword):
        passwords.check_policy(weak)
    passwords.check_policy(passwords.generate_password())


def test_totp_matches_rfc6238_and_accepts_one_step_either_side() -> None:
    secret = totp.new_secret()
    assert len(secret) == 32
    reference = pyotp.TOTP(secret)
    code = reference.at(START)
    assert totp.code_at(secret, START) == code
    assert totp.matching_step(secret, code, START) == START // 30
    assert totp.matching_step(secret, code, START + 30) == START // 30
    assert totp.matching_step(secret, code, START - 30) == START // 30
    assert totp.matching_step(secret, code, START + 60) is None
    assert totp.matching_step(secret, "12345", START) is None
    assert totp.matching_step(secret, "abcdef", START) is None


def test_the_provisioning_uri_names_issuer_account_and_secret() -> None:
    uri = totp.provisioning_uri("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "dr.sato")
    assert uri.startswith("otpauth://totp/Kizuna:dr.sato?")
    assert "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP" in uri and "issuer=Kizuna" in uri


def test_the_server_key_is_generated_once_with_private_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    keys = server_keys(tmp_path)
    path = tmp_path / KEY_FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert server_keys(tmp_path).key_id == keys.key_id
    assert keys.jwks()["keys"][0]["kid"] == keys.key_id


def test_a_readable_key_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    key_file = tmp_path / KEY_FILE
    key_file.parent.mkdir(mode=0o700)
    key_file.write_bytes(_pem())
    os.chmod(key_file, 0o644)
    with pytest.raises(ServerKeyError, match="chmod 600"):
        server_keys(tmp_path)


def test_the_key_can_come_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pem = _pem()
    monkeypatch.setenv(ENV_KEY, pem.decode())
    from_env = server_keys(tmp_path)
    assert not (tmp_path / KEY_FILE).exists()
    private = serialization.load_pem_private_key(pem, password=None)
    assert (
        from_env.public_pem()
        == private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def test_sealed_secrets_open_only_for_their_owner(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_KEY, raising=False)
    keys = server_keys(tmp_path)
    sealed = keys.seal("JBSWY3DPEHPK3PXP", "user-1")
    assert "JBSWY3DPEHPK3PXP" not in sealed
    assert keys.unseal(sealed, "user-1") == "JBSWY3DPEHPK3PXP"
    with pytest.raises(ServerKeyError):
        keys.unseal(sealed, "user-2")
    other = server_keys(tmp_path / "elsewhere")
    with pytest.raises(ServerKeyError):
        other.unseal(sealed, "user-1")
