"""The tamper-evident audit trail.

Write: ``record(db_or_tx, AuditEvent(...))`` inside a transaction, or an
``AuditRecorder`` (group commit) on hot read paths. Check: ``verify_chain``. Read:
``to_fhir_audit_event`` (IHE BALP), ``patient_access_log``, ``open_reviews`` /
``close_review``, ``search_records``.
"""

from __future__ import annotations

from kizuna.audit.checkpoints import Checkpointer, write_checkpoint
from kizuna.audit.event import Action, AuditEvent, Outcome, Purpose
from kizuna.audit.fhir import to_fhir_audit_event, to_fhir_audit_events
from kizuna.audit.http import audit_recorder, event_for_request
from kizuna.audit.patient_log import patient_access_log
from kizuna.audit.recorder import AuditRecorder
from kizuna.audit.records import AuditRecord, get_record, search_records
from kizuna.audit.redact import redact_query
from kizuna.audit.reviews import close_review, get_review, open_reviews
from kizuna.audit.store import append, record
from kizuna.audit.verify import Finding, Report, verify_chain

__all__ = [
    "Action",
    "AuditEvent",
    "AuditRecord",
    "AuditRecorder",
    "Checkpointer",
    "Finding",
    "Outcome",
    "Purpose",
    "Report",
    "append",
    "audit_recorder",
    "close_review",
    "event_for_request",
    "get_record",
    "get_review",
    "open_reviews",
    "patient_access_log",
    "record",
    "redact_query",
    "search_records",
    "to_fhir_audit_event",
    "to_fhir_audit_events",
    "verify_chain",
    "write_checkpoint",
]
