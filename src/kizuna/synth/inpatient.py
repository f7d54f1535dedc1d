"""Admissions and operations: pneumonia in old age, endoscopic polypectomy, cataract,
hysterectomy, appendicitis, knee replacement, myocardial infarction with a stent,
pacemakers, and the implants they leave behind.
"""

from __future__ import annotations

from datetime import date, timedelta

from kizuna.synth import schedule
from kizuna.synth.catalog import Drug
from kizuna.synth.clinical import CONTINUING, CURED, ActDone, Admission, Device
from kizuna.synth.facilities import Facility
from kizuna.synth.history import PersonHistory
from kizuna.synth.rand import chance


def add_inpatient(ph: PersonHistory) -> None:
    cfg = ph.config
    years = (cfg.end - cfg.start).days / 365.25
    age, sex = ph.age, ph.person.sex
    conditions = ph.conditions
    planned = (
        (pneumonia, age >= 65 and chance(ph.rng, (0.03 if age >= 75 else 0.01) * years)),
        (polypectomy, 50 <= age < 80 and chance(ph.rng, 0.008 * years)),
        (cataract, age >= 70 and chance(ph.rng, 0.015 * years)),
        (hysterectomy, sex == "F" and 40 <= age < 55 and chance(ph.rng, 0.004 * years)),
        (appendicitis, 8 <= age < 45 and chance(ph.rng, 0.0015 * years)),
        (knee_replacement, "knee_oa" in conditions and chance(ph.rng, 0.15)),
        (
            myocardial_infarction,
            age >= 55
            and sex == "M"
            and "old_mi" not in conditions
            and chance(ph.rng, 0.003 * years),
        ),
        (pacemaker, "pacemaker" in conditions and chance(ph.rng, 0.3)),
    )
    for event, happens in planned:
        day = free_day(ph) if happens else None
        if day is not None:
            event(ph, day)
    if "old_mi" in conditions:
        past_stent(ph)
    if "pacemaker" in conditions and not any(d.kind == "pacemaker" for d in ph.history.devices):
        past_pacemaker(ph)
    if "dialysis" in conditions:
        past_shunt(ph)


def free_day(ph: PersonHistory, length: int = 30) -> date | None:
    """A day to be admitted on, at least two weeks clear of any other admission."""
    cfg = ph.config
    for _ in range(20):
        day = schedule.open_day(
            schedule.between(ph.rng, cfg.start + timedelta(days=30), cfg.end - timedelta(days=30)),
            hospital=True,
        )
        if all(
            day > a.end + timedelta(days=14) or day + timedelta(days=length + 14) < a.start
            for a in ph.history.admissions
        ):
            return day
    return None


def hospital(ph: PersonHistory, day: date) -> Facility | None:
    return ph.chooser.facility("hospital", "general", day)


def admit(
    ph: PersonHistory,
    facility: Facility,
    department: str,
    start: date,
    days: int,
    reason: str,
    planned: bool,
    end_outcome: str = CURED,
) -> Admission:
    end = min(ph.config.end, start + timedelta(days=days))
    if end_outcome == CONTINUING:
        dx = ph.diagnosis(facility, reason, start, main=True)
    else:
        dx = ph.diagnosis(facility, reason, start, main=True, end=end, outcome=end_outcome)
    adm = Admission(ph.number(), facility, department, start, end, dx, planned)
    adm.labs.append(ph.lab_panel(facility, start, "general"))
    ph.history.admissions.append(adm)
    return adm


def operate(
    ph: PersonHistory,
    adm: Admission,
    day: date,
    surgery: str,
    anaesthesia: bool = True,
    transfusion: str = "",
) -> None:
    keys = (
        [surgery],
        ["general_anaesthesia"] if anaesthesia else [],
        [transfusion] if transfusion else [],
    )
    for key_list, kind in zip(keys, ("surgery", "anaesthesia", "transfusion"), strict=True):
        adm.acts += [ActDone(k, day, kind, act_name(ph, k)) for k in key_list]
    adm.transfused = bool(transfusion)


def act_name(ph: PersonHistory, key: str) -> str:
    act = ph.catalog.act(key)
    return act.name if act else _NAMES.get(key, key)


_NAMES = {
    "xray": "胸部単純撮影",
    "appendectomy": "虫垂切除術",
    "knee_arthroplasty": "人工膝関節置換術",
    "pacemaker": "ペースメーカー移植術",
    "pci_stent": "経皮的冠動脈ステント留置術",
    "shunt": "内シャント造設術",
    "dialysis": "人工腎臓（血液透析）",
    "home_ventilator": "在宅人工呼吸指導管理",
    "home_tracheostomy": "在宅気管切開患者指導管理",
    "home_tube_feeding": "在宅経管栄養法指導管理",
}


def pneumonia(ph: PersonHistory, day: date) -> None:
    facility = hospital(ph, day)
    if facility is None:
        return
    length = ph.rng.randint(8, 16)
    adm = admit(ph, facility, "01", day, length, "pneumonia", planned=False)
    adm.labs[0] = ph.lab_panel(facility, day, "infection")
    adm.acts.append(ActDone("xray", day, "exam", act_name(ph, "xray")))
    drug = _injection(ph)
    adm.injections = [(day + timedelta(days=i), drug, "2") for i in range(min(length, 7))]
    adm.labs.append(ph.lab_panel(facility, day + timedelta(days=min(7, length)), "infection"))
    adm.course = "入院時発熱・酸素化低下あり、抗菌薬点滴にて解熱、炎症反応改善し退院。"


def _injection(ph: PersonHistory) -> Drug:
    return ph.catalog.drug("ceftazidime1g")


def polypectomy(ph: PersonHistory, day: date) -> None:
    facility = hospital(ph, day)
    if facility is None:
        return
    adm = admit(ph, facility, "06", day, 2, "colon_polyp", planned=True)
    operate(ph, adm, day, "polypectomy", anaesthesia=False)
    adm.course = "大腸内視鏡にて上行結腸ポリープ（２０ｍｍ）を内視鏡的粘膜切除。出血なし。"


def cataract(ph: PersonHistory, day: date) -> None:
    side = ph.rng.choice(("右眼", "左眼"))
    clinic = ph.chooser.facility("clinic", "ophthalmology", day)
    if clinic is not None and chance(ph.rng, 0.6):
        dx = ph.diagnosis(clinic, "cataract", day - timedelta(days=60), main=True)
        visit = ph.add_visit(clinic, "26", day, [dx], [], 0)
        visit.acts.append(
            ActDone("cataract_surgery", day, "surgery", act_name(ph, "cataract_surgery"))
        )
        ph.history.devices.append(
            Device("lens", f"眼内レンズ（{side}）", "水晶体再建術で挿入", day, clinic)
        )
        return
    facility = hospital(ph, day)
    if facility is None:
        return
    adm = admit(ph, facility, "26", day, 3, "cataract", planned=True, end_outcome=CONTINUING)
    operate(ph, adm, day, "cataract_surgery", anaesthesia=False)
    device = Device("lens", f"眼内レンズ（{side}）", "水晶体再建術で挿入", day, facility)
    adm.devices.append(device)
    ph.history.devices.append(device)
    adm.course = f"{side}水晶体再建術（眼内レンズ挿入）施行。術後経過良好。"


def hysterectomy(ph: PersonHistory, day: date) -> None:
    facility = hospital(ph, day)
    if facility is None:
        return
    adm = admit(ph, facility, "10", day, 8, "uterine_myoma", planned=True)
    operate(ph, adm, day + timedelta(days=1), "hysterectomy", transfusion="autologous_transfusion")
    adm.course = "子宮筋腫に対し腹式子宮全摘術施行。術前貯血の自己血４００ｍＬを返血。"
    ph.history.past.append(f"{day.year}年　子宮筋腫にて子宮全摘術")


def appendicitis(ph: PersonHistory, day: date) -> None:
    facility = hospital(ph, day)
    if facility is None:
        return
    adm = admit(ph, facility, "10", day, 5, "appendicitis", planned=False)
    adm.labs[0] = ph.lab_panel(facility, day, "infection")
    operate(ph, adm, day, "appendectomy")
    adm.course = "急性虫垂炎の診断で緊急に腹腔鏡下虫垂切除術施行。術後経過良好。"
    ph.history.past.append(f"{day.year}年　急性虫垂炎にて虫垂切除術")


def knee_replacement(ph: PersonHistory, day: date, transfused: bool | None = None) -> None:
    facility = hospital(ph, day)
    if facility is None:
        return
    side = ph.rng.choice(("右", "左"))
    adm = admit(ph, facility, "11", day, 21, "knee_oa", planned=True, end_outcome=CONTINUING)
    if transfused is None:
        transfused = chance(ph.rng, 0.3)
    operate(
        ph,
        adm,
        day + timedelta(days=1),
        "knee_arthroplasty",
        transfusion="transfusion" if transfused else "",
    )
    device = Device(
        "knee_prosthesis",
        f"人工膝関節（{side}）",
        "全置換型（セメント固定）",
        day + timedelta(days=1),
        facility,
    )
    adm.devices.append(device)
    ph.history.devices.append(device)
    adm.course = (
        f"{side}変形性膝関節症に対し人工膝関節全置換術施行。"
        + ("術後貧血に対し赤血球液２単位輸血。" if transfused else "")
        + "リハビリ後独歩で退院。"
    )


def myocardial_infarction(ph: PersonHistory, day: date) -> None:
    facility = hospital(ph, day)
    if facility is None:
        return
    adm = admit(ph, facility, "08", day, 12, "acute_mi", planned=False, end_outcome=CONTINUING)
    operate(ph, adm, day, "pci_stent", anaesthesia=False)
    device = Device(
        "stent", "冠動脈ステント（薬剤溶出型）", "右冠動脈＃２　３．０×１８ｍｍ", day, facility
    )
    adm.devices.append(device)
    ph.history.devices.append(device)
    adm.course = "急性下壁心筋梗塞。緊急冠動脈造影で右冠動脈閉塞、ステント留置。合併症なく退院。"
    after = adm.end + timedelta(days=14)
    for visit_day in schedule.regular(after, ph.config.end, 56, ph.rng, hospital=True):
        dx = ph.diagnosis(facility, "acute_mi", day)
        ph.add_visit(
            facility,
            "08",
            visit_day,
            [dx],
            ["aspirin100", "rosuvastatin5_np", "amlodipine2_5"],
            56,
            "lipids",
        )


def past_stent(ph: PersonHistory) -> None:
    day = ph.onset_before(2, 10)
    facility = hospital(ph, ph.config.start)
    if facility is None:
        return
    ph.history.devices.append(
        Device(
            "stent",
            "冠動脈ステント（薬剤溶出型）",
            "左前下行枝＃７　３．０×２３ｍｍ",
            day,
            facility,
        )
    )
    ph.history.past.append(f"{day.year}年　急性心筋梗塞にて経皮的冠動脈ステント留置術")


def pacemaker(ph: PersonHistory, day: date) -> None:
    facility = hospital(ph, day)
    if facility is None:
        return
    adm = admit(ph, facility, "08", day, 7, "sick_sinus", planned=True, end_outcome=CONTINUING)
    operate(ph, adm, day + timedelta(days=1), "pacemaker", anaesthesia=False)
    device = Device(
        "pacemaker",
        "ペースメーカー（DDD）",
        "経静脈リード２本、MRI条件付き対応",
        day + timedelta(days=1),
        facility,
    )
    adm.devices.append(device)
    ph.history.devices.append(device)
    adm.course = "洞不全症候群（徐脈頻脈症候群）に対しペースメーカー植込み術施行。"


def past_pacemaker(ph: PersonHistory) -> None:
    day = ph.onset_before(1, 8)
    facility = hospital(ph, ph.config.start)
    if facility is None:
        return
    ph.history.devices.append(
        Device(
            "pacemaker", "ペースメーカー（DDD）", "経静脈リード２本、MRI条件付き対応", day, facility
        )
    )
    ph.history.past.append(f"{day.year}年　洞不全症候群にてペースメーカー植込み")


def past_shunt(ph: PersonHistory) -> None:
    day = ph.onset_before(1, 8)
    facility = hospital(ph, ph.config.start)
    if facility is None:
        return
    ph.history.devices.append(
        Device(
            "shunt",
            "内シャント（左前腕）",
            "自己血管内シャント、シャント肢での採血・血圧測定禁止",
            day,
            facility,
        )
    )
    ph.history.past.append(f"{day.year}年　糖尿病性腎症による末期腎不全にて血液透析導入")


#: the admissions a scripted history can ask for
EVENTS = {
    "pneumonia": pneumonia,
    "polypectomy": polypectomy,
    "cataract": cataract,
    "hysterectomy": hysterectomy,
    "appendicitis": appendicitis,
    "knee_replacement": knee_replacement,
    "myocardial_infarction": myocardial_infarction,
    "knee_replacement_transfused": lambda ph, day: knee_replacement(ph, day, True),
    "pacemaker": pacemaker,
    "past_pacemaker": lambda ph, day: past_pacemaker(ph),
    "past_stent": lambda ph, day: past_stent(ph),
    "past_shunt": lambda ph, day: past_shunt(ph),
}
