"""Batch and transaction Bundles.

A transaction is all or nothing: every entry is resolved, validated and checked first, then
written in one database transaction with batched statements. ``urn:uuid:`` full URLs and
conditional references (``Patient?identifier=...``) are resolved to ``Type/id``; every
local reference must point at a resource in the bundle or in the store. A batch runs its
entries independently, each with its own outcome.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import orjson

from kizuna.fhir import writes
from kizuna.fhir.instant import format_instant
from kizuna.fhir.outcome import FhirError, Problem, bad_request, operation_outcome
from kizuna.fhir.references import local_references, rewrite_references
from kizuna.fhir.repository import Repository, apply_json_patch, new_id
from kizuna.fhir.types import is_resource_type
from kizuna.fhir.validate import check_resource, valid_id
from kizuna.store import resources as sql
from kizuna.store.db import Tx

MAX_ENTRIES = 20_000
_ORDER = {"DELETE": 0, "POST": 1, "PUT": 2, "PATCH": 2, "GET": 3, "HEAD": 3}

#: Runs a GET entry (read or search) once the writes are committed: url -> (status, body)
GetHandler = Callable[[str], tuple[int, dict[str, Any]]]


@dataclass(slots=True)
class Entry:
    index: int
    method: str
    url: str
    resource: dict[str, Any] | None
    full_url: str | None
    if_none_exist: str | None = None
    if_match: int | None = None
    res_type: str = ""
    res_id: str | None = None
    query: list[tuple[str, str]] | None = None
    response: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        return f"Bundle.entry[{self.index}]"


def _etag_version(value: Any, where: str) -> int | None:
    if value is None:
        return None
    text = str(value).removeprefix("W/").strip('"')
    if not text.isdigit():
        raise bad_request(f"ifMatch {str(value)[:30]!r} is not a version ETag", where)
    return int(text)


def _parse_url(entry: Entry) -> None:
    path, _, query = entry.url.partition("?")
    parts = [p for p in path.split("/") if p]
    if not parts or not is_resource_type(parts[0]):
        raise bad_request(
            f"request.url {entry.url[:80]!r} does not name a resource type",
            f"{entry.where}.request.url",
        )
    entry.res_type = parts[0]
    if len(parts) >= 2:
        entry.res_id = parts[1]
        if not valid_id(parts[1]):
            raise bad_request(f"{parts[1][:70]!r} is not a valid id", f"{entry.where}.request.url")
    if query:
        entry.query = parse_qsl(query, keep_blank_values=True)


def parse_entries(bundle: Any) -> tuple[str, list[Entry]]:
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise bad_request("the body must be a Bundle", "Bundle")
    kind = bundle.get("type")
    if kind not in ("transaction", "batch"):
        raise bad_request(
            f"Bundle.type must be transaction or batch, not {str(kind)[:30]!r}", "Bundle.type"
        )
    raw = bundle.get("entry") or []
    if not isinstance(raw, list):
        raise bad_request("Bundle.entry must be an array", "Bundle.entry")
    if len(raw) > MAX_ENTRIES:
        raise FhirError(
            413,
            [Problem("too-costly", f"at most {MAX_ENTRIES} entries per Bundle", "Bundle.entry")],
        )
    return kind, [_entry(i, e) for i, e in enumerate(raw)]


def _entry(index: int, raw: Any) -> Entry:
    where = f"Bundle.entry[{index}]"
    if not isinstance(raw, dict) or not isinstance(raw.get("request"), dict):
        raise bad_request("every entry needs a request", f"{where}.request")
    request = raw["request"]
    method = str(request.get("method", "")).upper()
    if method not in _ORDER:
        raise bad_request(f"unsupported request.method {method[:10]!r}", f"{where}.request.method")
    url = request.get("url")
    if not isinstance(url, str) or not url:
        raise bad_request("request.url is required", f"{where}.request.url")
    resource = raw.get("resource")
    if method in ("POST", "PUT", "PATCH") and not isinstance(resource, dict):
        raise bad_request(f"a {method} entry needs a resource", f"{where}.resource")
    entry = Entry(index, method, url, resource, raw.get("fullUrl"), request.get("ifNoneExist"))
    entry.if_match = _etag_version(request.get("ifMatch"), f"{where}.request.ifMatch")
    _parse_url(entry)
    return entry


def _patch_operations(entry: Entry) -> Any:
    resource = entry.resource or {}
    if resource.get("resourceType") != "Binary" or "data" not in resource:
        raise bad_request(
            "a PATCH entry must carry a Binary with a JSON Patch", f"{entry.where}.resource"
        )
    try:
        return orjson.loads(base64.b64decode(resource["data"], validate=True))
    except (ValueError, orjson.JSONDecodeError):
        raise bad_request(
            "the PATCH Binary does not hold a JSON Patch", f"{entry.where}.resource.data"
        ) from None


class Transaction:
    """One transaction Bundle being resolved and written."""

    def __init__(self, repo: Repository, tx: Tx, entries: list[Entry], on_get: GetHandler) -> None:
        self.repo = repo
        self.tx = tx
        self.entries = entries
        self.on_get = on_get
        self.mapping: dict[str, str] = {}  # fullUrl -> Type/id
        self.ops: list[tuple[Entry, writes.Op]] = []
        self.problems: list[Problem] = []

    def _single(self, entry: Entry, res_type: str, query: list[tuple[str, str]]) -> str | None:
        found = self.repo.find_ids(self.tx, res_type, query)
        if len(found) > 1:
            raise FhirError(
                412,
                [
                    Problem(
                        "multiple-matches",
                        "the condition matches more than one resource",
                        f"{entry.where}.request",
                    )
                ],
            )
        return found[0] if found else None

    def resolve_ids(self) -> None:
        for entry in sorted(self.entries, key=lambda e: _ORDER[e.method]):
            if entry.method == "POST":
                self._resolve_post(entry)
            elif entry.method in ("PUT", "PATCH", "DELETE") and entry.res_id is None:
                if entry.query is None:
                    raise bad_request(
                        f"{entry.method} needs Type/id or Type?criteria",
                        f"{entry.where}.request.url",
                    )
                entry.res_id = self._single(entry, entry.res_type, entry.query)
                if entry.res_id is None and entry.method == "PUT":
                    entry.res_id = (entry.resource or {}).get("id") or new_id()
            if entry.full_url and entry.res_id and entry.method in ("POST", "PUT"):
                self.mapping[entry.full_url] = f"{entry.res_type}/{entry.res_id}"

    def _resolve_post(self, entry: Entry) -> None:
        if entry.if_none_exist:
            existing = self._single(
                entry, entry.res_type, parse_qsl(entry.if_none_exist, keep_blank_values=True)
            )
            if existing:
                entry.res_id = existing
                entry.response = {"status": "200 OK", "location": f"{entry.res_type}/{existing}"}
                return
        entry.res_id = new_id()

    def _conditional_reference(self, reference: str, where: str) -> str:
        res_type, _, query = reference.partition("?")
        if not is_resource_type(res_type):
            raise bad_request(
                f"conditional reference {reference[:80]!r} names no resource type", where
            )
        found = self.repo.find_ids(self.tx, res_type, parse_qsl(query, keep_blank_values=True))
        if len(found) != 1:
            raise bad_request(
                f"conditional reference {reference[:80]!r} matches {len(found)} resources, not 1",
                where,
            )
        return f"{res_type}/{found[0]}"

    def build_ops(self) -> None:
        resolved: dict[str, str] = {}
        for entry in sorted(self.entries, key=lambda e: _ORDER[e.method]):
            if entry.method in ("GET", "HEAD") or entry.response:
                continue
            try:
                self._build_op(entry, resolved)
            except FhirError as exc:
                self.problems.extend(exc.problems)

    def _build_op(self, entry: Entry, resolved: dict[str, str]) -> None:
        if entry.method == "DELETE":
            if entry.res_id is not None:
                self.ops.append(
                    (entry, writes.Delete(entry.res_type, entry.res_id, entry.if_match))
                )
            else:
                entry.response = {"status": "204 No Content"}
            return
        if entry.method == "PATCH":
            if entry.res_id is None:
                raise bad_request(
                    "the PATCH condition matched no resource", f"{entry.where}.request.url"
                )
            current = self.repo.read(entry.res_type, entry.res_id, self.tx)
            body = apply_json_patch(orjson.loads(current.content or "{}"), _patch_operations(entry))
        else:
            body = {**(entry.resource or {}), "id": entry.res_id}

        def resolve(reference: str, where: str) -> str:
            if reference in self.mapping:
                return self.mapping[reference]
            if "?" in reference and not reference.startswith(("http:", "https:", "urn:")):
                if reference not in resolved:
                    resolved[reference] = self._conditional_reference(reference, where)
                return resolved[reference]
            if reference.startswith("urn:uuid:"):
                raise bad_request(f"{reference} is not the fullUrl of any entry", where)
            return reference

        body = rewrite_references(body, resolve, f"{entry.where}.resource")
        check_resource(body, entry.res_type, f"{entry.where}.resource")
        self.ops.append((entry, writes.Put(body, if_match=entry.if_match)))

    def check_references(self) -> None:
        written = {
            (op.resource["resourceType"], op.resource["id"])
            for _, op in self.ops
            if isinstance(op, writes.Put)
        }
        deleted = {(op.res_type, op.res_id) for _, op in self.ops if isinstance(op, writes.Delete)}
        wanted: dict[tuple[str, str], str] = {}
        for entry, op in self.ops:
            if isinstance(op, writes.Put):
                for key, where in local_references(op.resource, f"{entry.where}.resource"):
                    if key not in written:
                        wanted.setdefault(key, where)
        for key in deleted:
            wanted.pop(key, None)
        if not wanted:
            return
        present = sql.heads(self.tx, list(wanted))
        for key, where in wanted.items():
            head = present.get(key)
            if head is None or head.deleted or key in deleted:
                self.problems.append(
                    Problem(
                        "not-found", f"reference to {key[0]}/{key[1]}, which does not exist", where
                    )
                )

    def write(self) -> None:
        outcomes = writes.apply(self.tx, [op for _, op in self.ops])
        for (entry, _), outcome in zip(self.ops, outcomes, strict=True):
            entry.response = _response(outcome)

    def run_gets(self) -> None:
        """GET entries come last (FHIR's processing order) and read committed data."""
        for entry in self.entries:
            if entry.method in ("GET", "HEAD"):
                status, body = self.on_get(entry.url)
                entry.response = (
                    {"status": str(status), "resource": body}
                    if status < 300
                    else {"status": str(status), "outcome": body}
                )


def _response(outcome: writes.Outcome) -> dict[str, Any]:
    res_type, res_id = outcome.key
    if outcome.status == 204:
        return {"status": "204 No Content"}
    text = {201: "201 Created", 200: "200 OK"}[outcome.status]
    return {
        "status": text,
        "location": f"{res_type}/{res_id}/_history/{outcome.version}",
        "etag": f'W/"{outcome.version}"',
        "lastModified": format_instant(outcome.last_updated),
    }


def run_transaction(repo: Repository, entries: list[Entry], on_get: GetHandler) -> list[Entry]:
    with repo.db.transaction() as tx:
        work = Transaction(repo, tx, entries, on_get)
        work.resolve_ids()
        work.build_ops()
        if not work.problems:
            work.check_references()
        if work.problems:
            raise FhirError(400, work.problems)
        work.write()
    work.run_gets()
    return entries


def run_batch(repo: Repository, entries: list[Entry], on_get: GetHandler) -> list[Entry]:
    for entry in entries:
        try:
            run_transaction(repo, [entry], on_get)
        except FhirError as exc:
            entry.response = {"status": str(exc.status), "outcome": exc.outcome()}
    return entries


def response_bundle(kind: str, entries: list[Entry]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "id": new_id(),
        "type": f"{kind}-response",
        "entry": [{"response": e.response} for e in entries],
    }


def process(repo: Repository, bundle: Any, on_get: GetHandler) -> dict[str, Any]:
    kind, entries = parse_entries(bundle)
    runner = run_transaction if kind == "transaction" else run_batch
    return response_bundle(kind, runner(repo, entries, on_get))


__all__ = ["check_resource", "operation_outcome", "process"]
