"""Server-side login state: pending logins (password checked, TOTP not yet), viewer
sessions (cookie) and user bearer tokens, all in ``auth_sessions``.

Rows are keyed by the SHA-256 of the token, so a copy of the table does not hold live
tokens. A session ends at whichever comes first: logout, the account being disabled,
``session_idle_timeout`` without use, or ``session_absolute_timeout`` after login.
"""

from __future__ import annotations

from dataclasses import dataclass

from kizuna.auth.clock import Clock, now_ms
from kizuna.auth.policy import AuthPolicy
from kizuna.auth.tokens import PENDING, SESSION, USER_BEARER, new_id, new_token, token_hash
from kizuna.store.db import Tx

PREFIX = {"pending": PENDING, "cookie": SESSION, "bearer": USER_BEARER}


@dataclass(frozen=True)
class NewSession:
    token: str
    session_id: str
    expires_in: int  # seconds until the absolute limit


@dataclass(frozen=True)
class PendingLogin:
    token_hash: str
    session_id: str
    user_id: str
    attempts: int


@dataclass(frozen=True)
class ActiveSession:
    token_hash: str
    session_id: str
    kind: str
    last_seen_ms: int
    user_id: str
    display_name: str
    role: str
    facility_code: str | None
    facility_name: str | None
    prefecture: str | None
    patient_ids: tuple[str, ...]


class Sessions:
    def __init__(self, policy: AuthPolicy, clock: Clock) -> None:
        self.policy = policy
        self.clock = clock

    def lifetime(self, kind: str) -> int:
        p = self.policy
        return p.pending_lifetime if kind == "pending" else p.session_absolute_timeout

    def create(
        self, tx: Tx, user_id: str, kind: str, ip: str | None, agent: str | None
    ) -> NewSession:
        token, session_id, at = new_token(PREFIX[kind]), new_id(), now_ms(self.clock)
        lifetime = self.lifetime(kind)
        tx.insert_rows(
            "auth_sessions",
            (
                "token_hash",
                "session_id",
                "user_id",
                "kind",
                "created_ms",
                "last_seen_ms",
                "expires_ms",
                "attempts",
                "client_ip",
                "user_agent",
            ),
            [
                (
                    token_hash(token),
                    session_id,
                    user_id,
                    kind,
                    at,
                    at,
                    at + lifetime * 1000,
                    0,
                    ip,
                    (agent or "")[:256],
                )
            ],
        )
        return NewSession(token, session_id, lifetime)

    def pending(self, tx: Tx, token: str) -> PendingLogin | None:
        row = tx.fetchone(
            "SELECT token_hash, session_id, user_id, attempts, expires_ms FROM auth_sessions"
            " WHERE token_hash = ? AND kind = 'pending'",
            (token_hash(token),),
        )
        if row is None or row[4] <= now_ms(self.clock):
            return None
        return PendingLogin(row[0], row[1], row[2], row[3])

    def count_pending_attempt(self, tx: Tx, pending: PendingLogin) -> None:
        """One more wrong code; the pending login ends after ``pending_max_attempts``."""
        if pending.attempts + 1 >= self.policy.pending_max_attempts:
            self.delete(tx, pending.token_hash)
        else:
            tx.execute(
                "UPDATE auth_sessions SET attempts = attempts + 1 WHERE token_hash = ?",
                (pending.token_hash,),
            )

    def active(self, tx: Tx, token: str, kind: str) -> ActiveSession | None:
        """The live session for ``token`` of ``kind`` (cookie or bearer), or None."""
        row = tx.fetchone(
            "SELECT s.token_hash, s.session_id, s.kind, s.last_seen_ms, s.expires_ms,"
            " u.user_id, u.display_name, u.role, u.facility_code, u.facility_name,"
            " u.prefecture, u.patient_ids, u.disabled"
            " FROM auth_sessions s JOIN auth_users u ON u.user_id = s.user_id"
            " WHERE s.token_hash = ?",
            (token_hash(token),),
        )
        if row is None or row[2] != kind or row[12]:
            return None
        at = now_ms(self.clock)
        if at >= row[4] or at >= row[3] + self.policy.session_idle_timeout * 1000:
            return None
        pids = tuple(row[11].split()) if row[11] else ()
        return ActiveSession(
            row[0], row[1], row[2], row[3], row[5], row[6], row[7], row[8], row[9], row[10], pids
        )

    def needs_touch(self, session: ActiveSession) -> bool:
        elapsed = now_ms(self.clock) - session.last_seen_ms
        return elapsed >= self.policy.session_touch_interval * 1000

    def touch(self, tx: Tx, session: ActiveSession) -> None:
        tx.execute(
            "UPDATE auth_sessions SET last_seen_ms = ? WHERE token_hash = ?",
            (now_ms(self.clock), session.token_hash),
        )

    @staticmethod
    def delete(tx: Tx, hashed: str) -> None:
        tx.execute("DELETE FROM auth_sessions WHERE token_hash = ?", (hashed,))

    def purge(self, tx: Tx) -> None:
        at = now_ms(self.clock)
        idle = self.policy.session_idle_timeout * 1000
        tx.execute(
            "DELETE FROM auth_sessions WHERE expires_ms <= ? OR (kind <> 'pending'"
            " AND last_seen_ms <= ?)",
            (at, at - idle),
        )
