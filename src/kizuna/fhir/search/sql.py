"""Search clauses to SQL: each clause is a set of ids, tested with ``IN`` / ``NOT IN``.

The main query reads ``resources r`` and adds one ``r.res_id [NOT] IN (subquery)`` per
clause. Subqueries read one index table through its ``(res_type, param, value)`` index,
so every condition is an index range scan on both backends. Chains and ``_has`` nest one
subquery in another.

On SQLite only the clause most likely to narrow the search (``DRIVING_RANK``) is an
``IN``; the others become ``EXISTS`` probes on the index table's ``(res_type, res_id)``
index, one per candidate row. SQLite otherwise built the full id list of every clause
(every Encounter since 2015, say) before intersecting, and without fresh statistics it
could pick the broadest clause to drive the query.

PostgreSQL plans the ``IN`` form as semi-joins from its statistics, with one exception: a
clause naming patients (``patient=``, ``subject=Patient/…``) drives, and the other
positive index clauses become ``EXISTS`` probes on its index rows inside one subquery, so
only the rows that pass them are joined to their resource (``_patient_nested``). A page
ordered by id is cut from the driving clause's index rows before any resource is read
(``_page_ids``), for a patient's search and for a search of a single clause alike.
"""

from __future__ import annotations

import re
from types import ModuleType
from typing import Any

from kizuna.fhir.outcome import bad_request
from kizuna.fhir.search import date, number, quantity, reference, string, token, uri
from kizuna.fhir.search.base import Condition, any_of, param_is
from kizuna.fhir.search.query import Clause, SearchQuery, SortKey
from kizuna.fhir.search.values import split_pipe, unescape

KINDS: dict[str, ModuleType] = {
    "token": token,
    "string": string,
    "date": date,
    "reference": reference,
    "quantity": quantity,
    "number": number,
    "uri": uri,
}


def _value_conditions(clause: Clause) -> Condition:
    module = KINDS[clause.kind]
    where = clause.label
    if clause.kind == "reference":
        conds = [reference.condition(v, clause.target_type, where) for v in clause.values]
    else:
        conds = [module.condition(v, clause.modifier, where) for v in clause.values]
    return any_of(conds)


def _index_ids(res_type: str, table: str, param: str, cond: Condition | None) -> Condition:
    param_sql, param_args = param_is(res_type, param)
    sql = f"SELECT i.res_id FROM {table} i WHERE i.res_type = ? AND {param_sql}"
    params: list[Any] = [res_type, *param_args]
    if cond is not None:
        sql += f" AND {cond[0]}"
        params.extend(cond[1])
    return sql, params


def _identifier_ids(clause: Clause) -> Condition:
    conds = [token.condition(v, None, clause.label) for v in clause.values]
    return _index_ids(clause.res_type, "sp_token", f"{clause.code}:identifier", any_of(conds))


def _resource_ids(res_type: str, cond: Condition) -> Condition:
    sql = (
        f"SELECT r2.res_id FROM resources r2 WHERE r2.res_type = ? AND r2.deleted = 0 AND {cond[0]}"
    )
    return sql, [res_type, *cond[1]]


def _special_ids(clause: Clause) -> Condition:
    if clause.kind == "id":
        ids = [split_pipe(v)[-1] for v in clause.values]
        return _resource_ids(clause.res_type, (f"r2.res_id IN ({','.join('?' * len(ids))})", ids))
    conds = [
        date.condition_on("r2.last_updated", "r2.last_updated", v, clause.label)
        for v in clause.values
    ]
    return _resource_ids(clause.res_type, any_of(conds))


def _source_ids(clause: Clause) -> Condition:
    """``_source`` reads ``resources.source`` (migration ``0005_source_column``)."""
    if clause.modifier == "missing":
        flag = _missing_flag(clause)
        return _resource_ids(clause.res_type, (f"r2.source IS {'' if flag else 'NOT '}NULL", []))
    conds = [uri.condition(v, clause.modifier, clause.label, "r2.source") for v in clause.values]
    return _resource_ids(clause.res_type, any_of(conds))


def _missing_flag(clause: Clause) -> bool:
    flag = clause.values[0].lower()
    if flag not in ("true", "false"):
        raise bad_request(":missing takes true or false", clause.label)
    return flag == "true"


def _chain_ids(clause: Clause) -> Condition:
    parts: list[Condition] = []
    for inner in clause.inners:
        inner_sql, inner_params = clause_ids(inner)[0]
        parts.append(
            (
                f"(i.target_type = ? AND i.target_id IN ({inner_sql}))",
                [inner.res_type, *inner_params],
            )
        )
    return _index_ids(clause.res_type, "sp_reference", clause.code, any_of(parts))


def _has_ids(clause: Clause) -> Condition:
    assert clause.param is not None and clause.target_type is not None
    inner_sql, inner_params = clause_ids(clause.inners[0])[0]
    param_sql, param_args = param_is(clause.target_type, clause.param.code)
    sql = (
        f"SELECT i.target_id FROM sp_reference i WHERE i.res_type = ? AND {param_sql} "
        f"AND i.target_type = ? AND i.res_id IN ({inner_sql})"
    )
    return sql, [clause.target_type, *param_args, clause.res_type, *inner_params]


def clause_ids(clause: Clause) -> tuple[Condition, bool]:
    """A subquery selecting the ids that satisfy ``clause``, and whether to negate it."""
    if clause.kind in ("id", "lastUpdated"):
        if clause.modifier:
            raise bad_request(f"{clause.code} takes no modifier", clause.label)
        return _special_ids(clause), False
    if clause.kind == "chain":
        return _chain_ids(clause), False
    if clause.kind == "has":
        return _has_ids(clause), False
    if clause.kind == "source":
        return _source_ids(clause), False
    table = KINDS[clause.kind].TABLE
    if clause.modifier == "missing":
        return _index_ids(clause.res_type, table, clause.code, None), _missing_flag(clause)
    if clause.modifier == "identifier":
        return _identifier_ids(clause), False
    ids = _index_ids(clause.res_type, table, clause.code, _value_conditions(clause))
    return ids, clause.modifier == "not"


#: how well a kind of clause narrows a search, best first (the SQLite driving clause)
DRIVING_RANK = {
    "id": 0,
    "reference": 1,
    "token": 1,
    "uri": 1,
    "source": 1,
    "string": 2,
    "chain": 3,
    "has": 3,
    "quantity": 4,
    "number": 4,
    "date": 5,
    "lastUpdated": 6,
}
_INDEX_IDS = re.compile(r"SELECT i\.res_id FROM (sp_\w+) i WHERE ")


def _driving(query: SearchQuery) -> int | None:
    """The position of the clause that should drive the query: positive, and narrowest."""
    ranked = [
        (DRIVING_RANK.get(c.kind, 7) if c.modifier != "missing" else 8, n)
        for n, c in enumerate(query.clauses)
        if c.modifier != "not" and not (c.modifier == "missing" and c.values[0] == "true")
    ]
    return min(ranked)[1] if ranked else None


def _probe(sql: str, row_id: str = "r.res_id", sqlite: bool = True) -> str | None:
    """An index-id subquery as a per-row ``EXISTS`` probe of ``row_id`` (same parameters),
    else None. SQLite is told to use the ``(res_type, res_id)`` index whatever its
    statistics say. On PostgreSQL the probe ends in ``OFFSET 0``, which keeps the planner
    from turning it into a join that the probed table could drive: it stays a test of
    each row, so the plan of a search driven by a patient's rows is the same whatever
    the values (see :func:`plan_can_be_kept`)."""
    found = _INDEX_IDS.match(sql)
    if found is None:
        return None
    table = found[1]
    hint = f" INDEXED BY ix_{table[3:]}_res" if sqlite else ""
    fence = "" if sqlite else " OFFSET 0"
    return (
        f"SELECT 1 FROM {table} i{hint} WHERE i.res_id = {row_id} AND {sql[found.end() :]}{fence}"
    )


#: reference targets whose referrers are few: one person's records, or one group's
_PERSON_TARGETS = frozenset({"Patient", "Group"})


def _names_patients(clause: Clause) -> bool:
    """A positive reference clause whose every value is a Patient, or a bare id on a
    parameter that can only point at a Patient or a Group (``Encounter?subject=<id>``):
    either way the rows it selects are one person's, or one group's, and few."""
    if clause.kind != "reference" or clause.modifier is not None:
        return False
    if clause.target_type == "Patient" or (clause.code == "patient" and not clause.target_type):
        return True
    values = [unescape(v) for v in clause.values]
    if all(v.startswith("Patient/") for v in values):
        return True
    targets = set(clause.param.targets) if clause.param is not None else set()
    return (
        not clause.target_type
        and bool(targets)
        and targets <= _PERSON_TARGETS
        and all("/" not in v and "|" not in v for v in values)
    )


Built = list[tuple[Condition, bool]]


def _patient_driver(query: SearchQuery) -> int | None:
    """The position of the first clause naming patients, or None."""
    return next((n for n, c in enumerate(query.clauses) if _names_patients(c)), None)


#: modifiers whose clause is not a positive test of the index rows of its kind
_UNPROBED_MODIFIERS = frozenset({"not", "missing", "identifier"})


def _lone_driver(query: SearchQuery) -> int | None:
    """0 when the search has one clause, a positive test of one index table's rows
    (``Patient?family=…``, ``Observation?code=…``); else None."""
    if len(query.clauses) != 1:
        return None
    clause = query.clauses[0]
    return 0 if clause.kind in KINDS and clause.modifier not in _UNPROBED_MODIFIERS else None


def plan_can_be_kept(query: SearchQuery, extra: list[Condition] | None = None) -> bool:
    """Whether one PostgreSQL plan serves this search whatever its values, so the server
    may keep it (a prepared statement's generic plan) instead of planning every request.

    True when a clause naming patients drives the search, every other clause is a per-row
    probe of that patient's index rows (``_probe``, fenced) and every access condition in
    ``extra`` is a plain test of the row: the plan's shape is then fixed, and a patient's
    compartment is small whatever the values. Any other search is planned for its own
    values every time: a generic plan, blind to them, drove
    ``MedicationRequest?status=active`` searches from every active prescription, and
    could drive an excluded category's test from every resource labelled with it."""
    driver = _patient_driver(query)
    if driver is None or any("SELECT" in sql for sql, _ in extra or ()):
        return False
    return all(
        n == driver or (clause.kind in KINDS and clause.modifier not in _UNPROBED_MODIFIERS)
        for n, clause in enumerate(query.clauses)
    )


def _patient_nested(query: SearchQuery, built: Built) -> tuple[set[int], Condition] | None:
    """On PostgreSQL: the first clause naming patients, with the other positive index
    clauses as ``EXISTS`` probes on its rows (the positions it covers, and the subquery),
    or None.

    A patient's compartment is bounded, so probing each of its index rows costs little
    whatever the other clauses match, and only the rows that pass every probe are joined
    to their resource. Left to itself PostgreSQL fetched every one of the patient's
    Observations before testing the code of each.
    """
    driver = _patient_driver(query)
    if driver is None:
        return None
    (sql, params), _ = built[driver]
    covered = {driver}
    probes: list[str] = []
    for n, ((probe_sql, probe_params), negate) in enumerate(built):
        probe = _probe(probe_sql, "d.res_id", sqlite=False)
        if n == driver or negate or probe is None:
            continue
        probes.append(f"EXISTS ({probe})")
        params = [*params, *probe_params]
        covered.add(n)
    if not probes:
        return None
    return covered, (f"SELECT d.res_id FROM ({sql}) d WHERE {' AND '.join(probes)}", params)


def where_clause(
    query: SearchQuery, extra: list[Condition], dialect: str = "postgresql"
) -> Condition:
    """The WHERE of the main query over ``resources r``."""
    built = [clause_ids(clause) for clause in query.clauses]
    parts = ["r.res_type = ?", "r.deleted = 0"]
    params: list[Any] = [query.res_type]
    nested = _patient_nested(query, built) if dialect == "postgresql" else None
    covered: set[int] = set()
    if nested is not None:
        covered, (sql, args) = nested
        parts.append(f"r.res_id IN ({sql})")
        params.extend(args)
    driver = _driving(query) if dialect == "sqlite" else None
    for n, ((sql, args), negate) in enumerate(built):
        if n in covered:
            continue
        probe = _probe(sql) if dialect == "sqlite" and n != driver else None
        if probe is not None:
            parts.append(f"{'NOT ' if negate else ''}EXISTS ({probe})")
        else:
            parts.append(f"r.res_id {'NOT IN' if negate else 'IN'} ({sql})")
        params.extend(args)
    for sql, args in extra:
        parts.append(sql)
        params.extend(args)
    return " AND ".join(parts), params


def _sort_expression(key: SortKey) -> Condition:
    if key.param is None:
        return ("r.res_id" if key.code == "_id" else "r.last_updated"), []
    if key.code == "_source":
        return "r.source", []
    module = KINDS[key.param.type]
    column = module.SORT_COLUMN
    if key.param.type == "date":
        column = "high" if key.descending else "low"
    aggregate = "MAX" if key.descending else "MIN"
    param_sql, param_args = param_is(key.param.base, key.code, "s")
    sql = (
        f"(SELECT {aggregate}(s.{column}) FROM {module.TABLE} s "
        f"WHERE s.res_type = r.res_type AND s.res_id = r.res_id AND {param_sql})"
    )
    return sql, param_args


def order_clause(query: SearchQuery) -> Condition:
    parts: list[str] = []
    params: list[Any] = []
    for key in query.sort:  # resources without the value come last either way
        expr, args = _sort_expression(key)
        direction = "DESC" if key.descending else "ASC"
        parts.append(f"{expr} {direction} NULLS LAST")
        params.extend(args)
    parts.append("r.res_id ASC")
    return ", ".join(parts), params


_ROW_COLUMN = re.compile(r"\br\.(\w+)")
#: the columns every index row shares with its resource's row (same values)
_SHARED_COLUMNS = frozenset({"res_id", "res_type", "patient_key"})


def _page_ids(
    query: SearchQuery, extra: list[Condition], limit: int, offset: int
) -> Condition | None:
    """On PostgreSQL, for a search ordered by id that names patients or has a single
    index clause: the page's ids chosen from the driving clause's index rows alone, every
    other clause and access condition tested on those rows, or None when that cannot be
    done.

    Index rows exist only for current, non-deleted versions, and carry their resource's
    type, id and patient key, so a page can be cut before any resource row is read: 21
    resources are joined instead of all of the patient's (0.9 -> 0.2 ms for a patient's
    305 Observations), or 11 instead of the 140 Patients a family name matched (0.98 ->
    0.20 ms on 1 M resources). A single clause's page is planned for its values
    (``plan_can_be_kept``): for a rare name, a range scan of the values' index and a sort
    of what it found; for a name that a million people share, a walk of the
    ``(res_type, res_id)`` index in id order that stops at the page's end.
    """
    if query.sort:
        return None
    driver = _patient_driver(query)
    if driver is None:
        driver = _lone_driver(query)
    if driver is None or any(
        col not in _SHARED_COLUMNS for sql, _ in extra for col in _ROW_COLUMN.findall(sql)
    ):
        return None
    built = [clause_ids(clause) for clause in query.clauses]
    (driver_sql, params), _ = built[driver]
    found = _INDEX_IDS.match(driver_sql)
    if found is None:
        return None
    rows = f"SELECT i.res_id, i.res_type, i.patient_key FROM {found[1]} i WHERE "
    tests: list[str] = []
    for n, ((sql, args), negate) in enumerate(built):
        if n == driver:
            continue
        probe = _probe(sql, "d.res_id", sqlite=False)
        if probe is not None:
            tests.append(f"{'NOT ' if negate else ''}EXISTS ({probe})")
        else:
            tests.append(f"d.res_id {'NOT IN' if negate else 'IN'} ({sql})")
        params = [*params, *args]
    for sql, args in extra:
        tests.append(_ROW_COLUMN.sub(r"d.\1", sql))
        params = [*params, *args]
    where = " AND ".join(tests) or "TRUE"
    sql = (
        f"SELECT DISTINCT d.res_id FROM ({rows}{driver_sql[found.end() :]}) d "
        f"WHERE {where} ORDER BY d.res_id LIMIT ? OFFSET ?"
    )
    return sql, [*params, limit, offset]


def select_page(
    query: SearchQuery, extra: list[Condition], limit: int, offset: int, dialect: str
) -> Condition:
    page = _page_ids(query, extra, limit, offset) if dialect == "postgresql" else None
    if page is not None:  # the access conditions are tested on the page's rows again
        conds = "".join(f" AND {c[0]}" for c in extra)
        sql = (
            "SELECT r.res_type, r.res_id, r.content FROM resources r "
            f"WHERE r.res_type = ? AND r.deleted = 0 AND r.res_id IN ({page[0]}){conds} "
            "ORDER BY r.res_id"
        )
        return sql, [query.res_type, *page[1], *(a for c in extra for a in c[1])]
    where, params = where_clause(query, extra, dialect)
    order, order_params = order_clause(query)
    sql = (
        "SELECT r.res_type, r.res_id, r.content FROM resources r "
        f"WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?"
    )
    return sql, [*params, *order_params, limit, offset]


def select_count(query: SearchQuery, extra: list[Condition], dialect: str) -> Condition:
    where, params = where_clause(query, extra, dialect)
    return f"SELECT COUNT(*) FROM resources r WHERE {where}", params
