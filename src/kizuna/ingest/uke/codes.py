"""Code tables (別表) of the 記録条件仕様 that the mapping needs."""

from __future__ import annotations

#: 診療識別コード (medical): the section of the 点数表 an act, drug or material belongs to.
ACT_CATEGORIES = {
    "01": "全体に係る識別コード",
    "11": "初診",
    "12": "再診",
    "13": "医学管理",
    "14": "在宅",
    "21": "投薬（内服）",
    "22": "投薬（屯服）",
    "23": "投薬（外用）",
    "24": "投薬（調剤）",
    "25": "投薬（処方）",
    "26": "投薬（麻毒）",
    "27": "投薬（調基）",
    "28": "投薬（その他）",
    "31": "注射（皮下筋肉内）",
    "32": "注射（静脈内）",
    "33": "注射（その他）",
    "39": "薬剤料減点",
    "40": "処置",
    "50": "手術",
    "54": "麻酔",
    "60": "検査・病理",
    "70": "画像診断",
    "80": "その他",
    "90": "入院（入院基本料）",
    "92": "入院（特定入院料・その他）",
    "97": "食事療養・生活療養・標準負担額",
    "99": "全体に係る識別コード",
}
#: 診療識別 of in-house prescriptions whose 回数 counts days (内服) or doses (屯服, 外用).
ORAL_CATEGORY = "21"

#: 転帰区分コード -> (FHIR clinicalStatus, name)
OUTCOMES = {
    "1": ("active", "治ゆ、死亡、中止以外"),
    "2": ("resolved", "治ゆ"),
    "3": ("inactive", "死亡"),
    "4": ("inactive", "中止（転医）"),
}

#: 剤形コード (調剤)
DOSAGE_FORMS = {
    "1": "内服",
    "2": "内滴",
    "3": "屯服",
    "4": "注射",
    "5": "外用",
    "6": "浸煎",
    "7": "湯",
    "9": "材料",
}
#: 剤形 whose 調剤数量 is a number of days (内服, 内滴, 浸煎, 湯)
DAY_FORMS = frozenset({"1", "2", "6", "7"})

#: The 主傷病 value that marks the main diagnosis.
MAIN_DIAGNOSIS = "01"
UNCODED_DISEASE = "0000999"
FREE_TEXT_COMMENT = "810000001"


def is_inpatient(receipt_type: str | None) -> bool:
    """Inpatient receipts (入院) have an odd last digit of the レセプト種別 (1, 3, 5, 7, 9)."""
    last = (receipt_type or "")[-1:]
    return last in ("1", "3", "5", "7", "9")
