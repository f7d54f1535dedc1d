"""Bulk Data export jobs.

Revision ID: 0002_export_jobs
Revises: 0001_fhir_store
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_export_jobs"
down_revision = "0001_fhir_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "export_jobs",
        sa.Column("job_id", sa.Text, primary_key=True),
        sa.Column("kind", sa.Text, nullable=False),  # system | patient | group
        sa.Column("group_id", sa.Text),
        sa.Column("types", sa.Text),  # comma-separated, empty for all
        sa.Column("since_ms", sa.BigInteger),
        sa.Column(
            "status", sa.Text, nullable=False
        ),  # accepted | running | done | failed | cancelled
        sa.Column("request_url", sa.Text, nullable=False),
        sa.Column("owner", sa.Text),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("finished_ms", sa.BigInteger),
        sa.Column("output", sa.Text),  # JSON list of {type, file, count}
        sa.Column("error", sa.Text),
    )


def downgrade() -> None:
    op.drop_table("export_jobs")
