"""Ingestion bookkeeping: units seen (for idempotency and superseding), what each unit
produced, the quarantine, and watch-mode file state.

Revision ID: ingest_0001
Revises: 0001_fhir_store
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ingest_0001"
down_revision = "0001_fhir_store"
branch_labels = ("ingest",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_units",
        sa.Column("unit_key", sa.Text, primary_key=True),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("version", sa.Text, nullable=False),
        sa.Column("digest", sa.Text, nullable=False),
        sa.Column("patient_id", sa.Text),
        sa.Column("deleted", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "ingest_unit_resources",
        sa.Column("unit_key", sa.Text, nullable=False),
        sa.Column("res_type", sa.Text, nullable=False),
        sa.Column("res_id", sa.Text, nullable=False),
        sa.Column("patient_key", sa.Text),
    )
    op.create_index("ix_unit_resources_unit", "ingest_unit_resources", ["unit_key"])
    op.create_index("ix_unit_resources_resource", "ingest_unit_resources", ["res_type", "res_id"])
    op.create_table(
        "quarantine",
        sa.Column("item_id", sa.Text, primary_key=True),
        sa.Column("format", sa.Text, nullable=False),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("location", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("raw", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.Text, nullable=False),  # open | replayed | discarded
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("resolved_ms", sa.BigInteger),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_quarantine_status", "quarantine", ["status", "created_ms"])
    op.create_table(
        "watch_files",
        sa.Column("root", sa.Text, nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("mtime_ns", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("root", "path"),
    )


def downgrade() -> None:
    for table in ("watch_files", "quarantine", "ingest_unit_resources", "ingest_units"):
        op.drop_table(table)
