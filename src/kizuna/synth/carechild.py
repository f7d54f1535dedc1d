"""Children with medical-care needs (医療的ケア児): tracheostomy, home ventilator, gastrostomy
feeding and seizures, cared for by a hospital's paediatrics department, with the guardian's
care information (devices and settings, baseline vital signs, seizure plan, contacts)."""

from __future__ import annotations

from datetime import timedelta

from kizuna.synth import insurance
from kizuna.synth.clinical import ActDone, CarePlan, Device
from kizuna.synth.history import PersonHistory
from kizuna.synth.inpatient import act_name, admit, free_day
from kizuna.synth.model import Person
from kizuna.synth.rand import chance

HOME_CARE_ACTS = ("home_ventilator", "home_tracheostomy", "home_tube_feeding")


def add_care_child(ph: PersonHistory, guardian: Person | None) -> None:
    if "care_child" not in ph.conditions:
        return
    person = ph.person
    hospital = ph.chooser.facility("hospital", "general", ph.config.start)
    if hospital is None:
        return
    since = ph.onset_before(0, max(1, ph.age - 1)) if ph.age > 1 else person.birth
    since = max(since, person.birth + timedelta(days=60))
    tube = ph.rng.choice(("3.5", "4.0", "4.5", "5.0"))
    devices = [
        Device(
            "tracheostomy",
            "気管切開カニューレ",
            f"内径{tube}mm　カフなし　月１回交換",
            since,
            hospital,
        ),
        Device(
            "ventilator",
            "在宅人工呼吸器",
            "SIMV　1回換気量120mL　呼吸数20回/分　PEEP 5cmH2O　FiO2 0.25（夜間・睡眠時装着）",
            since,
            hospital,
        ),
        Device("gastrostomy", "胃瘻ボタン", "14Fr　シャフト長1.7cm　固定水5mL", since, hospital),
    ]
    ph.history.devices.extend(devices)
    prefecture = person.addresses.first.prefecture_code
    ph.history.public_expenses.append(
        insurance.public_expense("52", prefecture, ph.rng, "小児慢性特定疾病医療費")
    )
    ph.history.care = CarePlan(
        devices=devices,
        baseline={
            "SpO2": "95-98%（酸素1L/分）",
            "心拍数": "90-120/分",
            "呼吸数": "20-26/分",
            "体温": "36.5-37.3℃",
        },
        seizure_plan="強直間代発作が５分以上続く場合はジアゼパム坐剤６mgを挿肛。"
        "１０分以上持続または呼吸状態悪化時は救急要請。",
        ventilator_settings=devices[1].detail,
        feeding="胃瘻より半固形栄養剤　1日4回（6時・11時・16時・21時）　計800kcal/日",
        guardian=guardian,
    )
    ph.history.past.append(
        f"{since.year}年　急性脳症。後遺症として重症心身障害、気管切開・胃瘻造設"
    )
    for visit in ph.history.visits:
        if visit.facility.code == hospital.code and visit.department == "09":
            visit.acts += [
                ActDone(k, visit.day, "homecare", act_name(ph, k)) for k in HOME_CARE_ACTS
            ]
    years = (ph.config.end - ph.config.start).days / 365.25
    for _ in range(int(years * 1.2)):
        day = free_day(ph) if chance(ph.rng, 0.8) else None
        if day is not None:
            adm = admit(ph, hospital, "09", day, ph.rng.randint(6, 14), "pneumonia", planned=False)
            adm.labs[0] = ph.lab_panel(hospital, day, "infection")
            adm.acts.append(ActDone("ventilation", day, "other", "人工呼吸"))
            adm.course = "誤嚥性肺炎。人工呼吸器設定を調整し抗菌薬点滴で改善。"
