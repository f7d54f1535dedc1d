"""Referral letters (診療情報提供書) between the facilities a person uses.

A clinic refers a patient when hospital care starts during the timeline (a first visit
there, or a planned admission), a hospital replies after a discharge (逆紹介), and a
clinic hands a patient on when they move away.
"""

from __future__ import annotations

from datetime import date, timedelta

from kizuna.synth.clinical import CURED, Diagnosis, Referral, Visit
from kizuna.synth.facilities import DEPARTMENTS, Facility
from kizuna.synth.history import PersonHistory
from kizuna.synth.rand import chance

_PURPOSE = {
    "01": "血糖・腎機能管理についてご高診をお願いいたします。",
    "06": "下部消化管内視鏡検査および治療をお願いいたします。",
    "08": "循環器疾患の精査加療をお願いいたします。",
    "09": "小児科的管理をお願いいたします。",
    "10": "手術適応についてご高診をお願いいたします。",
    "11": "手術適応についてご高診をお願いいたします。",
    "26": "白内障手術についてご高診をお願いいたします。",
    "32": "維持透析をお願いいたします。",
}


def add_referrals(ph: PersonHistory) -> None:
    visits = sorted(ph.history.visits, key=lambda v: (v.day, v.facility.code))
    first_at: dict[str, Visit] = {}
    for visit in visits:
        first_at.setdefault(visit.facility.code, visit)
    start = ph.config.start + timedelta(days=30)
    for visit in first_at.values():
        if visit.facility.kind != "hospital" or visit.day < start:
            continue
        source = _clinic_before(visits, visit.day)
        if source is not None:
            _refer(ph, source, visit.facility, visit.department, visit.diagnoses)
    for adm in ph.history.admissions:
        source = _clinic_before(visits, adm.start)
        if source is None:
            continue
        if adm.planned and not any(
            r.target.code == adm.facility.code for r in ph.history.referrals
        ):
            _refer(ph, source, adm.facility, adm.department, [adm.reason])
        if adm.end < ph.config.end:
            ph.history.referrals.append(
                Referral(
                    ph.number(),
                    adm.end,
                    adm.facility,
                    source.facility,
                    source.department,
                    adm.reason,
                    "退院後の継続加療をお願いいたします。",
                    reply=True,
                )
            )
    _hand_over_on_move(ph, visits)


def _clinic_before(visits: list[Visit], day: date) -> Visit | None:
    found = None
    for visit in visits:
        if visit.day >= day:
            break
        if visit.facility.kind == "clinic" and visit.facility.specialty == "internal":
            found = visit
    return found


def _refer(
    ph: PersonHistory, source: Visit, target: Facility, department: str, diagnoses: list[Diagnosis]
) -> None:
    """A referral letter written at the clinic visit ``source`` (which bills 診療情報提供料)."""
    reason = diagnoses[0] if diagnoses else source.diagnoses[0]
    purpose = _PURPOSE.get(
        department, f"{DEPARTMENTS.get(department, '')}でのご高診をお願いいたします。"
    )
    ph.history.referrals.append(
        Referral(ph.number(), source.day, source.facility, target, department, reason, purpose)
    )
    source.acts += ph.acts(["referral_fee"], source.day, "fee")


def _hand_over_on_move(ph: PersonHistory, visits: list[Visit]) -> None:
    """When a person's primary clinic changes, the old one writes to the new one."""
    previous: Visit | None = None
    for visit in visits:
        if visit.facility.kind != "clinic" or visit.facility.specialty != "internal":
            continue
        if (
            previous is not None
            and visit.facility.code != previous.facility.code
            and visit.first
            and previous.diagnoses
            and previous.diagnoses[0].outcome != CURED
            and chance(ph.rng, 0.5)
        ):
            ph.history.referrals.append(
                Referral(
                    ph.number(),
                    previous.day,
                    previous.facility,
                    visit.facility,
                    "01",
                    previous.diagnoses[0],
                    "転居のため、今後の加療をお願いいたします。",
                )
            )
            previous.acts += ph.acts(["referral_fee"], previous.day, "fee")
        previous = visit
