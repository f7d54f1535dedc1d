"""Typed records of the pharmacy (調剤) receipt file.

No public 調剤 receipt file could be used to confirm this layout, so it is provisional: the
columns below are those that two independent public readers of real 調剤 files agree on
(YK as the medical IR; RE: number, type, month, name, sex, birth date and the prescribing
facility in columns 11–13; SH: 剤形 in column 3; CZ: 処方月日, 調剤月日, 受付回数 and
調剤数量 in columns 3–6; IY: 負担区分, 医薬品コード, 使用量 in columns 2–4), followed by the
remaining RE items in the order the medical RE uses. Columns after the declared ones are kept
verbatim in ``extra``. docs/ingest/uke.md lists which positions are confirmed; correct them
here, in one place, once an official 調剤 sample is available.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from kizuna.ingest.uke.schema import Col, Kind, RecordBase

INT, DEC, DATE, MONTH = Kind.INT, Kind.DECIMAL, Kind.DATE, Kind.MONTH
CODE = Kind.CODE


@dataclass(slots=True)
class YKRecord(RecordBase):
    """薬局情報レコード: the file header of a pharmacy receipt file."""

    TYPE: ClassVar[str] = "YK"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("payer", "審査支払機関"),
        Col("prefecture", "都道府県"),
        Col("table", "点数表"),
        Col("facility_code7", "薬局コード"),
        Col("reserve", "予備"),
        Col("facility_name", "薬局名称"),
        Col("billing_month", "請求年月", MONTH),
        Col("volume", "マルチボリューム識別情報"),
        Col("phone", "電話番号"),
    )
    line: int
    payer: str | None
    prefecture: str | None
    table: str | None
    facility_code7: str | None
    reserve: str | None
    facility_name: str | None
    billing_month: dt.date | None
    volume: str | None
    phone: str | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class PharmacyRERecord(RecordBase):
    """レセプト共通レコード (調剤): patient, dispensing month and the prescribing facility."""

    TYPE: ClassVar[str] = "RE"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("receipt_number", "レセプト番号", INT),
        Col("receipt_type", "レセプト種別"),
        Col("service_month", "調剤年月", MONTH),
        Col("name", "氏名"),
        Col("sex", "男女区分"),
        Col("birth_date", "生年月日", DATE),
        Col("benefit_ratio", "給付割合"),
        Col("burden_class", "一部負担金区分"),
        Col("special_notes", "レセプト特記事項"),
        Col("prescriber_prefecture", "都道府県（処方医療機関）"),
        Col("prescriber_table", "点数表（処方医療機関）"),
        Col("prescriber_code7", "医療機関コード（処方医療機関）"),
        Col("doctor_name", "保険医氏名"),
        Col("chart_number", "カルテ番号等"),
        Col("search_number", "検索番号"),
        Col("spec_version", "記録条件仕様年月情報"),
        Col("claim_info", "請求情報"),
        Col("kana_name", "カタカナ（氏名）"),
        Col("patient_state", "患者の状態"),
    )
    line: int
    receipt_number: int | None
    receipt_type: str | None
    service_month: dt.date | None
    name: str | None
    sex: str | None
    birth_date: dt.date | None
    benefit_ratio: str | None
    burden_class: str | None
    special_notes: str | None
    prescriber_prefecture: str | None
    prescriber_table: str | None
    prescriber_code7: str | None
    doctor_name: str | None
    chart_number: str | None
    search_number: str | None
    spec_version: str | None
    claim_info: str | None
    kana_name: str | None
    patient_state: str | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class SHRecord(RecordBase):
    """処方基本レコード: one prescription group (剤): dosage form, usage and instructions."""

    TYPE: ClassVar[str] = "SH"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("prescription_number", "処方番号"),
        Col("dosage_form", "剤形コード"),
        Col("usage_code", "用法コード"),
        Col("instruction", "特別指示"),
    )
    line: int
    prescription_number: str | None
    dosage_form: str | None
    usage_code: str | None
    instruction: str | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class CZRecord(RecordBase):
    """調剤情報レコード: one dispensing of the group (dates, reception count, quantity)."""

    TYPE: ClassVar[str] = "CZ"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("doctor_number", "医師番号"),
        Col("prescribed_date", "処方月日", DATE),
        Col("dispensed_date", "調剤月日", DATE),
        Col("reception_count", "受付回数", INT),
        Col("quantity", "調剤数量", INT),
    )
    line: int
    doctor_number: str | None
    prescribed_date: dt.date | None
    dispensed_date: dt.date | None
    reception_count: int | None
    quantity: int | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class PharmacyIYRecord(RecordBase):
    """医薬品レコード (調剤): one drug of the group and its amount per day (or per use)."""

    TYPE: ClassVar[str] = "IY"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("burden", "負担区分", CODE),
        Col("code", "医薬品コード", CODE),
        Col("amount", "使用量", DEC),
    )
    line: int
    burden: str | None
    code: str | None
    amount: Decimal | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class PharmacyTORecord(RecordBase):
    """特定器材レコード (調剤): one material dispensed with the group."""

    TYPE: ClassVar[str] = "TO"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("burden", "負担区分", CODE),
        Col("code", "特定器材コード", CODE),
        Col("amount", "使用量", DEC),
    )
    line: int
    burden: str | None
    code: str | None
    amount: Decimal | None
    extra: tuple[str, ...] = ()


#: Record types the pharmacy specification defines without a column-by-column model here.
PHARMACY_OPAQUE_TYPES = frozenset({"KI", "TK", "ST", "CO", "GR"})
