"""Typed records of the JAHIS e-medication notebook (電子版お薬手帳, JAHISTC07/08).

One :class:`TcDocument` is one notebook export: a patient, patient-level notes and OTC
drugs, and one :class:`Dispensing` per dispensing date record (5). Inside a dispensing,
each prescribing facility (51) or doctor (55) opens a :class:`Prescription` whose RPs
hold the drugs (201) and the usage (301).

Field names follow the record layouts of JAHIS 電子版お薬手帳データフォーマット仕様書
Ver.2.x; "creator" is the record creator code (1 医療関係者, 2 患者等, 8 その他, 9 不明).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


@dataclass(slots=True)
class PatientInfo:
    """Record 1 (患者情報)."""

    name: str
    sex: str  # 1 male, 2 female
    birth_date: date
    postal_code: str = ""
    address: str = ""
    phone: str = ""
    emergency_contact: str = ""
    blood_type: str = ""
    weight: Decimal | None = None
    kana: str = ""


@dataclass(slots=True)
class PatientNote:
    """Record 2 (患者特記): kind 1 アレルギー歴, 2 副作用歴, 3 既往歴, 9 その他."""

    kind: str
    text: str
    creator: str = ""


@dataclass(slots=True)
class OtcIngredient:
    """Record 31 (要指導医薬品・一般用医薬品 成分), linked to record 3 by ``otc_seq``."""

    otc_seq: str
    name: str
    code_type: str = ""
    code: str = ""
    creator: str = ""
    line: int = field(default=0, compare=False, repr=False)  # source line (not written)


@dataclass(slots=True)
class OtcDrug:
    """Record 3 (要指導医薬品・一般用医薬品服用) with its ingredients (31)."""

    name: str
    start: date | None = None
    end: date | None = None
    creator: str = ""
    seq: str = ""
    jan: str = ""
    ingredients: list[OtcIngredient] = field(default_factory=list)


@dataclass(slots=True)
class Memo:
    """Record 4 (手帳メモ)."""

    text: str
    entered: date | None = None
    creator: str = ""


@dataclass(slots=True)
class Pharmacy:
    """Record 11 (調剤－医療機関等): the dispensing pharmacy (or hospital)."""

    name: str
    prefecture: str = ""
    table: str = ""  # 点数表: 1 医科, 3 歯科, 4 調剤
    code: str = ""  # 7-digit code
    postal_code: str = ""
    address: str = ""
    phone: str = ""
    creator: str = ""
    line: int = field(default=0, compare=False, repr=False)  # source line (not written)


@dataclass(slots=True)
class Pharmacist:
    """Record 15 (調剤－医師・薬剤師)."""

    name: str
    contact: str = ""
    creator: str = ""


@dataclass(slots=True)
class PrescribingFacility:
    """Record 51 (処方－医療機関)."""

    name: str
    prefecture: str = ""
    table: str = ""
    code: str = ""
    creator: str = ""
    line: int = field(default=0, compare=False, repr=False)  # source line (not written)


@dataclass(slots=True)
class Doctor:
    """Record 55 (処方－医師)."""

    name: str
    department: str = ""
    creator: str = ""


@dataclass(slots=True)
class Note:
    """A free-text record with its creator (281, 291, 311, 391, 401, 421, 501)."""

    text: str
    creator: str = ""


@dataclass(slots=True)
class Drug:
    """Record 201 (薬品) with its additions 281 (薬品補足) and 291 (薬品服用注意)."""

    rp: int
    name: str
    dose: Decimal | None = None
    unit: str = ""
    code_type: str = ""  # 1 none, 2 レセ電, 3 厚労省, 4 YJ, 6 HOT
    code: str = ""
    creator: str = ""
    generic_name: str = ""
    generic_code_type: str = ""  # 1 none, 2 一般名コード
    generic_code: str = ""
    supplements: list[Note] = field(default_factory=list)
    cautions: list[Note] = field(default_factory=list)
    line: int = field(default=0, compare=False, repr=False)  # source line (not written)


@dataclass(slots=True)
class Usage:
    """Record 301 (用法)."""

    rp: int
    name: str = ""
    quantity: Decimal | None = None  # 調剤数量 (days, times or 1)
    unit: str = ""  # 調剤単位: 日分, 回分, 調剤 ...
    form_code: str = ""  # 剤形コード: 1 内服 ... 10 その他
    code_type: str = ""  # 1 none, 2 JAMI 用法コード
    code: str = ""
    creator: str = ""
    line: int = field(default=0, compare=False, repr=False)  # source line (not written)


@dataclass(slots=True)
class Rp:
    """One RP (剤): drugs taken the same way, with usage 301 and additions 311/391."""

    number: int
    drugs: list[Drug] = field(default_factory=list)
    usage: Usage | None = None
    usage_supplements: list[Note] = field(default_factory=list)
    cautions: list[Note] = field(default_factory=list)


@dataclass(slots=True)
class Prescription:
    """The RPs written by one prescribing facility (51) and doctor (55)."""

    facility: PrescribingFacility | None = None
    doctor: Doctor | None = None
    rps: list[Rp] = field(default_factory=list)


@dataclass(slots=True)
class ProvidedInfo:
    """Record 411 (医療機関等提供情報): kind 30, 31 or 99."""

    text: str
    kind: str = ""
    creator: str = ""


@dataclass(slots=True)
class PatientEntry:
    """Record 601 (患者等記入)."""

    text: str
    entered: date | None = None


@dataclass(slots=True)
class Dispensing:
    """One dispensing date block (5) and everything under it."""

    date: date
    creator: str = ""
    pharmacy: Pharmacy | None = None
    pharmacist: Pharmacist | None = None
    prescriptions: list[Prescription] = field(default_factory=list)
    cautions: list[Note] = field(default_factory=list)  # 401
    provided_info: list[ProvidedInfo] = field(default_factory=list)  # 411
    remaining: list[Note] = field(default_factory=list)  # 421 残薬確認
    remarks: list[Note] = field(default_factory=list)  # 501
    patient_entries: list[PatientEntry] = field(default_factory=list)  # 601
    line: int = field(default=0, compare=False, repr=False)  # source line of record 5


@dataclass(slots=True)
class RegularPharmacist:
    """Record 701 (かかりつけ薬剤師)."""

    name: str
    pharmacy_name: str = ""
    contact: str = ""
    start: date | None = None
    end: date | None = None
    creator: str = ""


@dataclass(slots=True)
class SplitInfo:
    """Record 911 (分割制御): part ``part`` of ``total`` of the data ``data_id``."""

    data_id: str
    total: int
    part: int


@dataclass(slots=True)
class TcDocument:
    """One e-medication notebook export."""

    version: str  # "JAHISTC08"
    output_category: str  # 1 facility -> patient, 2 patient -> facility
    patient: PatientInfo
    notes: list[PatientNote] = field(default_factory=list)
    otc_drugs: list[OtcDrug] = field(default_factory=list)
    memos: list[Memo] = field(default_factory=list)
    dispensings: list[Dispensing] = field(default_factory=list)
    regular_pharmacists: list[RegularPharmacist] = field(default_factory=list)
    split: SplitInfo | None = None
