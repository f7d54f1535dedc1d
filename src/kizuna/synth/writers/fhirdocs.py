"""FHIR documents: referral letters (診療情報提供書, JP-CLINS eReferral), discharge summaries
(退院時サマリー) and JP-CLINS 6-item submissions (a ``collection`` Bundle):
``fhir/<facility code>/<kind>-<number>.json``.

The documents follow the section structure of the published JP-CLINS examples
(samples/fhir-jp/): a Composition first, then every resource it points to.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kizuna.synth.catalog import Catalog
from kizuna.synth.clinical import Admission, Diagnosis, LabPanel, Prescription, Referral
from kizuna.synth.facilities import Facility
from kizuna.synth.writers import fhirparts as fp
from kizuna.synth.writers.subject import Subject

FORMAT = "fhir"
SECTION = "http://jpfhir.jp/fhir/clins/CodeSystem/document-section"
DOC_TYPE = "http://jpfhir.jp/fhir/Common/CodeSystem/doc-typecodes"
BUNDLE_ID = "http://jpfhir.jp/fhir/clins/bundle-identifier"
_SECTIONS = {
    "920": "紹介元情報",
    "910": "紹介先情報",
    "300": "構造情報",
    "950": "紹介目的",
    "340": "傷病名・主訴",
    "360": "現病歴",
    "370": "既往歴",
    "510": "アレルギー・不耐性反応",
    "520": "感染症情報",
    "430": "投薬指示",
    "620": "検査結果",
    "810": "医療機器",
    "312": "入院理由",
    "322": "入院時詳細",
    "342": "入院時診断",
    "344": "退院時診断",
    "333": "入院中経過",
    "713": "入院中治療",
    "730": "手術",
    "740": "輸血歴",
    "444": "退院時投薬指示",
    "424": "退院時方針指示",
    "610": "身体所見",
    "623": "入院中検査結果",
}
Resource = fp.Resource


def _text(text: str) -> dict[str, str]:
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {
        "status": "additional",
        "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{escaped}</div>',
    }


def section(
    code: str,
    entries: list[Resource] | None = None,
    text: str = "",
    children: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "title": _SECTIONS[code],
        "code": {
            "coding": [{"system": SECTION, "code": code, "display": f"{_SECTIONS[code]}セクション"}]
        },
    }
    if text:
        out["text"] = _text(text)
    if entries:
        out["entry"] = [{"reference": fp.full_url(r), "type": r["resourceType"]} for r in entries]
    if children:
        out["section"] = children
    if not text and not entries and not children:
        out["text"] = _text("特記事項なし")
    return out


def bundle(
    kind: str,
    profile: str,
    facility: Facility,
    number: str,
    day: date,
    resources: list[Resource],
    tags: list[str] | None = None,
) -> Resource:
    meta: dict[str, Any] = {"lastUpdated": fp.instant(day), "profile": [profile]}
    if tags:
        meta["tag"] = [
            {"system": "http://jpfhir.jp/fhir/clins/CodeSystem/BundleResourceType_CS", "code": t}
            for t in tags
        ]
    seen: set[str] = set()
    entries = []
    for resource in resources:
        if resource["id"] not in seen:
            seen.add(resource["id"])
            entries.append({"fullUrl": fp.full_url(resource), "resource": resource})
    return {
        "resourceType": "Bundle",
        "id": fp.uuid("Bundle", kind, facility.code, number),
        "meta": meta,
        "language": "ja",
        "identifier": {"system": BUNDLE_ID, "value": f"{facility.code}^{day:%Y}^{number}"},
        "type": "collection" if kind == "clins" else "document",
        "timestamp": fp.instant(day),
        "entry": entries,
    }


class Documents:
    """Builds and writes one person's FHIR documents."""

    def __init__(self, subject: Subject, catalog: Catalog) -> None:
        self.s = subject
        self.catalog = catalog

    # -- shared content --------------------------------------------------------------------
    def patient(self, facility: Facility, day: date) -> tuple[Resource, Any]:
        reg = self.s.registration(facility, FORMAT, day)
        ident = reg.identity(day)
        guardian = self.s.guardian if self.s.person.age_on(day) < 20 else None
        return fp.patient(reg, ident, facility, guardian, day), reg

    def diagnoses(self, facility: Facility, day: date) -> list[Diagnosis]:
        return [
            dx
            for dx in self.s.history.diagnoses.get(facility.code, [])
            if dx.start <= day and (dx.end is None or dx.end >= day - timedelta(days=30))
        ]

    def current_prescription(self, facility: Facility, day: date) -> Prescription | None:
        found = None
        for visit in self.s.history.visits:
            if visit.day > day:
                break
            if visit.facility.code == facility.code and visit.prescription is not None:
                found = visit.prescription
        return found

    def last_labs(self, facility: Facility, day: date) -> LabPanel | None:
        found = None
        for visit in self.s.history.visits:
            if visit.day > day:
                break
            if visit.facility.code == facility.code and visit.labs is not None:
                found = visit.labs
        for adm in self.s.history.admissions:
            for panel in adm.labs:
                if (
                    panel.facility.code == facility.code
                    and panel.day <= day
                    and (found is None or panel.day > found.day)
                ):
                    found = panel
        return found

    def medications(
        self, rx: Prescription | None, subject: Resource, facility: Facility, active: bool
    ) -> list[Resource]:
        if rx is None:
            return []
        return [
            fp.medication_request(drug, rp, rx.day, subject, facility, rx.number, active)
            for rp in rx.rps
            for drug in rp.drugs
        ]

    def labs(self, panel: LabPanel | None, subject: Resource, facility: Facility) -> list[Resource]:
        if panel is None:
            return []
        return [
            fp.lab_observation(r, panel.day, subject, facility, panel.number, self.s.person.sex)
            for r in panel.results
        ]

    def allergies(self, subject: Resource, facility: Facility) -> list[Resource]:
        return [fp.allergy(a, subject, facility) for a in self.s.history.allergies]

    def devices(self, subject: Resource, day: date) -> list[Resource]:
        return [fp.device(d, subject) for d in self.s.history.devices if d.since <= day]

    def save(self, facility: Facility, name: str, document: Resource, day: date) -> None:
        data = json.dumps(document, ensure_ascii=False, indent=1, sort_keys=True).encode()
        relative = Path("fhir", facility.code, f"{name}.json")
        file = self.s.out.write(relative, data, "document")
        reg = self.s.registration(facility, FORMAT, day)
        self.s.truth(reg, file, document["id"], day)

    # -- referral letter -------------------------------------------------------------------
    def referral(self, ref: Referral) -> None:
        source, target, day = ref.source, ref.target, ref.day
        subject, _ = self.patient(source, day)
        author_org = fp.organization(source, source.department)
        author = fp.practitioner(source, source.doctor())
        target_org = fp.organization(target, ref.department)
        target_doctor = fp.practitioner(target, target.doctor(ref.department))
        purpose = fp.encounter(
            f"{source.code}-{ref.number}-purpose", "AMB", day, reason=ref.purpose
        )
        visit = fp.encounter(f"{source.code}-{ref.number}", "AMB", day, day)
        conditions = [
            fp.condition(dx, subject, source, ref.number, "problem-list-item")
            for dx in self.diagnoses(source, day) or [ref.reason]
        ]
        meds = self.medications(self.current_prescription(source, day), subject, source, True)
        labs = self.labs(self.last_labs(source, day), subject, source)
        allergies = self.allergies(subject, source)
        devices = self.devices(subject, day)
        past = "。".join(self.s.history.past) or "特記すべき既往なし"
        present = f"{ref.reason.start:%Y年%m月}より{ref.reason.disease.name}にて当院加療中。"
        children = [
            section("950", [purpose], ref.purpose),
            section("340", conditions, "、".join(c["code"]["text"] for c in conditions)),
            section("360", text=present),
            section("370", text=past),
            section(
                "510", allergies, "、".join(a.substance for a in self.s.history.allergies) or "なし"
            ),
            section("520", text="特記事項なし"),
            section("430", meds),
            section("620", labs),
        ]
        if devices:
            children.append(section("810", devices, "、".join(d["type"]["text"] for d in devices)))
        composition = self._composition(
            "referral",
            source,
            ref.number,
            day,
            "57133-1",
            "診療情報提供書",
            subject,
            visit,
            [author, author_org],
            [
                section("920", [author_org, author], source.name),
                section("910", [target_org, target_doctor], target.name),
                section("300", children=children),
            ],
            category="OUTPATIENT",
        )
        resources = [
            composition,
            subject,
            visit,
            author,
            author_org,
            target_org,
            target_doctor,
            purpose,
            *conditions,
            *allergies,
            *meds,
            *labs,
            *devices,
        ]
        document = bundle(
            "referral",
            "http://jpfhir.jp/fhir/clins/StructureDefinition/JP_Bundle_eReferral",
            source,
            ref.number,
            day,
            resources,
        )
        self.save(source, f"referral-{ref.number}", document, day)

    # -- discharge summary -----------------------------------------------------------------
    def discharge(self, adm: Admission) -> None:
        facility, day = adm.facility, adm.end
        subject, _ = self.patient(facility, day)
        org = fp.organization(facility, adm.department)
        author = fp.practitioner(facility, facility.doctor(adm.department))
        stay = fp.encounter(
            f"{facility.code}-{adm.number}",
            "IMP",
            adm.start,
            adm.end,
            reason=adm.reason.disease.name,
        )
        reason = fp.condition(adm.reason, subject, facility, adm.number)
        others = [
            fp.condition(dx, subject, facility, adm.number)
            for dx in self.diagnoses(facility, day)
            if dx is not adm.reason
        ]
        procedures = []
        for act in adm.acts:
            info = self.catalog.act(act.key)
            procedures.append(
                fp.procedure(act, info.code if info else "", subject, facility, adm.number)
            )
        surgery = [
            p
            for p, a in zip(procedures, adm.acts, strict=True)
            if a.kind in ("surgery", "anaesthesia")
        ]
        transfusion = [
            p for p, a in zip(procedures, adm.acts, strict=True) if a.kind == "transfusion"
        ]
        labs = [obs for panel in adm.labs for obs in self.labs(panel, subject, facility)]
        rx = self.current_prescription(facility, day + timedelta(days=60))
        meds = self.medications(rx, subject, facility, True)
        allergies = self.allergies(subject, facility)
        devices = self.devices(subject, day)
        care = self.s.history.care
        plan = "外来にて経過観察。"
        if care is not None:
            plan = (
                f"在宅人工呼吸器：{care.ventilator_settings}。栄養：{care.feeding}。"
                f"けいれん時対応：{care.seizure_plan}"
            )
        children = [
            section("312", [stay], adm.reason.disease.name),
            section("342", [reason]),
            section("344", [reason, *others]),
            section("333", text=adm.course or "経過良好にて退院。"),
            section("713", procedures),
            section("730", surgery),
            section("740", transfusion, "" if transfusion else "輸血歴なし"),
            section("510", allergies),
            section("623", labs),
            section("444", meds),
            section("424", text=plan),
        ]
        if care is not None:
            vitals = "、".join(f"{k} {v}" for k, v in care.baseline.items())
            children.append(section("610", text=f"平常時バイタル：{vitals}"))
        if devices:
            children.append(section("810", devices))
        composition = self._composition(
            "discharge",
            facility,
            adm.number,
            day,
            "18842-5",
            "退院時サマリー",
            subject,
            stay,
            [author, org],
            [section("920", [org, author], facility.name), section("300", children=children)],
        )
        resources = [
            composition,
            subject,
            stay,
            org,
            author,
            reason,
            *others,
            *procedures,
            *allergies,
            *labs,
            *meds,
            *devices,
        ]
        document = bundle(
            "discharge",
            "http://jpfhir.jp/fhir/eDischargeSummary/"
            "StructureDefinition/JP_Bundle_eDischargeSummary",
            facility,
            adm.number,
            day,
            resources,
        )
        self.save(facility, f"discharge-{adm.number}", document, day)

    def _composition(
        self,
        kind: str,
        facility: Facility,
        number: str,
        day: date,
        type_code: str,
        title: str,
        subject: Resource,
        visit: Resource,
        authors: list[Resource],
        sections: list[dict[str, Any]],
        category: str = "",
    ) -> Resource:
        profile = (
            "http://jpfhir.jp/fhir/eReferral/StructureDefinition/JP_Composition_eReferral"
            if kind == "referral"
            else "http://jpfhir.jp/fhir/eDischargeSummary/"
            "StructureDefinition/JP_Composition_eDischargeSummary"
        )
        out: Resource = {
            "resourceType": "Composition",
            "id": fp.uuid("Composition", kind, facility.code, number),
            "meta": {"lastUpdated": fp.instant(day), "profile": [profile]},
            "extension": [
                {
                    "url": "http://hl7.org/fhir/StructureDefinition/"
                    "composition-clinicaldocument-versionNumber",
                    "valueString": "1.0",
                }
            ],
            "identifier": {
                "system": "http://jpfhir.jp/fhir/core/IdSystem/resourceInstance-identifier",
                "value": f"{facility.code}-{day:%Y}-{number}",
            },
            "status": "final",
            "type": {"coding": [{"system": DOC_TYPE, "code": type_code, "display": title}]},
            "subject": fp.ref(subject),
            "encounter": fp.ref(visit),
            "date": fp.instant(day),
            "author": [fp.ref(a) for a in authors],
            "title": title,
            "custodian": fp.ref(authors[-1]),
            "event": [{"code": [{"text": f"{title}発行"}], "period": {"start": day.isoformat()}}],
            "section": sections,
        }
        if category:
            out["category"] = [
                {
                    "coding": [
                        {
                            "system": "http://jpfhir.jp/fhir/Common/CodeSystem/doc-subtypecodes",
                            "code": category,
                            "display": "外来文書",
                        }
                    ]
                }
            ]
        return out

    # -- 6-item submission -------------------------------------------------------------------
    def clins(self, facility: Facility, day: date, number: str) -> None:
        """The JP-CLINS 6 items known at ``day``: diagnoses, allergies, labs, prescriptions."""
        subject, _ = self.patient(facility, day)
        conditions = [
            fp.condition(dx, subject, facility, number) for dx in self.diagnoses(facility, day)
        ]
        allergies = self.allergies(subject, facility)
        labs = self.labs(self.last_labs(facility, day), subject, facility)
        meds = self.medications(self.current_prescription(facility, day), subject, facility, True)
        resources = [subject, *conditions, *allergies, *labs, *meds]
        tags = sorted({r["resourceType"] for r in resources} - {"Patient"})
        document = bundle(
            "clins",
            "http://jpfhir.jp/fhir/clins/StructureDefinition/JP_Bundle_CLINS",
            facility,
            number,
            day,
            resources,
            tags,
        )
        self.save(facility, f"clins-{number}", document, day)


def write_documents(subject: Subject, catalog: Catalog) -> None:
    docs = Documents(subject, catalog)
    history = subject.history
    for ref in history.referrals:
        docs.referral(ref)
    for adm in history.admissions:
        if adm.end < subject.config.end:
            docs.discharge(adm)
    last: dict[str, tuple[date, Facility, str]] = {}
    for visit in history.visits:
        if visit.facility.kind == "hospital":
            number = (
                visit.prescription.number
                if visit.prescription
                else visit.labs.number
                if visit.labs
                else ""
            )
            if number:
                last[visit.facility.code] = (visit.day, visit.facility, number)
    for day, facility, number in last.values():
        docs.clins(facility, day, number)
