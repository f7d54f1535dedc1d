"""Typed records of the JAHIS prescription 2D symbol (院外処方箋 2次元シンボル, JAHIS10).

Field names follow JAHIS 院外処方箋2次元シンボル記録条件規約 Ver.1.10 (tables 3-7 to 3-44).
One :class:`RxPrescription` is one symbol: facility and doctor (1-5), patient (11-14),
insurance (21-25), public expense (27-30), dates and flags (51-82), then RPs (101-181),
each with its drugs (201-281).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class Facility:
    """Records 1-4: the prescribing facility."""

    code: str  # 7 digits (レセプト提出用コード)
    prefecture: str  # 2 digits
    code_kind: str = ""  # 1 医科, 3 歯科, 6 訪問; empty = 医科
    name: str = ""
    postal_code: str = ""  # record 2
    address: str = ""
    phone: str = ""  # record 3
    fax: str = ""
    other_contact: str = ""
    department_code_type: str = ""  # record 4
    department_code: str = ""
    department: str = ""
    has_address: bool = False  # record 2 present
    has_phone: bool = False  # record 3 present
    has_department: bool = False  # record 4 present


@dataclass(slots=True)
class Doctor:
    """Record 5."""

    name: str
    code: str = ""
    kana: str = ""


@dataclass(slots=True)
class Patient:
    """Records 11-14."""

    code: str = ""
    name: str = ""
    kana: str = ""
    sex: str = ""  # 1 male, 2 female
    birth_date: str = ""  # FHIR date: YYYY, YYYY-MM or YYYY-MM-DD
    burden_class: str = ""  # record 14 一部負担金区分


@dataclass(slots=True)
class Insurance:
    """Records 21-25."""

    insurer: str = ""  # 22 保険者番号
    symbol: str = ""  # 23 記号
    number: str = ""  # 23 番号
    relation: str = ""  # 23 1 被保険者, 2 被扶養者
    branch: str = ""  # 23 枝番 (2 chars)
    kind: str = ""  # 21 保険種別
    patient_rate: int | None = None  # 24 患者負担率 %
    benefit_rate: int | None = None  # 24 保険給付率 %
    occupational: str = ""  # 25 職務上の事由
    has_kind: bool = False
    has_rates: bool = False


@dataclass(slots=True)
class PublicExpense:
    """Records 27-30: order 1, 2, 3 (第一-第三公費) or 4 (特殊公費, record 30)."""

    order: int
    payer: str
    recipient: str = ""


@dataclass(slots=True)
class Remark:
    """Record 81 (備考)."""

    seq: int
    kind: str
    text: str


@dataclass(slots=True)
class DrugSupplement:
    """Record 281 (薬品補足)."""

    seq: int
    kind: str
    text: str
    code: str = ""


@dataclass(slots=True)
class UsageSupplement:
    """Record 181 (用法補足)."""

    seq: int
    kind: str
    text: str
    code: str = ""
    site_code: str = ""


@dataclass(slots=True)
class Drug:
    """Record 201 (薬品) and its per-drug records 211, 221, 231, 241, 281."""

    rp: int
    seq: int
    code_type: str  # 1 none, 2 レセ電, 3 厚労省, 4 YJ, 6 HOT, 7 一般名
    dose: Decimal  # daily dose for 内服, total for others
    potency: str  # 1 薬価単位, 2 力価単位
    unit: str
    info_kind: str = ""  # 1 医薬品, 2 医療材料, 3 非保険薬
    code: str = ""
    name: str = ""
    unit_factor: Decimal | None = None  # 211
    uneven_doses: list[str] = field(default_factory=list)  # 221 1st..5th dose
    uneven_codes: list[str] = field(default_factory=list)  # 221 supplement usage codes
    burden: list[str] | None = None  # 231 第一/第二/第三/特殊公費 負担区分
    once_dose: str = ""  # 241
    times_per_day: int | None = None  # 241
    supplements: list[DrugSupplement] = field(default_factory=list)  # 281
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class Rp:
    """Records 101-181 and the drugs of one RP."""

    number: int
    form: str  # 1 内服, 2 頓服, 3 外用, 4 内服滴剤, 5 注射, 6 医療材料, 9 不明
    quantity: int  # days (内服) or times (頓服) or 1
    form_name: str = ""
    split_quantity: int | None = None  # 102 per split
    split_total: int | None = None  # 102 total
    usage_code_type: str = ""  # 111: 1 none, 2 JAMI
    usage_code: str = ""
    usage: str = ""
    times_per_day: int | None = None
    supplements: list[UsageSupplement] = field(default_factory=list)  # 181
    drugs: list[Drug] = field(default_factory=list)
    has_usage: bool = False
    line: int = field(default=0, compare=False, repr=False)


@dataclass(slots=True)
class RxPrescription:
    """One prescription symbol."""

    version: str  # "JAHIS10"
    facility: Facility
    doctor: Doctor
    patient: Patient
    issue_date: date
    insurance: Insurance | None = None
    public_expenses: list[PublicExpense] = field(default_factory=list)
    receipt_kind: str = ""  # 31
    expiry_date: date | None = None  # 52
    narcotic_license: str = ""  # 61
    narcotic_address: str = ""
    narcotic_phone: str = ""
    has_narcotic: bool = False
    remaining_flag: str = ""  # 62
    split_total: int | None = None  # 63
    split_number: int | None = None
    refill_count: int | None = None  # 64
    remarks: list[Remark] = field(default_factory=list)  # 81
    number_kind: str = ""  # 82
    number: str = ""
    rps: list[Rp] = field(default_factory=list)
