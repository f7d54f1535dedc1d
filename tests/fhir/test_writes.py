"""What the write engine derives from a resource: its content hash and index table rows."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kizuna.consent.categories import classify
from kizuna.fhir import jpcore
from kizuna.fhir.writes import content_hash, index_rows, text_hash_applies


def _condition(**members: Any) -> dict[str, Any]:
    return {"resourceType": "Condition", "id": "c1", **members}


def test_content_hash_ignores_server_meta_and_source_only() -> None:
    tagged = _condition(meta={"tag": [{"code": "t"}]}, subject={"reference": "Patient/p1"})
    stamped = {
        **tagged,
        "meta": {"versionId": "3", "lastUpdated": "2024", "source": "s", **tagged["meta"]},
    }
    assert content_hash(stamped) == content_hash(tagged)
    bare = _condition(subject={"reference": "Patient/p1"})
    assert content_hash({**bare, "meta": {"versionId": "1"}}) == content_hash(bare)
    assert content_hash(tagged) != content_hash(bare)
    assert content_hash(tagged) != content_hash({**tagged, "subject": {"reference": "Patient/p2"}})


_META_FIELDS = st.sampled_from(["versionId", "lastUpdated", "source", "profile", "tag"])
_METAS = st.one_of(
    st.none(), st.dictionaries(_META_FIELDS, st.text(max_size=3), max_size=3), st.just("x")
)


@given(meta=_METAS, before=st.booleans(), note=st.text(max_size=5), source=st.text(max_size=5))
def test_the_digest_of_the_json_a_writer_made_is_the_content_hash_where_it_applies(
    meta: Any, before: bool, note: str, source: str
) -> None:
    resource: dict[str, Any] = {"resourceType": "Condition", "id": "c1"}
    if meta is not None and before:
        resource["meta"] = meta
    resource["note"] = [{"text": note}]
    if meta is not None and not before:
        resource["meta"] = meta
    digest = hashlib.blake2b(orjson.dumps(resource), digest_size=16).hexdigest()
    if text_hash_applies(resource):  # also once ingestion has added its source
        tagged = {**resource, "meta": {**(resource.get("meta") or {}), "source": source}}
        assert digest == content_hash(resource) == content_hash(tagged)
    else:
        assert meta is not None  # a resource without meta always takes the shortcut
    assert text_hash_applies({**resource, "meta": {"profile": ["p"]}})


@pytest.mark.parametrize(
    ("coding", "expected"),
    [
        ({"system": jpcore.ICD10, "code": "F32.1"}, {"psychiatric"}),
        ({"system": "http://hl7.org/fhir/sid/icd-10", "code": "b20"}, {"hiv-sti"}),
        ({"system": "http://hl7.org/fhir/sid/icd-10", "code": "O0.3"}, {"reproductive"}),
        ({"system": jpcore.YJ_CODE, "code": "1179038F1020"}, {"psychiatric"}),
        ({"system": jpcore.JLAC10, "code": "8C0100000002301"}, {"genetic"}),
        ({"system": "http://snomed.info/sct", "code": "F32"}, set()),
        ({"code": "F32"}, set()),
    ],
)
def test_sensitive_categories_by_code(coding: dict[str, str], expected: set[str]) -> None:
    assert classify(_condition(code={"coding": [coding]})) == expected
    assert classify(_condition(category=[{"coding": [{"code": "x"}, coding]}])) == expected


def test_sensitive_categories_by_label() -> None:
    labelled = _condition(meta={"security": [{"code": "SEX"}, {"code": "PSY"}, {"code": "N"}]})
    assert classify(labelled) == {"reproductive", "psychiatric"}


def test_index_rows_by_table() -> None:
    condition = _condition(
        meta={"lastUpdated": "2024-01-01T00:00:00Z", "security": [{"code": "HIV"}]},
        subject={"reference": "Patient/p1"},
        code={"coding": [{"system": jpcore.ICD10, "code": "F32"}]},
    )
    rows = index_rows("Condition", "c1", "p1", condition)
    head = ("Condition", "c1", "p1")
    assert all(row[:3] == head for table in rows.values() for row in table)
    params = {table: sorted({row[3] for row in table_rows}) for table, table_rows in rows.items()}
    assert "_id" not in params["sp_token"]
    assert params.get("sp_date", []) == []
    assert ("Condition", "c1", "p1", "_sensitivity", "urn:kizuna:sensitivity", "hiv-sti", None) in (
        rows["sp_token"]
    )
    assert ("Condition", "c1", "p1", "subject", "Patient", "p1", None) in rows["sp_reference"]
