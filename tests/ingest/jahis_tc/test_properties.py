"""Property tests: hostile input never escapes as anything but ParseError/MappingError,
and writer -> parser round trips are lossless."""

from __future__ import annotations

import contextlib
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.ingest.base import Failure, MappingError, ParseError, Unit
from kizuna.ingest.jahis_tc import records as rec
from kizuna.ingest.jahis_tc.adapter import JahisTcAdapter
from kizuna.ingest.jahis_tc.mapper import map_document
from kizuna.ingest.jahis_tc.parser import ParsedTc, parse, read
from kizuna.ingest.jahis_tc.writer import write

SAMPLES = Path(__file__).resolve().parents[3] / "samples" / "jahis-tc"
REAL = [p.read_bytes() for p in sorted(SAMPLES.glob("tc-*.txt"))]
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(REAL)))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["flip", "cut", "dup", "comma", "junk"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "dup":
            data[at:at] = data[at : at + draw(st.integers(1, 60))]
        elif op == "comma":
            data[at:at] = b","
        else:
            data[at:at] = draw(st.binary(max_size=8))
    return bytes(data)


@FAST
@given(mutated())
def test_mutations_raise_only_parse_or_mapping_errors(data: bytes) -> None:
    try:
        results = read(data, "m.txt")
    except ParseError:
        return
    for result in results:
        if isinstance(result, ParsedTc):
            with contextlib.suppress(MappingError):
                map_document(result.document, "m.txt", result.unknown_records)


@settings(max_examples=60, deadline=None)
@given(mutated())
def test_adapter_never_raises(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.txt"
        path.write_bytes(data)
        for item in JahisTcAdapter().read(path):
            assert isinstance(item, Unit | Failure)


# --- writer round trip --------------------------------------------------------------------

_CHARS = (
    "山田太郎花子鈴木工業会薬局病院錠毎食後服用朝夕ヤマダタロウ"
    "ｱｲｳﾀﾞ（）【】・ーabcXYZ0123456789１２３．ｍｇ"
)
text = st.text(alphabet=_CHARS, min_size=1, max_size=10)
opt_text = st.one_of(st.just(""), text)
name = st.builds(lambda a, b: f"{a} {b}", text, text)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31))
opt_day = st.one_of(st.none(), days)
creator = st.sampled_from(["", "1", "2", "8", "9"])
amount = st.one_of(
    st.none(),
    st.decimals(min_value=0, max_value=999999, places=3, allow_nan=False).map(
        lambda d: d.normalize()
    ),
)
digits7 = st.text(alphabet="0123456789", min_size=7, max_size=7)
note = st.builds(rec.Note, text, creator)


@st.composite
def drug(draw: st.DrawFn, rp: int) -> rec.Drug:
    code_type = draw(st.sampled_from(["1", "2", "4", "6"]))
    code = (
        "" if code_type == "1" else draw(st.text(alphabet="0123456789AF", min_size=9, max_size=12))
    )
    generic = draw(st.booleans())
    return rec.Drug(
        rp=rp,
        name=draw(text),
        dose=draw(amount),
        unit=draw(opt_text),
        code_type=code_type,
        code=code,
        creator=draw(creator),
        generic_name=draw(text) if generic else "",
        generic_code_type="2" if generic else "",
        generic_code=draw(st.text(alphabet="0123456789ZF", min_size=12, max_size=12))
        if generic
        else "",
        supplements=draw(st.lists(note, max_size=2)),
        cautions=draw(st.lists(note, max_size=2)),
    )


@st.composite
def rp(draw: st.DrawFn, number: int) -> rec.Rp:
    usage = draw(
        st.one_of(
            st.none(),
            st.builds(
                rec.Usage,
                st.just(number),
                opt_text,
                amount,
                opt_text,
                st.sampled_from(["", "1", "3", "5", "10"]),
                st.just("1"),
                st.just(""),
                creator,
            ),
        )
    )
    return rec.Rp(
        number,
        draw(st.lists(drug(number), min_size=1, max_size=3)),
        usage,
        draw(st.lists(note, max_size=2)),
        draw(st.lists(note, max_size=2)),
    )


@st.composite
def prescriptions(draw: st.DrawFn) -> list[rec.Prescription]:
    out = []
    facility = None
    for i in range(draw(st.integers(1, 3))):
        if i == 0 or draw(st.booleans()):
            facility = rec.PrescribingFacility(
                draw(text),
                "13",
                draw(st.sampled_from(["", "1", "3"])),
                draw(digits7),
                draw(creator),
            )
        doctor = draw(st.one_of(st.none(), st.builds(rec.Doctor, name, opt_text, creator)))
        if i > 0 and doctor is None and out[-1].facility == facility:
            doctor = rec.Doctor(draw(name))
        numbers = draw(st.lists(st.integers(1, 99), min_size=1, max_size=3, unique=True))
        out.append(rec.Prescription(facility, doctor, [draw(rp(n)) for n in numbers]))
    return out


@st.composite
def dispensing(draw: st.DrawFn) -> rec.Dispensing:
    return rec.Dispensing(
        date=draw(days),
        creator=draw(creator),
        pharmacy=draw(
            st.one_of(
                st.none(),
                st.builds(
                    rec.Pharmacy,
                    text,
                    st.just("13"),
                    st.sampled_from(["4", "1"]),
                    digits7,
                    st.just("105-0004"),
                    opt_text,
                    st.just("03-3506-8010"),
                    creator,
                ),
            )
        ),
        pharmacist=draw(st.one_of(st.none(), st.builds(rec.Pharmacist, name, opt_text, creator))),
        prescriptions=draw(prescriptions()),
        cautions=draw(st.lists(note, max_size=2)),
        provided_info=draw(
            st.lists(
                st.builds(rec.ProvidedInfo, text, st.sampled_from(["30", "31", "99"]), creator),
                max_size=2,
            )
        ),
        remaining=draw(st.lists(note, max_size=1)),
        remarks=draw(st.lists(note, max_size=2)),
        patient_entries=draw(st.lists(st.builds(rec.PatientEntry, text, opt_day), max_size=2)),
    )


@st.composite
def documents(draw: st.DrawFn) -> rec.TcDocument:
    otc = []
    for seq in range(1, draw(st.integers(0, 2)) + 1):
        ingredients = draw(
            st.lists(
                st.builds(
                    rec.OtcIngredient, st.just(str(seq)), text, st.just("1"), st.just(""), creator
                ),
                max_size=2,
            )
        )
        otc.append(
            rec.OtcDrug(
                draw(text),
                draw(opt_day),
                draw(opt_day),
                draw(creator),
                str(seq),
                draw(st.sampled_from(["", "4987107609229"])),
                ingredients,
            )
        )
    return rec.TcDocument(
        version=draw(st.sampled_from(["JAHISTC07", "JAHISTC08"])),
        output_category=draw(st.sampled_from(["1", "2"])),
        patient=rec.PatientInfo(
            draw(name),
            draw(st.sampled_from(["1", "2"])),
            draw(days),
            draw(opt_text),
            draw(opt_text),
            draw(opt_text),
            draw(opt_text),
            draw(opt_text),
            draw(amount),
            draw(opt_text),
        ),
        notes=draw(
            st.lists(
                st.builds(rec.PatientNote, st.sampled_from(["1", "2", "3", "9"]), text, creator),
                max_size=3,
            )
        ),
        otc_drugs=otc,
        memos=draw(st.lists(st.builds(rec.Memo, text, opt_day, creator), max_size=2)),
        dispensings=draw(st.lists(dispensing(), max_size=3)),
        regular_pharmacists=draw(
            st.lists(
                st.builds(
                    rec.RegularPharmacist, name, opt_text, opt_text, opt_day, opt_day, creator
                ),
                max_size=1,
            )
        ),
        split=draw(
            st.one_of(
                st.none(),
                st.builds(rec.SplitInfo, st.just("12345678901234"), st.just(1), st.just(1)),
            )
        ),
    )


@FAST
@given(documents(), st.sampled_from(["cp932", "utf-8"]))
def test_writer_parser_round_trip(doc: rec.TcDocument, encoding: str) -> None:
    assert parse(write(doc, encoding)) == doc


def test_writer_reproduces_a_real_sample() -> None:
    original = (SAMPLES / "tc-supported-records-full.txt").read_bytes()
    doc = parse(original)
    assert parse(write(doc, "utf-8")) == doc
    assert write(doc, "utf-8").decode().splitlines()[1] == original.decode().splitlines()[1]


def test_split_parts_are_reassembled(tmp_path: Path) -> None:
    doc = parse((SAMPLES / "tc-multi-dispensing.txt").read_bytes())
    first = rec.TcDocument(
        doc.version,
        doc.output_category,
        doc.patient,
        dispensings=doc.dispensings[:1],
        split=rec.SplitInfo("98765432109876", 2, 1),
    )
    second = rec.TcDocument(
        doc.version,
        doc.output_category,
        doc.patient,
        dispensings=doc.dispensings[1:],
        split=rec.SplitInfo("98765432109876", 2, 2),
    )
    (tmp_path / "b.txt").write_bytes(write(second))
    alone = list(JahisTcAdapter().read(tmp_path))
    assert [type(x) for x in alone] == [Failure]
    assert isinstance(alone[0], Failure)
    assert "part(s) [1] of 2 missing" in alone[0].reason
    (tmp_path / "a.txt").write_bytes(write(first))
    out = list(JahisTcAdapter().read(tmp_path))
    assert all(isinstance(u, Unit) for u in out)
    dates = sorted(
        r["whenHandedOver"]
        for u in out
        if isinstance(u, Unit)
        for r in u.resources
        if r["resourceType"] == "MedicationDispense"
    )
    assert dates == ["2026-02-20", "2026-03-12"]


def test_decimal_format_matches_the_standard() -> None:
    doc = parse("JAHISTC08,1\r\n1,山田 太郎,1,19800101,,,,,,0.250\r\n".encode("cp932"))
    assert doc.patient.weight == Decimal("0.25")
    assert b",0.25," in write(doc)
