"""Yearly specific health checkups (特定健診) for insured people aged 40 to 74.

About half of the people take it every year (their habit is drawn once); the measurements
come from the same physiology as their hospital tests, and the questionnaire's medication
answers (服薬) follow what they are actually prescribed.
"""

from __future__ import annotations

from datetime import date, timedelta

from kizuna.synth import schedule
from kizuna.synth.clinical import Checkup
from kizuna.synth.history import PersonHistory
from kizuna.synth.rand import chance

UPTAKE = 0.55
CHECKUP_TESTS = (
    "tg",
    "hdl",
    "ldl",
    "ast",
    "alt",
    "ggt",
    "glucose",
    "hba1c",
    "creatinine",
    "egfr",
    "hb",
)
_BP_DRUGS = {"2171", "2149", "2144", "2132", "2139"}
_GLUCOSE_DRUGS = {"3961", "3962", "3969"}
_LIPID_DRUGS = {"2189", "2183"}


def add_checkups(ph: PersonHistory) -> None:
    if not chance(ph.rng, UPTAKE):
        return
    person, cfg = ph.person, ph.config
    height = ph.rng.gauss(170 if person.sex == "M" else 157, 6) - max(0, ph.age - 60) * 0.1
    bmi = (
        ph.rng.gauss(23.8 if person.sex == "M" else 22.3, 2.8)
        + (2.5 if "diabetes" in ph.conditions else 0)
        + (1.0 if "hypertension" in ph.conditions else 0)
    )
    smoker = chance(ph.rng, 0.25 if person.sex == "M" else 0.08)
    for year in range(cfg.start.year, cfg.end.year + 1):
        day = schedule.open_day(schedule.between(ph.rng, date(year, 6, 1), date(year, 11, 30)))
        if not cfg.start <= day <= cfg.end or not 40 <= person.age_on(day) <= 74:
            continue
        facility = ph.chooser.facility("checkup", "", day)
        cov = person.coverage_on(day)
        if facility is None or cov is None or cov.kind == "kouki":
            continue
        values = ph.physiology.panel(
            CHECKUP_TESTS, day, cfg.start, ph.rng, person.age_on(day), person.sex
        )
        weight = bmi * (height / 100) ** 2 * (1 + ph.rng.gauss(0, 0.015))
        drugs = _drugs_on(ph, day)
        hypertensive = "hypertension" in ph.conditions
        systolic = int(ph.rng.gauss(138 if hypertensive else 121, 10))
        ph.history.checkups.append(
            Checkup(
                day=day,
                facility=facility,
                values=values,
                height=round(height, 1),
                weight=round(weight, 1),
                waist=round(weight / (height / 100) ** 2 * 3.55 + ph.rng.gauss(0, 2.5), 1),
                systolic=systolic,
                diastolic=int(systolic * 0.62 + ph.rng.gauss(0, 5)),
                on_bp_drugs=bool(drugs & _BP_DRUGS),
                on_glucose_drugs=bool(drugs & _GLUCOSE_DRUGS),
                on_lipid_drugs=bool(drugs & _LIPID_DRUGS),
                smoker=smoker,
            )
        )


def _drugs_on(ph: PersonHistory, day: date) -> set[str]:
    """The 4-digit therapeutic classes the person was prescribed in the 90 days before."""
    since = day - timedelta(days=90)
    out = set()
    for visit in ph.history.visits:
        if visit.prescription is not None and since <= visit.day <= day:
            out |= {d.yj[:4] for d in visit.prescription.drugs if d.yj}
    return out
