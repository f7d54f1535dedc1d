"""Property tests: damaged real input gives results or the parser's own errors, never a crash;
typed records → writer → parser gives back the same records, for 医科 and 調剤 files."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kizuna.codes.masters import Masters
from kizuna.fhir.validation import errors_only, validate
from kizuna.ingest.base import _NAMESPACE, Failure, IngestError, Unit, stable_id
from kizuna.ingest.uke import records as med
from kizuna.ingest.uke import records_pharmacy as pha
from kizuna.ingest.uke.adapter import UkeAdapter
from kizuna.ingest.uke.ids import IdMaker
from kizuna.ingest.uke.parser import parse_bytes
from kizuna.ingest.uke.schema import DAY_COUNT, Kind
from kizuna.ingest.uke.writer import file_records, write_records

QUICK = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(scope="module")
def sample_head(sample_bytes: bytes) -> bytes:
    """The sample's header and first three receipts, closed by its GO trailer."""
    lines = sample_bytes.split(b"\r\n")
    starts = [i for i, line in enumerate(lines) if line.startswith(b"RE,")]
    trailer = next(line for line in lines if line.startswith(b"GO,"))
    return b"\r\n".join([*lines[: starts[3]], trailer, b""])


def _mutate(data: bytes, draw: Any) -> bytes:
    operation = draw(st.sampled_from(["replace", "delete", "insert", "truncate", "duplicate"]))
    at = draw(st.integers(0, max(len(data) - 1, 0)))
    if operation == "replace":
        chunk = draw(st.binary(min_size=1, max_size=4))
        return data[:at] + chunk + data[at + len(chunk) :]
    if operation == "delete":
        return data[:at] + data[at + draw(st.integers(1, 40)) :]
    if operation == "insert":
        chunk = draw(
            st.sampled_from([b",", b"\r\n", b"\x1a", b"\x82", b"RE,", b"GO,", b"\xff"])
            | st.binary(min_size=1, max_size=6)
        )
        return data[:at] + chunk + data[at:]
    if operation == "truncate":
        return data[:at]
    lines = data.split(b"\r\n")
    pick = draw(st.integers(0, len(lines) - 1))
    return b"\r\n".join([*lines[: pick + 1], lines[pick], *lines[pick + 1 :]])


@QUICK
@given(st.data())
def test_mutated_sample_never_crashes(
    sample_head: bytes, shipped_masters: Masters, data: st.DataObject
) -> None:
    damaged = sample_head
    for _ in range(data.draw(st.integers(1, 3))):
        damaged = _mutate(damaged, data.draw)
    try:
        parse_bytes(damaged, "m.UKE")
    except IngestError as exc:
        assert exc.location.file == "m.UKE"
    for item in UkeAdapter(shipped_masters).read_bytes(damaged, "m.UKE"):
        assert isinstance(item, Unit | Failure)
        if isinstance(item, Failure):
            assert not item.reason.startswith("internal error"), item.reason
            assert item.location.file == "m.UKE"
            continue
        for resource in item.resources:
            assert not errors_only(validate(resource)), resource["resourceType"]


# --- writer → parser round trips -------------------------------------------------------

_TEXT_CHARS = "ABCxyz019-.　テストハンヨウｱｲｳﾞ汎用病院太郎花子錠ｍｇ（）％・"
_TEXT = st.text(alphabet=_TEXT_CHARS, min_size=1, max_size=10)
_DATES = st.dates(dt.date(1868, 1, 1), dt.date(2099, 12, 31))


def _decimal() -> st.SearchStrategy[Decimal]:
    return st.builds(
        lambda whole, frac: Decimal(f"{whole}.{frac}" if frac else str(whole)),
        st.integers(0, 99999),
        st.sampled_from(["", "5", "25", "125", "00001"]),
    )


def _value(kind: Kind) -> st.SearchStrategy[Any]:
    if kind is Kind.DAYS:
        day = st.none() | st.integers(1, 99)
        return st.tuples(*[day] * DAY_COUNT)
    strategy: st.SearchStrategy[Any] = {
        Kind.TEXT: _TEXT,
        Kind.CODE: st.text(alphabet="0123456789ABZaz", min_size=1, max_size=10),
        Kind.INT: st.integers(0, 10**9),
        Kind.DECIMAL: _decimal(),
        Kind.DATE: _DATES,
        Kind.MONTH: _DATES.map(lambda d: d.replace(day=1)),
    }[kind]
    return st.none() | strategy


def _record(cls: type) -> st.SearchStrategy[Any]:
    values = st.tuples(*[_value(col.kind) for col in cls.COLUMNS])
    extra = st.lists(st.just("") | _TEXT, max_size=2).map(tuple)
    return st.builds(lambda v, e: cls(0, *v, e), values, extra)


def _other(types: frozenset[str]) -> st.SearchStrategy[med.OtherRecord]:
    columns = st.lists(st.just("") | _TEXT, max_size=5).map(tuple)
    return st.builds(med.OtherRecord, st.sampled_from(sorted(types)), st.just(0), columns)


_MEDICAL_BODY = st.one_of(
    *[
        _record(cls)
        for cls in (
            med.HORecord,
            med.KORecord,
            med.SNRecord,
            med.JDRecord,
            med.MFRecord,
            med.SYRecord,
            med.SIRecord,
            med.MedicalIYRecord,
            med.MedicalTORecord,
            med.CORecord,
            med.SJRecord,
        )
    ],
    _other(med.MEDICAL_OPAQUE_TYPES),
)
_PHARMACY_BODY = st.one_of(
    *[
        _record(cls)
        for cls in (
            med.HORecord,
            med.KORecord,
            med.SNRecord,
            med.JDRecord,
            med.MFRecord,
            pha.SHRecord,
            pha.CZRecord,
            pha.PharmacyIYRecord,
            pha.PharmacyTORecord,
        )
    ],
    _other(pha.PHARMACY_OPAQUE_TYPES),
)


def _file(header: type, head: type, body: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
    receipt = st.builds(lambda re, rest: [re, *rest], _record(head), st.lists(body, max_size=6))
    return st.builds(
        lambda h, receipts, go: [h, *(r for rs in receipts for r in rs), go],
        _record(header),
        st.lists(receipt, min_size=1, max_size=3),
        _record(med.GORecord),
    )


def _numbered(records: list[Any]) -> list[Any]:
    return [dataclasses.replace(r, line=i) for i, r in enumerate(records, start=1)]


@settings(max_examples=150, deadline=None)
@given(_file(med.IRRecord, med.MedicalRERecord, _MEDICAL_BODY), st.booleans(), st.booleans())
def test_medical_round_trip(records: list[Any], era_dates: bool, eof: bool) -> None:
    records = _numbered(records)
    data = write_records(records, era_dates=era_dates, eof=eof)
    assert file_records(parse_bytes(data, "w.UKE")) == records


@settings(max_examples=150, deadline=None)
@given(_file(pha.YKRecord, pha.PharmacyRERecord, _PHARMACY_BODY), st.booleans())
def test_pharmacy_round_trip(records: list[Any], era_dates: bool) -> None:
    records = _numbered(records)
    data = write_records(records, era_dates=era_dates)
    assert file_records(parse_bytes(data, "w.CYO")) == records


@given(st.lists(st.text(max_size=8) | st.integers() | st.dates(), max_size=5))
def test_ids_are_the_uuid5_of_the_joined_parts(parts: list[Any]) -> None:
    expected = uuid.uuid5(_NAMESPACE, "\x1f".join(str(p) for p in parts))
    assert stable_id(*parts) == str(expected)


@given(
    st.lists(st.text(max_size=8), min_size=1, max_size=3),
    st.lists(st.text(max_size=8) | st.integers(), min_size=1, max_size=4),
)
def test_prefixed_ids_equal_the_shared_ids(prefix: list[str], parts: list[Any]) -> None:
    assert IdMaker(*prefix)(*parts) == stable_id(*prefix, *parts)
