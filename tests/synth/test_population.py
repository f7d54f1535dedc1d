"""People and households: ages, names, families sharing insurance, twins, moves and
marriages; and the helpers that write names differently."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from tests.synth.conftest import NOISY

from kizuna.synth import kana, showcase
from kizuna.synth.config import NoiseConfig, SynthConfig
from kizuna.synth.model import Person
from kizuna.synth.population import build_people

CONFIG = SynthConfig(3000, 21, Path("unused"), noise=NOISY, showcase=False)


@pytest.fixture(scope="module")
def people() -> list[Person]:
    return build_people(CONFIG)


def test_ages_follow_the_pyramid(people: list[Person]) -> None:
    ages = [p.age_on(CONFIG.end) for p in people]
    children = sum(a < 15 for a in ages) / len(ages)
    old = sum(a >= 65 for a in ages) / len(ages)
    assert 0.08 < children < 0.17  # Japan 2020: 11.9 %
    assert 0.22 < old < 0.36  # Japan 2020: 28.6 %
    assert max(ages) >= 95 and min(ages) == 0
    assert 0.45 < sum(p.sex == "M" for p in people) / len(people) < 0.55


def test_everyone_is_insured_every_day(people: list[Person]) -> None:
    for person in people:
        day = max(person.birth, CONFIG.start)
        while day <= CONFIG.end:
            assert person.coverage_on(day) is not None, (person.id, day, person.coverages)
            day += timedelta(days=29)
        if person.age_on(CONFIG.end) >= 76:
            assert person.coverage_on(CONFIG.end).kind == "kouki"


def test_household_members_share_number_but_not_branch(people: list[Person]) -> None:
    shared = 0
    for members in _households(people).values():
        covs = [(p, p.coverage_on(CONFIG.start)) for p in members]
        groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
        for _person, cov in covs:
            if cov is not None and cov.kind != "kouki":
                groups[(cov.insurer, cov.symbol, cov.number)].append(cov.branch)
        for branches in groups.values():
            assert len(branches) == len(set(branches))
            shared += len(branches) > 1
    assert shared > 100


def test_twins(people: list[Person]) -> None:
    twins = [p for p in people if p.twin_of is not None]
    assert len(twins) >= 10
    by_index = {p.index: p for p in people}
    for person in twins:
        other = by_index[person.twin_of]
        assert other.twin_of == person.index
        assert person.birth == other.birth and person.household == other.household
        assert person.names.first.family == other.names.first.family
        assert person.names.first.given != other.names.first.given
        a, b = person.coverage_on(CONFIG.start), other.coverage_on(CONFIG.start)
        if person.age_on(CONFIG.start) < 18 and a and b:  # both on their parents' card
            assert (a.symbol, a.number) == (b.symbol, b.number) and a.branch != b.branch


def test_moves_and_marriages(people: list[Person]) -> None:
    moved = [p for p in people if len(p.addresses.entries) > 1]
    married = [p for p in people if len(p.names.entries) > 1]
    assert len(moved) > 300 and len(married) > 10
    for person in married:
        (_, before), (day, after) = person.names.entries
        assert before.given == after.given and before.family != after.family
        assert person.coverage_on(day).start == day  # a new insurance card that day
        assert person.addresses.on(day) != person.addresses.on(day - timedelta(days=1))
    for person in moved:
        day = person.addresses.changes()[-1]
        old, new = person.addresses.on(day - timedelta(days=1)), person.addresses.on(day)
        cov = person.coverage_on(day)
        if cov.kind == "kokuho" and old.city != new.city and person.role != "married":
            assert person.coverage_on(day - timedelta(days=1)).insurer != cov.insurer or (
                old.prefecture_code == new.prefecture_code and old.city_number == new.city_number
            )


def test_no_noise_config_has_no_events() -> None:
    people = build_people(
        SynthConfig(500, 3, Path("unused"), noise=NoiseConfig.none(), showcase=False)
    )
    assert all(len(p.names.entries) == 1 and len(p.addresses.entries) == 1 for p in people)
    assert not any(p.twin_of is not None for p in people)


def test_showcase_people_come_first_and_keep_their_identity() -> None:
    people = build_people(SynthConfig(40, 99, Path("unused")), showcase.people())
    assert len(people) == 40
    for key, expected in showcase.PATIENTS.items():
        person = next(p for p in people if p.showcase == key)
        assert person.id == expected.person_id
        assert person.names.last.family == expected.family
        assert person.birth == expected.birth
        cov = person.coverage_on(date(2026, 10, 31))
        assert (cov.insurer, cov.symbol, cov.number, cov.branch) == (
            expected.insurer,
            expected.symbol,
            expected.number,
            expected.branch,
        )
    diabetes, spouse = people[0], people[1]
    assert diabetes.coverages[0].number == spouse.coverages[0].number
    assert diabetes.coverages[0].branch != spouse.coverages[0].branch


def test_kana_forms() -> None:
    assert kana.halfwidth("サトウ　ケンイチ") == "ｻﾄｳ ｹﾝｲﾁ"
    assert kana.hiragana("ヴィトル") == "ぶぃとる"
    assert kana.large_kana("ショウタ") == "シヨウタ"
    assert kana.vu_to_bu("シルヴァ") == "シルバ"
    assert kana.long_vowel_bar("サトウ") == "サトー"
    assert kana.has_variant_kanji("髙橋") and kana.has_variant_kanji("渡邉")


def _households(people: list[Person]) -> dict[int, list[Person]]:
    out: dict[int, list[Person]] = defaultdict(list)
    for person in people:
        out[person.household].append(person)
    return out
