"""Writer-built storage trees read back end to end: encounter lifecycle, comments."""

from __future__ import annotations

from pathlib import Path

from kizuna.codes.checkdigit import with_check_digit
from kizuna.ingest.base import Unit
from kizuna.ingest.ssmix2 import writer as w
from kizuna.ingest.ssmix2.adapter import Ssmix2Adapter
from kizuna.ingest.ssmix2.datatypes import CWE, EI, PL
from kizuna.ingest.ssmix2.mapper import MapOptions, map_message
from kizuna.ingest.ssmix2.parser import parse_message
from kizuna.ingest.ssmix2.segments import NTE, OBR, OBX, ORC, PV1, PV2, SPM
from kizuna.ingest.ssmix2.storage import relative_path

FACILITY = with_check_digit("131234567")
PATIENT = w.Patient(
    "0012345",
    "山田",
    "花子",
    "ヤマダ",
    "ハナコ",
    "19800102",
    "F",
    "100-0001",
    "東京都千代田区千代田１−１",
    "03-0000-0000",
)
DOCTOR = w.staff("D001", "医師", "次郎")


def _write(
    root: Path, record: w.MessageRecord, data_type: str, care_date: str, flag: str = "1"
) -> Path:
    name = w.storage_name(record, data_type, care_date=care_date, flag=flag)
    path = root / relative_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(w.message_bytes(record))
    return path


def _admission_tree(root: Path, discharge_flag: str = "1") -> None:
    bed1, bed2 = PL("3A", "301", "1", type_code="N"), PL("4B", "402", "2", type_code="N")
    planned = w.adt_encounter(
        w.Header(FACILITY, "20240401090000"),
        PATIENT,
        "ADT-21",
        PV1("0001", "I", bed1, attending=(DOCTOR,)),
        planned=PV2(expected_admit="20240403100000"),
    )
    _write(root, planned, "ADT-21", "20240403")
    admitted = w.adt_encounter(
        w.Header(FACILITY, "20240403101500"),
        PATIENT,
        "ADT-22",
        PV1(
            "0001",
            "I",
            bed1,
            attending=(DOCTOR,),
            admitting=(DOCTOR,),
            department="01",
            admitted="20240403101500",
        ),
    )
    _write(root, admitted, "ADT-22", "20240403")
    moved = w.adt_encounter(
        w.Header(FACILITY, "20240405140000"),
        PATIENT,
        "ADT-42",
        PV1("0001", "I", bed2, prior_location=bed1, attending=(DOCTOR,)),
        occurred="20240405140000",
    )
    _write(root, moved, "ADT-42", "20240405")
    discharged = w.adt_encounter(
        w.Header(FACILITY, "20240410110000"),
        PATIENT,
        "ADT-52",
        PV1(
            "0001",
            "I",
            bed2,
            attending=(DOCTOR,),
            discharge_disposition="01",
            discharged=("20240410110000",),
        ),
        occurred="20240410110000",
    )
    _write(root, discharged, "ADT-52", "20240410", flag=discharge_flag)


def _encounters(root: Path) -> dict[str, dict]:
    out = {}
    for unit in Ssmix2Adapter().read(root):
        assert isinstance(unit, Unit), unit
        data_type = Path(unit.source.file).parent.name
        out[data_type] = next(r for r in unit.resources if r["resourceType"] == "Encounter")
    return out


def test_admission_lifecycle_is_one_encounter(tmp_path: Path) -> None:
    _admission_tree(tmp_path)
    encounters = _encounters(tmp_path)
    assert set(encounters) == {"ADT-21", "ADT-22", "ADT-42", "ADT-52"}
    ids = {e["id"] for e in encounters.values()}
    assert len(ids) == 1
    enc = encounters["ADT-52"]
    assert enc == encounters["ADT-21"]  # every step writes the whole admission
    assert enc["status"] == "finished"
    assert enc["period"] == {
        "start": "2024-04-03T10:15:00+09:00",
        "end": "2024-04-10T11:00:00+09:00",
    }
    assert [
        (loc["location"]["display"], loc["status"], loc["period"]) for loc in enc["location"]
    ] == [
        (
            "3A-301-1",
            "completed",
            {"start": "2024-04-03T10:15:00+09:00", "end": "2024-04-05T14:00:00+09:00"},
        ),
        (
            "4B-402-2",
            "completed",
            {"start": "2024-04-05T14:00:00+09:00", "end": "2024-04-10T11:00:00+09:00"},
        ),
    ]
    assert enc["serviceType"]["coding"][0]["code"] == "01"


def test_cancelled_discharge_reopens_the_admission(tmp_path: Path) -> None:
    _admission_tree(tmp_path, discharge_flag="0")
    enc = _encounters(tmp_path)["ADT-52"]
    assert enc["status"] == "in-progress"  # JAMI table: ADT-52.DEL -> in-progress
    assert "end" not in enc["period"]
    assert enc["location"][-1]["status"] == "active"


def test_outpatient_visit(tmp_path: Path) -> None:
    visit = w.adt_encounter(
        w.Header(FACILITY, "20240401090000"),
        PATIENT,
        "ADT-12",
        PV1("0001", "O", PL("01", type_code="C"), department="01", admitted="20240401090000"),
    )
    _write(tmp_path, visit, "ADT-12", "20240401")
    enc = _encounters(tmp_path)["ADT-12"]
    assert (enc["status"], enc["class"]["code"]) == ("arrived", "AMB")
    assert enc["period"] == {"start": "2024-04-01T09:00:00+09:00"}


def test_lab_comment_becomes_an_observation_note() -> None:
    record = w.oml11(
        w.Header(FACILITY, "20240401120000"),
        PATIENT,
        SPM("1", specimen_type=CWE("023", "血清", "JC10")),
        OBR("1", EI("L001"), service=CWE("E001", "生化学", "99O03"), observed="20240401"),
        ORC("SC", EI("L001"), transaction_time="20240401120000"),
        [
            OBX(
                "1",
                "NM",
                CWE("3D010000001926101", "グルコース", "JC10"),
                values=("98",),
                units=CWE("mg/dL", "mg/dL", "ISO+"),
                reference_range="70-109",
                status="F",
            )
        ],
    )
    record.segments.append(NTE("1", "L", ("溶血あり", "再検済み")))
    unit = map_message(parse_message(w.message_bytes(record), "lab"), MapOptions(FACILITY))
    obs = next(r for r in unit.resources if r["resourceType"] == "Observation")
    assert obs["note"] == [{"text": "溶血あり"}, {"text": "再検済み"}]
    assert obs["valueQuantity"] == {
        "value": 98,
        "unit": "mg/dL",
        "system": "http://unitsofmeasure.org",
        "code": "mg/dL",
    }
    assert obs["referenceRange"][0]["low"]["value"] == 70
    assert unit.source.facility_code == FACILITY  # taken from MSH-4
    patient = unit.patient
    assert patient is not None
    assert patient["identifier"][0]["value"] == "0012345"
