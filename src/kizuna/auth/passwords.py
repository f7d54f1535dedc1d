"""Password hashing with argon2id (RFC 9106).

Parameters: RFC 9106's second recommended option for memory-constrained servers
(argon2id, t=3 passes, m=64 MiB, p=4 lanes, 16-byte salt, 32-byte tag), about 160 ms per
hash on a 2-core server. At most ``HASH_SLOTS`` hashes run at once, so a burst of logins
costs at most HASH_SLOTS x 64 MiB of memory. Hashes made with older parameters are
upgraded on the next successful login (``needs_rehash``).
"""

from __future__ import annotations

import secrets
import threading
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TIME_COST = 3
MEMORY_COST_KIB = 64 * 1024
PARALLELISM = 4
HASH_SLOTS = 4
MIN_LENGTH = 12
MAX_LENGTH = 256

_hasher = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=32,
    salt_len=16,
)
_slots = threading.BoundedSemaphore(HASH_SLOTS)


class WeakPassword(ValueError):
    """A chosen password that does not meet the policy."""


def check_policy(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password has at most {MAX_LENGTH} characters")
    if len(set(password)) < 5:
        raise WeakPassword("a password needs at least 5 different characters")


def generate_password() -> str:
    """A random password (about 120 bits) for operators to hand over once."""
    return secrets.token_urlsafe(15)


def hash_password(password: str) -> str:
    with _slots:
        return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    if len(password) > MAX_LENGTH:
        return False
    with _slots:
        try:
            return _hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def needs_rehash(stored_hash: str) -> bool:
    return _hasher.check_needs_rehash(stored_hash)


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def burn_time(password: str) -> None:
    """Spend what a real check costs (for unknown usernames, so timing reveals nothing)."""
    verify_password(_dummy_hash(), password)
