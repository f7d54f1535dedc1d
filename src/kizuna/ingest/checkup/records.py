"""Typed records of a specific health checkup (特定健診) CDA R2 document (hc08 family).

One :class:`CheckupDocument` is one ClinicalDocument: the examinee (recordTarget, with
保険者番号 / 記号 / 番号 / 枝番), the checkup facility (author), the checkup date
(documentationOf/serviceEvent) and one :class:`CheckupItem` per observation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: OIDs of the MHLW 特定健診 file specification.
INSURER_OID = "1.2.392.200119.6.101"  # 保険者番号
SYMBOL_OID = "1.2.392.200119.6.204"  # 被保険者証等記号
NUMBER_OID = "1.2.392.200119.6.205"  # 被保険者証等番号
BRANCH_OID = "1.2.392.200119.6.211"  # 枝番
FACILITY_OID = "1.2.392.200119.6.102"  # 健診機関番号 (10 digits)
REPORT_CATEGORY_OID = "1.2.392.200119.6.1001"  # 報告区分 (10 = 特定健診)
PROGRAM_OID = "1.2.392.200119.6.1002"  # 健診プログラム種別
ITEM_OID = "1.2.392.200119.6.1005"  # 特定健診項目コード (17 characters)
SECTION_OID = "1.2.392.200119.6.1010"  # セクションコード
GENDER_OID = "1.2.392.200119.6.1104"  # 1 male, 2 female
INTERPRETATION_OID = "2.16.840.1.113883.5.83"  # HL7 ObservationInterpretation


@dataclass(slots=True)
class CheckupItem:
    """One observation (検査・問診項目)."""

    code: str  # 17-character item code
    display: str = ""
    value_type: str = ""  # PQ, CD, CO, ST, IVL_PQ ("" when not done or no value)
    value: str = ""  # PQ number, CD/CO code, ST text
    unit: str = ""  # PQ unit
    value_system: str = ""  # CD/CO code system OID
    value_display: str = ""  # CD/CO display name
    comparator: str = ""  # "<" or ">" for a value beyond the measurable range
    interpretation: str = ""  # H, L, N, HH, LL, A
    range_low: str = ""
    range_high: str = ""
    range_unit: str = ""
    method: str = ""  # methodCode/@code
    method_system: str = ""
    not_done: bool = False  # negationInd="true": not performed
    null_flavor: str = ""  # value (or observation) nullFlavor: no value available
    group: str = ""  # code of the organizer (一連検査グループ) the item sits in
    xpath: str = field(default="", compare=False, repr=False)


@dataclass(slots=True)
class CheckupDocument:
    """One checkup result file."""

    checkup_date: date  # documentationOf/serviceEvent/effectiveTime
    facility_code: str  # author/assignedAuthor/representedOrganization/id
    birth_date: date
    sex: str  # 1 male, 2 female
    document_root: str = ""
    document_extension: str = ""
    report_category: str = "10"
    created: date | None = None  # ClinicalDocument/effectiveTime
    program: str = ""  # serviceEvent/code
    insurer: str = ""
    symbol: str = ""
    number: str = ""
    branch: str = ""
    kana_name: str = ""
    kanji_name: str = ""
    postal_code: str = ""
    address: str = ""
    facility_name: str = ""
    facility_phone: str = ""
    facility_address: str = ""
    section: str = "01010"
    items: list[CheckupItem] = field(default_factory=list)
