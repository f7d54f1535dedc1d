"""Ingesting with several worker processes (``kizuna ingest --workers N``).

Inputs are cut into work items — one file, or one patient directory of an SS-MIX2 tree —
and spread over the workers, each with its own database connection. Units stay one
savepoint each; a unique-key race between workers linking the same new patient is retried.
"""

from __future__ import annotations

import faulthandler
import itertools
import multiprocessing
import multiprocessing.util
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import fields
from pathlib import Path

from kizuna.heap import GC_YOUNG_INGEST, settle_heap
from kizuna.ingest import registry
from kizuna.ingest.base import Failure, Location
from kizuna.ingest.pipeline import GROUP_UNITS, FormatReport, Pipeline
from kizuna.ingest.ssmix2.storage import patient_directories
from kizuna.store.db import Database, quiet_pool_warnings

Item = tuple[str, str, str]  # (format, "file" | "patient", path)
CHUNK = 16
MAX_TEXTS = 200
#: PostgreSQL session settings of a worker. No worker waits for ever: a row lock held
#: longer than ``lock_timeout`` fails the statement, and the unit is tried again
#: (``kizuna.ingest.pipeline.RETRIES``) before it is quarantined; a transaction left open
#: by a worker that stopped making progress is ended by the server, releasing its locks.
#: A group of units commits in well under a second, so neither limit is met in normal work.
WORKER_SETTINGS = {"lock_timeout": "30s", "idle_in_transaction_session_timeout": "5min"}


def work_items(paths: list[Path], facility: str | None) -> list[Item]:
    items: list[Item] = []
    for adapter, target in registry.plan(paths, registry.adapters(facility)):
        if adapter is not None and adapter.name == "ssmix2" and target.is_dir():
            items += [("ssmix2", "patient", str(p)) for p in patient_directories(target)]
        else:
            items.append((adapter.name if adapter else "unknown", "file", str(target)))
    return items


def chunked(items: list[Item]) -> list[list[Item]]:
    """Work in chunks of up to CHUNK items, never mixing folders: a facility's files (its
    months of receipts, say) go to one worker, since they name the same patients and two
    workers writing the same patient would wait for each other."""
    by_folder: dict[tuple[str, str], list[Item]] = {}
    for item in items:
        folder = str(Path(item[2]).parent) if item[1] == "file" else "patients"
        by_folder.setdefault((item[0], folder), []).append(item)
    chunks: list[list[Item]] = []
    for group in by_folder.values():
        size = len(group) if group[0][1] == "file" else CHUNK
        chunks += [group[i : i + size] for i in range(0, len(group), size)]
    return chunks


#: a worker process's database (url, connection source): :func:`open_worker_database`
_worker_database: tuple[str, Database] | None = None


def run_items(url: str, facility: str | None, items: list[Item]) -> dict[str, FormatReport]:
    """One worker's share (also usable in-process, with a database of its own)."""
    if _worker_database is not None and _worker_database[0] == url:
        return _run_items(_worker_database[1], facility, items)
    db = Database(url, settings=WORKER_SETTINGS)
    try:
        return _run_items(db, facility, items)
    finally:
        db.close()


def _run_items(db: Database, facility: str | None, items: list[Item]) -> dict[str, FormatReport]:
    # One transaction per group: locks on shared rows (a patient seen at two facilities)
    # are held briefly, so workers rarely wait for each other.
    pipeline = Pipeline(db, facility_code=facility, batch_size=GROUP_UNITS)
    adapters = {a.name: a for a in pipeline.adapters}
    # consecutive items of one format are one stream of units: groups of units (and
    # transactions) span files and patient folders
    for (name, kind), run in itertools.groupby(items, key=lambda item: item[:2]):
        paths = [Path(item[2]) for item in run]
        if name == "unknown":
            for path in paths:
                failure = Failure(
                    "unknown", "no known format recognises this file", Location(str(path)), b""
                )
                pipeline.quarantine(failure)
            continue
        adapter = adapters[name]
        read = adapter.read_patient if kind == "patient" else adapter.read  # type: ignore[attr-defined]
        pipeline.ingest_items(adapter, itertools.chain.from_iterable(read(p) for p in paths))
    return pipeline.reports


def merge(into: dict[str, FormatReport], more: dict[str, FormatReport]) -> None:
    for name, report in more.items():
        target = into.setdefault(name, FormatReport())
        for f in fields(FormatReport):
            value = getattr(report, f.name)
            if isinstance(value, int):
                setattr(target, f.name, getattr(target, f.name) + value)
            elif isinstance(value, set):
                target.files |= value
            else:
                getattr(target, f.name).extend(value[: MAX_TEXTS - len(getattr(target, f.name))])


def start_worker(url: str | None = None) -> None:
    """A worker process's set-up: the collector's settings; a dump of every thread's
    stack to standard error on ``SIGUSR1`` (``kill -USR1 <pid>``), so that a worker that
    stops making progress can be asked where it is (the dump holds code locations only);
    and, given ``url``, the database its work items share (:func:`open_worker_database`)."""
    settle_heap(GC_YOUNG_INGEST)
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    quiet_pool_warnings()  # a lost database reaches the parent as this worker's error
    if url is not None:
        open_worker_database(url)


def open_worker_database(url: str) -> Database:
    """The connection source for every work item this process is given, closed as the
    process exits. One for the worker's life, not one per item: a new connection starts a
    new PostgreSQL backend, with cold catalog caches and none of the statements prepared,
    and an SS-MIX2 tree is one item every 16 patients."""
    global _worker_database
    db = Database(url, settings=WORKER_SETTINGS)
    _worker_database = (url, db)
    multiprocessing.util.Finalize(db, db.close, exitpriority=10)
    return db


def ingest_parallel(
    url: str,
    paths: list[Path],
    workers: int,
    facility: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, FormatReport]:
    chunks = chunked(work_items(paths, facility))
    reports: dict[str, FormatReport] = {}
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        workers, mp_context=context, initializer=start_worker, initargs=(url,)
    ) as pool:
        futures = {pool.submit(run_items, url, facility, chunk): len(chunk) for chunk in chunks}
        for future in as_completed(futures):
            merge(reports, future.result())
            if progress:
                progress(futures[future])
    return reports
