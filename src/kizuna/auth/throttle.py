"""Brute-force protection: per-account locks and per-source-address blocks.

Every password or TOTP attempt is counted *before* it is checked, so a burst of parallel
guesses cannot slip past the limit: with ``max_failures`` = 5, the sixth attempt within
the window is refused and the account is locked for ``lock_time``. A successful login
removes its own attempt and resets the account's count; a failure leaves it counted.
Accounts are keyed by the normalised username, known or not, so a lock reveals nothing
about which usernames exist. Source addresses are counted the same way with their own,
higher limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from kizuna.auth.clock import Clock, now_ms
from kizuna.auth.policy import AuthPolicy
from kizuna.auth.tokens import new_id
from kizuna.store.db import Tx


@dataclass(frozen=True)
class Limit:
    key: str
    max_failures: int
    window_ms: int
    lock_ms: int


@dataclass(frozen=True)
class Attempt:
    attempt_id: str
    limits: tuple[Limit, ...]
    at_ms: int


@dataclass(frozen=True)
class Locked:
    """The attempt was refused: a key is locked (returned, so the lock itself commits)."""

    retry_after: int  # seconds


class Throttle:
    def __init__(self, policy: AuthPolicy, clock: Clock) -> None:
        self.policy = policy
        self.clock = clock

    def limits(self, username: str, ip: str | None) -> tuple[Limit, ...]:
        p = self.policy
        out = [
            Limit(f"user:{username}", p.max_failures, p.failure_window * 1000, p.lock_time * 1000)
        ]
        if ip:
            out.append(
                Limit(
                    f"ip:{ip}", p.ip_max_failures, p.ip_failure_window * 1000, p.ip_lock_time * 1000
                )
            )
        return tuple(out)

    def begin(self, tx: Tx, limits: tuple[Limit, ...]) -> Attempt | Locked:
        """Count an attempt, or refuse it if any key is locked or over its limit."""
        at = now_ms(self.clock)
        keys = sorted(limit.key for limit in limits)
        for key in keys:  # a row per key to lock on (PostgreSQL serialises per key)
            tx.execute(
                "INSERT INTO auth_locks (key, until_ms) VALUES (?, 0) ON CONFLICT (key) DO NOTHING",
                (key,),
            )
        lock = " FOR UPDATE" if tx.dialect == "postgresql" else ""
        marks = ",".join("?" * len(keys))
        until: dict[str, int] = dict(
            tx.fetchall(
                f"SELECT key, until_ms FROM auth_locks WHERE key IN ({marks}) ORDER BY key{lock}",
                keys,
            )
        )
        locked_until = max((u for u in until.values() if u > at), default=0)
        if locked_until:
            return Locked(_seconds(locked_until - at))
        attempt = Attempt(new_id(), limits, at)
        tx.insert_rows(
            "auth_failures",
            ("key", "attempt_id", "at_ms"),
            [(limit.key, attempt.attempt_id, at) for limit in limits],
        )
        for limit in limits:
            if self._count(tx, limit, at) > limit.max_failures:
                self._lock(tx, limit, at)
                return Locked(_seconds(limit.lock_ms))
        return attempt

    def failed(self, tx: Tx, attempt: Attempt) -> None:
        """The attempt failed: it stays counted; lock any key that reached its limit."""
        for limit in attempt.limits:
            if self._count(tx, limit, attempt.at_ms) >= limit.max_failures:
                self._lock(tx, limit, attempt.at_ms)

    def succeeded(self, tx: Tx, attempt: Attempt, reset_account: bool = True) -> None:
        tx.execute("DELETE FROM auth_failures WHERE attempt_id = ?", (attempt.attempt_id,))
        if reset_account:
            tx.execute("DELETE FROM auth_failures WHERE key = ?", (attempt.limits[0].key,))

    def unlock(self, tx: Tx, username: str) -> None:
        key = f"user:{username}"
        tx.execute("DELETE FROM auth_failures WHERE key = ?", (key,))
        tx.execute("DELETE FROM auth_locks WHERE key = ?", (key,))

    @staticmethod
    def _count(tx: Tx, limit: Limit, at: int) -> int:
        row = tx.fetchone(
            "SELECT COUNT(*) FROM auth_failures WHERE key = ? AND at_ms > ?",
            (limit.key, at - limit.window_ms),
        )
        return int(row[0]) if row else 0

    @staticmethod
    def _lock(tx: Tx, limit: Limit, at: int) -> None:
        tx.execute(
            "UPDATE auth_locks SET until_ms = ? WHERE key = ?", (at + limit.lock_ms, limit.key)
        )
        tx.execute("DELETE FROM auth_failures WHERE key = ?", (limit.key,))


def purge(tx: Tx, policy: AuthPolicy, at_ms: int) -> None:
    """Drop counters and lock rows that can no longer matter."""
    window = max(policy.failure_window, policy.ip_failure_window) * 1000
    tx.execute("DELETE FROM auth_failures WHERE at_ms <= ?", (at_ms - window,))
    tx.execute("DELETE FROM auth_locks WHERE until_ms <= ?", (at_ms - window,))


def _seconds(ms: int) -> int:
    return max(1, -(-ms // 1000))
