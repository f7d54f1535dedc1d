"""Hospital SS-MIX2 standardized storage trees: ``ssmix2/<facility code>/<PID tree>``.

Per patient and hospital: ADT-00 (a new version whenever the hospital's record of the
person changes; older versions renamed with flag 2), ADT-61 allergies, PPR-01 diagnoses,
ADT-12 per outpatient visit, ADT-21/22/52 per admission, OMP-01 per prescription and
OML-11 per lab panel (one message per specimen). MSH-4 carries the facility code.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import jaconv

from kizuna.ingest.ssmix2 import writer as w
from kizuna.ingest.ssmix2.datatypes import (
    CQ,
    CWE,
    CX,
    DR,
    EI,
    EIP,
    PL,
    RPT,
    XAD,
    XON,
    XPN,
    XTN,
    SubCWE,
)
from kizuna.ingest.ssmix2.segments import (
    IAM,
    IN1,
    NK1,
    OBR,
    OBX,
    ORC,
    PID,
    PRB,
    PV1,
    PV2,
    RXE,
    RXR,
    SPM,
    TQ1,
    ZPR,
    RawSegment,
    Segment,
)
from kizuna.ingest.ssmix2.storage import NO_DATE, SUPERSEDED, VALID, relative_path
from kizuna.synth.catalog import Drug
from kizuna.synth.clinical import (
    CURED,
    Admission,
    Diagnosis,
    LabPanel,
    LabResult,
    Prescription,
    Visit,
)
from kizuna.synth.facilities import Facility
from kizuna.synth.registration import Identity, Registration
from kizuna.synth.writers.subject import Subject

FORMAT = "ssmix2"
#: JHSD0001 保険種別 (the 法別番号 for employees' insurance; C0 for 国保)
_PLAN = {
    "kyokai": ("01", "全国健康保険協会管掌健康保険"),
    "kumiai": ("06", "組合管掌健康保険"),
    "kyosai": ("", "共済組合"),
    "kokuho": ("C0", "国民健康保険"),
    "kouki": ("39", "後期高齢者医療"),
}
_UNITS = {
    "錠": ("TAB", "錠"),
    "カプセル": ("CAP", "カプセル"),
    "ｍＬ": ("ML", "mL"),
    "mL": ("ML", "mL"),
    "ｇ": ("G", "g"),
    "包": ("HO", "包"),
    "瓶": ("VIL", "瓶"),
}
_SPECIMENS = {"023": "血清", "019": "全血", "001": "尿"}
_ALLERGY_TYPES = {"DA": "薬剤アレルギー", "FA": "食物アレルギー", "EA": "環境アレルギー"}
_SEVERITY = {"MI": "軽度", "MO": "中等度", "SV": "重度"}


def _wide(text: str) -> str:
    return jaconv.h2z(text, kana=True, ascii=False, digit=False)


def timestamp(day: date, minutes: int) -> str:
    """yyyyMMddHHmmss on ``day``, ``minutes`` after 08:30."""
    total = 8 * 60 + 30 + minutes % 540
    return f"{day:%Y%m%d}{total // 60:02d}{total % 60:02d}00"


def _minutes(number: str) -> int:
    return int(number[-6:]) * 37


class HospitalTree:
    """Writes one patient's messages in one hospital's storage tree."""

    def __init__(self, subject: Subject, facility: Facility, first: date) -> None:
        self.s = subject
        self.facility = facility
        self.reg: Registration = subject.registration(facility, FORMAT, first)
        self.root = Path("ssmix2", facility.code)
        self.pid = self.reg.local_id
        self.files = 0

    # -- plumbing ----------------------------------------------------------------------
    def patient(self, day: date) -> tuple[w.Patient, Identity]:
        ident = self.reg.identity(day)
        name = ident.name
        # SS-MIX2 stores kana full width; widen whole words so that voiced kana (ﾀﾞ) stay
        # one character
        return w.Patient(
            self.pid,
            name.family,
            name.given,
            _wide(name.family_kana),
            _wide(name.given_kana),
            f"{ident.birth:%Y%m%d}",
            self.s.person.sex,
            ident.address.postal_code,
            ident.address.text,
            ident.phone,
        ), ident

    def header(self, ts: str, control: str) -> w.Header:
        return w.Header(self.facility.code, ts, control_id=control)

    def save(
        self,
        record: w.MessageRecord,
        data_type: str,
        care_date: str = NO_DATE,
        order: str = "9" * 15,
        department: str = "-",
        flag: str = VALID,
    ) -> None:
        name = w.storage_name(record, data_type, care_date, order, department, flag)
        record.segments = [_cached(seg) for seg in record.segments]
        self.s.out.write(self.root / relative_path(name), w.message_bytes(record), "message")
        self.files += 1

    def doctor(self, department: str) -> w.XCN:
        staff = self.facility.doctor(department)
        return w.staff(staff.id, staff.family, staff.given)

    # -- patient information ------------------------------------------------------------
    def adt00(self, days: list[date]) -> None:
        """One ADT-00 version per change in what the hospital knows of the person."""
        versions: list[tuple[date, tuple[w.Patient, Identity]]] = []
        for day in days:
            current = self.patient(day)
            if not versions or versions[-1][1] != current:
                versions.append((day, current))
        for i, (day, (patient, ident)) in enumerate(versions):
            ts = timestamp(day, 5 + i)
            record = w.adt00(self.header(ts, f"{ts}00"), patient, self.insurance(ident))
            record.segments[2:2] = self.next_of_kin(day)
            flag = VALID if i == len(versions) - 1 else SUPERSEDED
            self.save(record, "ADT-00", flag=flag)

    def insurance(self, ident: Identity) -> list[IN1]:
        cov = ident.coverage
        if cov is None:
            return []
        plan, plan_name = _PLAN[cov.kind]
        relation = CWE("SEL", "本人", "HL70063") if cov.insured else CWE("DEP", "家族", "HL70063")
        out = [
            IN1(
                set_id="1",
                plan=CWE(plan or cov.insurer[:2], plan_name, "JHSD0001"),
                insurer=(CX(cov.insurer),),
                symbol=(CX(cov.symbol, ident.branch),),
                number=(XON(cov.number),),
                effective=f"{cov.start:%Y%m%d}",
                relationship=relation,
            )
        ]
        for i, expense in enumerate(self.s.history.public_expenses, start=2):  # 公費
            out.append(
                IN1(
                    set_id=str(i),
                    plan=CWE(expense.payer[:2], expense.label, "JHSD0001"),
                    insurer=(CX(expense.payer),),
                    insurer_name=(XON(expense.label),),
                    number=(XON(expense.recipient),),
                )
            )
        return out

    def next_of_kin(self, day: date) -> list[NK1]:
        guardian = self.s.guardian
        if guardian is None or self.s.person.age_on(day) >= 20:
            return []
        name = guardian.names.on(day)
        home = guardian.addresses.on(day)
        relation = ("MTH", "母") if guardian.sex == "F" else ("FTH", "父")
        phones = [XTN(use="PRN", equipment="PH", number=home.phone)]
        if guardian.mobile:
            phones.append(XTN(use="PRN", equipment="CP", number=guardian.mobile))
        return [
            NK1(
                set_id="1",
                names=(
                    XPN(name.family, name.given, type_code="L", representation="I"),
                    XPN(name.family_kana, name.given_kana, type_code="L", representation="P"),
                ),
                relationship=CWE(relation[0], relation[1], "HL70063"),
                addresses=(
                    XAD(zip=home.postal_code, country="JPN", type_code="H", text=home.text),
                ),
                phones=tuple(phones),
            )
        ]

    def allergies(self, day: date) -> None:
        items = self.s.history.allergies
        if not items:
            return
        segments = [
            IAM(
                set_id=str(i + 1),
                allergen_type=CWE(a.kind, _ALLERGY_TYPES[a.kind], "HL70127"),
                allergen=CWE("", a.substance, ""),
                severity=CWE(a.severity, _SEVERITY[a.severity], "HL70128"),
                reactions=(a.reaction,),
                action=CWE("A", "追加", "HL70323"),
                onset=a.since if a.since.isdigit() else "",
                onset_text="" if a.since.isdigit() else a.since,
                reported=f"{day:%Y%m%d}",
            )
            for i, a in enumerate(items)
        ]
        ts = timestamp(day, 15)
        patient, _ = self.patient(day)
        self.save(w.adt61(self.header(ts, f"{ts}61"), patient, segments), "ADT-61")

    def problems(self, day: date) -> None:
        diagnoses = self.s.history.diagnoses.get(self.facility.code, [])
        if not diagnoses:
            return
        ts = timestamp(day, 400)
        patient, _ = self.patient(day)
        record = w.ppr01(
            self.header(ts, f"{ts}01"),
            patient,
            [_problem(dx, i) for i, dx in enumerate(diagnoses)],
            self.doctor(self.facility.department),
        )
        self.save(record, "PPR-01", department=self.facility.department)

    # -- encounters ----------------------------------------------------------------------
    def visit(self, visit: Visit) -> None:
        ts = timestamp(
            visit.day,
            _minutes(visit.prescription.number if visit.prescription else f"{visit.day:%d}0000"),
        )
        patient, _ = self.patient(visit.day)
        pv1 = PV1(
            "0001",
            "O",
            PL(visit.department, type_code="C"),
            attending=(self.doctor(visit.department),),
            department=visit.department,
            admitted=ts,
        )
        record = w.adt_encounter(self.header(ts, f"{ts}12"), patient, "ADT-12", pv1)
        self.save(record, "ADT-12", f"{visit.day:%Y%m%d}", department=visit.department)
        if visit.prescription is not None:
            self.prescription(visit.prescription, ts)
        if visit.labs is not None:
            self.lab(visit.labs)

    def admission(self, adm: Admission) -> None:
        doctor = self.doctor(adm.department)
        bed = PL(f"{adm.department}W", f"{300 + int(adm.number[-2:]) % 40}", "1", type_code="N")
        start = timestamp(adm.start, 60)
        patient, _ = self.patient(adm.start)
        if adm.planned:
            planned_day = adm.start - timedelta(days=7)
            ts = timestamp(planned_day, 120)
            record = w.adt_encounter(
                self.header(ts, f"{ts}21"),
                self.patient(planned_day)[0],
                "ADT-21",
                PV1("0001", "I", bed, attending=(doctor,), department=adm.department),
                planned=PV2(expected_admit=start),
            )
            self.save(record, "ADT-21", f"{adm.start:%Y%m%d}", department=adm.department)
        record = w.adt_encounter(
            self.header(start, f"{start}22"),
            patient,
            "ADT-22",
            PV1(
                "0001",
                "I",
                bed,
                attending=(doctor,),
                department=adm.department,
                admitting=(doctor,),
                admitted=start,
            ),
        )
        self.save(record, "ADT-22", f"{adm.start:%Y%m%d}", department=adm.department)
        for panel in adm.labs:
            self.lab(panel)
        if adm.end < self.s.config.end:
            end = timestamp(adm.end, 120)
            record = w.adt_encounter(
                self.header(end, f"{end}52"),
                self.patient(adm.end)[0],
                "ADT-52",
                PV1(
                    "0001",
                    "I",
                    bed,
                    attending=(doctor,),
                    department=adm.department,
                    discharge_disposition="01",
                    discharged=(end,),
                ),
                occurred=end,
            )
            self.save(record, "ADT-52", f"{adm.end:%Y%m%d}", department=adm.department)

    # -- orders ----------------------------------------------------------------------------
    def prescription(self, rx: Prescription, ts: str) -> None:
        doctor = self.doctor(rx.department)
        groups = []
        for rp_number, rp in enumerate(rx.rps, start=1):
            for drug in rp.drugs:
                groups.append(
                    _drug_order(
                        rx, rp_number, drug, rp.days, rp.usage.code, rp.usage.text, doctor, ts
                    )
                )
        if not groups:
            return
        patient, _ = self.patient(rx.day)
        visit = PV1(
            "0001",
            "O",
            PL(rx.department, type_code="C"),
            attending=(doctor,),
            department=rx.department,
        )
        record = w.omp01(self.header(ts, f"{ts}P{rx.number[-4:]}"), patient, groups, visit)
        self.save(record, "OMP-01", f"{rx.day:%Y%m%d}", rx.number, rx.department)

    def lab(self, panel: LabPanel) -> None:
        ts = timestamp(panel.day, _minutes(panel.number) + 30)
        patient, _ = self.patient(panel.day)
        sex = self.s.person.sex
        for specimen, number, results in _by_specimen(panel):
            obx = [
                OBX(
                    set_id=str(i + 1),
                    value_type="NM",
                    code=CWE(r.test.jlac10, r.test.name, "JC10"),
                    values=(r.test.text(r.value),),
                    units=CWE(r.test.unit, r.test.unit, "ISO+"),
                    reference_range=r.test.range_text(sex),
                    abnormal_flags=(r.flag(sex),) if r.flag(sex) != "N" else (),
                    status="F",
                    observed=ts,
                )
                for i, r in enumerate(results)
            ]
            record = w.oml11(
                self.header(ts, f"{ts}L{number[-4:]}"),
                patient,
                SPM(
                    "1",
                    EIP(number),
                    specimen_type=CWE(specimen, _SPECIMENS[specimen], "JC10"),
                    collected=DR(ts),
                ),
                OBR(
                    "1",
                    EI(number),
                    EI(number),
                    service=CWE("L01", "検体検査", "99O03"),
                    observed=ts,
                    reported=ts,
                ),
                ORC("SC", EI(number), EI(number), status="CM", transaction_time=ts),
                obx,
            )
            self.save(record, "OML-11", f"{panel.day:%Y%m%d}", number, "01")


#: segments that recur unchanged in many messages (a patient's PID, a drug's RXE...):
#: their text is computed once; the text of a segment does not depend on the message
_SEGMENTS: dict[str, RawSegment] = {}
_CACHED_TYPES = (PID, RXE, RXR, TQ1)


def _cached(seg: Segment) -> Segment:
    if not isinstance(seg, _CACHED_TYPES):
        return seg
    key = repr(seg)
    raw = _SEGMENTS.get(key)
    if raw is None:
        if len(_SEGMENTS) > 50_000:
            _SEGMENTS.clear()
        raw = _SEGMENTS[key] = RawSegment(tuple(w.segment_text(seg).split("|")))
    return raw


def _problem(dx: Diagnosis, index: int) -> tuple[PRB, ZPR | None]:
    disease = dx.disease
    problem = (
        CWE(disease.exchange, disease.name, "MDCDX2")
        if disease.exchange
        else CWE("", disease.name, "")
    )
    outcome = CWE("F", "回復", "HL70241") if dx.outcome == CURED else CWE()
    prb = PRB(
        action="AD",
        action_time=f"{dx.start:%Y%m%d}",
        problem=problem,
        instance_id=EI(f"{dx.start:%Y%m%d}{index:03d}"),
        established=f"{dx.start:%Y%m%d}",
        resolved=f"{dx.end:%Y%m%d}" if dx.end else "",
        classification=CWE(disease.icd10, disease.name, "I10", "O", "外来時", "JHSD0004")
        if disease.icd10
        else CWE("", "", "", "O", "外来時", "JHSD0004"),
        outcome=outcome,
        onset=f"{dx.start:%Y%m%d}",
        onset_text=disease.name,
        ranking=CWE("1", "主診断", "JHSD0007") if dx.main else CWE(),
    )
    zpr = None
    if disease.key_number:
        zpr = ZPR(
            disease_key=CWE(disease.key_number, disease.name, "MDCDX2"),
            disease_code=CWE(disease.exchange, disease.name, "MDCDX2"),
        )
    return prb, zpr


def _drug_order(
    rx: Prescription,
    rp_number: int,
    drug: Drug,
    days: int,
    usage_code: str,
    usage_text: str,
    doctor: w.XCN,
    ts: str,
) -> tuple[ORC, RXE, TQ1, RXR]:
    unit_code, unit_text = _UNITS.get(drug.unit, ("TAB", drug.unit))
    daily = drug.daily
    times = int(usage_code[3]) if usage_code[:3] == "101" and usage_code[3] in "123" else 1
    per_dose = _amount(daily, 1, times)
    total = _amount(daily, days)
    if drug.hot9:
        code = CWE(drug.hot9, drug.name, "HOT9")
    elif drug.yj:
        code = CWE(drug.yj, drug.name, "YJ")
    else:
        code = CWE(drug.code, drug.name, "99RCP")
    orc = ORC(
        control="NW",
        placer_order=EI(rx.number),
        placer_group=EI(str(rp_number)),
        transaction_time=ts,
        ordering_provider=(doctor,),
    )
    unit = CWE(unit_code, unit_text, "MR9P")
    rxe = RXE(
        give_code=code,
        amount_min=per_dose,
        units=unit,
        dispense_amount=total,
        dispense_units=unit,
        daily_dose=CQ(daily, SubCWE(unit_code, unit_text, "MR9P")),
        dispensing_instructions=(CWE("OHP", "外来処方", "MR9P"), CWE("OHO", "院外処方", "MR9P")),
    )
    duration = (
        CQ(str(days), SubCWE("d", "日", "ANS+"))
        if usage_code[0] == "1" and not usage_code.startswith("105")
        else CQ()
    )
    tq1 = TQ1(
        set_id="1",
        repeat=(RPT(SubCWE(usage_code, usage_text, "JAMISDP01")),),
        duration=duration,
        start=f"{rx.day:%Y%m%d}",
    )
    return orc, rxe, tq1, RXR(route=CWE("PO", "口", "HL70162"))


def _amount(daily: str, days: int, times: int = 1) -> str:
    value = float(daily) * days / times
    return str(int(value)) if value.is_integer() else f"{value:g}"


def _by_specimen(panel: LabPanel) -> Iterator[tuple[str, str, list[LabResult]]]:
    """The panel's results by specimen, each with its own order number."""
    groups: dict[str, list[LabResult]] = {}
    for result in panel.results:
        groups.setdefault(result.test.specimen, []).append(result)
    for specimen, results in sorted(groups.items()):
        yield specimen, panel.numbers.get(specimen, panel.number), results


def write_hospital(subject: Subject, facility: Facility) -> None:
    """Every message of one patient at one hospital."""
    history = subject.history
    visits = [v for v in history.visits if v.facility.code == facility.code]
    admissions = [a for a in history.admissions if a.facility.code == facility.code]
    days = sorted({v.day for v in visits} | {a.start for a in admissions})
    if not days:
        return
    tree = HospitalTree(subject, facility, days[0])
    tree.adt00(days)
    tree.allergies(days[0])
    tree.problems(days[-1])
    for visit in visits:
        tree.visit(visit)
    for adm in admissions:
        tree.admission(adm)
    patient_dir = tree.root / tree.pid[0:3] / tree.pid[3:6] / tree.pid
    subject.truth(tree.reg, patient_dir.as_posix(), "", days[-1])
