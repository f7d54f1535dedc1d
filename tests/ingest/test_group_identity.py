"""Patients resolved for a whole group of units at once: the group stores exactly what
storing the same units one at a time stores, with one identity query of each kind per
group instead of three per unit."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from tests.identity.support import FACILITY_A, FACILITY_B, patient

from kizuna.fhir import jpcore
from kizuna.identity import persons
from kizuna.identity.cache import ResolveCache
from kizuna.identity.keys import link_keys
from kizuna.ingest.base import PATIENT_REF, SourceRef, Unit
from kizuna.ingest.pipeline import GroupWriter, Pipeline, UnitResult
from kizuna.store.db import Database, Row
from kizuna.store.migrate import upgrade

MEMBER = "06132013:1234:567:01"
CANONICAL_MEMBER = "06132013:1234:567:01"


#: SQLite serialises writers, so these races need two concurrent PostgreSQL transactions
RACE_NEEDS_TWO_WRITERS = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


def _unit(record: str, candidate: dict[str, Any], condition: str | None = None) -> Unit:
    """A receipt-like unit: the candidate Patient and, optionally, one diagnosis."""
    resources = []
    if condition is not None:
        resources.append(
            {
                "resourceType": "Condition",
                "id": f"c-{record}",
                "subject": {"reference": PATIENT_REF},
                "code": {"text": condition},
            }
        )
    return Unit(
        f"uke|{record}", SourceRef("uke", "uke.dat", record, FACILITY_A), candidate, resources
    )


def _store_group(db: Database, units: list[Unit]) -> list[UnitResult]:
    with db.transaction() as tx:
        return GroupWriter(tx, units).store()


def _store_one_by_one(url: str, units: list[Unit]) -> None:
    db = Database(url)
    try:
        pipeline = Pipeline(db)
        for unit in units:
            assert pipeline.ingest_unit(unit).status in ("stored", "unchanged"), unit.key
    finally:
        db.close()


def _without_time(content: str | None) -> Any:
    if content is None:
        return None
    resource = orjson.loads(content)
    resource.get("meta", {}).pop("lastUpdated", None)
    return resource


def _state(db: Database) -> dict[str, Any]:
    """Everything the group path and the one-at-a-time path must agree on."""
    with db.read() as tx:
        return {
            "resources": sorted(
                (r[0], r[1], r[2], orjson.dumps(_without_time(r[3]), option=orjson.OPT_SORT_KEYS))
                for r in tx.fetchall("SELECT res_type, res_id, version, content FROM resources")
            ),
            "history": sorted(
                (r[0], r[1], r[2], orjson.dumps(_without_time(r[3]), option=orjson.OPT_SORT_KEYS))
                for r in tx.fetchall(
                    "SELECT res_type, res_id, version, content FROM resource_history"
                )
            ),
            "keys": sorted(tx.fetchall("SELECT link_key, patient_id FROM identity_keys")),
            "links": sorted(tx.fetchall("SELECT patient_id, person_id, kind FROM identity_links")),
            "events": tx.fetchall(
                "SELECT action, patient_id, person_id, previous_person_id, kind"
                " FROM identity_events ORDER BY event_id"
            ),
            "pairs": sorted(
                tx.fetchall("SELECT patient_a, patient_b, status, reason FROM identity_pairs")
            ),
            "units": sorted(tx.fetchall("SELECT unit_key, patient_id FROM ingest_units")),
        }


def _patient_resource(db: Database, patient_id: str) -> tuple[int, dict[str, Any]]:
    with db.read() as tx:
        row = tx.fetchone(
            "SELECT version, content FROM resources WHERE res_type = 'Patient' AND res_id = ?",
            (patient_id,),
        )
    assert row is not None
    return row[0], orjson.loads(row[1])


def _names(resource: dict[str, Any]) -> set[str]:
    return {n["text"] for n in resource.get("name", [])}


def _identifiers(resource: dict[str, Any]) -> set[tuple[str, str]]:
    return {(i["system"], i["value"]) for i in resource.get("identifier", [])}


def _reference(units: list[Unit], tmp_path: Path, earlier: Sequence[Unit] = ()) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path / 'one-by-one.sqlite3'}"
    upgrade(url)
    _store_one_by_one(url, list(earlier))
    _store_one_by_one(url, units)
    db = Database(url)
    try:
        return _state(db)
    finally:
        db.close()


class _Receipts:
    """The adapter a group of units is ingested under (only its name is used)."""

    name = "uke"


def _ingest_racing(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch, theirs: Unit, ours: Unit
) -> Pipeline:
    """Ingest ``ours`` as a group while another worker stores ``theirs`` (and commits)
    right after the group read its patients' keys, Patients and persons."""
    prefetch = ResolveCache.prefetch

    def prefetch_then_race(self: ResolveCache, tx: Any, candidates: Any) -> None:
        prefetch(self, tx, candidates)
        other = Database(database_url)
        try:
            Pipeline(other).ingest_unit(theirs)
        finally:
            other.close()

    monkeypatch.setattr(ResolveCache, "prefetch", prefetch_then_race)
    pipeline = Pipeline(db)
    pipeline.ingest_items(_Receipts(), [ours])  # type: ignore[arg-type]
    monkeypatch.undo()
    return pipeline


def test_a_patient_created_and_changed_twice_in_one_group(db: Database, tmp_path: Path) -> None:
    """A later unit's patient was created by an earlier unit of the same group; its
    demographics change twice; a unit of another patient and units after each flush."""
    hanako = patient(kanji="佐藤 花子", birth="1960-02-03", sex="female", local=(FACILITY_A, "7"))
    with_kana = {**hanako, "name": [*hanako["name"], *patient(kana="サトウ ハナコ")["name"]]}
    # without the kana name: merged into a stale Patient it would lose what unit 3 added
    with_card = {
        **hanako,
        "identifier": [
            *hanako["identifier"],
            {"system": jpcore.INSURANCE_MEMBER_ID, "value": MEMBER},
        ],
    }
    card_only = patient(kanji="佐藤 花子", birth="1960-02-03", sex="female", member=MEMBER)
    taro = patient(kanji="山田 太郎", birth="1950-05-06", sex="male", local=(FACILITY_A, "8"))
    units = [
        _unit("1", hanako, "高血圧症"),  # new patient
        _unit("2", taro, "糖尿病"),  # another new patient
        _unit("3", with_kana, "脂質異常症"),  # the first one again, with a kana name: flush
        _unit("4", hanako, "高血圧症"),  # unchanged, after the flush
        _unit("5", with_card, None),  # a member id: a new key and a second change
        _unit("6", card_only, "胃炎"),  # found by the key unit 5 added in this group
        _unit("7", taro, None),  # unchanged
    ]
    results = _store_group(db, units)
    assert [r.status for r in results] == ["stored"] * len(units)
    hanako_id = results[0].patient_id
    assert hanako_id is not None and {r.patient_id for r in results[2:6]} == {hanako_id}
    assert results[1].patient_id == results[6].patient_id != hanako_id

    version, stored = _patient_resource(db, hanako_id)
    assert version == 3  # created, kana added, member id added; nothing else changed it
    assert _names(stored) == {"佐藤 花子", "サトウ ハナコ"}
    assert _identifiers(stored) == {
        (jpcore.local_patient_system(FACILITY_A), "7"),
        (jpcore.INSURANCE_MEMBER_ID, CANONICAL_MEMBER),
    }
    assert (stored["birthDate"], stored["gender"]) == ("1960-02-03", "female")
    with db.read() as tx:
        owners = dict(tx.fetchall("SELECT link_key, patient_id FROM identity_keys"))
        conditions = tx.fetchall(
            "SELECT res_id, content FROM resources WHERE res_type = 'Condition' ORDER BY res_id"
        )
        person = persons.person_of(tx, hanako_id)
    assert {owners[k] for k in link_keys(with_card)} == {hanako_id}
    subjects = {r[0]: orjson.loads(r[1])["subject"]["reference"] for r in conditions}
    assert subjects == {
        "c-1": f"Patient/{hanako_id}",
        "c-2": f"Patient/{results[1].patient_id}",
        "c-3": f"Patient/{hanako_id}",
        "c-4": f"Patient/{hanako_id}",
        "c-6": f"Patient/{hanako_id}",
    }
    assert person is not None
    assert _state(db) == _reference(units, tmp_path)


def test_a_group_of_known_patients_reads_identity_once(db: Database) -> None:
    """Thirty units of three stored patients: one query each for keys, Patients and persons."""
    people = [
        patient(kanji=name, birth=birth, sex="male", local=(FACILITY_A, str(n)))
        for n, (name, birth) in enumerate(
            [("青木 修", "1950-01-01"), ("黒田 茂", "1960-02-02"), ("白井 勇", "1970-03-03")]
        )
    ]
    _store_group(db, [_unit(f"first-{n}", p) for n, p in enumerate(people)])
    units = [_unit(f"visit-{n}", people[n % 3], "感冒") for n in range(30)]
    with db.transaction() as tx:
        counting = _Counting(tx)
        results = GroupWriter(counting, units).store()  # type: ignore[arg-type]
    assert [r.status for r in results] == ["stored"] * 30
    assert counting.reads("identity_keys") == 1
    assert counting.reads("identity_links") == 1
    assert counting.reads("content FROM resources") == 1  # the stored Patients


class _Counting:
    """A transaction that counts the statements sent through it."""

    def __init__(self, tx: Any) -> None:
        self._tx = tx
        self.dialect = tx.dialect
        self.sent: list[str] = []

    def reads(self, text: str) -> int:
        return sum(1 for sql in self.sent if sql.startswith("SELECT") and text in sql)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.sent.append(sql)
        self._tx.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> None:
        self.sent.append(sql)
        self._tx.executemany(sql, rows)

    def fetchall(
        self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
    ) -> list[Row]:
        self.sent.append(sql)
        return self._tx.fetchall(sql, params, prepare=prepare)

    def fetchone(
        self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
    ) -> Row | None:
        self.sent.append(sql)
        return self._tx.fetchone(sql, params, prepare=prepare)

    def insert_rows(self, table: str, columns: Sequence[str], rows: Any) -> None:
        self.sent.append(f"INSERT INTO {table}")
        self._tx.insert_rows(table, columns, rows)


def test_linked_persons_are_seen_by_later_units_of_the_group(db: Database, tmp_path: Path) -> None:
    """A record carrying two known keys links two persons mid-group; the patients' later
    units in the group and the stored state agree with storing them one at a time."""
    chart = patient(kanji="小林 直樹", birth="1975-10-12", sex="male", local=(FACILITY_B, "2"))
    card = patient(kanji="小林 直樹", birth="1975-10-12", sex="male", member=MEMBER)
    both = patient(
        kanji="小林 直樹",
        kana="コバヤシ ナオキ",
        birth="1975-10-12",
        sex="male",
        local=(FACILITY_B, "2"),
        member=MEMBER,
    )
    earlier = [_unit("chart", chart), _unit("card", card)]
    _store_group(db, earlier[:1])
    _store_group(db, earlier[1:])
    units = [
        _unit("card-2", card, "腰痛"),
        _unit("both", both, "腰痛"),
        _unit("chart-2", chart, "腰痛"),
    ]
    results = _store_group(db, units)
    with db.read() as tx:
        people = {persons.person_of(tx, r.patient_id or "") for r in results}
    assert len(people) == 1 and None not in people
    assert _state(db) == _reference(units, tmp_path, earlier)


def test_a_failing_group_is_stored_unit_by_unit(db: Database) -> None:
    """A unit that cannot be stored sends the group back unit by unit: the others land."""
    good = patient(kanji="青木 修", birth="1950-01-01", sex="male", local=(FACILITY_A, "1"))
    keyless = patient(kanji="黒田 茂", sex="male")  # no id, and no birth date to derive one
    units = [_unit("1", good, "感冒"), _unit("2", keyless, "感冒"), _unit("3", good, "腰痛")]

    pipeline = Pipeline(db)
    pipeline.ingest_items(_Receipts(), units)  # type: ignore[arg-type]
    report = pipeline.reports["uke"]
    assert (report.units, report.quarantined) == (3, 1)
    with db.read() as tx:
        stored = {
            r[0] for r in tx.fetchall("SELECT res_id FROM resources WHERE res_type = 'Condition'")
        }
    assert stored == {"c-1", "c-3"}


@RACE_NEEDS_TWO_WRITERS
def test_a_key_another_worker_adds_mid_group_is_retried(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker links the same new patient after the group read its keys: the
    insert of the same key fails and the units are stored again one at a time."""
    ours = patient(kanji="青木 修", birth="1950-01-01", sex="male", local=(FACILITY_A, "1"))
    theirs = patient(kana="アオキ オサム", birth="1950-01-01", sex="male", local=(FACILITY_A, "1"))
    pipeline = _ingest_racing(
        db, database_url, monkeypatch, _unit("theirs", theirs), _unit("ours", ours, "感冒")
    )
    assert pipeline.reports["uke"].quarantined == 0
    with db.read() as tx:
        keys = tx.fetchall("SELECT link_key, patient_id FROM identity_keys")
        (unit_patient,) = tx.fetchone(
            "SELECT patient_id FROM ingest_units WHERE unit_key = 'uke|ours'"
        ) or (None,)
    assert len(keys) == 1 and keys[0][1] == unit_patient
    _, stored = _patient_resource(db, unit_patient)
    assert _names(stored) == {"青木 修", "アオキ オサム"}


def test_a_patient_reached_through_another_key_sees_the_pending_change(
    db: Database, tmp_path: Path
) -> None:
    """Two units of one stored patient in a group, each carrying a different one of its
    keys and each adding something: the second is merged into what the first changed."""
    both = patient(
        kanji="佐藤 花子", birth="1960-02-03", sex="female", local=(FACILITY_A, "7"), member=MEMBER
    )
    moved = patient(
        kanji="佐藤 花子",
        birth="1960-02-03",
        sex="female",
        local=(FACILITY_A, "7"),
        address="東京都千代田区霞が関1-2-2",
    )
    new_phone = patient(
        kanji="佐藤 花子", birth="1960-02-03", sex="female", member=MEMBER, phone="03-5253-1111"
    )
    earlier = [_unit("first", both)]
    _store_group(db, earlier)
    units = [_unit("moved", moved, "高血圧症"), _unit("phone", new_phone, "高血圧症")]
    results = _store_group(db, units)
    assert results[0].patient_id == results[1].patient_id is not None
    version, stored = _patient_resource(db, results[0].patient_id or "")
    assert version == 3
    assert [a["text"] for a in stored["address"]] == ["東京都千代田区霞が関1-2-2"]
    assert [t["value"] for t in stored["telecom"]] == ["03-5253-1111"]
    assert _state(db) == _reference(units, tmp_path, earlier)


def test_a_patient_deleted_earlier_in_the_group_is_created_anew(
    db: Database, tmp_path: Path
) -> None:
    """A unit deletes a Patient and a later unit of the group resolves to it: the later
    unit starts from no stored Patient, as it would one unit at a time."""
    first = patient(kanji="青木 修", birth="1950-01-01", sex="male", local=(FACILITY_A, "1"))
    later = patient(kana="アオキ オサム", birth="1950-01-01", sex="male", local=(FACILITY_A, "1"))
    earlier = [_unit("first", first)]
    (created,) = _store_group(db, earlier)
    assert created.patient_id is not None
    deletion = _unit("withdrawn", later)
    deletion.patient, deletion.deletes = None, [("Patient", created.patient_id)]
    units = [deletion, _unit("again", later, "感冒")]
    results = _store_group(db, units)
    assert results[1].patient_id == created.patient_id
    version, stored = _patient_resource(db, created.patient_id)
    assert version == 3 and _names(stored) == {"アオキ オサム"}
    assert _state(db) == _reference(units, tmp_path, earlier)


@RACE_NEEDS_TWO_WRITERS
def test_a_patient_another_worker_changes_mid_group_is_merged_again(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker changes a stored Patient after the group read it: writing the
    group's merge over it would lose that change, so the units are stored again."""
    first = patient(kanji="青木 修", birth="1950-01-01", sex="male", local=(FACILITY_A, "1"))
    ours = {**first, "address": [{"text": "島根県松江市殿町1"}]}
    theirs = {**first, "telecom": [{"system": "phone", "value": "0852-22-5111"}]}
    _store_group(db, [_unit("first", first)])
    pipeline = _ingest_racing(
        db, database_url, monkeypatch, _unit("theirs", theirs), _unit("ours", ours, "感冒")
    )
    assert pipeline.reports["uke"].quarantined == 0
    with db.read() as tx:
        (patient_id,) = tx.fetchone(
            "SELECT patient_id FROM ingest_units WHERE unit_key = 'uke|ours'"
        ) or (None,)
    version, stored = _patient_resource(db, patient_id)
    assert version == 3  # first, theirs, ours
    assert stored["address"] == [{"text": "島根県松江市殿町1"}]
    assert stored["telecom"] == [{"system": "phone", "value": "0852-22-5111"}]


@RACE_NEEDS_TWO_WRITERS
def test_a_unit_stored_alone_is_retried_when_its_patient_changed_meanwhile(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same race for a unit stored on its own (the push endpoint, a retry): between
    its lookups and its write another worker adds an identifier to the Patient; the
    version check fails the write and the unit is stored again, not quarantined."""
    from kizuna.ingest import pipeline as module

    first = patient(kanji="青木 修", birth="1950-01-01", sex="male", local=(FACILITY_A, "1"))
    ours = {**first, "address": [{"text": "島根県松江市殿町1"}]}
    # another facility's id only: the other worker changes no row this unit has locked
    theirs = {
        **first,
        "identifier": [*first["identifier"], *patient(local=(FACILITY_B, "9"))["identifier"]],
    }
    _store_group(db, [_unit("first", first)])
    store_plans, raced = module.store_plans, []

    def race_then_store(tx: Any, plans: Any) -> Any:
        if not raced:
            raced.append(True)
            other = Database(database_url)
            try:
                Pipeline(other).ingest_unit(_unit("theirs", theirs))
            finally:
                other.close()
        return store_plans(tx, plans)

    monkeypatch.setattr(module, "store_plans", race_then_store)
    result = Pipeline(db).ingest_unit(_unit("ours", ours, "感冒"))
    monkeypatch.undo()
    assert result.status == "stored", result.reason
    version, stored = _patient_resource(db, result.patient_id or "")
    assert version == 3  # first, theirs, ours
    assert stored["address"] == [{"text": "島根県松江市殿町1"}]
    assert _identifiers(stored) == _identifiers(theirs)


def test_a_resource_moving_between_units_of_a_group_is_kept(db: Database, tmp_path: Path) -> None:
    """Newer versions of two units in one group: the first now produces the diagnosis the
    second produced before, the second no longer does. The diagnosis stays, as it does
    when the two are stored one at a time."""
    hanako = patient(kanji="佐藤 花子", birth="1960-02-03", sex="female", local=(FACILITY_A, "7"))
    earlier = [_unit("a", hanako, "高血圧症"), _unit("b", hanako, "糖尿病")]
    _store_group(db, earlier)
    first, second = _unit("a", hanako, "高血圧症"), _unit("b", hanako)
    first.resources.append({**_unit("b", hanako, "糖尿病").resources[0]})
    first.version = second.version = "2"
    units = [first, second]
    assert [r.status for r in _store_group(db, units)] == ["stored", "stored"]
    with db.read() as tx:
        kept = tx.fetchall(
            "SELECT res_id FROM resources WHERE res_type = 'Condition' AND deleted = 0"
        )
        claims = tx.fetchall("SELECT unit_key, res_id FROM ingest_unit_resources ORDER BY res_id")
    assert sorted(r[0] for r in kept) == ["c-a", "c-b"]
    assert [tuple(r) for r in claims if r[1].startswith("c-")] == [
        ("uke|a", "c-a"),
        ("uke|a", "c-b"),
    ]
    assert _state(db) == _reference(units, tmp_path, earlier)


def test_a_patient_changed_within_a_group_is_written_with_the_group(
    db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new patient whose next units add a kana name and then a member id: each merge
    builds on the one before, all in the group's one batched write, every version kept."""
    from kizuna.ingest import pipeline as module

    hanako = patient(kanji="佐藤 花子", birth="1960-02-03", sex="female", local=(FACILITY_A, "7"))
    with_kana = {**hanako, "name": [*hanako["name"], *patient(kana="サトウ ハナコ")["name"]]}
    with_card = {
        **hanako,
        "identifier": [*hanako["identifier"], *patient(member=MEMBER)["identifier"]],
    }
    units = [
        _unit("1", hanako, "高血圧症"),
        _unit("2", with_kana, "高血圧症"),
        _unit("3", with_card, "脂質異常症"),
        _unit("4", hanako, "胃炎"),
    ]
    writes: list[int] = []
    store_plans = module.store_plans

    def counted(tx: Any, plans: Any) -> Any:
        writes.append(len(plans))
        return store_plans(tx, plans)

    monkeypatch.setattr(module, "store_plans", counted)
    results = _store_group(db, units)
    monkeypatch.undo()
    assert writes == [4]
    assert [[o.status for o in r.outcomes if o.key[0] == "Patient"] for r in results] == [
        [201],
        [200],
        [200],
        [],
    ]
    version, stored = _patient_resource(db, results[0].patient_id or "")
    assert version == 3
    assert _names(stored) == {"佐藤 花子", "サトウ ハナコ"}
    assert _identifiers(stored) == {
        (jpcore.local_patient_system(FACILITY_A), "7"),
        (jpcore.INSURANCE_MEMBER_ID, CANONICAL_MEMBER),
    }
    assert _state(db) == _reference(units, tmp_path)
