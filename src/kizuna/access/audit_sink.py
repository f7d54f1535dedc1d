"""From the access layer to the audit log: every read's record becomes a tamper-evident
audit event.

The reader reports each read as a plain dict; this turns it into an
:class:`~kizuna.audit.event.AuditEvent` and records it through the application's
group-committing :class:`~kizuna.audit.recorder.AuditRecorder`, waiting until it is
durable, so no response leaves without its audit record. A summary read (``view``) is
recorded as a ``read`` of the resource types it returned, which is how the patient's access
log words it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from starlette.requests import Request

from kizuna.audit.event import Action, AuditEvent, actor_fields
from kizuna.audit.http import audit_recorder
from kizuna.audit.recorder import AuditRecorder
from kizuna.store.db import Database

_lock = threading.Lock()
_recorders: dict[int, AuditRecorder] = {}
ACTIONS = {"view": Action.READ, "everything": Action.READ, "patient-lookup": Action.SEARCH}


def recorder_for(db: Database) -> AuditRecorder:
    """A recorder for ``db`` outside a web application (CLI, scripts)."""
    with _lock:
        found = _recorders.get(id(db))
        if found is None:
            found = _recorders[id(db)] = AuditRecorder(db)
        return found


def _data(entry: dict[str, Any]) -> tuple[str, ...]:
    data = entry.get("data") or {}
    if "types" in data:
        return tuple(str(t) for t in data["types"])
    if "returned" in data:
        return tuple(str(r) for r in data["returned"])
    if "type" in data and "id" in data:
        return (f"{data['type']}/{data['id']}",)
    if "type" in data:
        return (str(data["type"]),)
    if "grant" in data:
        return (f"grant:{data['grant']}",)
    return ()


def grant_reason(db: Database, grant: str | None) -> str | None:
    """The declared reason of an emergency grant, for the reads made under it."""
    if not grant or grant.startswith("disaster:"):
        return grant
    with db.read() as tx:
        row = tx.fetchone("SELECT reason FROM emergency_grants WHERE grant_id = ?", (grant,))
    return str(row[0]) if row else None


def to_event(entry: dict[str, Any], reason: str | None = None) -> AuditEvent:
    action = str(entry.get("action") or "read")
    emergency = action == Action.EMERGENCY_ACCESS
    return AuditEvent(
        action=ACTIONS.get(action, action),
        outcome=str(entry.get("outcome") or "allowed"),
        reason=None if emergency else entry.get("reason"),
        patient_ids=tuple(entry.get("patient_ids") or ()),
        data=_data(entry),
        purpose=entry.get("purpose"),
        client_ip=entry.get("address"),
        user_agent=entry.get("agent"),
        emergency_reason=entry.get("reason") if emergency else reason,
        **actor_fields(entry.get("principal")),
    )


def request_sink(request: Request) -> Callable[[dict[str, Any]], None]:
    """The sink for one web request: the app's recorder, the request's origin."""
    svc = request.app.state.services
    address = request.client.host if request.client else None
    return sink_for(svc.db, address, request.headers.get("user-agent"), audit_recorder(request))


def sink_for(
    db: Database,
    address: str | None = None,
    agent: str | None = None,
    recorder: AuditRecorder | None = None,
) -> Callable[[dict[str, Any]], None]:
    recorder = recorder or recorder_for(db)

    def sink(entry: dict[str, Any]) -> None:
        entry.setdefault("address", address)
        entry.setdefault("agent", agent)
        reason = None
        if entry.get("purpose") == "emergency" and entry.get("action") != Action.EMERGENCY_ACCESS:
            reason = grant_reason(db, entry.get("grant"))
        recorder.record(to_event(entry, reason))

    return sink
