"""The write engine: validated, versioned, indexed writes of many resources at once.

Every writer (REST create/update/delete, batch and transaction Bundles, ingestion, bulk
import) goes through :func:`apply`, which turns a list of operations into a few batched
statements inside the caller's database transaction.

An update whose content equals the current version (ignoring ``meta.versionId`` and
``meta.lastUpdated``) is a no-op: no new version is written. That is what makes
re-ingesting the same source idempotent.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

import orjson

from kizuna.consent import categories
from kizuna.fhir import oversize
from kizuna.fhir.indexing.compartment import patient_key
from kizuna.fhir.indexing.extract import extract
from kizuna.fhir.instant import format_instant, now_ms
from kizuna.fhir.outcome import FhirError, Problem, precondition_failed
from kizuna.store import resources as sql
from kizuna.store.db import Tx
from kizuna.store.resources import INDEX_ATTRS, Key, Version

#: Parameters answered from the resources table itself, never indexed.
_COLUMN_PARAMS = frozenset({"_id", "_lastUpdated", "_source"})


@dataclass(slots=True)
class Put:
    """Create or replace ``resource`` (its ``resourceType`` and ``id`` must be set)."""

    resource: dict[str, Any]
    if_match: int | None = None  # required current version (If-Match)
    must_create: bool = False  # fail if the resource exists (create with client id)
    patient_key: str | None = None  # owner when the type is not in the Patient compartment
    digest: str | None = None  # content_hash(resource) when the writer has it already


@dataclass(slots=True)
class Delete:
    res_type: str
    res_id: str
    if_match: int | None = None


Op = Put | Delete


@dataclass(slots=True)
class Outcome:
    """The result of one operation."""

    key: Key
    version: int
    last_updated: int
    status: int  # 201 created, 200 updated or unchanged, 204 deleted
    changed: bool
    content: str | None = None  # the stored JSON (None for deletes and unchanged)
    resource: dict[str, Any] | None = field(default=None, repr=False)


#: meta fields that do not make a new version: the server's own, and ``source`` (the same
#: diagnosis re-sent in next month's receipt is the same content from another file)
_UNVERSIONED_META = frozenset({"versionId", "lastUpdated", "source"})


def without_meta(resource: dict[str, Any], fields: frozenset[str]) -> dict[str, Any]:
    """``resource`` without the meta ``fields`` (and without meta if nothing else is left);
    the resource itself, not a copy, when its meta has none of them."""
    meta = resource.get("meta")
    if type(meta) is not dict or fields.isdisjoint(meta):
        return resource
    kept = {k: v for k, v in meta.items() if k not in fields}
    return (
        {**resource, "meta": kept} if kept else {k: v for k, v in resource.items() if k != "meta"}
    )


def content_hash(resource: dict[str, Any]) -> str:
    """A digest of the resource without the server-managed meta fields and its source."""
    # Key order counts: an identical re-send is recognised; a reordered one makes a version.
    stripped = without_meta(resource, _UNVERSIONED_META)
    return hashlib.blake2b(orjson.dumps(stripped), digest_size=16).hexdigest()


def text_hash_applies(resource: dict[str, Any]) -> bool:
    """Whether :func:`content_hash` of ``resource``, and of the resource with a
    ``meta.source`` added, is the digest of ``orjson.dumps(resource)``: not when its meta
    holds a field the hash leaves out, or is empty (an added source would remove it)."""
    meta = resource.get("meta")
    return meta is None or (
        type(meta) is dict and bool(meta) and _UNVERSIONED_META.isdisjoint(meta)
    )


def _stamp(resource: dict[str, Any], version: int, ms: int) -> dict[str, Any]:
    meta = dict(resource.get("meta") or {})
    meta["versionId"] = str(version)
    meta["lastUpdated"] = format_instant(ms)
    stamped = {"resourceType": resource["resourceType"], "id": resource["id"], "meta": meta}
    for name, value in resource.items():
        if name not in stamped:
            stamped[name] = value
    return stamped


def index_rows(
    res_type: str, res_id: str, pkey: str | None, resource: dict[str, Any]
) -> dict[str, list[tuple[Any, ...]]]:
    """The rows of every index table for one resource."""
    rows = extract(resource)
    rows.tokens.extend(categories.index_rows(resource))
    head = (res_type, res_id, pkey)
    out: dict[str, list[tuple[Any, ...]]] = {}
    for attr, table in INDEX_ATTRS.items():
        values = getattr(rows, attr)
        if values:
            out[table] = [head + value for value in values if value[0] not in _COLUMN_PARAMS]
    return out


def stored_version(
    resource: dict[str, Any], version: int, ms: int, digest: str, owner: str | None = None
) -> tuple[Version, dict[str, list[tuple[Any, ...]]], dict[str, Any]]:
    """What a write stores for ``resource`` as ``version`` at ``ms``: the version row, the
    rows of every index table, and the stamped resource. ``owner`` is the patient key when
    the type is not in the Patient compartment."""
    stamped = _stamp(resource, version, ms)
    res_type, res_id = resource["resourceType"], resource["id"]
    pkey = owner or patient_key(stamped)
    text = orjson.dumps(stamped).decode()
    source = stamped["meta"].get("source")
    source = source if type(source) is str else None
    stored = Version(res_type, res_id, version, pkey, ms, False, digest, text, source)
    return stored, index_rows(res_type, res_id, pkey, stamped), stamped


class _Batch:
    """The state of one :func:`apply` call."""

    def __init__(self, tx: Tx, ops: list[Op]) -> None:
        self.tx = tx
        self.ops = ops
        self.ms = now_ms()
        keys = [_key(op) for op in ops]
        self.db_heads = sql.heads(tx, keys, lock=True)
        self.heads: dict[Key, sql.Head] = dict(self.db_heads)
        self.final: dict[Key, Version] = {}
        self.intermediate: list[Version] = []
        self.index: dict[Key, dict[str, list[tuple[Any, ...]]]] = {}

    def record(self, version: Version, rows: dict[str, list[tuple[Any, ...]]] | None) -> None:
        key = (version.res_type, version.res_id)
        previous = self.final.get(key)
        if previous is not None:
            self.intermediate.append(previous)
        self.final[key] = version
        self.heads[key] = sql.Head(
            version.version, version.deleted, version.hash, version.patient_key
        )
        if rows is None:
            self.index.pop(key, None)
        else:
            self.index[key] = rows

    def flush(self) -> None:
        replaced = [key for key in self.final if key in self.db_heads]
        if replaced:
            sql.archive(self.tx, replaced)
        sql.insert_versions(self.tx, list(self.final.values()))
        if self.intermediate:
            self.tx.insert_rows(
                "resource_history", sql.RESOURCE_COLUMNS, [v.row() for v in self.intermediate]
            )
        merged: dict[str, list[tuple[Any, ...]]] = {}
        for rows in self.index.values():
            for table, values in rows.items():
                merged.setdefault(table, []).extend(values)
        sql.insert_index_rows(self.tx, merged)


def _key(op: Op) -> Key:
    if isinstance(op, Put):
        return (op.resource["resourceType"], op.resource["id"])
    return (op.res_type, op.res_id)


def _check_if_match(key: Key, head: sql.Head | None, if_match: int | None) -> None:
    if if_match is None:
        return
    current_version = head.version if head and not head.deleted else None
    if current_version != if_match:
        raise precondition_failed(
            f"{key[0]}/{key[1]} is at version {current_version}, not {if_match} (If-Match)"
        )


def _put(batch: _Batch, op: Put) -> Outcome:
    key = _key(op)
    head = batch.heads.get(key)
    _check_if_match(key, head, op.if_match)
    if op.must_create and head is not None and not head.deleted:
        raise FhirError(409, [Problem("duplicate", f"{key[0]}/{key[1]} already exists")])
    digest = op.digest or content_hash(op.resource)
    if head is not None and not head.deleted and head.hash == digest:
        return Outcome(key, head.version, batch.ms, 200, changed=False)
    version = head.version + 1 if head else 1
    stored, rows, stamped = stored_version(op.resource, version, batch.ms, digest, op.patient_key)
    batch.record(stored, rows)
    status = 201 if head is None or head.deleted else 200
    return Outcome(key, version, batch.ms, status, True, stored.content, stamped)


def _delete(batch: _Batch, op: Delete) -> Outcome:
    key = _key(op)
    head = batch.heads.get(key)
    _check_if_match(key, head, op.if_match)
    if head is None or head.deleted:
        return Outcome(key, head.version if head else 0, batch.ms, 204, changed=False)
    tomb = Version(key[0], key[1], head.version + 1, head.patient_key, batch.ms, True, None, None)
    batch.record(tomb, None)
    return Outcome(key, tomb.version, batch.ms, 204, changed=True)


def apply(tx: Tx, ops: list[Op]) -> list[Outcome]:
    """Apply ``ops`` in order inside ``tx``; raises :class:`FhirError` on a conflict."""
    if not ops:
        return []
    batch = _Batch(tx, ops)
    outcomes = [_put(batch, op) if isinstance(op, Put) else _delete(batch, op) for op in ops]
    try:
        batch.flush()
    except Exception as exc:
        if oversize.too_long(exc):  # a value the indexes cannot hold: a 422, not a 500
            raise oversize.explain(batch.final.values(), batch.index) from None
        raise
    return outcomes
