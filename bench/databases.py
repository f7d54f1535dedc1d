"""Scratch databases for the benchmarks: a SQLite file or a PostgreSQL schema per name."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import psycopg

PG_BASE = os.environ.get("KIZUNA_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/test")


def _schema_url(schema: str) -> str:
    joiner = "&" if "?" in PG_BASE else "?"
    return f"{PG_BASE}{joiner}options=-csearch_path%3D{schema}"


def fresh_database(backend: str, folder: Path, name: str) -> str:
    """An empty database: the file (with any WAL of an earlier run) or schema is replaced."""
    if backend == "sqlite":
        path = folder / f"{name}.sqlite3"
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    schema = f"bench_{name}"
    with psycopg.connect(PG_BASE, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.execute(f'CREATE SCHEMA "{schema}"')
    return _schema_url(schema)


def kept_database(backend: str, folder: Path, name: str) -> str:
    """The database an earlier run of the same name left (with --keep)."""
    if backend == "sqlite":
        path = folder / f"{name}.sqlite3"
        if not path.is_file():
            sys.exit(f"{path} does not exist: run once without --skip bulk, with --keep")
        return f"sqlite:///{path}"
    return _schema_url(f"bench_{name}")
