"""Laboratory tests: JLAC10 codes, units, reference intervals, and how values move.

Reference intervals are the Japanese common reference intervals (JCCLS 共用基準範囲). A
person's value for a test is a baseline set by their conditions plus a trend (HbA1c falls
once diabetes is treated; eGFR falls a few mL/min a year in CKD; LDL drops on a statin)
plus visit-to-visit noise. Creatinine is derived from eGFR by the Japanese equation, so
the two always agree.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class LabTest:
    key: str
    jlac10: str
    name: str
    unit: str
    low_m: float | None
    high_m: float | None
    decimals: int
    low_f: float | None = None  # when the female interval differs
    high_f: float | None = None
    act: str = ""  # the receipt act (catalog key) that bills it
    specimen: str = "023"  # JLAC10 material: 023 serum, 019 whole blood, 001 urine

    def range_for(self, sex: str) -> tuple[float | None, float | None]:
        if sex == "F" and (self.low_f is not None or self.high_f is not None):
            return self.low_f, self.high_f
        return self.low_m, self.high_m

    def text(self, value: float) -> str:
        return f"{value:.{self.decimals}f}"

    def flag(self, value: float, sex: str) -> str:
        low, high = self.range_for(sex)
        if low is not None and value < low:
            return "L"
        if high is not None and value > high:
            return "H"
        return "N"

    def range_text(self, sex: str) -> str:
        low, high = self.range_for(sex)
        lo = "" if low is None else self.text(low)
        hi = "" if high is None else self.text(high)
        return f"{lo}-{hi}"


TESTS: dict[str, LabTest] = {
    t.key: t
    for t in (
        LabTest(
            "hba1c",
            "3D046000001906202",
            "HbA1c(NGSP)",
            "%",
            4.9,
            6.0,
            1,
            act="hba1c",
            specimen="019",
        ),
        LabTest("glucose", "3D010000001926101", "グルコース", "mg/dL", 73, 109, 0),
        LabTest(
            "creatinine",
            "3C015000002327101",
            "クレアチニン",
            "mg/dL",
            0.65,
            1.07,
            2,
            0.46,
            0.79,
            act="creatinine",
        ),
        LabTest("egfr", "8A065000002391901", "eGFR", "mL/min/1.73m2", 60, None, 1),
        LabTest("bun", "3C025000002329101", "尿素窒素", "mg/dL", 8, 20, 0, act="bun"),
        LabTest(
            "uric_acid",
            "3C020000002329101",
            "尿酸",
            "mg/dL",
            3.7,
            7.8,
            1,
            2.6,
            5.5,
            act="uric_acid",
        ),
        LabTest(
            "potassium", "3H015000002327201", "カリウム", "mmol/L", 3.6, 4.8, 1, act="potassium"
        ),
        LabTest("sodium", "3H010000002327101", "ナトリウム", "mmol/L", 138, 145, 0),
        LabTest("ldl", "3F077000002327101", "LDL-コレステロール", "mg/dL", 65, 139, 0, act="ldl"),
        LabTest(
            "hdl", "3F070000002327101", "HDL-コレステロール", "mg/dL", 38, 90, 0, 48, 103, act="hdl"
        ),
        LabTest("tg", "3F015000002327101", "中性脂肪", "mg/dL", 40, 234, 0, 30, 117, act="tg"),
        LabTest("ast", "3B035000002327201", "AST", "U/L", 13, 30, 0, act="ast"),
        LabTest("alt", "3B045000002327201", "ALT", "U/L", 10, 42, 0, 7, 23, act="alt"),
        LabTest("ggt", "3B090000002327101", "γ-GT", "U/L", 13, 64, 0, 9, 32, act="ggt"),
        LabTest(
            "hb",
            "2A030000001930101",
            "ヘモグロビン",
            "g/dL",
            13.7,
            16.8,
            1,
            11.6,
            14.8,
            act="blood_count",
            specimen="019",
        ),
        LabTest(
            "wbc",
            "2A990000001930952",
            "白血球数",
            "10^3/uL",
            3.3,
            8.6,
            1,
            act="blood_count",
            specimen="019",
        ),
        LabTest(
            "plt",
            "2A050000001930901",
            "血小板数",
            "10^4/uL",
            15.8,
            34.8,
            1,
            act="blood_count",
            specimen="019",
        ),
        LabTest("crp", "5C070000002306201", "CRP", "mg/dL", 0.0, 0.14, 2, act="crp"),
    )
}

#: panels ordered together, by what they watch
PANELS: dict[str, tuple[str, ...]] = {
    "diabetes": ("hba1c", "glucose", "creatinine", "egfr", "ast", "alt", "ldl", "tg"),
    "lipids": ("ldl", "hdl", "tg", "ast", "alt", "ggt"),
    "hypertension": ("creatinine", "egfr", "potassium", "sodium", "uric_acid"),
    "ckd": ("creatinine", "egfr", "bun", "potassium", "uric_acid", "hb"),
    "dialysis": ("bun", "creatinine", "potassium", "sodium", "hb", "plt"),
    "infection": ("wbc", "crp", "ast", "alt", "creatinine", "egfr", "hb", "plt"),
    "general": ("ast", "alt", "ggt", "creatinine", "egfr", "hb", "wbc", "plt"),
}


@dataclass(slots=True)
class Physiology:
    """A person's baseline values and how they change per year (drawn once per person)."""

    base: dict[str, float]
    slope: dict[str, float]  # change per year
    treated_drop: dict[str, float]  # fall once treatment starts (HbA1c, LDL)
    treatment_start: date | None = None

    def panel(
        self, keys: tuple[str, ...], day: date, origin: date, rng: random.Random, age: int, sex: str
    ) -> dict[str, float]:
        """Values of ``keys`` measured on ``day`` (creatinine agrees with eGFR)."""
        out = {k: self.value(k, day, origin, rng) for k in keys if k != "creatinine"}
        if "creatinine" in keys:
            egfr = out.get("egfr") or self.value("egfr", day, origin, rng)
            out["creatinine"] = creatinine_from_egfr(egfr, age, sex)
        return out

    def value(self, key: str, day: date, origin: date, rng: random.Random) -> float:
        years = (day - origin).days / 365.25
        value = self.base[key] + self.slope.get(key, 0.0) * years
        if self.treatment_start is not None and day >= self.treatment_start:
            months = (day - self.treatment_start).days / 30.4
            value -= self.treated_drop.get(key, 0.0) * min(1.0, months / 6)
        spread = _NOISE.get(key, 0.04)
        value *= 1 + rng.gauss(0, spread)
        return max(_FLOOR.get(key, 0.0), value)


_NOISE = {
    "hba1c": 0.025,
    "egfr": 0.04,
    "ldl": 0.07,
    "tg": 0.18,
    "crp": 0.5,
    "glucose": 0.08,
    "potassium": 0.04,
    "sodium": 0.008,
    "hb": 0.03,
}
_FLOOR = {"egfr": 3.0, "hba1c": 4.3, "crp": 0.01, "potassium": 2.8, "wbc": 1.5, "plt": 3.0}


def creatinine_from_egfr(egfr: float, age: int, sex: str) -> float:
    """Inverse of eGFR = 194 × Cr^-1.094 × age^-0.287 (× 0.739 for women)."""
    factor = 194 * max(age, 18) ** -0.287 * (0.739 if sex == "F" else 1.0)
    return math.exp(math.log(factor / max(egfr, 1.0)) / 1.094)


def baseline(rng: random.Random, sex: str, age: int, conditions: set[str]) -> Physiology:
    """Baseline values for a person of this sex and age with these conditions."""
    male = sex == "M"
    egfr = max(45.0, 110 - 0.7 * max(age - 20, 0) + rng.gauss(0, 9))
    base = {
        "hba1c": rng.gauss(5.5, 0.25),
        "glucose": rng.gauss(92, 8),
        "egfr": egfr,
        "bun": rng.gauss(14, 3),
        "uric_acid": rng.gauss(5.8 if male else 4.5, 0.9),
        "potassium": rng.gauss(4.2, 0.25),
        "sodium": rng.gauss(141, 1.5),
        "ldl": rng.gauss(115, 22),
        "hdl": rng.gauss(55 if male else 65, 10),
        "tg": rng.gauss(115 if male else 90, 35),
        "ast": rng.gauss(22, 5),
        "alt": rng.gauss(22 if male else 16, 7),
        "ggt": rng.gauss(30 if male else 18, 10),
        "hb": rng.gauss(14.8 if male else 13.2, 0.9),
        "wbc": rng.gauss(5.8, 1.2),
        "plt": rng.gauss(24, 4.5),
        "crp": abs(rng.gauss(0.05, 0.04)),
    }
    slope: dict[str, float] = {"egfr": -0.4}
    drop: dict[str, float] = {}
    if "diabetes" in conditions:
        base["hba1c"] = rng.uniform(7.2, 9.4)
        base["glucose"] = base["hba1c"] * 21 - 10
        drop["hba1c"] = rng.uniform(0.6, 1.6)
        drop["glucose"] = drop["hba1c"] * 20
        slope["egfr"] = -rng.uniform(1.0, 3.0)
    if "lipids" in conditions:
        base["ldl"] = rng.uniform(150, 200)
        base["tg"] = rng.uniform(140, 260)
        drop["ldl"] = rng.uniform(45, 80)
    if "ckd" in conditions:
        base["egfr"] = rng.uniform(25, 50)
        slope["egfr"] = -rng.uniform(2.0, 5.0)
        base["hb"] -= 1.2
        base["potassium"] += 0.3
        base["bun"] = rng.uniform(22, 35)
    if "dialysis" in conditions:
        base.update(
            egfr=rng.uniform(4, 7),
            hb=rng.uniform(10.0, 11.5),
            bun=rng.uniform(55, 75),
            potassium=rng.uniform(4.6, 5.4),
        )
        slope["egfr"] = 0.0
    if "hyperuricaemia" in conditions:
        base["uric_acid"] = rng.uniform(7.8, 9.2)
        drop["uric_acid"] = 2.0
    return Physiology(base, slope, drop)
