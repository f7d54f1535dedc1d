"""The Encounter lifecycle: ADT-12 visits and ADT-21..52 admissions.

SS-MIX2 sends one message per step of an admission (21 planned, 22 admitted, 31/32
leave and return, 41/42 transfer planned/done, 51/52 discharge planned/done), and the
later steps usually carry neither a visit number (PV1-19) nor the admission time
(PV1-44). So the steps of one patient are put on a timeline and grouped into episodes:
an episode opens at a 21 or 22 and closes at a 52 (a later step with no admission
before it gets an episode of its own and a warning). Every message of an episode maps to
the same Encounter, built from all of the episode's steps, so the result does not depend
on the order in which files are read. Status and location status follow the JAMI
SSMIX2DATATYPE tables, including their cancellation (.DEL) rows for flag-0 files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kizuna.ingest.ssmix2 import dates
from kizuna.ingest.ssmix2.codes import DEPARTMENT
from kizuna.ingest.ssmix2.datatypes import PL
from kizuna.ingest.ssmix2.map_common import (
    Context,
    compact,
    datetime_of,
    first_practitioner,
    organization_ref,
    patient_ref,
    period,
    shared_id,
)
from kizuna.ingest.ssmix2.segments import EVN, PV1, PV2

ENCOUNTER_TYPES = (
    "ADT-12",
    "ADT-21",
    "ADT-22",
    "ADT-31",
    "ADT-32",
    "ADT-41",
    "ADT-42",
    "ADT-51",
    "ADT-52",
)
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
PHYSICAL_TYPE = "http://terminology.hl7.org/CodeSystem/location-physical-type"
DISCHARGE = "http://terminology.hl7.org/CodeSystem/v2-0112"

# JAMI "Table SSMIX2DATATYPE to EncounterStatus / EncounterLocationStatus"
STATUS = {
    "ADT-12": "arrived",
    "ADT-21": "planned",
    "ADT-22": "arrived",
    "ADT-31": "onleave",
    "ADT-32": "in-progress",
    "ADT-41": "in-progress",
    "ADT-42": "in-progress",
    "ADT-51": "in-progress",
    "ADT-52": "finished",
}
STATUS_CANCELLED = {
    "ADT-12": "cancelled",
    "ADT-21": "cancelled",
    "ADT-22": "cancelled",
    "ADT-31": "in-progress",
    "ADT-32": "onleave",
    "ADT-41": "in-progress",
    "ADT-42": "in-progress",
    "ADT-51": "in-progress",
    "ADT-52": "in-progress",
}
LOCATION_STATUS = {
    "ADT-12": "active",
    "ADT-21": "planned",
    "ADT-22": "active",
    "ADT-31": "active",
    "ADT-32": "active",
    "ADT-41": "planned",
    "ADT-42": "active",
    "ADT-51": "planned",
    "ADT-52": "completed",
}
_CLASS = {
    "I": ("IMP", "inpatient encounter"),
    "O": ("AMB", "ambulatory"),
    "E": ("EMER", "emergency"),
}
_ORDER = {t: i for i, t in enumerate(ENCOUNTER_TYPES)}


@dataclass(slots=True)
class AdtEvent:
    """One encounter step: what the message said and when it happened."""

    data_type: str
    cancelled: bool
    when: str  # 17 digits for ordering
    care_date: str
    pv1: PV1
    pv2: PV2 | None
    evn: EVN | None
    source: str  # file name, identifies the event

    @property
    def sort_key(self) -> tuple[str, int]:
        return self.when, _ORDER.get(self.data_type, 99)


@dataclass(slots=True)
class Episode:
    """The steps of one visit or admission, in time order, and its stable key."""

    key: str
    events: list[AdtEvent] = field(default_factory=list)
    orphan: bool = False  # a later step with no admission before it


def event_time(data_type: str, pv1: PV1, pv2: PV2 | None, evn: EVN | None, care_date: str) -> str:
    """When the step happened, as 17 sortable digits (the SS-MIX2 care-date rules)."""
    candidates: list[str] = []
    if data_type in ("ADT-12", "ADT-22"):
        candidates.append(pv1.admitted)
    if data_type == "ADT-21" and pv2:
        candidates.append(pv2.expected_admit)
    if data_type == "ADT-52":
        candidates.extend(pv1.discharged[:1])
    if evn:
        candidates.extend((evn.occurred, evn.recorded))
    candidates.append(care_date)
    for value in candidates:
        stamp = dates.storage_timestamp(value) if value else None
        if stamp:
            return stamp
    return "0" * 17


def group_episodes(events: list[AdtEvent]) -> dict[str, Episode]:
    """Episodes keyed by each event's source file."""
    by_source: dict[str, Episode] = {}
    visits: dict[str, Episode] = {}
    current: Episode | None = None
    for ev in sorted(events, key=lambda e: e.sort_key):
        number = ev.pv1.visit_number.id.strip()
        if number:
            ep = visits.setdefault(number, Episode(key="visit:" + number))
        elif ev.data_type == "ADT-12":
            ep = Episode(key=f"outpatient:{ev.when[:8]}:{ev.pv1.department}")
        else:
            if _opens_new(current, ev):
                current = Episode(key="admission:" + ev.when[:8])
            elif current is None or (_discharged(current) and not ev.cancelled):
                current = Episode(key="admission:" + ev.when[:8], orphan=True)
            ep = current
        ep.events.append(ev)
        by_source[ev.source] = ep
    return by_source


def _discharged(episode: Episode) -> bool:
    return any(e.data_type == "ADT-52" and not e.cancelled for e in episode.events)


def _opens_new(current: Episode | None, ev: AdtEvent) -> bool:
    if ev.data_type not in ("ADT-21", "ADT-22") or ev.cancelled:
        return False
    if current is None:
        return True
    steps = {e.data_type for e in current.events if not e.cancelled}
    if "ADT-52" in steps:
        return True
    return ev.data_type in steps  # a second admission (or plan) opens a new episode


def encounter(ctx: Context, episode: Episode) -> dict[str, Any]:
    """The Encounter for a whole episode, as it stands after its latest step."""
    events = episode.events
    latest = events[-1]
    table = STATUS_CANCELLED if latest.cancelled else STATUS
    live = [e for e in events if not e.cancelled]
    out: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": ctx.rid("Encounter", episode.key),
        "identifier": _identifier(ctx, events),
        "status": table.get(latest.data_type, "unknown"),
        "class": _class(latest),
        "serviceType": _department(events),
        "subject": patient_ref(),
        "participant": _participants(ctx, events),
        "period": _period(ctx, live),
        "hospitalization": _hospitalization(live),
        "location": _locations(ctx, live, latest),
        "serviceProvider": organization_ref(ctx),
    }
    if episode.orphan:
        ctx.warn(
            "encounter-link",
            "no admission (ADT-21/22) found before this step; the Encounter starts here",
            latest.pv1.pos,
        )
    return compact(out)


def _identifier(ctx: Context, events: list[AdtEvent]) -> list[dict]:
    number = next((e.pv1.visit_number.id for e in events if e.pv1.visit_number.id), "")
    if not number:
        return []
    return [{"system": f"urn:kizuna:ssmix2:{ctx.facility_key}:visit", "value": number}]


def _class(ev: AdtEvent) -> dict:
    default = "O" if ev.data_type == "ADT-12" else "I"
    code, display = _CLASS.get(ev.pv1.patient_class.upper() or default, _CLASS[default])
    return {"system": ACT_CODE, "code": code, "display": display}


def _department(events: list[AdtEvent]) -> dict | None:
    """PV1-10 of the latest step that names a department."""
    dept = next(
        (e.pv1.department.strip() for e in reversed(events) if e.pv1.department.strip()), ""
    )
    if not dept:
        return None
    return {"coding": [{"system": DEPARTMENT, "code": dept}]}


def _participants(ctx: Context, events: list[AdtEvent]) -> list[dict]:
    out = []
    attending = next(
        (r for e in reversed(events) if (r := first_practitioner(ctx, e.pv1.attending))), None
    )
    admitting = next((r for e in events if (r := first_practitioner(ctx, e.pv1.admitting))), None)
    for role, display, ref in (("ATND", "attender", attending), ("ADM", "admitter", admitting)):
        if ref:
            out.append(
                {
                    "type": [
                        {"coding": [{"system": PARTICIPATION, "code": role, "display": display}]}
                    ],
                    "individual": ref,
                }
            )
    return out


def _period(ctx: Context, live: list[AdtEvent]) -> dict | None:
    start = None
    for ev in live:
        if ev.pv1.admitted:
            start = datetime_of(ctx, ev.pv1.admitted, ev.pv1.pos, "PV1-44")
            if start:
                break
    if start is None:
        planned = next((e for e in live if e.data_type == "ADT-21" and e.pv2), None)
        if planned and planned.pv2:
            start = datetime_of(ctx, planned.pv2.expected_admit, planned.pv2.pos, "PV2-8")
    end = None
    for ev in live:
        if ev.data_type == "ADT-52" and ev.pv1.discharged:
            end = datetime_of(ctx, ev.pv1.discharged[0], ev.pv1.pos, "PV1-45")
    if start and end and end < start:
        end = None
    return period(start, end)


def _hospitalization(live: list[AdtEvent]) -> dict | None:
    code = next(
        (
            e.pv1.discharge_disposition
            for e in live
            if e.data_type == "ADT-52" and e.pv1.discharge_disposition
        ),
        "",
    )
    if not code:
        return None
    return {"dischargeDisposition": {"coding": [{"system": DISCHARGE, "code": code}]}}


def _locations(ctx: Context, live: list[AdtEvent], latest: AdtEvent) -> list[dict]:
    locs: list[dict[str, Any]] = []

    def close(at: str | None) -> None:
        for loc in locs:
            if loc["status"] == "active":
                loc["status"] = "completed"
                if at:
                    loc.setdefault("period", {})["end"] = at

    for ev in live:
        t = ev.data_type
        evn_time = datetime_of(ctx, ev.evn.occurred, ev.evn.pos, "EVN-6") if ev.evn else None
        if t in ("ADT-22", "ADT-12"):
            start = datetime_of(ctx, ev.pv1.admitted, ev.pv1.pos, "PV1-44") or evn_time
            _add(ctx, locs, ev.pv1.location, "active", start)
        elif t == "ADT-42":
            close(evn_time)
            _add(ctx, locs, ev.pv1.location, "active", evn_time)
        elif t == "ADT-52":
            end = ev.pv1.discharged[0] if ev.pv1.discharged else ""
            close(datetime_of(ctx, end, ev.pv1.pos, "PV1-45") if end else evn_time)
        elif ev is latest and t in ("ADT-21", "ADT-41", "ADT-51"):
            _add(ctx, locs, ev.pv1.location, "planned", None)
    return [compact(loc) for loc in locs]


def _add(ctx: Context, locs: list[dict], pl: PL, status: str, start: str | None) -> None:
    ref = location_ref(ctx, pl)
    if ref is None:
        return
    entry: dict[str, Any] = {"location": ref, "status": status}
    if start:
        entry["period"] = {"start": start}
    locs.append(entry)


def location_ref(ctx: Context, pl: PL) -> dict | None:
    """A reference to a facility Location (ward / room / bed), added to the unit."""
    if not pl:
        return None
    parts = [p for p in (pl.ward, pl.room, pl.bed) if p]
    kind = "bd" if pl.bed else ("ro" if pl.room else "wa")
    name = "-".join(parts)
    loc: dict[str, Any] = {
        "resourceType": "Location",
        "id": shared_id("Location", ctx.facility_key, pl.ward, pl.room, pl.bed),
        "status": "active",
        "name": name,
        "mode": "instance",
        "physicalType": {"coding": [{"system": PHYSICAL_TYPE, "code": kind}]},
    }
    org = organization_ref(ctx)
    if org:
        loc["managingOrganization"] = org
    ref = ctx.add_shared(loc)
    ref["display"] = name
    return ref
