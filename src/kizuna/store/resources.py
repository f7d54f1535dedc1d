"""Batched SQL over the resource, history and search-index tables.

Nothing here knows FHIR semantics: it stores versions and index rows that the FHIR layer
(``kizuna.fhir.repository``) computed. Every function works on many resources at once so
that a transaction of hundreds of entries costs a handful of statements, not hundreds.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from kizuna.store.db import Row, Tx

Key = tuple[str, str]  # (resource type, id)

RESOURCE_COLUMNS = (
    "res_type",
    "res_id",
    "version",
    "patient_key",
    "last_updated",
    "deleted",
    "hash",
    "content",
)
#: the columns of ``resources`` as written: the versioned ones and ``source`` (the
#: resource's ``meta.source``, which the ``_source`` search reads); history has no ``source``
CURRENT_COLUMNS = (*RESOURCE_COLUMNS, "source")
_COLS = ",".join(RESOURCE_COLUMNS)

#: index table -> its value columns (after res_type, res_id, patient_key, param)
INDEX_TABLES: dict[str, tuple[str, ...]] = {
    "sp_token": ("system", "code", "text_norm"),
    "sp_string": ("value_norm", "value_exact"),
    "sp_date": ("low", "high"),
    "sp_reference": ("target_type", "target_id", "url"),
    "sp_quantity": ("value", "system", "code", "unit"),
    "sp_number": ("value",),
    "sp_uri": ("value",),
}
#: IndexRows attribute -> table
INDEX_ATTRS: dict[str, str] = {
    "tokens": "sp_token",
    "strings": "sp_string",
    "dates": "sp_date",
    "references": "sp_reference",
    "quantities": "sp_quantity",
    "numbers": "sp_number",
    "uris": "sp_uri",
}
_CHUNK = 400


@dataclass(slots=True)
class Version:
    """One version of one resource as stored."""

    res_type: str
    res_id: str
    version: int
    patient_key: str | None
    last_updated: int
    deleted: bool
    hash: str | None
    content: str | None
    source: str | None = None  # meta.source; set on write only (reads leave it None)

    def row(self) -> tuple[Any, ...]:
        """The row of :data:`RESOURCE_COLUMNS` (``resource_history``)."""
        return (
            self.res_type,
            self.res_id,
            self.version,
            self.patient_key,
            self.last_updated,
            1 if self.deleted else 0,
            self.hash,
            self.content,
        )

    def current_row(self) -> tuple[Any, ...]:
        """The row of :data:`CURRENT_COLUMNS` (``resources``)."""
        return (*self.row(), self.source)

    @classmethod
    def from_row(cls, row: Row) -> Version:
        return cls(row[0], row[1], row[2], row[3], row[4], bool(row[5]), row[6], row[7])


@dataclass(slots=True)
class Head:
    """What a writer needs to know about the current version."""

    version: int
    deleted: bool
    hash: str | None
    patient_key: str | None = None


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def value_filter(column: str, values: Sequence[str], dialect: str) -> tuple[str, list[Any]]:
    """``column IN (...)`` for text values. On PostgreSQL the values are one array
    parameter (``= ANY``), so the statement reads the same for any number of values and is
    prepared once instead of parsed and planned anew for every list; elsewhere an IN list."""
    if dialect == "postgresql":
        return f"{column} = ANY(?::text[])", [list(values)]
    return f"{column} IN ({','.join('?' * len(values))})", list(values)


def select_by_values(
    table: str, columns: Sequence[str], column: str, values: Sequence[str], dialect: str
) -> tuple[str, list[Any]]:
    """``SELECT columns FROM table WHERE column IN values``, one index probe per value.

    On PostgreSQL each value is looked up on its own (``LATERAL``, fenced by ``OFFSET 0``
    so it stays a probe): a plain ``IN`` or ``= ANY`` let the planner, with statistics
    older than the table's growth (a load runs faster than autovacuum), keep a plan that
    scanned the whole table for every group of 50 keys: 0.5 ms at 5,000 ingest units and
    15 ms at 11,500, growing with every receipt loaded."""
    if dialect != "postgresql":
        where, args = value_filter(column, values, dialect)
        return f"SELECT {', '.join(columns)} FROM {table} WHERE {where}", args
    inner = ", ".join(columns)
    outer = ", ".join(f"t.{c}" for c in columns)
    return (
        f"SELECT {outer} FROM unnest(?::text[]) AS k(v) CROSS JOIN LATERAL "
        f"(SELECT {inner} FROM {table} WHERE {column} = k.v OFFSET 0) t",
        [list(dict.fromkeys(values))],  # a value asked twice gives its rows once, as IN does
    )


def rows_by_values(
    tx: Tx, table: str, columns: Sequence[str], column: str, values: Sequence[str]
) -> list[Row]:
    """The rows of :func:`select_by_values` (none for no values)."""
    if not values:
        return []
    return tx.fetchall(*select_by_values(table, columns, column, values, tx.dialect))


def delete_by_values_sql(
    table: str, column: str, values: Sequence[str], dialect: str
) -> tuple[str, list[Any]]:
    """``DELETE FROM table WHERE column IN values``, one index probe per value.

    On PostgreSQL the rows are found as :func:`select_by_values` finds them and deleted by
    their tuple ids: a plain ``= ANY`` was planned, with statistics older than the table's
    growth, as a scan of the whole table (``tests/store/test_rows_by_values.py``)."""
    if dialect != "postgresql":
        where, args = value_filter(column, values, dialect)
        return f"DELETE FROM {table} WHERE {where}", args
    found, args = select_by_values(table, ("ctid",), column, values, dialect)
    return f"DELETE FROM {table} WHERE ctid = ANY(ARRAY({found}))", args


def delete_by_values(tx: Tx, table: str, column: str, values: Sequence[str]) -> None:
    """Delete the rows whose ``column`` is one of ``values`` (none for no values)."""
    if values:
        tx.execute(*delete_by_values_sql(table, column, values, tx.dialect))


def key_filter(keys: Sequence[Key], dialect: str, alias: str = "") -> tuple[str, list[Any]]:
    """``(res_type, res_id) IN (...)`` in a form that makes both backends use the key index.

    On PostgreSQL the keys are two arrays joined to the table, so the plan is one index probe
    per key whatever the statistics say; an ``OR`` of per-type ``IN`` lists let the planner,
    with statistics that had not yet seen a type, scan every row of that type instead.
    One key is an equality on the primary key on both: the cheapest statement to plan.
    """
    if len(keys) == 1:
        return f"({alias}res_type = ? AND {alias}res_id = ?)", [keys[0][0], keys[0][1]]
    if dialect == "postgresql":
        return (
            f"(({alias}res_type, {alias}res_id) IN (SELECT * FROM unnest(?::text[], ?::text[])))",
            [[k[0] for k in keys], [k[1] for k in keys]],
        )
    by_type: dict[str, list[str]] = {}
    for res_type, res_id in keys:
        by_type.setdefault(res_type, []).append(res_id)
    clauses: list[str] = []
    params: list[Any] = []
    for res_type, ids in by_type.items():
        marks = ",".join("?" * len(ids))
        clauses.append(f"({alias}res_type = ? AND {alias}res_id IN ({marks}))")
        params.append(res_type)
        params.extend(ids)
    return "(" + " OR ".join(clauses) + ")", params


def heads(tx: Tx, keys: Sequence[Key], lock: bool = False) -> dict[Key, Head]:
    """Current version, deleted flag and content hash for each existing key.

    ``lock`` takes the rows' write locks (PostgreSQL) in key order, so two such statements
    locking overlapping keys queue behind each other. Locks a transaction took in earlier
    statements are outside that order: the ingest pipeline retries a group crossed by
    another writer whole, in a new transaction (``kizuna.ingest.pipeline``)."""
    found: dict[Key, Head] = {}
    wanted = list(dict.fromkeys(keys))
    suffix = ""
    if lock and tx.dialect == "postgresql":
        wanted.sort()
        # byte order, as Python sorts the keys, so every chunk follows the same order
        suffix = ' ORDER BY res_type COLLATE "C", res_id COLLATE "C" FOR UPDATE'
    for chunk in _chunks(wanted):
        where, params = key_filter(chunk, tx.dialect)
        sql = (
            "SELECT res_type, res_id, version, deleted, hash, patient_key "
            f"FROM resources WHERE {where}{suffix}"
        )
        for row in tx.fetchall(sql, params):
            found[(row[0], row[1])] = Head(row[2], bool(row[3]), row[4], row[5])
    return found


def current(tx: Tx, keys: Sequence[Key]) -> dict[Key, Version]:
    """The current stored version of each existing key (deleted ones included)."""
    found: dict[Key, Version] = {}
    for chunk in _chunks(list(dict.fromkeys(keys))):
        where, params = key_filter(chunk, tx.dialect)
        for row in tx.fetchall(f"SELECT {_COLS} FROM resources WHERE {where}", params):
            found[(row[0], row[1])] = Version.from_row(row)
    return found


def version_of(tx: Tx, key: Key, version: int) -> Version | None:
    """A specific version, current or historical."""
    for table in ("resources", "resource_history"):
        row = tx.fetchone(
            f"SELECT {_COLS} FROM {table} WHERE res_type = ? AND res_id = ? AND version = ?",
            (key[0], key[1], version),
        )
        if row is not None:
            return Version.from_row(row)
    return None


def archive(tx: Tx, keys: Sequence[Key]) -> None:
    """Move the current versions of ``keys`` to history and drop their index rows.

    On PostgreSQL that is one statement (the deletes as data-modifying ``WITH`` queries,
    which run once each whether read or not) instead of one per table: nine round trips
    became one for every group of units that updates resources."""
    for chunk in _chunks(list(keys)):
        where, params = key_filter(chunk, tx.dialect)
        if tx.dialect == "postgresql":
            tx.execute(*_archive_statement(where, params))
            continue
        tx.execute(
            f"INSERT INTO resource_history ({_COLS}) SELECT {_COLS} FROM resources WHERE {where}",
            params,
        )
        delete_index_rows(tx, where, params)
        tx.execute(f"DELETE FROM resources WHERE {where}", params)


def _archive_statement(where: str, params: list[Any]) -> tuple[str, list[Any]]:
    """:func:`archive` of the resources ``where`` selects, as one PostgreSQL statement."""
    drops = [f"drop_{table} AS (DELETE FROM {table} WHERE {where})" for table in INDEX_TABLES]
    moved = f"moved AS (DELETE FROM resources WHERE {where} RETURNING {_COLS})"
    sql = (
        f"WITH {', '.join([*drops, moved])} "
        f"INSERT INTO resource_history ({_COLS}) SELECT {_COLS} FROM moved"
    )
    return sql, params * (len(drops) + 1)


def delete_index_rows(tx: Tx, where: str, params: list[Any], count: bool = False) -> int:
    """Delete the index rows of the resources ``where`` (from :func:`key_filter`) selects;
    with ``count``, return how many went (0 otherwise)."""
    removed = 0
    for table in INDEX_TABLES:
        if count:
            removed += len(tx.fetchall(f"DELETE FROM {table} WHERE {where} RETURNING 1", params))
        else:
            tx.execute(f"DELETE FROM {table} WHERE {where}", params)
    return removed


def insert_versions(tx: Tx, versions: Sequence[Version]) -> None:
    tx.insert_rows("resources", CURRENT_COLUMNS, [v.current_row() for v in versions])


def index_columns(table: str) -> tuple[str, ...]:
    """The columns of an index table's rows, in the order :func:`insert_index_rows` takes."""
    return ("res_type", "res_id", "patient_key", "param", *INDEX_TABLES[table])


def insert_index_rows(tx: Tx, rows_by_table: dict[str, list[tuple[Any, ...]]]) -> None:
    for table, rows in rows_by_table.items():
        if rows:
            tx.insert_rows(table, index_columns(table), rows)


def history(
    tx: Tx,
    res_type: str | None,
    res_id: str | None,
    since_ms: int | None,
    limit: int,
    offset: int,
) -> list[Version]:
    """Versions newest first, for an instance, a type, or the whole system.

    One resource's versions are ordered by version number alone: its history stays in
    write order even if the clock stepped back between two writes. Across resources the
    order is by time, and versions written in the same millisecond by key, so the order is
    total and pages of one listing neither repeat nor skip a version (PostgreSQL's top-N
    sort orders ties differently for every LIMIT).
    """
    where: list[str] = []
    params: list[Any] = []
    if res_type:
        where.append("res_type = ?")
        params.append(res_type)
    if res_id:
        where.append("res_id = ?")
        params.append(res_id)
    if since_ms is not None:
        where.append("last_updated >= ?")
        params.append(since_ms)
    cond = ("WHERE " + " AND ".join(where)) if where else ""
    sql = (
        f"SELECT {_COLS} FROM (SELECT {_COLS} FROM resources {cond} "
        f"UNION ALL SELECT {_COLS} FROM resource_history {cond}) AS h "
        f"ORDER BY {_history_order(res_type, res_id)} LIMIT ? OFFSET ?"
    )
    rows = tx.fetchall(sql, [*params, *params, limit, offset])
    return [Version.from_row(r) for r in rows]


def _history_order(res_type: str | None, res_id: str | None) -> str:
    if res_type and res_id:
        return "version DESC"
    return "last_updated DESC, version DESC, res_type, res_id"


def history_count(tx: Tx, res_type: str | None, res_id: str | None, since_ms: int | None) -> int:
    where: list[str] = []
    params: list[Any] = []
    if res_type:
        where.append("res_type = ?")
        params.append(res_type)
    if res_id:
        where.append("res_id = ?")
        params.append(res_id)
    if since_ms is not None:
        where.append("last_updated >= ?")
        params.append(since_ms)
    cond = ("WHERE " + " AND ".join(where)) if where else ""
    total = 0
    for table in ("resources", "resource_history"):
        row = tx.fetchone(f"SELECT COUNT(*) FROM {table} {cond}", params)
        total += int(row[0]) if row else 0
    return total
