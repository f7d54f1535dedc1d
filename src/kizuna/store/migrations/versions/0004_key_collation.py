"""Keys and codes compare bytewise; only references by URL are in the URL index.

**Collation.** PostgreSQL orders ``text`` by the database's collation unless a column names
its own, and every B-tree insert and range probe on such a column calls the C library's
locale comparison. The store's indexed text columns hold identifiers, not words: resource
types and ids, patient keys, parameter names, code systems and codes, reference targets and
URLs. They now use the ``"C"`` collation (code point order for UTF-8), which compares
bytes. Equality is the same under every deterministic collation, so no search answers
differently; the order of ids (the page cut of unsorted searches) is code point order,
which is what a ``C.UTF-8`` database gave already. String and URI values (``value_norm``,
``value``) were ``"C"`` from the start. SQLite compares bytes already (BINARY).

**URL index.** ``sp_reference.url`` is set only for references by absolute or canonical
URL; in a population of receipts and SS-MIX2 messages no row has one, yet the index on it
took an entry for every reference row. It is now a partial index of the rows that have a
URL. Searches by URL (``url = ?``) imply ``url IS NOT NULL``, so PostgreSQL and SQLite
both still use it.

Revision ID: 0004_key_collation
Revises: 0003_derived_index_rows
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from kizuna.store.collation import collate

revision = "0004_key_collation"
down_revision = "0003_derived_index_rows"
branch_labels = None
depends_on = None

_OWNER = ("res_type", "res_id")
#: the indexed text columns of each table (sp_string.value_norm and sp_uri.value were "C")
KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "resources": (*_OWNER, "patient_key"),
    "resource_history": _OWNER,
    "sp_token": (*_OWNER, "param", "system", "code"),
    "sp_string": (*_OWNER, "param"),
    "sp_date": (*_OWNER, "param"),
    "sp_reference": (*_OWNER, "param", "target_type", "target_id", "url"),
    "sp_quantity": (*_OWNER, "param"),
    "sp_number": (*_OWNER, "param"),
    "sp_uri": (*_OWNER, "param"),
}


def upgrade() -> None:
    op.drop_index("ix_reference_url", "sp_reference")
    collate(KEY_COLUMNS, "C")
    op.create_index(
        "ix_reference_url",
        "sp_reference",
        ["url"],
        postgresql_where=sa.text("url IS NOT NULL"),
        sqlite_where=sa.text("url IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_reference_url", "sp_reference")
    collate(KEY_COLUMNS, "default")
    op.create_index("ix_reference_url", "sp_reference", ["url"])
