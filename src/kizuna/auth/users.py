"""User accounts: creation with generated credentials, lookup, listing, disabling.

Credentials are returned once by ``create_user`` and never stored in plaintext: the
password as an argon2id hash, the TOTP secret sealed with the server key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from kizuna.auth import passwords, totp
from kizuna.auth.clock import Clock, SystemClock, now_ms
from kizuna.auth.keys import ServerKeys
from kizuna.auth.roles import USER_ROLES, role_spec
from kizuna.auth.tokens import new_id
from kizuna.codes.checkdigit import facility_code_valid
from kizuna.store.db import Database, Row, Tx

_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{2,63}$")
_PATIENT_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")

COLUMNS = (
    "user_id, username, display_name, role, facility_code, facility_name, prefecture,"
    " patient_ids, disabled, created_ms, password_hash, totp_secret, totp_last_step"
)


class UserError(ValueError):
    """A user profile that breaks the rules (unknown role, bad facility code, ...)."""


@dataclass(frozen=True)
class User:
    user_id: str
    username: str
    display_name: str
    role: str
    facility_code: str | None
    facility_name: str | None
    prefecture: str | None
    patient_ids: tuple[str, ...]
    disabled: bool
    created_ms: int

    def public(self) -> dict[str, Any]:
        out = asdict(self)
        out["patient_ids"] = list(self.patient_ids)
        return out


@dataclass(frozen=True)
class StoredUser:
    user: User
    password_hash: str
    totp_secret_sealed: str
    totp_last_step: int | None


@dataclass(frozen=True)
class NewCredentials:
    """Shown once to the operator, then gone."""

    user: User
    password: str
    totp_secret: str
    totp_uri: str

    def as_json(self) -> dict[str, Any]:
        return {
            **self.user.public(),
            "password": self.password,
            "totp_secret": self.totp_secret,
            "totp_uri": self.totp_uri,
        }


def normalise_username(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().lower()


def _check_profile(
    username: str,
    role: str,
    facility_code: str | None,
    prefecture: str | None,
    patient_ids: tuple[str, ...],
) -> None:
    if not _USERNAME.match(username):
        raise UserError("usernames are 3-64 of a-z 0-9 . _ @ - and start with a letter or digit")
    if role not in USER_ROLES:
        raise UserError(f"unknown role {role!r}; user roles: {', '.join(USER_ROLES)}")
    spec = role_spec(role)
    if facility_code is not None and not facility_code_valid(facility_code):
        raise UserError(f"{facility_code!r} is not a valid 10-digit facility code")
    if spec.needs_facility and facility_code is None:
        raise UserError(f"a {role} needs a facility code")
    if prefecture is not None and not (
        len(prefecture) == 2 and prefecture.isdigit() and 1 <= int(prefecture) <= 47
    ):
        raise UserError(f"{prefecture!r} is not a 2-digit prefecture code (01-47)")
    if spec.needs_prefecture and prefecture is None:
        raise UserError(f"a {role} needs a prefecture code")
    if spec.needs_patients and not patient_ids:
        raise UserError(f"a {role} needs at least one patient id")
    if not spec.needs_patients and patient_ids:
        raise UserError(f"a {role} is not bound to patients")
    for pid in patient_ids:
        if not _PATIENT_ID.match(pid):
            raise UserError(f"{pid!r} is not a FHIR id")


def create_user(
    db: Database,
    keys: ServerKeys,
    *,
    username: str,
    display_name: str,
    role: str,
    facility_code: str | None = None,
    facility_name: str | None = None,
    prefecture: str | None = None,
    patient_ids: Iterable[str] = (),
    password: str | None = None,
    totp_secret: str | None = None,
    clock: Clock | None = None,
) -> NewCredentials:
    """Create an account; the returned credentials are the only copy of the secrets."""
    username = normalise_username(username)
    pids = tuple(dict.fromkeys(patient_ids))
    _check_profile(username, role, facility_code, prefecture, pids)
    if password is None:
        password = passwords.generate_password()
    else:
        passwords.check_policy(password)
    secret = totp_secret or totp.new_secret()
    user_id = new_id()
    at = now_ms(clock or SystemClock())
    row = (
        user_id,
        username,
        display_name.strip() or username,
        role,
        facility_code,
        facility_name,
        prefecture,
        " ".join(pids),
        passwords.hash_password(password),
        keys.seal(secret, user_id),
        0,
        at,
        at,
    )
    with db.transaction() as tx:
        if tx.fetchone("SELECT 1 FROM auth_users WHERE username = ?", (username,)):
            raise UserError(f"a user named {username!r} already exists")
        tx.insert_rows(
            "auth_users",
            (
                "user_id",
                "username",
                "display_name",
                "role",
                "facility_code",
                "facility_name",
                "prefecture",
                "patient_ids",
                "password_hash",
                "totp_secret",
                "disabled",
                "created_ms",
                "updated_ms",
            ),
            [row],
        )
    user = User(
        user_id, username, row[2], role, facility_code, facility_name, prefecture, pids, False, at
    )
    return NewCredentials(user, password, secret, totp.provisioning_uri(secret, username))


def _stored(row: Row) -> StoredUser:
    pids = tuple(row[7].split()) if row[7] else ()
    user = User(row[0], row[1], row[2], row[3], row[4], row[5], row[6], pids, bool(row[8]), row[9])
    return StoredUser(user, row[10], row[11], row[12])


def find_by_username(tx: Tx, username: str) -> StoredUser | None:
    row = tx.fetchone(
        f"SELECT {COLUMNS} FROM auth_users WHERE username = ?", (normalise_username(username),)
    )
    return _stored(row) if row else None


def find_by_id(tx: Tx, user_id: str) -> StoredUser | None:
    row = tx.fetchone(f"SELECT {COLUMNS} FROM auth_users WHERE user_id = ?", (user_id,))
    return _stored(row) if row else None


def list_users(db: Database) -> list[User]:
    with db.read() as tx:
        rows = tx.fetchall(f"SELECT {COLUMNS} FROM auth_users ORDER BY username")
    return [_stored(r).user for r in rows]


def set_disabled(db: Database, username: str, disabled: bool, clock: Clock | None = None) -> User:
    """Disable (or re-enable) an account; disabling ends all its sessions at once."""
    at = now_ms(clock or SystemClock())
    with db.transaction() as tx:
        stored = find_by_username(tx, username)
        if stored is None:
            raise UserError(f"no user named {normalise_username(username)!r}")
        tx.execute(
            "UPDATE auth_users SET disabled = ?, updated_ms = ? WHERE user_id = ?",
            (int(disabled), at, stored.user.user_id),
        )
        if disabled:
            tx.execute("DELETE FROM auth_sessions WHERE user_id = ?", (stored.user.user_id,))
    return replace(stored.user, disabled=disabled)


def update_password_hash(tx: Tx, user_id: str, new_hash: str, at_ms: int) -> None:
    tx.execute(
        "UPDATE auth_users SET password_hash = ?, updated_ms = ? WHERE user_id = ?",
        (new_hash, at_ms, user_id),
    )


def accept_totp_step(tx: Tx, user_id: str, step: int) -> bool:
    """Record ``step`` as the last accepted TOTP step unless it is not newer (a replay)."""
    row = tx.fetchone(
        "UPDATE auth_users SET totp_last_step = ? WHERE user_id = ?"
        " AND (totp_last_step IS NULL OR totp_last_step < ?) RETURNING user_id",
        (step, user_id, step),
    )
    return row is not None
