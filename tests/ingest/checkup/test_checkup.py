"""The 特定健診 CDA parser, mapper, writer and adapter."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.fhir import jpcore
from kizuna.ingest.base import Failure, MappingError, ParseError, Unit
from kizuna.ingest.checkup import records as rec
from kizuna.ingest.checkup.adapter import CheckupAdapter
from kizuna.ingest.checkup.mapper import map_document
from kizuna.ingest.checkup.parser import parse
from kizuna.ingest.checkup.writer import write

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "tests" / "fixtures" / "checkup"
TANAKA = FIXTURES / "checkup-2024-tanaka.xml"
SUZUKI = FIXTURES / "checkup-2023-suzuki.xml"
Check = Callable[[dict[str, Any]], None]


def unit_of(path: Path) -> Unit:
    return map_document(parse(path.read_bytes(), str(path)), str(path))


def item(unit: Unit, code: str) -> dict[str, Any]:
    return next(
        r
        for r in unit.resources
        if r["resourceType"] == "Observation" and r["code"]["coding"][0]["code"] == code
    )


def test_header_and_patient(assert_r4: Check) -> None:
    unit = unit_of(TANAKA)
    assert unit.patient is not None
    assert_r4(unit.patient)
    assert unit.patient["identifier"] == [
        {"system": jpcore.INSURANCE_MEMBER_ID, "value": "06132013:２４:１３５７:01"}
    ]
    assert [n["text"] for n in unit.patient["name"]] == ["田中 一郎", "タナカ イチロウ"]
    assert (unit.patient["gender"], unit.patient["birthDate"]) == ("male", "1965-08-21")
    assert unit.source.facility_code == "1310123458"
    assert unit.version == "2024-06-20"
    assert unit.warnings == []
    for resource in unit.resources:
        assert_r4(resource)


def test_quantities_flags_and_ranges() -> None:
    unit = unit_of(TANAKA)
    hba1c = item(unit, "3D046000001906202")
    assert hba1c["code"]["coding"][0]["system"] == jpcore.CHECKUP_ITEM
    assert hba1c["code"]["text"] == "HbA1c(NGSP値)"
    assert hba1c["valueQuantity"] == {"value": 6.4, "unit": "%", "system": jpcore.UCUM, "code": "%"}
    assert hba1c["interpretation"][0]["coding"][0]["code"] == "H"
    assert hba1c["referenceRange"][0]["low"]["value"] == 4.6
    assert hba1c["referenceRange"][0]["high"]["value"] == 5.5
    assert hba1c["effectiveDateTime"] == "2024-06-12"
    egfr = item(unit, "8A065000002391901")
    assert egfr["valueQuantity"]["value"] == 58.3
    assert egfr["interpretation"][0]["coding"][0]["code"] == "L"
    glucose = item(unit, "3D010000001926101")
    assert glucose["method"]["coding"][0]["code"] == "3D01010000"


def test_coded_text_and_not_done_items() -> None:
    unit = unit_of(TANAKA)
    protein = item(unit, "1A010000000191111")
    assert protein["valueCodeableConcept"]["coding"][0] == {
        "code": "2",
        "system": "urn:oid:1.2.392.200119.6.2102",
        "display": "±",
    }
    assert item(unit, "9A110160800000049")["valueString"] == "完全右脚ブロック"
    fundus = item(unit, "9E100166000000011")
    assert fundus["status"] == "cancelled"
    assert fundus["dataAbsentReason"]["coding"][0]["code"] == "not-performed"
    assert "valueQuantity" not in fundus


def test_report_groups_the_items() -> None:
    unit = unit_of(TANAKA)
    [report] = [r for r in unit.resources if r["resourceType"] == "DiagnosticReport"]
    observations = [r for r in unit.resources if r["resourceType"] == "Observation"]
    assert len(report["result"]) == len(observations) == 22
    assert report["category"][0]["coding"][0]["code"] == "checkup"
    assert report["effectiveDateTime"] == "2024-06-12"
    [org] = [r for r in unit.resources if r["resourceType"] == "Organization"]
    assert report["performer"] == [{"reference": f"Organization/{org['id']}"}]
    assert org["name"] == "医療法人社団 神田健診クリニック"


def test_null_flavor_and_beyond_range_values(assert_r4: Check) -> None:
    unit = unit_of(SUZUKI)
    for resource in unit.resources:
        assert_r4(resource)
    assert unit.patient is not None
    assert [n["text"] for n in unit.patient["name"]] == ["スズキ ハナコ"]
    assert unit.patient["identifier"][0]["value"] == "34130021:あいう:９８７:02"
    hba1c = item(unit, "3D046000001906202")
    assert hba1c["status"] == "final"
    assert hba1c["dataAbsentReason"]["coding"][0]["code"] == "unknown"
    tg = item(unit, "3F015129902327101")
    assert tg["valueQuantity"]["comparator"] == ">"
    assert tg["valueQuantity"]["value"] == 1000
    assert tg["interpretation"][0]["coding"][0]["code"] == "HH"
    assert item(unit, "9A110160700000011")["status"] == "cancelled"


def test_bad_value_names_the_xpath() -> None:
    [failure] = list(CheckupAdapter().read(FIXTURES / "checkup-invalid-value.xml"))
    assert isinstance(failure, Failure)
    assert failure.location.field == (
        "/ClinicalDocument/component/structuredBody/component/section/entry[2]/observation/value"
    )
    assert failure.location.line == 64


def test_adapter_reads_a_tree_and_continues() -> None:
    out = list(CheckupAdapter().read(FIXTURES))
    assert sorted(type(x).__name__ for x in out) == ["Failure", "Unit", "Unit"]
    assert isinstance(next(iter(CheckupAdapter().read(ROOT / "samples" / "checkup"))), Unit)


XXE = b"""<?xml version="1.0"?>
<!DOCTYPE ClinicalDocument [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<ClinicalDocument xmlns="urn:hl7-org:v3">&x;</ClinicalDocument>"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE l [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>
<ClinicalDocument xmlns="urn:hl7-org:v3">&d;</ClinicalDocument>"""


@pytest.mark.parametrize("data", [XXE, LAUGHS])
def test_dtds_and_entities_are_rejected(data: bytes) -> None:
    with pytest.raises(ParseError, match="forbidden XML construct"):
        parse(data, "evil.xml")


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('<birthTime value="19650821"/>', '<birthTime value="1965"/>', "birthTime"),
        (
            'code="1" codeSystem="1.2.392.200119.6.1104"',
            'code="3" codeSystem="1.2.392.200119.6.1104"',
            "administrativeGenderCode",
        ),
        ('code="9N001000000000001"', 'code="9N0010"', "code"),
        (
            '<value xsi:type="ST">完全右脚ブロック</value>',
            '<value xsi:type="BL" value="true"/>',
            "value",
        ),
    ],
)
def test_structural_errors_name_the_xpath(old: str, new: str, field: str) -> None:
    text = TANAKA.read_text(encoding="utf-8").replace(old, new, 1)
    with pytest.raises(ParseError) as info:
        parse(text.encode(), "t.xml")
    assert info.value.location.field is not None
    assert info.value.location.field.split("/")[-1].startswith(field)


XSD = b"""<?xml version="1.0"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:hl7-org:v3"
           elementFormDefault="qualified">
  <xs:element name="ClinicalDocument"><xs:complexType><xs:sequence>
    <xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
  </xs:sequence><xs:attribute name="version" type="xs:string" use="required"/>
  </xs:complexType></xs:element>
</xs:schema>"""


def test_xsd_validation(tmp_path: Path) -> None:
    xsd = tmp_path / "hc.xsd"
    xsd.write_bytes(XSD)
    with pytest.raises(ParseError, match="does not match the schema") as info:
        parse(TANAKA.read_bytes(), "t.xml", xsd_path=xsd)
    assert info.value.location.line == 4
    ok = TANAKA.read_bytes().replace(b"<ClinicalDocument ", b'<ClinicalDocument version="1" ', 1)
    assert parse(ok, "t.xml", xsd_path=xsd).facility_code == "1310123458"


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([TANAKA, SUZUKI]),
    st.lists(st.tuples(st.integers(0, 9000), st.binary(max_size=6)), min_size=1, max_size=4),
)
def test_mutations_raise_only_own_errors(path: Path, edits: list[tuple[int, bytes]]) -> None:
    data = bytearray(path.read_bytes())
    for at, junk in edits:
        data[at : at + len(junk)] = junk
    with contextlib.suppress(ParseError, MappingError):
        map_document(parse(bytes(data), "m.xml"), "m.xml")
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "m.xml"
        file.write_bytes(bytes(data))
        assert isinstance(CheckupAdapter().read_file(file), Unit | Failure)


CODES = ["9N001000000000001", "3D046000001906202", "8A065000002391901", "1A020000000191111"]
text = st.text(alphabet="健診太郎花子ケンシンタロウ0123456789abc－±", min_size=1, max_size=12)
number = st.decimals(min_value=0, max_value=9999, places=2, allow_nan=False).map(
    lambda d: str(d.normalize()) if d != d.to_integral_value() else str(int(d))
)


@st.composite
def items(draw: st.DrawFn) -> rec.CheckupItem:
    kind = draw(st.sampled_from(["PQ", "CO", "ST", "IVL_PQ", "none", "null"]))
    base = rec.CheckupItem(
        draw(st.sampled_from(CODES)),
        draw(text),
        interpretation=draw(st.sampled_from(["", "H", "L", "N"])),
        group=draw(st.sampled_from(["", "9A110"])),
    )
    if kind == "PQ":
        base.value_type, base.value, base.unit = (
            "PQ",
            draw(number),
            draw(st.sampled_from(["", "%", "mg/dL"])),
        )
        base.range_low, base.range_high = (
            draw(st.sampled_from(["", "4.6"])),
            draw(st.sampled_from(["", "6.2"])),
        )
        base.range_unit = "%" if base.range_low or base.range_high else ""
    elif kind == "CO":
        base.value_type, base.value, base.value_system, base.value_display = (
            "CO",
            "1",
            "1.2.392.200119.6.2102",
            "－",
        )
    elif kind == "ST":
        base.value_type, base.value = "ST", draw(text)
    elif kind == "IVL_PQ":
        base.value_type, base.value, base.unit = "IVL_PQ", draw(number), "mg/dL"
        base.comparator = draw(st.sampled_from([">", "<", ">=", "<="]))
    elif kind == "none":
        base.not_done = True
    else:
        base.null_flavor = draw(st.sampled_from(["NI", "UNK"]))
        base.value_type = draw(st.sampled_from(["", "PQ"]))
    return base


@st.composite
def documents(draw: st.DrawFn) -> rec.CheckupDocument:
    return rec.CheckupDocument(
        checkup_date=draw(st.dates(date(2008, 4, 1), date(2030, 3, 31))),
        facility_code="1310123458",
        birth_date=draw(st.dates(date(1930, 1, 1), date(1990, 12, 31))),
        sex=draw(st.sampled_from(["1", "2"])),
        document_root="1.2.392.200119.6.102.1310123458",
        document_extension=draw(text),
        created=draw(st.one_of(st.none(), st.dates(date(2008, 4, 1), date(2030, 3, 31)))),
        insurer="06132013",
        symbol=draw(text),
        number=draw(text),
        branch="01",
        kana_name=draw(text),
        kanji_name=draw(st.sampled_from(["", "健診 太郎"])),
        postal_code="100-0001",
        address=draw(text),
        facility_name=draw(text),
        items=draw(st.lists(items(), max_size=6)),
    )


@settings(max_examples=100, deadline=None)
@given(documents())
def test_writer_parser_round_trip(doc: rec.CheckupDocument) -> None:
    again = parse(write(doc))  # items of one organizer are written together, so compare sorted
    assert sorted(again.items, key=lambda i: (i.group, i.code, i.value)) == sorted(
        doc.items, key=lambda i: (i.group, i.code, i.value)
    )
    again.items, doc.items = [], []
    assert again == doc
