"""One small database interface over SQLite (embedded default) and PostgreSQL (production).

SQL is written once with ``?`` placeholders; the PostgreSQL side rewrites them to ``%s``.
Everything above this module (the FHIR store, quarantine, audit, users) talks to
:class:`Database` and :class:`Tx` only, so both backends run the same code and the same
tests.
"""

from __future__ import annotations

import functools
import itertools
import logging
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlparse

Row = tuple[Any, ...]


class _RepeatedDriverError(logging.Filter):
    """Drops psycopg's warning "error ignored terminating <Pipeline …>".

    psycopg sends an ``executemany`` as a pipeline. When a row fails (a unique key two
    ingest workers both inserted, say), the error reaches the caller, which handles it
    (retries, quarantines); if it was read while rows were still going out, psycopg also
    logs that ending the pipeline failed because of it. That line only repeats a handled
    error, and a command's output would show it as if it were a fault of its own."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error ignored terminating")


_DRIVER_FILTER = _RepeatedDriverError()


def _quiet_repeated_driver_errors() -> None:
    """Installs the filter on psycopg's logger (once: adding a filter twice is a no-op)."""
    logging.getLogger("psycopg").addFilter(_DRIVER_FILTER)


def quiet_pool_warnings() -> None:
    """For commands that report a lost database themselves, in one line: the pool's own
    warnings (each connection it discards, each failed reconnection) would come first and
    repeat it, a dozen lines when PostgreSQL restarts mid-command. The server keeps them
    in its log."""
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)


class DatabaseUnavailable(RuntimeError):
    """The configured database cannot be reached."""


class Tx(Protocol):
    """A unit of work inside one database transaction."""

    dialect: str

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None: ...

    def fetchall(
        self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
    ) -> list[Row]:
        """``prepare`` is psycopg's: None lets it prepare a statement run often (PostgreSQL
        may then keep a generic plan), False plans every execution for its values."""
        ...

    def fetchone(
        self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
    ) -> Row | None: ...

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert many rows at once (COPY on PostgreSQL for large batches)."""
        ...


@dataclass(frozen=True)
class DatabaseUrl:
    dialect: str  # "sqlite" | "postgresql"
    url: str
    path: Path | None = None  # for sqlite

    @classmethod
    def parse(cls, url: str) -> DatabaseUrl:
        if url.startswith("sqlite:///"):
            raw = url[len("sqlite:///") :]
            return cls("sqlite", url, Path(raw) if raw != ":memory:" else None)
        scheme = urlparse(url).scheme
        if scheme in ("postgresql", "postgres", "postgresql+psycopg"):
            return cls("postgresql", url.replace("postgresql+psycopg://", "postgresql://"))
        raise ValueError(
            f"unsupported database URL scheme {scheme!r}: use sqlite:/// or postgresql://"
        )


#: Below this many rows an INSERT is cheaper than starting a COPY.
COPY_THRESHOLD = 16


@lru_cache(maxsize=256)
def _insert_sql(table: str, columns: tuple[str, ...]) -> str:
    return f"INSERT INTO {table} ({','.join(columns)}) VALUES ({','.join('?' * len(columns))})"


@lru_cache(maxsize=4096)
def to_pyformat(sql: str) -> str:
    """``?`` placeholders to psycopg's ``%s`` (literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class _SqliteTx:
    dialect = "sqlite"

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)

    def fetchall(
        self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
    ) -> list[Row]:
        return self._conn.execute(sql, params).fetchall()

    def fetchone(
        self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
    ) -> Row | None:
        row: Row | None = self._conn.execute(sql, params).fetchone()
        return row

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if rows:
            self._conn.executemany(_insert_sql(table, tuple(columns)), rows)


class _PostgresTx:
    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self._conn = conn
        self._cur = conn.cursor()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cur.execute(to_pyformat(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._cur.executemany(to_pyformat(sql), list(rows))

    def fetchall(
        self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
    ) -> list[Row]:
        self._cur.execute(to_pyformat(sql), params, prepare=prepare)
        return self._cur.fetchall()

    def fetchone(
        self, sql: str, params: Sequence[Any] = (), *, prepare: bool | None = None
    ) -> Row | None:
        self._cur.execute(to_pyformat(sql), params, prepare=prepare)
        row: Row | None = self._cur.fetchone()
        return row

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        if not rows:
            return
        if len(rows) < COPY_THRESHOLD:
            self._cur.executemany(to_pyformat(_insert_sql(table, tuple(columns))), rows)
            return
        with self._cur.copy(f"COPY {table} ({','.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _configure_pg(conn: Any, settings: tuple[tuple[str, str], ...] = ()) -> None:
    """Session settings for every pooled connection. JIT compilation is off: Kizuna's
    queries are short key and index lookups, and JIT (triggered by row estimates, which
    grow with the tables before ANALYZE has run) cost 100-600 ms per statement in
    measurements where the query itself took under 5 ms.

    Plans are kept (PostgreSQL's default ``plan_cache_mode``): psycopg prepares a statement
    after its fifth execution, and PostgreSQL may then reuse one generic plan instead of
    planning every execution, which for key lookups and the audit append cost more than
    running them. A generic plan's estimates ignore the values, which is wrong for searches
    whose best plan depends on them (``MedicationRequest?status=active`` driven from the
    thousands of active prescriptions took 22.7 ms instead of 0.09 ms), so the search
    engine runs every search whose plan is not fixed unprepared: planned for its own values
    each time (``kizuna.fhir.search.sql.plan_can_be_kept``).

    ``settings`` are further session settings a kind of process asks for (the ingest
    workers' bounded lock waits, ``kizuna.ingest.parallel``)."""
    from psycopg import sql

    conn.execute("SET jit = off")
    for name, value in settings:
        conn.execute(sql.SQL("SET {} = {}").format(sql.Identifier(name), sql.Literal(value)))


#: SQLite gathers no planner statistics by itself: a sampled ANALYZE (rows per index) runs
#: after this many committed write transactions of one Database (kizuna.store.statistics)
SQLITE_ANALYZE_EVERY = 2000
SQLITE_ANALYZE_ROWS = 1000


def sqlite_analyze(target: sqlite3.Connection | Tx) -> None:
    """A sampled ANALYZE: milliseconds even on a file of gigabytes."""
    target.execute(f"PRAGMA analysis_limit={SQLITE_ANALYZE_ROWS}")
    target.execute("ANALYZE")


class Database:
    """A connection source for one configured database."""

    def __init__(
        self, url: str, pool_size: int = 8, settings: dict[str, str] | None = None
    ) -> None:
        """``settings``: PostgreSQL session settings for every connection of this source."""
        self.url = DatabaseUrl.parse(url)
        self._settings = tuple((settings or {}).items())
        self.dialect = self.url.dialect
        self._local = threading.local()
        self._pool: Any = None
        self._pool_size = pool_size
        self.analyze_every = SQLITE_ANALYZE_EVERY
        self._writes = itertools.count(1)
        if self.dialect == "sqlite" and self.url.path is not None:
            self.url.path.parent.mkdir(parents=True, exist_ok=True)

    # -- connections -------------------------------------------------------------------
    def _sqlite_conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            target = str(self.url.path) if self.url.path else ":memory:"
            conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA cache_size=-65536")
            conn.execute("PRAGMA temp_store=MEMORY")
            self._local.conn = conn
        return conn

    def _pg_pool(self) -> Any:
        if self._pool is None:
            from psycopg_pool import ConnectionPool

            _quiet_repeated_driver_errors()
            self._pool = ConnectionPool(
                self.url.url,
                min_size=1,
                max_size=self._pool_size,
                open=False,
                kwargs={"autocommit": True},  # writes open explicit transactions
                configure=functools.partial(_configure_pg, settings=self._settings),
            )
            try:
                self._pool.open(wait=True, timeout=10)
            except Exception as exc:  # pool timeout or connection refused
                self._pool = None
                raise DatabaseUnavailable(f"cannot connect to PostgreSQL: {exc}") from exc
        return self._pool

    @contextmanager
    def transaction(self, write: bool = True) -> Iterator[Tx]:
        """One database transaction: committed on success, rolled back on any error."""
        if self.dialect == "sqlite":
            conn = self._sqlite_conn()
            conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            try:
                yield _SqliteTx(conn)
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            if write and next(self._writes) % self.analyze_every == 0:
                sqlite_analyze(conn)  # the tables grew: keep search plans on real figures
            return
        with self._pg_pool().connection() as conn:
            if write:
                with conn.transaction():
                    yield _PostgresTx(conn)
            else:  # autocommit: each statement sees committed data, no BEGIN/COMMIT trips
                yield _PostgresTx(conn)

    def read(self) -> Any:
        """For reads: no write lock on SQLite, no transaction round trips on PostgreSQL."""
        return self.transaction(write=False)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
