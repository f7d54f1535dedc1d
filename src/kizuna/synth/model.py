"""The synthetic population's people: names, addresses and insurance, each with a history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Name:
    family: str
    given: str
    family_kana: str
    given_kana: str

    @property
    def kanji(self) -> str:
        """``family given`` with a full-width space, as Japanese systems print names."""
        return f"{self.family}\u3000{self.given}"

    @property
    def kana(self) -> str:
        return f"{self.family_kana}\u3000{self.given_kana}"


@dataclass(frozen=True, slots=True)
class Address:
    prefecture_code: str
    prefecture: str
    city: str
    town: str
    street: str  # "２丁目８番１号" or "１２３４番地"
    postal_code: str  # "160-0023"
    city_number: str  # the city's 2-digit number (places.City.number)
    phone: str  # the home's landline

    @property
    def text(self) -> str:
        return f"{self.prefecture}{self.city}{self.town}{self.street}"


@dataclass(frozen=True, slots=True)
class Coverage:
    """One health insurance membership (医療保険の資格)."""

    kind: str  # kyokai, kumiai, kyosai, kokuho, kouki
    insurer: str  # 保険者番号 (6 or 8 digits)
    symbol: str  # 記号 ("" for 後期高齢者)
    number: str  # 番号
    branch: str  # 枝番, 2 digits
    insured: bool  # 被保険者 (True) or 被扶養者 (False)
    start: date
    end: date | None = None

    @property
    def member_key(self) -> str:
        """保険者番号:記号:番号:枝番 (insurer padded to 8 digits, as JP Core says)."""
        return f"{self.insurer.zfill(8)}:{self.symbol}:{self.number}:{self.branch}"

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass(frozen=True, slots=True)
class PublicExpense:
    """A public-expense programme (公費負担医療): 法別番号 in the payer number."""

    payer: str  # 公費負担者番号, 8 digits
    recipient: str  # 公費受給者番号, 7 digits
    label: str


@dataclass(slots=True)
class Timeline(Generic[T]):
    """Values that change on given dates; the first entry applies from the beginning."""

    entries: list[tuple[date, T]] = field(default_factory=list)

    def on(self, day: date) -> T:
        current = self.entries[0][1]
        for start, value in self.entries:
            if start <= day:
                current = value
            else:
                break
        return current

    def add(self, start: date, value: T) -> None:
        self.entries.append((start, value))
        self.entries.sort(key=lambda e: e[0])

    @property
    def first(self) -> T:
        return self.entries[0][1]

    @property
    def last(self) -> T:
        return self.entries[-1][1]

    def changes(self) -> list[date]:
        return [d for d, _ in self.entries[1:]]


@dataclass(slots=True)
class Person:
    id: str  # "P000123"
    index: int
    household: int
    sex: str  # "M" or "F"
    birth: date
    names: Timeline[Name]
    addresses: Timeline[Address]
    mobile: str
    coverages: list[Coverage]
    role: str  # head, spouse, child, parent, single
    foreign: bool = False
    guardian: int | None = None  # index of the guardian (children with care needs)
    twin_of: int | None = None
    showcase: str = ""  # the showcase key, for hand-picked people

    def coverage_on(self, day: date) -> Coverage | None:
        for cov in self.coverages:
            if cov.active_on(day):
                return cov
        return None

    def age_on(self, day: date) -> int:
        years = day.year - self.birth.year
        return years - ((day.month, day.day) < (self.birth.month, self.birth.day))

    @property
    def sex_code(self) -> str:
        """1 male, 2 female (receipts, JAHIS, checkups)."""
        return "1" if self.sex == "M" else "2"
