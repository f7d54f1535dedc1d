"""SQLite: identity_events (who linked, merged or unlinked which records) refuses UPDATE
and DELETE, as it already did on PostgreSQL.

Revision ID: identity_0003
Revises: identity_0002
Create Date: 2026-11-24
"""

from __future__ import annotations

from alembic import op

revision = "identity_0003"
down_revision = "identity_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER identity_events_no_{event.lower()} BEFORE {event} ON identity_events "
            "BEGIN SELECT RAISE(ABORT, 'identity_events is append-only'); END"
        )


def downgrade() -> None:
    if op.get_context().dialect.name != "sqlite":
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS identity_events_no_{event}")
