"""Canonical URIs of JP Core / JP-CLINS identifier and code systems, shared by all formats.

Values follow JP Core 1.x and JP-CLINS (電子カルテ情報共有サービス) as used in their published
examples. Format-specific systems live beside their mappers; systems that two or more
formats use belong here.
"""

from __future__ import annotations

# Identifier systems
INSURANCE_MEMBER_ID = "http://jpfhir.jp/fhir/clins/Idsystem/JP_Insurance_memberID"
FACILITY_CODE = "http://jpfhir.jp/fhir/core/IdSystem/insurance-medical-institution-no"
INSURER_NUMBER = "http://jpfhir.jp/fhir/core/mhlw/IdSystem/InsurerNumber"
RESOURCE_INSTANCE_ID = "http://jpfhir.jp/fhir/core/IdSystem/resourceInstance-identifier"
LOCAL_PATIENT_ID_ROOT = "urn:oid:1.2.392.100495.20.3.51.1"  # + 10-digit facility code
PREFECTURE_ROOT = "urn:oid:1.2.392.100495.20.3.32.1"  # + 2-digit prefecture number

# Code systems
JLAC10 = "urn:oid:1.2.392.200119.4.504"
CHECKUP_ITEM = "urn:oid:1.2.392.200119.6.1005"  # 特定健診 17-character item codes
HOT9 = "urn:oid:1.2.392.200119.4.403.1"
HOT13 = "urn:oid:1.2.392.200119.4.402.1"
YJ_CODE = "urn:oid:1.2.392.100495.20.1.73"
RECEIPT_DRUG_CODE = "urn:oid:1.2.392.100495.20.2.71"  # レセ電 医薬品コード (9 digits)
GENERAL_ORDER_CODE = "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationGeneralOrderCode"
MEDIS_DISEASE = "http://medis.or.jp/CodeSystem/master-disease-keyNumber"  # 病名管理番号
MEDIS_DISEASE_EXCHANGE = "urn:oid:1.2.392.200119.4.101.6"  # 病名交換用コード (MDCDX2)
RECEIPT_DISEASE_CODE = "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/masterB-disease"  # 傷病名コード
DISEASE_MODIFIER = "urn:oid:1.2.392.200119.4.201.5"  # 修飾語交換用コード
ICD10 = "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/ICD10-2013-full"
# 診療行為コード (9 digits), JP Core JP_ProcedureCodesMedical_CS
RECEIPT_PROCEDURE_CODE = "http://jpfhir.jp/fhir/core/CodeSystem/JP_ProcedureCodesMedical_CS"
RECEIPT_MATERIAL_CODE = "urn:oid:1.2.392.100495.20.2.82"  # 特定器材コード (9 digits)
JAMI_USAGE = "urn:oid:1.2.392.200250.2.2.20.20"  # JAMI 16-digit usage (用法) code
MERIT9_UNIT = "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/MedicationUnitMERIT9Code"
UCUM = "http://unitsofmeasure.org"


def local_patient_system(facility_code: str) -> str:
    """The identifier system of a facility's own patient ids (診察券番号, 患者ID)."""
    return LOCAL_PATIENT_ID_ROOT + facility_code


def insurance_member_value(insurer: str, symbol: str, number: str, branch: str) -> str:
    """``保険者番号:記号:番号:枝番``, the national deterministic link key."""
    return f"{insurer}:{symbol}:{number}:{branch}"


# Drug code systems used by the pharmacy formats (JAHIS お薬手帳 / 処方箋 QR)
HOT7 = "urn:oid:1.2.392.200119.4.403.2"  # HOT7 (JP-CLINS)
DRUG_PRICE_LIST_CODE = "urn:oid:1.2.392.100495.20.2.72"  # 薬価基準収載医薬品コード (厚労省コード)
JAMI_USAGE_SUPPLEMENT = "urn:oid:1.2.392.200250.2.2.20.22"  # JAMI 補足用法コード (8 chars)
JAMI_BODY_SITE = "urn:oid:1.2.392.200250.2.2.20.32"  # JAMI 部位コード
GTIN = "https://www.gs1.org/gtin"  # JAN / GTIN-13 of OTC products


# Receipt (レセプト) and coverage systems (JP Core aliases-jpcore.fsh, JP-CLINS code table)
RECEIPT_MODIFIER_CODE = "http://jpfhir.jp/fhir/core/mhlw/CodeSystem/masterZ-disease-modifier"
MEDIS_MODIFIER = "http://medis.or.jp/CodeSystem/master-disease-modKeyNumber"  # 修飾語管理番号
YJ_CODE_URI = "http://capstandard.jp/iyaku.info/CodeSystem/YJ-code"  # YJ, JP Core URI form
HOT9_URI = "http://medis.or.jp/CodeSystem/master-HOT9"  # HOT9, JP Core URI form
CONDITION_PREFIX_MODIFIER = (
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Condition_DiseasePrefixModifier"
)
CONDITION_POSTFIX_MODIFIER = (
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Condition_DiseasePostfixModifier"
)
INSURANCE_TYPE = "urn:oid:1.2.392.100495.20.2.61"  # 保険種別 (1 医保 ... 8 公費)
INSURED_PERSON_CATEGORY = "urn:oid:1.2.392.100495.20.2.62"  # 被保険者区分 (1 被保険者, 2 被扶養者)
PUBLIC_PAYER_NUMBER = "http://jpfhir.jp/fhir/core/mhlw/IdSystem/PublicPayerNumber"  # 公費負担者番号
PUBLIC_RECIPIENT_NUMBER = "http://jpfhir.jp/fhir/core/mhlw/IdSystem/PublicInsuredPersonNumber"
COVERAGE_SYMBOL_EXT = (
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSymbol"
)
COVERAGE_NUMBER_EXT = (
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonNumber"
)
COVERAGE_BRANCH_EXT = (
    "http://jpfhir.jp/fhir/core/Extension/StructureDefinition/JP_Coverage_InsuredPersonSubNumber"
)
