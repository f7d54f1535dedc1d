"""Typed SS-MIX2 segments: the fields the mappers use, at their HL7 v2.5 positions.

Segments not listed here are kept as :class:`RawSegment` (their fields verbatim), so a
message always round-trips even when it carries Z-segments or segments we do not map.
"""

# ruff: noqa: RUF009  (fld/comp/sub/position return dataclasses.field descriptors)
from __future__ import annotations

from dataclasses import dataclass

from kizuna.ingest.ssmix2.datatypes import (
    CQ,
    CWE,
    CX,
    DR,
    EI,
    EIP,
    HD,
    MSG,
    PL,
    RPT,
    XAD,
    XCN,
    XON,
    XPN,
    XTN,
)
from kizuna.ingest.ssmix2.fields import SegPos, fld, position


@dataclass(slots=True)
class RawSegment:
    """A segment we do not type: its escaped field texts, ``fields[0]`` being the name."""

    fields: tuple[str, ...]
    pos: SegPos = position()

    @property
    def name(self) -> str:
        return self.fields[0]


@dataclass(slots=True)
class MSH:
    """Message header. MSH-1/2 (delimiters) belong to the message, not to this record."""

    sending_application: HD = fld(3, HD)
    sending_facility: HD = fld(4, HD)
    receiving_application: HD = fld(5, HD)
    receiving_facility: HD = fld(6, HD)
    timestamp: str = fld(7)
    message_type: MSG = fld(9, MSG)
    control_id: str = fld(10)
    processing_id: str = fld(11)
    version: str = fld(12)
    charsets: tuple[str, ...] = fld(18, rep=True)
    profile: tuple[EI, ...] = fld(21, rep=True)
    pos: SegPos = position()


@dataclass(slots=True)
class EVN:
    """Event type: recorded and occurred times."""

    event_type: str = fld(1)
    recorded: str = fld(2)
    planned: str = fld(3)
    reason: CWE = fld(4, CWE)
    operator: tuple[XCN, ...] = fld(5, rep=True)
    occurred: str = fld(6)
    facility: HD = fld(7, HD)
    pos: SegPos = position()


@dataclass(slots=True)
class PID:
    """Patient identification."""

    set_id: str = fld(1)
    identifiers: tuple[CX, ...] = fld(3, CX, rep=True)
    names: tuple[XPN, ...] = fld(5, XPN, rep=True)
    birth: str = fld(7)
    sex: str = fld(8)
    addresses: tuple[XAD, ...] = fld(11, XAD, rep=True)
    home_phones: tuple[XTN, ...] = fld(13, XTN, rep=True)
    work_phones: tuple[XTN, ...] = fld(14, XTN, rep=True)
    death_time: str = fld(29)
    death_indicator: str = fld(30)
    last_updated: str = fld(33)
    pos: SegPos = position()


@dataclass(slots=True)
class NK1:
    """Next of kin / associated party."""

    set_id: str = fld(1)
    names: tuple[XPN, ...] = fld(2, XPN, rep=True)
    relationship: CWE = fld(3, CWE)
    addresses: tuple[XAD, ...] = fld(4, XAD, rep=True)
    phones: tuple[XTN, ...] = fld(5, XTN, rep=True)
    work_phones: tuple[XTN, ...] = fld(6, XTN, rep=True)
    organization: tuple[XON, ...] = fld(13, XON, rep=True)
    pos: SegPos = position()


@dataclass(slots=True)
class PV1:
    """Patient visit."""

    set_id: str = fld(1)
    patient_class: str = fld(2)
    location: PL = fld(3, PL)
    prior_location: PL = fld(6, PL)
    attending: tuple[XCN, ...] = fld(7, XCN, rep=True)
    department: str = fld(10)
    admitting: tuple[XCN, ...] = fld(17, XCN, rep=True)
    visit_number: CX = fld(19, CX)
    discharge_disposition: str = fld(36)
    admitted: str = fld(44)
    discharged: tuple[str, ...] = fld(45, rep=True)
    pos: SegPos = position()


@dataclass(slots=True)
class PV2:
    """Patient visit, additional: expected admission, discharge and return times."""

    expected_admit: str = fld(8)
    expected_discharge: str = fld(9)
    expected_loa_return: str = fld(47)
    pos: SegPos = position()


@dataclass(slots=True)
class OBX:
    """Observation. OBX-5 repetitions are kept escaped: their type depends on OBX-2."""

    set_id: str = fld(1)
    value_type: str = fld(2)
    code: CWE = fld(3, CWE)
    sub_id: str = fld(4)
    values: tuple[str, ...] = fld(5, rep=True)
    units: CWE = fld(6, CWE)
    reference_range: str = fld(7)
    abnormal_flags: tuple[str, ...] = fld(8, rep=True)
    status: str = fld(11)
    observed: str = fld(14)
    pos: SegPos = position()


@dataclass(slots=True)
class AL1:
    """Allergy (in ADT-00)."""

    set_id: str = fld(1)
    allergen_type: CWE = fld(2, CWE)
    allergen: CWE = fld(3, CWE)
    severity: CWE = fld(4, CWE)
    reactions: tuple[str, ...] = fld(5, rep=True)
    identified: str = fld(6)
    pos: SegPos = position()


@dataclass(slots=True)
class IAM:
    """Patient adverse reaction information (ADT-61)."""

    set_id: str = fld(1)
    allergen_type: CWE = fld(2, CWE)
    allergen: CWE = fld(3, CWE)
    severity: CWE = fld(4, CWE)
    reactions: tuple[str, ...] = fld(5, rep=True)
    action: CWE = fld(6, CWE)
    sensitivity: CWE = fld(9, CWE)
    onset: str = fld(11)
    onset_text: str = fld(12)
    reported: str = fld(13)
    clinical_status: CWE = fld(17, CWE)
    pos: SegPos = position()


@dataclass(slots=True)
class IN1:
    """Insurance. IN1-10 carries 記号 (and 枝番 in CX.2), IN1-11 carries 番号."""

    set_id: str = fld(1)
    plan: CWE = fld(2, CWE)
    insurer: tuple[CX, ...] = fld(3, CX, rep=True)
    insurer_name: tuple[XON, ...] = fld(4, XON, rep=True)
    group_number: str = fld(8)
    symbol: tuple[CX, ...] = fld(10, CX, rep=True)
    number: tuple[XON, ...] = fld(11, XON, rep=True)
    effective: str = fld(12)
    expires: str = fld(13)
    plan_type: str = fld(15)
    relationship: CWE = fld(17, CWE)
    pos: SegPos = position()


@dataclass(slots=True)
class PRB:
    """Problem detail: one diagnosis (病名) of PPR-01."""

    action: str = fld(1)
    action_time: str = fld(2)
    problem: CWE = fld(3, CWE)
    instance_id: EI = fld(4, EI)
    established: str = fld(7)
    anticipated_resolution: str = fld(8)
    resolved: str = fld(9)
    classification: CWE = fld(10, CWE)
    confirmation: CWE = fld(13, CWE)
    outcome: CWE = fld(14, CWE)
    outcome_time: str = fld(15)
    onset: str = fld(16)
    onset_text: str = fld(17)
    ranking: CWE = fld(18, CWE)
    certainty: CWE = fld(19, CWE)
    pos: SegPos = position()


@dataclass(slots=True)
class ZPR:
    """SS-MIX2 problem extension: MEDIS key numbers and exchange codes of the name parts."""

    prefix_keys: tuple[CWE, ...] = fld(1, CWE, rep=True)
    disease_key: CWE = fld(2, CWE)
    suffix_keys: tuple[CWE, ...] = fld(3, CWE, rep=True)
    prefix_codes: tuple[CWE, ...] = fld(4, CWE, rep=True)
    disease_code: CWE = fld(5, CWE)
    suffix_codes: tuple[CWE, ...] = fld(6, CWE, rep=True)
    comment: str = fld(7)
    pos: SegPos = position()


@dataclass(slots=True)
class ORC:
    """Common order."""

    control: str = fld(1)
    placer_order: EI = fld(2, EI)
    filler_order: EI = fld(3, EI)
    placer_group: EI = fld(4, EI)
    status: str = fld(5)
    parent: EIP = fld(8, EIP)
    transaction_time: str = fld(9)
    entered_by: tuple[XCN, ...] = fld(10, XCN, rep=True)
    ordering_provider: tuple[XCN, ...] = fld(12, XCN, rep=True)
    effective: str = fld(15)
    reason: CWE = fld(16, CWE)
    pos: SegPos = position()


@dataclass(slots=True)
class RXE:
    """Pharmacy/treatment encoded order: one drug of a prescription or an injection."""

    give_code: CWE = fld(2, CWE)
    amount_min: str = fld(3)
    amount_max: str = fld(4)
    units: CWE = fld(5, CWE)
    dosage_form: CWE = fld(6, CWE)
    instructions: tuple[CWE, ...] = fld(7, CWE, rep=True)
    dispense_amount: str = fld(10)
    dispense_units: CWE = fld(11, CWE)
    refills: str = fld(12)
    prescription_number: str = fld(15)
    daily_dose: CQ = fld(19, CQ)
    dispensing_instructions: tuple[CWE, ...] = fld(21, CWE, rep=True)
    give_per: str = fld(22)
    rate_amount: str = fld(23)
    rate_units: CWE = fld(24, CWE)
    supplementary_codes: tuple[CWE, ...] = fld(31, CWE, rep=True)
    original_order_time: str = fld(32)
    pos: SegPos = position()


@dataclass(slots=True)
class TQ1:
    """Timing/quantity: usage (用法) code, duration (days), start and end."""

    set_id: str = fld(1)
    quantity: CQ = fld(2, CQ)
    repeat: tuple[RPT, ...] = fld(3, RPT, rep=True)
    duration: CQ = fld(6, CQ)
    start: str = fld(7)
    end: str = fld(8)
    condition: str = fld(10)
    text: str = fld(11)
    occurrences: str = fld(14)
    pos: SegPos = position()


@dataclass(slots=True)
class RXR:
    """Route: route, site, device, method."""

    route: CWE = fld(1, CWE)
    site: CWE = fld(2, CWE)
    device: CWE = fld(3, CWE)
    method: CWE = fld(4, CWE)
    pos: SegPos = position()


@dataclass(slots=True)
class RXC:
    """Component of an injection mix: B base, A additive; drug, amount, units."""

    kind: str = fld(1)
    code: CWE = fld(2, CWE)
    amount: str = fld(3)
    units: CWE = fld(4, CWE)
    pos: SegPos = position()


@dataclass(slots=True)
class RXA:
    """Pharmacy/treatment administration."""

    give_sub_id: str = fld(1)
    administration_sub_id: str = fld(2)
    start: str = fld(3)
    end: str = fld(4)
    code: CWE = fld(5, CWE)
    amount: str = fld(6)
    units: CWE = fld(7, CWE)
    dosage_form: CWE = fld(8, CWE)
    notes: tuple[CWE, ...] = fld(9, CWE, rep=True)
    administered_by: tuple[XCN, ...] = fld(10, XCN, rep=True)
    location: PL = fld(11, PL)
    per_time_unit: str = fld(12)
    completion: str = fld(20)
    action: str = fld(21)
    entered: str = fld(22)
    pos: SegPos = position()


@dataclass(slots=True)
class OBR:
    """Observation request: the test battery or procedure."""

    set_id: str = fld(1)
    placer_order: EI = fld(2, EI)
    filler_order: EI = fld(3, EI)
    service: CWE = fld(4, CWE)
    observed: str = fld(7)
    observed_end: str = fld(8)
    clinical_info: str = fld(13)
    ordering_provider: tuple[XCN, ...] = fld(16, XCN, rep=True)
    reported: str = fld(22)
    section: str = fld(24)
    status: str = fld(25)
    parent: EIP = fld(29, EIP)
    pos: SegPos = position()


@dataclass(slots=True)
class SPM:
    """Specimen."""

    set_id: str = fld(1)
    specimen_id: EIP = fld(2, EIP)
    specimen_type: CWE = fld(4, CWE)
    source_site: CWE = fld(8, CWE)
    collected: DR = fld(17, DR)
    received: str = fld(18)
    pos: SegPos = position()


@dataclass(slots=True)
class NTE:
    """Notes and comments."""

    set_id: str = fld(1)
    source: str = fld(2)
    comments: tuple[str, ...] = fld(3, rep=True)
    pos: SegPos = position()


@dataclass(slots=True)
class ODS:
    """Dietary orders: type (D diet), service period, diet codes, text instruction."""

    kind: str = fld(1)
    service_period: tuple[CWE, ...] = fld(2, CWE, rep=True)
    diets: tuple[CWE, ...] = fld(3, CWE, rep=True)
    instructions: tuple[str, ...] = fld(4, rep=True)
    pos: SegPos = position()


@dataclass(slots=True)
class IPC:
    """Imaging procedure control: accession, procedure, study instance UID, modality."""

    accession: EI = fld(1, EI)
    requested_procedure: EI = fld(2, EI)
    study_uid: EI = fld(3, EI)
    scheduled_step: EI = fld(4, EI)
    modality: CWE = fld(5, CWE)
    pos: SegPos = position()


Segment = (
    MSH
    | EVN
    | PID
    | NK1
    | PV1
    | PV2
    | OBX
    | AL1
    | IAM
    | IN1
    | PRB
    | ZPR
    | ORC
    | RXE
    | TQ1
    | RXR
    | RXC
    | RXA
    | OBR
    | SPM
    | NTE
    | ODS
    | IPC
    | RawSegment
)

TYPED: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        MSH,
        EVN,
        PID,
        NK1,
        PV1,
        PV2,
        OBX,
        AL1,
        IAM,
        IN1,
        PRB,
        ZPR,
        ORC,
        RXE,
        TQ1,
        RXR,
        RXC,
        RXA,
        OBR,
        SPM,
        NTE,
        ODS,
        IPC,
    )
}
