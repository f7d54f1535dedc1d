"""Emergency care information of a child with medical-care needs (医療的ケア児), as FHIR.

The guardian registers it in the portal; it is stored as one ``CarePlan`` (category
``medical-care-child``) whose contained resources carry the details, so the whole record
is written, versioned and read as one resource and reaches the emergency view through the
emergency data set's ``CarePlan`` type:

* ``Device`` per device or tube: name, settings (``note``), size (``property`` "size");
* ``Observation`` per baseline vital sign (LOINC code, ``valueString`` as the guardian
  wrote it, e.g. "SpO2 92-95%");
* ``RelatedPerson`` per contact (name, relationship, phone), the first being the author;
* ``activity.detail`` for the seizure plan and other care instructions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import concept_text, parse_date

KIND_SYSTEM = "urn:kizuna:codesystem:care-plan-kind"
KIND_CODE = "medical-care-child"
RECORDED_BY = "urn:kizuna:fhir:recorded-by"
SIZE = "size"
#: baseline vitals and their LOINC codes
VITALS = (
    ("heart_rate", "8867-4", "Heart rate"),
    ("spo2", "59408-5", "Oxygen saturation by pulse oximetry"),
    ("respiratory_rate", "9279-1", "Respiratory rate"),
    ("temperature", "8310-5", "Body temperature"),
    ("blood_pressure", "85354-9", "Blood pressure panel"),
    ("weight", "29463-7", "Body weight"),
)
ACTIVITIES = ("seizure_plan", "care_notes")


@dataclass(frozen=True)
class CareDevice:
    name: str
    settings: str
    size: str


@dataclass(frozen=True)
class CareContact:
    name: str
    relationship: str
    phone: str


@dataclass(frozen=True)
class CareInfo:
    devices: tuple[CareDevice, ...]
    vitals: tuple[tuple[str, str], ...]  # (vital key, text)
    seizure_plan: str
    care_notes: str
    contacts: tuple[CareContact, ...]
    updated: date | None
    recorded_by: str

    def vital(self, key: str) -> str:
        return next((text for k, text in self.vitals if k == key), "")


def is_care_plan(res: Resource) -> bool:
    return any(
        c.get("system") == KIND_SYSTEM and c.get("code") == KIND_CODE
        for cat in res.get("category") or []
        for c in cat.get("coding") or []
    )


def _contained(res: Resource, kind: str) -> list[dict[str, Any]]:
    return [c for c in res.get("contained") or [] if c.get("resourceType") == kind]


def _device(item: dict[str, Any]) -> CareDevice:
    name = (item.get("deviceName") or [{}])[0].get("name") or concept_text(item.get("type"))
    settings = " ".join(n.get("text", "") for n in item.get("note") or [])
    size = next(
        (
            concept_text((p.get("valueCode") or [{}])[0])
            for p in item.get("property") or []
            if concept_text(p.get("type")) == SIZE
        ),
        "",
    )
    return CareDevice(str(name), settings, size)


def _vital_key(item: dict[str, Any]) -> str:
    codes = {c.get("code") for c in (item.get("code") or {}).get("coding") or []}
    return next((key for key, loinc, _ in VITALS if loinc in codes), "")


def _activity_key(activity: dict[str, Any]) -> str:
    code = ((activity.get("detail") or {}).get("code") or {}).get("coding") or [{}]
    return str(code[0].get("code") or "")


def read_care_info(res: Resource) -> CareInfo:
    vitals = tuple(
        (_vital_key(o), str(o.get("valueString") or "")) for o in _contained(res, "Observation")
    )
    activities = {
        _activity_key(a): str((a.get("detail") or {}).get("description") or "")
        for a in res.get("activity") or []
    }
    contacts = tuple(
        CareContact(
            str(((p.get("name") or [{}])[0]).get("text") or ""),
            concept_text((p.get("relationship") or [{}])[0]),
            next((str(t.get("value")) for t in p.get("telecom") or [] if t.get("value")), ""),
        )
        for p in _contained(res, "RelatedPerson")
    )
    recorded_by = next(
        (
            str(e.get("valueString"))
            for e in res.get("extension") or []
            if e.get("url") == RECORDED_BY
        ),
        "",
    )
    return CareInfo(
        tuple(_device(d) for d in _contained(res, "Device")),
        tuple(v for v in vitals if v[0]),
        activities.get("seizure_plan", ""),
        activities.get("care_notes", ""),
        contacts,
        parse_date(res.get("created") or (res.get("meta") or {}).get("lastUpdated")),
        recorded_by,
    )


def compose_care_info(chart: Chart) -> CareInfo | None:
    plans = [r for r in chart.of("CarePlan") if is_care_plan(r) and r.get("status") == "active"]
    if not plans:
        return None
    latest = max(plans, key=lambda r: (r.get("meta") or {}).get("lastUpdated", ""))
    return read_care_info(latest)


ACTIVITY_SYSTEM = "urn:kizuna:codesystem:care-activity"
ACTIVITY_LABELS = {"seizure_plan": "発作時対応", "care_notes": "日常のケア・注意事項"}
VITAL_UNITS_SYSTEM = "http://loinc.org"


@dataclass(frozen=True)
class CareForm:
    """What the guardian enters; every field is free text, as written."""

    devices: tuple[CareDevice, ...]
    vitals: dict[str, str]
    seizure_plan: str
    care_notes: str
    contacts: tuple[CareContact, ...]


def build_care_plan(
    patient_id: str, form: CareForm, recorded_by: str, created: str, plan_id: str
) -> Resource:
    """The CarePlan that stores ``form`` for ``patient_id``."""
    contained: list[dict[str, Any]] = []
    support: list[dict[str, str]] = []
    for i, contact in enumerate(form.contacts):
        person = {
            "resourceType": "RelatedPerson",
            "id": f"contact{i + 1}",
            "patient": {"reference": f"Patient/{patient_id}"},
            "relationship": [{"text": contact.relationship}] if contact.relationship else [],
            "name": [{"text": contact.name}],
        }
        if contact.phone:
            person["telecom"] = [{"system": "phone", "value": contact.phone}]
        if not person["relationship"]:
            del person["relationship"]
        contained.append(person)
        support.append({"reference": f"#contact{i + 1}"})
    for i, device in enumerate(form.devices):
        item: dict[str, Any] = {
            "resourceType": "Device",
            "id": f"device{i + 1}",
            "deviceName": [{"name": device.name, "type": "user-friendly-name"}],
            "patient": {"reference": f"Patient/{patient_id}"},
        }
        if device.settings:
            item["note"] = [{"text": device.settings}]
        if device.size:
            item["property"] = [{"type": {"text": SIZE}, "valueCode": [{"text": device.size}]}]
        contained.append(item)
        support.append({"reference": f"#device{i + 1}"})
    for key, loinc, display in VITALS:
        text = form.vitals.get(key, "").strip()
        if text:
            contained.append(
                {
                    "resourceType": "Observation",
                    "id": f"vital-{key.replace('_', '-')}",
                    "status": "final",
                    "category": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                                    "code": "vital-signs",
                                }
                            ]
                        }
                    ],
                    "code": {
                        "coding": [
                            {"system": VITAL_UNITS_SYSTEM, "code": loinc, "display": display}
                        ]
                    },
                    "subject": {"reference": f"Patient/{patient_id}"},
                    "valueString": text,
                }
            )
            support.append({"reference": f"#vital-{key.replace('_', '-')}"})
    activities = [
        {
            "detail": {
                "code": {
                    "coding": [
                        {"system": ACTIVITY_SYSTEM, "code": key, "display": ACTIVITY_LABELS[key]}
                    ]
                },
                "status": "in-progress",
                "description": text,
            }
        }
        for key, text in (("seizure_plan", form.seizure_plan), ("care_notes", form.care_notes))
        if text.strip()
    ]
    plan: dict[str, Any] = {
        "resourceType": "CarePlan",
        "id": plan_id,
        "extension": [{"url": RECORDED_BY, "valueString": recorded_by}],
        "status": "active",
        "intent": "plan",
        "category": [
            {
                "coding": [
                    {
                        "system": KIND_SYSTEM,
                        "code": KIND_CODE,
                        "display": "医療的ケア児 救急時ケア情報",
                    }
                ]
            }
        ],
        "title": "救急時ケア情報",
        "subject": {"reference": f"Patient/{patient_id}"},
        "created": created,
    }
    if contained:
        plan["contained"] = contained
        plan["supportingInfo"] = support
    if form.contacts:
        plan["author"] = {"reference": "#contact1"}
    if activities:
        plan["activity"] = activities
    return plan
