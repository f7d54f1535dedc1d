"""The composition rules on plain resources: no database, no browser."""

from __future__ import annotations

from datetime import date

from kizuna.fhir import jpcore
from kizuna.viewer.compose.careinfo import (
    CareContact,
    CareDevice,
    CareForm,
    build_care_plan,
    read_care_info,
)
from kizuna.viewer.compose.chart import Chart, Directory, source_of
from kizuna.viewer.compose.documents import xhtml_text
from kizuna.viewer.compose.freshness import compose_freshness
from kizuna.viewer.compose.interactions import find_interactions
from kizuna.viewer.compose.labs import compose_labs
from kizuna.viewer.compose.medications import compose_medications, derived_name
from kizuna.viewer.compose.problems import compose_problems
from kizuna.viewer.compose.visits import compose_visits

TODAY = date(2026, 9, 30)
HOSP, CLINIC, PHARM = "1310000116", "1310000223", "1340000336"


def _src(fmt: str, facility: str, record: str = "1") -> dict:
    return {"source": f"urn:kizuna:source:{fmt}:{facility}:file.dat#{record}"}


def _request(
    rid: str, fmt: str, facility: str, system: str, code: str, name: str, start: str, days: int
) -> dict:
    return {
        "resourceType": "MedicationRequest",
        "id": rid,
        "meta": _src(fmt, facility),
        "status": "active",
        "intent": "order",
        "authoredOn": start,
        "medicationCodeableConcept": {"coding": [{"system": system, "code": code}], "text": name},
        "dispenseRequest": {"expectedSupplyDuration": {"value": days, "code": "d"}},
    }


def _chart(*resources: dict, names: dict[str, str] | None = None) -> Chart:
    hits = [(r["resourceType"], r["id"], r) for r in resources]
    return Chart.from_hits(hits, Directory(facility_names=names or {}), TODAY)


def test_source_is_read_from_meta_source() -> None:
    src = source_of({"meta": {"source": "urn:kizuna:source:uke:1210000000:RECEIPTC%20A.UKE#12"}})
    assert src is not None
    assert (src.format, src.facility_code, src.file, src.record) == (
        "uke",
        "1210000000",
        "RECEIPTC A.UKE",
        "12",
    )
    assert (
        source_of({"meta": {"source": "urn:kizuna:source:jahis-tc:-:f.txt#x"}}).facility_code
        is None
    )


def test_one_ingredient_from_two_facilities_is_a_duplicate() -> None:
    chart = _chart(
        _request(
            "a",
            "ssmix2",
            HOSP,
            jpcore.YJ_CODE,
            "3962002F2019",
            "メトホルミン塩酸塩２５０ｍｇＭＴ錠",
            "2026-09-01",
            56,
        ),
        _request(
            "b",
            "uke",
            CLINIC,
            jpcore.RECEIPT_DRUG_CODE,
            "622898200",
            "メトホルミン塩酸塩５００ｍｇＭＴ錠",
            "2026-09-20",
            30,
        ),
        names={HOSP: "A病院", CLINIC: "Bクリニック"},
    )
    meds = compose_medications(chart)
    (group,) = meds.current
    assert group.key == "3962002"  # YJ and レセ電 codes meet at one ingredient key
    assert group.duplicate and group.ingredient == "メトホルミン塩酸塩"
    (warning,) = meds.warnings
    assert warning.kind == "duplicate"
    assert set(warning.facilities) == {"A病院", "Bクリニック"}


def test_no_duplicate_when_periods_do_not_overlap_or_same_facility() -> None:
    chart = _chart(
        _request(
            "a", "ssmix2", HOSP, jpcore.YJ_CODE, "3962002F2019", "メトホルミンA", "2026-07-10", 14
        ),
        _request(
            "b",
            "uke",
            CLINIC,
            jpcore.RECEIPT_DRUG_CODE,
            "622898200",
            "メトホルミンB",
            "2026-09-20",
            30,
        ),
        _request(
            "c",
            "uke",
            CLINIC,
            jpcore.RECEIPT_DRUG_CODE,
            "622898200",
            "メトホルミンB",
            "2026-08-20",
            30,
        ),
    )
    meds = compose_medications(chart)
    assert [g.duplicate for g in meds.current] == [False]
    assert meds.warnings == ()


def test_old_prescriptions_are_not_current() -> None:
    chart = _chart(
        _request(
            "a",
            "uke",
            CLINIC,
            jpcore.RECEIPT_DRUG_CODE,
            "622898200",
            "メトホルミン",
            "2026-01-10",
            30,
        )
    )
    assert compose_medications(chart).current == ()


def test_tabled_pair_is_an_interaction_with_its_source() -> None:
    chart = _chart(
        _request(
            "a",
            "ssmix2",
            HOSP,
            jpcore.YJ_CODE,
            "6290004M1029",
            "イトリゾールカプセル５０",
            "2026-09-10",
            28,
        ),
        _request(
            "b",
            "uke",
            CLINIC,
            jpcore.RECEIPT_DRUG_CODE,
            "622691000",
            "シンバスタチン２０ｍｇ錠",
            "2026-09-15",
            28,
        ),
    )
    meds = compose_medications(chart)
    (warning,) = meds.warnings
    assert warning.kind == "interaction"
    assert warning.ingredients == ("イトラコナゾール", "シンバスタチン")
    assert warning.detail == "併用禁忌" and "JAPIC" in warning.source
    assert {h.key_b for h in find_interactions({"3949003", "3999005"})} == {"3999005"}


def test_dispensing_replaces_its_prescription_and_names_the_prescriber() -> None:
    org = {
        "resourceType": "Organization",
        "id": "org1",
        "identifier": [{"system": jpcore.FACILITY_CODE, "value": CLINIC}],
    }
    role = {
        "resourceType": "PractitionerRole",
        "id": "role1",
        "organization": {"reference": "Organization/org1"},
    }
    request = _request(
        "r1",
        "jahis-tc",
        PHARM,
        jpcore.RECEIPT_DRUG_CODE,
        "622691000",
        "シンバスタチン",
        "2026-09-15",
        28,
    )
    request["requester"] = {"reference": "PractitionerRole/role1"}
    dispense = {
        "resourceType": "MedicationDispense",
        "id": "d1",
        "meta": _src("jahis-tc", PHARM),
        "status": "completed",
        "whenHandedOver": "2026-09-15",
        "daysSupply": {"value": 28, "code": "d"},
        "authorizingPrescription": [{"reference": "MedicationRequest/r1"}],
        "medicationCodeableConcept": request["medicationCodeableConcept"],
    }
    chart = _chart(request, dispense, names={CLINIC: "Bクリニック", PHARM: "C薬局"})
    chart.directory.by_key.update(
        {("Organization", "org1"): org, ("PractitionerRole", "role1"): role}
    )
    (group,) = compose_medications(chart).current
    (use,) = group.uses
    assert (use.prescriber_name, use.dispenser_name, use.days) == ("Bクリニック", "C薬局", 28)


def test_derived_ingredient_name() -> None:
    assert derived_name(["シンバスタチン２０ｍｇ錠"]) == "シンバスタチン"
    products = ["ロスバスタチン錠５ｍｇ「ニプロ」", "ロスバスタチンカルシウム２．５ｍｇ錠"]
    assert derived_name(products) == "ロスバスタチン錠"


def _obs(oid: str, fmt: str, facility: str, code: str, value: float, day: str) -> dict:
    return {
        "resourceType": "Observation",
        "id": oid,
        "meta": _src(fmt, facility),
        "status": "final",
        "category": [{"coding": [{"code": "laboratory"}]}],
        "code": {"coding": [{"system": jpcore.JLAC10, "code": code}], "text": "HbA1c"},
        "effectiveDateTime": day,
        "valueQuantity": {"value": value, "unit": "%"},
    }


def test_lab_series_merge_methods_and_checkups_by_analyte() -> None:
    checkup = _obs("c", "checkup", "1410543217", "3D046000001906202", 7.1, "2025-05-15")
    checkup["code"]["coding"][0]["system"] = jpcore.CHECKUP_ITEM
    chart = _chart(
        _obs("a", "ssmix2", HOSP, "3D046000001920402", 6.8, "2026-06-01"),
        checkup,
        _obs("b", "ssmix2", HOSP, "3C015000002327101", 1.0, "2026-06-01"),
    )
    series = compose_labs(chart)
    assert series[0].key == "jlac:3D046"  # HbA1c first, whatever else is present
    assert [p.value for p in series[0].points] == [7.1, 6.8]
    assert [p.origin.kind for p in series[0].points] == ["checkup", "hospital"]


def test_problems_merge_facilities_and_skip_resolved() -> None:
    def cond(cid: str, fmt: str, fac: str, name: str, onset: str, **extra: object) -> dict:
        return {
            "resourceType": "Condition",
            "id": cid,
            "meta": _src(fmt, fac),
            "code": {"text": name},
            "onsetDateTime": onset,
            **extra,
        }

    chart = _chart(
        cond("1", "ssmix2", HOSP, "2型糖尿病", "2016-04-01"),
        cond("2", "uke", CLINIC, "２型糖尿病", "2017-02-01"),
        cond("3", "uke", CLINIC, "急性上気道炎", "2026-01-05", abatementDateTime="2026-01-20"),
        names={HOSP: "A病院"},
    )
    (problem,) = compose_problems(chart)
    assert [(o.facility, o.when) for o in problem.origins] == [
        ("A病院", date(2016, 4, 1)),
        (CLINIC, date(2017, 2, 1)),
    ]


def test_visits_grid_and_freshness() -> None:
    enc = {
        "resourceType": "Encounter",
        "id": "e",
        "meta": _src("uke", CLINIC),
        "status": "finished",
        "class": {"code": "AMB"},
        "period": {"start": "2026-08-03"},
    }
    enc2 = dict(enc, id="e2", period={"start": "2026-08-20"})
    chart = _chart(enc, enc2)
    grid = compose_visits(chart)
    assert grid.months[-1] == "2026-09" and grid.rows[0].counts[-2] == 2
    (fresh,) = compose_freshness(chart)
    assert (fresh.kind, fresh.label) == ("receipt", "2026-08")


def test_care_plan_round_trip() -> None:
    form = CareForm(
        (CareDevice("気管カニューレ", "", "内径4.0mm"),),
        {"spo2": "92-96%"},
        "発作時はダイアップ坐剤",
        "",
        (CareContact("鈴木 美咲", "母", "090-1111-2222"),),
    )
    plan = build_care_plan("p1", form, "guardian:u1", "2026-09-30T00:00:00Z", "cp1")
    care = read_care_info(plan)
    assert care.devices == form.devices and care.vital("spo2") == "92-96%"
    assert care.seizure_plan == "発作時はダイアップ坐剤" and care.contacts == form.contacts
    assert plan["author"] == {"reference": "#contact1"}


def test_narrative_becomes_plain_text() -> None:
    assert xhtml_text('<div xmlns="http://www.w3.org/1999/xhtml">腹痛<br/>精査&amp;加療</div>') == (
        "腹痛\n精査&加療"
    )
