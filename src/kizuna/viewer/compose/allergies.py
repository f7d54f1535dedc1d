"""Allergies and drug contraindications first: every source, merged by substance."""

from __future__ import annotations

from collections import defaultdict

from kizuna.textnorm import normalize
from kizuna.viewer.compose.chart import Chart, Resource
from kizuna.viewer.compose.fields import concept_text, parse_date, status_code
from kizuna.viewer.compose.model import Allergy, Origin
from kizuna.viewer.compose.origins import origin

SIDE_EFFECT_NOTE = ("urn:kizuna:codesystem:jahis-tc:patient-note-kind", "2")  # 副作用歴
EXCLUDED_VERIFICATION = {"refuted", "entered-in-error"}
CATEGORY_ORDER = {
    "medication": 0,
    "side-effect": 1,
    "biologic": 2,
    "food": 3,
    "environment": 4,
    "other": 5,
}


def _allergy_entry(chart: Chart, res: Resource) -> tuple[str, str, str | None, str, str, Origin]:
    category = (res.get("category") or ["other"])[0]
    if res.get("type") == "intolerance" and category == "other":
        category = "medication"
    reactions = [
        concept_text(m) for r in res.get("reaction") or [] for m in r.get("manifestation") or []
    ]
    note = " ".join(n.get("text", "") for n in res.get("note") or [] if n.get("text"))
    when = parse_date(res.get("recordedDate") or res.get("onsetDateTime"))
    return (
        concept_text(res.get("code")),
        category,
        res.get("criticality"),
        "、".join(r for r in reactions if r),
        note,
        origin(chart, res, when),
    )


def _side_effect(chart: Chart, res: Resource) -> tuple[str, str, None, str, str, Origin] | None:
    if not any(
        c.get("system") == SIDE_EFFECT_NOTE[0] and c.get("code") == SIDE_EFFECT_NOTE[1]
        for c in (res.get("code") or {}).get("coding") or []
    ):
        return None
    text = str(res.get("valueString") or "").strip()
    if not text:
        return None
    when = parse_date(res.get("effectiveDateTime"))
    return (text, "side-effect", None, "", "", origin(chart, res, when))


def _active(res: Resource) -> bool:
    if status_code(res.get("verificationStatus")) in EXCLUDED_VERIFICATION:
        return False
    return status_code(res.get("clinicalStatus")) not in ("inactive", "resolved")


def compose_allergies(chart: Chart) -> tuple[Allergy, ...]:
    entries = [_allergy_entry(chart, r) for r in chart.of("AllergyIntolerance") if _active(r)]
    entries += [e for r in chart.of("Observation") if (e := _side_effect(chart, r))]
    merged: dict[tuple[str, str], list[tuple[str, str, str | None, str, str, Origin]]]
    merged = defaultdict(list)
    for entry in entries:
        if entry[0]:
            merged[(normalize(entry[0]), entry[1])].append(entry)
    out = []
    for group in merged.values():
        first = group[0]
        origins = tuple(sorted({e[5] for e in group}, key=_origin_key))
        critical = "high" if any(e[2] == "high" for e in group) else first[2]
        reaction = "、".join(dict.fromkeys(e[3] for e in group if e[3]))
        note = " / ".join(dict.fromkeys(e[4] for e in group if e[4]))
        out.append(Allergy(first[0], first[1], critical, reaction, note, origins))
    return tuple(sorted(out, key=lambda a: (CATEGORY_ORDER.get(a.category, 9), a.substance)))


def _origin_key(o: Origin) -> tuple[str, str]:
    return (o.when.isoformat() if o.when else "", o.facility)
