"""Bulk loading of NDJSON files and Bundles (``kizuna import``).

NDJSON and collection-style Bundles are loaded in batches: each batch is validated,
indexed and written in one transaction, which on PostgreSQL means a handful of COPY
statements. A bad line is reported with its file and line and skipped; the rest loads.
Transaction and batch Bundles run through the same engine as ``POST /fhir``.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from kizuna.fhir import bundles, writes
from kizuna.fhir.outcome import FhirError
from kizuna.fhir.repository import Repository, new_id
from kizuna.fhir.validate import check_resource
from kizuna.heap import settle_heap
from kizuna.store.db import quiet_pool_warnings

BATCH_SIZE = 2000


@dataclass
class LoadReport:
    """What one file contributed."""

    path: str
    kind: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def count(self, outcomes: list[writes.Outcome]) -> None:
        for outcome in outcomes:
            if not outcome.changed:
                self.unchanged += 1
            elif outcome.status == 201:
                self.created += 1
            else:
                self.updated += 1


def files_under(paths: list[Path]) -> list[Path]:
    """Every .json / .ndjson file in ``paths`` (folders are walked, sorted)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p for p in path.rglob("*") if p.suffix in (".json", ".ndjson") and p.is_file()
                )
            )
        else:
            found.append(path)
    return found


def _ndjson_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def prepare(resource: Any) -> dict[str, Any]:
    """A line's resource as the loader writes it: validated, with an id."""
    check_resource(resource)  # the report prefixes file and line
    if not resource.get("id"):
        resource = {**resource, "id": new_id()}
    return resource


def _flush(repo: Repository, batch: list[tuple[str, dict[str, Any]]], report: LoadReport) -> None:
    if not batch:
        return
    try:
        with repo.db.transaction() as tx:
            report.count(writes.apply(tx, [writes.Put(r) for _, r in batch]))
    except FhirError:
        for where, resource in batch:  # find the one at fault, keep the rest
            try:
                with repo.db.transaction() as tx:
                    report.count(writes.apply(tx, [writes.Put(resource)]))
            except FhirError as exc:
                report.errors.append(f"{where}: {exc}")
    batch.clear()


def load_resources(
    repo: Repository,
    items: Iterator[tuple[str, Any]],
    report: LoadReport,
    progress: Callable[[int], None] | None = None,
) -> None:
    batch: list[tuple[str, dict[str, Any]]] = []
    for where, resource in items:
        try:
            batch.append((where, prepare(resource)))
        except FhirError as exc:
            report.errors.append(f"{where}: {exc}")
        if len(batch) >= BATCH_SIZE:
            _flush(repo, batch, report)
            if progress:
                progress(BATCH_SIZE)
    remaining = len(batch)
    _flush(repo, batch, report)
    if progress and remaining:
        progress(remaining)


def _ndjson_items(path: Path, report: LoadReport) -> Iterator[tuple[str, Any]]:
    for number, line in _ndjson_lines(path):
        where = f"{path.name}:{number}"
        try:
            yield where, orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            report.errors.append(f"{where}: not JSON ({exc})")


def load_file(
    repo: Repository, path: Path, progress: Callable[[int], None] | None = None
) -> LoadReport:
    if path.suffix == ".ndjson":
        report = LoadReport(str(path), "ndjson")
        load_resources(repo, _ndjson_items(path, report), report, progress)
        return report
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        return LoadReport(str(path), "json", errors=[f"{path.name}: not JSON ({exc})"])
    if (
        isinstance(document, dict)
        and document.get("resourceType") == "Bundle"
        and document.get("type") in ("transaction", "batch")
    ):
        return _load_transaction(repo, path, document, progress)
    report = LoadReport(str(path), "json")
    load_resources(repo, iter([(path.name, document)]), report, progress)
    return report


def _load_transaction(
    repo: Repository, path: Path, bundle: dict[str, Any], progress: Callable[[int], None] | None
) -> LoadReport:
    report = LoadReport(str(path), str(bundle.get("type")))
    try:
        result = bundles.process(repo, bundle, _no_gets)
    except FhirError as exc:
        report.errors.append(f"{path.name}: {exc}")
        return report
    for entry in result["entry"]:
        status = entry["response"]["status"]
        if status.startswith("201"):
            report.created += 1
        elif status.startswith("200"):
            report.updated += 1
        elif not status.startswith("204"):
            report.errors.append(f"{path.name}: entry failed with {status}")
    if progress:
        progress(len(result["entry"]))
    return report


def _no_gets(url: str) -> tuple[int, dict[str, Any]]:
    return 400, {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "not-supported",
                "diagnostics": "GET entries are not run on import",
            }
        ],
    }


def _load_in_worker(url: str, path: str) -> LoadReport:
    from kizuna.store.db import Database

    db = Database(url)
    try:
        return load_file(Repository(db), Path(path))
    finally:
        db.close()


def _start_loader() -> None:
    """A loader process's set-up: the collector's settings, and no pool warnings (a lost
    database reaches the parent as this process's error)."""
    settle_heap()
    quiet_pool_warnings()


def load_files_in_workers(
    url: str,
    files: list[Path],
    workers: int,
    on_file: Callable[[LoadReport], None] | None = None,
) -> list[LoadReport]:
    """Load ``files`` with ``workers`` processes, each taking one file at a time; the
    reports come back in file order. Files load side by side, so a resource that several
    files hold ends as whichever of them loaded last."""
    context = multiprocessing.get_context("spawn")
    reports: dict[int, LoadReport] = {}
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_loader) as pool:
        futures = {pool.submit(_load_in_worker, url, str(f)): i for i, f in enumerate(files)}
        for future in as_completed(futures):
            report = future.result()
            reports[futures[future]] = report
            if on_file:
                on_file(report)
    return [reports[i] for i in range(len(files))]


def count_items(path: Path) -> int:
    """How many resources a file holds, for the progress bar."""
    if path.suffix == ".ndjson":
        return sum(1 for _ in _ndjson_lines(path))
    try:
        document = orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError:
        return 0
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        return len(document.get("entry") or [])
    return 1
