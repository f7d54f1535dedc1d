"""Tamper-evident audit log: a SHA-256 hash chain, its head, signed checkpoints, a
patient index for the patient-facing access log, and the emergency review queue.

``audit_log`` is append-only: triggers refuse UPDATE on both backends and DELETE on
PostgreSQL (SQLite keeps DELETE for the test harness; the hash chain detects it anyway).

Revision ID: audit_0001
Revises: 0001_fhir_store
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "audit_0001"
down_revision = "0001_fhir_store"
branch_labels = ("audit",)
depends_on = None

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit tables are append-only';
END
$$
"""


def _log() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("outcome", sa.Text, nullable=False),  # allowed | denied | error
        sa.Column("reason", sa.Text),  # denial or error reason code
        sa.Column("actor_kind", sa.Text),  # user | client | anonymous
        sa.Column("actor_subject", sa.Text),
        sa.Column("actor_name", sa.Text),
        sa.Column("actor_role", sa.Text),
        sa.Column("facility_code", sa.Text),
        sa.Column("facility_name", sa.Text),
        sa.Column("client_id", sa.Text),
        sa.Column("session_id", sa.Text),
        sa.Column("request_id", sa.Text),
        sa.Column("patient_ids", sa.Text),  # space-separated Patient ids
        sa.Column("data", sa.Text),  # JSON list of "Type/id" or "Type"
        sa.Column("query", sa.Text),  # search with patient data replaced by keyed hashes
        sa.Column("purpose", sa.Text),
        sa.Column("client_ip", sa.Text),
        sa.Column("user_agent", sa.Text),
        sa.Column("emergency_reason", sa.Text),
        sa.Column("prev_hash", sa.Text, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at_ms"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor_subject", "seq"])
    op.create_table(
        "audit_patients",
        sa.Column("patient_id", sa.Text, nullable=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("patient_id", "seq"),
    )


def _chain_state() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.SmallInteger, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.BigInteger, nullable=False),
        sa.Column("hash", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_checkpoints",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("hash", sa.Text, nullable=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
        sa.Column("key_id", sa.Text, nullable=False),
        sa.Column("signature", sa.Text, nullable=False),  # base64url ES384 (DER)
    )


def _reviews() -> None:
    op.create_table(
        "audit_reviews",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("opened_ms", sa.BigInteger, nullable=False),
        sa.Column("status", sa.Text, nullable=False),  # open | closed
        sa.Column("closed_ms", sa.BigInteger),
        sa.Column("auditor", sa.Text),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_audit_reviews_status", "audit_reviews", ["status", "seq"])


def _triggers() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in ("audit_log", "audit_patients", "audit_checkpoints"):
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION audit_append_only()"
            )
        return
    for table in ("audit_log", "audit_patients", "audit_checkpoints"):
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'audit tables are append-only'); END"
        )


def upgrade() -> None:
    _log()
    _chain_state()
    _reviews()
    _triggers()


def downgrade() -> None:
    for table in (
        "audit_reviews",
        "audit_checkpoints",
        "audit_head",
        "audit_patients",
        "audit_log",
    ):
        op.drop_table(table)
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_append_only()")
