"""Hospitals, clinics, pharmacies and checkup centres with valid facility codes.

The facility list depends only on the population size, not on the seed, so a facility
(and the showcase patients' facilities) keeps its code across runs. Codes are
prefecture (2) + table (1 医科, 4 調剤) + 郡市区番号 (2) + number (4) + check digit.
Names are fictitious.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from kizuna.codes.checkdigit import with_check_digit
from kizuna.synth import addresses, names
from kizuna.synth.model import Address
from kizuna.synth.places import Prefecture, active_prefectures
from kizuna.synth.rand import derive

#: SS-MIX2 / MML 診療科 codes used here
DEPARTMENTS = {
    "01": "内科",
    "02": "精神科",
    "06": "消化器科",
    "08": "循環器科",
    "09": "小児科",
    "10": "外科",
    "11": "整形外科",
    "19": "皮膚科",
    "26": "眼科",
    "27": "耳鼻咽喉科",
    "31": "麻酔科",
    "32": "人工透析科",
}
#: the department of a clinic of each specialty
CLINIC_DEPARTMENT = {
    "internal": "01",
    "pediatrics": "09",
    "orthopedics": "11",
    "ent": "27",
    "dermatology": "19",
    "ophthalmology": "26",
    "dialysis": "32",
    "psychiatry": "02",
}
_CLINIC_SUFFIX = {
    "internal": "内科クリニック",
    "pediatrics": "こどもクリニック",
    "orthopedics": "整形外科",
    "ent": "耳鼻咽喉科",
    "dermatology": "皮膚科医院",
    "ophthalmology": "眼科",
    "dialysis": "透析クリニック",
    "psychiatry": "メンタルクリニック",
}
#: the order in which a prefecture gets clinics of each specialty
_CLINIC_ORDER = (
    "internal",
    "pediatrics",
    "orthopedics",
    "internal",
    "dialysis",
    "ent",
    "internal",
    "dermatology",
    "ophthalmology",
    "psychiatry",
    "internal",
    "pediatrics",
    "orthopedics",
    "internal",
    "ent",
    "internal",
    "dialysis",
    "internal",
    "pediatrics",
    "dermatology",
)
HOSPITAL_DEPARTMENTS = ("01", "08", "09", "10", "11", "06", "32", "26")
_WORDS = (
    "みずなら",
    "ななかまど",
    "からまつ",
    "ねむのき",
    "ゆきわり",
    "しらかば",
    "こもれび",
    "せせらぎ",
    "ひだまり",
    "そよかぜ",
    "やまなみ",
    "わかくさ",
    "たちばな",
    "かえで",
    "いずみ",
    "なぎさ",
    "あかね",
    "すずらん",
    "あじさい台",
    "はなみずき",
)
_HOSPITAL_KINDS = ("総合病院", "記念病院", "医療センター", "中央病院")


@dataclass(frozen=True, slots=True)
class Staff:
    """A doctor or pharmacist."""

    id: str
    family: str
    given: str
    family_kana: str
    given_kana: str
    department: str = ""  # 診療科 code

    @property
    def name(self) -> str:
        return f"{self.family}\u3000{self.given}"

    @property
    def kana(self) -> str:
        return f"{self.family_kana}\u3000{self.given_kana}"


@dataclass(frozen=True, slots=True)
class Facility:
    code: str  # 10-digit 医療機関コード / 薬局コード
    kind: str  # hospital, clinic, pharmacy, checkup
    specialty: str  # clinic specialty; "" otherwise
    name: str
    address: Address
    in_house: bool = False  # dispenses its own prescriptions (院内処方)
    staff: tuple[Staff, ...] = ()
    departments: tuple[str, ...] = ()
    beds: int = 0
    pharmacy: str = ""  # the code of the pharmacy next door (門前薬局)
    index: int = 0  # position among facilities of its kind in its prefecture

    @property
    def prefecture(self) -> str:
        return self.code[:2]

    @property
    def table(self) -> str:
        return self.code[2]

    @property
    def code7(self) -> str:
        return self.code[3:]

    @property
    def phone(self) -> str:
        return self.address.phone

    def doctor(self, department: str = "") -> Staff:
        for person in self.staff:
            if not department or person.department == department:
                return person
        return self.staff[0]

    @property
    def department(self) -> str:
        return self.departments[0] if self.departments else "01"


@dataclass(slots=True)
class Directory:
    """All facilities, by code and by kind."""

    facilities: list[Facility] = field(default_factory=list)
    by_code: dict[str, Facility] = field(default_factory=dict)
    _candidates: dict[tuple[str, str, str], list[Facility]] = field(default_factory=dict)

    def add(self, facility: Facility) -> None:
        self.facilities.append(facility)
        self.by_code[facility.code] = facility
        for where in (facility.prefecture, ""):
            self._candidates.setdefault((facility.kind, facility.specialty, where), []).append(
                facility
            )

    def candidates(self, kind: str, specialty: str, prefecture: str) -> list[Facility]:
        """Facilities of a kind and specialty in a prefecture ("" for anywhere)."""
        return self._candidates.get((kind, specialty, prefecture), [])

    def of_kind(
        self, kind: str, prefecture: str | None = None, specialty: str | None = None
    ) -> list[Facility]:
        return [
            f
            for f in self.facilities
            if f.kind == kind
            and (prefecture is None or f.prefecture == prefecture)
            and (specialty is None or f.specialty == specialty)
        ]

    def __getitem__(self, code: str) -> Facility:
        return self.by_code[code]


def counts(patients: int) -> dict[str, int]:
    return {
        "hospital": max(2, round(patients / 1500)),
        "clinic": max(8, patients // 250),
        "pharmacy": max(4, patients // 400),
    }


def _shares(
    total: int, prefectures: tuple[Prefecture, ...], minimum: int, first: int = 0
) -> list[int]:
    """``total`` split by population weight, every prefecture getting ``minimum`` and the
    first (Tokyo, where the showcase patients live) at least ``first``."""
    weight = sum(p.weight for p in prefectures)
    out = [max(minimum, int(total * p.weight / weight)) for p in prefectures]
    out[0] = max(out[0], first)
    i = 0
    while sum(out) < total:
        out[i % len(out)] += 1
        i += 1
    return out


#: where each kind's 4-digit numbers start, so that adding facilities of one kind never
#: renumbers another (the showcase facilities keep their codes at every population size)
_NUMBER_BASE = {"hospital": 1, "clinic": 1001, "checkup": 9001, "pharmacy": 1}


def facility_code(prefecture: str, kind: str, city: str, index: int) -> str:
    table = "4" if kind == "pharmacy" else "1"
    return with_check_digit(f"{prefecture}{table}{city}{_NUMBER_BASE[kind] + index:04d}")


def build_directory(patients: int) -> Directory:
    prefectures = active_prefectures(patients)
    total = counts(patients)
    directory = Directory()
    hospital_shares = _shares(
        total["hospital"], prefectures, 1 if len(prefectures) <= 4 else 0, first=1
    )
    clinic_shares = _shares(total["clinic"], prefectures, 3, first=5)
    pharmacy_shares = _shares(total["pharmacy"], prefectures, 2, first=2)
    for pi, prefecture in enumerate(prefectures):
        pharmacies = [_pharmacy(prefecture, i) for i in range(pharmacy_shares[pi])]
        for pharmacy in pharmacies:
            directory.add(pharmacy)
        for i in range(hospital_shares[pi]):
            directory.add(_hospital(prefecture, i, pharmacies[i % len(pharmacies)]))
        for i in range(clinic_shares[pi]):
            partner = pharmacies[(i + 1) % len(pharmacies)]
            directory.add(_clinic(prefecture, i, partner))
        directory.add(_checkup(prefecture))
    return directory


def _rng(prefecture: Prefecture, kind: str, index: int) -> random.Random:
    return derive(0, "facility", prefecture.code, kind, index)


def _place(prefecture: Prefecture, index: int, rng: random.Random) -> Address:
    city = prefecture.cities[index % len(prefecture.cities)]
    base = addresses.address(prefecture, rng)
    town = city.towns[0]
    return Address(
        prefecture.code,
        prefecture.name,
        city.name,
        town.name,
        base.street.split("\u3000")[0],
        town.postal_code,
        city.number,
        addresses.landline(city.area_code, rng),
    )


def _staff(
    rng: random.Random,
    prefix: str,
    departments: tuple[str, ...],
    per: int,
    family: tuple[str, str] | None = None,
) -> tuple[Staff, ...]:
    out: list[Staff] = []
    for dept in departments:
        for _ in range(per):
            fam = family if family and not out else names.family_name(rng)
            sex = "M" if rng.random() < 0.7 else "F"
            given = names.given_name(rng, sex, _doctor_birth(rng))
            out.append(
                Staff(f"{prefix}{len(out) + 1:03d}", fam[0], given[0], fam[1], given[1], dept)
            )
    return tuple(out)


def _doctor_birth(rng: random.Random) -> date:
    return date(rng.randint(1955, 1992), 6, 1)


def _hospital(prefecture: Prefecture, index: int, pharmacy: Facility) -> Facility:
    rng = _rng(prefecture, "hospital", index)
    address = _place(prefecture, index, rng)
    word = _WORDS[(int(prefecture.code) * 3 + index) % len(_WORDS)]
    name = f"{word}{_HOSPITAL_KINDS[index % len(_HOSPITAL_KINDS)]}"
    return Facility(
        code=facility_code(prefecture.code, "hospital", address.city_number, index),
        kind="hospital",
        specialty="general",
        name=name,
        address=address,
        staff=_staff(rng, "D", HOSPITAL_DEPARTMENTS, 2),
        departments=HOSPITAL_DEPARTMENTS,
        beds=rng.choice((199, 256, 312, 405, 520)),
        pharmacy=pharmacy.code,
        index=index,
    )


def _clinic(prefecture: Prefecture, index: int, pharmacy: Facility) -> Facility:
    rng = _rng(prefecture, "clinic", index)
    specialty = _CLINIC_ORDER[index % len(_CLINIC_ORDER)]
    address = _place(prefecture, index + 1, rng)
    director = names.family_name(rng)
    dept = CLINIC_DEPARTMENT[specialty]
    if specialty in ("internal", "orthopedics", "dermatology", "psychiatry"):
        name = f"{director[0]}{_CLINIC_SUFFIX[specialty]}"
    else:
        name = (
            f"{_WORDS[(index * 7 + int(prefecture.code)) % len(_WORDS)]}{_CLINIC_SUFFIX[specialty]}"
        )
    in_house = specialty in ("internal", "pediatrics") and index % 4 == 3
    return Facility(
        code=facility_code(prefecture.code, "clinic", address.city_number, index),
        kind="clinic",
        specialty=specialty,
        name=name,
        address=address,
        in_house=in_house,
        staff=_staff(rng, "D", (dept,), 1, director),
        departments=(dept,),
        beds=0,
        pharmacy=pharmacy.code,
        index=index,
    )


def _pharmacy(prefecture: Prefecture, index: int) -> Facility:
    rng = _rng(prefecture, "pharmacy", index)
    address = _place(prefecture, index, rng)
    word = _WORDS[(index * 11 + int(prefecture.code) * 5) % len(_WORDS)]
    name = f"{word}薬局\u3000{address.town}店"
    return Facility(
        code=facility_code(prefecture.code, "pharmacy", address.city_number, index),
        kind="pharmacy",
        specialty="",
        name=name,
        address=address,
        staff=_staff(rng, "R", ("",), 2),
        index=index,
    )


def _checkup(prefecture: Prefecture) -> Facility:
    rng = _rng(prefecture, "checkup", 0)
    address = _place(prefecture, 0, rng)
    word = _WORDS[(int(prefecture.code) * 13) % len(_WORDS)]
    return Facility(
        code=facility_code(prefecture.code, "checkup", address.city_number, 0),
        kind="checkup",
        specialty="",
        name=f"{word}健診センター",
        address=address,
        staff=_staff(rng, "D", ("01",), 1),
        departments=("01",),
    )
