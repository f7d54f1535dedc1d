"""The patient index: match features and blocks, person links, link events, candidate
pairs (the review queue) and estimated models.

Revision ID: identity_0002
Revises: identity_0001
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0002"
down_revision = "identity_0001"
branch_labels = None
depends_on = None

#: An auto-incrementing id on both backends (SQLite only auto-increments INTEGER keys).
_SERIAL = sa.BigInteger().with_variant(sa.Integer(), "sqlite")

_APPEND_ONLY = """
CREATE OR REPLACE FUNCTION identity_events_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'identity_events is append-only';
END $$ LANGUAGE plpgsql;
CREATE TRIGGER identity_events_no_change BEFORE UPDATE OR DELETE ON identity_events
  FOR EACH ROW EXECUTE FUNCTION identity_events_append_only();
"""


def upgrade() -> None:
    op.create_table(
        "identity_features",
        sa.Column("patient_id", sa.Text, primary_key=True),
        sa.Column("features", sa.Text, nullable=False),  # JSON, see identity.features
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
        sa.Column("pending", sa.SmallInteger, nullable=False, server_default="1"),  # to match
    )
    op.create_index("ix_identity_features_pending", "identity_features", ["pending"])
    op.create_table(
        "identity_blocks",
        sa.Column("block_key", sa.Text, nullable=False),  # rule + digest, no readable data
        sa.Column("patient_id", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("block_key", "patient_id"),
    )
    op.create_index("ix_identity_blocks_patient", "identity_blocks", ["patient_id"])
    op.create_table(
        "identity_links",
        sa.Column("patient_id", sa.Text, primary_key=True),
        sa.Column("person_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # deterministic | auto | manual
        sa.Column("score", sa.Float),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("linked_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_identity_links_person", "identity_links", ["person_id"])
    op.create_table(
        "identity_events",
        sa.Column("event_id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
        sa.Column("action", sa.Text, nullable=False),  # create | link | unlink | merge
        sa.Column("patient_id", sa.Text, nullable=False),
        sa.Column("person_id", sa.Text, nullable=False),
        sa.Column("previous_person_id", sa.Text),
        sa.Column("kind", sa.Text, nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
    )
    op.create_index("ix_identity_events_patient", "identity_events", ["patient_id"])
    op.create_index("ix_identity_events_person", "identity_events", ["person_id"])
    op.create_index("ix_identity_events_previous", "identity_events", ["previous_person_id"])
    op.create_table(
        "identity_pairs",
        sa.Column("pair_id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("patient_a", sa.Text, nullable=False),  # patient_a < patient_b
        sa.Column("patient_b", sa.Text, nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("vector", sa.Text, nullable=False),  # JSON levels, one per feature
        sa.Column("status", sa.Text, nullable=False),  # pending | linked | accepted | rejected
        sa.Column("reason", sa.Text),
        sa.Column("decided_by", sa.Text),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("patient_a", "patient_b", name="uq_identity_pairs"),
    )
    op.create_index("ix_identity_pairs_status", "identity_pairs", ["status", "probability"])
    op.create_index("ix_identity_pairs_b", "identity_pairs", ["patient_b"])
    op.create_table(
        "identity_models",
        sa.Column("model_id", _SERIAL, primary_key=True, autoincrement=True),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("params", sa.Text, nullable=False),  # JSON, see identity.model
    )
    if op.get_context().dialect.name == "postgresql":
        op.execute(_APPEND_ONLY)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS identity_events_no_change ON identity_events")
        op.execute("DROP FUNCTION IF EXISTS identity_events_append_only()")
    for table in (
        "identity_models",
        "identity_pairs",
        "identity_events",
        "identity_links",
        "identity_blocks",
        "identity_features",
    ):
        op.drop_table(table)
