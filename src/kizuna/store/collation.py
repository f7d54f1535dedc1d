"""The collation of the store's key columns, for the migrations that set it."""

from __future__ import annotations

from alembic import op


def collate(columns: dict[str, tuple[str, ...]], collation: str) -> None:
    """Give ``columns`` (table -> names) ``collation`` on PostgreSQL, one statement per
    table so each of its indexes is rebuilt once (the heap is not rewritten). SQLite
    compares bytes already (BINARY), so nothing changes there."""
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, names in columns.items():
        changes = ", ".join(f'ALTER COLUMN {n} TYPE text COLLATE "{collation}"' for n in names)
        op.execute(f"ALTER TABLE {table} {changes}")
