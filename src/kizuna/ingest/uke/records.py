"""Typed records of the medical (医科) receipt file and the records both kinds share.

Column order follows the 記録条件仕様（医科用） of the 令和 years and was checked against
``samples/uke/RECEIPTC_GAIRAI_SAMPLE.UKE`` (every IR, RE, HO, KO, SN, SY, SI, IY, CO and GO
line of the sample has exactly the declared number of columns). Records whose layout is not
modelled column by column (GR, TI, TR, TS and the older KH, NI) are kept as
:class:`OtherRecord` with their columns verbatim.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from kizuna.ingest.uke.schema import Col, Days, Kind, RecordBase

INT, DEC, DATE, MONTH, DAYS = Kind.INT, Kind.DECIMAL, Kind.DATE, Kind.MONTH, Kind.DAYS
CODE = Kind.CODE


@dataclass(slots=True)
class IRRecord(RecordBase):
    """医療機関情報レコード: the file header of a medical receipt file."""

    TYPE: ClassVar[str] = "IR"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("payer", "審査支払機関"),
        Col("prefecture", "都道府県"),
        Col("table", "点数表"),
        Col("facility_code7", "医療機関コード"),
        Col("reserve", "予備"),
        Col("facility_name", "医療機関名称"),
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
class MedicalRERecord(RecordBase):
    """レセプト共通レコード (医科): one receipt's patient and receipt attributes."""

    TYPE: ClassVar[str] = "RE"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("receipt_number", "レセプト番号", INT),
        Col("receipt_type", "レセプト種別"),
        Col("service_month", "診療年月", MONTH),
        Col("name", "氏名"),
        Col("sex", "男女区分"),
        Col("birth_date", "生年月日", DATE),
        Col("benefit_ratio", "給付割合"),
        Col("admission_date", "入院年月日", DATE),
        Col("ward_type", "病棟区分"),
        Col("burden_class", "一部負担金・食事療養費・生活療養費標準負担額区分"),
        Col("special_notes", "レセプト特記事項"),
        Col("beds", "病床数"),
        Col("chart_number", "カルテ番号等"),
        Col("discount_unit_price", "割引点数単価"),
        Col("reserve1", "予備"),
        Col("reserve2", "予備"),
        Col("reserve3", "予備"),
        Col("search_number", "検索番号"),
        Col("spec_version", "記録条件仕様年月情報"),
        Col("claim_info", "請求情報"),
        Col("dept1_name", "診療科1 診療科名"),
        Col("dept1_body_part", "診療科1 人体の部位等"),
        Col("dept1_sex", "診療科1 性別等"),
        Col("dept1_treatment", "診療科1 医学的処置"),
        Col("dept1_disease", "診療科1 特定疾病"),
        Col("dept2_name", "診療科2 診療科名"),
        Col("dept2_body_part", "診療科2 人体の部位等"),
        Col("dept2_sex", "診療科2 性別等"),
        Col("dept2_treatment", "診療科2 医学的処置"),
        Col("dept2_disease", "診療科2 特定疾病"),
        Col("dept3_name", "診療科3 診療科名"),
        Col("dept3_body_part", "診療科3 人体の部位等"),
        Col("dept3_sex", "診療科3 性別等"),
        Col("dept3_treatment", "診療科3 医学的処置"),
        Col("dept3_disease", "診療科3 特定疾病"),
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
    admission_date: dt.date | None
    ward_type: str | None
    burden_class: str | None
    special_notes: str | None
    beds: str | None
    chart_number: str | None
    discount_unit_price: str | None
    reserve1: str | None
    reserve2: str | None
    reserve3: str | None
    search_number: str | None
    spec_version: str | None
    claim_info: str | None
    dept1_name: str | None
    dept1_body_part: str | None
    dept1_sex: str | None
    dept1_treatment: str | None
    dept1_disease: str | None
    dept2_name: str | None
    dept2_body_part: str | None
    dept2_sex: str | None
    dept2_treatment: str | None
    dept2_disease: str | None
    dept3_name: str | None
    dept3_body_part: str | None
    dept3_sex: str | None
    dept3_treatment: str | None
    dept3_disease: str | None
    kana_name: str | None
    patient_state: str | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class HORecord(RecordBase):
    """保険者レコード: the health insurance of the receipt."""

    TYPE: ClassVar[str] = "HO"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("insurer_number", "保険者番号"),
        Col("symbol", "被保険者証（手帳）等の記号"),
        Col("number", "被保険者証（手帳）等の番号"),
        Col("actual_days", "診療実日数", INT),
        Col("total_points", "合計点数", INT),
        Col("reserve", "予備"),
        Col("meal_count", "食事療養・生活療養 回数", INT),
        Col("meal_amount", "食事療養・生活療養 合計金額", INT),
        Col("occupational", "職務上の事由"),
        Col("certificate_number", "証明書番号"),
        Col("burden_amount", "負担金額 医療保険", INT),
        Col("reduction_class", "負担金額 減免区分"),
        Col("reduction_rate", "負担金額 減額割合"),
        Col("reduction_amount", "負担金額 減額金額", INT),
    )
    line: int
    insurer_number: str | None
    symbol: str | None
    number: str | None
    actual_days: int | None
    total_points: int | None
    reserve: str | None
    meal_count: int | None
    meal_amount: int | None
    occupational: str | None
    certificate_number: str | None
    burden_amount: int | None
    reduction_class: str | None
    reduction_rate: str | None
    reduction_amount: int | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class KORecord(RecordBase):
    """公費レコード: one public-expense programme (公費負担医療) of the receipt."""

    TYPE: ClassVar[str] = "KO"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("payer_number", "公費負担者番号"),
        Col("recipient_number", "公費受給者番号"),
        Col("optional_benefit", "任意給付区分"),
        Col("actual_days", "診療実日数", INT),
        Col("total_points", "合計点数", INT),
        Col("burden_amount", "負担金額 公費", INT),
        Col("outpatient_copay", "公費給付対象外来一部負担金", INT),
        Col("inpatient_copay", "公費給付対象入院一部負担金", INT),
        Col("reserve", "予備"),
        Col("meal_count", "食事療養・生活療養 回数", INT),
        Col("meal_amount", "食事療養・生活療養 合計金額", INT),
    )
    line: int
    payer_number: str | None
    recipient_number: str | None
    optional_benefit: str | None
    actual_days: int | None
    total_points: int | None
    burden_amount: int | None
    outpatient_copay: int | None
    inpatient_copay: int | None
    reserve: str | None
    meal_count: int | None
    meal_amount: int | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class SNRecord(RecordBase):
    """資格確認レコード: eligibility as confirmed (オンライン資格確認), incl. the 枝番."""

    TYPE: ClassVar[str] = "SN"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("payer_kind", "負担者種別"),
        Col("confirmation", "確認区分"),
        Col("insurer_number", "保険者番号等（資格確認）"),
        Col("symbol", "被保険者証等の記号（資格確認）"),
        Col("number", "被保険者証等の番号（資格確認）"),
        Col("branch", "枝番"),
        Col("recipient_number", "受給者番号"),
        Col("reserve", "予備"),
    )
    line: int
    payer_kind: str | None
    confirmation: str | None
    insurer_number: str | None
    symbol: str | None
    number: str | None
    branch: str | None
    recipient_number: str | None
    reserve: str | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class JDRecord(RecordBase):
    """受診日等レコード: for one payer, which days of the month the patient was seen."""

    TYPE: ClassVar[str] = "JD"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("payer_kind", "負担者種別"),
        Col("days", "1日の情報～31日の情報", DAYS),
    )
    line: int
    payer_kind: str | None
    days: Days
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class MFRecord(RecordBase):
    """窓口負担額レコード: the counter co-payment class (the day columns stay in ``extra``)."""

    TYPE: ClassVar[str] = "MF"
    COLUMNS: ClassVar[tuple[Col, ...]] = (Col("copay_class", "窓口負担額区分"),)
    line: int
    copay_class: str | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class SYRecord(RecordBase):
    """傷病名レコード: one diagnosis."""

    TYPE: ClassVar[str] = "SY"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("disease_code", "傷病名コード", CODE),
        Col("start_date", "診療開始日", DATE),
        Col("outcome", "転帰区分"),
        Col("modifier_codes", "修飾語コード", CODE),
        Col("disease_name", "傷病名称"),
        Col("main", "主傷病"),
        Col("supplement", "補足コメント"),
    )
    line: int
    disease_code: str | None
    start_date: dt.date | None
    outcome: str | None
    modifier_codes: str | None
    disease_name: str | None
    main: str | None
    supplement: str | None
    extra: tuple[str, ...] = ()


_COMMENT_COLUMNS = (
    Col("comment1_code", "コメントコード1", CODE),
    Col("comment1_text", "文字データ1"),
    Col("comment2_code", "コメントコード2", CODE),
    Col("comment2_text", "文字データ2"),
    Col("comment3_code", "コメントコード3", CODE),
    Col("comment3_text", "文字データ3"),
)


@dataclass(slots=True)
class SIRecord(RecordBase):
    """診療行為レコード: one medical act with its count per day of the month (算定日情報)."""

    TYPE: ClassVar[str] = "SI"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("category", "診療識別", CODE),
        Col("burden", "負担区分", CODE),
        Col("code", "診療行為コード", CODE),
        Col("quantity", "数量データ", DEC),
        Col("points", "点数", INT),
        Col("count", "回数", INT),
        *_COMMENT_COLUMNS,
        Col("days", "算定日情報", DAYS),
    )
    line: int
    category: str | None
    burden: str | None
    code: str | None
    quantity: Decimal | None
    points: int | None
    count: int | None
    comment1_code: str | None
    comment1_text: str | None
    comment2_code: str | None
    comment2_text: str | None
    comment3_code: str | None
    comment3_text: str | None
    days: Days
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class MedicalIYRecord(RecordBase):
    """医薬品レコード (医科): one drug, its amount per use and its count per day."""

    TYPE: ClassVar[str] = "IY"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("category", "診療識別", CODE),
        Col("burden", "負担区分", CODE),
        Col("code", "医薬品コード", CODE),
        Col("amount", "使用量", DEC),
        Col("points", "点数", INT),
        Col("count", "回数", INT),
        *_COMMENT_COLUMNS,
        Col("days", "算定日情報", DAYS),
    )
    line: int
    category: str | None
    burden: str | None
    code: str | None
    amount: Decimal | None
    points: int | None
    count: int | None
    comment1_code: str | None
    comment1_text: str | None
    comment2_code: str | None
    comment2_text: str | None
    comment3_code: str | None
    comment3_text: str | None
    days: Days
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class MedicalTORecord(RecordBase):
    """特定器材レコード (医科): one special material (特定保険医療材料)."""

    TYPE: ClassVar[str] = "TO"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("category", "診療識別", CODE),
        Col("burden", "負担区分", CODE),
        Col("code", "特定器材コード", CODE),
        Col("amount", "使用量", DEC),
        Col("points", "点数", INT),
        Col("count", "回数", INT),
        Col("unit_code", "単位コード", CODE),
        Col("unit_price", "単価", DEC),
        Col("reserve", "予備"),
        Col("product_name", "商品名及び規格又はサイズ"),
        *_COMMENT_COLUMNS,
        Col("days", "算定日情報", DAYS),
    )
    line: int
    category: str | None
    burden: str | None
    code: str | None
    amount: Decimal | None
    points: int | None
    count: int | None
    unit_code: str | None
    unit_price: Decimal | None
    reserve: str | None
    product_name: str | None
    comment1_code: str | None
    comment1_text: str | None
    comment2_code: str | None
    comment2_text: str | None
    comment3_code: str | None
    comment3_text: str | None
    days: Days
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class CORecord(RecordBase):
    """コメントレコード: a coded or free-text comment on the acts around it."""

    TYPE: ClassVar[str] = "CO"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("category", "診療識別", CODE),
        Col("burden", "負担区分", CODE),
        Col("code", "コメントコード", CODE),
        Col("text", "文字データ"),
    )
    line: int
    category: str | None
    burden: str | None
    code: str | None
    text: str | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class SJRecord(RecordBase):
    """症状詳記レコード: the doctor's free-text account of the symptoms."""

    TYPE: ClassVar[str] = "SJ"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("kind", "症状詳記区分"),
        Col("text", "症状詳記データ"),
    )
    line: int
    kind: str | None
    text: str | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class GORecord(RecordBase):
    """診療報酬請求書レコード: the file trailer with the totals."""

    TYPE: ClassVar[str] = "GO"
    COLUMNS: ClassVar[tuple[Col, ...]] = (
        Col("total_receipts", "総件数", INT),
        Col("total_points", "総合計点数", INT),
        Col("volume", "マルチボリューム識別情報"),
    )
    line: int
    total_receipts: int | None
    total_points: int | None
    volume: str | None
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class OtherRecord:
    """A record whose columns are not modelled one by one; kept verbatim for the round trip."""

    type: str
    line: int
    columns: tuple[str, ...]


#: Record types the medical specification defines without a column-by-column model here.
MEDICAL_OPAQUE_TYPES = frozenset({"GR", "TI", "TR", "TS", "KH", "NI"})
