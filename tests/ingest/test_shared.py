"""Shared resources (facilities, practitioners, payers) are the join of what every source
says about them, whatever order the sources arrive in."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kizuna.fhir.writes import content_hash
from kizuna.ingest.pipeline import Pipeline
from kizuna.ingest.shared import canonical, covers, join, merged
from kizuna.store.db import Database
from kizuna.store.migrate import upgrade
from kizuna.synth.config import SynthConfig
from kizuna.synth.generate import generate

# --- the join itself -------------------------------------------------------------------

_text = st.sampled_from(["", "a", "b", "東京病院", "03-1234-5678", "work"])
_coding = st.fixed_dictionaries(
    {"system": st.sampled_from(["urn:a", "urn:b"]), "code": st.sampled_from(["1", "2"])},
    optional={"display": _text},
)
_contact = st.fixed_dictionaries(
    {"system": st.sampled_from(["phone", "fax"]), "value": _text}, optional={"use": _text}
)
_organization = st.fixed_dictionaries(
    {"resourceType": st.just("Organization"), "id": st.just("o1")},
    optional={
        "name": _text,
        "active": st.booleans(),
        "alias": st.lists(_text, max_size=2),
        "telecom": st.lists(_contact, max_size=3),
        "type": st.lists(
            st.fixed_dictionaries({"coding": st.lists(_coding, max_size=2)}), max_size=2
        ),
        "address": st.lists(
            st.fixed_dictionaries(
                {},
                optional={"text": _text, "postalCode": _text, "line": st.lists(_text, max_size=2)},
            ),
            max_size=2,
        ),
    },
)


@settings(max_examples=300, deadline=None)
@given(_organization, _organization, _organization)
def test_join_ignores_order_and_repetition(a: Any, b: Any, c: Any) -> None:
    assert _bytes(join(a, b)) == _bytes(join(b, a))
    assert _bytes(join(join(a, b), c)) == _bytes(join(a, join(b, c)))
    ab = join(a, b)
    assert _bytes(join(ab, a)) == _bytes(ab) == _bytes(join(ab, b))


@settings(max_examples=300, deadline=None)
@given(_organization, _organization)
def test_the_join_says_what_both_say_where_they_agree(a: Any, b: Any) -> None:
    both = join(a, b)
    for key in a.keys() - b.keys():
        assert covers(both[key], canonical(a[key])), key
    for key in a.keys() & b.keys():
        if isinstance(a[key], list) and all(isinstance(x, dict) for x in a[key] + b[key]):
            assert covers(both[key], canonical(a[key])) and covers(both[key], canonical(b[key]))
        elif a[key] == b[key]:
            assert both[key] == canonical(a[key])
        else:
            assert both[key] in (canonical(a[key]), canonical(b[key]))


@settings(max_examples=200, deadline=None)
@given(st.lists(_organization, min_size=1, max_size=4))
def test_what_is_stored_depends_only_on_the_set_of_descriptions(said: list[Any]) -> None:
    results = set()
    for order in itertools.permutations(said):
        stored = None
        for one in order:  # one unit after another, each seeing what the last stored
            stored = merged(stored, [one]) or stored
        results.add(_bytes(stored))
        results.add(_bytes(merged(None, list(order))))
    assert len(results) == 1


def test_a_fuller_contact_covers_the_bare_one_and_the_longer_name_wins() -> None:
    receipt = {
        "resourceType": "Organization",
        "id": "o1",
        "identifier": [{"system": "urn:fac", "value": "1312345678"}],
        "name": "東京病院",
        "telecom": [{"system": "phone", "value": "03-1234-5678"}],
    }
    notebook = {
        "resourceType": "Organization",
        "id": "o1",
        "name": "医療法人 東京病院",
        "telecom": [{"system": "phone", "value": "03-1234-5678", "use": "work"}],
        "address": [{"text": "東京都千代田区"}],
    }
    assert join(receipt, notebook) == {
        "resourceType": "Organization",
        "id": "o1",
        "address": [{"text": "東京都千代田区"}],
        "identifier": [{"system": "urn:fac", "value": "1312345678"}],
        "name": "医療法人 東京病院",
        "telecom": [{"system": "phone", "use": "work", "value": "03-1234-5678"}],
    }


def test_an_unchanged_or_covered_description_writes_nothing() -> None:
    stored = {"resourceType": "Organization", "id": "o1", "meta": {"versionId": "3"}, "name": "A"}
    assert merged(stored, [{"resourceType": "Organization", "id": "o1", "name": "A"}]) is None
    bare = {"resourceType": "Organization", "id": "o1", "name": "A", "telecom": [{"value": "1"}]}
    full = merged(None, [bare, {**bare, "telecom": [{"value": "1", "use": "work"}]}])
    assert full is not None and merged({**full, "meta": {"versionId": "2"}}, [bare]) is None


def _bytes(value: Any) -> bytes:
    return orjson.dumps(value)


# --- through the pipeline ----------------------------------------------------------------

FORMATS = ("uke", "jahis-tc", "ssmix2")


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth-shared")
    generate(SynthConfig(12, 5, root, workers=1))
    return root


def _shared(url: str) -> dict[tuple[str, str], dict[str, Any]]:
    db = Database(url)
    try:
        with db.read() as tx:
            rows = tx.fetchall(
                "SELECT res_type, res_id, content FROM resources WHERE deleted = 0 AND patient_key IS NULL"
            )
    finally:
        db.close()
    out = {}
    for res_type, res_id, content in rows:
        resource = orjson.loads(content)
        resource.pop("meta", None)
        out[(res_type, res_id)] = resource
    return out


def _ingest(url: str, folders: list[Path]) -> None:
    upgrade(url)
    db = Database(url)
    for folder in folders:  # one folder after another: this order, not the registry's
        Pipeline(db).ingest_paths([folder])
    db.close()


def test_facilities_named_by_several_formats_join_in_any_order(
    population: Path, tmp_path: Path
) -> None:
    folders = [population / name for name in FORMATS]
    forward, backward = f"sqlite:///{tmp_path / 'f.sqlite3'}", f"sqlite:///{tmp_path / 'b.sqlite3'}"
    _ingest(forward, folders)
    _ingest(backward, folders[::-1])
    joined = _shared(forward)
    assert {k: content_hash(v) for k, v in joined.items()} == {
        k: content_hash(v) for k, v in _shared(backward).items()
    }

    alone: dict[str, dict[tuple[str, str], dict[str, Any]]] = {}
    for name in FORMATS:
        url = f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
        _ingest(url, [population / name])
        alone[name] = _shared(url)
    described_twice = 0
    for key, resource in joined.items():
        said = [alone[name][key] for name in FORMATS if key in alone[name]]
        assert said, key  # nothing appears that no source said
        for one in said:
            _assert_says_all(resource, one, said)
        described_twice += len(said) > 1
    assert described_twice > 0  # the population has facilities several formats name


def _assert_says_all(
    joined: dict[str, Any], one: dict[str, Any], said: list[dict[str, Any]]
) -> None:
    """Everything one source said is in the joined resource; where sources disagreed on a
    value (a name, say), the joined one is a value some source gave."""
    assert joined.keys() >= one.keys()
    for key, value in one.items():
        if isinstance(value, list) and all(isinstance(x, dict) for x in value):
            assert covers(joined[key], canonical(value)), key
        else:
            assert joined[key] in [canonical(s[key]) for s in said if key in s], key


# --- two workers describing one facility at once ------------------------------------------


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # concurrent writers
def test_a_facility_another_worker_stores_first_is_joined_not_overwritten(
    db: Database, database_url: str
) -> None:
    """This worker read no Organization, then another worker stored its description of
    the same facility and committed before this one wrote: the write must fail as a
    conflict (the group is tried again and joins both), not replace the other's words."""
    from kizuna.fhir import writes
    from kizuna.ingest.pipeline import _is_conflict, _shared_writes

    code = {
        "system": "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no",
        "value": "1310100019",
    }
    from_receipt = {
        "resourceType": "Organization",
        "id": "fac-1310100019",
        "identifier": [code],
        "name": "絆クリニック",
        "telecom": [{"system": "phone", "value": "03-1234-5678"}],
    }
    from_ssmix2 = {
        "resourceType": "Organization",
        "id": "fac-1310100019",
        "identifier": [code],
        "type": [{"text": "病院"}],
    }
    other = Database(database_url)
    try:
        with db.transaction() as tx:
            planned = _shared_writes(tx, [writes.Put(from_ssmix2)])
            with other.transaction() as theirs:  # the other worker commits first
                writes.apply(theirs, [writes.Put(from_receipt)])
            with pytest.raises(writes.FhirError) as raised:
                writes.apply(tx, planned)
        assert _is_conflict(raised.value)
        with db.transaction() as tx:  # the group's next try joins both descriptions
            assert [
                o.status for o in writes.apply(tx, _shared_writes(tx, [writes.Put(from_ssmix2)]))
            ] == [200]
        with db.read() as tx:
            row = tx.fetchone(
                "SELECT version, content FROM resources WHERE res_type = 'Organization'"
                " AND res_id = 'fac-1310100019'"
            )
    finally:
        other.close()
    assert row is not None and row[0] == 2
    stored = orjson.loads(row[1])
    assert stored["name"] == "絆クリニック"
    assert stored["telecom"] == [{"system": "phone", "value": "03-1234-5678"}]
    assert stored["type"] == [{"text": "病院"}]
    assert stored["identifier"] == [code]


# --- a group that repeats a description ----------------------------------------------------


def test_a_description_repeated_in_a_group_is_joined_as_once(db: Database) -> None:
    """Fifty receipts of one clinic name it fifty times: the group writes the join of the
    distinct descriptions, the same as if each had been said once."""
    from kizuna.fhir import writes
    from kizuna.ingest.pipeline import _shared_writes

    code = {"system": "urn:oid:1.2.392.100495.20.3.23", "value": "1310100019"}
    named = {"resourceType": "Organization", "id": "fac-1", "identifier": [code], "name": "絆"}
    typed = {
        "resourceType": "Organization",
        "id": "fac-1",
        "identifier": [code],
        "type": [{"text": "病院"}],
    }
    with db.transaction() as tx:
        once = _shared_writes(tx, [writes.Put(named), writes.Put(typed)])
        repeated = _shared_writes(tx, [writes.Put(r) for r in [named, typed, named, named, typed]])
        alone = _shared_writes(tx, [writes.Put(named) for _ in range(3)])
    assert len(repeated) == 1 and isinstance(repeated[0], writes.Put)
    assert repeated[0].resource == once[0].resource == join(named, typed)  # type: ignore[union-attr]
    assert repeated[0].resource["name"] == "絆" and repeated[0].resource["type"] == [
        {"text": "病院"}
    ]
    assert [op.resource for op in alone] == [named]  # type: ignore[union-attr]
    assert alone[0].must_create  # type: ignore[union-attr]
