"""Deterministic patient link keys: normalised insurance member ids and facility-local ids.

Revision ID: identity_0001
Revises: 0001_fhir_store
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "identity_0001"
down_revision = "0001_fhir_store"
branch_labels = ("identity",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_keys",
        sa.Column("link_key", sa.Text, primary_key=True),  # "ins:..." or "loc:system|value"
        sa.Column("patient_id", sa.Text, nullable=False),
    )
    op.create_index("ix_identity_keys_patient", "identity_keys", ["patient_id"])


def downgrade() -> None:
    op.drop_table("identity_keys")
