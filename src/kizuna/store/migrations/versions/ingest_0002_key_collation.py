"""The ingestion bookkeeping's keys compare bytewise (the ``"C"`` collation), as the
store's do since ``0004_key_collation``: unit keys and the resource keys units produced are
identifiers, and every unit writes about seven rows into these B-tree indexes.

Revision ID: ingest_0002
Revises: ingest_0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from kizuna.store.collation import collate

revision = "ingest_0002"
down_revision = "ingest_0001"
branch_labels = None
depends_on = None

KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "ingest_units": ("unit_key",),
    "ingest_unit_resources": ("unit_key", "res_type", "res_id"),
}


def upgrade() -> None:
    collate(KEY_COLUMNS, "C")


def downgrade() -> None:
    collate(KEY_COLUMNS, "default")
