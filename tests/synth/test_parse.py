"""Every generated file parses with its format's adapter, without a single failure, and the
values that come out are the ones generated: identities, codes, lab values, documents."""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

import jaconv
import pytest
from tests.synth.conftest import SEED
from tests.synth.support import documents, read_units, resources, truth_rows

from kizuna.fhir import jpcore
from kizuna.fhir.validate import check_resource
from kizuna.ingest.base import Failure, Unit
from kizuna.synth import showcase
from kizuna.synth.config import NoiseConfig, SynthConfig
from kizuna.synth.facilities import build_directory
from kizuna.synth.generate import Summary
from kizuna.synth.population import build_people
from kizuna.synth.registration import WITH_INSURANCE, register

FORMATS = ("ssmix2", "uke", "jahis-tc", "jahis-rx", "checkup")
IDE = "IDE"


def _units(root: Path, fmt: str, relative: str | None = None) -> list[Unit]:
    out = list(read_units(root, fmt, relative))
    failures = [u for u in out if isinstance(u, Failure)]
    assert not failures, [(f.reason, str(f.location)) for f in failures[:5]]
    return [u for u in out if isinstance(u, Unit)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_file_parses_without_failure(demo: tuple[Path, Summary], fmt: str) -> None:
    root, summary = demo
    units = _units(root, fmt)
    assert units
    warnings = {w.code for u in units for w in u.warnings}
    assert not warnings & {"check-digit", "unknown-code", "date", "value", "encoding"}, warnings
    if fmt == "uke":
        assert len(units) == summary.counts["receipt"]


def test_every_document_validates(demo: tuple[Path, Summary]) -> None:
    root, summary = demo
    kinds: dict[str, int] = defaultdict(int)
    for path, bundle in documents(root):
        check_resource(bundle)
        kinds[path.name.split("-")[0]] += 1
        first = bundle["entry"][0]["resource"]
        if bundle["type"] == "document":
            assert first["resourceType"] == "Composition"
    assert sum(kinds.values()) == summary.counts["document"]
    assert set(kinds) == {"referral", "discharge", "clins"}


def _patient_of(unit: Unit) -> dict[str, Any]:
    assert unit.patient is not None
    return unit.patient


def _names(patient: dict[str, Any]) -> dict[str, tuple[str, str]]:
    out = {}
    for name in patient.get("name", []):
        rep = next((e["valueCode"] for e in name.get("extension", [])), "")
        out[rep] = (name.get("family", ""), (name.get("given") or [""])[0])
    return out


def _ssmix2_text(text: str) -> str:
    """What ISO-2022-JP storage keeps of a text (half-width widened, others become ■)."""
    out = []
    for char in jaconv.h2z(text, kana=True, ascii=False, digit=False):
        try:
            char.encode("iso2022_jp")
            out.append(char)
        except UnicodeEncodeError:
            out.append("■")
    return "".join(out)


def _expected(root: Path, config: SynthConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    people = {p.id: p for p in build_people(config, showcase.people())}
    return people, build_directory(config.patients).by_code


def test_identities_round_trip(demo: tuple[Path, Summary]) -> None:
    """Each record's patient is the person as that facility registered them: names with
    their noise, birth date, local id and insurance member id."""
    root, _ = demo
    config = SynthConfig(120, SEED, root)
    people, facilities = _expected(root, config)
    rows_by_format: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in truth_rows(root):
        person = people[row["person_id"]]
        if len(person.names.entries) == 1 and row["format"] != "fhir":
            rows_by_format[row["format"]].append(row)  # married people's name depends on the day
    checked = 0
    for fmt, rows in rows_by_format.items():
        for row in rows[:: max(1, len(rows) // 25)]:
            person = people[row["person_id"]]
            facility = facilities[row["facility_code"]]
            noise = NoiseConfig.none() if person.showcase else config.noise
            reg = register(
                person, facility.code, facility.kind, fmt, date(2000, 1, 1), noise, config.seed
            )
            assert reg.local_id == row["local_id"]
            unit = _unit_of(root, row)
            patient = _patient_of(unit)
            _assert_identity(patient, reg, fmt, row["insurance_key"])
            checked += 1
    assert checked > 100


def _unit_of(root: Path, row: dict[str, str]) -> Unit:
    fmt = row["format"]
    relative = row["file"]
    if fmt == "ssmix2":  # the patient's folder: read its ADT-00
        adt00 = sorted((root / relative).glob("-/ADT-00/*_1"))[0]
        relative = adt00.relative_to(root).as_posix()
    units = _units(root, "uke" if fmt.startswith("uke") else fmt, relative)
    if fmt.startswith("uke"):
        return units[int(row["record"]) - 1]
    return units[0]


def _assert_identity(patient: dict[str, Any], reg: Any, fmt: str, key: str) -> None:
    name = reg.name_on(date(2100, 1, 1))
    names = _names(patient)
    family, given = names[IDE]
    kana_family, kana_given = names["SYL"]
    widen = _ssmix2_text if fmt == "ssmix2" else (lambda t: t)
    assert (family, given) == (widen(name.family), widen(name.given))
    assert (kana_family, kana_given) == (
        widen(jaconv.h2z(name.family_kana, kana=True, ascii=False, digit=False)),
        widen(jaconv.h2z(name.given_kana, kana=True, ascii=False, digit=False)),
    )
    assert patient["birthDate"] == reg.birth.isoformat()
    identifiers = {i["system"]: i["value"] for i in patient.get("identifier", [])}
    if fmt in ("ssmix2", "uke", "uke-pharmacy", "jahis-rx"):
        assert identifiers[jpcore.local_patient_system(reg.facility)] == reg.local_id
    member = identifiers.get(jpcore.INSURANCE_MEMBER_ID)
    if fmt in WITH_INSURANCE and not reg.no_insurance and not reg.no_branch:
        assert member is not None
        written, expected = member.split(":"), key.split(":")
        assert written[0].lstrip("0") == expected[0].lstrip("0")
        assert [unicodedata.normalize("NFKC", p) for p in written[1:]] == expected[1:]
    if reg.no_insurance or reg.no_branch:
        # the checkup mapper keeps a member id without its 枝番 ("...:番号:")
        assert member is None or (fmt == "checkup" and member.endswith(":"))


def test_showcase_diabetes_values(demo: tuple[Path, Summary]) -> None:
    """The diabetic showcase patient: HbA1c trend at the hospital, amlodipine from both the
    hospital and the clinic, the duplicate noted in the e-medication notebook."""
    root, _ = demo
    who = showcase.patient("diabetes")
    rows = [r for r in truth_rows(root) if r["person_id"] == who.person_id]
    tree = Path(next(r["file"] for r in rows if r["format"] == "ssmix2"))
    units = [
        u
        for u in _units(root, "ssmix2", "/".join(tree.parts[:2]))
        if Path(u.source.file).is_relative_to(root / tree)
    ]
    hba1c = [
        o
        for o in resources(units, "Observation")
        if any(c["code"] == "3D046000001906202" for c in o["code"]["coding"])
    ]
    assert len(hba1c) >= 5
    assert all(4.5 < o["valueQuantity"]["value"] < 11 for o in hba1c)
    yj = {
        c["code"]
        for m in resources(units, "MedicationRequest")
        for c in m["medicationCodeableConcept"]["coding"]
        if c["system"] == jpcore.YJ_CODE
    }
    assert "2171022F3013" in yj  # amlodipine 2.5 mg from the hospital
    names = {n["text"] for u in units for n in _patient_of(u)["name"]}
    assert "佐藤 健一" in names
    members = {i["value"] for u in units for i in _patient_of(u)["identifier"]}
    assert who.member_id in members
    notebook_rows = [r for r in rows if r["format"] == "jahis-tc"]
    assert {r["facility_code"] for r in notebook_rows} == {showcase.PHARMACY_A, showcase.PHARMACY_B}
    notes = []
    for row in notebook_rows:
        for unit in _units(root, "jahis-tc", row["file"]):
            notes += [
                n["text"]
                for d in resources([unit], "MedicationDispense")
                for n in d.get("note", [])
            ]
    assert any("重複投薬" in n and "アムロジピン" in n for n in notes)
    receipts = [
        r for r in rows if r["format"] == "uke" and r["facility_code"] == showcase.INTERNAL_CLINIC
    ]
    unit = _units(root, "uke", receipts[-1]["file"])[int(receipts[-1]["record"]) - 1]
    codes = {c["code"] for r in resources([unit], "Condition") for c in r["code"]["coding"]}
    assert {"8833421", "2720004"} <= codes  # hypertension, hypercholesterolaemia


def test_checkup_values_round_trip(demo: tuple[Path, Summary]) -> None:
    root, _ = demo
    path = sorted((root / "checkup").rglob("*.xml"))[0]
    text = path.read_text("utf-8")
    unit = _units(root, "checkup", path.relative_to(root).as_posix())[0]
    observations = resources([unit], "Observation")
    by_code = {o["code"]["coding"][0]["code"]: o for o in observations}
    assert "3D046000001906202" in by_code and "9N001000000000001" in by_code
    height = by_code["9N001000000000001"]["valueQuantity"]["value"]
    assert f'value="{height:.1f}" unit="cm"' in text
