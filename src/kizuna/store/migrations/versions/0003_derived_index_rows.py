"""Drop the index rows of parameters answered from other parameters' rows.

``combo-code`` rows repeat ``code`` and ``component-code``; ``patient`` rows repeat the
``subject`` rows that point at a Patient (see ``kizuna.fhir.indexing.derived``). Searches
now read the stored parameters' rows, so the repeats only cost space and write time.
Downgrading writes them back from the rows they repeat.

Revision ID: 0003_derived_index_rows
Revises: 0002_export_jobs
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Iterator

import sqlalchemy as sa
from alembic import op

from kizuna.fhir import definitions
from kizuna.fhir.indexing.derived import Derived, derived_params
from kizuna.store.resources import INDEX_TABLES

revision = "0003_derived_index_rows"
down_revision = "0002_export_jobs"
branch_labels = None
depends_on = None


def _derived() -> Iterator[tuple[str, str, Derived]]:
    for res_type in sorted(definitions.resource_types()):
        for code, derived in sorted(derived_params(res_type).items()):
            yield res_type, code, derived


def upgrade() -> None:
    for res_type, code, derived in _derived():
        if derived.target_type is not None:
            sql = "DELETE FROM sp_reference WHERE res_type = :t AND param = :p"
            op.execute(sa.text(sql).bindparams(t=res_type, p=code))
            continue
        where = {"t": res_type, "p": code, "pi": f"{code}:identifier"}
        for table in INDEX_TABLES:
            sql = f"DELETE FROM {table} WHERE res_type = :t AND param IN (:p, :pi)"
            op.execute(sa.text(sql).bindparams(**where))


def downgrade() -> None:
    for res_type, code, derived in _derived():
        if derived.target_type is not None:
            _copy("sp_reference", res_type, derived.codes, code, derived.target_type)
            continue
        identifiers = tuple(f"{b}:identifier" for b in derived.codes)
        for table in INDEX_TABLES:
            _copy(table, res_type, derived.codes, code, None)
            _copy(table, res_type, identifiers, f"{code}:identifier", None)


def _copy(
    table: str, res_type: str, stored: tuple[str, ...], code: str, target: str | None
) -> None:
    """Write the rows of the ``stored`` codes again under ``code`` (a row several of them
    share once, as extraction does)."""
    values = ", ".join(INDEX_TABLES[table])
    marks = ", ".join(f":s{n}" for n in range(len(stored)))
    sql = (
        f"INSERT INTO {table} (res_type, res_id, patient_key, param, {values}) "
        f"SELECT DISTINCT res_type, res_id, patient_key, :code, {values} FROM {table} "
        f"WHERE res_type = :t AND param IN ({marks})"
    )
    binds = {"t": res_type, "code": code, **{f"s{n}": s for n, s in enumerate(stored)}}
    if target is not None:
        sql += " AND target_type = :target"
        binds["target"] = target
    op.execute(sa.text(sql).bindparams(**binds))
