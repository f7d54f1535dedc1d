"""PID (and NK1) to the JP Core Patient candidate every unit carries."""

from __future__ import annotations

from typing import Any

from kizuna.fhir import jpcore
from kizuna.ingest.ssmix2.datatypes import XAD, XTN
from kizuna.ingest.ssmix2.map_common import Context, compact, concept, date_of, person_name
from kizuna.ingest.ssmix2.segments import NK1, PID

_GENDER = {"M": "male", "F": "female", "O": "other", "U": "unknown"}
_ADDRESS_USE = {"H": "home", "B": "work", "O": "work", "C": "temp", "M": "home"}
_PHONE_USE = {"PRN": "home", "ORN": "home", "WPN": "work", "PRS": "mobile", "VHN": "temp"}
_PHONE_SYSTEM = {"PH": "phone", "CP": "phone", "FX": "fax", "Internet": "email", "X.400": "email"}


def patient(ctx: Context, pid: PID, contacts: list[NK1] | None = None) -> dict[str, Any]:
    """The Patient candidate (no id): identifiers, names, sex, birth date, address..."""
    out: dict[str, Any] = {"resourceType": "Patient", "identifier": identifiers(ctx, pid)}
    out["name"] = [
        person_name(n.family, n.given, n.representation, use=_name_use(n.type_code))
        for n in pid.names
        if n
    ]
    if pid.sex:
        gender = _GENDER.get(pid.sex.upper())
        if gender:
            out["gender"] = gender
        else:
            ctx.warn("code", "PID-8 sex is not one of M, F, O, U; left out", pid.pos, "PID-8")
    out["birthDate"] = date_of(ctx, pid.birth, pid.pos, "PID-7")
    out["address"] = [a for a in (address(x) for x in pid.addresses) if a]
    out["telecom"] = telecoms(pid.home_phones, "home") + telecoms(pid.work_phones, "work")
    if pid.death_indicator.upper() == "Y":
        out["deceasedBoolean"] = True
    if contacts:
        out["contact"] = [c for c in (contact(ctx, nk1) for nk1 in contacts) if c]
    return compact(out)


#: Facility-local ids of a hospital whose facility code is unknown are scoped by the
#: sending facility (MSH-4) under Kizuna's own root, never under the JP Core OID.
UNKNOWN_FACILITY_ROOT = "urn:kizuna:source-patient:ssmix2:"


def identifiers(ctx: Context, pid: PID) -> list[dict]:
    """The facility-local patient id, scoped by the facility code when it is known."""
    if ctx.facility_code:
        system = jpcore.local_patient_system(ctx.facility_code)
    else:
        system = UNKNOWN_FACILITY_ROOT + ctx.facility_key
    return [{"use": "usual", "system": system, "value": ctx.patient_id}]


def _name_use(type_code: str) -> str:
    return {"L": "official", "A": "nickname", "D": "usual", "M": "maiden"}.get(type_code, "")


def address(xad: XAD) -> dict | None:
    """A FHIR Address; SS-MIX2 keeps the whole address as text in XAD-8."""
    if not xad:
        return None
    text = xad.text or "".join(p for p in (xad.state, xad.city, xad.street, xad.other) if p)
    out: dict[str, Any] = {
        "use": _ADDRESS_USE.get(xad.type_code),
        "text": text,
        "line": [p for p in (xad.street, xad.other) if p],
        "city": xad.city,
        "state": xad.state,
        "postalCode": xad.zip,
        "country": "JP" if xad.country in ("JPN", "JP") else xad.country,
    }
    return compact(out)


def telecoms(numbers: tuple[XTN, ...], default_use: str) -> list[dict]:
    out = []
    for xtn in numbers:
        value = xtn.value.strip()
        if not value:
            continue
        item: dict[str, Any] = {
            "system": _PHONE_SYSTEM.get(xtn.equipment, "email" if xtn.email else "phone"),
            "value": value,
        }
        use = _PHONE_USE.get(xtn.use, default_use if not xtn.use else "")
        if use:
            item["use"] = use
        out.append(item)
    return out


def contact(ctx: Context, nk1: NK1) -> dict | None:
    """Patient.contact from NK1: name, relationship, address, phones, organisation."""
    names = [person_name(n.family, n.given, n.representation) for n in nk1.names if n]
    out: dict[str, Any] = {
        "relationship": [c for c in (concept(ctx, nk1.relationship),) if c],
        "name": names[0] if names else None,
        "telecom": telecoms(nk1.phones, "home") + telecoms(nk1.work_phones, "work"),
        "address": next((a for a in (address(x) for x in nk1.addresses) if a), None),
    }
    org = next((o.name for o in nk1.organization if o.name), "")
    if org:
        out["organization"] = {"display": org}
    result = compact(out)
    return result or None
