"""What one audit record says: who did what to whose data, why, from where, with what result.

``AuditEvent`` is built by the code that handles a request and given to ``record`` (or an
``AuditRecorder``). Patient ids belong here and nowhere else: never in application logs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kizuna.auth.principal import Principal


class Action(StrEnum):
    READ = "read"
    SEARCH = "search"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    EXPORT = "export"
    LOGIN = "login"
    LOGIN_FAILED = "login-failed"
    LOGOUT = "logout"
    EMERGENCY_ACCESS = "emergency-access"
    CONSENT_CHANGE = "consent-change"
    DISASTER_DECLARATION = "disaster-declaration"
    USER_ADMIN = "user-admin"
    CLIENT_ADMIN = "client-admin"
    REVIEW_CLOSE = "review-close"


class Outcome(StrEnum):
    ALLOWED = "allowed"
    DENIED = "denied"
    ERROR = "error"


class Purpose(StrEnum):
    TREATMENT = "treatment"
    EMERGENCY = "emergency"
    PATIENT_REQUEST = "patient-request"
    OPERATIONS = "operations"
    AUDIT = "audit"


_TOKEN = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
LIMITS = {"user_agent": 256, "emergency_reason": 1000, "query": 2000, "reason": 200}


_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def clean_text(value: str | None, limit: int = 500) -> str | None:
    """Text safe to store and hash on both backends: no NUL or control characters, valid
    UTF-8, bounded length."""
    if value is None:
        return None
    text = value[:limit]
    if not text.isprintable():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates
            text = text.encode("utf-8", "replace").decode("utf-8")
        text = _CONTROL.sub(" ", text)
    return text


@dataclass(frozen=True)
class AuditEvent:
    action: str  # an Action, or another lowercase-hyphen word
    outcome: str = Outcome.ALLOWED
    reason: str | None = None  # the denial or error reason code
    actor_kind: str | None = None  # user | client | operator | anonymous
    actor_subject: str | None = None
    actor_name: str | None = None
    actor_role: str | None = None
    facility_code: str | None = None
    facility_name: str | None = None
    client_id: str | None = None
    session_id: str | None = None
    request_id: str | None = None
    patient_ids: tuple[str, ...] = ()
    data: tuple[str, ...] = ()  # "Type/id" for resources, "Type" for a type-level search
    query: str | None = None  # redacted with ``redact_query``
    purpose: str | None = None
    client_ip: str | None = None
    user_agent: str | None = None
    emergency_reason: str | None = None
    at_ms: int | None = None  # set by the recorder when None
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not _TOKEN.match(str(self.action)):
            raise ValueError(f"audit action {self.action!r} is not a lowercase-hyphen word")
        if self.outcome not in tuple(Outcome):
            raise ValueError(f"audit outcome must be one of {[o.value for o in Outcome]}")
        if self.action == Action.EMERGENCY_ACCESS and not (self.emergency_reason or "").strip():
            raise ValueError("an emergency access needs its declared reason")
        for pid in self.patient_ids:
            if not pid or " " in pid:
                raise ValueError("patient ids are FHIR ids (no spaces)")

    @classmethod
    def by(cls, principal: Principal | None, action: str, **fields: Any) -> AuditEvent:
        """An event whose actor fields come from ``principal`` (None: anonymous)."""
        return cls(action=action, **actor_fields(principal), **fields)


def actor_fields(principal: Principal | None) -> dict[str, Any]:
    if principal is None:
        return {"actor_kind": "anonymous"}
    return {
        "actor_kind": principal.kind,
        "actor_subject": principal.subject,
        "actor_name": principal.name,
        "actor_role": principal.role,
        "facility_code": principal.facility_code,
        "facility_name": principal.facility_name,
        "client_id": principal.client_id,
        "session_id": principal.session_id or principal.token_id,
    }
