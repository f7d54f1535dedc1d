"""Documents (referral letters, discharge summaries) made readable from their Compositions."""

from __future__ import annotations

import html
import re
from typing import Any

from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import concept_text, parse_date
from kizuna.viewer.compose.model import Document, DocumentSection
from kizuna.viewer.compose.origins import origin

_BREAKS = re.compile(r"<\s*(br|/p|/div|/li|/tr|/h[1-6])\s*/?\s*>", re.I)
_TAGS = re.compile(r"<[^>]+>")
_SPACES = re.compile(r"[ \t]+")
MAX_DEPTH = 4


def xhtml_text(div: str) -> str:
    """Plain text of a narrative div: tags dropped, breaks kept, entities decoded."""
    text = _BREAKS.sub("\n", div or "")
    text = html.unescape(_TAGS.sub("", text))
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def _entry_text(chart: Chart, entry: dict[str, Any]) -> str:
    target = chart.get(entry.get("reference"))
    if target is not None:
        for field in ("code", "medicationCodeableConcept", "type"):
            text = concept_text(target.get(field))
            if text:
                return text
    return str(entry.get("display") or "")


def _sections(
    chart: Chart, sections: list[dict[str, Any]], prefix: str = "", depth: int = 0
) -> list[DocumentSection]:
    out: list[DocumentSection] = []
    for section in sections:
        title = str(section.get("title") or concept_text(section.get("code")))
        full = f"{prefix} › {title}" if prefix and title else (title or prefix)
        text = xhtml_text((section.get("text") or {}).get("div", ""))
        entries = tuple(t for t in (_entry_text(chart, e) for e in section.get("entry") or []) if t)
        if text or entries:
            out.append(DocumentSection(full, text, entries))
        if depth < MAX_DEPTH:
            out += _sections(chart, section.get("section") or [], full, depth + 1)
    return out


def _author(chart: Chart, res: Resource) -> str:
    names = []
    for author in res.get("author") or []:
        target = chart.get(author.get("reference"))
        name = str(author.get("display") or "")
        if target is not None:
            name = _person_name(target) or name
        if name:
            names.append(name)
    return "、".join(names)


def _person_name(res: Resource) -> str:
    names = res.get("name")
    if isinstance(names, str):
        return names
    if isinstance(names, list) and names:
        first = names[0]
        return str(
            first.get("text")
            or (first.get("family", "") + " " + " ".join(first.get("given", []))).strip()
        )
    return ""


def compose_documents(chart: Chart) -> tuple[Document, ...]:
    docs = []
    for res in chart.of("Composition"):
        if res.get("status") == "entered-in-error":
            continue
        when = parse_date(res.get("date") or (res.get("meta") or {}).get("lastUpdated"))
        docs.append(
            Document(
                str(res.get("title") or concept_text(res.get("type"))),
                concept_text(res.get("type")),
                _author(chart, res),
                origin(chart, res, when),
                tuple(_sections(chart, res.get("section") or [])),
            )
        )
    docs.sort(key=lambda d: d.origin.when.toordinal() if d.origin.when else 0, reverse=True)
    return tuple(docs)
