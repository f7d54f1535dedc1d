"""Drug and food allergies (アレルギー歴), chosen before any drug is prescribed so that no
one is given what they are allergic to."""

from __future__ import annotations

import random

from kizuna.synth.catalog import ALLERGENS
from kizuna.synth.clinical import Allergy
from kizuna.synth.model import Person
from kizuna.synth.rand import Weighted, chance

_DRUG = Weighted(["penicillin", "cephem", "nsaid", "contrast"], [40, 20, 25, 15])
_FOOD_CHILD = Weighted(["egg", "milk", "buckwheat", "shrimp", "peanut"], [35, 20, 15, 10, 20])
_FOOD_ADULT = Weighted(["buckwheat", "shrimp", "peanut"], [45, 40, 15])
_REACTIONS = {
    "penicillin": ("全身蕁麻疹", "MO"),
    "cephem": ("薬疹", "MI"),
    "nsaid": ("喘息発作", "SV"),
    "contrast": ("アナフィラキシーショック", "SV"),
    "buckwheat": ("アナフィラキシー", "SV"),
    "egg": ("蕁麻疹", "MO"),
    "milk": ("嘔吐・蕁麻疹", "MO"),
    "shrimp": ("口腔内違和感・蕁麻疹", "MI"),
    "peanut": ("アナフィラキシー", "SV"),
    "cedar": ("鼻汁・くしゃみ", "MI"),
}

DRUG_ALLERGY_RATE = 0.06
FOOD_ALLERGY_CHILD = 0.08
FOOD_ALLERGY_ADULT = 0.03


def allergy(key: str, since: str) -> Allergy:
    kind, substance, _code, notebook = ALLERGENS[key]
    reaction, severity = _REACTIONS[key]
    return Allergy(key, kind, substance, notebook, reaction, severity, since)


def assign_allergies(person: Person, age: int, rng: random.Random) -> list[Allergy]:
    out: list[Allergy] = []
    if age >= 6 and chance(rng, DRUG_ALLERGY_RATE):
        year = max(person.birth.year + 3, person.birth.year + rng.randint(3, max(3, age)))
        out.append(allergy(_DRUG.pick(rng), f"{year}"))
    food = FOOD_ALLERGY_CHILD if age < 15 else FOOD_ALLERGY_ADULT
    if chance(rng, food):
        pool = _FOOD_CHILD if age < 15 else _FOOD_ADULT
        out.append(allergy(pool.pick(rng), "幼少期" if age >= 15 else f"{person.birth.year + 1}"))
    return out
