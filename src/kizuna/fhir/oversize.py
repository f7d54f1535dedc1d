"""A searchable value too long for the store's indexes, named as an OperationOutcome.

PostgreSQL's B-tree indexes hold entries of at most 2,704 bytes, so a resource whose
identifier, code, string or URL runs to several kilobytes cannot be indexed: the write
fails with ``ProgramLimitExceeded``. Checking every value before writing would cost each
write; instead :func:`too_long` recognises that failure after the fact and
:func:`explain` finds the value in the rows the write computed, so the client (or the
ingest's quarantine) gets a 422 naming the resource, the parameter and the element, not
a 500. SQLite has no such limit and stores the value.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from typing import Any

from kizuna.fhir.outcome import FhirError, Problem
from kizuna.fhir.searchparams import params_for
from kizuna.store.resources import Version

#: what a searchable value may safely hold, with room for the other columns of an entry
LIMIT_BYTES = 2_000


def too_long(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL refusing an index entry for its size (SQLSTATE 54000)."""
    import psycopg

    return isinstance(exc, psycopg.errors.ProgramLimitExceeded)


def explain(
    versions: Iterable[Version], index: Mapping[Any, Mapping[str, list[tuple[Any, ...]]]]
) -> FhirError:
    """The 422 for the longest searchable value among ``versions`` and their ``index``
    rows (``(res_type, res_id, patient_key, param, *values)``)."""
    longest: tuple[int, str, str, str] = (0, "", "", "")
    for version in versions:
        if version.source is not None:
            longest = max(
                longest, (_size(version.source), version.res_type, version.res_id, "_source")
            )
    for tables in index.values():
        for rows in tables.values():
            for row in rows:
                size = max((_size(v) for v in row[4:] if type(v) is str), default=0)
                longest = max(longest, (size, row[0], row[1], row[3]))
    size, res_type, res_id, param = longest
    where = element(res_type, param) if res_type else None
    named = f"{res_type}/{res_id}" if res_type else "a resource"
    message = (
        f"the value of search parameter {param!r} of {named} is {size:,} bytes long, more "
        f"than the search index can hold (about {LIMIT_BYTES:,} bytes once compressed)"
    )
    return FhirError(422, [Problem("too-long", message, where)])


def element(res_type: str, param: str) -> str:
    """The element ``param`` reads on ``res_type``, from the path its extractor was
    compiled to for that type (``MedicationRequest.medicationCodeableConcept``)."""
    found = params_for(res_type).get(param.partition(":")[0])
    if found is None or found.extractor is None or not found.extractor.branches:
        return res_type
    steps = found.extractor.branches[0].signature
    names = itertools.takewhile(lambda step: ":" not in step, steps)  # up to a where()
    return ".".join([res_type, *names])


def _size(value: str) -> int:
    return len(value.encode("utf-8", "surrogatepass"))
