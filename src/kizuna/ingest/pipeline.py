"""One pipeline for every source: detect → parse → map → resolve the patient → store → report.

Each :class:`~kizuna.ingest.base.Unit` is stored in one database transaction. A unit seen
before with the same content is skipped; an older version of a unit is ignored; a newer
one replaces what the unit produced (resources it no longer produces are deleted, unless
another unit still produces them). Two different items claiming the same key and version
are ordered by content digest, so re-ingesting in any order converges to the same state.
A failing unit is quarantined with its reason and the rest of the batch goes on.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from kizuna.fhir import writes
from kizuna.fhir.indexing.compartment import in_patient_compartment
from kizuna.fhir.outcome import FhirError, describe
from kizuna.fhir.validate import check_resource
from kizuna.identity.cache import ResolveCache
from kizuna.identity.keys import link_keys, source_patient_identifier
from kizuna.identity.resolve import UnlinkablePatient, resolve_patient
from kizuna.ingest import quarantine, registry
from kizuna.ingest import shared as shared_resources
from kizuna.ingest.base import PATIENT_REF, Adapter, Failure, IngestError, Location, Unit
from kizuna.ingest.checked import CHECKED
from kizuna.store import resources as sql
from kizuna.store.db import Database, Tx

MAX_RAW_BYTES = 8 * 1024 * 1024
#: units per database transaction when ingesting files (each unit is its own savepoint)
BATCH_UNITS = 200
#: units planned and written together (one savepoint, one batched write). Each group
#: costs the database a fixed set of statements (lookups, one COPY per table); groups of
#: 200 instead of 50 took 12-14% less of its CPU per unit (docs/performance.md)
GROUP_UNITS = 200
Key = tuple[str, str]


@dataclass
class FormatReport:
    """Counts for one format, as the CLI's summary table shows them."""

    files: set[str] = field(default_factory=set)
    units: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    skipped: int = 0  # units already stored (same content) or superseded by a newer version
    warnings: int = 0
    quarantined: int = 0
    warning_texts: list[str] = field(default_factory=list)
    failure_texts: list[str] = field(default_factory=list)


@dataclass
class UnitResult:
    status: str  # stored | unchanged | superseded | quarantined
    patient_id: str | None = None
    outcomes: list[writes.Outcome] = field(default_factory=list)
    reason: str | None = None


def unit_items(unit: Unit) -> list[dict[str, Any]]:
    """The unit's resources, then its document (if any), as mapped."""
    return [*unit.resources, unit.document] if unit.document is not None else unit.resources


def unit_texts(unit: Unit) -> list[bytes]:
    """The JSON of :func:`unit_items`."""
    return [orjson.dumps(r) for r in unit_items(unit)]


def unit_digest(unit: Unit, texts: list[bytes]) -> str:
    """A digest of everything the unit says (``texts`` from :func:`unit_texts`)."""
    head = [unit.patient, unit.deletes, unit.delete_unit, len(unit.resources)]
    digest = hashlib.blake2b(orjson.dumps(head, option=orjson.OPT_SORT_KEYS), digest_size=16)
    for text in texts:
        digest.update(len(text).to_bytes(8, "big"))
        digest.update(text)
    return digest.hexdigest()


def source_uri(unit: Unit) -> str:
    src = unit.source
    return f"{_source_file(src.format, src.facility_code, src.file)}#{quote(src.record, safe='')}"


@lru_cache(maxsize=1024)
def _source_file(format_name: str, facility_code: str | None, file: str) -> str:
    """The part of a source URI every unit of one file shares."""
    return (
        f"urn:kizuna:source:{format_name}:{facility_code or '-'}:{quote(Path(file).name, safe='')}"
    )


def _tag(resource: dict[str, Any], source: str) -> dict[str, Any]:
    meta = dict(resource.get("meta") or {})
    meta["source"] = source
    return {**resource, "meta": meta}


@dataclass
class Plan:
    """What storing one unit will write, before anything is written."""

    unit: Unit
    digest: str
    existed: bool
    patient_id: str | None
    patient_write: writes.Put | None
    owned: list[writes.Put]
    shared: list[writes.Put]
    deletes: list[Key] = field(default_factory=list)

    @property
    def produced(self) -> list[Key]:
        return [(op.resource["resourceType"], op.resource["id"]) for op in self.owned]

    def patients_written(self) -> set[str]:
        """Patients the unit's own resources write or delete (not its merged Patient)."""
        return {i for t, i in [*self.produced, *self.deletes] if t == "Patient"}


class UnitWriter:
    """Plans and stores one unit inside a transaction.

    ``cache`` is shared by the units of a group (see :class:`GroupWriter`); a unit stored
    alone gets an empty one, so every lookup is read from the database.
    """

    def __init__(self, tx: Tx, unit: Unit, cache: ResolveCache | None = None) -> None:
        self.tx = tx
        self.unit = unit
        self.texts = unit_texts(unit)
        self.digest = unit_digest(unit, self.texts)
        self.cache = cache if cache is not None else ResolveCache()

    def prior(self) -> tuple[str, str] | None:
        row = self.tx.fetchone(
            "SELECT version, digest FROM ingest_units WHERE unit_key = ?", (self.unit.key,)
        )
        return (row[0], row[1]) if row else None

    def previous(self) -> set[Key]:
        rows = self.tx.fetchall(
            "SELECT res_type, res_id FROM ingest_unit_resources WHERE unit_key = ?",
            (self.unit.key,),
        )
        return {(r[0], r[1]) for r in rows}

    def skip(self, prior: tuple[str, str] | None) -> UnitResult | None:
        """``unchanged`` or ``superseded`` when the unit must not be stored again."""
        if prior is not None and prior == (self.unit.version, self.digest):
            return UnitResult("unchanged")
        # Older versions lose; equal versions with different content are ordered by
        # digest, so the stored result never depends on the order files are read in.
        newer_deletion = (
            self.unit.delete_unit and prior is not None and self.unit.version >= prior[0]
        )
        if prior is not None and (self.unit.version, self.digest) < prior and not newer_deletion:
            return UnitResult("superseded")  # a deletion of the same version still wins
        return None

    def plan(
        self,
        prior: tuple[str, str] | None,
        previous: set[Key],
        planned: Mapping[str, set[Key]] | None = None,
    ) -> Plan:
        """What storing the unit writes. ``planned``: what the units planned before it in
        the same group, not yet written, will produce (unit key -> keys)."""
        patient_id, patient_write = self._patient()
        target = f"Patient/{patient_id}" if patient_id else PATIENT_REF
        owned, shared = self._resources(target, source_uri(self.unit))
        plan = Plan(
            self.unit, self.digest, prior is not None, patient_id, patient_write, owned, shared
        )
        plan.deletes = self._deletions(plan.produced, previous, planned or {})
        return plan

    def store(self) -> UnitResult:
        prior = self.prior()
        skipped = self.skip(prior)
        if skipped is not None:
            return skipped
        return store_plans(self.tx, [self.plan(prior, self.previous())])[0]

    @cached_property
    def candidate(self) -> dict[str, Any] | None:
        """The unit's patient, with a source-scoped id when the source carries none."""
        candidate = self.unit.patient
        if candidate is not None and not link_keys(candidate):
            source = self.unit.source
            extra = source_patient_identifier(
                candidate, f"{source.format}:{source.facility_code or '-'}"
            )
            if extra is not None:
                candidate = {**candidate, "identifier": [*candidate.get("identifier", []), extra]}
        return candidate

    @cached_property
    def link_keys(self) -> list[str]:
        return link_keys(self.candidate) if self.candidate else []

    def patient_id(self) -> str | None:
        """The patient resolving will choose, from what the cache knows (nothing written)."""
        return self.cache.patient_for(self.tx, self.link_keys) if self.link_keys else None

    def _patient(self) -> tuple[str | None, writes.Put | None]:
        candidate = self.candidate
        if candidate is None:
            return None, None
        resolution = resolve_patient(self.tx, candidate, self.cache)
        if resolution.write is not None:
            check_resource(resolution.write.resource, "Patient", "Unit.patient")
        return resolution.patient_id, resolution.write

    def _resources(self, target: str, source: str) -> tuple[list[writes.Put], list[writes.Put]]:
        owned: list[writes.Put] = []
        shared: list[writes.Put] = []
        items = unit_items(self.unit)
        for i, (resource, text) in enumerate(zip(items, self.texts, strict=True)):
            body, digest = CHECKED.checked(resource, text, target, f"Unit.resources[{i}]")
            if resource is self.unit.document:
                key = target.split("/")[-1]
                owned.append(writes.Put(_tag(body, source), patient_key=key, digest=digest))
            elif in_patient_compartment(body["resourceType"]):
                owned.append(writes.Put(_tag(body, source), digest=digest))
            else:
                shared.append(writes.Put(body, digest=digest))
        return owned, shared

    def _deletions(
        self, produced: list[Key], previous: set[Key], planned: Mapping[str, set[Key]]
    ) -> list[Key]:
        wanted = {(str(k[0]), str(k[1])) for k in self.unit.deletes}
        orphans = previous - set(produced)
        if orphans:
            wanted |= orphans - self._claimed_elsewhere(sorted(orphans), planned)
        return sorted(wanted - set(produced))

    def _claimed_elsewhere(self, keys: list[Key], planned: Mapping[str, set[Key]]) -> set[Key]:
        """Which of ``keys`` another unit produces: as its plan in this group says, else as
        stored (a planned unit's stored outputs are about to be replaced)."""
        where, params = sql.key_filter(keys, self.tx.dialect)
        rows = self.tx.fetchall(
            "SELECT unit_key, res_type, res_id FROM ingest_unit_resources"
            f" WHERE unit_key <> ? AND {where}",
            [self.unit.key, *params],
        )
        stored = {(r[1], r[2]) for r in rows if r[0] not in planned}
        others = {
            k for unit_key, made in planned.items() if unit_key != self.unit.key for k in made
        }
        return stored | (others & set(keys))


def _shared_writes(tx: Tx, shared: list[writes.Put]) -> list[writes.Op]:
    """Organizations, practitioners and the like, which several units and sources describe:
    each is written only when the join of what was stored and what these units say
    (:mod:`kizuna.ingest.shared`) differs from what was stored. An update names the version
    it joined, and a first description must find none stored, so a worker that wrote it
    meanwhile makes this group retry (and join that worker's description) instead of
    being overwritten."""
    said: dict[Key, list[writes.Put]] = {}
    for put in shared:
        said.setdefault((put.resource["resourceType"], put.resource["id"]), []).append(put)
    if not said:
        return []
    stored = sql.current(tx, list(said))
    ops: list[writes.Op] = []
    for key, puts in said.items():
        version = stored.get(key)
        distinct: dict[str, writes.Put] = {}  # join is idempotent: each description once
        for put in puts:
            distinct.setdefault(put.digest or writes.content_hash(put.resource), put)
        unique = list(distinct.values())
        digests = set(distinct)
        contributions = [p.resource for p in unique]
        if version is None or version.deleted or not version.content:
            first = shared_resources.merged(None, contributions, digests) or contributions[0]
            digest = unique[0].digest if first is contributions[0] else None
            ops.append(writes.Put(first, must_create=True, digest=digest))
            continue
        if digests == {version.hash}:
            continue  # the usual case: said before, nothing to parse or join
        joined = shared_resources.merged(orjson.loads(version.content), contributions, digests)
        if joined is not None:
            ops.append(writes.Put(joined, if_match=version.version))
    return ops


def store_plans(tx: Tx, plans: list[Plan]) -> list[UnitResult]:
    """Write several planned units with one batched write and batched bookkeeping."""
    ops: list[writes.Op] = []
    spans: list[tuple[int, int]] = []
    for plan in plans:
        start = len(ops)
        if plan.patient_write is not None:
            ops.append(plan.patient_write)
        ops += plan.owned
        ops += [writes.Delete(t, i) for t, i in plan.deletes]
        spans.append((start, len(ops)))
    shared = _shared_writes(tx, [p for plan in plans for p in plan.shared])
    outcomes = writes.apply(tx, ops + shared)
    _bookkeeping(tx, plans)
    results = [
        UnitResult("stored", plan.patient_id, outcomes[a:b])
        for plan, (a, b) in zip(plans, spans, strict=True)
    ]
    if results and shared:
        results[0].outcomes = results[0].outcomes + outcomes[len(ops) :]
    return results


def _bookkeeping(tx: Tx, plans: list[Plan]) -> None:
    from kizuna.fhir.instant import now_ms

    stamp = now_ms()
    updates: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    rows: list[tuple[Any, ...]] = []
    for plan in plans:
        unit = plan.unit
        row = (
            unit.version,
            plan.digest,
            plan.patient_id,
            1 if unit.delete_unit else 0,
            stamp,
            unit.key,
        )
        (updates if plan.existed else inserts).append(
            row if plan.existed else (*row, unit.source.format)
        )
        if not unit.delete_unit:
            rows += [(unit.key, t, i) for t, i in plan.produced]
    if updates:
        tx.executemany(
            "UPDATE ingest_units SET version = ?, digest = ?, patient_id = ?, deleted = ?, updated_ms = ? "
            "WHERE unit_key = ?",
            updates,
        )
        sql.delete_by_values(tx, "ingest_unit_resources", "unit_key", [u[-1] for u in updates])
    if inserts:
        tx.insert_rows(
            "ingest_units",
            ("version", "digest", "patient_id", "deleted", "updated_ms", "unit_key", "format"),
            inserts,
        )
    tx.insert_rows("ingest_unit_resources", ("unit_key", "res_type", "res_id"), rows)


class GroupWriter:
    """Stores a group of units with a handful of statements instead of a handful per unit.

    Prior versions and previous outputs are read for the whole group at once; each unit is
    planned (patient resolved, resources validated) in turn; then everything is written in
    one batched write. A unit whose key repeats, or whose patient a unit's own resources
    write or delete, first flushes what is pending.

    Patients are resolved through one :class:`~kizuna.identity.cache.ResolveCache` for the
    group: the link keys, stored Patients and persons of all its units are read with one
    query each before planning. A merged Patient a unit plans to write is kept there, so a
    later unit of the same patient merges into it (as it would into the stored one after a
    write); each flush hands the Patients it wrote to the cache.
    """

    def __init__(self, tx: Tx, units: list[Unit]) -> None:
        self.tx = tx
        self.units = units
        self.cache = ResolveCache()
        self._results: list[UnitResult | None] = [None] * len(units)
        self._pending: list[tuple[int, Plan]] = []
        self._pending_patients: set[str] = set()  # Patients units' own resources write
        self._planned: dict[str, set[Key]] = {}  # unit key -> what its pending plan produces

    def _priors(self) -> tuple[dict[str, tuple[str, str] | None], dict[str, set[Key]]]:
        keys = list(dict.fromkeys(u.key for u in self.units))
        priors: dict[str, tuple[str, str] | None] = {
            r[0]: (r[1], r[2])
            for r in sql.rows_by_values(
                self.tx, "ingest_units", ("unit_key", "version", "digest"), "unit_key", keys
            )
        }
        previous: dict[str, set[Key]] = {}
        for r in sql.rows_by_values(
            self.tx,
            "ingest_unit_resources",
            ("unit_key", "res_type", "res_id"),
            "unit_key",
            keys,
        ):
            previous.setdefault(r[0], set()).add((r[1], r[2]))
        return priors, previous

    def _prefetch(
        self, writers: list[UnitWriter], priors: dict[str, tuple[str, str] | None]
    ) -> None:
        """The identity lookups of every unit that will be planned, one query each."""
        planned = [w for w in writers if w.skip(priors.get(w.unit.key)) is None]
        self.cache.prefetch(self.tx, [w.link_keys for w in planned])

    def store(self) -> list[UnitResult]:
        priors, previous = self._priors()
        writers = [UnitWriter(self.tx, unit, self.cache) for unit in self.units]
        self._prefetch(writers, priors)
        for index, writer in enumerate(writers):
            self._add(index, writer, priors, previous)
        self._flush()
        return [r or UnitResult("unchanged") for r in self._results]

    def _add(
        self,
        index: int,
        writer: UnitWriter,
        priors: dict[str, tuple[str, str] | None],
        previous: dict[str, set[Key]],
    ) -> None:
        """Plan one unit, after storing what is pending if the unit must see it."""
        unit = writer.unit
        if unit.key in self._planned:
            self._flush()  # the same item twice: store the first, then read what it left
            priors[unit.key], previous[unit.key] = writer.prior(), writer.previous()
        prior = priors.get(unit.key)
        skipped = writer.skip(prior)
        if skipped is not None:
            self._results[index] = skipped
            return
        if self._pending_patients and writer.patient_id() in self._pending_patients:
            self._flush()  # a unit's own resources write this Patient: store them first
        plan = writer.plan(prior, previous.get(unit.key, set()), self._planned)
        self._pending.append((index, plan))
        self._planned[unit.key] = set() if unit.delete_unit else set(plan.produced)
        if plan.patient_write is not None:
            self.cache.planned(plan.patient_write.resource)
        self._pending_patients |= plan.patients_written()

    def _flush(self) -> None:
        plans = [plan for _, plan in self._pending]
        for (index, _), result in zip(self._pending, store_plans(self.tx, plans), strict=True):
            self._results[index] = result
            self.cache.written(result.outcomes)
        self._pending.clear()
        self._pending_patients.clear()
        self._planned.clear()


class Batch:
    """Units stored one savepoint each inside a longer transaction, committed every
    ``size`` units: each unit stays all-or-nothing (a failure rolls back to its savepoint
    and is quarantined) while a commit is paid once per batch, not once per unit."""

    def __init__(self, db: Database, size: int) -> None:
        self.db = db
        self.size = size
        self._context: Any = None
        self._tx: Tx | None = None
        self._count = 0

    def tx(self) -> Tx:
        if self._tx is None:
            self._context = self.db.transaction()
            self._tx = self._context.__enter__()
        return self._tx

    def done(self, units: int = 1) -> None:
        self._count += units
        if self._count >= self.size:
            self.commit()

    def commit(self) -> None:
        if self._context is not None:
            context, self._context, self._tx, self._count = self._context, None, None, 0
            context.__exit__(None, None, None)

    def abandon(self, exc: BaseException) -> None:
        if self._context is not None:
            context, self._context, self._tx, self._count = self._context, None, None, 0
            context.__exit__(type(exc), exc, exc.__traceback__)


class Pipeline:
    """Ingests files, folders and single payloads into one database."""

    def __init__(
        self, db: Database, facility_code: str | None = None, batch_size: int = BATCH_UNITS
    ) -> None:
        self.db = db
        self.adapters = registry.adapters(facility_code)
        self.reports: dict[str, FormatReport] = {}
        self.batch_size = batch_size
        self._batch: Batch | None = None

    def report(self, name: str) -> FormatReport:
        return self.reports.setdefault(name, FormatReport())

    def ingest_paths(
        self, paths: Iterable[Path], progress: Callable[[str], None] | None = None
    ) -> dict[str, FormatReport]:
        """Every unit of ``paths``. Consecutive files of one format are read as one stream,
        so groups (and transactions) of units span files: a folder of one-unit files (QR
        texts, checkup files, documents) is stored in groups of ``GROUP_UNITS``, not one by one."""
        planned = registry.plan(list(paths), self.adapters)
        for adapter, run in itertools.groupby(planned, key=lambda pair: pair[0]):
            targets = [target for _, target in run]
            if adapter is None:
                for target in targets:
                    self.quarantine(_unknown(target))
                continue
            units = itertools.chain.from_iterable(adapter.read(t) for t in targets)
            self.ingest_items(adapter, units, progress)
        return self.reports

    def ingest_items(
        self,
        adapter: Adapter,
        items: Iterable[Unit | Failure],
        progress: Callable[[str], None] | None = None,
    ) -> None:
        report = self.report(adapter.name)
        self._batch = Batch(self.db, self.batch_size)
        group: list[Unit] = []
        try:
            for item in items:
                if isinstance(item, Failure):
                    self.quarantine(item)
                else:
                    report.files.add(item.source.file)
                    group.append(item)
                    if len(group) >= GROUP_UNITS:
                        self._ingest_group(group, adapter.name)
                        group = []
                if progress:
                    progress(adapter.name)
            if group:
                self._ingest_group(group, adapter.name)
        except BaseException as exc:
            self._batch.abandon(exc)
            raise
        finally:
            batch, self._batch = self._batch, None
        batch.commit()

    def _ingest_group(self, units: list[Unit], format_name: str) -> None:
        """The group in one savepoint and one batched write. When another writer's work
        crossed it (a conflict), the group is tried again whole, in a new transaction;
        on any other failure, or after the last try, unit by unit (each in its own
        savepoint), so the bad one is found and quarantined alone."""
        assert self._batch is not None
        for attempt in range(RETRIES):
            outcome = self._try_group(units)
            if isinstance(outcome, list):
                for unit, result in zip(units, outcome, strict=True):
                    self._count(self._note_unit(unit, format_name), result)
                self._batch.done(len(units))
                return
            if not _is_conflict(outcome) or attempt == RETRIES - 1:
                break
            # What earlier groups of this transaction wrote is complete: commit it, so
            # the new try holds no locks but its own and waits on no one it blocks.
            self._batch.commit()
        for unit in units:
            self.ingest_unit(unit, format_name)

    def _try_group(self, units: list[Unit]) -> list[UnitResult] | Exception:
        """The group's results, or what failed it (the savepoint rolled back)."""
        assert self._batch is not None
        tx = self._batch.tx()
        tx.execute("SAVEPOINT kizuna_group")
        try:
            results = GroupWriter(tx, units).store()
        except Exception as exc:
            tx.execute("ROLLBACK TO SAVEPOINT kizuna_group")
            tx.execute("RELEASE SAVEPOINT kizuna_group")
            return exc
        tx.execute("RELEASE SAVEPOINT kizuna_group")
        return results

    def _note_unit(self, unit: Unit, format_name: str | None) -> FormatReport:
        report = self.report(format_name or unit.source.format)
        report.units += 1
        report.warnings += len(unit.warnings)
        report.warning_texts.extend(f"{w.location}: {w.message}" for w in unit.warnings[:5])
        return report

    def ingest_unit(self, unit: Unit, format_name: str | None = None) -> UnitResult:
        report = self._note_unit(unit, format_name)
        try:
            result = self._store(unit)
        except (FhirError, IngestError, UnlinkablePatient) as exc:
            reason = _reason(exc)
        except Exception as exc:  # a defect must not stop the batch; the type only, no data
            reason = _unexpected(exc)
        else:
            self._count(report, result)
            return result
        where = Location(unit.source.file, record=unit.source.record)
        self.quarantine(Failure(unit.source.format, reason, where, _unit_raw(unit)))
        return UnitResult("quarantined", reason=reason)

    def _store(self, unit: Unit) -> UnitResult:
        for attempt in range(RETRIES):
            try:
                return self._store_once(unit)
            except Exception as exc:  # another worker linked the same patient first: retry
                if attempt == RETRIES - 1 or not _is_conflict(exc):
                    raise
        raise AssertionError("unreachable")

    def _store_once(self, unit: Unit) -> UnitResult:
        if self._batch is None:
            with self.db.transaction() as tx:
                return UnitWriter(tx, unit).store()
        tx = self._batch.tx()
        tx.execute("SAVEPOINT kizuna_unit")
        try:
            result = UnitWriter(tx, unit).store()
        except BaseException:
            tx.execute("ROLLBACK TO SAVEPOINT kizuna_unit")
            tx.execute("RELEASE SAVEPOINT kizuna_unit")
            raise
        tx.execute("RELEASE SAVEPOINT kizuna_unit")
        self._batch.done()
        return result

    def _count(self, report: FormatReport, result: UnitResult) -> None:
        if result.status in ("unchanged", "superseded"):
            report.skipped += 1
            return
        for outcome in result.outcomes:
            if outcome.status == 204:
                report.deleted += int(outcome.changed)
            elif not outcome.changed:
                report.unchanged += 1
            elif outcome.status == 201:
                report.created += 1
            else:
                report.updated += 1

    def quarantine(self, failure: Failure) -> None:
        report = self.report(failure.format)
        report.quarantined += 1
        report.failure_texts.append(f"{failure.location}: {failure.reason}")
        if self._batch is not None:
            quarantine.add(self._batch.tx(), failure)
            return
        with self.db.transaction() as tx:
            quarantine.add(tx, failure)


RETRIES = 5  # a unit whose patient another worker keeps changing is stored at a later try


def _is_conflict(exc: Exception) -> bool:
    """A race between concurrent ingestion workers, which retrying resolves: a unique key
    both inserted, a Patient or shared resource another worker changed (412) or first
    stored (409) after it was read (the version checks on those writes; nothing else is
    written with one), a deadlock between two workers' row locks, a row lock held past
    the lock timeout, or a SQLite write lock held past the busy timeout."""
    import sqlite3

    import psycopg

    if isinstance(exc, FhirError):
        return exc.status in (409, 412)
    if isinstance(exc, sqlite3.OperationalError):
        return "locked" in str(exc)  # the busy timeout ran out while another process wrote
    retryable = (
        sqlite3.IntegrityError,
        psycopg.errors.IntegrityError,
        psycopg.errors.DeadlockDetected,  # two workers locked the same rows in turn
        psycopg.errors.LockNotAvailable,  # a lock held past the worker's lock_timeout
        psycopg.errors.SerializationFailure,
    )
    return isinstance(exc, retryable)


def _unexpected(exc: Exception) -> str:
    """The reason for an error that is not the unit's fault, naming its type only: a
    database error's text can quote stored values."""
    if _is_conflict(exc):
        return (
            f"other writers held or changed this unit's records through {RETRIES} tries "
            f"({type(exc).__name__}); ingest it again"
        )
    return f"unexpected {type(exc).__name__} while storing the unit"


def _reason(exc: Exception) -> str:
    if isinstance(exc, FhirError):
        return describe(exc.problems[:5])
    return str(exc)


def _unknown(target: Path) -> Failure:
    return Failure(
        "unknown", "no known format recognises this file", Location(str(target)), _raw(target)
    )


def _raw(path: Path) -> bytes:
    try:
        return path.read_bytes()[:MAX_RAW_BYTES] if path.is_file() else str(path).encode()
    except OSError:
        return b""


def _unit_raw(unit: Unit) -> bytes:
    """The verbatim source file when it is available, otherwise the mapped unit as JSON."""
    path = Path(unit.source.file)
    if path.is_file() and path.stat().st_size <= MAX_RAW_BYTES:
        return path.read_bytes()
    return orjson.dumps({"patient": unit.patient, "resources": unit.resources})
