"""Small builders for candidate Patients as the source mappers produce them."""

from __future__ import annotations

from typing import Any

from kizuna.fhir import jpcore
from kizuna.identity.features import Features, features_of

NAME_EXT = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"
FACILITY_A = "1311234567"
FACILITY_B = "2714567890"


def name(text: str, code: str) -> dict[str, Any]:
    family, _, given = text.replace("\u3000", " ").partition(" ")
    out: dict[str, Any] = {"extension": [{"url": NAME_EXT, "valueCode": code}], "text": text}
    if given:
        out["family"], out["given"] = family, [given]
    return out


def patient(
    kanji: str | None = None,
    kana: str | None = None,
    birth: str | None = None,
    sex: str | None = None,
    address: str | None = None,
    postal: str | None = None,
    phone: str | None = None,
    local: tuple[str, str] | None = None,
    member: str | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceType": "Patient"}
    identifiers = []
    if local:
        identifiers.append({"system": jpcore.local_patient_system(local[0]), "value": local[1]})
    if member:
        identifiers.append({"system": jpcore.INSURANCE_MEMBER_ID, "value": member})
    if identifiers:
        out["identifier"] = identifiers
    names = [name(t, c) for t, c in ((kanji, "IDE"), (kana, "SYL")) if t]
    if names:
        out["name"] = names
    if sex:
        out["gender"] = sex
    if birth:
        out["birthDate"] = birth
    if address or postal:
        out["address"] = [{k: v for k, v in (("text", address), ("postalCode", postal)) if v}]
    if phone:
        out["telecom"] = [{"system": "phone", "value": phone}]
    return out


def features(**kwargs: Any) -> Features:
    return features_of(patient(**kwargs))


def ingest(
    db: Any,
    candidate: dict[str, Any],
    record: str,
    fmt: str = "uke",
    facility: str | None = FACILITY_A,
) -> str:
    """Store one candidate Patient through the ingestion pipeline; its patient id."""
    from kizuna.ingest.base import SourceRef, Unit
    from kizuna.ingest.pipeline import Pipeline

    unit = Unit(record, SourceRef(fmt, f"{fmt}.dat", record, facility), candidate)
    result = Pipeline(db).ingest_unit(unit)
    assert result.status == "stored", result.reason
    assert result.patient_id is not None
    return result.patient_id
