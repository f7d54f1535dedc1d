"""Search strings as the audit log keeps them: parameter names, ids and codes kept;
every other value (names, birth dates, identifiers such as insurance numbers, addresses,
free text) replaced by a keyed hash.

The hash is HMAC-SHA256 under a key derived from the server key, so a low-entropy value
such as a birth date cannot be recovered by hashing guesses, yet an auditor holding the
key can still find every query for a given value (``keys.keyed_hash(value)``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, quote

#: parameters whose values are ids, codes, dates of care or paging: kept as written
KEEP = frozenset(
    {
        "_id",
        "patient",
        "subject",
        "encounter",
        "_count",
        "_offset",
        "_sort",
        "_include",
        "_revinclude",
        "_summary",
        "_elements",
        "_total",
        "_type",
        "_since",
        "_format",
        "_lastUpdated",
        "category",
        "code",
        "status",
        "clinical-status",
        "verification-status",
        "intent",
        "type",
        "date",
        "authored",
        "period",
    }
)
#: modifiers that do not carry a value of their own meaning
SAFE_MODIFIERS = frozenset({"missing", "not", "in", "not-in", "below", "above", "of-type"})


def _keep(name: str) -> bool:
    base, _, modifier = name.partition(":")
    return base in KEEP and (not modifier or modifier in SAFE_MODIFIERS)


def redact_query(params: str | Iterable[tuple[str, str]], keyed_hash: Callable[[str], str]) -> str:
    """``params`` (a query string or name/value pairs) with identifying values hashed."""
    pairs = parse_qsl(params, keep_blank_values=True) if isinstance(params, str) else params
    out = []
    for name, value in pairs:
        shown = value if _keep(name) else "h:" + keyed_hash(value)
        out.append(f"{quote(name, safe=':._-')}={quote(shown, safe='/:|,._-')}")
    return "&".join(out)
