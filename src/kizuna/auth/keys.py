"""The server's own key: an ECDSA P-384 key pair, never committed to the repository.

Loaded from ``KIZUNA_SIGNING_KEY`` (PEM text) when set, otherwise from
``<data_dir>/keys/server-signing-key.pem``, which is generated on first use with mode 0600
in a 0700 directory. It signs audit checkpoints (ES384), and two symmetric keys are
derived from it with HKDF-SHA256:

* ``seal``/``unseal``: AES-256-GCM for TOTP secrets at rest, bound to the owning user id;
* ``keyed_hash``: HMAC-SHA256 for values that must be matchable but not readable
  (patient data in audited search strings).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENV_KEY = "KIZUNA_SIGNING_KEY"
KEY_FILE = Path("keys") / "server-signing-key.pem"
SEAL_PREFIX = "v1."


class ServerKeyError(RuntimeError):
    """The server key is missing, unreadable or of the wrong kind."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _derive(private: ec.EllipticCurvePrivateKey, purpose: str) -> bytes:
    scalar = private.private_numbers().private_value.to_bytes(48, "big")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode())
    return hkdf.derive(scalar)


def public_jwk(public: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = public.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-384",
        "x": b64url(numbers.x.to_bytes(48, "big")),
        "y": b64url(numbers.y.to_bytes(48, "big")),
    }


#: the members RFC 7638 hashes, per key type
THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n")}


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 JWK thumbprint (SHA-256) of an EC or RSA public key."""
    members = THUMBPRINT_MEMBERS[jwk["kty"]]
    canonical = json.dumps({k: jwk[k] for k in members}, separators=(",", ":"))
    return b64url(hashlib.sha256(canonical.encode()).digest())


def verify_signature(public: ec.EllipticCurvePublicKey, data: bytes, signature: str) -> bool:
    try:
        public.verify(b64url_decode(signature), data, ec.ECDSA(hashes.SHA384()))
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class ServerKeys:
    private_key: ec.EllipticCurvePrivateKey
    _seal_key: bytes = field(repr=False)
    _hash_key: bytes = field(repr=False)

    @classmethod
    def from_private_key(cls, private: ec.EllipticCurvePrivateKey) -> ServerKeys:
        if not isinstance(private.curve, ec.SECP384R1):
            raise ServerKeyError("the server key must be an EC P-384 key")
        return cls(private, _derive(private, "kizuna/seal/v1"), _derive(private, "kizuna/hash/v1"))

    @property
    def public_key(self) -> ec.EllipticCurvePublicKey:
        return self.private_key.public_key()

    @property
    def key_id(self) -> str:
        return thumbprint(public_jwk(self.public_key))

    def jwks(self) -> dict[str, Any]:
        jwk = {**public_jwk(self.public_key), "kid": self.key_id, "alg": "ES384", "use": "sig"}
        return {"keys": [jwk]}

    def public_pem(self) -> str:
        return self.public_key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode("ascii")

    def sign(self, data: bytes) -> str:
        return b64url(self.private_key.sign(data, ec.ECDSA(hashes.SHA384())))

    def seal(self, plaintext: str, bound_to: str) -> str:
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(self._seal_key).encrypt(nonce, plaintext.encode(), bound_to.encode())
        return SEAL_PREFIX + b64url(nonce + sealed)

    def unseal(self, sealed: str, bound_to: str) -> str:
        if not sealed.startswith(SEAL_PREFIX):
            raise ServerKeyError("not a sealed value")
        raw = b64url_decode(sealed[len(SEAL_PREFIX) :])
        try:
            return AESGCM(self._seal_key).decrypt(raw[:12], raw[12:], bound_to.encode()).decode()
        except InvalidTag as exc:
            raise ServerKeyError("sealed value does not open with this server key") from exc

    def keyed_hash(self, value: str) -> str:
        return hmac.new(self._hash_key, value.encode(), hashlib.sha256).hexdigest()[:24]


def _write_new_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    pem = ec.generate_private_key(ec.SECP384R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def _load_pem(pem: bytes) -> ServerKeys:
    private = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(private, ec.EllipticCurvePrivateKey):
        raise ServerKeyError("the server key must be an EC P-384 private key")
    return ServerKeys.from_private_key(private)


@cache
def _load(data_dir: str, env_pem: str | None) -> ServerKeys:
    if env_pem:
        return _load_pem(env_pem.encode())
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        _write_new_key(path)
    if path.stat().st_mode & 0o077:
        raise ServerKeyError(f"{path} must not be readable by group or others (chmod 600)")
    return _load_pem(path.read_bytes())


def server_keys(data_dir: Path | str) -> ServerKeys:
    """The server key for this data directory (or from the environment)."""
    return _load(str(Path(data_dir).resolve()), os.environ.get(ENV_KEY))
