"""PostgreSQL: append a group of audit events in one statement.

``kizuna_audit_append`` does inside the database what ``kizuna.audit.store.append`` does
from Python: lock the chain head, number the events after it, chain their SHA-256 hashes
over the same canonical bytes, insert them with their patient rows and review-queue
entries, and move the head. Called on an autocommit connection it is one round trip and
its own transaction, so the head is locked only while the database works; no Python
thread has to be scheduled again before the lock is released (in a busy server process a
thread could wait milliseconds for the interpreter lock between round trips, and every
other process's audit writer waited behind it).

The caller passes the events as one text, one line each: the event's canonical JSON
without its sequence number (the JSON array of the CHAIN_COLUMNS values after ``seq``;
canonical JSON never holds a raw newline). The hashed bytes are ``[<seq>,`` followed by
that array's elements, exactly what the Python path hashes. The patient rows come from
the stored ``patient_ids`` (the event's distinct ids joined by spaces; ids hold no
spaces) and a review-queue entry from each ``emergency-access`` event, as in Python.
One text is passed rather than arrays: psycopg quotes array elements in Python, which
cost more than the database's whole append.

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
CREATE OR REPLACE FUNCTION kizuna_audit_append(events text) RETURNS bigint
LANGUAGE plpgsql AS $fn$
DECLARE
    rests text[] := string_to_array(events, E'\n');
    head_seq bigint;
    head_hash text;
    first_seq bigint;
    prevs text[] := '{}';
    hashes text[] := '{}';
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
        prevs := prevs || head_hash;
        head_hash := encode(sha256(convert_to(
            head_hash || E'\n[' || head_seq || ',' || substr(rests[i], 2), 'UTF8')), 'hex');
        hashes := hashes || head_hash;
    END LOOP;
    WITH batch AS (
        SELECT first_seq + u.n - 1 AS seq, u.rest::jsonb AS r, u.prev, u.hash
        FROM unnest(rests, prevs, hashes) WITH ORDINALITY AS u(rest, prev, hash, n)
    ), logged AS (
        INSERT INTO audit_log (
            seq, at_ms, action, outcome, reason, actor_kind, actor_subject, actor_name,
            actor_role, facility_code, facility_name, client_id, session_id, request_id,
            patient_ids, data, query, purpose, client_ip, user_agent, emergency_reason,
            prev_hash, hash
        ) SELECT
            b.seq, (r->>0)::bigint, r->>1, r->>2, r->>3, r->>4, r->>5, r->>6,
            r->>7, r->>8, r->>9, r->>10, r->>11, r->>12,
            r->>13, r->>14, r->>15, r->>16, r->>17, r->>18, r->>19,
            b.prev, b.hash
        FROM batch b
    ), reviewed AS (
        INSERT INTO audit_reviews (seq, opened_ms, status)
            SELECT b.seq, (b.r->>0)::bigint, 'open' FROM batch b
            WHERE b.r->>1 = 'emergency-access'
    )
    INSERT INTO audit_patients (patient_id, seq)
        SELECT p.pid, b.seq FROM batch b, unnest(string_to_array(b.r->>13, ' ')) AS p(pid);
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
        op.execute("DROP FUNCTION IF EXISTS kizuna_audit_append(text)")
