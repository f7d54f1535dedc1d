"""The ingestion hook: deterministic links, the person index, matching on ingest."""

from __future__ import annotations

import pytest
from tests.identity.support import FACILITY_A, FACILITY_B, ingest, patient

from kizuna.identity import index, pairs, persons
from kizuna.identity.keys import link_keys, member_key
from kizuna.identity.resolve import UnlinkablePatient, resolve_patient
from kizuna.store.db import Database

HOME = {"address": "島根県松江市殿町1", "postal": "690-8501", "phone": "0852-22-5111"}


def test_member_ids_normalise_width_spaces_and_insurer_padding() -> None:
    assert member_key("１３８０５７:ひ１２:３４５:１") == member_key("00138057:ひ12:345:01")
    assert member_key("06132013: 1234 :567:02") == "ins:06132013:1234:567:02"


def test_no_member_id_without_a_branch_number() -> None:
    # before 2021 a household shared 記号・番号; only 枝番 tells its members apart
    assert member_key("06132013:1234:567:") is None
    assert member_key("06132013:1234:567") is None
    assert link_keys(patient(member="06132013:1234:567:")) == []


def test_the_same_member_id_in_two_formats_is_one_patient(db: Database) -> None:
    receipt = patient(
        kanji="山田 太郎",
        birth="1970-01-02",
        sex="male",
        member="06132013:1234:567:01",
        local=(FACILITY_A, "A-1"),
    )
    document = patient(
        kanji="山田 太郎",
        kana="ヤマダ タロウ",
        birth="1970-01-02",
        sex="male",
        member="０６１３２０１３:１２３４:５６７:０１",
    )
    first = ingest(db, receipt, "r1", "uke")
    second = ingest(db, document, "d1", "fhir", facility=None)
    assert first == second
    with db.read() as tx:
        assert persons.patients_of(tx, persons.person_of(tx, first) or "") == [first]


def test_family_members_sharing_a_symbol_and_number_stay_apart(db: Database) -> None:
    father = patient(kanji="山田 太郎", birth="1950-01-02", sex="male", member="06132013:12:34:01")
    son = patient(kanji="山田 一郎", birth="1980-03-04", sex="male", member="06132013:12:34:03")
    a, b = ingest(db, father, "r1"), ingest(db, son, "r2")
    assert a != b
    with db.read() as tx:
        assert persons.person_of(tx, a) != persons.person_of(tx, b)


def test_a_record_carrying_two_known_keys_links_their_persons(db: Database) -> None:
    chart = patient(
        kanji="佐藤 花子",
        kana="サトウ ハナコ",
        birth="1960-02-03",
        sex="female",
        local=(FACILITY_A, "0042"),
    )
    card = patient(kanji="佐藤 花子", birth="1960-02-03", sex="female", member="01130012:7:8:01")
    both = patient(
        kanji="佐藤 花子",
        birth="1960-02-03",
        sex="female",
        local=(FACILITY_A, "0042"),
        member="01130012:7:8:01",
    )
    a = ingest(db, chart, "r1", "ssmix2")
    b = ingest(db, card, "c1", "checkup", facility=None)
    with db.read() as tx:
        # the same person by demographics alone already (auto) or by the shared keys now
        before = persons.person_of(tx, a) == persons.person_of(tx, b)
    ingest(db, both, "r2", "uke")
    with db.read() as tx:
        assert persons.person_of(tx, a) == persons.person_of(tx, b)
        kinds = {e.kind for e in persons.history(tx, patient_id=b) if e.action == "link"}
        kinds |= {e.kind for e in persons.history(tx, patient_id=a) if e.action == "link"}
    assert before or "deterministic" in kinds


def test_a_candidate_without_keys_is_refused(db: Database) -> None:
    with db.transaction() as tx, pytest.raises(UnlinkablePatient):
        resolve_patient(tx, patient(kanji="山田 太郎"))


def test_the_same_person_at_two_facilities_is_linked_on_ingest(db: Database) -> None:
    a = ingest(
        db,
        patient(
            kanji="髙橋 一郎",
            kana="ﾀｶﾊｼ ｲﾁﾛｳ",
            birth="1961-05-20",
            sex="male",
            local=(FACILITY_A, "11"),
            **HOME,
        ),
        "r1",
        "ssmix2",
    )
    b = ingest(
        db,
        patient(
            kanji="高橋 一郎",
            kana="タカハシ イチロウ",
            birth="1961-05-20",
            sex="male",
            local=(FACILITY_B, "77"),
            phone="0852225111",
        ),
        "r2",
        "ssmix2",
        facility=FACILITY_B,
    )
    assert a != b
    with db.read() as tx:
        person = persons.person_of(tx, a)
        assert person == persons.person_of(tx, b)
        assert persons.patients_of(tx, person or "") == sorted([a, b])
        linked = [e for e in persons.history(tx, person_id=person) if e.action == "link"]
        assert index.pending(tx, 10) == []  # matched as they were indexed
    assert len(linked) == 1 and linked[0].kind == "auto" and linked[0].score > 0.95


def test_twins_are_not_linked_on_ingest(db: Database) -> None:
    first = patient(
        kanji="中村 陽子",
        kana="ナカムラ ヨウコ",
        birth="1993-12-09",
        sex="female",
        local=(FACILITY_A, "1"),
        **HOME,
    )
    second = patient(
        kanji="中村 京子",
        kana="ナカムラ キョウコ",
        birth="1993-12-09",
        sex="female",
        local=(FACILITY_A, "2"),
        **HOME,
    )
    a, b = ingest(db, first, "r1"), ingest(db, second, "r2")
    with db.read() as tx:
        assert persons.person_of(tx, a) != persons.person_of(tx, b)
        assert pairs.get(tx, a, b) is None  # not even proposed


def test_a_married_name_with_the_same_home_is_linked_on_ingest(db: Database) -> None:
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
        **HOME,
    )
    a = ingest(db, maiden, "r1", "ssmix2")
    b = ingest(db, married, "r2", "ssmix2", facility=FACILITY_B)
    with db.read() as tx:
        assert persons.person_of(tx, a) == persons.person_of(tx, b)


def test_a_married_name_after_a_move_goes_to_review(db: Database) -> None:
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
    a = ingest(db, maiden, "r1", "ssmix2")
    b = ingest(db, married, "r2", "ssmix2", facility=FACILITY_B)
    with db.read() as tx:
        assert persons.person_of(tx, a) != persons.person_of(tx, b)
        queued = pairs.get(tx, a, b)
    assert queued is not None and queued.status == "pending"


def test_queue_mode_leaves_matching_to_the_batch(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kizuna.identity import batch

    monkeypatch.setenv("KIZUNA_IDENTITY_MATCH", "queue")
    a = ingest(
        db,
        patient(kanji="小林 直樹", birth="1975-10-12", sex="male", local=(FACILITY_A, "1"), **HOME),
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
            **HOME,
        ),
        "r2",
        facility=FACILITY_B,
    )
    with db.read() as tx:
        assert persons.person_of(tx, a) != persons.person_of(tx, b)
        assert batch.index.pending(tx, 10) == sorted([a, b])
    tally = batch.match_pending(db)
    assert tally.linked == 1
    with db.read() as tx:
        assert persons.person_of(tx, a) == persons.person_of(tx, b)
        assert batch.index.pending(tx, 10) == []


def test_unchanged_demographics_cost_only_a_lookup(db: Database) -> None:
    candidate = patient(kanji="小林 直樹", birth="1975-10-12", local=(FACILITY_A, "1"))
    with db.transaction() as tx:
        first = resolve_patient(tx, candidate)
    assert first.created and first.write is not None and first.person_id
    from kizuna.fhir import writes

    with db.transaction() as tx:
        writes.apply(tx, [first.write])
    with db.transaction() as tx:
        again = resolve_patient(tx, candidate)
    assert not again.created and again.write is None and again.person_id == first.person_id


def test_a_member_id_without_branch_is_not_kept_and_does_not_stop_the_unit(db: Database) -> None:
    checkup = patient(
        kanji="山田 太郎",
        birth="1970-01-02",
        sex="male",
        member="06132013:1234:567:",
        local=(FACILITY_A, "9"),
    )
    patient_id = ingest(db, checkup, "c1", "checkup")
    from kizuna.store import resources as sql

    with db.read() as tx:
        stored = sql.current(tx, [("Patient", patient_id)])[("Patient", patient_id)]
    assert "06132013" not in (stored.content or "")
