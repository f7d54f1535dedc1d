"""Parser: decoding, line ends, escapes, typed segments, and its errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from kizuna.ingest.base import ParseError
from kizuna.ingest.ssmix2 import dates
from kizuna.ingest.ssmix2.charset import decode
from kizuna.ingest.ssmix2.escape import STANDARD, Delimiters, escape, unescape
from kizuna.ingest.ssmix2.parser import parse_message
from kizuna.ingest.ssmix2.segments import IN1, MSH, OBX, PID, PRB, RXE, TQ1, RawSegment


def _text(path: Path) -> str:
    return path.read_bytes().decode("iso2022_jp")


def test_iso2022jp_patient_names_and_address(sample_files: dict[str, Path]) -> None:
    msg = parse_message(sample_files["ADT-00"].read_bytes(), "adt00")
    assert msg.charset == "iso2022_jp"
    assert msg.msh.charsets == ("", "ISO IR87")
    pid = msg.first(PID)
    assert isinstance(pid, PID)
    kanji, kana = pid.names
    assert (kanji.family, kanji.given, kanji.representation) == ("患者", "太郎", "I")
    assert (kana.family, kana.given, kana.representation) == ("カンジャ", "タロウ", "P")
    assert pid.birth == "19480405"
    assert pid.sex == "M"
    assert pid.addresses[0].zip == "422-8033"
    assert pid.addresses[0].text == "静岡県静岡市登呂１−３−５"
    assert [p.number for p in pid.home_phones] == ["054-000-0000", "03-5999-9999"]


def test_header_fields(sample_files: dict[str, Path]) -> None:
    msg = parse_message(sample_files["OMP-01"].read_bytes(), "omp01")
    assert msg.message_type == "RDE^O11"
    assert msg.msh.message_type.structure == "RDE_O11"
    assert msg.msh.control_id == "20110701000001"
    assert msg.msh.timestamp == "20110701224603.984"
    assert msg.msh.sending_facility.namespace == "SEND"


def test_repetitions_components_and_subcomponents(sample_files: dict[str, Path]) -> None:
    msg = parse_message(sample_files["OMP-01"].read_bytes(), "omp01")
    rxe = msg.all(RXE)[0]
    assert (rxe.give_code.code, rxe.give_code.text, rxe.give_code.system) == (
        "108665201",
        "ダーゼン錠（５mg)",
        "HOT9",
    )
    assert [c.code for c in rxe.dispensing_instructions] == ["OHP", "OHI"]
    assert rxe.daily_dose.quantity == "3"
    assert (rxe.daily_dose.unit.code, rxe.daily_dose.unit.text) == ("TAB", "錠")
    tq1 = msg.all(TQ1)[0]
    usage = tq1.repeat[0].pattern
    assert (usage.code, usage.system) == ("1013044400000000", "JAMISDP01")
    assert usage.text == "内服・経口・１日３回朝昼夕食後"
    assert (tq1.duration.quantity, tq1.duration.unit.code) == ("5", "d")


def test_segment_positions_name_occurrence_and_line(sample_files: dict[str, Path]) -> None:
    msg = parse_message(sample_files["OML-11"].read_bytes(), "oml11")
    third = msg.all(OBX)[2]
    assert third.pos.label == "OBX[3]"
    assert third.pos.line == 9
    assert third.code.text == "アルブミン"
    loc = msg.location(third.pos, "OBX-5")
    assert (loc.segment, loc.field, loc.line, loc.record) == (
        "OBX[3]",
        "OBX-5",
        9,
        "20111220131032",
    )


def test_unknown_segments_are_kept_raw(sample_files: dict[str, Path]) -> None:
    msg = parse_message(sample_files["PPR-01"].read_bytes(), "ppr01")
    raw = [s for s in msg.segments if isinstance(s, RawSegment)]
    assert [s.name for s in raw] == ["ZI1"]
    assert raw[0].fields[3] == "1130012"
    prb = msg.first(PRB)
    assert isinstance(prb, PRB)
    assert (prb.classification.code, prb.classification.alt_text) == ("K297", "外来時")


@pytest.mark.parametrize("ending", ["\r\n", "\n"])
def test_crlf_and_lf_line_ends(sample_files: dict[str, Path], ending: str) -> None:
    original = sample_files["OMP-01"].read_bytes()
    converted = original.replace(b"\r", ending.encode())
    a = parse_message(original, "cr")
    b = parse_message(converted, "other")
    assert [type(s).__name__ for s in a.segments] == [type(s).__name__ for s in b.segments]
    assert a.all(RXE) == b.all(RXE)


def test_mixed_line_ends(sample_files: dict[str, Path]) -> None:
    original = sample_files["ADT-00"].read_bytes()
    parts = original.split(b"\r")
    mixed = b"\r".join(parts[:3]) + b"\r\n" + b"\n".join(parts[3:])
    assert parse_message(mixed, "mixed").all(IN1) == parse_message(original, "cr").all(IN1)


def test_utf8_declared_in_msh18(sample_files: dict[str, Path]) -> None:
    text = _text(sample_files["ADT-00"]).replace("~ISO IR87", "UNICODE UTF-8")
    msg = parse_message(text.encode("utf-8"), "utf8")
    assert msg.charset == "utf-8"
    assert msg.charset_agrees
    pid = msg.first(PID)
    assert isinstance(pid, PID)
    assert pid.names[0].family == "患者"


def test_shift_jis_sniffed_and_flagged_when_msh18_says_iso(sample_files: dict[str, Path]) -> None:
    raw = _text(sample_files["ADT-00"]).encode("cp932")
    msg = parse_message(raw, "sjis")
    assert msg.charset == "cp932"
    assert not msg.charset_agrees  # MSH-18 still says ISO IR87
    pid = msg.first(PID)
    assert isinstance(pid, PID)
    assert pid.names[1].family == "カンジャ"


def test_mllp_framing_is_ignored(sample_files: dict[str, Path]) -> None:
    raw = sample_files["ADT-22"].read_bytes()
    assert raw.endswith(b"\r\x1c")
    framed = b"\x0b" + raw + b"\r"
    assert parse_message(framed, "f").segments == parse_message(raw, "g").segments


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (r"a\F\b", "a|b"),
        (r"a\S\b\T\c\R\d\E\e", "a^b&c~d\\e"),
        (r"line1\.br\line2", "line1\nline2"),
        (r"x\X0D0A\y", "x\r\ny"),
        (r"\H\bold\N\ text", "bold text"),
        ("trailing \\", "trailing \\"),
        (r"\Q\ unknown", r"\Q\ unknown"),
        ("no escapes", "no escapes"),
    ],
)
def test_unescape(raw: str, expected: str) -> None:
    assert unescape(raw) == expected


def test_escape_round_trip_with_other_delimiters() -> None:
    delims = Delimiters("#", ":", "*", "!", "$")
    value = "a#b:c*d!e$f\rg"
    written = escape(value, delims)
    assert not any(c in written for c in "#:*$\r")
    assert unescape(written, delims) == value


def test_custom_delimiters_are_honoured() -> None:
    raw = b"MSH#:*!$#APP#FAC#####ADT:A08#1#P#2.5\rPID#1##42:::::PI##A!T!b:C\r"
    msg = parse_message(raw, "custom")
    pid = msg.first(PID)
    assert isinstance(pid, PID)
    assert pid.identifiers[0].id == "42"
    assert (pid.names[0].family, pid.names[0].given) == ("A$b", "C")
    assert msg.delimiters.component == ":"


def test_truncated_inside_kanji_run_names_the_line(sample_files: dict[str, Path]) -> None:
    raw = sample_files["ADT-00"].read_bytes()
    cut = raw.index(b"\x1b$B", raw.index(b"PID")) + 5  # ESC $ B and one kanji
    with pytest.raises(ParseError) as err:
        parse_message(raw[:cut], "cut")
    assert "truncated" in err.value.reason
    assert err.value.location.line == 3  # the PID line
    assert err.value.location.file == "cut"


def test_truncated_mid_character(sample_files: dict[str, Path]) -> None:
    raw = sample_files["ADT-00"].read_bytes()
    cut = raw.index(b"\x1b$B", raw.index(b"PID")) + 4  # half a kanji
    with pytest.raises(ParseError) as err:
        parse_message(raw[:cut], "half")
    assert err.value.location.line == 3


def test_truncated_header_names_msh9() -> None:
    with pytest.raises(ParseError) as err:
        parse_message(b"MSH|^~\\&|HIS123|SEND|GW|RCV|2011", "short")
    assert (err.value.location.segment, err.value.location.field) == ("MSH[1]", "MSH-9")


def test_broken_segment_names_its_line(sample_files: dict[str, Path]) -> None:
    lines = sample_files["OML-11"].read_bytes().split(b"\r")
    lines[5] = b"O?X" + lines[5][3:]
    with pytest.raises(ParseError) as err:
        parse_message(b"\r".join(lines), "broken")
    assert err.value.location.line == 6
    assert "segment id" in err.value.reason


def test_second_msh_is_rejected(sample_files: dict[str, Path]) -> None:
    raw = sample_files["ADT-22"].read_bytes().rstrip(b"\x1c")
    with pytest.raises(ParseError) as err:
        parse_message(raw + raw, "double")
    assert err.value.location.segment == "MSH[2]"


@pytest.mark.parametrize(
    "raw",
    [b"", b"\x00\x01\x02garbage", b"PID|1||x\r", b"MSH", b"MSH|||||\r", b"\xff\xfe\x80\x81"],
)
def test_garbage_is_a_parse_error(raw: bytes) -> None:
    with pytest.raises(ParseError):
        parse_message(raw, "garbage")


def test_undecodable_bytes_name_the_line(sample_files: dict[str, Path]) -> None:
    lines = sample_files["ADT-22"].read_bytes().split(b"\r")
    lines[2] = lines[2] + b"\x80\xff\xfd"
    with pytest.raises(ParseError) as err:
        decode(b"\r".join(lines), "bad-bytes")
    assert err.value.location.line == 3
    assert "cannot be decoded" in err.value.reason


@pytest.mark.parametrize(
    ("hl7", "fhir"),
    [
        ("20111220", "2011-12-20"),
        ("201112", "2011-12"),
        ("2011", "2011"),
        ("201112202100", "2011-12-20T21:00:00+09:00"),
        ("20111220224447.3399", "2011-12-20T22:44:47.3399+09:00"),
        ("20111220224447+0000", "2011-12-20T22:44:47+00:00"),
        ("2011070100", "2011-07-01T00:00:00+09:00"),
        ("20110230", None),
        ("20111320", None),
        ("201112202460", None),
        ("0000", None),
        ("abc", None),
    ],
)
def test_dates(hl7: str, fhir: str | None) -> None:
    assert dates.to_datetime(hl7) == fhir


def test_storage_timestamp() -> None:
    assert dates.storage_timestamp("20111220224447.3399") == "20111220224447339"
    assert dates.storage_timestamp("201112202100") == "20111220210000000"
    assert dates.storage_timestamp("garbage") is None


def test_standard_delimiters() -> None:
    assert STANDARD.encoding_characters == "^~\\&"
    assert isinstance(parse_message(b"MSH|^~\\&|A|B|C|D|2024||ADT^A08|1|P|2.5\r", "m").msh, MSH)
