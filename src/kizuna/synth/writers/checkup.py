"""Specific health checkup results (特定健診, CDA R2 XML):
``checkup/<facility code>/<year>/<insurer>_<checkup id>.xml``, one per person and year."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from kizuna.ingest.checkup import records as ck
from kizuna.ingest.checkup.writer import write
from kizuna.synth import labs
from kizuna.synth.clinical import Checkup
from kizuna.synth.writers.subject import Subject

FORMAT = "checkup"
YES_NO = "1.2.392.200119.6.2003"  # 1 はい, 2 いいえ
SMOKING = "1.2.392.200119.6.24060"  # 1 はい, 3 いいえ
URINE = "1.2.392.200119.6.2102"  # 1 －, 2 ±, 3 ＋...
METABOLIC = "1.2.392.200119.6.1008"  # 1 基準該当, 2 予備群該当, 3 非該当

# test key -> (item code, name) for the laboratory items
_LAB_ITEMS = {
    "tg": ("3F015000002327101", "空腹時中性脂肪(トリグリセリド)"),
    "hdl": ("3F070000002327101", "HDLコレステロール"),
    "ldl": ("3F077000002327101", "LDLコレステロール"),
    "ast": ("3B035000002327201", "AST(GOT)"),
    "alt": ("3B045000002327201", "ALT(GPT)"),
    "ggt": ("3B090000002327101", "γ-GT(γ-GTP)"),
    "glucose": ("3D010000001926101", "空腹時血糖"),
    "hba1c": ("3D046000001906202", "HbA1c(NGSP値)"),
    "creatinine": ("3C015000002327101", "血清クレアチニン"),
    "egfr": ("8A065000002391901", "eGFR"),
    "hb": ("2A030000001930101", "血色素量(ヘモグロビン値)"),
}


def _pq(
    code: str, name: str, value: str, unit: str, low: str = "", high: str = "", flag: str = ""
) -> ck.CheckupItem:
    return ck.CheckupItem(
        code,
        name,
        "PQ",
        value,
        unit,
        interpretation=flag,
        range_low=low,
        range_high=high,
        range_unit=unit if (low or high) else "",
    )


def _answer(code: str, name: str, yes: bool) -> ck.CheckupItem:
    return ck.CheckupItem(
        code,
        name,
        "CO",
        "1" if yes else "2",
        value_system=YES_NO,
        value_display="はい" if yes else "いいえ",
    )


def items(check: Checkup, sex: str) -> list[ck.CheckupItem]:
    bmi = check.weight / (check.height / 100) ** 2
    waist_limit = 85.0 if sex == "M" else 90.0
    out = [
        _pq("9N001000000000001", "身長", f"{check.height:.1f}", "cm"),
        _pq("9N006000000000001", "体重", f"{check.weight:.1f}", "kg"),
        _pq(
            "9N011000000000001",
            "BMI",
            f"{bmi:.1f}",
            "kg/m2",
            "18.5",
            "24.9",
            "H" if bmi >= 25 else ("L" if bmi < 18.5 else "N"),
        ),
        _pq(
            "9N016160100000001",
            "腹囲(実測)",
            f"{check.waist:.1f}",
            "cm",
            "",
            f"{waist_limit - 0.1:.1f}",
            "H" if check.waist >= waist_limit else "N",
        ),
        _pq(
            "9A751000000000001",
            "収縮期血圧(1回目)",
            str(check.systolic),
            "mmHg",
            "",
            "129",
            "H" if check.systolic >= 130 else "N",
        ),
        _pq(
            "9A761000000000001",
            "拡張期血圧(1回目)",
            str(check.diastolic),
            "mmHg",
            "",
            "84",
            "H" if check.diastolic >= 85 else "N",
        ),
    ]
    for key, (code, name) in _LAB_ITEMS.items():
        test = labs.TESTS[key]
        value = check.values[key]
        low, high = test.range_for(sex)
        out.append(
            _pq(
                code,
                name,
                test.text(value),
                test.unit,
                "" if low is None else test.text(low),
                "" if high is None else test.text(high),
                test.flag(value, sex),
            )
        )
    sugar = "1" if check.values["hba1c"] < 7.5 else "3"
    out += [
        ck.CheckupItem(
            "1A020000000191111",
            "尿糖",
            "CO",
            sugar,
            value_system=URINE,
            value_display="－" if sugar == "1" else "＋",
        ),
        ck.CheckupItem(
            "1A010000000191111", "尿蛋白", "CO", "1", value_system=URINE, value_display="－"
        ),
        _answer("9N701000000000011", "服薬1(血圧)", check.on_bp_drugs),
        _answer("9N706000000000011", "服薬2(血糖)", check.on_glucose_drugs),
        _answer("9N711000000000011", "服薬3(脂質)", check.on_lipid_drugs),
        ck.CheckupItem(
            "9N736000000000011",
            "喫煙",
            "CO",
            "1" if check.smoker else "3",
            value_system=SMOKING,
            value_display="はい" if check.smoker else "いいえ",
        ),
        _metabolic(check, sex, bmi),
    ]
    return out


def _metabolic(check: Checkup, sex: str, bmi: float) -> ck.CheckupItem:
    """メタボリックシンドローム判定: abdominal obesity plus risk factors."""
    obese = check.waist >= (85 if sex == "M" else 90) or bmi >= 25
    risks = sum(
        (
            check.systolic >= 130 or check.diastolic >= 85 or check.on_bp_drugs,
            check.values["glucose"] >= 110
            or check.values["hba1c"] >= 6.0
            or check.on_glucose_drugs,
            check.values["tg"] >= 150 or check.values["hdl"] < 40 or check.on_lipid_drugs,
        )
    )
    code, text = (
        ("1", "基準該当")
        if obese and risks >= 2
        else (("2", "予備群該当") if obese and risks == 1 else ("3", "非該当"))
    )
    return ck.CheckupItem(
        "9N501000000000011",
        "メタボリックシンドローム判定",
        "CD",
        code,
        value_system=METABOLIC,
        value_display=text,
    )


def write_checkup(subject: Subject, check: Checkup) -> None:
    facility = check.facility
    reg = subject.registration(facility, FORMAT, check.day)
    ident = reg.identity(check.day)
    cov = ident.coverage
    person = subject.person
    created = min(check.day + timedelta(days=14), subject.config.end)
    doc_id = f"{check.day:%Y}-{reg.local_id}"
    doc = ck.CheckupDocument(
        checkup_date=check.day,
        facility_code=facility.code,
        birth_date=ident.birth,
        sex=person.sex_code,
        document_root=f"1.2.392.200119.6.102.{facility.code}",
        document_extension=doc_id,
        created=created,
        program="1",
        insurer=cov.insurer if cov else "",
        symbol=cov.symbol if cov else "",
        number=cov.number if cov else "",
        branch=ident.branch,
        kana_name=ident.name.kana,
        kanji_name=ident.name.kanji,
        postal_code=ident.address.postal_code,
        address=ident.address.text,
        facility_name=facility.name,
        facility_phone=facility.phone,
        facility_address=facility.address.text,
        items=items(check, person.sex),
    )
    relative = Path("checkup", facility.code, f"{check.day:%Y}", f"{doc_id}.xml")
    file = subject.out.write(relative, write(doc), "checkup")
    subject.truth(reg, file, doc_id, check.day)
