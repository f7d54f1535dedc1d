"""Authentication policy: lifetimes and brute-force limits, configurable by environment.

Every value has a safe default; ``KIZUNA_AUTH_<NAME>`` overrides it (seconds or counts).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class AuthPolicy:
    #: failed password or TOTP attempts per account within ``failure_window`` before a lock
    max_failures: int = 5
    failure_window: int = 15 * 60
    lock_time: int = 15 * 60
    #: failed attempts from one source address within ``ip_failure_window`` before a block
    ip_max_failures: int = 30
    ip_failure_window: int = 15 * 60
    ip_lock_time: int = 15 * 60
    #: between the password step and the TOTP step
    pending_lifetime: int = 5 * 60
    pending_max_attempts: int = 3
    #: viewer sessions and user bearer tokens
    session_idle_timeout: int = 30 * 60
    session_absolute_timeout: int = 12 * 60 * 60
    #: last-seen updates are coalesced to one write per session per this many seconds
    session_touch_interval: int = 60
    #: SMART backend services
    access_token_lifetime: int = 5 * 60
    assertion_max_lifetime: int = 5 * 60
    clock_skew: int = 60

    @classmethod
    def from_env(cls) -> AuthPolicy:
        values: dict[str, int] = {}
        for f in fields(cls):
            raw = os.environ.get(f"KIZUNA_AUTH_{f.name.upper()}")
            if raw is not None:
                values[f.name] = int(raw)
        return cls(**values)
