"""Acute illness: colds, ear infections, gastroenteritis, influenza... that resolve.

Children are ill most often and go to a paediatric clinic; adults go to their internal
medicine clinic (or an ENT clinic for the throat). A diagnosis is closed as cured (治ゆ)
one to two weeks later, which the receipt of that month records.
"""

from __future__ import annotations

from datetime import date, timedelta

from kizuna.synth import schedule
from kizuna.synth.clinical import CURED
from kizuna.synth.history import PersonHistory
from kizuna.synth.rand import Weighted, chance

# episodes per year by age
_RATES = ((0, 5.0), (6, 2.5), (15, 0.8), (65, 1.1))

# (disease, drug alternatives, weight) by age group
_EPISODES = Weighted[tuple[str, tuple[tuple[str, ...], ...]]]
_CHILD: _EPISODES = Weighted(
    [
        ("urti", (("carbocisteine_syrup", "acetaminophen_syrup"), ("carbocisteine_syrup",))),
        ("nasopharyngitis", (("carbocisteine_syrup", "mequitazine3"),)),
        ("otitis", (("amoxicillin250", "carbocisteine_syrup"),)),
        ("enteritis", ((),)),
        ("diarrhoea", ((),)),
        ("bronchiolitis", (("carbocisteine_syrup",),)),
        ("conjunctivitis", ((),)),
    ],
    [40, 15, 15, 10, 5, 8, 7],
)
_ADULT: _EPISODES = Weighted(
    [
        (
            "urti",
            (
                ("carbocisteine500", "acetaminophen200"),
                ("carbocisteine500",),
                ("bromhexine4", "acetaminophen200"),
            ),
        ),
        ("laryngitis", (("cefcapene100", "carbocisteine500"), ("tosufloxacin75",))),
        ("enteritis", (("metoclopramide5",), ())),
        ("uti", (("cefcapene100",), ("tosufloxacin75",))),
        ("pyelonephritis", (("tosufloxacin75", "acetaminophen200"),)),
        ("conjunctivitis", ((),)),
        ("injury", (("loxoprofen60",), ())),
        ("ankle_abrasion", ((),)),
    ],
    [45, 15, 15, 8, 2, 5, 6, 4],
)
#: acts billed with an acute visit
_ACTS = {"injury": ("wound_care",), "ankle_abrasion": ("wound_care",)}
_ANTIBIOTICS = {"amoxicillin250": "penicillin", "cefcapene100": "cephem"}
_NSAIDS = {"loxoprofen60", "meloxicam10"}


def rate(age: int) -> float:
    found = 0.0
    for threshold, value in _RATES:
        if age >= threshold:
            found = value
    return found


def add_acute(ph: PersonHistory) -> None:
    cfg = ph.config
    years = (cfg.end - cfg.start).days / 365.25
    expected = rate(ph.age) * years
    count = int(expected) + (1 if chance(ph.rng, expected - int(expected)) else 0)
    for _ in range(count):
        day = schedule.between(ph.rng, cfg.start, cfg.end)
        if ph.person.age_on(day) < 0 or day < ph.person.birth:
            continue
        _episode(ph, day)
    flu_seasons = range(cfg.start.year, cfg.end.year + 1)
    for year in flu_seasons:
        if chance(ph.rng, 0.08 if ph.age >= 15 else 0.15):
            day = schedule.between(ph.rng, date(year, 12, 1), date(year + 1, 2, 28))
            if cfg.start <= day <= cfg.end:
                _episode(ph, day, "influenza")


def _episode(ph: PersonHistory, day: date, disease: str = "") -> None:
    child = ph.person.age_on(day) < 15
    drugs: tuple[str, ...]
    if disease == "influenza":
        drugs = ("acetaminophen_syrup",) if child else ("baloxavir20", "acetaminophen200")
    else:
        disease, options = (_CHILD if child else _ADULT).pick(ph.rng)
        drugs = ph.rng.choice(options)
    allowed = [d for d in drugs if _allowed(ph, d)]
    specialty = (
        "pediatrics"
        if child
        else ("ent" if disease == "laryngitis" and chance(ph.rng, 0.5) else "internal")
    )
    facility = ph.chooser.facility("clinic", specialty, day)
    if facility is None:
        return
    day = schedule.open_day(day)
    if day > ph.config.end:
        return
    end = min(ph.config.end, day + timedelta(days=ph.rng.randint(5, 14)))
    dx = ph.diagnosis(facility, disease, day, main=True, end=end, outcome=CURED)
    department = facility.department
    ph.add_visit(
        facility,
        department,
        day,
        [dx],
        allowed,
        ph.rng.choice((3, 5, 7)),
        extra=_ACTS.get(disease, ()),
    )
    if chance(ph.rng, 0.35) and end > day + timedelta(days=3):
        again = schedule.open_day(day + timedelta(days=ph.rng.randint(3, 6)))
        if again <= ph.config.end:
            ph.add_visit(facility, department, again, [dx], allowed[:1], 5)


def _allowed(ph: PersonHistory, drug: str) -> bool:
    allergies = {a.key for a in ph.history.allergies}
    if _ANTIBIOTICS.get(drug) in allergies:
        return False
    return not (drug in _NSAIDS and "nsaid" in allergies)
