"""`kizuna ingest --workers N`: the work is split without splitting a facility's files, and
several workers store exactly what one process stores."""

from __future__ import annotations

import multiprocessing
import os
import signal
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from pathlib import Path
from typing import Any

import orjson
import pytest

from kizuna.ingest import registry
from kizuna.ingest.parallel import CHUNK, chunked, ingest_parallel, work_items
from kizuna.ingest.pipeline import Pipeline
from kizuna.store.db import Database
from kizuna.store.migrate import upgrade
from kizuna.synth.config import NoiseConfig, SynthConfig
from kizuna.synth.generate import generate


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("synth-parallel")
    generate(SynthConfig(40, 3, root, workers=1))
    return root


@pytest.fixture(scope="module")
def exact_population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A population every source writes exactly: no moves, no missing or partial insurance
    numbers. With that noise a person can be one Patient or two linked into one person,
    depending on which facility's file is read first (``kizuna.identity.resolve``), so
    workers and one process may hold the same people differently."""
    root = tmp_path_factory.mktemp("synth-parallel-exact")
    generate(SynthConfig(40, 3, root, noise=NoiseConfig.none(), workers=1))
    return root


def test_chunks_keep_each_folder_together(population: Path) -> None:
    items = work_items([population / "uke", population / "ssmix2"], None)
    chunks = chunked(items)
    assert sorted(i for c in chunks for i in c) == sorted(items)  # each item exactly once
    owner: dict[str, int] = {}
    for number, chunk in enumerate(chunks):
        for fmt, kind, path in chunk:
            if kind == "file":
                folder = str(Path(path).parent)
                assert owner.setdefault(folder, number) == number, folder
            else:
                assert fmt == "ssmix2" and len(chunk) <= CHUNK


def _state(url: str) -> tuple[set[tuple[str, str, str]], dict[str, list[str]]]:
    """Every current resource's key and content hash, and each Patient's identifiers."""
    db = Database(url)
    try:
        with db.read() as tx:
            rows = tx.fetchall(
                "SELECT res_type, res_id, hash, content FROM resources WHERE deleted = 0"
            )
    finally:
        db.close()
    keys = {(r[0], r[1], r[2]) for r in rows if r[0] != "Patient"}
    patients = {
        r[1]: sorted(
            f"{i.get('system')}|{i.get('value')}" for i in orjson.loads(r[3]).get("identifier", [])
        )
        for r in rows
        if r[0] == "Patient"
    }
    return keys, patients


#: a load of this population takes 15-30 s here; past this, it is stuck, and the test says where
WATCH_SECONDS = 180


def _where_stuck(url: str) -> str:
    """Every worker's stacks (SIGUSR1: kizuna.ingest.parallel.start_worker), and what
    the database's sessions are doing and waiting for."""
    children = multiprocessing.active_children()
    for child in children:
        if child.pid is not None:
            os.kill(child.pid, signal.SIGUSR1)
    found = "worker stacks: see captured stderr"
    if url.startswith("postgresql"):
        db = Database(url)
        with db.read() as tx:
            sessions = tx.fetchall(
                "SELECT pid, state, wait_event_type, wait_event, left(query, 120) "
                "FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            )
            waits = tx.fetchall("SELECT pid, locktype, mode FROM pg_locks WHERE NOT granted")
        db.close()
        found += f"\nsessions: {sessions}\nlock waits: {waits}"
    for child in children:  # SIGTERM after SIGUSR1: a pending SIGUSR1 (the lower
        child.terminate()  # number) is delivered first, so each stack is written
        child.join(timeout=30)  # before the worker ends
    return found


def _ingest_watched(url: str, sources: list[Path], workers: int) -> dict[str, Any]:
    with ThreadPoolExecutor(1) as runner:
        running = runner.submit(ingest_parallel, url, sources, workers)
        try:
            return running.result(timeout=WATCH_SECONDS)
        except FuturesTimeout:
            pytest.fail(
                f"ingest_parallel still running after {WATCH_SECONDS} s\n" + _where_stuck(url)
            )


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_store_what_one_process_stores(
    exact_population: Path, database_url: str, tmp_path: Path, workers: int
) -> None:
    """The stored resources and each Patient's identifiers are those of one process. (The
    reports' ``updated`` counts may differ: whether a facility's Organization, described
    by several workers' units, is updated or left as it was depends on which description
    is joined first; the stored result does not. For the same reason a shared resource
    is counted as created under whichever format's unit stored it first, so only the
    total of created resources is the same.)"""
    sources = [exact_population / f for f in ("uke", "jahis-tc", "ssmix2")]
    reports = _ingest_watched(database_url, sources, workers)
    assert [t for r in reports.values() for t in r.failure_texts] == []

    reference = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    upgrade(reference)
    db = Database(reference)
    single = Pipeline(db).ingest_paths(sources)
    db.close()

    for name, report in single.items():
        assert reports[name].units == report.units, name
    assert sum(r.created for r in reports.values()) == sum(r.created for r in single.values())
    parallel_keys, parallel_patients = _state(database_url)
    single_keys, single_patients = _state(reference)
    assert parallel_keys == single_keys
    assert parallel_patients == single_patients

    again = _ingest_watched(database_url, sources, workers)  # nothing new: nothing written
    assert all(r.created == 0 and r.updated == 0 and r.deleted == 0 for r in again.values())
    assert _state(database_url) == (parallel_keys, parallel_patients)


def test_files_of_one_format_are_stored_in_groups_that_span_files(
    population: Path, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder of one-unit files (QR texts, checkup files, documents) is stored fifty
    units a group, in one process and in a worker, as it is stored one file at a time."""
    from kizuna.ingest.parallel import run_items
    from kizuna.ingest.pipeline import GROUP_UNITS, GroupWriter

    folders = [population / "jahis-rx", population / "checkup", population / "fhir"]
    files = [target for _, target in registry.plan(folders, registry.adapters())]  # in order
    sizes: list[int] = []
    store = GroupWriter.store

    def recording(self: GroupWriter) -> Any:
        sizes.append(len(self.units))
        return store(self)

    monkeypatch.setattr(GroupWriter, "store", recording)
    db = Database(database_url)
    reports = Pipeline(db).ingest_paths(folders)
    db.close()
    units = sum(r.units for r in reports.values())
    assert sum(r.quarantined for r in reports.values()) == 0
    assert sum(sizes) == units == len(files)
    assert len(sizes) == sum(-(-r.units // GROUP_UNITS) for r in reports.values())

    one_by_one = f"sqlite:///{tmp_path / 'one-by-one.sqlite3'}"
    upgrade(one_by_one)
    reference = Database(one_by_one)
    for file in files:
        Pipeline(reference).ingest_paths([file])
    reference.close()
    assert _state(database_url) == _state(one_by_one)

    sizes.clear()
    in_worker = f"sqlite:///{tmp_path / 'worker.sqlite3'}"
    upgrade(in_worker)
    for chunk in chunked(work_items(folders, None)):
        run_items(in_worker, None, chunk)
    assert sum(sizes) == units and max(sizes) > 1  # a worker's folder: groups across files
    assert _state(in_worker) == _state(one_by_one)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # a pool's connections
def test_a_worker_keeps_one_connection_for_all_its_work_items(
    population: Path, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new connection is a new PostgreSQL backend, with cold caches and nothing
    prepared: a worker opens one when it starts, and every work item it is given (an
    SS-MIX2 tree is one every 16 patients) goes through it."""
    from kizuna.ingest import parallel

    monkeypatch.setattr(parallel, "_worker_database", None)  # restored after the test
    worker_db = parallel.open_worker_database(database_url)
    pool = worker_db._pg_pool()
    items = work_items([population / "ssmix2"], None)
    chunks = [items[i : i + 2] for i in range(0, len(items), 2)]  # patients two by two
    assert len(chunks) >= 3
    try:
        reports: dict[str, Any] = {}
        for chunk in chunks:
            parallel.merge(reports, parallel.run_items(database_url, None, chunk))
        stats = pool.get_stats()  # every item's transactions, through one connection
        assert stats["requests_num"] >= len(chunks) and stats["connections_num"] == 1
    finally:
        worker_db.close()
    one = f"sqlite:///{tmp_path / 'one.sqlite3'}"
    upgrade(one)
    reference = Database(one)
    single = Pipeline(reference).ingest_paths([population / "ssmix2"])
    reference.close()
    assert reports["ssmix2"].units == single["ssmix2"].units > len(chunks)
    assert _state(database_url) == _state(one)
