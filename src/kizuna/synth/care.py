"""Where a person gets care: facilities near home, and the pharmacy that fills a prescription.

People use facilities in their own prefecture, preferring their own city. A choice holds
for as long as the person lives at the same address; after a move to another
municipality they find new ones. A prescription goes to the pharmacy next to the
prescriber (門前薬局) or to the person's regular pharmacy near home.
"""

from __future__ import annotations

import random
from datetime import date

from kizuna.synth.facilities import Directory, Facility
from kizuna.synth.model import Address, Person
from kizuna.synth.rand import chance


class Chooser:
    """Stable facility choices for one person."""

    def __init__(
        self,
        directory: Directory,
        person: Person,
        rng: random.Random,
        pinned: dict[tuple[str, str], list[tuple[date, str]]] | None = None,
        pharmacies: dict[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.person = person
        self.rng = rng
        self.pinned = pinned or {}
        self.pinned_pharmacies = pharmacies or {}
        self._chosen: dict[tuple[str, str, str], Facility] = {}
        self._pharmacy_habit: dict[str, bool] = {}

    def facility(self, kind: str, specialty: str, day: date) -> Facility | None:
        """The facility of this kind the person uses while living where they live on ``day``."""
        pins = self.pinned.get((kind, specialty))
        if pins:
            code = pins[0][1]
            for since, pinned in pins:
                if since <= day:
                    code = pinned
            return self.directory[code]
        home = self.person.addresses.on(day)
        key = (kind, specialty, _municipality(home))
        found = self._chosen.get(key)
        if found is None:
            found = self._pick(kind, specialty, home)
            if found is None:
                return None
            self._chosen[key] = found
        return found

    def _pick(self, kind: str, specialty: str, home: Address) -> Facility | None:
        pool = self.directory.candidates(
            kind, specialty, home.prefecture_code
        ) or self.directory.candidates(kind, specialty, "")
        if not pool:
            return None
        weights = [3.0 if f.address.city == home.city else 1.0 for f in pool]
        return self.rng.choices(pool, weights)[0]

    def pharmacy(self, prescriber: Facility, day: date) -> Facility | None:
        """The pharmacy that fills a prescription written on ``day``; None for in-house."""
        if prescriber.in_house:
            return None
        if prescriber.code in self.pinned_pharmacies:
            return self.directory[self.pinned_pharmacies[prescriber.code]]
        if prescriber.code not in self._pharmacy_habit:
            self._pharmacy_habit[prescriber.code] = chance(self.rng, 0.6)
        next_door = self._pharmacy_habit[prescriber.code]
        if chance(self.rng, 0.08):
            next_door = not next_door  # now and then the other one
        if next_door and prescriber.pharmacy:
            return self.directory[prescriber.pharmacy]
        return self.facility("pharmacy", "", day)


def _municipality(address: Address) -> str:
    return f"{address.prefecture_code}{address.city}"
