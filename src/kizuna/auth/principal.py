"""Who is making a request: the one identity type every other module consumes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from kizuna.auth import roles, scopes


@dataclass(frozen=True)
class Principal:
    """An authenticated user (clinician, staff, patient, guardian) or facility system.

    ``subject`` is stable: the user id or the client id. ``facility_code`` is the 10-digit
    医療機関コード of staff and facility systems; ``prefecture`` the 2-digit code of
    emergency responders (and of staff, derived from their facility code).
    ``patient_ids`` are the Patient resources a patient or guardian user may see.
    ``scopes`` are SMART scopes: the role's for users, the granted ones for clients.
    """

    kind: Literal["user", "client"]
    subject: str
    name: str
    role: str
    facility_code: str | None = None
    facility_name: str | None = None
    prefecture: str | None = None
    patient_ids: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()
    session_id: str | None = None  # users: the login session
    token_id: str | None = None  # clients: the access token

    @property
    def client_id(self) -> str | None:
        return self.subject if self.kind == "client" else None

    def permits(self, permission: roles.Permission | str) -> bool:
        return roles.permits(self.role, permission)

    def allows(self, resource_type: str, interaction: str) -> bool:
        """Whether this principal's SMART scopes reach the interaction at all."""
        return scopes.allows(self.scopes, resource_type, interaction)

    def is_own_patient(self, patient_id: str) -> bool:
        """For patients and guardians: whether ``patient_id`` is theirs (or their child's)."""
        return patient_id in self.patient_ids


def user_principal(
    *,
    user_id: str,
    name: str,
    role: str,
    facility_code: str | None,
    facility_name: str | None,
    prefecture: str | None,
    patient_ids: Iterable[str],
    session_id: str,
) -> Principal:
    return Principal(
        kind="user",
        subject=user_id,
        name=name,
        role=role,
        facility_code=facility_code,
        facility_name=facility_name,
        prefecture=prefecture or (facility_code[:2] if facility_code else None),
        patient_ids=tuple(patient_ids),
        scopes=roles.role_spec(role).scopes,
        session_id=session_id,
    )
