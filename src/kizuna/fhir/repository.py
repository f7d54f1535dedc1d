"""The FHIR interactions on one database: create, read, vread, update, patch, delete,
history and search, each in its own transaction.

REST handlers, bundles and operations call this module; the SQL lives in
``kizuna.store`` and the write batching in ``kizuna.fhir.writes``.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import jsonpatch
import orjson

from kizuna.fhir import writes
from kizuna.fhir.outcome import (
    FhirError,
    Problem,
    bad_request,
    gone,
    not_found,
    precondition_failed,
)
from kizuna.fhir.search import engine
from kizuna.fhir.search.query import SearchQuery, parse
from kizuna.fhir.validate import check_resource, valid_id
from kizuna.store import resources as sql
from kizuna.store.db import Database, Tx
from kizuna.store.resources import Version

MAX_HISTORY_COUNT = 1000


@dataclass(slots=True)
class Written:
    """A write's result as the REST layer needs it."""

    outcome: writes.Outcome
    warnings: list[Problem]

    @property
    def res_type(self) -> str:
        return self.outcome.key[0]

    @property
    def res_id(self) -> str:
        return self.outcome.key[1]


def new_id() -> str:
    return str(uuid.uuid4())


def _check_id(res_id: str) -> None:
    if not valid_id(res_id):
        raise bad_request(f"{res_id[:70]!r} is not a valid FHIR id", "id")


class Repository:
    """FHIR interactions over a :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reads --------------------------------------------------------------------------
    def read(self, res_type: str, res_id: str, tx: Tx | None = None) -> Version:
        _check_id(res_id)
        if tx is None:
            with self.db.read() as rtx:
                return self.read(res_type, res_id, rtx)
        found = sql.current(tx, [(res_type, res_id)]).get((res_type, res_id))
        if found is None:
            raise not_found(f"{res_type}/{res_id} is not known")
        if found.deleted:
            raise gone(f"{res_type}/{res_id} was deleted")
        return found

    def vread(self, res_type: str, res_id: str, version: str) -> Version:
        _check_id(res_id)
        if not version.isdigit():
            raise bad_request(f"version {version[:20]!r} must be a number", "vid")
        with self.db.read() as tx:
            found = sql.version_of(tx, (res_type, res_id), int(version))
        if found is None:
            raise not_found(f"{res_type}/{res_id} has no version {version}")
        if found.deleted:
            raise gone(f"{res_type}/{res_id} version {version} is a deletion")
        return found

    def history(
        self,
        res_type: str | None,
        res_id: str | None,
        since_ms: int | None,
        count: int,
        offset: int,
    ) -> tuple[list[Version], int]:
        if res_id is not None:
            _check_id(res_id)
        count = max(0, min(count, MAX_HISTORY_COUNT))
        with self.db.read() as tx:
            versions = sql.history(tx, res_type, res_id, since_ms, count, offset)
            total = sql.history_count(tx, res_type, res_id, since_ms)
        if res_id is not None and total == 0:
            raise not_found(f"{res_type}/{res_id} is not known")
        return versions, total

    def search(self, query: SearchQuery, limits: engine.Limits = engine.no_limits) -> engine.Page:
        with self.db.read() as tx:
            return engine.search(tx, query, limits)

    def find_ids(
        self, tx: Tx, res_type: str, params: Sequence[tuple[str, str]], limit: int = 2
    ) -> list[str]:
        """Ids matching a conditional-interaction query (at most ``limit``)."""
        query = parse(res_type, params, strict=True)
        if not query.clauses:
            raise precondition_failed("a conditional interaction needs search criteria")
        query.count, query.total, query.includes = limit, "none", []
        return [hit[1] for hit in engine.search(tx, query).matches]

    # -- writes -------------------------------------------------------------------------
    def create(
        self,
        resource: dict[str, Any],
        if_none_exist: Sequence[tuple[str, str]] | None = None,
    ) -> Written:
        warnings = check_resource(resource)
        with self.db.transaction() as tx:
            if if_none_exist is not None:
                existing = self.find_ids(tx, resource["resourceType"], if_none_exist)
                if len(existing) > 1:
                    raise precondition_failed("If-None-Exist matches more than one resource")
                if existing:
                    found = self.read(resource["resourceType"], existing[0], tx)
                    done = writes.Outcome(
                        (found.res_type, found.res_id),
                        found.version,
                        found.last_updated,
                        200,
                        False,
                        found.content,
                    )
                    return Written(done, warnings)
            body = {**resource, "id": new_id()}
            (outcome,) = writes.apply(tx, [writes.Put(body)])
        return Written(outcome, warnings)

    def update(
        self,
        res_type: str,
        res_id: str,
        resource: dict[str, Any],
        if_match: int | None = None,
    ) -> Written:
        _check_id(res_id)
        warnings = check_resource(resource, res_type)
        if resource.get("id") != res_id:
            raise bad_request(
                f"the resource's id {str(resource.get('id'))[:70]!r} "
                f"does not match the URL's {res_id!r}",
                f"{res_type}.id",
            )
        with self.db.transaction() as tx:
            (outcome,) = writes.apply(tx, [writes.Put(resource, if_match=if_match)])
            if not outcome.changed:
                outcome.content = self.read(res_type, res_id, tx).content
        return Written(outcome, warnings)

    def conditional_update(
        self, res_type: str, params: Sequence[tuple[str, str]], resource: dict[str, Any]
    ) -> Written:
        warnings = check_resource(resource, res_type)
        with self.db.transaction() as tx:
            existing = self.find_ids(tx, res_type, params)
            if len(existing) > 1:
                raise precondition_failed("the conditional update matches more than one resource")
            if existing:
                if resource.get("id") not in (None, existing[0]):
                    raise bad_request(
                        "the resource's id differs from the matched resource", f"{res_type}.id"
                    )
                body = {**resource, "id": existing[0]}
            else:
                body = {**resource, "id": resource.get("id") or new_id()}
                _check_id(body["id"])
            (outcome,) = writes.apply(tx, [writes.Put(body)])
            if not outcome.changed:
                outcome.content = self.read(res_type, body["id"], tx).content
        return Written(outcome, warnings)

    def patch(
        self, res_type: str, res_id: str, operations: Any, if_match: int | None = None
    ) -> Written:
        _check_id(res_id)
        with self.db.transaction() as tx:
            current = self.read(res_type, res_id, tx)
            if if_match is not None and if_match != current.version:
                raise precondition_failed(
                    f"{res_type}/{res_id} is at version {current.version}, "
                    f"not {if_match} (If-Match)"
                )
            patched = apply_json_patch(orjson.loads(current.content or "{}"), operations)
            if patched.get("id") != res_id or patched.get("resourceType") != res_type:
                raise bad_request("a patch may not change resourceType or id", f"{res_type}.id")
            warnings = check_resource(patched, res_type)
            (outcome,) = writes.apply(tx, [writes.Put(patched)])
            if not outcome.changed:
                outcome.content = current.content
        return Written(outcome, warnings)

    def delete(self, res_type: str, res_id: str) -> writes.Outcome:
        _check_id(res_id)
        with self.db.transaction() as tx:
            (outcome,) = writes.apply(tx, [writes.Delete(res_type, res_id)])
        return outcome

    def conditional_delete(
        self, res_type: str, params: Sequence[tuple[str, str]]
    ) -> list[writes.Outcome]:
        with self.db.transaction() as tx:
            existing = self.find_ids(tx, res_type, params, limit=2)
            if len(existing) > 1:
                raise precondition_failed("the conditional delete matches more than one resource")
            return writes.apply(tx, [writes.Delete(res_type, i) for i in existing])


def apply_json_patch(document: dict[str, Any], operations: Any) -> dict[str, Any]:
    """Apply an RFC 6902 JSON Patch; every failure is a 422 naming the operation."""
    if not isinstance(operations, list):
        raise bad_request("a JSON Patch body must be an array of operations", "patch")
    try:
        patch = jsonpatch.JsonPatch(operations)
        result = patch.apply(copy.deepcopy(document))
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as exc:
        raise FhirError(
            422, [Problem("processing", f"JSON Patch failed: {exc}", "patch")]
        ) from None
    except (TypeError, KeyError, IndexError, ValueError) as exc:
        raise FhirError(
            422, [Problem("processing", f"JSON Patch is malformed: {exc}", "patch")]
        ) from None
    if not isinstance(result, dict):
        raise FhirError(
            422, [Problem("processing", "JSON Patch result is not a resource", "patch")]
        )
    return result
