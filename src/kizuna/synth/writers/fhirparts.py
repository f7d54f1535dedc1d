"""JP Core / JP-CLINS resources for the synthetic documents, modelled on the published
JP-CLINS examples (samples/fhir-jp/). Every resource gets a stable UUID from its key."""

from __future__ import annotations

from datetime import date
from typing import Any

from kizuna.fhir import jpcore
from kizuna.ingest.base import stable_id
from kizuna.synth.catalog import Drug
from kizuna.synth.clinical import CURED, ActDone, Allergy, Device, Diagnosis, LabResult, Rp
from kizuna.synth.facilities import DEPARTMENTS, Facility, Staff
from kizuna.synth.model import Person
from kizuna.synth.registration import Identity, Registration

Resource = dict[str, Any]
REPRESENTATION = "http://hl7.org/fhir/StructureDefinition/iso21090-EN-representation"
ECS = "http://jpfhir.jp/fhir/eCS/StructureDefinition/"
CORE_EXT = "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/"
INSTITUTION_EXT = (
    "http://jpfhir.jp/fhir/clins/Extension/StructureDefinition/JP_eCS_InstitutionNumber"
)
DEPARTMENT_EXT = "http://jpfhir.jp/fhir/eCS/Extension/StructureDefinition/JP_eCS_Department"
DEPARTMENT_CS = "http://jami.jp/SS-MIX2/CodeSystem/ClinicalDepartment"
LAB_LOCAL = "http://jpfhir.jp/fhir/clins/CodeSystem/JP_CLINS_ObsLabResult_LocalCode_CS"
OBS_CATEGORY = "http://jpfhir.jp/fhir/core/CodeSystem/JP_SimpleObservationCategory_CS"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_ALLERGY_CATEGORY = {"DA": "medication", "FA": "food", "EA": "environment"}
_SEVERITY = {"MI": "mild", "MO": "moderate", "SV": "severe"}


def uuid(*key: object) -> str:
    return stable_id("synth-fhir", *key)


def full_url(resource: Resource) -> str:
    return f"urn:uuid:{resource['id']}"


def ref(resource: Resource) -> dict[str, str]:
    return {"reference": full_url(resource)}


def instant(day: date, time: str = "10:00:00") -> str:
    return f"{day.isoformat()}T{time}+09:00"


def _meta(profile: str) -> dict[str, Any]:
    return {"profile": [ECS + profile]}


def _name(text: str, representation: str) -> dict[str, Any]:
    family, _, given = text.partition("\u3000")
    out: dict[str, Any] = {
        "extension": [{"url": REPRESENTATION, "valueCode": representation}],
        "use": "official",
        "text": text.replace("\u3000", " "),
    }
    if given:
        out["family"] = family
        out["given"] = [given]
    return out


def _institution(facility: Facility) -> dict[str, Any]:
    return {
        "url": INSTITUTION_EXT,
        "valueIdentifier": {"system": jpcore.FACILITY_CODE, "value": facility.code},
    }


def _department(code: str) -> dict[str, Any]:
    return {
        "url": DEPARTMENT_EXT,
        "valueCodeableConcept": {
            "coding": [
                {"system": DEPARTMENT_CS, "code": code, "display": DEPARTMENTS.get(code, "")}
            ]
        },
    }


def patient(
    reg: Registration,
    ident: Identity,
    facility: Facility,
    guardian: Person | None = None,
    day: date | None = None,
) -> Resource:
    person = reg.person
    identifiers = [{"system": jpcore.local_patient_system(facility.code), "value": reg.local_id}]
    cov = ident.coverage
    if cov is not None and ident.branch:
        identifiers.append(
            {
                "system": jpcore.INSURANCE_MEMBER_ID,
                "value": jpcore.insurance_member_value(
                    cov.insurer.zfill(8), cov.symbol, cov.number, ident.branch
                ),
            }
        )
    home = ident.address
    out: Resource = {
        "resourceType": "Patient",
        "id": uuid("Patient", facility.code, reg.local_id),
        "meta": _meta("JP_Patient_eCS"),
        "identifier": identifiers,
        "name": [_name(ident.name.kanji, "IDE"), _name(ident.name.kana, "SYL")],
        "telecom": [{"system": "phone", "value": ident.phone, "use": "home"}],
        "gender": "male" if person.sex == "M" else "female",
        "birthDate": ident.birth.isoformat(),
        "address": [
            {
                "text": home.text,
                "postalCode": home.postal_code,
                "state": home.prefecture,
                "city": home.city,
            }
        ],
    }
    if guardian is not None and day is not None:
        name = guardian.names.on(day)
        phones = [p for p in (guardian.mobile, guardian.addresses.on(day).phone) if p]
        out["contact"] = [
            {
                "relationship": [
                    {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v2-0131",
                                "code": "N",
                                "display": "Next-of-Kin",
                            }
                        ],
                        "text": "母" if guardian.sex == "F" else "父",
                    }
                ],
                "name": _name(name.kanji, "IDE"),
                "telecom": [
                    {"system": "phone", "value": p, "rank": i + 1} for i, p in enumerate(phones)
                ],
            }
        ]
    return out


def organization(facility: Facility, department: str = "") -> Resource:
    extensions: list[dict[str, Any]] = [
        {
            "url": CORE_EXT + "JP_Organization_PrefectureNo",
            "valueCoding": {
                "system": "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/PrefectureNo-2digits",
                "code": facility.prefecture,
            },
        },
        {
            "url": CORE_EXT + "JP_Organization_InsuranceOrganizationCategory",
            "valueCoding": {
                "system": "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationFeeScoreType",
                "code": facility.table,
            },
        },
        {
            "url": CORE_EXT + "JP_Organization_InsuranceOrganizationNo",
            "valueIdentifier": {
                "system": "http://jpfhir.jp/fhir/core/mhlw/IdSystem/MedicalOrganizationID",
                "value": facility.code7,
            },
        },
    ]
    if department:
        extensions.append(_department(department))
    return {
        "resourceType": "Organization",
        "id": uuid("Organization", facility.code, department),
        "meta": _meta("JP_Organization_eCS"),
        "extension": extensions,
        "identifier": [{"system": jpcore.FACILITY_CODE, "value": facility.code}],
        "type": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/organization-type",
                        "code": "prov",
                    }
                ]
            }
        ],
        "name": facility.name.replace("\u3000", " "),
        "telecom": [{"system": "phone", "value": facility.phone}],
        "address": [{"text": facility.address.text, "postalCode": facility.address.postal_code}],
    }


def practitioner(facility: Facility, staff: Staff) -> Resource:
    return {
        "resourceType": "Practitioner",
        "id": uuid("Practitioner", facility.code, staff.id),
        "meta": _meta("JP_Practitioner_eCS"),
        "identifier": [
            {"system": f"urn:oid:1.2.392.100495.20.3.41.1{facility.code}", "value": staff.id}
        ],
        "name": [_name(staff.name, "IDE"), _name(staff.kana, "SYL")],
    }


def encounter(
    key: str, klass: str, start: date, end: date | None = None, reason: str = ""
) -> Resource:
    out: Resource = {
        "resourceType": "Encounter",
        "id": uuid("Encounter", key),
        "meta": _meta("JP_Encounter_eCS"),
        "identifier": [{"system": jpcore.RESOURCE_INSTANCE_ID, "value": key}],
        "status": "finished" if end else "in-progress",
        "class": {
            "system": ACT_CODE,
            "code": klass,
            "display": "入院" if klass == "IMP" else "外来",
        },
        "period": {"start": start.isoformat(), **({"end": end.isoformat()} if end else {})},
    }
    if reason:
        out["reasonCode"] = [{"text": reason}]
    return out


def condition(
    dx: Diagnosis,
    subject: Resource,
    facility: Facility,
    key: str,
    category: str = "encounter-diagnosis",
) -> Resource:
    disease = dx.disease
    codings = []
    if disease.coded:
        codings.append(
            {"system": jpcore.RECEIPT_DISEASE_CODE, "code": disease.code, "display": disease.name}
        )
    if disease.key_number:
        codings.append(
            {"system": jpcore.MEDIS_DISEASE, "code": disease.key_number, "display": disease.name}
        )
    if disease.icd10:
        codings.append({"system": jpcore.ICD10, "code": disease.icd10})
    resolved = dx.end is not None and dx.outcome == CURED
    inactive = dx.end is not None and not resolved
    status = "resolved" if resolved else ("inactive" if inactive else "active")
    out: Resource = {
        "resourceType": "Condition",
        "id": uuid("Condition", facility.code, key, disease.key),
        "meta": _meta("JP_Condition_eCS"),
        "extension": [_institution(facility)],
        "identifier": [
            {"system": jpcore.RESOURCE_INSTANCE_ID, "value": f"{facility.code}-{key}-{disease.key}"}
        ],
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": status,
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": category,
                    }
                ]
            }
        ],
        "code": {**({"coding": codings} if codings else {}), "text": disease.name},
        "subject": ref(subject),
        "onsetDateTime": dx.start.isoformat(),
    }
    if dx.end is not None and status != "active":
        out["abatementDateTime"] = dx.end.isoformat()
    return out


def allergy(item: Allergy, subject: Resource, facility: Facility) -> Resource:
    return {
        "resourceType": "AllergyIntolerance",
        "id": uuid("AllergyIntolerance", facility.code, subject["id"], item.key),
        "meta": _meta("JP_AllergyIntolerance_eCS"),
        "extension": [_institution(facility)],
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                    "code": "confirmed",
                }
            ]
        },
        "type": "allergy",
        "category": [_ALLERGY_CATEGORY[item.kind]],
        "criticality": "high" if item.severity == "SV" else "low",
        "code": {"text": item.substance},
        "patient": ref(subject),
        **({"onsetString": item.since} if item.since else {}),
        "reaction": [
            {"manifestation": [{"text": item.reaction}], "severity": _SEVERITY[item.severity]}
        ],
    }


def medication_request(
    drug: Drug, rp: Rp, day: date, subject: Resource, facility: Facility, key: str, active: bool
) -> Resource:
    codings = [{"system": jpcore.RECEIPT_DRUG_CODE, "code": drug.code, "display": drug.name}]
    if drug.yj:
        codings.append({"system": jpcore.YJ_CODE, "code": drug.yj, "display": drug.name})
    dose: dict[str, Any] = {"doseQuantity": {"value": _number(drug.daily), "unit": drug.unit}}
    dosage: dict[str, Any] = {
        "text": f"{rp.usage.text}　{drug.daily}{drug.unit}",
        "timing": {
            "code": {
                "coding": [
                    {"system": jpcore.JAMI_USAGE, "code": rp.usage.code, "display": rp.usage.text}
                ]
            }
        },
        "doseAndRate": [dose],
    }
    if rp.as_needed:
        dosage["asNeededBoolean"] = True
    out: Resource = {
        "resourceType": "MedicationRequest",
        "id": uuid("MedicationRequest", facility.code, key, drug.code),
        "meta": _meta("JP_MedicationRequest_eCS"),
        "extension": [_institution(facility)],
        "identifier": [
            {"system": jpcore.RESOURCE_INSTANCE_ID, "value": f"{facility.code}-{key}-{drug.code}"}
        ],
        "status": "active" if active else "completed",
        "intent": "order",
        "medicationCodeableConcept": {"coding": codings, "text": drug.name},
        "subject": ref(subject),
        "authoredOn": day.isoformat(),
        "dosageInstruction": [dosage],
    }
    if not rp.as_needed:
        out["dispenseRequest"] = {
            "expectedSupplyDuration": {
                "value": rp.days,
                "unit": "日",
                "system": jpcore.UCUM,
                "code": "d",
            }
        }
    return out


def lab_observation(
    result: LabResult, day: date, subject: Resource, facility: Facility, key: str, sex: str
) -> Resource:
    test = result.test
    low, high = test.range_for(sex)
    ranges: dict[str, Any] = {}
    if low is not None:
        ranges["low"] = {"value": low, "unit": test.unit}
    if high is not None:
        ranges["high"] = {"value": high, "unit": test.unit}
    out: Resource = {
        "resourceType": "Observation",
        "id": uuid("Observation", facility.code, key, test.jlac10),
        "meta": _meta("JP_Observation_LabResult_eCS"),
        "extension": [_institution(facility)],
        "identifier": [
            {"system": jpcore.RESOURCE_INSTANCE_ID, "value": f"{facility.code}-{key}-{test.key}"}
        ],
        "status": "final",
        "category": [{"coding": [{"system": OBS_CATEGORY, "code": "laboratory"}]}],
        "code": {
            "coding": [
                {"system": LAB_LOCAL, "code": test.jlac10, "display": test.name},
                {"system": jpcore.JLAC10, "code": test.jlac10, "display": test.name},
            ],
            "text": test.name,
        },
        "subject": ref(subject),
        "effectiveDateTime": instant(day, "09:30:00"),
        "valueQuantity": {"value": float(test.text(result.value)), "unit": test.unit},
        "interpretation": [{"coding": [{"system": INTERPRETATION, "code": result.flag(sex)}]}],
    }
    if ranges:
        out["referenceRange"] = [ranges]
    return out


def procedure(act: ActDone, code: str, subject: Resource, facility: Facility, key: str) -> Resource:
    concept: dict[str, Any] = {"text": act.name}
    if code:
        concept["coding"] = [
            {"system": jpcore.RECEIPT_PROCEDURE_CODE, "code": code, "display": act.name}
        ]
    return {
        "resourceType": "Procedure",
        "id": uuid("Procedure", facility.code, key, act.key),
        "status": "completed",
        "category": {
            "text": {"surgery": "手術", "anaesthesia": "麻酔", "transfusion": "輸血"}.get(
                act.kind, "処置"
            )
        },
        "code": concept,
        "subject": ref(subject),
        "performedDateTime": act.day.isoformat(),
    }


def device(item: Device, subject: Resource) -> Resource:
    return {
        "resourceType": "Device",
        "id": uuid("Device", subject["id"], item.kind, item.since.isoformat()),
        "status": "active",
        "type": {"text": item.name},
        "patient": ref(subject),
        "note": [{"text": f"{item.detail}（{item.since.isoformat()} {item.facility.name}）"}],
    }


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value
