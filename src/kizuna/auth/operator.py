"""Operator commands (``kizuna users|clients``) as audit actors."""

from __future__ import annotations

import getpass

from kizuna.audit.event import AuditEvent
from kizuna.config import Settings, load
from kizuna.store.db import Database
from kizuna.store.migrate import upgrade


def operator_event(action: str, target: str, outcome: str = "allowed") -> AuditEvent:
    """An audit event for an administrative command run by the local operator account."""
    try:
        account = getpass.getuser()
    except (KeyError, OSError):
        account = "unknown"
    return AuditEvent(
        action=action,
        outcome=outcome,
        actor_kind="operator",
        actor_subject=account,
        actor_name=account,
        actor_role="network_admin",
        data=(target,),
        purpose="operations",
    )


def open_store() -> tuple[Database, Settings]:
    """The configured database, migrated, for an operator command."""
    settings = load()
    upgrade(settings.database_url)
    return Database(settings.database_url, pool_size=2), settings
