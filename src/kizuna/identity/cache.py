"""What resolving patients reads, read once for a group of units stored together.

Resolving one patient reads its link keys, its stored Patient and its person: three round
trips per unit. The ingestion pipeline stores units in groups, and most units of a group
belong to a few patients (an SS-MIX2 patient folder is read in one go), so
:meth:`ResolveCache.prefetch` reads all three for the whole group with one query each and
the units are resolved from memory.

The cache stays exact by being told of every change made in the same transaction: link
keys inserted (:meth:`~ResolveCache.keys_added`), Patients written or deleted
(:meth:`~ResolveCache.written`), persons created or possibly moved
(:meth:`~ResolveCache.person_created`, :meth:`~ResolveCache.forget_persons`). Whatever it
does not hold is read from the database on first use and kept, so an empty cache answers
exactly as the lookups without one, one round trip each.

Another worker's uncommitted or later changes are not seen, as they were not seen by a
lookup made a moment earlier: a key another worker inserts meanwhile makes the insert of
the same key fail with a unique-key error, which the pipeline retries unit by unit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import orjson

from kizuna.fhir.writes import Outcome
from kizuna.identity.matcher import current_model
from kizuna.identity.model import Model
from kizuna.ingest.base import stable_id
from kizuna.store import resources as sql
from kizuna.store.db import Tx

_CHUNK = 400

#: merges remembered per process before the memory starts afresh (about 290 bytes each,
#: so 29 MB when full)
UNCHANGED_LIMIT = 100_000
#: (patient id, digest of the Patient's JSON, digest of a candidate) for every candidate
#: that merged into that Patient without changing it. The merge depends on those three
#: alone, so the fact holds in any transaction and for any group: shared by every cache.
MergeKey = tuple[str, bytes, bytes]
_UNCHANGED: set[MergeKey] = set()


def _merge_key(patient_id: str, patient_json: str, candidate: dict[str, Any]) -> MergeKey:
    said = orjson.dumps(candidate, option=orjson.OPT_SORT_KEYS)
    return (
        patient_id,
        hashlib.blake2b(patient_json.encode(), digest_size=16).digest(),
        hashlib.blake2b(said, digest_size=16).digest(),
    )


def _read_into(
    found: dict[str, str | None],
    tx: Tx,
    table: str,
    columns: tuple[str, str],
    wanted: Sequence[str],
) -> None:
    """(key, value) ``columns`` of ``table`` for the keys ``found`` lacks, one index probe
    per key (:func:`~kizuna.store.resources.rows_by_values`); None for those without a row."""
    missing = [k for k in dict.fromkeys(wanted) if k not in found]
    for start in range(0, len(missing), _CHUNK):
        chunk = missing[start : start + _CHUNK]
        rows = sql.rows_by_values(tx, table, columns, columns[0], chunk)
        found.update(dict.fromkeys(chunk))
        found.update((r[0], r[1]) for r in rows)


def patient_for(keys: Sequence[str], owners: dict[str, str]) -> str:
    """The patient a candidate with ``keys`` belongs to: the owner of its first known key,
    else a new patient named after its first key."""
    owner = next((owners[k] for k in keys if k in owners), None)
    return owner if owner is not None else stable_id("Patient", keys[0])


class ResolveCache:
    """Link keys, stored Patients and persons, as the current transaction sees them."""

    def __init__(self) -> None:
        self._owners: dict[str, str | None] = {}  # link key -> patient id (None: free)
        # patient id -> (version, JSON); version None: planned, to be written with the group
        self._patients: dict[str, tuple[int | None, str] | None] = {}
        self._persons: dict[str, str | None] = {}  # patient id -> person id (None: none)
        self._forgotten: list[str] = []  # patients whose person is to be read again
        self._model: Model | None = None

    # -- reading ---------------------------------------------------------------------------
    def prefetch(self, tx: Tx, candidates: Sequence[Sequence[str]]) -> None:
        """Read, with one query each, the owners of every candidate's link keys, then the
        stored Patient and person of each patient they resolve to."""
        candidates = [keys for keys in candidates if keys]
        self._read_owners(tx, [k for keys in candidates for k in keys])
        ids = list(dict.fromkeys(self.patient_for(tx, keys) for keys in candidates))
        self._read_patients(tx, ids)
        self._read_persons(tx, ids)

    def owners(self, tx: Tx, keys: Sequence[str]) -> dict[str, str]:
        """The patient owning each of ``keys`` that has one."""
        self._read_owners(tx, keys)
        return {k: owner for k in keys if (owner := self._owners[k]) is not None}

    def patient_for(self, tx: Tx, keys: Sequence[str]) -> str:
        """The patient :func:`~kizuna.identity.resolve.resolve_patient` would choose."""
        return patient_for(keys, self.owners(tx, keys))

    def stored_patient(self, tx: Tx, patient_id: str) -> dict[str, Any] | None:
        """The stored Patient (a fresh copy each time), None if none is stored."""
        self._read_patients(tx, [patient_id])
        stored = self._patients[patient_id]
        if stored is None:
            return None
        found: dict[str, Any] = orjson.loads(stored[1])
        return found

    def stored_version(self, tx: Tx, patient_id: str) -> int | None:
        """The version :meth:`stored_patient` returns, None if none is stored (or the
        Patient is one planned in the group, whose version is known once it is written)."""
        self._read_patients(tx, [patient_id])
        stored = self._patients[patient_id]
        return stored[0] if stored is not None else None

    def merge_key(self, tx: Tx, patient_id: str, candidate: dict[str, Any]) -> MergeKey | None:
        """What a merge of ``candidate`` into this Patient, as the cache now holds it,
        depends on; None when no Patient is stored (the merge creates one)."""
        self._read_patients(tx, [patient_id])
        stored = self._patients[patient_id]
        return _merge_key(patient_id, stored[1], candidate) if stored is not None else None

    def unchanged(self, key: MergeKey | None) -> bool:
        """Whether that merge was made before without changing the Patient: an SS-MIX2
        patient's next message, or next month's receipt from the same clinic (in any
        earlier group of this process)."""
        return key is not None and key in _UNCHANGED

    def note_unchanged(self, key: MergeKey | None) -> None:
        """That merge changed nothing."""
        if key is None:
            return
        if len(_UNCHANGED) >= UNCHANGED_LIMIT:
            _UNCHANGED.clear()
        _UNCHANGED.add(key)

    def person_of(self, tx: Tx, patient_id: str) -> str | None:
        self._read_persons(tx, [patient_id])
        return self._persons[patient_id]

    def model(self, tx: Tx) -> Model:
        """The matching model, read once per cache."""
        if self._model is None:
            self._model = current_model(tx)
        return self._model

    def _read_owners(self, tx: Tx, keys: Sequence[str]) -> None:
        _read_into(self._owners, tx, "identity_keys", ("link_key", "patient_id"), keys)

    def _read_patients(self, tx: Tx, ids: Sequence[str]) -> None:
        missing = [i for i in dict.fromkeys(ids) if i not in self._patients]
        if not missing:
            return
        found = sql.current(tx, [("Patient", i) for i in missing])
        for patient_id in missing:
            stored = found.get(("Patient", patient_id))
            if stored is None or stored.deleted or not stored.content:
                self._patients[patient_id] = None
            else:
                self._patients[patient_id] = (stored.version, stored.content)

    def _read_persons(self, tx: Tx, ids: Sequence[str]) -> None:
        if self._forgotten and any(i not in self._persons for i in ids):
            ids = [*ids, *self._forgotten]  # all read again with the first one asked
            self._forgotten = []
        _read_into(self._persons, tx, "identity_links", ("patient_id", "person_id"), ids)

    # -- changes made in the same transaction ----------------------------------------------
    def keys_added(self, rows: Iterable[tuple[str, str]]) -> None:
        """(link key, patient id) rows just inserted into ``identity_keys``."""
        self._owners.update(rows)

    def planned(self, patient: dict[str, Any]) -> None:
        """A Patient to be written with the group: later units merge into it as if it were
        stored. Their writes of it carry no version check; the first write has one."""
        self._patients[patient["id"]] = (None, orjson.dumps(patient).decode())

    def written(self, outcomes: Iterable[Outcome]) -> None:
        """Resources just written: each changed Patient is kept as stored, or as gone."""
        for outcome in outcomes:
            patient_id = outcome.key[1]
            if outcome.key[0] != "Patient":
                continue
            if outcome.changed:
                text = outcome.content
                self._patients[patient_id] = (outcome.version, text) if text else None
            elif (kept := self._patients.get(patient_id)) is not None and kept[0] is None:
                del self._patients[patient_id]  # planned, then found unchanged: read it again

    def person_created(self, patient_id: str, person_id: str) -> None:
        self._persons[patient_id] = person_id

    def forget_persons(self) -> None:
        """Persons may have moved (a link or a merge): the persons of every patient known
        are read again, in one query, when the next one is asked (a group's later units
        would otherwise read theirs one by one)."""
        self._forgotten += self._persons
        self._persons.clear()
