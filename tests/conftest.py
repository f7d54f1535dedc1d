"""Fixtures shared by the whole suite: where the sample data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


def _shared_data() -> Path:
    """``$KIZUNA_SHARED_DATA``, else ``../shared/data`` beside the checkout, else the
    workplace's copy (a fresh clone elsewhere still finds it)."""
    if os.environ.get("KIZUNA_SHARED_DATA"):
        return Path(os.environ["KIZUNA_SHARED_DATA"])
    for candidate in (REPO.parent / "shared" / "data", Path("/work/shared/data")):
        if candidate.is_dir():
            return candidate
    return REPO.parent / "shared" / "data"


SHARED_DATA = _shared_data()
IN_CI = os.environ.get("CI", "").lower() == "true"

# -- property tests ----------------------------------------------------------------------
# Hypothesis fails an example that runs longer than its deadline (200 ms by default), and
# reports a FlakyFailure when the replay is fast. On a shared or slower machine a single
# garbage collection or a busy CPU is enough, so no property test has a deadline: what they
# check is correctness, and pytest-timeout still stops one that hangs. A test that sets its
# own ``@settings`` inherits this profile for everything it leaves out.

from hypothesis import settings as hypothesis_settings  # noqa: E402

hypothesis_settings.register_profile("kizuna", deadline=None)
hypothesis_settings.load_profile("kizuna")


@pytest.fixture(scope="session")
def samples() -> Path:
    """The licence-compatible samples shipped in the repository."""
    return SAMPLES


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Public samples that may not be copied into the repository (read in place).

    Under CI=true a missing folder is a failure, not a skip.
    """
    if not SHARED_DATA.is_dir():
        if IN_CI:
            pytest.fail(f"shared sample data missing at {SHARED_DATA}")
        pytest.skip(f"shared sample data not present at {SHARED_DATA}")
    return SHARED_DATA


# -- databases ---------------------------------------------------------------------------
# Every storage test runs on both backends: an embedded SQLite file and PostgreSQL at
# KIZUNA_TEST_PG_URL (default: the CI server's database "test"). Each session works in a
# schema of its own; each test starts from empty tables. Under CI=true an unreachable
# PostgreSQL fails the test instead of skipping it.

import uuid  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from typing import Any  # noqa: E402

PG_URL = os.environ.get("KIZUNA_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def _pg_available() -> str | None:
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return None


@pytest.fixture(scope="session")
def _migrated_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """One migrated database per backend for the whole session (created lazily)."""
    made: dict[str, str] = {}
    yield made
    if "postgresql" in made:
        import psycopg

        schema = made["postgresql"].rsplit("%3D", 1)[1]
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _make_url(backend: str, made: dict[str, str], tmp: pytest.TempPathFactory) -> str:
    from kizuna.store.migrate import upgrade

    if backend in made:
        return made[backend]
    if backend == "sqlite":
        url = f"sqlite:///{tmp.mktemp('db') / 'kizuna.sqlite3'}"
    else:
        problem = _pg_available()
        if problem:
            if IN_CI:
                pytest.fail(f"PostgreSQL unreachable at {PG_URL}: {problem}")
            pytest.skip(f"PostgreSQL unreachable: {problem}")
        import psycopg

        schema = f"kz_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = _pg_schema_url(schema)
    upgrade(url)
    made[backend] = url
    return url


@contextmanager
def sqlite_triggers_off(tx: Any, tables: tuple[str, ...]) -> Iterator[None]:
    """Drop the tables' SQLite triggers, and create them again as they were."""
    marks = ",".join("?" * len(tables))
    triggers = tx.fetchall(
        f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks})",
        tables,
    )
    for name, _ in triggers:
        tx.execute(f'DROP TRIGGER "{name}"')
    yield
    for _, sql in triggers:
        tx.execute(sql)


def _empty_tables(url: str) -> None:
    from kizuna.store.db import Database

    db = Database(url)
    try:
        with db.transaction() as tx:
            if tx.dialect == "sqlite":
                names = [
                    r[0] for r in tx.fetchall("SELECT name FROM sqlite_master WHERE type = 'table'")
                ]
                tables = tuple(
                    n for n in names if n != "alembic_version" and not n.startswith("sqlite_")
                )
                with sqlite_triggers_off(tx, tables):  # append-only tables refuse DELETE
                    for name in tables:
                        tx.execute(f'DELETE FROM "{name}"')
            else:
                names = [
                    r[0]
                    for r in tx.fetchall(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    )
                ]
                tables = ", ".join(f'"{n}"' for n in names if n != "alembic_version")
                if tables:
                    tx.execute(f"TRUNCATE {tables}")
    finally:
        db.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest,
    _migrated_urls: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
) -> str:
    """A migrated, empty database, once per backend."""
    url = _make_url(request.param, _migrated_urls, tmp_path_factory)
    _empty_tables(url)
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[object]:
    from kizuna.store.db import Database

    database = Database(database_url)
    yield database
    database.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("database_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)


# -- a real HTTP server ------------------------------------------------------------------


class LiveServer:
    """Kizuna served by uvicorn on a pre-bound loopback socket in a background thread."""

    def __init__(self, app: object) -> None:
        import socket
        import threading

        import uvicorn

        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)  # connections queue here until uvicorn accepts them
        port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )
        self.thread.start()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def make_live_server(tmp_path: Path) -> Iterator[object]:
    """A factory: ``make_live_server(database_url, **settings)`` -> LiveServer."""
    servers: list[LiveServer] = []

    def make(database_url: str, **overrides: object) -> LiveServer:
        from kizuna.api.app import create_app
        from kizuna.config import Settings

        options: dict[str, object] = {
            "database_url": database_url,
            "data_dir": tmp_path / "var",
            **overrides,
        }
        settings = Settings(**options)  # type: ignore[arg-type]
        server = LiveServer(create_app(settings, migrate=False))
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def live_server(database_url: str, make_live_server: object) -> LiveServer:
    return make_live_server(database_url)  # type: ignore[operator]
