"""The hash chain: which columns each row's SHA-256 covers, and how.

``hash = SHA-256(prev_hash || "\\n" || canonical(row))`` where ``canonical`` is the JSON
array of the ``CHAIN_COLUMNS`` values in that order (UTF-8, no whitespace). The sequence
number is covered, so moving a row is as visible as changing it. The first row's
``prev_hash`` is ``GENESIS``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

GENESIS = "0" * 64

CHAIN_COLUMNS = (
    "seq",
    "at_ms",
    "action",
    "outcome",
    "reason",
    "actor_kind",
    "actor_subject",
    "actor_name",
    "actor_role",
    "facility_code",
    "facility_name",
    "client_id",
    "session_id",
    "request_id",
    "patient_ids",
    "data",
    "query",
    "purpose",
    "client_ip",
    "user_agent",
    "emergency_reason",
)
ROW_COLUMNS = (*CHAIN_COLUMNS, "prev_hash", "hash")
SEQ = 0


def row_hash(prev_hash: str, values: Sequence[Any]) -> str:
    """The hash of a row with ``values`` (in CHAIN_COLUMNS order) following ``prev_hash``."""
    content = orjson.dumps(list(values))
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + content).hexdigest()


def with_seq(values: Sequence[Any], seq: int) -> list[Any]:
    out = list(values)
    out[SEQ] = seq
    return out
