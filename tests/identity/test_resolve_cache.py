"""The cache that resolves a group's patients: it answers as the database does, also after
keys, Patients and persons changed in the same transaction."""

from __future__ import annotations

from typing import Any

import pytest
from tests.identity.support import FACILITY_A, FACILITY_B, ingest, patient

from kizuna.fhir import writes
from kizuna.identity import persons
from kizuna.identity.cache import ResolveCache
from kizuna.identity.keys import link_keys
from kizuna.identity.resolve import resolve_patient
from kizuna.store import resources as sql
from kizuna.store.db import Database, Tx

HOME = {"address": "島根県松江市殿町1", "postal": "690-8501", "phone": "0852-22-5111"}
MEMBER = "01130012:7:8:01"


def test_an_empty_cache_answers_as_the_database(db: Database) -> None:
    known = patient(kanji="青木 修", birth="1950-01-01", sex="male", local=(FACILITY_A, "1"))
    patient_id = ingest(db, known, "r1")
    unknown = patient(kanji="黒田 茂", birth="1960-02-02", local=(FACILITY_A, "2"))
    with db.read() as tx:
        cache = ResolveCache()
        cache.prefetch(tx, [link_keys(known), link_keys(unknown)])
        assert cache.owners(tx, link_keys(known) + link_keys(unknown)) == {
            link_keys(known)[0]: patient_id
        }
        stored = cache.stored_patient(tx, patient_id)
        assert stored is not None and stored["name"][0]["text"] == "青木 修"
        assert stored is not cache.stored_patient(tx, patient_id)  # a copy each time
        assert cache.person_of(tx, patient_id) == persons.person_of(tx, patient_id)
        new_id = cache.patient_for(tx, link_keys(unknown))
        assert new_id != patient_id
        assert cache.stored_patient(tx, new_id) is None and cache.person_of(tx, new_id) is None


def test_keys_and_patients_written_in_the_transaction_are_seen(db: Database) -> None:
    candidate = patient(kanji="小林 直樹", birth="1975-10-12", local=(FACILITY_A, "1"))
    with db.transaction() as tx:
        cache = ResolveCache()
        cache.prefetch(tx, [link_keys(candidate)])
        first = resolve_patient(tx, candidate, cache)
        assert first.created and first.write is not None
        assert cache.owners(tx, link_keys(candidate)) == {link_keys(candidate)[0]: first.patient_id}
        cache.written(writes.apply(tx, [first.write]))
        assert cache.stored_patient(tx, first.patient_id) == ResolveCache().stored_patient(
            tx, first.patient_id
        )
        again = resolve_patient(tx, candidate, cache)
    assert not again.created and again.write is None and again.person_id == first.person_id


def test_persons_linked_by_a_shared_key_are_read_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KIZUNA_IDENTITY_MATCH", "queue")  # only the shared key links them
    chart = patient(kanji="佐藤 花子", birth="1960-02-03", sex="female", local=(FACILITY_A, "42"))
    card = patient(kanji="佐藤 花子", birth="1960-02-03", sex="female", member=MEMBER)
    both = patient(
        kanji="佐藤 花子", birth="1960-02-03", sex="female", local=(FACILITY_A, "42"), member=MEMBER
    )
    a, b = ingest(db, chart, "r1"), ingest(db, card, "r2")
    with db.transaction() as tx:
        assert persons.person_of(tx, a) != persons.person_of(tx, b)
        cache = ResolveCache()
        cache.prefetch(tx, [link_keys(chart), link_keys(card), link_keys(both)])
        assert resolve_patient(tx, chart, cache).person_id == persons.person_of(tx, a)
        assert resolve_patient(tx, card, cache).person_id == persons.person_of(tx, b)
        linked = resolve_patient(tx, both, cache)
        assert linked.conflicts
        after = {resolve_patient(tx, c, cache).person_id for c in (chart, card)}
        assert after == {persons.person_of(tx, a)} == {persons.person_of(tx, b)}


def test_an_auto_link_made_by_matching_is_read_again(db: Database) -> None:
    first = patient(
        kanji="髙橋 一郎",
        kana="ﾀｶﾊｼ ｲﾁﾛｳ",
        birth="1961-05-20",
        sex="male",
        local=(FACILITY_A, "11"),
        **HOME,
    )
    second = patient(
        kanji="高橋 一郎",
        kana="タカハシ イチロウ",
        birth="1961-05-20",
        sex="male",
        local=(FACILITY_B, "77"),
        phone="0852225111",
    )
    a = ingest(db, first, "r1", "ssmix2")
    with db.transaction() as tx:
        cache = ResolveCache()
        cache.prefetch(tx, [link_keys(first), link_keys(second)])
        before = resolve_patient(tx, first, cache).person_id
        b = resolve_patient(tx, second, cache)
        assert b.created and b.person_id == persons.person_of(tx, b.patient_id)
        assert persons.person_of(tx, a) == b.person_id  # auto-linked on ingest
        again = resolve_patient(tx, first, cache).person_id
    assert before is not None and again == b.person_id != before  # the first one moved


def test_a_planned_patient_is_merged_into_until_it_is_written(db: Database) -> None:
    candidate = patient(kanji="小林 直樹", birth="1975-10-12", local=(FACILITY_A, "1"))
    with_phone = {**candidate, "telecom": [{"system": "phone", "value": "0852-22-5111"}]}
    with db.transaction() as tx:
        cache = ResolveCache()
        first = resolve_patient(tx, candidate, cache)
        assert first.write is not None
        cache.planned(first.write.resource)
        assert cache.stored_patient(tx, first.patient_id) == first.write.resource
        assert cache.stored_version(tx, first.patient_id) is None  # known once written
        second = resolve_patient(tx, with_phone, cache)
        assert second.write is not None and not second.created
        assert second.write.resource["name"] == first.write.resource["name"]
        outcomes = writes.apply(tx, [first.write])
        unchanged = [writes.Outcome(o.key, o.version, o.last_updated, 200, False) for o in outcomes]
        cache.planned(second.write.resource)
        cache.written(unchanged)  # a planned Patient not written after all: read it again
        assert cache.stored_patient(tx, first.patient_id) == ResolveCache().stored_patient(
            tx, first.patient_id
        )
        assert cache.stored_version(tx, first.patient_id) == 1


def test_forgotten_persons_are_read_again_in_one_query(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [
        patient(kanji="青木 修", birth="1950-01-01", sex="male", local=(FACILITY_A, "1")),
        patient(kanji="黒田 茂", birth="1960-02-02", sex="male", local=(FACILITY_A, "2")),
        patient(kanji="森 京子", birth="1970-03-03", sex="female", local=(FACILITY_B, "3")),
    ]
    ids = [ingest(db, p, f"r{i}") for i, p in enumerate(people)]
    reads: list[list[str]] = []
    real = sql.rows_by_values

    def counted(tx: Tx, table: str, columns: Any, column: str, values: Any) -> Any:
        if table == "identity_links":
            reads.append(list(values))
        return real(tx, table, columns, column, values)

    monkeypatch.setattr(sql, "rows_by_values", counted)
    with db.transaction() as tx:
        cache = ResolveCache()
        cache.prefetch(tx, [link_keys(p) for p in people])
        assert reads == [ids]
        keep, gone = (persons.person_of(tx, i) for i in ids[:2])
        assert keep is not None and gone is not None and keep != gone
        persons.merge(tx, keep, gone, "test")
        cache.forget_persons()
        found = [cache.person_of(tx, i) for i in ids]
        assert found == [persons.person_of(tx, i) for i in ids]
        assert found[0] == found[1] == keep != found[2]
    assert len(reads) == 2 and sorted(reads[1]) == sorted(ids)  # one query for all three


def test_a_candidate_that_changed_nothing_is_not_merged_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SS-MIX2 patient's next message names the patient as the last one did: it is
    answered without a merge, as the merge would answer. A candidate that says something
    new, or a Patient changed since, is merged as before."""
    from kizuna.identity import cache as cache_module
    from kizuna.identity import resolve

    monkeypatch.setattr(cache_module, "_UNCHANGED", set())
    candidate = patient(kanji="森 真一", birth="1980-05-05", sex="male", local=(FACILITY_A, "7"))
    moved = {**candidate, "telecom": [{"system": "phone", "value": "0852-22-5111"}]}
    merges: list[str] = []
    merge = resolve.merge_patient

    def counted(stored: Any, new: dict[str, Any], patient_id: str) -> dict[str, Any]:
        merges.append(patient_id)
        return merge(stored, new, patient_id)

    monkeypatch.setattr(resolve, "merge_patient", counted)
    with db.transaction() as tx:
        cache = ResolveCache()
        first = resolve_patient(tx, candidate, cache)
        cache.written(writes.apply(tx, [first.write]))  # type: ignore[list-item]
        second = resolve_patient(tx, candidate, cache)  # merged: changed nothing
        third = resolve_patient(tx, dict(candidate), cache)  # an equal candidate: no merge
        assert len(merges) == 2
        assert (third.patient_id, third.created, third.write, third.person_id) == (
            second.patient_id,
            False,
            None,
            persons.person_of(tx, first.patient_id),
        )
        assert third.linked_by == second.linked_by == link_keys(candidate)[0]
        fourth = resolve_patient(tx, moved, cache)  # says something new: merged
        assert fourth.write is not None and len(merges) == 3
        assert fourth.write.resource["telecom"] == moved["telecom"]
        cache.written(writes.apply(tx, [fourth.write]))
        fifth = resolve_patient(tx, candidate, cache)  # the Patient changed since: merged
        assert len(merges) == 4 and fifth.write is None
    with db.transaction() as tx:  # next month's receipt, in another group
        sixth = resolve_patient(tx, dict(candidate), ResolveCache())
        assert len(merges) == 4  # merged into this Patient, as it is, without changing it
        seventh = resolve_patient(tx, moved, ResolveCache())
        assert len(merges) == 5  # changed the Patient when it merged: not into this one
        eighth = resolve_patient(tx, moved, ResolveCache())
        assert len(merges) == 5
    assert (sixth.write, seventh.write, eighth.write) == (None, None, None)
    assert sixth.patient_id == seventh.patient_id == eighth.patient_id == first.patient_id
    assert sixth.person_id == eighth.person_id == fourth.person_id


def test_the_memory_of_unchanged_merges_is_bounded(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kizuna.identity import cache as cache_module

    remembered: set[tuple[str, bytes, bytes]] = set()
    monkeypatch.setattr(cache_module, "_UNCHANGED", remembered)
    monkeypatch.setattr(cache_module, "UNCHANGED_LIMIT", 2)
    sizes = []
    with db.transaction() as tx:
        for number in range(5):
            candidate = patient(kanji="森 真一", birth="1980-05-05", local=(FACILITY_A, "7"))
            candidate["telecom"] = [{"system": "phone", "value": f"0852-22-511{number}"}]
            cache = ResolveCache()
            first = resolve_patient(tx, candidate, cache)
            cache.written(writes.apply(tx, [first.write]))  # type: ignore[list-item]
            resolve_patient(tx, candidate, cache)  # merged unchanged: remembered
            sizes.append(len(remembered))
    assert sizes == [1, 2, 1, 2, 1]  # starts afresh when full
