"""Time as a dependency, so TOTP windows, expiry and lockouts are testable without sleeping."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


def now_ms(clock: Clock) -> int:
    return int(clock.now() * 1000)
