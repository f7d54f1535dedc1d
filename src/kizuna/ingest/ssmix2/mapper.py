"""A parsed SS-MIX2 message to a :class:`Unit`, by data type.

The data type comes from the storage file name when there is one, else from MSH-9.
Only :class:`MappingError` leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kizuna.ingest.base import MappingError, SourceRef, Unit
from kizuna.ingest.ssmix2 import (
    dates,
    map_administration,
    map_adt,
    map_diet,
    map_encounter,
    map_imaging,
    map_lab,
    map_medication,
    map_problem,
)
from kizuna.ingest.ssmix2.map_common import (
    FORMAT,
    Context,
    check_facility,
    facility_from_header,
    organization_ref,
)
from kizuna.ingest.ssmix2.map_coverage import patient_member_identifier
from kizuna.ingest.ssmix2.map_encounter import ENCOUNTER_TYPES, AdtEvent, Episode
from kizuna.ingest.ssmix2.map_patient import patient
from kizuna.ingest.ssmix2.parser import Message
from kizuna.ingest.ssmix2.segments import EVN, IN1, NK1, PID, PV1, PV2, RXC
from kizuna.ingest.ssmix2.storage import DELETED, StorageName

#: MSH-9 (code^trigger) -> (SS-MIX2 data type, is a cancellation)
EVENT_TYPES: dict[str, tuple[str, bool]] = {
    "ADT^A08": ("ADT-00", False),
    "ADT^A23": ("ADT-00", False),
    "ADT^A04": ("ADT-12", False),
    "ADT^A14": ("ADT-21", False),
    "ADT^A27": ("ADT-21", True),
    "ADT^A01": ("ADT-22", False),
    "ADT^A11": ("ADT-22", True),
    "ADT^A21": ("ADT-31", False),
    "ADT^A52": ("ADT-31", True),
    "ADT^A22": ("ADT-32", False),
    "ADT^A53": ("ADT-32", True),
    "ADT^A15": ("ADT-41", False),
    "ADT^A26": ("ADT-41", True),
    "ADT^A02": ("ADT-42", False),
    "ADT^A12": ("ADT-42", True),
    "ADT^A16": ("ADT-51", False),
    "ADT^A25": ("ADT-51", True),
    "ADT^A03": ("ADT-52", False),
    "ADT^A13": ("ADT-52", True),
    "ADT^A60": ("ADT-61", False),
    "PPR^ZD1": ("PPR-01", False),
    "RDE^O11": ("OMP-01", False),
    "RAS^O17": ("OMP-11", False),
    "OML^O33": ("OML-01", False),
    "OUL^R22": ("OML-11", False),
    "OMG^O19": ("OMG-01", False),
    "OMI^Z23": ("OMG-11", False),
    "ORU^R01": ("OMG-13", False),
    "OMD^O03": ("OMD", False),
}

Builder = Callable[[Context], list[dict]]


@dataclass(frozen=True, slots=True)
class MapOptions:
    """What the caller knows beyond the message itself."""

    facility_code: str | None = None  # the --facility argument
    storage: StorageName | None = None  # the file's storage name, when it has one
    episode: Episode | None = None  # the encounter episode (ADT encounter types)


def data_type_of(message: Message, storage: StorageName | None) -> tuple[str, bool]:
    """The SS-MIX2 data type and whether the message itself is a cancellation."""
    from_event = EVENT_TYPES.get(message.message_type, ("", False))
    if storage is not None:
        return storage.data_type, from_event[1]
    if from_event[0] == "OMP-01" and message.first(RXC) is not None:
        return "OMP-02", False
    return from_event


def map_message(message: Message, options: MapOptions) -> Unit:
    """The Unit for one message. Raises only :class:`MappingError`."""
    storage = options.storage
    data_type, cancelled = data_type_of(message, storage)
    pid = message.first(PID)
    if not isinstance(pid, PID):
        raise MappingError("no PID segment: the message names no patient", message.location())
    ctx = _context(message, options, data_type, pid)
    organization_ref(ctx)  # the facility goes into every unit
    deleted = storage is not None and storage.flag == DELETED
    resources = _resources(ctx, data_type, cancelled or deleted, options.episode)
    contacts = message.all(NK1) if data_type == "ADT-00" else None
    candidate = patient(ctx, pid, contacts)
    if data_type == "ADT-00":
        candidate.setdefault("identifier", []).extend(_members(ctx))
    unit = Unit(
        key=_key(ctx, storage),
        source=SourceRef(FORMAT, message.file, message.msh.control_id, ctx.facility_code),
        patient=candidate,
        warnings=ctx.warnings,
        version=_version(message, storage),
    )
    shared = list(ctx.shared.values())
    if deleted:
        unit.delete_unit = True
        if data_type in ENCOUNTER_TYPES:
            unit.resources = shared + resources  # the Encounter in its cancelled state
        else:
            unit.deletes = [(r["resourceType"], r["id"]) for r in resources]
    else:
        unit.resources = shared + resources
    return unit


def _members(ctx: Context) -> list[dict]:
    out: list[dict] = []
    for in1 in ctx.message.all(IN1):
        member = patient_member_identifier(in1)
        if member and member not in out:
            out.append(member)
    return out


def _context(message: Message, options: MapOptions, data_type: str, pid: PID) -> Context:
    facility, source = facility_from_header(message, options.facility_code)
    pid3 = next((cx.id.strip() for cx in pid.identifiers if cx.id.strip()), "")
    storage = options.storage
    patient_id = storage.patient_id if storage else pid3
    if not patient_id:
        raise MappingError(
            "PID-3 patient id is empty and the file has no storage name",
            message.location(pid.pos, "PID-3"),
        )
    ctx = Context(
        message=message,
        data_type=data_type,
        patient_id=patient_id,
        facility_code=facility,
        care_date=storage.care_date if storage else "-",
        order_number=storage.order_number if storage else "",
    )
    check_facility(ctx, source)
    if storage and pid3 and pid3 != storage.patient_id:
        ctx.warn(
            "patient-id",
            "PID-3 differs from the patient id of the storage path; the storage id is used",
            pid.pos,
            "PID-3",
        )
    if not message.charset_agrees:
        ctx.warn(
            "encoding",
            f"MSH-18 declares another character set; the bytes were read as {message.charset}",
            message.msh.pos,
            "MSH-18",
        )
    if storage:
        expected = EVENT_TYPES.get(message.message_type, ("", False))[0]
        if expected and expected[:3] != storage.data_type[:3]:
            ctx.warn(
                "data-type",
                "MSH-9 message type does not match the storage data type",
                message.msh.pos,
                "MSH-9",
            )
    return ctx


def _resources(ctx: Context, data_type: str, cancelled: bool, episode: Episode | None) -> list:
    if data_type in ENCOUNTER_TYPES:
        return [map_encounter.encounter(ctx, episode or single_episode(ctx, cancelled))]
    builder = _BUILDERS.get(data_type) or _BUILDERS.get(data_type[:3] + "-*")
    if builder is None:
        ctx.warn(
            "unsupported",
            "this SS-MIX2 data type is not mapped; only the patient is kept",
            ctx.message.msh.pos,
            "MSH-9",
        )
        return []
    return builder(ctx)


def _adt00(ctx: Context) -> list[dict]:
    return map_adt.adt00_resources(ctx)[0]


_BUILDERS: dict[str, Builder] = {
    "ADT-00": _adt00,
    "ADT-61": map_adt.adt61_resources,
    "PPR-01": map_problem.conditions,
    "OMP-01": map_medication.medication_requests,
    "OMP-02": map_medication.medication_requests,
    "OMP-11": map_administration.administrations,
    "OMP-12": map_administration.administrations,
    "OML-01": map_lab.lab_order,
    "OML-11": map_lab.lab_result,
    "OMG-*": map_imaging.imaging,
    "OMD": map_diet.nutrition_orders,
}


def adt_event(message: Message, storage: StorageName | None) -> AdtEvent | None:
    """The encounter step a message describes (``None`` for other messages)."""
    data_type, cancelled = data_type_of(message, storage)
    pv1 = message.first(PV1)
    if data_type not in ENCOUNTER_TYPES or not isinstance(pv1, PV1):
        return None
    pv2 = message.first(PV2)
    evn = message.first(EVN)
    pv2 = pv2 if isinstance(pv2, PV2) else None
    evn = evn if isinstance(evn, EVN) else None
    care_date = storage.care_date if storage and storage.care_date != "-" else ""
    return AdtEvent(
        data_type=data_type,
        cancelled=cancelled or (storage is not None and storage.flag == DELETED),
        when=map_encounter.event_time(data_type, pv1, pv2, evn, care_date),
        care_date=care_date,
        pv1=pv1,
        pv2=pv2,
        evn=evn,
        source=message.file,
    )


def single_episode(ctx: Context, cancelled: bool) -> Episode:
    """The episode of a lone encounter message (no storage tree to look at)."""
    event = adt_event(ctx.message, None)
    if event is None:
        raise MappingError("an encounter message without a PV1 segment", ctx.message.location())
    event.cancelled = event.cancelled or cancelled
    event.data_type = ctx.data_type
    return map_encounter.group_episodes([event])[ctx.message.file]


def _key(ctx: Context, storage: StorageName | None) -> str:
    if storage is not None:
        return f"{FORMAT}|{ctx.facility_key}|{storage.item_key}"
    control = ctx.message.msh.control_id or ctx.message.file
    return f"{FORMAT}|{ctx.facility_key}|{ctx.patient_id}|{ctx.data_type}|msh10:{control}"


def _version(message: Message, storage: StorageName | None) -> str:
    if storage is not None:
        return storage.timestamp
    return dates.storage_timestamp(message.msh.timestamp) or ""
