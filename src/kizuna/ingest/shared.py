"""Resources that several sources describe: a facility, a practitioner, a payer.

A receipt names its facility with a name and a phone number, an SS-MIX2 message only with
its facility code, a medication notebook with a name and an address. All of them point to
one Organization (its id comes from the facility code), so the stored Organization is the
*join* of every contribution: each element any source gives, and where two sources give
different values for one element, a choice that does not depend on which came first.

That last property matters: sources arrive in any order, and several ingestion workers
store them at once, yet two runs over the same files must store the same content.
:func:`join` is commutative, associative and idempotent, so the stored resource is a
function of the set of contributions alone.

The rules:

* objects: every key of either side; a key on both sides joins its two values;
* lists of objects (identifiers, telecoms, codings, addresses): every item of either side,
  less the items another item covers (``{"system": "phone", "value": "03-1"}`` is covered
  by the same with ``"use": "work"``), in a canonical order;
* anything else that differs (two names, two lists of given names): the value that is
  longer as JSON, and between equally long ones the greater, so the fuller name wins.

Keys of a joined object are in a canonical order too: ``resourceType``, ``id``, ``meta``,
then the rest alphabetically. A resource one source alone describes is stored as it came.
"""

from __future__ import annotations

from typing import Any

import orjson

from kizuna.fhir.writes import content_hash, without_meta

_FIRST = ("resourceType", "id", "meta")
_SERVER_META = frozenset({"versionId", "lastUpdated"})


def merged(
    stored: dict[str, Any] | None,
    contributions: list[dict[str, Any]],
    digests: set[str] | None = None,
) -> dict[str, Any] | None:
    """What to store for a shared resource, or None when ``stored`` already says it all.
    ``digests``: the contributions' content hashes, when the caller has them."""
    base = without_meta(stored, _SERVER_META) if stored is not None else None
    if digests is None:
        digests = {content_hash(c) for c in contributions}
    if base is not None and digests == {content_hash(base)}:
        return None
    if base is None and len(digests) == 1:
        return contributions[0]  # one description, stored as it came
    result = base
    for contribution in contributions:
        result = contribution if result is None else join(result, contribution)
    assert result is not None
    if base is not None and content_hash(result) == content_hash(base):
        return None
    return result


def join(a: Any, b: Any) -> Any:
    """The least value that says everything ``a`` and ``b`` say (see the module text)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return _join_objects(a, b)
    if _is_object_list(a) and _is_object_list(b):
        return _join_object_lists(a, b)
    return _pick(canonical(a), canonical(b))


def canonical(value: Any) -> Any:
    """``value`` with object keys and lists of objects in the canonical order."""
    if isinstance(value, dict):
        return {k: canonical(value[k]) for k in _key_order(value.keys())}
    if _is_object_list(value) and value:
        return _maximal([canonical(item) for item in value])
    return value


def covers(a: Any, b: Any) -> bool:
    """Whether ``a`` says everything ``b`` says."""
    if isinstance(a, dict) and isinstance(b, dict):
        return all(k in a and covers(a[k], v) for k, v in b.items())
    if isinstance(a, list) and isinstance(b, list) and _is_object_list(b):
        return all(any(covers(x, y) for x in a) for y in b)
    return bool(a == b)


def _join_objects(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _key_order(a.keys() | b.keys()):
        if key in a and key in b:
            out[key] = join(a[key], b[key])
        else:
            out[key] = canonical(a[key] if key in a else b[key])
    return out


def _join_object_lists(a: list[Any], b: list[Any]) -> list[Any]:
    return _maximal([canonical(item) for item in a + b])


def _maximal(items: list[Any]) -> list[Any]:
    """The items no other item covers, each once, sorted by their JSON."""
    unique = {_rank(item): item for item in items}
    ordered = [unique[k] for k in sorted(unique)]
    return [x for x in ordered if not any(y is not x and covers(y, x) for y in ordered)]


def _pick(a: Any, b: Any) -> Any:
    return a if _weight(a) >= _weight(b) else b


def _weight(value: Any) -> tuple[int, bytes]:
    text = _rank(value)
    return (len(text), text)


def _rank(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _is_object_list(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def _key_order(keys: Any) -> list[str]:
    return [k for k in _FIRST if k in keys] + sorted(k for k in keys if k not in _FIRST)
