"""Households and the people in them, with their moves, marriages and insurance.

Ages follow Japan's 2020 age pyramid. A household is built around one person drawn from
it: a child gets parents and siblings (twins at the configured rate), an adult lives
alone, as a couple or with children, an older person alone, as a couple or with a
child's family. Members share the address, the landline and, under 75, one insurance:
an employee's (協会けんぽ, 健保組合, 共済; dependents share 記号・番号 with 枝番 01, 02...)
or the municipality's 国保. People of 75 and over have their own 後期高齢者 number.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import date, timedelta

from kizuna.synth import addresses, insurance, names
from kizuna.synth.config import SynthConfig
from kizuna.synth.model import Address, Coverage, Name, Person, Timeline
from kizuna.synth.places import Prefecture, active_prefectures
from kizuna.synth.rand import Weighted, chance, derive

# The age of the person a household is built around, by 5-year band (0-4 ... 95-99).
# Japan's 2020 pyramid, reweighted so that the households built around these people (a
# child brings parents and siblings, an older person often lives alone) add up to it.
_AGE_BANDS = Weighted(
    list(range(0, 100, 5)),
    [
        2.1,
        2.2,
        1.8,
        1.9,
        4.3,
        4.3,
        4.5,
        5.1,
        6.2,
        7.6,
        7.1,
        7.5,
        7.4,
        9.6,
        10.6,
        8.4,
        7.0,
        4.7,
        2.5,
        0.8,
    ],
)
_EMPLOYEE = Weighted(["kyokai", "kumiai", "kyosai"], [0.55, 0.30, 0.15])
FOREIGN_RATE = 0.015
KOUKI_AGE = 75


@dataclass(slots=True)
class _Member:
    role: str
    sex: str
    age: int  # at the end of the timeline
    twin: int | None = None  # position of the twin in the household


class PopulationBuilder:
    """Builds people household by household; ``people()`` yields them in order."""

    def __init__(self, config: SynthConfig) -> None:
        self.config = config
        self.rng = derive(config.seed, "population")
        prefectures = active_prefectures(config.patients)
        self.prefectures = Weighted(list(prefectures), [p.weight for p in prefectures])
        self.all_prefectures: tuple[Prefecture, ...] = prefectures
        self.count = 0
        self.households = 0

    # -- households ------------------------------------------------------------------
    def household(self) -> list[Person]:
        rng = self.rng
        members = self._members(rng)
        hh = self.households
        self.households += 1
        foreign = chance(rng, FOREIGN_RATE)
        family = names.family_name(rng, foreign)
        home = addresses.address(self.prefectures.pick(rng), rng)
        used: set[str] = set()
        people = [self._person(m, hh, family, home, foreign, rng, used) for m in members]
        _link_twins(people, members, rng)
        _link_guardians(people)
        self._insure(people, home, rng)
        self._events(people, rng)
        return people

    def _members(self, rng: random.Random) -> list[_Member]:
        age = _AGE_BANDS.pick(rng) + rng.randrange(5)
        if age < 18:
            return _family_around_child(age, rng, self.config.noise.twins)
        if age < 30:
            kind = rng.choices(("single", "couple", "family"), (0.7, 0.15, 0.15))[0]
        elif age < 65:
            kind = rng.choices(("single", "couple", "family"), (0.25, 0.25, 0.5))[0]
        else:
            kind = rng.choices(("single", "couple", "threegen"), (0.4, 0.5, 0.1))[0]
        sex = rng.choice("MF")
        if kind == "single":
            return [_Member("single", sex, age)]
        partner_age = max(18, age + rng.randint(-4, 4))
        couple = [
            _Member("head", "M", age if sex == "M" else partner_age),
            _Member("spouse", "F", partner_age if sex == "M" else age),
        ]
        if kind == "couple":
            return couple
        if kind == "family":
            return couple + _offset(_children(couple[1].age, rng, self.config.noise.twins), 2)
        # an older person living with a child's family
        child_age = age - rng.randint(26, 36)
        parent = _Member("parent", sex, age)
        return [parent, *_family_around_adult(child_age, rng, self.config.noise.twins)]

    def _person(
        self,
        m: _Member,
        hh: int,
        family: tuple[str, str],
        home: Address,
        foreign: bool,
        rng: random.Random,
        used: set[str],
    ) -> Person:
        end = self.config.end
        birth = _birth(end, m.age, rng)
        given = names.given_name(rng, m.sex, birth, foreign, frozenset(used))
        used.add(given[0])
        index = self.count
        self.count += 1
        return Person(
            id=person_id(index),
            index=index,
            household=hh,
            sex=m.sex,
            birth=birth,
            names=Timeline([(birth, names.full_name(family, given))]),
            addresses=Timeline([(birth, home)]),
            mobile=addresses.mobile(rng) if m.age >= 13 else "",
            coverages=[],
            role=m.role,
            foreign=foreign,
        )

    # -- insurance -----------------------------------------------------------------------
    def _insure(self, people: list[Person], home: Address, rng: random.Random) -> None:
        """Each member's insurance at the start of the timeline."""
        start = self.config.start
        head = next((p for p in people if p.role in ("head", "single")), people[0])
        employed = 20 <= head.age_on(start) < 65 and chance(rng, 0.8)
        if employed:
            kind = _EMPLOYEE.pick(rng)
            insurer = insurance.employee_insurer(kind, home.prefecture_code, rng)
            symbol = insurance.employee_symbol(kind, rng)
        else:
            kind = "kokuho"
            insurer = insurance.kokuho_insurer(home)
            symbol = insurance.kokuho_symbol(home, rng)
        number = insurance.household_number(rng)
        branch = 0 if employed else 1
        for person in [head, *[p for p in people if p is not head]]:
            since = max(person.birth, start - timedelta(days=rng.randrange(365 * 8)))
            if person.age_on(start) >= KOUKI_AGE:
                person.coverages.append(insurance.kouki(home, since, rng))
            elif employed and person.role == "child" and person.age_on(start) >= 23:
                person.coverages.append(_own_employee(home.prefecture_code, since, rng))
            else:
                person.coverages.append(
                    Coverage(
                        kind,
                        insurer,
                        symbol,
                        number,
                        f"{branch:02d}",
                        person is head or not employed,
                        since,
                    )
                )
                branch += 1

    # -- moves, marriages, 75th birthdays ------------------------------------------------
    def _events(self, people: list[Person], rng: random.Random) -> None:
        noise = self.config.noise
        if chance(rng, noise.moves):
            self._move(people, self._event_day(rng), rng)
        for person in people:
            age = person.age_on(self.config.start)
            if (
                person.role == "single"
                and person.sex == "F"
                and 24 <= age <= 38
                and not person.foreign
                and chance(rng, noise.marriage)
            ):
                self._marry(person, self._event_day(rng), rng)
        for person in people:
            self._turn_75(person, rng)

    def _event_day(self, rng: random.Random) -> date:
        span = (self.config.end - self.config.start).days
        return self.config.start + timedelta(days=rng.randrange(60, max(61, span - 60)))

    def _new_home(self, old: Address, rng: random.Random) -> Address:
        same = [p for p in self.all_prefectures if p.code == old.prefecture_code]
        prefecture = same[0] if same and chance(rng, 0.7) else self.prefectures.pick(rng)
        new = addresses.address(prefecture, rng)
        for _ in range(10):
            if new.text != old.text:
                break
            new = addresses.address(prefecture, rng)
        return new

    def _move(self, people: list[Person], day: date, rng: random.Random) -> None:
        old = people[0].addresses.on(day)
        new = self._new_home(old, rng)
        for person in people:
            if person.birth >= day:  # born after the move: never lived at the old home
                person.addresses = Timeline([(person.birth, new)])
            else:
                person.addresses.add(day, new)
        if (old.prefecture_code, old.city) == (new.prefecture_code, new.city):
            return
        # 国保 and 後期高齢者 belong to the municipality: moving to another one changes them
        symbol = insurance.kokuho_symbol(new, rng)
        number = insurance.household_number(rng)
        branch = 1
        for person in people:
            since = max(day, person.birth)
            current = person.coverage_on(since)
            if current is None:
                continue
            if current.kind == "kokuho":
                _switch(
                    person,
                    since,
                    Coverage(
                        "kokuho",
                        insurance.kokuho_insurer(new),
                        symbol,
                        number,
                        f"{branch:02d}",
                        True,
                        since,
                    ),
                )
                branch += 1
            elif current.kind == "kouki":
                keep = old.prefecture_code == new.prefecture_code
                kept = current.number if keep else f"{rng.randrange(10**7, 10**8)}"
                _switch(
                    person,
                    since,
                    Coverage("kouki", insurance.kouki_insurer(new), "", kept, "00", True, since),
                )

    def _marry(self, person: Person, day: date, rng: random.Random) -> None:
        current = person.names.last
        family = names.family_name(rng)
        for _ in range(10):
            if family[0] != current.family:
                break
            family = names.family_name(rng)
        person.names.add(day, Name(family[0], current.given, family[1], current.given_kana))
        home = self._new_home(person.addresses.on(day), rng)
        person.addresses.entries = [e for e in person.addresses.entries if e[0] < day]
        person.addresses.add(day, home)  # she leaves the household (and its later moves)
        kind = _EMPLOYEE.pick(rng)
        _switch(
            person,
            day,
            Coverage(
                kind,
                insurance.employee_insurer(kind, home.prefecture_code, rng),
                insurance.employee_symbol(kind, rng),
                insurance.household_number(rng),
                "01",
                False,
                day,
            ),
        )
        person.role = "married"

    def _turn_75(self, person: Person, rng: random.Random) -> None:
        try:
            birthday = person.birth.replace(year=person.birth.year + KOUKI_AGE)
        except ValueError:  # born on 29 February
            birthday = date(person.birth.year + KOUKI_AGE, 3, 1)
        current = person.coverage_on(birthday)
        if current is None or current.kind == "kouki" or birthday > self.config.end:
            return
        _switch(person, birthday, insurance.kouki(person.addresses.on(birthday), birthday, rng))


def person_id(index: int) -> str:
    return f"P{index + 1:06d}"


def _birth(end: date, age: int, rng: random.Random) -> date:
    last_birthday_year = end.year - age
    day = date(last_birthday_year, end.month, min(end.day, 28)) - timedelta(days=rng.randrange(365))
    return day


def _children(mother_age: int, rng: random.Random, twins: float) -> list[_Member]:
    count = rng.choices((1, 2, 3), (0.45, 0.42, 0.13))[0]
    out: list[_Member] = []
    for _ in range(count):
        age = mother_age - rng.randint(24, 40)
        if age < 0:
            continue
        out.append(_Member("child", rng.choice("MF"), age))
        if chance(rng, twins):
            same_sex = chance(rng, 0.66)
            out.append(
                _Member(
                    "child", out[-1].sex if same_sex else rng.choice("MF"), age, twin=len(out) - 1
                )
            )
    return out


def _family_around_child(age: int, rng: random.Random, twins: float) -> list[_Member]:
    mother_age = age + rng.randint(24, 40)
    father_age = mother_age + rng.randint(-2, 5)
    members = [_Member("head", "M", father_age), _Member("spouse", "F", mother_age)]
    single_parent = chance(rng, 0.1)
    if single_parent:
        members = [_Member("head", "F", mother_age)]
    child = _Member("child", rng.choice("MF"), age)
    kids = [child]
    if chance(rng, twins):
        kids.append(
            _Member("child", child.sex if chance(rng, 0.66) else rng.choice("MF"), age, twin=0)
        )
    for _ in range(rng.choices((0, 1, 2), (0.4, 0.45, 0.15))[0]):
        sibling_age = age + rng.randint(-6, 6)
        if 0 <= sibling_age <= mother_age - 18 and sibling_age != age:
            kids.append(_Member("child", rng.choice("MF"), sibling_age))
    offset = len(members)
    for kid in kids:
        if kid.twin is not None:
            kid.twin += offset
    return members + kids


def _family_around_adult(age: int, rng: random.Random, twins: float) -> list[_Member]:
    age = max(age, 25)
    members = [_Member("head", "M", age + rng.randint(0, 3)), _Member("spouse", "F", age)]
    return members + _offset(_children(age, rng, twins), 3)  # after grandparent and couple


def _offset(kids: list[_Member], before: int) -> list[_Member]:
    """Twin positions made relative to the household, ``before`` members coming first."""
    for kid in kids:
        if kid.twin is not None:
            kid.twin += before
    return kids


def _link_twins(people: list[Person], members: list[_Member], rng: random.Random) -> None:
    for person, member in zip(people, members, strict=True):
        if member.twin is None:
            continue
        twin = people[member.twin]
        person.birth = twin.birth
        person.names = Timeline([(twin.birth, person.names.first)])
        person.addresses = Timeline([(twin.birth, twin.addresses.first)])
        if person.names.first.given == twin.names.first.given:
            given = names.given_name(
                rng, person.sex, person.birth, person.foreign, frozenset({twin.names.first.given})
            )
            first = person.names.first
            person.names = Timeline(
                [(person.birth, Name(first.family, given[0], first.family_kana, given[1]))]
            )
        person.twin_of = twin.index
        twin.twin_of = person.index


def _link_guardians(people: list[Person]) -> None:
    adults = [p for p in people if p.role in ("spouse", "head")]
    mother = next((p for p in adults if p.sex == "F"), adults[0] if adults else None)
    for person in people:
        if person.role == "child" and mother is not None:
            person.guardian = mother.index


def _own_employee(prefecture: str, since: date, rng: random.Random) -> Coverage:
    kind = _EMPLOYEE.pick(rng)
    return Coverage(
        kind,
        insurance.employee_insurer(kind, prefecture, rng),
        insurance.employee_symbol(kind, rng),
        insurance.household_number(rng),
        "00",
        True,
        since,
    )


def _switch(person: Person, day: date, new: Coverage) -> None:
    """From ``day`` on, ``new`` replaces the coverage in force (which ends the day before)."""
    kept = []
    for cov in person.coverages:
        if cov.start >= day:
            continue  # superseded before it began
        if cov.end is None or cov.end >= day:
            cov = replace(cov, end=day - timedelta(days=1))
        kept.append(cov)
    person.coverages = [*kept, new]


def build_people(config: SynthConfig, first: list[Person] | None = None) -> list[Person]:
    """``config.patients`` people: ``first`` (the showcase), then generated households."""
    builder = PopulationBuilder(config)
    people = list(first or [])
    builder.count = len(people)
    builder.households = 1 + max((p.household for p in people), default=-1)
    while len(people) < config.patients:
        people.extend(builder.household())
    del people[config.patients :]
    for person in people:  # a guardian or twin cut off by the size limit is forgotten
        if person.guardian is not None and person.guardian >= len(people):
            person.guardian = None
        if person.twin_of is not None and person.twin_of >= len(people):
            person.twin_of = None
    return people
