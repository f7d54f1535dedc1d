"""The FHIR resource store: current versions, history and the search index tables.

Every patient-owned row carries ``patient_key`` (the owning Patient's id) so that the
tables can later be partitioned or sharded by patient; there are no foreign keys between
the hot tables.

Revision ID: 0001_fhir_store
Revises:
Create Date: 2026-11-24
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_fhir_store"
down_revision = None
branch_labels = ("fhir",)
depends_on = None


def _text_c() -> sa.types.TypeEngine[str]:
    """Text compared byte-wise (C collation on PostgreSQL), so prefix ranges use btrees."""
    if op.get_context().dialect.name == "postgresql":
        return sa.Text(collation="C")
    return sa.Text()


def _owner_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("res_type", sa.Text, nullable=False),
        sa.Column("res_id", sa.Text, nullable=False),
        sa.Column("patient_key", sa.Text),
    ]


def _resource_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("res_type", sa.Text, nullable=False),
        sa.Column("res_id", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("patient_key", sa.Text),
        sa.Column("last_updated", sa.BigInteger, nullable=False),  # epoch ms
        sa.Column("deleted", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("hash", sa.Text),  # content digest without meta, for no-op updates
        sa.Column("content", sa.Text),  # the resource JSON (NULL when deleted)
    ]


def upgrade() -> None:
    op.create_table(
        "resources", *_resource_columns(), sa.PrimaryKeyConstraint("res_type", "res_id")
    )
    op.create_index("ix_resources_type_updated", "resources", ["res_type", "last_updated"])
    op.create_index("ix_resources_updated", "resources", ["last_updated"])
    op.create_index("ix_resources_patient", "resources", ["patient_key"])

    op.create_table(
        "resource_history",
        *_resource_columns(),
        sa.PrimaryKeyConstraint("res_type", "res_id", "version"),
    )
    op.create_index("ix_history_type_updated", "resource_history", ["res_type", "last_updated"])
    op.create_index("ix_history_updated", "resource_history", ["last_updated"])

    op.create_table(
        "sp_token",
        *_owner_columns(),
        sa.Column("param", sa.Text, nullable=False),
        sa.Column("system", sa.Text),
        sa.Column("code", sa.Text),
        sa.Column("text_norm", sa.Text),
    )
    op.create_index("ix_token_code", "sp_token", ["res_type", "param", "code", "system"])
    op.create_index("ix_token_res", "sp_token", ["res_type", "res_id"])

    op.create_table(
        "sp_string",
        *_owner_columns(),
        sa.Column("param", sa.Text, nullable=False),
        sa.Column("value_norm", _text_c()),
        sa.Column("value_exact", sa.Text),
    )
    op.create_index("ix_string_value", "sp_string", ["res_type", "param", "value_norm"])
    op.create_index("ix_string_res", "sp_string", ["res_type", "res_id"])

    op.create_table(
        "sp_date",
        *_owner_columns(),
        sa.Column("param", sa.Text, nullable=False),
        sa.Column("low", sa.BigInteger, nullable=False),
        sa.Column("high", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_date_low", "sp_date", ["res_type", "param", "low"])
    op.create_index("ix_date_high", "sp_date", ["res_type", "param", "high"])
    op.create_index("ix_date_res", "sp_date", ["res_type", "res_id"])

    op.create_table(
        "sp_reference",
        *_owner_columns(),
        sa.Column("param", sa.Text, nullable=False),
        sa.Column("target_type", sa.Text),
        sa.Column("target_id", sa.Text),
        sa.Column("url", sa.Text),
    )
    op.create_index("ix_reference_target", "sp_reference", ["target_id", "target_type", "param"])
    op.create_index("ix_reference_res", "sp_reference", ["res_type", "res_id"])
    op.create_index("ix_reference_url", "sp_reference", ["url"])

    op.create_table(
        "sp_quantity",
        *_owner_columns(),
        sa.Column("param", sa.Text, nullable=False),
        sa.Column("value", sa.Float),
        sa.Column("system", sa.Text),
        sa.Column("code", sa.Text),
        sa.Column("unit", sa.Text),
    )
    op.create_index("ix_quantity_value", "sp_quantity", ["res_type", "param", "value"])
    op.create_index("ix_quantity_res", "sp_quantity", ["res_type", "res_id"])

    op.create_table(
        "sp_number",
        *_owner_columns(),
        sa.Column("param", sa.Text, nullable=False),
        sa.Column("value", sa.Float),
    )
    op.create_index("ix_number_value", "sp_number", ["res_type", "param", "value"])
    op.create_index("ix_number_res", "sp_number", ["res_type", "res_id"])

    op.create_table(
        "sp_uri",
        *_owner_columns(),
        sa.Column("param", sa.Text, nullable=False),
        sa.Column("value", _text_c()),
    )
    op.create_index("ix_uri_value", "sp_uri", ["res_type", "param", "value"])
    op.create_index("ix_uri_res", "sp_uri", ["res_type", "res_id"])


def downgrade() -> None:
    for table in (
        "sp_uri",
        "sp_number",
        "sp_quantity",
        "sp_reference",
        "sp_date",
        "sp_string",
        "sp_token",
        "resource_history",
        "resources",
    ):
        op.drop_table(table)
