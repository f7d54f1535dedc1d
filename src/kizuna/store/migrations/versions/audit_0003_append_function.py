"""PostgreSQL: append a group of audit events in one statement.

``kizuna_audit_append`` does inside the database what ``kizuna.audit.store.append`` does
from Python: lock the chain head, number the events after it, chain their SHA-256 hashes
over the same canonical bytes, insert them with their patient rows and review-queue
entries, and move the head. Called on an autocommit connection it is one round trip and
its own transaction, so the head is locked only while the database works; no Python
thread has to be scheduled again before the lock is released (in a busy server process a
thread could wait milliseconds for the interpreter lock between round trips, and every
other process's audit writer waited behind it).

The caller passes each event's canonical JSON without its sequence number (``rests``:
the JSON array of the CHAIN_COLUMNS values after ``seq``), so the hashed bytes are
``[<seq>,`` followed by that array's elements, exactly what the Python path hashes.

Revision ID: audit_0003
Revises: audit_0002
Create Date: 2026-11-25
"""

from __future__ import annotations

from alembic import op

revision = "audit_0003"
down_revision = "audit_0002"
branch_labels = None
depends_on = None

FUNCTION = r"""
CREATE OR REPLACE FUNCTION kizuna_audit_append(
    rests text[], reviews boolean[], pid_events int[], pids text[]
) RETURNS bigint LANGUAGE plpgsql AS $fn$
DECLARE
    head_seq bigint;
    head_hash text;
    prev text;
    first_seq bigint;
    r json;
BEGIN
    SELECT seq, hash INTO head_seq, head_hash FROM audit_head WHERE id = 1 FOR UPDATE;
    IF NOT FOUND THEN
        SELECT seq, hash INTO head_seq, head_hash FROM audit_log ORDER BY seq DESC LIMIT 1;
        IF NOT FOUND THEN
            head_seq := 0;
            head_hash := repeat('0', 64);
        END IF;
        INSERT INTO audit_head (id, seq, hash) VALUES (1, head_seq, head_hash)
            ON CONFLICT (id) DO NOTHING;
        SELECT seq, hash INTO head_seq, head_hash FROM audit_head WHERE id = 1 FOR UPDATE;
    END IF;
    first_seq := head_seq + 1;
    FOR i IN 1 .. coalesce(array_length(rests, 1), 0) LOOP
        head_seq := head_seq + 1;
        prev := head_hash;
        head_hash := encode(sha256(convert_to(
            prev || E'\n' || '[' || head_seq || ',' || substr(rests[i], 2), 'UTF8')), 'hex');
        r := rests[i]::json;
        INSERT INTO audit_log (
            seq, at_ms, action, outcome, reason, actor_kind, actor_subject, actor_name,
            actor_role, facility_code, facility_name, client_id, session_id, request_id,
            patient_ids, data, query, purpose, client_ip, user_agent, emergency_reason,
            prev_hash, hash
        ) VALUES (
            head_seq, (r->>0)::bigint, r->>1, r->>2, r->>3, r->>4, r->>5, r->>6,
            r->>7, r->>8, r->>9, r->>10, r->>11, r->>12,
            r->>13, r->>14, r->>15, r->>16, r->>17, r->>18, r->>19,
            prev, head_hash
        );
        IF reviews[i] THEN
            INSERT INTO audit_reviews (seq, opened_ms, status)
                VALUES (head_seq, (r->>0)::bigint, 'open');
        END IF;
    END LOOP;
    INSERT INTO audit_patients (patient_id, seq)
        SELECT u.pid, first_seq + u.event - 1 FROM unnest(pids, pid_events) AS u(pid, event);
    UPDATE audit_head SET seq = head_seq, hash = head_hash WHERE id = 1;
    RETURN first_seq;
END
$fn$
"""


def upgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute(FUNCTION)


def downgrade() -> None:
    if op.get_context().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS kizuna_audit_append(text[], boolean[], int[], text[])")
