"""Emergency access (break-the-glass) grants, disasters and patient notifications.

Revision ID: access_0001
Revises: 0001_fhir_store
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "access_0001"
down_revision = "0001_fhir_store"
branch_labels = ("access",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "emergency_grants",
        sa.Column("grant_id", sa.Text, primary_key=True),
        sa.Column("subject", sa.Text, nullable=False),  # the user who declared it
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("facility_code", sa.Text),
        sa.Column("patient_id", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("started_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
        sa.Column("revoked_ms", sa.BigInteger),
    )
    op.create_index("ix_grants_subject_patient", "emergency_grants", ["subject", "patient_id"])
    op.create_table(
        "disasters",
        sa.Column("disaster_id", sa.Text, primary_key=True),
        sa.Column("prefectures", sa.Text, nullable=False),  # comma-separated 2-digit numbers
        sa.Column("starts_ms", sa.BigInteger, nullable=False),
        sa.Column("ends_ms", sa.BigInteger, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("declared_by", sa.Text, nullable=False),
        sa.Column("declared_ms", sa.BigInteger, nullable=False),
        sa.Column("ended_ms", sa.BigInteger),
    )
    op.create_table(
        "notifications",
        sa.Column("notification_id", sa.Text, primary_key=True),
        sa.Column("patient_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # emergency-access | consent-change
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("body", sa.Text, nullable=False),  # JSON, in plain words for the patient
        sa.Column("delivered_ms", sa.BigInteger),
        sa.Column("channel", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_error", sa.Text),
    )
    op.create_index("ix_notifications_patient", "notifications", ["patient_id", "created_ms"])


def downgrade() -> None:
    for table in ("notifications", "disasters", "emergency_grants"):
        op.drop_table(table)
