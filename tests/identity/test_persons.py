"""Persons: link, unlink and merge keep an append-only history; the review queue."""

from __future__ import annotations

import pytest
from tests.identity.support import FACILITY_A, FACILITY_B, ingest, patient

from kizuna.identity import pairs, persons, review
from kizuna.identity.resolve import resolve_patient
from kizuna.store.db import Database


def _three(db: Database) -> tuple[str, str, str]:
    """Three unrelated patients, each a person of its own."""
    a = ingest(
        db, patient(kanji="青木 修", birth="1950-01-01", sex="male", local=(FACILITY_A, "1")), "r1"
    )
    b = ingest(
        db, patient(kanji="黒田 茂", birth="1960-02-02", sex="male", local=(FACILITY_A, "2")), "r2"
    )
    c = ingest(
        db,
        patient(kanji="白井 勇", birth="1970-03-03", sex="male", local=(FACILITY_B, "3")),
        "r3",
        facility=FACILITY_B,
    )
    return a, b, c


def test_each_new_patient_is_a_person_of_its_own(db: Database) -> None:
    a, b, c = _three(db)
    with db.read() as tx:
        people = {persons.person_of(tx, p) for p in (a, b, c)}
        assert len(people) == 3 and None not in people
        assert persons.person_of(tx, "no-such-patient") is None
        assert persons.patients_of(tx, "no-such-person") == []
        created = persons.history(tx, patient_id=a)
    assert [(e.action, e.kind, e.actor) for e in created] == [("create", "deterministic", "ingest")]


def test_link_unlink_and_merge_keep_their_history(db: Database) -> None:
    a, b, c = _three(db)
    with db.transaction() as tx:
        person = review.link_patients(tx, a, b, "operator-1", "same chart number on paper")
    with db.transaction() as tx:
        assert persons.patients_of(tx, person) == sorted([a, b])
        assert persons.linked_patients(tx, a) == persons.linked_patients(tx, b) == sorted([a, b])
        assert persons.linked_patients(tx, c) == [c]
        assert persons.linked_patients(tx, "no-such-patient") == []
        moved = b if persons.person_of(tx, a) == person else a
        c_person = persons.person_of(tx, c) or ""
        review.merge_persons(tx, person, c_person, "operator-2", "verified at the counter")
        assert persons.patients_of(tx, person) == sorted([a, b, c])
    with db.transaction() as tx:
        alone = review.unlink_patient(tx, c, "operator-1", "wrong merge")
        assert alone != person and persons.patients_of(tx, alone) == [c]
        assert persons.patients_of(tx, person) == sorted([a, b])
    with db.read() as tx:
        events = persons.history(tx, patient_id=c)
        assert [e.action for e in events] == ["create", "merge", "unlink"]
        assert events[1].previous_person_id == c_person and events[1].person_id == person
        assert events[2].previous_person_id == person and events[2].actor == "operator-1"
        assert events[2].reason == "wrong merge"
        linked = [e for e in persons.history(tx, patient_id=moved) if e.action == "link"]
        assert linked[0].kind == "manual" and linked[0].reason == "same chart number on paper"
        into_person = persons.history(tx, person_id=person)
        assert {e.action for e in into_person} >= {"link", "merge", "unlink"}
        # the unlinked patient is never matched back to its former companions
        assert pairs.get(tx, c, a).status == "rejected"  # type: ignore[union-attr]
        assert pairs.get(tx, c, b).status == "rejected"  # type: ignore[union-attr]


def test_link_events_cannot_be_changed(db: Database) -> None:
    a, _, _ = _three(db)
    with pytest.raises(Exception, match="append-only"), db.transaction() as tx:
        tx.execute("UPDATE identity_events SET actor = 'someone else' WHERE patient_id = ?", (a,))
    with pytest.raises(Exception, match="append-only"), db.transaction() as tx:
        tx.execute("DELETE FROM identity_events WHERE patient_id = ?", (a,))


HOME = {"address": "岡山県倉敷市本町1-1", "postal": "710-0054"}


def _married_pair(db: Database) -> tuple[str, str]:
    """The same woman before and after marriage, having moved: a review case."""
    maiden = patient(
        kanji="佐藤 美咲",
        kana="サトウ ミサキ",
        birth="1988-07-07",
        sex="female",
        local=(FACILITY_A, "5"),
        **HOME,
    )
    married = patient(
        kanji="田中 美咲",
        kana="タナカ ミサキ",
        birth="1988-07-07",
        sex="female",
        local=(FACILITY_B, "9"),
        address="宮城県仙台市青葉区中央1-1-1",
    )
    return ingest(db, maiden, "r1"), ingest(db, married, "r2", facility=FACILITY_B)


def test_accepting_a_review_pair_links_it(db: Database) -> None:
    a, b = _married_pair(db)
    with db.read() as tx:
        queue = pairs.listing(tx)
        assert [(p.patient_a, p.patient_b) for p in queue] == [pairs.ordered(a, b)]
        shown = {e.feature: e for e in review.evidence(tx, queue[0])}
    assert shown["family"].level == "differ" and shown["given"].level == "exact"
    assert shown["birth"].level == "exact" and shown["given"].weight > 0  # type: ignore[operator]
    assert "美咲" in shown["given"].left and shown["birth"].right == "1988-07-07"
    with db.transaction() as tx:
        person = review.accept(tx, queue[0].pair_id, "operator-1")
    with db.read() as tx:
        assert persons.patients_of(tx, person) == sorted([a, b])
        assert pairs.count(tx, "pending") == 0
        assert pairs.get(tx, a, b).status == "accepted"  # type: ignore[union-attr]


def test_a_rejected_pair_is_never_proposed_again(db: Database) -> None:
    a, b = _married_pair(db)
    with db.transaction() as tx:
        pair = pairs.listing(tx)[0]
        review.reject(tx, pair.pair_id, "operator-1", "different people")
    # the married record arrives again with more detail: it is matched again, and the
    # decision stands
    again = patient(
        kanji="田中 美咲",
        kana="タナカ ミサキ",
        birth="1988-07-07",
        sex="female",
        local=(FACILITY_B, "9"),
        address="宮城県仙台市青葉区中央1-1-1",
        phone="022-111-2222",
    )
    ingest(db, again, "r3", facility=FACILITY_B)
    with db.read() as tx:
        assert pairs.count(tx, "pending") == 0
        found = pairs.get(tx, a, b)
        assert found is not None and found.status == "rejected" and found.decided_by == "operator-1"
        assert persons.person_of(tx, a) != persons.person_of(tx, b)


def test_rejecting_an_auto_link_takes_the_patient_out(db: Database) -> None:
    home = {"address": "広島県広島市中区本町1-2-3", "phone": "082-123-4567"}
    a = ingest(
        db,
        patient(
            kanji="小林 直樹",
            kana="コバヤシ ナオキ",
            birth="1975-10-12",
            sex="male",
            local=(FACILITY_A, "1"),
            **home,
        ),
        "r1",
    )
    b = ingest(
        db,
        patient(
            kanji="小林 直樹",
            kana="コバヤシ ナオキ",
            birth="1975-10-12",
            sex="male",
            local=(FACILITY_B, "2"),
            **home,
        ),
        "r2",
        facility=FACILITY_B,
    )
    with db.transaction() as tx:
        linked = pairs.get(tx, a, b)
        assert linked is not None and linked.status == "linked"
        review.reject(tx, linked.pair_id, "operator-1", "father and son, same name")
    with db.read() as tx:
        assert persons.person_of(tx, a) != persons.person_of(tx, b)
        history = persons.history(tx, patient_id=pairs.ordered(a, b)[1])
    assert history[-1].action == "unlink"


def test_unknown_pairs_and_patients_are_reported(db: Database) -> None:
    with db.transaction() as tx:
        with pytest.raises(review.ReviewError):
            review.accept(tx, 999, "operator-1")
        with pytest.raises(review.ReviewError):
            review.link_patients(tx, "x", "y", "operator-1")
        with pytest.raises(review.ReviewError):
            review.unlink_patient(tx, "x", "operator-1")


def _forget_statistics(db: Database, table: str) -> None:
    """Drop SQLite's planner statistics of ``table`` (an earlier test may have gathered
    them while it held a row or two, which makes a scan look cheaper than the index)."""
    with db.transaction() as tx:
        if tx.dialect == "sqlite" and tx.fetchone(
            "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
        ):
            tx.execute("DELETE FROM sqlite_stat1 WHERE tbl = ?", (table,))
            tx.execute("ANALYZE sqlite_schema")  # the planner reloads the statistics


def test_person_lookups_use_indexes(db: Database) -> None:
    a, _, _ = _three(db)
    _forget_statistics(db, "identity_links")
    with db.read() as tx:
        if tx.dialect == "sqlite":
            plan = tx.fetchall(
                "EXPLAIN QUERY PLAN SELECT patient_id FROM identity_links WHERE person_id = ?",
                ("p",),
            )
            assert "ix_identity_links_person" in " ".join(str(r) for r in plan)
        person = persons.person_of(tx, a)
    with db.transaction() as tx:
        assert resolve_patient(tx, patient(local=(FACILITY_A, "1"))).person_id == person
