"""How each source system knows a person: its own patient id, and the person's name,
birth date, address and insurance as it has them, errors included.

A *registration* is one person at one facility in one format. Its noise is drawn once per
person and facility (a facility's systems share one patient register, so its EHR and its
receipt computer misspell a name the same way) and then applied to whatever the person's
details are on a given day: a clinic that writes kana in half-width writes the married
name in half-width too. Which kinds of noise a format can carry: every format has names
and birth dates;
insurance can be missing only where the format allows a record without it (SS-MIX2, the
prescription QR, FHIR documents); the 枝番 can be missing wherever insurance is written.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from kizuna.synth import kana
from kizuna.synth.config import NoiseConfig
from kizuna.synth.model import Address, Coverage, Name, Person
from kizuna.synth.rand import chance, derive

#: formats whose records may lack insurance numbers altogether
INSURANCE_OPTIONAL = frozenset({"ssmix2", "jahis-rx", "fhir"})
#: formats that carry insurance numbers at all
WITH_INSURANCE = frozenset({"ssmix2", "uke", "jahis-rx", "checkup", "fhir"})
_LOCAL_MODULUS = {"hospital": 10**10, "clinic": 10**6, "pharmacy": 10**6, "checkup": 10**8}
_LOCAL_WIDTH = {"hospital": 10, "clinic": 6, "pharmacy": 6, "checkup": 8}
_MULTIPLIER = 7_654_321  # odd and not a multiple of 5: a bijection modulo 10**k


def local_id(facility_code: str, kind: str, person: Person) -> str:
    """The facility's own patient id (患者ID, カルテ番号): unique within the facility."""
    modulus = _LOCAL_MODULUS[kind]
    value = ((person.index + 1) * _MULTIPLIER + int(facility_code[-6:]) * 31) % modulus
    return f"{value:0{_LOCAL_WIDTH[kind]}d}"


@dataclass(frozen=True, slots=True)
class Identity:
    """The person as one record writes them."""

    name: Name
    birth: date
    address: Address
    phone: str
    coverage: Coverage | None
    branch: str  # "" when the 枝番 is missing


@dataclass(slots=True)
class Registration:
    person: Person
    facility: str
    format: str
    local_id: str
    kana_form: str  # "" or a kana.KANA_FORMS entry
    kanji_variant: bool
    typo: str  # "", "kana" or "kanji"
    dob_swap: bool
    no_insurance: bool
    no_branch: bool
    stale_address: bool
    registered: date  # first contact; a stale address is the one of that day
    seed: int
    _names: dict[Name, Name] = field(default_factory=dict, compare=False, repr=False)

    @property
    def noise(self) -> tuple[str, ...]:
        tags = []
        if self.kana_form:
            tags.append(f"kana:{self.kana_form}")
        if self.kanji_variant:
            tags.append("kanji-variant")
        if self.typo:
            tags.append(f"typo:{self.typo}")
        if self.dob_swap:
            tags.append("dob-swap")
        if self.no_insurance:
            tags.append("no-insurance")
        elif self.no_branch:
            tags.append("no-branch")
        if self.stale_address and len(self.person.addresses.entries) > 1:
            tags.append("stale-address")
        return tuple(tags)

    def identity(self, day: date) -> Identity:
        """The person on ``day`` as this registration writes them."""
        person = self.person
        cov = None if self.no_insurance else person.coverage_on(day)
        branch = "" if (cov is None or self.no_branch) else cov.branch
        home = person.addresses.on(self.registered if self.stale_address else day)
        return Identity(self.name_on(day), self.birth, home, home.phone, cov, branch)

    def name_on(self, day: date) -> Name:
        true = self.person.names.on(day)
        found = self._names.get(true)
        if found is None:
            found = self._names[true] = self._written(true)
        return found

    def _written(self, true: Name) -> Name:
        rng = derive(self.seed, "name", self.person.id, self.facility)
        family, given = true.family, true.given
        family_kana, given_kana = true.family_kana, true.given_kana
        if self.kanji_variant:
            if kana.has_variant_kanji(family):
                family = kana.kanji_variant(family, rng)
            else:
                given = kana.kanji_variant(given, rng)
        if self.typo == "kanji":
            family, given = _typo_in_one(family, given, kana.kanji_typo, rng)
        elif self.typo == "kana":
            family_kana, given_kana = _typo_in_one(family_kana, given_kana, kana.kana_typo, rng)
        if self.kana_form:
            family_kana = _form(self.kana_form, family_kana)
            given_kana = _form(self.kana_form, given_kana)
        return Name(family, given, family_kana, given_kana)

    @property
    def birth(self) -> date:
        true = self.person.birth
        if self.dob_swap and can_swap(true):
            return date(true.year, true.day, true.month)
        return true


def _typo_in_one(
    family: str, given: str, typo: Callable[[str, random.Random], str], rng: random.Random
) -> tuple[str, str]:
    """One typo, in the given name or the family name (whichever allows one)."""
    given_first = rng.random() < 0.5
    for part in ("given", "family") if given_first else ("family", "given"):
        if part == "given":
            changed = typo(given, rng)
            if changed != given:
                return family, changed
        else:
            changed = typo(family, rng)
            if changed != family:
                return changed, given
    return family, given


def can_swap(day: date) -> bool:
    return day.day <= 12 and day.day != day.month


def _form(form: str, text: str) -> str:
    return {
        "halfwidth": kana.halfwidth,
        "hiragana": kana.hiragana,
        "large": kana.large_kana,
        "vu": kana.vu_to_bu,
        "bar": kana.long_vowel_bar,
    }[form](text)


def register(
    person: Person,
    facility: str,
    kind: str,
    fmt: str,
    registered: date,
    noise: NoiseConfig,
    seed: int,
) -> Registration:
    """Draw the registration's noise (from the person and facility's own stream)."""
    rng = derive(seed, "registration", person.id, facility)
    true = person.names.first
    kana_form = _kana_form(true, noise.kana_variant, rng)
    variant = kana.has_variant_kanji(true.family + true.given) and chance(rng, noise.kanji_variant)
    typo = ""
    if chance(rng, noise.typo):
        typo = _typo_kind(true, rng)
    dob_swap = chance(rng, noise.dob_swap) and can_swap(person.birth)
    no_insurance = chance(rng, noise.missing_insurance) and fmt in INSURANCE_OPTIONAL
    no_branch = chance(rng, noise.missing_branch) and fmt in WITH_INSURANCE
    stale = chance(rng, noise.stale_address)
    return Registration(
        person,
        facility,
        fmt,
        local_id(facility, kind, person),
        kana_form,
        variant,
        typo,
        dob_swap,
        no_insurance,
        no_branch,
        stale,
        registered,
        seed,
    )


def _kana_form(name: Name, rate: float, rng: random.Random) -> str:
    if not chance(rng, rate):
        return ""
    text = name.family_kana + name.given_kana
    altered, form = kana.kana_variant(text, rng)
    return form if altered != text else "halfwidth"


def _typo_kind(name: Name, rng: random.Random) -> str:
    kanji_possible = kana.kanji_typo(name.family + name.given, rng) != name.family + name.given
    if kanji_possible and rng.random() < 0.5:
        return "kanji"
    return "kana"
