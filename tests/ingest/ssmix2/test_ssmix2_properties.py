"""Property tests: hostile input never escapes as anything but our own errors, and the
writer's output parses back to the very records it was given.

Records are compared in canonical form: a repetition whose every component is empty is
written as nothing, so generated records never hold one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.codes.checkdigit import with_check_digit
from kizuna.fhir.validation import errors_only, validate
from kizuna.ingest.base import Failure, MappingError, ParseError, Unit
from kizuna.ingest.ssmix2 import writer as w
from kizuna.ingest.ssmix2.adapter import Ssmix2Adapter
from kizuna.ingest.ssmix2.datatypes import CQ, CWE, CX, EI, PL, RPT, XON, SubCWE
from kizuna.ingest.ssmix2.escape import escape, unescape
from kizuna.ingest.ssmix2.mapper import MapOptions, map_message
from kizuna.ingest.ssmix2.parser import parse_message
from kizuna.ingest.ssmix2.segments import (
    AL1,
    IAM,
    IN1,
    OBR,
    OBX,
    ORC,
    PRB,
    PV1,
    RXE,
    RXR,
    SPM,
    TQ1,
    ZPR,
)
from kizuna.ingest.ssmix2.storage import parse_name

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "ssmix2" / "sampleData"
SAMPLE_FILES = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and parse_name(p.name))
FACILITY = with_check_digit("221315001")
FAST = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- hostile input ---------------------------------------------------------------------

byte_edit = st.tuples(
    st.sampled_from(["set", "insert", "delete"]),
    st.integers(min_value=0),
    st.integers(min_value=0, max_value=255),
)


def _apply_bytes(raw: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    data = bytearray(raw)
    for op, where, value in edits:
        if not data:
            break
        i = where % len(data)
        if op == "set":
            data[i] = value
        elif op == "insert":
            data.insert(i, value)
        else:
            del data[i]
    return bytes(data)


segment_edit = st.tuples(
    st.sampled_from(["drop", "dup", "swap", "cut", "field"]),
    st.integers(min_value=0),
    st.integers(min_value=0),
)


def _apply_segments(raw: bytes, edits: list[tuple[str, int, int]]) -> bytes:
    segs = raw.split(b"\r")
    for op, a, b in edits:
        if not segs:
            break
        i, j = a % len(segs), b % len(segs)
        if op == "drop":
            del segs[i]
        elif op == "dup":
            segs.insert(i, segs[j])
        elif op == "swap":
            segs[i], segs[j] = segs[j], segs[i]
        elif op == "cut":
            segs[i] = segs[i][: b % (len(segs[i]) + 1)]
        else:
            fields = segs[i].split(b"|")
            fields.insert(b % (len(fields) + 1), b"^~&\\X0\\")
            segs[i] = b"|".join(fields)
    return b"\r".join(segs)


def _parse_and_map(raw: bytes, sample: Path) -> None:
    """Only ParseError or MappingError may come out."""
    try:
        message = parse_message(raw, str(sample))
    except ParseError:
        return
    try:
        map_message(message, MapOptions(FACILITY, parse_name(sample.name)))
    except MappingError:
        return


@FAST
@given(sample=st.sampled_from(SAMPLE_FILES), edits=st.lists(byte_edit, min_size=1, max_size=8))
def test_byte_mutations_raise_only_our_errors(sample: Path, edits: list) -> None:
    _parse_and_map(_apply_bytes(sample.read_bytes(), edits), sample)


@FAST
@given(sample=st.sampled_from(SAMPLE_FILES), edits=st.lists(segment_edit, min_size=1, max_size=6))
def test_segment_mutations_raise_only_our_errors(sample: Path, edits: list) -> None:
    _parse_and_map(_apply_segments(sample.read_bytes(), edits), sample)


@FAST
@given(raw=st.binary(max_size=400))
def test_random_bytes_raise_only_parse_errors(raw: bytes) -> None:
    _parse_and_map(b"MSH|^~\\&|" + raw, SAMPLE_FILES[0])
    _parse_and_map(raw, SAMPLE_FILES[0])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(sample=st.sampled_from(SAMPLE_FILES), edits=st.lists(byte_edit, min_size=1, max_size=6))
def test_adapter_never_raises(
    tmp_path_factory: pytest.TempPathFactory, sample: Path, edits: list
) -> None:
    root = tmp_path_factory.mktemp("tree")
    target = root / sample.relative_to(SAMPLES)
    target.parent.mkdir(parents=True)
    target.write_bytes(_apply_bytes(sample.read_bytes(), edits))
    results = list(Ssmix2Adapter(FACILITY).read(root))
    assert len(results) == 1
    assert isinstance(results[0], Unit | Failure)
    if isinstance(results[0], Failure):
        assert "internal error" not in results[0].reason


# --- writer -> parser round trip -------------------------------------------------------

ALPHABET = (
    "abcXYZ0189 -./:()|^~\\&\r\n"
    "あいうえおアイウエオン山田太郎花子患者東京都静岡市登呂一二三４５６ーー−（）■"
)
text = st.text(alphabet=ALPHABET, max_size=10)
word = st.text(alphabet="ABCDEFGHJK0123456789", min_size=1, max_size=8)
digits = st.text(alphabet="0123456789", min_size=1, max_size=6)
date = st.dates().map(lambda d: d.strftime("%Y%m%d"))
when = st.datetimes().map(lambda d: d.strftime("%Y%m%d%H%M%S"))
cwe = st.builds(CWE, code=word, text=text, system=st.sampled_from(["HOT9", "JC10", "99XYZ"]))
staff = st.builds(w.staff, word, text, text)

patient = st.builds(
    w.Patient,
    patient_id=word,
    family=text,
    given=text,
    family_kana=text,
    given_kana=text,
    birth=date,
    sex=st.sampled_from("MFOU"),
    postal_code=st.sampled_from(["", "422-8033"]),
    address=text,
    phone=st.sampled_from(["", "054-000-0000"]),
)
header = st.builds(w.Header, facility_code=st.just(FACILITY), timestamp=when)

in1 = st.builds(
    IN1,
    set_id=st.just("1"),
    plan=cwe,
    insurer=st.tuples(st.builds(CX, id=digits)),
    insurer_name=st.tuples(st.builds(XON, name=text.filter(bool))),
    symbol=st.tuples(st.builds(CX, id=word, check_digit=st.sampled_from(["", "01"]))),
    number=st.tuples(st.builds(XON, name=word)),
    effective=date,
)
al1 = st.builds(
    AL1,
    set_id=st.just("1"),
    allergen_type=st.builds(CWE, code=st.just("DA")),
    allergen=cwe,
    reactions=st.lists(text.filter(bool), max_size=2).map(tuple),
)
iam = st.builds(
    IAM,
    set_id=st.just("1"),
    allergen_type=st.builds(CWE, code=st.just("FA")),
    allergen=cwe,
    severity=st.builds(CWE, code=st.sampled_from(["MI", "SV"])),
    reactions=st.lists(text.filter(bool), max_size=2).map(tuple),
    onset=date,
    onset_text=text,
)
prb = st.builds(
    PRB,
    action=st.just("AD"),
    action_time=date,
    problem=cwe,
    instance_id=st.builds(EI, id=word),
    onset=date,
    onset_text=text,
    classification=st.builds(CWE, code=word, system=st.just("I10")),
)
zpr = st.builds(
    ZPR,
    disease_code=st.builds(CWE, code=word, text=text, system=st.just("MDCDX2")),
    suffix_codes=st.lists(st.builds(CWE, code=word), max_size=2).map(tuple),
)
orc = st.builds(
    ORC,
    control=st.just("NW"),
    placer_order=st.builds(EI, id=word),
    placer_group=st.builds(EI, id=digits),
    transaction_time=when,
    ordering_provider=st.tuples(staff),
)
rxe = st.builds(
    RXE,
    give_code=cwe,
    amount_min=digits,
    units=st.builds(CWE, code=st.just("TAB"), text=st.just("錠"), system=st.just("MR9P")),
    dispense_amount=digits,
    daily_dose=st.builds(
        CQ, quantity=digits, unit=st.builds(SubCWE, code=st.just("TAB"), text=text)
    ),
)
tq1 = st.builds(
    TQ1,
    set_id=st.just("1"),
    repeat=st.tuples(
        st.builds(RPT, pattern=st.builds(SubCWE, code=word, text=text, system=st.just("JAMISDP01")))
    ),
    duration=st.builds(CQ, quantity=digits, unit=st.builds(SubCWE, code=st.just("d"))),
    start=when,
)
rxr = st.builds(RXR, route=st.builds(CWE, code=st.just("PO"), text=text, system=st.just("HL70162")))
spm = st.builds(SPM, set_id=st.just("1"), specimen_type=cwe)
obr = st.builds(
    OBR,
    set_id=st.just("1"),
    placer_order=st.builds(EI, id=word),
    service=cwe,
    observed=when,
    reported=when,
)
obx = st.builds(
    OBX,
    set_id=st.just("1"),
    value_type=st.just("NM"),
    code=cwe,
    values=st.tuples(digits),
    units=st.builds(CWE, code=st.just("mg/dL")),
    reference_range=st.sampled_from(["", "1-10", "<5"]),
    abnormal_flags=st.sampled_from([(), ("H",)]),
    status=st.just("F"),
)
pv1 = st.builds(
    PV1,
    set_id=st.just("0001"),
    patient_class=st.sampled_from("IO"),
    location=st.builds(PL, ward=word, room=digits, bed=digits),
    attending=st.tuples(staff),
    admitted=when,
)

messages = st.one_of(
    st.builds(w.adt00, header, patient, st.lists(in1, max_size=2), st.lists(al1, max_size=2)),
    st.builds(
        w.adt_encounter, header, patient, st.sampled_from(["ADT-12", "ADT-22", "ADT-52"]), pv1, when
    ),
    st.builds(w.adt61, header, patient, st.lists(iam, min_size=1, max_size=3)),
    st.builds(
        w.ppr01,
        header,
        patient,
        st.lists(st.tuples(prb, st.one_of(st.none(), zpr)), min_size=1, max_size=3),
        staff,
    ),
    st.builds(
        w.omp01, header, patient, st.lists(st.tuples(orc, rxe, tq1, rxr), min_size=1, max_size=3)
    ),
    st.builds(w.oml11, header, patient, spm, obr, orc, st.lists(obx, min_size=1, max_size=3)),
)


@FAST
@given(record=messages)
def test_writer_parser_round_trip_is_lossless(record: w.MessageRecord) -> None:
    raw = w.message_bytes(record)
    parsed = parse_message(raw, "written")
    assert parsed.charset == "iso2022_jp"
    assert parsed.msh == record.msh
    assert parsed.segments[1:] == record.segments
    unit = map_message(parsed, MapOptions(FACILITY))  # what we write, we can map
    assert unit.patient is not None
    assert unit.source.facility_code == FACILITY
    for resource in [dict(unit.patient, id="candidate"), *unit.resources]:
        assert errors_only(validate(resource, strict=True)) == [], resource["resourceType"]


@FAST
@given(value=st.text(max_size=30))
def test_escape_round_trip(value: str) -> None:
    assert unescape(escape(value)) == value


def test_unencodable_text_is_written_as_geta_and_halfwidth_kana_widened() -> None:
    patient_record = w.Patient("1", "𠮷野", "ﾀﾛｳ", "ヨシノ", "タロウ", "19800101", "M")
    record = w.adt00(w.Header(FACILITY, "20240401093000"), patient_record)
    parsed = parse_message(w.message_bytes(record), "geta")
    pid = parsed.segments[2]
    assert pid.names[0].family == "■野"
    assert pid.names[0].given == "タロウ"


def test_storage_name_of_written_message() -> None:
    patient_record = w.Patient("0012345", "山田", "太郎", "ヤマダ", "タロウ", "19800101", "M")
    record = w.adt00(w.Header(FACILITY, "20240401093000.12"), patient_record)
    name = w.storage_name(record, "ADT-00")
    assert name.filename == "0012345_-_ADT-00_999999999999999_20240401093000120_-_1"
    assert parse_name(name.filename) == name
