"""Sharing consent as FHIR Consent, and what a person's consents allow.

A Kizuna sharing consent is a ``Consent`` (scope patient-privacy) whose provision permits
sharing, for a period, with:

* a scope (extension ``SCOPE_URL``): ``facility`` (only the facility named as recipient
  actor), ``all`` (every facility) or ``network`` (the facilities of a regional network,
  named by extension ``NETWORK_URL``);
* nested ``deny`` provisions: sensitive categories (``securityLabel`` from
  :mod:`kizuna.consent.categories`) and excluded facilities (recipient actors).

``status`` ``inactive`` means revoked. A person may hold several consents (one per
facility, say); each active one that covers the reader's facility permits; the exclusions of
every active consent apply. Nothing is cached: a revocation takes effect on the next request.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kizuna.consent.categories import CATEGORIES, SYSTEM
from kizuna.fhir import jpcore
from kizuna.fhir.indexing.date import range_or_none
from kizuna.fhir.instant import format_instant, japan_date

SCOPE_URL = "urn:kizuna:fhir:consent-sharing-scope"
NETWORK_URL = "urn:kizuna:fhir:consent-network"
SCOPES = ("facility", "all", "network")
RECIPIENT = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}
    ]
}
PRIVACY = {
    "coding": [
        {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
    ]
}
CATEGORY = [
    {"coding": [{"system": "http://loinc.org", "code": "59284-0", "display": "Consent Document"}]}
]
POLICY = [{"uri": "urn:kizuna:policy:health-record-sharing"}]


@dataclass(frozen=True)
class ConsentState:
    """What the consents say for one reader facility at one moment."""

    state: str  # none | active | revoked | expired | not-yet | facility-excluded | other-facility
    excluded_categories: frozenset[str] = frozenset()
    consent_ids: tuple[str, ...] = ()

    @property
    def permits(self) -> bool:
        return self.state == "active"


def _facility(identifier_code: str) -> dict[str, Any]:
    return {
        "role": RECIPIENT,
        "reference": {"identifier": {"system": jpcore.FACILITY_CODE, "value": identifier_code}},
    }


def build_consent(
    patient_id: str,
    scope: str,
    *,
    facility_code: str | None,
    start: str,
    end: str | None = None,
    network: str | None = None,
    excluded_categories: Iterable[str] = (),
    excluded_facilities: Iterable[str] = (),
    recorded_by: str | None = None,
    now_ms: int,
) -> dict[str, Any]:
    """A sharing Consent resource (without id)."""
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {SCOPES}")
    if scope == "facility" and not facility_code:
        raise ValueError("a facility-scoped consent needs the facility")
    if scope == "network" and not network:
        raise ValueError("a network-scoped consent needs the network")
    provision: dict[str, Any] = {"type": "permit", "period": {"start": start}}
    if end:
        provision["period"]["end"] = end
    if scope == "facility":
        provision["actor"] = [_facility(facility_code or "")]
    denies = [
        {"type": "deny", "securityLabel": [{"system": SYSTEM, "code": c}]}
        for c in sorted(set(excluded_categories))
        if c in CATEGORIES
    ]
    denies += [
        {"type": "deny", "actor": [_facility(code)]} for code in sorted(set(excluded_facilities))
    ]
    if denies:
        provision["provision"] = denies
    extension: list[dict[str, Any]] = [{"url": SCOPE_URL, "valueCode": scope}]
    if network:
        extension.append(
            {
                "url": NETWORK_URL,
                "valueIdentifier": {"system": "urn:kizuna:network", "value": network},
            }
        )
    consent: dict[str, Any] = {
        "resourceType": "Consent",
        "extension": extension,
        "status": "active",
        "scope": PRIVACY,
        "category": CATEGORY,
        "patient": {"reference": f"Patient/{patient_id}"},
        "dateTime": format_instant(now_ms),
        "policy": POLICY,
        "provision": provision,
    }
    if facility_code:
        consent["organization"] = [
            {"identifier": {"system": jpcore.FACILITY_CODE, "value": facility_code}}
        ]
    if recorded_by:
        consent["performer"] = [{"display": recorded_by}]
    return consent


def is_sharing_consent(consent: dict[str, Any]) -> bool:
    return any(e.get("url") == SCOPE_URL for e in consent.get("extension", []))


def _scope(consent: dict[str, Any]) -> str:
    return next(
        (e.get("valueCode") for e in consent.get("extension", []) if e.get("url") == SCOPE_URL),
        "facility",
    )


def network_of(consent: dict[str, Any]) -> str | None:
    for ext in consent.get("extension", []):
        if ext.get("url") == NETWORK_URL:
            return str((ext.get("valueIdentifier") or {}).get("value") or "") or None
    return None


def _actor_codes(actors: list[dict[str, Any]]) -> set[str]:
    return {
        str((a.get("reference") or {}).get("identifier", {}).get("value", ""))
        for a in actors
        if (a.get("reference") or {}).get("identifier", {}).get("system") == jpcore.FACILITY_CODE
    }


def _period(provision: dict[str, Any]) -> tuple[int, int]:
    period = provision.get("period") or {}
    start = range_or_none(period.get("start")) if period.get("start") else None
    end = range_or_none(period.get("end")) if period.get("end") else None
    return (start[0] if start else -(2**62), end[1] if end else 2**62)


def exclusions(consent: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(excluded categories, excluded facility codes) of one consent."""
    categories: set[str] = set()
    facilities: set[str] = set()
    for deny in (consent.get("provision") or {}).get("provision", []):
        if deny.get("type") != "deny":
            continue
        categories |= {
            str(label.get("code"))
            for label in deny.get("securityLabel", [])
            if label.get("system") == SYSTEM
        }
        facilities |= _actor_codes(deny.get("actor", []))
    return categories, facilities


def covers(
    consent: dict[str, Any], facility_code: str | None, networks_of_facility: set[str]
) -> bool:
    scope = _scope(consent)
    if scope == "all":
        return True
    if scope == "network":
        return network_of(consent) in networks_of_facility
    return facility_code is not None and facility_code in _actor_codes(
        (consent.get("provision") or {}).get("actor", [])
    )


def evaluate(
    consents: list[dict[str, Any]],
    facility_code: str | None,
    networks_of_facility: set[str],
    now_ms: int,
) -> ConsentState:
    """The consent state for a reader at ``facility_code`` now."""
    sharing = [c for c in consents if is_sharing_consent(c)]
    if not sharing:
        return ConsentState("none")
    active = [c for c in sharing if c.get("status") == "active"]
    current = [
        c
        for c in active
        if _period(c.get("provision") or {})[0] <= now_ms <= _period(c.get("provision") or {})[1]
    ]
    excluded_categories: set[str] = set()
    excluded_facilities: set[str] = set()
    for consent in current:
        cats, facs = exclusions(consent)
        excluded_categories |= cats
        excluded_facilities |= facs
    if facility_code and facility_code in excluded_facilities:
        return ConsentState("facility-excluded")
    permitting = [c for c in current if covers(c, facility_code, networks_of_facility)]
    if permitting:
        ids = tuple(str(c.get("id", "")) for c in permitting)
        return ConsentState("active", frozenset(excluded_categories), ids)
    if current:
        return ConsentState("other-facility", frozenset(excluded_categories))
    if any(_period(c.get("provision") or {})[0] > now_ms for c in active):
        return ConsentState("not-yet")
    if active:
        return ConsentState("expired")
    return ConsentState("revoked")


def today_iso(now_ms: int) -> str:
    """The date in Japan at ``now_ms``: the day a consent given now starts (periods are
    read at Japan time, so a server-local date could start it a day early or late)."""
    return japan_date(now_ms).isoformat()
