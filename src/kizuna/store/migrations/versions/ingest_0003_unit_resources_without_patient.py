"""What a unit produced is kept without the patient: ``ingest_unit_resources.patient_key``
was written for every produced resource (about seven rows per receipt) and never read.
The owning patient of a unit is ``ingest_units.patient_id``, and of a resource its own
``patient_key``.

Revision ID: ingest_0003
Revises: ingest_0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ingest_0003"
down_revision = "ingest_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ingest_unit_resources") as batch:
        batch.drop_column("patient_key")


def downgrade() -> None:
    with op.batch_alter_table("ingest_unit_resources") as batch:
        batch.add_column(sa.Column("patient_key", sa.Text))
    op.execute(
        "UPDATE ingest_unit_resources SET patient_key = (SELECT u.patient_id FROM ingest_units u"
        " WHERE u.unit_key = ingest_unit_resources.unit_key)"
    )
