"""SQLite: the audit tables refuse DELETE as well as UPDATE (PostgreSQL already did).

Revision ID: audit_0002
Revises: audit_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "audit_0002"
down_revision = "audit_0001"
branch_labels = None
depends_on = None

TABLES = ("audit_log", "audit_patients", "audit_checkpoints")


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for table in TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'audit tables are append-only'); END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for table in TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")
