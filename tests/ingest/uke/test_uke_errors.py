"""Corrupt input: each damage becomes one Failure naming the place; the rest still maps."""

from __future__ import annotations

from kizuna.codes.masters import Masters
from kizuna.ingest.base import Failure, Unit
from kizuna.ingest.uke.adapter import UkeAdapter

NAME = "broken.UKE"


def _lines(sample_bytes: bytes) -> list[bytes]:
    return sample_bytes.split(b"\r\n")


def _run(data: bytes, masters: Masters) -> tuple[list[Unit], list[Failure]]:
    items = list(UkeAdapter(masters).read_bytes(data, NAME))
    units = [i for i in items if isinstance(i, Unit)]
    failures = [i for i in items if isinstance(i, Failure)]
    assert len(units) + len(failures) == len(items)
    return units, failures


def _replace_line(sample_bytes: bytes, number: int, new: bytes) -> bytes:
    lines = _lines(sample_bytes)
    lines[number - 1] = new
    return b"\r\n".join(lines)


def test_bad_date_names_line_record_and_column(
    sample_bytes: bytes, shipped_masters: Masters
) -> None:
    line = _lines(sample_bytes)[4]  # SY,2500013,20210801,... of receipt 1
    data = _replace_line(sample_bytes, 5, line.replace(b"20210801", b"20211331"))
    units, failures = _run(data, shipped_masters)
    assert len(units) == 74
    (failure,) = failures
    assert failure.location.line == 5
    assert failure.location.segment == "SY"
    assert failure.location.field == "SY-3 (診療開始日)"
    assert failure.location.record == "1"
    assert failure.reason == "not a calendar date"
    header, receipt = failure.raw.split(b"\r\n", 1)
    assert header.startswith(b"IR,1,12,1,0000000,")  # kept with its file header for replay
    assert receipt.startswith(b"RE,1,1122,202110,")
    assert "20211331" not in failure.reason


def test_a_padded_code_names_its_column_and_is_not_mapped(
    sample_bytes: bytes, shipped_masters: Masters
) -> None:
    si = _lines(sample_bytes)[7]  # SI,11,2,111000110,... receipt 1
    assert si.startswith(b"SI,11,")
    data = _replace_line(sample_bytes, 8, b"SI, 1," + si[len(b"SI,11,") :])
    units, failures = _run(data, shipped_masters)
    assert len(units) == 74
    (failure,) = failures
    assert failure.location.line == 8
    assert failure.location.field == "SI-2 (診療識別)"
    assert failure.reason == "not a code (letters and digits only)"


def test_too_few_columns(sample_bytes: bytes, shipped_masters: Masters) -> None:
    data = _replace_line(sample_bytes, 3, b"HO,01010016,\x82P")  # truncated after 記号
    units, failures = _run(data, shipped_masters)
    assert len(units) == 74
    (failure,) = failures
    assert failure.location.line == 3
    assert failure.location.field == "HO-4 (被保険者証（手帳）等の番号)"
    assert failure.reason.startswith("too few columns (3)")


def test_truncated_day_columns(sample_bytes: bytes, shipped_masters: Masters) -> None:
    si = _lines(sample_bytes)[7]  # SI,11,2,111000110,... receipt 1
    data = _replace_line(sample_bytes, 8, si[:40])
    units, failures = _run(data, shipped_masters)
    assert len(units) == 74
    assert failures[0].location.segment == "SI"
    assert failures[0].location.field is not None
    assert "算定日情報" in failures[0].location.field


def test_wrong_encoding(sample_bytes: bytes, shipped_masters: Masters) -> None:
    text_line = _lines(sample_bytes)[1].decode("cp932")  # RE of receipt 1
    data = _replace_line(sample_bytes, 2, text_line.encode("utf-8"))
    units, failures = _run(data, shipped_masters)
    assert len(units) == 74
    (failure,) = failures
    assert failure.location.line == 2
    assert failure.reason.startswith("not CP932 text")


def test_garbage_bytes_and_unknown_record(sample_bytes: bytes, shipped_masters: Masters) -> None:
    lines = _lines(sample_bytes)
    lines.insert(10, b"\x00\xff\xfe garbage")
    lines.insert(40, b"ZZ,1,2,3")
    units, failures = _run(b"\r\n".join(lines), shipped_masters)
    assert len(units) == 74
    (failure,) = failures
    assert failure.location.line == 11
    assert failure.reason.startswith("not CP932 text") or "control character" in failure.reason
    third = next(u for u in units if u.source.record == "3")
    unknown = [w for w in third.warnings if w.code == "unknown-record"]
    assert unknown and unknown[0].location.line == 41 and unknown[0].location.segment == "ZZ"


def test_control_character_in_a_name(sample_bytes: bytes, shipped_masters: Masters) -> None:
    line = _lines(sample_bytes)[1].replace("汎用".encode("cp932"), b"\x07")
    units, failures = _run(_replace_line(sample_bytes, 2, line), shipped_masters)
    assert len(units) == 74
    assert failures[0].reason.startswith("control character at position")


def test_truncated_file_keeps_complete_receipts(
    sample_bytes: bytes, shipped_masters: Masters
) -> None:
    cut = sample_bytes[: len(sample_bytes) // 2]
    units, failures = _run(cut, shipped_masters)
    assert len(units) >= 30
    assert len(failures) <= 1  # only the receipt cut in the middle of a line may fail
    for failure in failures:
        assert failure.location.line is not None


def test_record_before_any_receipt_and_missing_header(shipped_masters: Masters) -> None:
    data = "SY,2500013,20210801,1,,,01,\r\nRE,1,1112,202110,基金　太郎,1,19800101".encode("cp932")
    units, failures = _run(data, shipped_masters)
    assert units == []
    assert [f.reason for f in failures] == [
        "record outside any receipt",
        "receipt before any IR/YK header",
    ]


def test_bad_header_fails_each_of_its_receipts(
    sample_bytes: bytes, shipped_masters: Masters
) -> None:
    data = _replace_line(sample_bytes, 1, b"IR,1,12,1,0000000,,,2021AB,00,05012345678")
    units, failures = _run(data, shipped_masters)
    assert units == []
    assert len(failures) == 75
    assert all(f.location.field == "IR-8 (請求年月)" for f in failures)


def test_unusable_facility_code_is_a_mapping_failure(
    sample_bytes: bytes, shipped_masters: Masters
) -> None:
    data = _replace_line(sample_bytes, 1, b"IR,1,99,1,ABCDEFG,,,202111,00,05012345678")
    units, failures = _run(data, shipped_masters)
    assert units == [] and len(failures) == 75
    assert failures[0].reason == "facility code incomplete"
    assert failures[0].location.segment == "IR"
