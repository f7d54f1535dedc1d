"""Authentication: users with argon2id + TOTP, server-side sessions, SMART backend clients,
access tokens, assertion replay cache, and brute-force counters.

Secrets are never stored in the clear: passwords as argon2id hashes, TOTP secrets
encrypted with a key derived from the server key, session and access tokens as SHA-256
digests of the token.

Revision ID: auth_0001
Revises: 0001_fhir_store
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0001"
down_revision = "0001_fhir_store"
branch_labels = ("auth",)
depends_on = None


def _users() -> None:
    op.create_table(
        "auth_users",
        sa.Column("user_id", sa.Text, primary_key=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("display_name", sa.Text, nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("facility_code", sa.Text),
        sa.Column("facility_name", sa.Text),
        sa.Column("prefecture", sa.Text),
        sa.Column("patient_ids", sa.Text, nullable=False, server_default=""),  # space-separated
        sa.Column("password_hash", sa.Text, nullable=False),
        sa.Column("totp_secret", sa.Text, nullable=False),  # AES-GCM sealed
        sa.Column("totp_last_step", sa.BigInteger),  # replay protection
        sa.Column("disabled", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )


def _sessions() -> None:
    op.create_table(
        "auth_sessions",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("session_id", sa.Text, nullable=False, unique=True),
        sa.Column("user_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False),  # pending | cookie | bearer
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("last_seen_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),  # absolute limit
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("client_ip", sa.Text),
        sa.Column("user_agent", sa.Text),
    )
    op.create_index("ix_auth_sessions_user", "auth_sessions", ["user_id"])
    op.create_index("ix_auth_sessions_expires", "auth_sessions", ["expires_ms"])


def _clients() -> None:
    op.create_table(
        "auth_clients",
        sa.Column("client_id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("facility_code", sa.Text),
        sa.Column("facility_name", sa.Text),
        sa.Column("prefecture", sa.Text),
        sa.Column("scopes", sa.Text, nullable=False),  # space-separated SMART scopes
        sa.Column("jwks", sa.Text, nullable=False),  # the registered public keys (JWKS JSON)
        sa.Column("status", sa.Text, nullable=False),  # active | revoked
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("revoked_ms", sa.BigInteger),
    )
    op.create_table(
        "auth_assertion_jti",
        sa.Column("client_id", sa.Text, nullable=False),
        sa.Column("jti", sa.Text, nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
        sa.PrimaryKeyConstraint("client_id", "jti"),
    )
    op.create_index("ix_auth_assertion_jti_expires", "auth_assertion_jti", ["expires_ms"])
    op.create_table(
        "auth_access_tokens",
        sa.Column("token_hash", sa.Text, primary_key=True),
        sa.Column("token_id", sa.Text, nullable=False, unique=True),
        sa.Column("client_id", sa.Text, nullable=False),
        sa.Column("scopes", sa.Text, nullable=False),
        sa.Column("issued_ms", sa.BigInteger, nullable=False),
        sa.Column("expires_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_auth_access_tokens_client", "auth_access_tokens", ["client_id"])
    op.create_index("ix_auth_access_tokens_expires", "auth_access_tokens", ["expires_ms"])


def _throttle() -> None:
    op.create_table(
        "auth_failures",
        sa.Column("key", sa.Text, nullable=False),  # "user:<name>" or "ip:<address>"
        sa.Column("attempt_id", sa.Text, nullable=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_auth_failures_key_at", "auth_failures", ["key", "at_ms"])
    op.create_table(
        "auth_locks",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("until_ms", sa.BigInteger, nullable=False),  # 0: not locked
    )


def upgrade() -> None:
    _users()
    _sessions()
    _clients()
    _throttle()


def downgrade() -> None:
    for table in (
        "auth_locks",
        "auth_failures",
        "auth_access_tokens",
        "auth_assertion_jti",
        "auth_clients",
        "auth_sessions",
        "auth_users",
    ):
        op.drop_table(table)
