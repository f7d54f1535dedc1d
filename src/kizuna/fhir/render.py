"""Response bodies: search and history Bundles built from stored JSON without re-parsing.

Stored resources are already serialised; a searchset is assembled by concatenating them,
which keeps large pages cheap. Only ``_elements`` and ``_summary`` need a parse.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

import orjson

from kizuna.fhir.instant import format_instant, now_ms
from kizuna.fhir.outcome import Problem, operation_outcome
from kizuna.fhir.search.engine import Hit, Page
from kizuna.store.resources import Version

SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
}
_ALWAYS = ("resourceType", "id", "meta")


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def subset(content: str, elements: Sequence[str] | None, summary: str | None) -> str:
    """Apply ``_elements`` / ``_summary=text|data`` to one stored resource."""
    if not elements and summary not in ("text", "data"):
        return content
    resource = orjson.loads(content)
    if elements:
        keep = set(elements) | set(_ALWAYS)
        resource = {k: v for k, v in resource.items() if k in keep}
    elif summary == "text":
        resource = {k: v for k, v in resource.items() if k in (*_ALWAYS, "text")}
    else:
        resource.pop("text", None)
    meta = dict(resource.get("meta") or {})
    meta["tag"] = [*meta.get("tag", []), SUBSETTED]
    resource["meta"] = meta
    return _dumps(resource)


def _link(relation: str, url: str) -> str:
    return _dumps({"relation": relation, "url": url})


def page_links(base: str, res_type: str, params: list[tuple[str, str]], page: Page) -> list[str]:
    """self / first / previous / next links carrying every original parameter."""
    kept = urlencode([(k, v) for k, v in params if k != "_offset"])  # encoded once
    count = page.query.count
    offset = page.query.offset

    def url(at: int) -> str:
        query = "&".join(q for q in (kept, f"_offset={at}" if at else "") if q)
        return f"{base}/{res_type}" + (f"?{query}" if query else "")

    links = [_link("self", url(offset)), _link("first", url(0))]
    if offset > 0:
        links.append(_link("previous", url(max(0, offset - count))))
    if page.has_next:
        links.append(_link("next", url(offset + count)))
    return links


def _entry(base: str, hit: Hit, mode: str, query: Any) -> str:
    content = subset(hit[2], query.elements, query.summary)
    return (
        f'{{"fullUrl":{_dumps(f"{base}/{hit[0]}/{hit[1]}")},"resource":{content},'
        f'"search":{{"mode":"{mode}"}}}}'
    )


def searchset(
    base: str,
    res_type: str,
    params: list[tuple[str, str]],
    page: Page,
    warnings: list[Problem] | None = None,
) -> bytes:
    parts = [
        '{"resourceType":"Bundle","type":"searchset"',
        f',"timestamp":"{format_instant(now_ms())}"',
    ]
    if page.total is not None:
        parts.append(f',"total":{page.total}')
    parts.append(',"link":[' + ",".join(page_links(base, res_type, params, page)) + "]")
    entries = [_entry(base, h, "match", page.query) for h in page.matches]
    entries += [_entry(base, h, "include", page.query) for h in page.included]
    if warnings:
        outcome = _dumps(operation_outcome(warnings))
        entries.append(f'{{"resource":{outcome},"search":{{"mode":"outcome"}}}}')
    parts.append(',"entry":[' + ",".join(entries) + "]}")
    return "".join(parts).encode()


def _history_entry(base: str, version: Version) -> str:
    url = f"{base}/{version.res_type}/{version.res_id}"
    if version.deleted:
        method, status = "DELETE", "204 No Content"
    elif version.version == 1:
        method, status = "POST", "201 Created"
    else:
        method, status = "PUT", "200 OK"
    request_url = version.res_type if method == "POST" else f"{version.res_type}/{version.res_id}"
    response = {
        "status": status,
        "etag": f'W/"{version.version}"',
        "lastModified": format_instant(version.last_updated),
    }
    body = f',"resource":{version.content}' if version.content else ""
    return (
        f'{{"fullUrl":{_dumps(url)}{body},'
        f'"request":{_dumps({"method": method, "url": request_url})},'
        f'"response":{_dumps(response)}}}'
    )


def history_bundle(
    base: str, path: str, versions: list[Version], total: int, count: int, offset: int
) -> bytes:
    links = [_link("self", f"{base}/{path}?_count={count}&_offset={offset}")]
    if offset + len(versions) < total:
        links.append(_link("next", f"{base}/{path}?_count={count}&_offset={offset + count}"))
    if offset > 0:
        links.append(
            _link("previous", f"{base}/{path}?_count={count}&_offset={max(0, offset - count)}")
        )
    entries = ",".join(_history_entry(base, v) for v in versions)
    return (
        f'{{"resourceType":"Bundle","type":"history","total":{total},'
        f'"link":[{",".join(links)}],"entry":[{entries}]}}'
    ).encode()
