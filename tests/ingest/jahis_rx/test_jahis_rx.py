"""The prescription 2D-symbol parser, mapper, writer and adapter."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.fhir import jpcore
from kizuna.ingest.base import Failure, MappingError, ParseError, Unit
from kizuna.ingest.jahis_rx import records as rec
from kizuna.ingest.jahis_rx.adapter import JahisRxAdapter
from kizuna.ingest.jahis_rx.mapper import map_prescription
from kizuna.ingest.jahis_rx.parser import parse, read
from kizuna.ingest.jahis_rx.writer import write

RX = Path(__file__).resolve().parents[3] / "samples" / "jahis-rx"
Check = Callable[[dict[str, Any]], None]


def of(unit: Unit, kind: str) -> list[dict[str, Any]]:
    return [r for r in unit.resources if r["resourceType"] == kind]


def test_parse_external_sample() -> None:
    rx = parse((RX / "external-sample.txt").read_bytes())
    assert (rx.facility.code, rx.facility.prefecture, rx.facility.name) == (
        "9700012",
        "26",
        "例示病院",
    )
    assert rx.doctor.name == "山田 太郎"
    assert (rx.patient.name, rx.patient.kana, rx.patient.sex) == ("ダミー 太郎", "ﾀﾞﾐｰ ﾀﾛｳ", "2")
    assert rx.patient.birth_date == "2011-01-10"  # 4230110: 平成23年1月10日
    assert (rx.issue_date, rx.expiry_date) == (date(2026, 1, 30), date(2026, 2, 2))
    [rp] = rx.rps
    assert (rp.form, rp.quantity, rp.usage) == ("9", 1, "１日１回注射")
    [drug] = rp.drugs
    assert (drug.code_type, drug.code, drug.dose, drug.unit) == (
        "4",
        "2412403G3022",
        Decimal(4),
        "キット",
    )
    assert rp.supplements[0].text == "2/ 3 から毎週 火曜日"


def test_prescription_unit(assert_r4: Check) -> None:
    parsed = read((RX / "external-sample2.txt").read_bytes(), "s2")
    unit = map_prescription(parsed.prescription, "s2")
    for resource in unit.resources:
        assert_r4(resource)
    assert unit.patient is not None
    assert_r4(unit.patient)
    # no 枝番 in the source: a member id without it could name a whole family, so it is
    # not used as an identifier; the insurer stays on the Coverage's payer
    assert unit.patient.get("identifier", []) == []
    [payer] = [o for o in of(unit, "Organization") if o["type"][0]["coding"][0]["code"] == "pay"]
    assert payer["identifier"] == [{"system": jpcore.INSURER_NUMBER, "value": "06000004"}]
    assert [n["text"] for n in unit.patient["name"]] == ["ダミー 花子", "ダミー ハナコ"]
    assert unit.patient["birthDate"] == "1923-04-06"
    [org] = [o for o in of(unit, "Organization") if o["type"][0]["coding"][0]["code"] == "prov"]
    assert org["identifier"][0]["value"] == "2619700012"
    [request] = of(unit, "MedicationRequest")
    med = request["medicationCodeableConcept"]
    assert med["coding"][0] == {
        "system": jpcore.GENERAL_ORDER_CODE,
        "code": "1149037F1ZZZ",
        "display": "【般】セレコキシブ錠１００ｍｇ",
    }
    assert request["authoredOn"] == "2026-01-30"
    assert request["dosageInstruction"][0]["text"] == "１日２回朝夕食後"
    assert request["dosageInstruction"][0]["timing"]["repeat"]["frequency"] == 2
    assert request["dispenseRequest"]["quantity"] == {"value": 14, "unit": "錠"}
    assert request["dispenseRequest"]["expectedSupplyDuration"]["value"] == 7
    assert [n["text"] for n in request["note"]] == ["備考: 【一包化】", "備考: 懸濁する"]
    [coverage] = of(unit, "Coverage")
    assert "identifier" not in coverage  # no 枝番: not an insurance member id
    assert coverage["relationship"]["coding"][0]["code"] == "1"


def test_yj_code_and_insurer_warning() -> None:
    unit = map_prescription(parse((RX / "external-sample.txt").read_bytes()), "s1")
    [request] = of(unit, "MedicationRequest")
    assert request["medicationCodeableConcept"]["coding"][0]["system"] == jpcore.YJ_CODE
    assert [(w.code, w.location.segment) for w in unit.warnings] == [("format", "22")]


def test_public_expense_branch_and_check_digit() -> None:
    text = (RX / "external-sample2.txt").read_text(encoding="utf-8")
    text = text.replace("22,06000004", "22,06000005").replace("23,,12345674,1,", "23,１２,34,2,1")
    text = text.replace("51,20260130", "27,12123456,1234567\n51,20260130")
    unit = map_prescription(parse(text.encode("cp932")), "p")
    insurance, public = of(unit, "Coverage")
    assert insurance["dependent"] == "01"
    assert insurance["identifier"][0]["value"] == "06000005:１２:34:01"
    assert (public["order"], public["subscriberId"]) == (1, "1234567")
    codes = sorted((w.code, w.location.segment) for w in unit.warnings)
    assert codes == [("check-digit", "22"), ("check-digit", "27")]


@pytest.mark.parametrize(
    ("name", "line", "segment", "field"),
    [
        ("empty-input.txt", 1, "header", None),
        ("invalid-header.txt", 1, "NOT_JAHIS", "version"),
        ("invalid-missing-101.txt", 2, "111", "RP number"),
        ("normalization-full.txt", 2, "1", "facility code"),
    ],
)
def test_invalid_fixtures_are_failures(
    name: str, line: int, segment: str, field: str | None
) -> None:
    [failure] = list(JahisRxAdapter().read(RX / name))
    assert isinstance(failure, Failure)
    loc = failure.location
    assert (Path(loc.file).name, loc.line, loc.segment, loc.field) == (name, line, segment, field)


def test_adapter_batch_continues_past_failures() -> None:
    out = list(JahisRxAdapter().read(RX))
    units = [u for u in out if isinstance(u, Unit)]
    assert sorted(Path(u.source.file).name for u in units) == [
        "external-sample.txt",
        "external-sample2.txt",
    ]
    assert len(out) == len(list(RX.glob("*.txt")))


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(sorted(RX.glob("external-*.txt"))),
    st.lists(st.tuples(st.integers(0, 600), st.binary(max_size=4)), min_size=1, max_size=5),
)
def test_mutations_raise_only_own_errors(path: Path, edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(path.read_bytes())
    for at, junk in edits:
        data[at : at + len(junk)] = junk
    with contextlib.suppress(ParseError, MappingError):
        map_prescription(parse(bytes(data)), "m")
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "m.txt"
        file.write_bytes(bytes(data))
        assert all(isinstance(x, Unit | Failure) for x in JahisRxAdapter().read(file))


text = st.text(alphabet="山田太郎花子錠毎食後ﾀﾛｳabcXYZ0123456789１２３", min_size=1, max_size=10)
opt = st.one_of(st.just(""), text)


@st.composite
def prescriptions(draw: st.DrawFn) -> rec.RxPrescription:
    rps = []
    for number in draw(st.lists(st.integers(1, 20), min_size=1, max_size=3, unique=True)):
        drugs = [
            rec.Drug(
                number,
                seq,
                draw(st.sampled_from(["1", "2", "4", "7"])),
                draw(st.decimals(0, 9999, places=2, allow_nan=False)).normalize(),
                draw(st.sampled_from(["1", "2"])),
                draw(text),
                code=draw(st.sampled_from(["", "620000001"])),
                name=draw(text),
                unit_factor=draw(st.one_of(st.none(), st.just(Decimal("250")))),
                once_dose=draw(st.sampled_from(["", "1", "2/3"])),
                supplements=[rec.DrugSupplement(1, "1", draw(text))] if draw(st.booleans()) else [],
            )
            for seq in range(1, draw(st.integers(1, 3)) + 1)
        ]
        for d in drugs:
            if d.code_type in ("2", "4") and not d.code:
                d.code = "620000001"
        rps.append(
            rec.Rp(
                number,
                draw(st.sampled_from(["1", "2", "3", "9"])),
                draw(st.integers(1, 90)),
                usage_code_type="1",
                usage=draw(text),
                has_usage=True,
                drugs=drugs,
                times_per_day=draw(st.one_of(st.none(), st.integers(1, 4))),
            )
        )
    insurance = rec.Insurance(
        draw(st.sampled_from(["06132013", "138057"])),
        draw(opt),
        draw(text),
        draw(st.sampled_from(["1", "2"])),
        draw(st.sampled_from(["", "01"])),
    )
    return rec.RxPrescription(
        "JAHIS10",
        rec.Facility("1234567", "13", "1", draw(opt)),
        rec.Doctor(draw(text)),
        rec.Patient(
            draw(opt),
            draw(text),
            draw(opt),
            "1",
            draw(st.sampled_from(["1960-06-06", "1960-06", "1960"])),
        ),
        draw(st.dates(date(2000, 1, 1), date(2030, 12, 31))),
        insurance=insurance,
        public_expenses=[rec.PublicExpense(1, "12123456", draw(st.sampled_from(["", "1234567"])))],
        remarks=[rec.Remark(1, "1", draw(text))],
        rps=rps,
    )


@settings(max_examples=100, deadline=None)
@given(prescriptions(), st.sampled_from(["cp932", "utf-8"]))
def test_writer_parser_round_trip(rx: rec.RxPrescription, encoding: str) -> None:
    assert parse(write(rx, encoding)) == rx
