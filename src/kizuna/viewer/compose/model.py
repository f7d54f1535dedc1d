"""View models: what the templates render. Plain data, no FHIR left in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class Origin:
    """Where and when an item was recorded: every item on screen names one."""

    facility_code: str | None
    facility_name: str | None
    kind: str  # hospital | receipt | notebook | prescription | checkup | document | portal
    when: date | None

    @property
    def facility(self) -> str:
        return self.facility_name or self.facility_code or "—"


@dataclass(frozen=True)
class Allergy:
    substance: str
    category: str  # medication | food | environment | biologic | side-effect | other
    criticality: str | None
    reaction: str
    note: str
    origins: tuple[Origin, ...]


@dataclass(frozen=True)
class Problem:
    name: str
    main: bool
    origins: tuple[Origin, ...]  # diagnosing facility and month, earliest first
    last_seen: date | None


@dataclass(frozen=True)
class MedicationUse:
    """One prescription or dispensing of a product."""

    product: str
    ingredient_key: str | None
    prescriber_code: str | None
    prescriber_name: str | None
    dispenser_code: str | None
    dispenser_name: str | None
    start: date | None
    days: int | None
    dosage: str
    origin: Origin
    otc: bool = False

    @property
    def end(self) -> date | None:
        from datetime import timedelta

        if self.start is None:
            return None
        return self.start + timedelta(days=max(self.days or 1, 1) - 1)


@dataclass(frozen=True)
class MedicationGroup:
    """Every current use of one ingredient (YJ 7-character key), across facilities."""

    key: str
    ingredient: str
    uses: tuple[MedicationUse, ...]
    duplicate: bool = False
    interacting: bool = False

    @property
    def latest(self) -> MedicationUse:
        return max(self.uses, key=lambda u: u.start or date.min)

    @property
    def products(self) -> list[str]:
        return list(dict.fromkeys(u.product for u in self.uses))

    @property
    def facilities(self) -> list[str]:
        names = [u.prescriber_name or u.prescriber_code or u.origin.facility for u in self.uses]
        return list(dict.fromkeys(names))


@dataclass(frozen=True)
class Warning:
    kind: str  # duplicate | interaction | allergy
    ingredients: tuple[str, ...]
    facilities: tuple[str, ...]
    detail: str
    source: str = ""  # the public source of an interaction


@dataclass(frozen=True)
class Medications:
    current: tuple[MedicationGroup, ...]
    warnings: tuple[Warning, ...]
    since: date


@dataclass(frozen=True)
class VisitRow:
    facility_code: str | None
    facility_name: str | None
    kind: str
    counts: tuple[int, ...]  # per month, aligned with VisitGrid.months
    last: date | None
    inpatient: bool


@dataclass(frozen=True)
class VisitGrid:
    months: tuple[str, ...]
    rows: tuple[VisitRow, ...]
    last_visit: VisitRow | None


@dataclass(frozen=True)
class ProcedureItem:
    name: str
    category: str  # surgery | anaesthesia | transfusion | dialysis | device
    origin: Origin


@dataclass(frozen=True)
class LabPoint:
    when: date
    value: float
    text: str
    flag: str
    origin: Origin


@dataclass(frozen=True)
class LabSeries:
    key: str
    name: str
    unit: str
    low: float | None
    high: float | None
    points: tuple[LabPoint, ...]

    @property
    def latest(self) -> LabPoint:
        return self.points[-1]


@dataclass(frozen=True)
class CheckupTable:
    years: tuple[str, ...]
    rows: tuple[tuple[str, str, tuple[str, ...]], ...]  # name, unit, value per year
    origins: tuple[Origin, ...]


@dataclass(frozen=True)
class DocumentSection:
    title: str
    text: str
    entries: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    title: str
    kind: str
    author: str
    origin: Origin
    sections: tuple[DocumentSection, ...]


@dataclass(frozen=True)
class Freshness:
    facility_code: str | None
    facility_name: str | None
    kind: str
    latest: date | None
    monthly: bool  # receipts: data are known by month only

    @property
    def label(self) -> str:
        if self.latest is None:
            return "—"
        return self.latest.strftime("%Y-%m") if self.monthly else self.latest.isoformat()


@dataclass(frozen=True)
class Contact:
    name: str
    relationship: str
    phone: str


@dataclass(frozen=True)
class Identity:
    patient_id: str
    name: str
    kana: str
    sex: str  # male | female | other | unknown
    birth: date | None
    age: int | None
    insurance: tuple[str, ...]
    address: str
    phones: tuple[str, ...]
    contacts: tuple[Contact, ...]
    photo: str | None = None


@dataclass(frozen=True)
class Summary:
    identity: Identity
    allergies: tuple[Allergy, ...]
    problems: tuple[Problem, ...]
    medications: Medications
    visits: VisitGrid
    procedures: tuple[ProcedureItem, ...]
    labs: tuple[LabSeries, ...]
    checkups: CheckupTable
    documents: tuple[Document, ...]
    freshness: tuple[Freshness, ...]
    excluded: tuple[str, ...] = field(default_factory=tuple)
