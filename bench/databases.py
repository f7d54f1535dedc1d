"""Scratch databases for the benchmarks: a SQLite file or a PostgreSQL schema per name."""

from __future__ import annotations

import os
import resource
import sys
from collections.abc import Callable, Sequence
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


def copy_batches(
    url: str, batches: list[str], columns: Callable[[str], Sequence[str]] | None = None
) -> int:
    """COPY the ``TABLE.copy`` files of every batch folder into their tables, one
    transaction per batch; the rows sent. ``columns`` names a table's columns in the
    files' order (every column, in the table's order, when None)."""
    sent = 0
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        for batch in batches:
            with conn.transaction():
                for file in sorted(Path(batch).glob("*.copy")):
                    data = file.read_bytes()
                    names = f" ({','.join(columns(file.stem))})" if columns else ""
                    with cur.copy(f"COPY {file.stem}{names} FROM STDIN") as copy:
                        copy.write(data)
                    sent += data.count(b"\n")
    return sent


def server_cpu_seconds(url: str) -> float:
    """CPU seconds the PostgreSQL server has used: the postmaster, its live children, and
    its ended children (a backend's time is added to the postmaster's when it exits)."""
    with psycopg.connect(url) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]  # type: ignore[index]
        postmaster = _stat(backend)[1]
    ticks = sum(_stat(postmaster)[11:15])  # utime, stime, and both for ended children
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and fields[1] == postmaster:
                ticks += fields[11] + fields[12]
    return ticks / os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[int]:
    """The numeric fields of /proc/PID/stat after the command name (index 1 is the
    parent's pid, 11-14 utime, stime, cutime, cstime); empty if the process is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return []
    fields = text.rsplit(")", 1)[1].split()
    return [int(f) if f.lstrip("-").isdigit() else 0 for f in fields]


def children_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
