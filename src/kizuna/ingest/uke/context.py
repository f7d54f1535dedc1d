"""What every part of a receipt's mapping shares: ids, references, places and warnings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from kizuna.codes.masters import Masters
from kizuna.ingest.base import IngestWarning, Location
from kizuna.ingest.uke.eras import month_end
from kizuna.ingest.uke.ids import IdMaker, cached_id

FORMAT = "uke"
#: 診療識別 / 剤形 and the receipt act classes are Kizuna's own code systems.
ACT_CATEGORY_SYSTEM = "urn:kizuna:codesystem:uke-shinryo-shikibetsu"
ACT_CLASS_SYSTEM = "urn:kizuna:codesystem:procedure-class"
DOSAGE_FORM_SYSTEM = "urn:kizuna:codesystem:uke-zaikei"
USAGE_SYSTEM = "urn:kizuna:codesystem:uke-yoho"
COMMENT_SYSTEM = "urn:kizuna:codesystem:uke-comment"


@dataclass(slots=True)
class Context:
    filename: str
    facility_code: str  # 10 digits
    patient_key: str  # stable within the facility: chart number, insurance or demographics
    month: dt.date  # first day of the service month (診療年月 / 調剤年月)
    receipt_id: str  # receipt number, for places in messages
    masters: Masters
    warnings: list[IngestWarning] = field(default_factory=list)
    unknown: dict[str, set[str]] = field(default_factory=dict)
    facility_ref: str = ""
    month_start: str = ""
    month_end: str = ""
    _days: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    _ids: IdMaker | None = None
    _day_text: dict[int, str | None] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.facility_ref = f"Organization/{organization_id(self.facility_code)}"
        self.month_start = self.month.isoformat()
        self.month_end = month_end(self.month).isoformat()
        self._ids = IdMaker(FORMAT, self.facility_code, self.patient_key)

    def days_of(self, record: Any) -> list[tuple[int, int]]:
        """``days_used`` of a record, computed once per record."""
        key = id(record)
        found = self._days.get(key)
        if found is None:
            found = self._days[key] = days_used(record.days)
        return found

    def rid(self, first: object, *rest: object) -> str:
        """A resource id from the receipt's stable keys (never from timestamps); equal to
        ``stable_id(FORMAT, facility_code, patient_key, first, *rest)``."""
        assert self._ids is not None
        return self._ids(first, *rest)

    def where(
        self, line: int | None, segment: str | None = None, field_name: str | None = None
    ) -> Location:
        return Location(
            self.filename, line, segment=segment, field=field_name, record=self.receipt_id
        )

    def warn(self, code: str, message: str, location: Location) -> None:
        self.warnings.append(IngestWarning(code, message, location))

    def has_code(self, record: Any) -> bool:
        """Whether a drug, act or material record names its code; one that does not (a
        damaged line) is left out with a warning, since no resource can say what it was."""
        if record.code:
            return True
        where = self.where(record.line, record.TYPE, "code")
        self.warn("missing-code", f"{record.TYPE} record without its code: left out", where)
        return False

    def note_unknown(self, kind: str, code: str) -> None:
        self.unknown.setdefault(kind, set()).add(code)

    def day(self, number: int) -> dt.date | None:
        """The date of day ``number`` of the service month (None when it does not exist)."""
        try:
            return self.month.replace(day=number)
        except ValueError:
            return None

    def day_text(self, number: int) -> str | None:
        """``day(number)`` as an ISO date, computed once per day of the receipt."""
        if number in self._day_text:
            return self._day_text[number]
        date = self.day(number)
        text = self._day_text[number] = date.isoformat() if date else None
        return text


def organization_id(facility_code: str) -> str:
    return cached_id("Organization", facility_code)


def coding(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def days_used(days: tuple[int | None, ...]) -> list[tuple[int, int]]:
    """(day of month, count) for every day with a count (算定日情報)."""
    if not any(days):
        return []
    return [(day, count) for day, count in enumerate(days, 1) if count]
