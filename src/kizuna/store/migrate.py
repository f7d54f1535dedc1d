"""Schema migrations (Alembic): bring any existing database up to the current schema."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from kizuna.store.db import DatabaseUrl

MIGRATIONS = Path(__file__).parent / "migrations"


def sqlalchemy_url(url: str) -> str:
    """Our URL as SQLAlchemy wants it (psycopg 3 driver for PostgreSQL)."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    config.set_main_option("version_path_separator", "os")
    return config


def upgrade(url: str) -> None:
    """Apply every pending migration of every module branch."""
    target = DatabaseUrl.parse(url)
    if target.path is not None:  # a new SQLite file may sit in a folder not made yet
        target.path.parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), "heads")


def current_heads(url: str) -> set[str]:
    """The revisions the database is at."""
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import create_engine, pool

    engine = create_engine(sqlalchemy_url(url), poolclass=pool.NullPool)
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
