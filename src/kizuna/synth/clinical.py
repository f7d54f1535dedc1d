"""A person's clinical history as the generator builds it, before any format writes it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from kizuna.synth.catalog import Disease, Drug, Usage
from kizuna.synth.facilities import Facility, Staff
from kizuna.synth.labs import LabTest
from kizuna.synth.model import Person, PublicExpense

#: receipt 転帰区分 codes
CONTINUING, CURED, DIED, STOPPED = "1", "2", "3", "4"


@dataclass(slots=True)
class Diagnosis:
    disease: Disease
    start: date
    end: date | None = None
    outcome: str = "1"  # receipt 転帰区分: 1 continuing, 2 治ゆ, 3 死亡, 4 中止（転医）
    main: bool = False

    def active_in(self, first: date, last: date) -> bool:
        return self.start <= last and (self.end is None or self.end >= first)


@dataclass(slots=True)
class Rp:
    """Drugs taken the same way (剤)."""

    drugs: list[Drug]
    usage: Usage
    days: int  # days supplied (内服) or number of uses (頓服)

    @property
    def as_needed(self) -> bool:
        return self.usage.times == 0


@dataclass(slots=True)
class Prescription:
    number: str  # unique, stable: person, facility, date
    day: date
    facility: Facility
    department: str
    doctor: Staff
    rps: list[Rp]
    pharmacy: Facility | None = None  # None: dispensed in-house (院内処方)
    dispensed: date | None = None
    qr: bool = False  # the pharmacy scanned its 2D symbol

    @property
    def drugs(self) -> list[Drug]:
        return [d for rp in self.rps for d in rp.drugs]


@dataclass(slots=True)
class LabResult:
    test: LabTest
    value: float

    def flag(self, sex: str) -> str:
        return self.test.flag(self.value, sex)


@dataclass(slots=True)
class LabPanel:
    number: str
    day: date
    facility: Facility
    results: list[LabResult]
    numbers: dict[str, str] = field(default_factory=dict)  # order number per specimen


@dataclass(slots=True)
class ActDone:
    """A billed act (診療行為) or a procedure known only by name (code not in the masters)."""

    key: str  # catalog act key
    day: date
    kind: str  # surgery, anaesthesia, transfusion, dialysis, homecare, exam, fee
    name: str
    count: int = 1


@dataclass(slots=True)
class Device:
    kind: str  # pacemaker, knee_prosthesis, stent, lens, tracheostomy, ventilator, gastrostomy,
    #            shunt
    name: str
    detail: str
    since: date
    facility: Facility


@dataclass(slots=True)
class Visit:
    day: date
    facility: Facility
    department: str
    diagnoses: list[Diagnosis]  # those this visit is about
    first: bool = False  # 初診
    prescription: Prescription | None = None
    labs: LabPanel | None = None
    acts: list[ActDone] = field(default_factory=list)


@dataclass(slots=True)
class Admission:
    number: str
    facility: Facility
    department: str
    start: date
    end: date
    reason: Diagnosis
    planned: bool
    acts: list[ActDone] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    course: str = ""  # hospital course text (入院中経過)
    labs: list[LabPanel] = field(default_factory=list)
    injections: list[tuple[date, Drug, str]] = field(default_factory=list)  # day, drug, amount
    transfused: bool = False


@dataclass(slots=True)
class Allergy:
    key: str
    kind: str  # DA drug, FA food, EA environment (HL7 0127)
    substance: str
    notebook_text: str
    reaction: str
    severity: str  # MI, MO, SV (HL7 0128)
    since: str  # yyyyMM or free text


@dataclass(slots=True)
class Referral:
    number: str
    day: date
    source: Facility
    target: Facility
    department: str  # the target department
    reason: Diagnosis
    purpose: str
    reply: bool = False  # a reply (逆紹介) from the hospital


@dataclass(slots=True)
class Checkup:
    day: date
    facility: Facility
    values: dict[str, float]
    height: float
    weight: float
    waist: float
    systolic: int
    diastolic: int
    on_bp_drugs: bool
    on_glucose_drugs: bool
    on_lipid_drugs: bool
    smoker: bool


@dataclass(slots=True)
class CarePlan:
    """What the guardian of a child with medical-care needs (医療的ケア児) registers."""

    devices: list[Device]
    baseline: dict[str, str]  # vital signs at baseline: SpO2, heart rate...
    seizure_plan: str
    ventilator_settings: str
    feeding: str
    guardian: Person | None


@dataclass(slots=True)
class History:
    person: Person
    diagnoses: dict[str, list[Diagnosis]] = field(default_factory=dict)  # by facility code
    visits: list[Visit] = field(default_factory=list)
    admissions: list[Admission] = field(default_factory=list)
    allergies: list[Allergy] = field(default_factory=list)
    devices: list[Device] = field(default_factory=list)
    checkups: list[Checkup] = field(default_factory=list)
    referrals: list[Referral] = field(default_factory=list)
    care: CarePlan | None = None
    past: list[str] = field(default_factory=list)  # past history (既往歴) text
    public_expenses: list[PublicExpense] = field(default_factory=list)
    special_notes: str = ""  # レセプト特記事項 (02 長: dialysis)
    scenarios: list[str] = field(default_factory=list)  # duplicate/interaction scenarios

    def facilities(self) -> list[Facility]:
        """Every facility that has records of this person, in first-contact order."""
        seen: dict[str, tuple[date, Facility]] = {}
        for visit in self.visits:
            for fac in (
                visit.facility,
                visit.prescription.pharmacy if visit.prescription else None,
            ):
                if fac is not None and fac.code not in seen:
                    seen[fac.code] = (visit.day, fac)
        for adm in self.admissions:
            seen.setdefault(adm.facility.code, (adm.start, adm.facility))
        for chk in self.checkups:
            seen.setdefault(chk.facility.code, (chk.day, chk.facility))
        return [f for _, f in sorted(seen.values(), key=lambda e: (e[0], e[1].code))]
