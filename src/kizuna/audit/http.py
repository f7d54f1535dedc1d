"""Audit in request handlers: an event from a request, and the app's recorder."""

from __future__ import annotations

import threading
from typing import Any

from starlette.requests import Request

from kizuna.audit.checkpoints import Checkpointer
from kizuna.audit.event import AuditEvent
from kizuna.audit.recorder import AuditRecorder
from kizuna.auth.keys import server_keys
from kizuna.auth.principal import Principal


def request_fields(request: Request) -> dict[str, Any]:
    return {
        "client_ip": request.client.host if request.client else None,
        "user_agent": request.headers.get("user-agent"),
        "request_id": request.headers.get("x-request-id"),
    }


def event_for_request(
    request: Request, principal: Principal | None, action: str, **fields: Any
) -> AuditEvent:
    """An event with the actor from ``principal`` and the origin from ``request``."""
    return AuditEvent.by(principal, action, **{**request_fields(request), **fields})


_recorder_lock = threading.Lock()


def audit_recorder(request: Request) -> AuditRecorder:
    """The app's group-committing recorder (created on first use, with signed checkpoints
    every 10,000 rows or 60 s). Close it at shutdown: ``app.state.kizuna_audit.close()``."""
    app = request.app
    recorder: AuditRecorder | None = getattr(app.state, "kizuna_audit", None)
    if recorder is None:
        with _recorder_lock:
            recorder = getattr(app.state, "kizuna_audit", None)
            if recorder is None:
                svc = app.state.services
                keys = server_keys(svc.settings.data_dir)
                recorder = AuditRecorder(svc.db, checkpointer=Checkpointer(svc.db, keys))
                app.state.kizuna_audit = recorder
    return recorder
