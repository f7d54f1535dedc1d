"""Which search plans PostgreSQL may keep.

A search whose best plan depends on its values is planned for them every time: with a
generic plan, ``MedicationRequest?status=active`` searches were driven from every active
prescription (22.7 ms instead of 0.09 ms per search on 200,000 resources). A search driven
by a patient's index rows, every other clause a per-row probe of those rows, has one plan
shape whatever the values, so its generic plan is kept and planning is skipped.
"""

from __future__ import annotations

from typing import Any

import pytest

from kizuna.access import gate
from kizuna.access.decision import Decision
from kizuna.auth.principal import Principal
from kizuna.fhir import writes
from kizuna.fhir.search import engine
from kizuna.fhir.search import sql as build
from kizuna.fhir.search.query import parse
from kizuna.store import statistics
from kizuna.store.db import Database, Tx

PATIENTS = 150
PRESCRIPTIONS = PATIENTS * 4


def _prescription(number: int) -> dict[str, Any]:
    return {
        "resourceType": "MedicationRequest",
        "id": f"mr{number}",
        "status": "active" if number % 3 else "stopped",
        "intent": "order",
        "medicationCodeableConcept": {"text": "アムロジピン錠5mg"},
        "subject": {"reference": f"Patient/p{number % PATIENTS}"},
    }


def _load(db: Database) -> None:
    with db.transaction() as tx:
        writes.apply(tx, [writes.Put(_prescription(n)) for n in range(PRESCRIPTIONS)])
    statistics.refresh(db)


def _prepared(tx: Tx, text: str) -> list[tuple[int, int]]:
    rows = tx.fetchall(
        "SELECT generic_plans, custom_plans FROM pg_prepared_statements WHERE statement LIKE ?",
        (f"%{text}%",),
    )
    return [(int(r[0]), int(r[1])) for r in rows]


def _relations(node: dict[str, Any], in_subplan: bool = False) -> list[tuple[str, bool]]:
    """Every relation a plan scans, and whether the scan sits inside a SubPlan."""
    inside = in_subplan or node.get("Parent Relationship") == "SubPlan"
    found = [(node["Relation Name"], inside)] if "Relation Name" in node else []
    for child in node.get("Plans", []):
        found.extend(_relations(child, inside))
    return found


def _literal(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    assert "'" not in str(value)
    return f"'{value}'"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # its plan cache
def test_a_search_not_driven_by_a_patient_is_planned_for_its_values(db: Database) -> None:
    _load(db)
    query = parse("MedicationRequest", [("status", "active"), ("_count", "5")])
    assert not build.plan_can_be_kept(query)
    active = sorted(f"mr{n}" for n in range(PRESCRIPTIONS) if n % 3)
    with db.read() as tx:
        for _ in range(12):  # psycopg would prepare from the sixth execution on
            page = engine.search(tx, query)
            assert [h[1] for h in page.matches] == active[:5]
        assert _prepared(tx, "sp_token") == []


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_patient_search_keeps_a_plan_driven_by_the_patient(db: Database) -> None:
    _load(db)
    with db.read() as tx:
        for number in range(12):
            query = parse("MedicationRequest", [("patient", f"p{number}"), ("status", "active")])
            assert build.plan_can_be_kept(query)
            page = engine.search(tx, query)
            assert sorted(h[1] for h in page.matches) == sorted(
                f"mr{n}" for n in range(PRESCRIPTIONS) if n % PATIENTS == number and n % 3
            )
        assert _prepared(tx, "sp_token"), "the search was prepared"
        sql, params = build.select_page(query, [], 21, 0, "postgresql")
        numbered = sql
        for n in range(1, len(params) + 1):
            numbered = numbered.replace("?", f"${n}", 1)
        tx.execute(f"PREPARE kept_search AS {numbered}")
        tx.execute("SET plan_cache_mode = force_generic_plan")
        try:
            args = ", ".join(_literal(p) for p in params)
            plan = tx.fetchone(f"EXPLAIN (FORMAT JSON) EXECUTE kept_search({args})")
        finally:
            tx.execute("RESET plan_cache_mode")
            tx.execute("DEALLOCATE kept_search")
    assert plan is not None
    scans = _relations(plan[0][0]["Plan"])
    assert ("sp_reference", False) in scans  # the patient's rows drive the generic plan
    assert [inside for name, inside in scans if name == "sp_token"] == [True]  # a probe


def test_only_searches_driven_by_patients_keep_their_plan() -> None:
    kept = [
        ("MedicationRequest", [("patient", "p1"), ("status", "active")]),
        ("Observation", [("subject", "Patient/p1"), ("code", "1234-5"), ("_sort", "-date")]),
        ("Condition", [("patient", "p1")]),
        # a bare id where the subject can only be a Patient or a Group
        ("Encounter", [("subject", "p1"), ("date", "ge2015-01-01")]),
        ("Procedure", [("subject", "p1"), ("code", "8302-2")]),
    ]
    planned = [
        ("Patient", [("family", "やまだ")]),
        ("Observation", [("patient", "p1"), ("code:not", "1234-5")]),
        ("Condition", [("patient", "p1"), ("_lastUpdated", "ge2020-01-01")]),
        # a bare id where the subject may be a Location or a Device, whose rows are many
        ("Observation", [("subject", "loc1"), ("code", "1234-5")]),
        ("Encounter", [("subject:Group", "g1"), ("date", "ge2015-01-01")]),
        ("Encounter", [("service-provider", "org1"), ("date", "ge2015-01-01")]),
    ]
    assert [t for t, p in kept if not build.plan_can_be_kept(parse(t, p))] == []
    assert [t for t, p in planned if build.plan_can_be_kept(parse(t, p))] == []


def test_a_search_under_a_category_exclusion_is_planned_for_its_values() -> None:
    """An excluded category is a probe of another table whose size the values decide."""
    query = parse("MedicationRequest", [("patient", "p1"), ("status", "active")])
    excluding = Decision(True, "consent-active", "treatment", ("p1",), frozenset({"psychiatric"}))
    allowing = Decision(True, "consent-active", "treatment", ("p1",))
    physician = Principal(
        kind="user",
        subject="u-doc",
        name="佐藤 花子",
        role="physician",
        facility_code="1310123458",
        scopes=("user/*.rs",),
    )
    assert build.plan_can_be_kept(query, gate.limits(physician, [allowing], "MedicationRequest"))
    assert not build.plan_can_be_kept(
        query, gate.limits(physician, [excluding], "MedicationRequest")
    )


def _resource_rows(node: dict[str, Any]) -> int:
    """The rows a plan read from ``resources`` (actual rows times loops)."""
    own = (
        node["Actual Rows"] * node["Actual Loops"]
        if node.get("Relation Name") == "resources"
        else 0
    )
    return own + sum(_resource_rows(child) for child in node.get("Plans", []))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # its plans
def test_a_single_clause_page_is_cut_from_its_index_rows(db: Database) -> None:
    """400 prescriptions are active; a page of 5 reads 6 resources (the page and the one
    that tells there is a next page) and no other."""
    _load(db)
    active = sorted(f"mr{n}" for n in range(PRESCRIPTIONS) if n % 3)
    for offset in (0, 5, 395):
        query = parse(
            "MedicationRequest", [("status", "active"), ("_count", "5"), ("_offset", str(offset))]
        )
        sql, params = build.select_page(query, [], 6, query.offset, "postgresql")
        literal = sql
        for value in params:
            literal = literal.replace("?", _literal(value), 1)
        with db.read() as tx:  # as on a large table: no sequential scan of 600 rows
            tx.execute("SET enable_seqscan = off")
            try:
                plan = tx.fetchone(f"EXPLAIN (FORMAT JSON, ANALYZE) {literal}")
            finally:
                tx.execute("RESET enable_seqscan")
            page = engine.search(tx, query)
        assert plan is not None
        assert _resource_rows(plan[0][0]["Plan"]) == min(6, len(active) - offset)
        assert [h[1] for h in page.matches] == active[offset : offset + 5]
        assert page.has_next == (offset + 5 < len(active))


def test_a_bare_subject_drives_and_still_matches_every_type_it_may_name(db: Database) -> None:
    def encounter(eid: str, subject: str, start: str) -> dict[str, Any]:
        return {
            "resourceType": "Encounter",
            "id": eid,
            "status": "finished",
            "class": {"code": "AMB"},
            "subject": {"reference": subject},
            "period": {"start": start, "end": start},
        }

    with db.transaction() as tx:
        writes.apply(
            tx,
            [
                writes.Put(encounter("e1", "Patient/x1", "2016-03-01")),
                writes.Put(encounter("e2", "Group/x1", "2017-05-01")),
                writes.Put(encounter("e3", "Patient/x1", "2010-01-01")),
                writes.Put(encounter("e4", "Patient/x2", "2016-03-01")),
            ],
        )
    query = parse("Encounter", [("subject", "x1"), ("date", "ge2015-01-01"), ("_count", "1")])
    assert build.plan_can_be_kept(query)
    with db.read() as tx:
        first = engine.search(tx, query)
        query.offset = 1
        second = engine.search(tx, query)
    assert [h[1] for h in first.matches] == ["e1"] and first.has_next
    assert [h[1] for h in second.matches] == ["e2"] and not second.has_next
