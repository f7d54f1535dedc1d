"""SMART scope parsing, ``allows`` and narrowing to a registration."""

from __future__ import annotations

import pytest

from kizuna.auth.scopes import Scope, ScopeError, allows, narrow, parse_scope, parse_scopes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("patient/Observation.read", Scope("patient", "Observation", frozenset("rs"))),
        ("user/*.read", Scope("user", "*", frozenset("rs"))),
        ("system/*.write", Scope("system", "*", frozenset("cud"))),
        ("system/*.*", Scope("system", "*", frozenset("cruds"))),
        ("patient/*.rs", Scope("patient", "*", frozenset("rs"))),
        ("user/Patient.cruds", Scope("user", "Patient", frozenset("cruds"))),
        ("user/Consent.cu", Scope("user", "Consent", frozenset("cu"))),
        (
            "patient/Observation.rs?category=laboratory",
            Scope("patient", "Observation", frozenset("rs"), (("category", "laboratory"),)),
        ),
    ],
)
def test_parse(text: str, expected: Scope) -> None:
    assert parse_scope(text) == expected


@pytest.mark.parametrize(
    "text", ["openid", "fhirUser", "launch", "launch/patient", "offline_access"]
)
def test_non_resource_scopes_are_not_resource_scopes(text: str) -> None:
    assert parse_scope(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "user/Observation.sr",
        "user/Observation.x",
        "user/observation.read",
        "user/*.",
        "clinic/*.read",
        "user/Observation.rs?category",
        "user/Observation.readwrite",
    ],
)
def test_malformed_resource_scopes_raise(text: str) -> None:
    if text.startswith("clinic/"):
        assert parse_scope(text) is None  # not a SMART context at all
        return
    with pytest.raises(ScopeError):
        parse_scope(text)


@pytest.mark.parametrize(
    ("scopes", "resource_type", "interaction", "allowed"),
    [
        ("user/*.read", "Observation", "read", True),
        ("user/*.read", "Observation", "search-type", True),
        ("user/*.read", "Observation", "vread", True),
        ("user/*.read", "Observation", "create", False),
        ("user/*.write", "Observation", "update", True),
        ("user/*.write", "Observation", "patch", True),
        ("user/*.write", "Observation", "read", False),
        ("patient/Observation.rs", "Observation", "read", True),
        ("patient/Observation.rs", "Condition", "read", False),
        ("patient/Observation.r", "Observation", "search-type", False),
        ("patient/Observation.s", "Observation", "read", False),
        ("system/Bundle.c", "Bundle", "create", True),
        ("system/Bundle.c", "Bundle", "delete", False),
        ("system/*.cruds", "Patient", "delete", True),
        ("system/*.*", "Patient", "history-type", True),
        ("user/Patient.rs user/Observation.rs", "Observation", "s", True),
        ("patient/Observation.rs?category=laboratory", "Observation", "read", False),
        ("user/Observation.bogus user/Observation.rs", "Observation", "read", True),
        ("openid fhirUser", "Patient", "read", False),
        ("user/*.rs", "AuditEvent", "search-type", False),
        ("system/*.*", "AuditEvent", "read", False),
        ("user/AuditEvent.rs", "AuditEvent", "search-type", True),
        ("", "Patient", "read", False),
    ],
)
def test_allows(scopes: str, resource_type: str, interaction: str, allowed: bool) -> None:
    assert allows(scopes, resource_type, interaction) is allowed


def test_allows_can_be_limited_to_one_context() -> None:
    assert allows(["patient/*.rs"], "Observation", "read", context="patient")
    assert not allows(["patient/*.rs"], "Observation", "read", context="user")


def test_allows_rejects_unknown_interactions() -> None:
    with pytest.raises(ValueError, match="unknown FHIR interaction"):
        allows("user/*.rs", "Observation", "peek")


@pytest.mark.parametrize(
    ("requested", "registered", "granted", "refused"),
    [
        (["system/*.rs"], ["system/*.rs"], ["system/*.rs"], []),
        (["system/Observation.read"], ["system/*.rs"], ["system/Observation.read"], []),
        (
            ["system/*.read"],
            ["system/Observation.rs", "system/Patient.rs"],
            ["system/Observation.rs", "system/Patient.rs"],
            [],
        ),
        (["system/*.cruds"], ["system/*.rs"], ["system/*.rs"], []),
        (["system/Observation.write"], ["system/*.rs"], [], ["system/Observation.write"]),
        (["user/*.rs"], ["system/*.rs"], [], ["user/*.rs"]),
        (["openid", "system/*.rs"], ["system/*.rs"], ["system/*.rs"], ["openid"]),
        (
            ["system/Observation.rs"],
            ["system/Observation.rs?category=laboratory"],
            ["system/Observation.rs?category=laboratory"],
            [],
        ),
    ],
)
def test_narrow(
    requested: list[str], registered: list[str], granted: list[str], refused: list[str]
) -> None:
    assert narrow(requested, registered) == (granted, refused)


def test_parse_scopes_skips_non_resource_scopes() -> None:
    assert [s.text() for s in parse_scopes("openid user/*.read fhirUser")] == ["user/*.rs"]
