"""A person's whole history, step by step (the order matters: allergies come before any
prescription, checkups and referrals after the visits they depend on)."""

from __future__ import annotations

from datetime import timedelta

from kizuna.synth import insurance
from kizuna.synth.acute import add_acute
from kizuna.synth.allergies import allergy, assign_allergies
from kizuna.synth.carechild import add_care_child
from kizuna.synth.checkups import add_checkups
from kizuna.synth.clinical import History
from kizuna.synth.history import Builder, PersonHistory, Plan
from kizuna.synth.inpatient import EVENTS, add_inpatient
from kizuna.synth.model import Person
from kizuna.synth.referrals import add_referrals


def build_history(
    builder: Builder, person: Person, guardian: Person | None = None, plan: Plan | None = None
) -> History:
    ph = PersonHistory(builder, person, plan)
    if plan is None:
        ph.history.allergies = assign_allergies(person, ph.age, ph.rng)
    else:
        ph.history.allergies = [allergy(key, "") for key in plan.allergies]
    ph.regular_care()
    add_acute(ph)
    if plan is None:
        add_inpatient(ph)
    else:
        for event, before_end in plan.events:
            EVENTS[event](ph, builder.config.end - timedelta(days=before_end))
    add_care_child(ph, guardian)
    if "dialysis" in ph.conditions:
        ph.history.special_notes = "02"  # 長: 特定疾病療養 (chronic renal failure on dialysis)
        prefecture = person.addresses.first.prefecture_code
        ph.history.public_expenses.append(
            insurance.public_expense("15", prefecture, ph.rng, "自立支援医療（更生医療）")
        )
    ph.bill()
    add_checkups(ph)
    add_referrals(ph)
    ph.history.admissions.sort(key=lambda a: a.start)
    return ph.history
