"""Time-based one-time passwords (RFC 6238): 6 digits, 30-second steps, ±1 step accepted.

``matching_step`` returns the time step a code belongs to; callers store the last accepted
step per user and refuse any code whose step is not newer (replay protection: a code,
once accepted, cannot be used again, nor can an older one).
"""

from __future__ import annotations

import hmac

import pyotp

STEP_SECONDS = 30
DIGITS = 6
WINDOW = 1
ISSUER = "Kizuna"


def new_secret() -> str:
    """A random 160-bit base32 secret (RFC 4226 recommends at least 128 bits)."""
    return pyotp.random_base32(32)


def provisioning_uri(secret: str, username: str, issuer: str = ISSUER) -> str:
    """The otpauth:// URI an authenticator app scans as a QR code."""
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=issuer
    )


def step_at(at: float) -> int:
    return int(at // STEP_SECONDS)


def code_at(secret: str, at: float) -> str:
    return pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS).generate_otp(step_at(at))


def matching_step(secret: str, code: str, at: float, window: int = WINDOW) -> int | None:
    """The time step within ±``window`` of ``at`` whose code is ``code``, or None."""
    code = code.strip().replace(" ", "")
    if len(code) != DIGITS or not code.isascii() or not code.isdigit():
        return None
    otp = pyotp.TOTP(secret, digits=DIGITS, interval=STEP_SECONDS)
    now = step_at(at)
    for step in sorted(range(now - window, now + window + 1), key=lambda s: abs(s - now)):
        if hmac.compare_digest(otp.generate_otp(step), code):
            return step
    return None
