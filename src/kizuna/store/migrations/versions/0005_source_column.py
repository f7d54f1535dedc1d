"""``_source`` is answered from a column of ``resources``, not from index rows.

Every resource Kizuna ingests carries ``meta.source`` (the facility, file and record it
came from), so the ``_source`` URI parameter wrote one ``sp_uri`` row per resource, with
the resource's type, id and patient repeated and two index entries: at 2,000 patients'
receipts that was 379,923 rows, and their COPY 8.5% of PostgreSQL's time in statements.
The value now sits in ``resources.source``, written with the resource, and a partial
index holds the resources that have one. History rows have no ``source``: ``_source``
searches current versions only, as every search does.

Upgrading moves the existing ``_source`` rows into the column and deletes them, which
rewrites every resource that has a source: 24.9 s for 379,923 of them on the benchmark
machine (``docs/operations.md``). A downgrade writes the rows back from the column.

Revision ID: 0005_source_column
Revises: 0004_key_collation
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_source_column"
down_revision = "0004_key_collation"
branch_labels = None
depends_on = None

_ROWS = "FROM sp_uri u WHERE u.res_type = resources.res_type AND u.res_id = resources.res_id"


def _text() -> sa.types.TypeEngine[str]:
    if op.get_context().dialect.name == "postgresql":
        return sa.Text(collation="C")
    return sa.Text()


def upgrade() -> None:
    op.add_column("resources", sa.Column("source", _text()))
    if op.get_context().dialect.name == "postgresql":
        # one join of the two tables rather than a probe of sp_uri per resource
        op.execute(
            "UPDATE resources SET source = u.value FROM sp_uri u WHERE u.param = '_source' "
            "AND u.res_type = resources.res_type AND u.res_id = resources.res_id"
        )
    else:
        op.execute(
            f"UPDATE resources SET source = (SELECT MIN(u.value) {_ROWS} AND u.param = '_source')"
            f" WHERE EXISTS (SELECT 1 {_ROWS} AND u.param = '_source')"
        )
    op.execute("DELETE FROM sp_uri WHERE param = '_source'")
    op.create_index(
        "ix_resources_source",
        "resources",
        ["source"],
        postgresql_where=sa.text("source IS NOT NULL"),
        sqlite_where=sa.text("source IS NOT NULL"),
    )


def downgrade() -> None:
    op.execute(
        "INSERT INTO sp_uri (res_type, res_id, patient_key, param, value) "
        "SELECT res_type, res_id, patient_key, '_source', source FROM resources "
        "WHERE source IS NOT NULL AND deleted = 0"
    )
    op.drop_index("ix_resources_source", "resources")
    with op.batch_alter_table("resources") as batch:
        batch.drop_column("source")
