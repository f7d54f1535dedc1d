"""Every read of patient data goes through a :class:`Reader`: decide, limit, read, audit.

The REST API, ``$everything``, documents, export, the viewer and the portal all read
through this class, so the single decision of :mod:`kizuna.access.decision` is enforced
in the SQL of each read and each read leaves one audit record — allowed or denied. A denial
is answered exactly like missing data: 404 for a read, an empty page for a search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kizuna.access import gate
from kizuna.access.decision import Decision, decide, default_purpose
from kizuna.auth.principal import Principal
from kizuna.fhir.indexing.compartment import in_patient_compartment, patient_compartment_params
from kizuna.fhir.operations.everything import everything_page
from kizuna.fhir.outcome import not_found
from kizuna.fhir.search import engine
from kizuna.fhir.search.query import Clause, SearchQuery
from kizuna.fhir.validate import valid_id
from kizuna.store import resources as sql
from kizuna.store.db import Database, Tx
from kizuna.store.resources import Version

AuditSink = Callable[[dict[str, Any]], None]
LOOKUP_PARAMS = frozenset(
    {"identifier", "name", "family", "given", "birthdate", "gender", "phone", "telecom"}
)
MAX_AUDITED_IDS = 200
LOOKUP_ROLES = frozenset({"physician", "dentist", "pharmacist", "nurse", "clerk", "emergency"})


@dataclass
class Origin:
    """Where a request came from, for the audit trail."""

    address: str | None = None
    agent: str | None = None


@dataclass
class Reader:
    db: Database
    principal: Principal
    audit: AuditSink
    purpose: str = ""
    origin: Origin = field(default_factory=Origin)
    _decisions: dict[str, Decision] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.purpose:
            self.purpose = default_purpose(self.principal)

    # -- decisions ----------------------------------------------------------------------
    def decision(self, tx: Tx, patient_id: str) -> Decision:
        if patient_id not in self._decisions:
            self._decisions[patient_id] = decide(tx, self.principal, self.purpose, patient_id)
        return self._decisions[patient_id]

    def _record(
        self,
        action: str,
        decisions: list[Decision],
        data: dict[str, Any],
        allowed: bool | None = None,
    ) -> None:
        patients = sorted({p for d in decisions for p in d.patient_ids})
        ok = (
            allowed
            if allowed is not None
            else (bool(decisions) and all(d.allowed for d in decisions))
        )
        reasons = sorted({d.reason for d in decisions}) or ["no-patient"]
        self.audit(
            {
                "action": action,
                "outcome": "allowed" if ok else "denied",
                "reason": ",".join(reasons),
                "purpose": self.purpose,
                "principal": self.principal,
                "patient_ids": patients[:MAX_AUDITED_IDS],
                "data": data,
                "grant": next((d.grant_id for d in decisions if d.grant_id), None),
                "address": self.origin.address,
                "agent": self.origin.agent,
            }
        )

    # -- reads ---------------------------------------------------------------------------
    def read(self, res_type: str, res_id: str) -> Version:
        return _live(self.visible(res_type, res_id))

    def visible(self, res_type: str, res_id: str) -> Version:
        """The current version (deleted ones included) if the reader may see it; else 404."""
        with self.db.read() as tx:
            found = sql.current(tx, [(res_type, res_id)]).get((res_type, res_id))
            if found is None or found.patient_key is None:
                self._record(
                    "read", [], {"type": res_type, "id": res_id}, allowed=found is not None
                )
                if found is None:
                    raise not_found(f"{res_type}/{res_id} is not known")
                return found
            decision = self.decision(tx, found.patient_key)
            visible = decision.allowed and self._row_visible(tx, decision, found)
        self._record("read", [decision], {"type": res_type, "id": res_id}, allowed=visible)
        if not visible:
            raise not_found(f"{res_type}/{res_id} is not known")
        return found

    def _row_visible(self, tx: Tx, decision: Decision, found: Version) -> bool:
        conditions = gate.limits(self.principal, [decision], found.res_type)
        if not conditions:
            return True
        where = " AND ".join(c[0] for c in conditions)
        params = [p for c in conditions for p in c[1]]
        row = tx.fetchone(
            f"SELECT 1 FROM resources r WHERE r.res_type = ? AND r.res_id = ? AND {where}",
            [found.res_type, found.res_id, *params],
        )
        return row is not None

    def scope_of(self, query: SearchQuery) -> list[str] | None:
        """The patients a search concerns, or None when it names none."""
        if query.res_type == "Patient":
            ids = [v for c in query.clauses if c.kind == "id" for v in c.values if valid_id(v)]
            return ids or None
        params = set(patient_compartment_params(query.res_type))
        found: list[str] = []
        for clause in query.clauses:
            if clause.kind != "reference" or clause.modifier is not None:
                continue
            to_patient = clause.code in params or clause.target_type == "Patient"
            for value in clause.values:
                pid = _patient_id(value, to_patient)
                if pid and valid_id(pid):
                    found.append(pid)
        return found or None

    def search(self, query: SearchQuery) -> engine.Page:
        with self.db.read() as tx:  # one connection for the decision and the search
            decisions, kind = self._search_decisions(tx, query)
            if kind != "patient-lookup":
                page = engine.search(tx, query, lambda t: gate.limits(self.principal, decisions, t))
        if kind == "patient-lookup":
            return self.lookup_patients(query)
        hits = [f"{h[0]}/{h[1]}" for h in page.matches + page.included]
        data = {"type": query.res_type, "kind": kind, "returned": hits[:MAX_AUDITED_IDS]}
        owned = in_patient_compartment(query.res_type) or kind != "directory"
        self._record("search", decisions, data, allowed=None if owned else True)
        return page

    def _search_decisions(self, tx: Tx, query: SearchQuery) -> tuple[list[Decision], str]:
        scope = self.scope_of(query)
        if scope:
            return [self.decision(tx, p) for p in scope], "patient-scoped"
        if self.purpose == "patient-request":
            return [self.decision(tx, p) for p in self.principal.patient_ids], "own-records"
        if query.res_type == "Patient" and self._is_lookup(query):
            return [], "patient-lookup"
        return [], "directory"

    def _is_lookup(self, query: SearchQuery) -> bool:
        """Staff finding a patient by card number, or by kana name plus birth date."""
        codes = {c.code for c in query.clauses}
        exact = "identifier" in codes or (
            {"birthdate"} <= codes and bool(codes & {"name", "family", "given"})
        )
        return (
            exact
            and not query.includes
            and self.principal.role
            in ("physician", "dentist", "pharmacist", "nurse", "clerk", "emergency")
        )

    def may_look_up(self) -> bool:
        """Staff at a facility, emergency teams and facility systems may find a patient."""
        if self.principal.role == "open":
            return True
        if self.principal.kind == "client":
            return self.principal.allows("Patient", "search")
        return self.principal.role in LOOKUP_ROLES and self.principal.allows("Patient", "search")

    def note_lookup(self, returned: list[str]) -> None:
        """Audit a patient lookup made outside :meth:`search` ($match, PIX)."""
        self._record(
            "patient-lookup",
            [],
            {"type": "Patient", "returned": returned[:MAX_AUDITED_IDS]},
            allowed=True,
        )

    def lookup_patients(self, query: SearchQuery) -> engine.Page:
        """Patient lookup for staff: demographics only, no clinical data, audited."""
        with self.db.read() as tx:
            page = engine.search(tx, query)
        ids = [h[1] for h in page.matches]
        self._record(
            "patient-lookup",
            [],
            {"type": "Patient", "returned": ids[:MAX_AUDITED_IDS]},
            allowed=True,
        )
        return page

    def everything(
        self,
        patient_id: str,
        since_ms: int | None,
        types: list[str] | None,
        count: int,
        offset: int,
    ) -> tuple[list[engine.Hit], list[engine.Hit], bool]:
        with self.db.read() as tx:
            decision = self.decision(tx, patient_id)
            if not decision.allowed:
                self._record("everything", [decision], {"patient": patient_id})
                raise not_found(f"Patient/{patient_id} is not known")
            result = self._everything_all(tx, decision, since_ms, types, count, offset)
        returned = [f"{h[0]}/{h[1]}" for h in result[0]]
        self._record(
            "everything",
            [decision],
            {"patient": patient_id, "returned": returned[:MAX_AUDITED_IDS]},
        )
        return result

    def _everything_all(
        self,
        tx: Tx,
        decision: Decision,
        since_ms: int | None,
        types: list[str] | None,
        count: int,
        offset: int,
    ) -> tuple[list[engine.Hit], list[engine.Hit], bool]:
        """One page of the person's records together: one order, one offset, one limit."""
        return everything_page(
            tx,
            decision.patient_ids,
            since_ms,
            types,
            count,
            offset,
            lambda t: gate.limits(self.principal, [decision], t),
        )

    def note_write(self, action: str, res_type: str, res_id: str, patient_key: str | None) -> None:
        """Record a write or an operation (create, update, delete, export...) in the audit trail."""
        self.audit(
            {
                "action": action,
                "outcome": "allowed",
                "reason": "write",
                "purpose": self.purpose,
                "principal": self.principal,
                "patient_ids": [patient_key] if patient_key else [],
                "data": {"type": res_type, "id": res_id},
                "grant": None,
                "address": self.origin.address,
                "agent": self.origin.agent,
            }
        )

    def _person_where(self, decision: Decision, types: list[str] | None) -> tuple[str, list[Any]]:
        conditions = gate.limits(self.principal, [decision], "*") or [("1 = 1", [])]
        where = " AND ".join(c[0] for c in conditions)
        params = [p for c in conditions for p in c[1]]
        marks = ",".join("?" * len(decision.patient_ids))
        sql = f"r.deleted = 0 AND r.patient_key IN ({marks}) AND {where}"
        args: list[Any] = [*decision.patient_ids, *params]
        if types:
            sql += f" AND r.res_type IN ({','.join('?' * len(types))})"
            args += types
        return sql, args

    def person_resources(
        self, patient_id: str, types: list[str] | None = None
    ) -> tuple[Decision, list[engine.Hit]]:
        """Everything of one person the reader may see (the viewer's source), one audit record."""
        with self.db.read() as tx:
            decision = self.decision(tx, patient_id)
            hits: list[engine.Hit] = []
            if decision.allowed:
                where, args = self._person_where(decision, types)
                rows = tx.fetchall(
                    f"SELECT r.res_type, r.res_id, r.content FROM resources r WHERE {where}", args
                )
                hits = [(r[0], r[1], r[2]) for r in rows]
        self.record_view(decision, patient_id, sorted({h[0] for h in hits}), len(hits))
        return decision, hits

    def person_version(
        self, patient_id: str, types: list[str] | None = None
    ) -> tuple[Decision, tuple[int, int, int]]:
        """The decision and a version of what :meth:`person_resources` would return: the
        visible count, the newest change and the sum of all version numbers. Every write
        raises a resource's version, so the sum moves even when two changes share a
        millisecond. Nothing is read or audited: callers that hold a copy of that exact
        version record the view with :meth:`record_view` instead of reading it again."""
        with self.db.read() as tx:
            decision = self.decision(tx, patient_id)
            if not decision.allowed:
                return decision, (0, 0, 0)
            where, args = self._person_where(decision, types)
            marks = ",".join("?" * len(decision.patient_ids))
            row = tx.fetchone(  # tombstones included, so a deletion changes the version
                f"SELECT SUM(CASE WHEN {where} THEN 1 ELSE 0 END), MAX(r.last_updated), "
                f"SUM(r.version) FROM resources r WHERE r.patient_key IN ({marks})",
                [*args, *decision.patient_ids],
            )
        count, newest, versions = (v or 0 for v in row) if row else (0, 0, 0)
        return decision, (int(count), int(newest), int(versions))

    def record_view(
        self, decision: Decision, patient_id: str, types: list[str], count: int
    ) -> None:
        self._record("view", [decision], {"patient": patient_id, "types": types, "count": count})


def _patient_id(value: str, bare_is_patient: bool) -> str:
    """The Patient id a reference value names (``Patient/x``; bare ``x`` where it can only
    be a patient), else ""."""
    text = value.split("|")[0]
    if "/" in text:
        parts = text.rstrip("/").split("/")
        return parts[-1] if len(parts) >= 2 and parts[-2] == "Patient" else ""
    return text if bare_is_patient else ""


def _live(version: Version) -> Version:
    if version.deleted:
        from kizuna.fhir.outcome import gone

        raise gone(f"{version.res_type}/{version.res_id} was deleted")
    return version


__all__ = ["Clause", "Origin", "Reader"]
