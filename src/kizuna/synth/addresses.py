"""Addresses and phone numbers.

Phone numbers use a local part starting with 0 (``03-0123-4567``, ``090-0123-4567``), which
no real subscriber number does, so a synthetic record can never reach a real person.
"""

from __future__ import annotations

import random

from kizuna.synth.model import Address
from kizuna.synth.places import Prefecture
from kizuna.synth.rand import Weighted

_FW = str.maketrans("0123456789", "０１２３４５６７８９")


def full_width_digits(text: str) -> str:
    return text.translate(_FW)


def landline(area_code: str, rng: random.Random) -> str:
    local_digits = 10 - len(area_code)  # area code + local number = 10 digits
    middle = max(1, local_digits - 4)
    return f"{area_code}-0{rng.randrange(10 ** (middle - 1)):0{middle - 1}d}-{rng.randrange(10**4):04d}"


def mobile(rng: random.Random) -> str:
    return (
        f"{rng.choice(('090', '080', '070'))}-0{rng.randrange(1000):03d}-{rng.randrange(10**4):04d}"
    )


def address(prefecture: Prefecture, rng: random.Random) -> Address:
    city = rng.choice(prefecture.cities)
    town = rng.choice(city.towns)
    if town.chome:
        street = f"{rng.randint(1, 5)}丁目{rng.randint(1, 30)}番{rng.randint(1, 20)}号"
    else:
        street = f"{rng.randint(1, 2500)}番地"
        if rng.random() < 0.3:
            street += f"{rng.randint(1, 20)}"
    if rng.random() < 0.35:
        street += (
            f"　{rng.choice(('メゾン', 'コーポ', 'ハイツ', 'パレス'))}{rng.randint(101, 905)}号室"
        )
    return Address(
        prefecture_code=prefecture.code,
        prefecture=prefecture.name,
        city=city.name,
        town=town.name,
        street=full_width_digits(street),
        postal_code=town.postal_code,
        city_number=city.number,
        phone=landline(city.area_code, rng),
    )


def pick_prefecture(choices: Weighted, rng: random.Random) -> Prefecture:
    found: Prefecture = choices.pick(rng)
    return found
