"""The role table: what each profession may reach, and the principal built from it."""

from __future__ import annotations

import pytest

from kizuna.auth.principal import Principal, user_principal
from kizuna.auth.roles import (
    EMERGENCY_TYPES,
    ROLES,
    USER_ROLES,
    Permission,
    permits,
    role_spec,
    roles_with,
)
from kizuna.auth.scopes import allows, parse_scopes

P = Permission


def test_every_role_of_the_plan_is_defined_with_english_and_japanese_labels() -> None:
    assert set(USER_ROLES) == {
        "physician",
        "dentist",
        "pharmacist",
        "nurse",
        "emergency",
        "clerk",
        "patient",
        "guardian",
        "network_admin",
        "auditor",
    }
    for spec in ROLES.values():
        assert spec.label and spec.label_ja
        parse_scopes(spec.scopes)  # all well-formed


@pytest.mark.parametrize(
    ("role", "permission", "held"),
    [
        ("physician", P.READ_CLINICAL, True),
        ("physician", P.EMERGENCY_ACCESS, True),
        ("emergency", P.EMERGENCY_ACCESS, True),
        ("emergency", P.READ_CLINICAL, False),
        ("nurse", P.EMERGENCY_ACCESS, False),
        ("pharmacist", P.EMERGENCY_ACCESS, False),
        ("clerk", P.CAPTURE_CONSENT, True),
        ("clerk", P.READ_CLINICAL, False),
        ("patient", P.VIEW_OWN_ACCESS_LOG, True),
        ("guardian", P.WRITE_CARE_INFO, True),
        ("patient", P.WRITE_CARE_INFO, False),
        ("network_admin", P.MANAGE_USERS, True),
        ("network_admin", P.DECLARE_DISASTER, True),
        ("network_admin", P.READ_CLINICAL, False),
        ("network_admin", P.REVIEW_AUDIT, False),
        ("auditor", P.REVIEW_AUDIT, True),
        ("auditor", P.MANAGE_USERS, False),
        ("system", P.SUBMIT_DATA, True),
        ("system", P.EMERGENCY_ACCESS, False),
        ("stranger", P.READ_CLINICAL, False),
    ],
)
def test_permissions(role: str, permission: Permission, held: bool) -> None:
    assert permits(role, permission) is held


def test_separation_of_duties() -> None:
    assert set(roles_with(P.REVIEW_AUDIT)) == {"auditor"}
    assert not set(roles_with(P.MANAGE_USERS)) & set(roles_with(P.READ_CLINICAL))
    assert role_spec("network_admin").scopes == ()


@pytest.mark.parametrize(
    ("role", "resource_type", "interaction", "allowed"),
    [
        ("physician", "DocumentReference", "read", True),
        ("physician", "Observation", "create", False),
        ("physician", "Consent", "create", True),
        ("pharmacist", "MedicationRequest", "search-type", True),
        ("pharmacist", "Condition", "read", True),
        ("pharmacist", "DocumentReference", "read", False),
        ("pharmacist", "ImagingStudy", "search-type", False),
        ("emergency", "AllergyIntolerance", "read", True),
        ("emergency", "DocumentReference", "read", False),
        ("clerk", "Patient", "read", True),
        ("clerk", "Observation", "read", False),
        ("auditor", "AuditEvent", "search-type", True),
        ("physician", "AuditEvent", "search-type", False),
        ("patient", "AuditEvent", "read", False),
        ("auditor", "Patient", "read", False),
        ("guardian", "CarePlan", "update", True),
        ("patient", "CarePlan", "update", False),
    ],
)
def test_role_scopes(role: str, resource_type: str, interaction: str, allowed: bool) -> None:
    assert allows(role_spec(role).scopes, resource_type, interaction) is allowed


def test_the_emergency_team_reaches_the_emergency_data_set_read_only() -> None:
    scopes = role_spec("emergency").scopes
    for resource_type in EMERGENCY_TYPES:
        assert allows(scopes, resource_type, "read")
        assert not allows(scopes, resource_type, "update")


def test_user_principal_takes_scopes_from_the_role_and_prefecture_from_the_facility() -> None:
    principal = user_principal(
        user_id="u1",
        name="佐藤",
        role="pharmacist",
        facility_code="1340123459",
        facility_name="さくら薬局",
        prefecture=None,
        patient_ids=(),
        session_id="s1",
    )
    assert principal.prefecture == "13"
    assert principal.scopes == role_spec("pharmacist").scopes
    assert principal.allows("MedicationDispense", "read")
    assert not principal.allows("DocumentReference", "read")
    assert principal.permits(P.CAPTURE_CONSENT) and principal.client_id is None


def test_a_guardian_principal_knows_its_children() -> None:
    guardian = Principal(
        kind="user", subject="g", name="保護者", role="guardian", patient_ids=("child-1", "child-2")
    )
    assert guardian.is_own_patient("child-2") and not guardian.is_own_patient("other")
    client = Principal(kind="client", subject="c1", name="EHR", role="system")
    assert client.client_id == "c1"
