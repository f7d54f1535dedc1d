"""Run a parsed search: the page of matches, the total, and the included resources.

Access control enters here as ``limits``: a function giving extra SQL conditions over
``resources r`` for a resource type. The same conditions restrict the matches and every
included resource, so ``_include``/``_revinclude`` cannot reach around a restriction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kizuna.fhir.outcome import FhirError, Problem
from kizuna.fhir.search import sql as build
from kizuna.fhir.search.base import Condition, param_is
from kizuna.fhir.search.query import Include, SearchQuery
from kizuna.store.db import Tx
from kizuna.store.resources import key_filter

Hit = tuple[str, str, str]  # (type, id, content JSON)
Limits = Callable[[str], list[Condition]]

MAX_INCLUDED = 1000
MAX_ITERATIONS = 3


def no_limits(res_type: str) -> list[Condition]:
    return []


@dataclass
class Page:
    query: SearchQuery
    matches: list[Hit] = field(default_factory=list)
    included: list[Hit] = field(default_factory=list)
    total: int | None = None
    has_next: bool = False


def _prepare(query: SearchQuery, extra: list[Condition]) -> bool | None:
    """psycopg's ``prepare`` for the search's statements: left to psycopg (a kept plan)
    when the plan does not depend on the values, else never prepared, so PostgreSQL
    plans each execution for its own values (``build.plan_can_be_kept``)."""
    return None if build.plan_can_be_kept(query, extra) else False


def count(tx: Tx, query: SearchQuery, limits: Limits = no_limits) -> int:
    extra = limits(query.res_type)
    sql, params = build.select_count(query, extra, tx.dialect)
    row = tx.fetchone(sql, params, prepare=_prepare(query, extra))
    return int(row[0]) if row else 0


def search(tx: Tx, query: SearchQuery, limits: Limits = no_limits) -> Page:
    page = Page(query)
    if query.summary == "count":
        page.total = count(tx, query, limits)
        return page
    if query.count > 0:
        extra = limits(query.res_type)
        limit = query.count + 1
        sql, params = build.select_page(query, extra, limit, query.offset, tx.dialect)
        rows = tx.fetchall(sql, params, prepare=_prepare(query, extra))
        page.has_next = len(rows) > query.count
        page.matches = [(r[0], r[1], r[2]) for r in rows[: query.count]]
    page.total = _total(tx, query, page, limits)
    if query.includes and page.matches:
        page.included = _includes(tx, query.includes, page.matches, limits)
    return page


def _total(tx: Tx, query: SearchQuery, page: Page, limits: Limits) -> int | None:
    if query.total == "none":
        return None
    if query.count == 0:  # a request for the total alone
        return count(tx, query, limits)
    if query.total == "auto" and not page.has_next:
        return query.offset + len(page.matches)
    if query.total == "auto":
        return None
    return count(tx, query, limits)


def fetch(tx: Tx, keys: Sequence[tuple[str, str]], limits: Limits = no_limits) -> list[Hit]:
    """Current, non-deleted resources by key, each type under its access limits."""
    hits: list[Hit] = []
    by_type: dict[str, list[tuple[str, str]]] = {}
    for key in dict.fromkeys(keys):
        by_type.setdefault(key[0], []).append(key)
    for res_type, type_keys in by_type.items():
        extra = limits(res_type)
        for start in range(0, len(type_keys), 400):
            where, params = key_filter(type_keys[start : start + 400], tx.dialect, "r.")
            conds = "".join(f" AND {c[0]}" for c in extra)
            args: list[Any] = [*params, *(a for c in extra for a in c[1])]
            rows = tx.fetchall(
                f"SELECT r.res_type, r.res_id, r.content FROM resources r "
                f"WHERE {where} AND r.deleted = 0{conds}",
                args,
            )
            hits.extend((r[0], r[1], r[2]) for r in rows)
    return hits


def _forward_keys(tx: Tx, inc: Include, sources: list[Hit]) -> list[tuple[str, str]]:
    ids = [h[1] for h in sources if h[0] == inc.source_type]
    if not ids:
        return []
    keys: list[tuple[str, str]] = []
    for start in range(0, len(ids), 400):
        chunk = ids[start : start + 400]
        sql = (
            "SELECT i.target_type, i.target_id FROM sp_reference i WHERE i.res_type = ? "
            f"AND i.res_id IN ({','.join('?' * len(chunk))}) AND i.target_id IS NOT NULL"
        )
        params: list[Any] = [inc.source_type, *chunk]
        if inc.param != "*":
            param_sql, param_args = param_is(inc.source_type, inc.param)
            sql += f" AND {param_sql}"
            params.extend(param_args)
        if inc.target_type:
            sql += " AND i.target_type = ?"
            params.append(inc.target_type)
        keys.extend((r[0], r[1]) for r in tx.fetchall(sql, params) if r[0])
    return keys


def _reverse_keys(tx: Tx, inc: Include, targets: list[Hit]) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    by_type: dict[str, list[str]] = {}
    for hit in targets:
        by_type.setdefault(hit[0], []).append(hit[1])
    for target_type, ids in by_type.items():
        if inc.target_type and inc.target_type != target_type:
            continue
        for start in range(0, len(ids), 400):
            chunk = ids[start : start + 400]
            sql = (
                "SELECT i.res_type, i.res_id FROM sp_reference i WHERE i.res_type = ? "
                f"AND i.target_type = ? AND i.target_id IN ({','.join('?' * len(chunk))})"
            )
            params: list[Any] = [inc.source_type, target_type, *chunk]
            if inc.param != "*":
                param_sql, param_args = param_is(inc.source_type, inc.param)
                sql += f" AND {param_sql}"
                params.extend(param_args)
            keys.extend((r[0], r[1]) for r in tx.fetchall(sql, params))
    return keys


def _includes(tx: Tx, includes: list[Include], matches: list[Hit], limits: Limits) -> list[Hit]:
    seen = {(h[0], h[1]) for h in matches}
    included: list[Hit] = []
    frontier = matches
    for round_no in range(MAX_ITERATIONS + 1):
        active = [i for i in includes if round_no == 0 or i.iterate]
        keys: list[tuple[str, str]] = []
        for inc in active:
            found = (
                _reverse_keys(tx, inc, frontier)
                if inc.reverse
                else _forward_keys(tx, inc, frontier)
            )
            keys.extend(k for k in found if k not in seen)
        if not keys:
            break
        new = fetch(tx, keys, limits)
        seen.update((h[0], h[1]) for h in new)
        included.extend(new)
        if len(included) > MAX_INCLUDED:
            raise FhirError(
                400,
                [Problem("too-costly", f"more than {MAX_INCLUDED} included resources", "_include")],
            )
        frontier = new
    return included
