"""A showcase person written as real source files and ingested by the real pipeline.

A diabetic patient seen at an SS-MIX2 hospital, a clinic that sends receipts (UKE) and a
pharmacy that writes the お薬手帳 (JAHIS TC). Metformin is prescribed by both the hospital
and the clinic (a duplicate ingredient); the hospital's itraconazole and the simvastatin
the pharmacy dispensed on the clinic's prescription are a tabled 併用禁忌 pair. Dates are
relative to ``today`` so that "current medication" is current whenever the tests run.
``years`` and ``extra_clinics`` make the long, many-facility history of the benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from kizuna.codes.checkdigit import with_check_digit
from kizuna.fhir import jpcore, writes
from kizuna.fhir.instant import japan_today
from kizuna.ingest.base import stable_id
from kizuna.ingest.jahis_tc import records as tc
from kizuna.ingest.jahis_tc.writer import write as write_tc
from kizuna.ingest.pipeline import Pipeline
from kizuna.ingest.ssmix2 import writer as w
from kizuna.ingest.ssmix2.datatypes import CQ, CWE, CX, DR, EI, EIP, PL, RPT, XON, SubCWE
from kizuna.ingest.ssmix2.segments import IAM, IN1, OBR, OBX, ORC, PRB, PV1, RXE, RXR, SPM, TQ1
from kizuna.ingest.ssmix2.storage import relative_path
from kizuna.ingest.uke import records as med
from kizuna.ingest.uke.schema import DAY_COUNT
from kizuna.ingest.uke.writer import write_records
from kizuna.store.db import Database

HOSPITAL = with_check_digit("131000011")
CLINIC = with_check_digit("131000022")
PHARMACY = with_check_digit("134000033")
NAMES = {HOSPITAL: "かもめ総合病院", CLINIC: "さくら内科クリニック", PHARMACY: "ひまわり薬局"}
INSURER, SYMBOL, NUMBER, BRANCH = "06132013", "1234", "5678", "01"
MEMBER_ID = f"{INSURER}:{SYMBOL}:{NUMBER}:{BRANCH}"
FAMILY, GIVEN, FAMILY_KANA, GIVEN_KANA = "山田", "太郎", "ヤマダ", "タロウ"
BIRTH = date(1958, 3, 15)
PID = "H0012345"
HBA1C, EGFR, CREATININE = "3D046000001920402", "8A065000002391901", "3C015000002327101"
METFORMIN_YJ, ITRACONAZOLE_YJ = "3962002F2019", "6290004M1029"
METFORMIN_500 = "622898200"  # レセ電, YJ 3962002F3015
SIMVASTATIN, AMLODIPINE = "622691000", "622689200"
GASTRECTOMY = "150183410"  # K721 内視鏡的大腸ポリープ・粘膜切除術
GENERAL_ANAESTHESIA = "150233410"  # L008 閉鎖循環式全身麻酔


@dataclass
class Showcase:
    patient_id: str
    today: date
    hba1c: list[tuple[date, str]] = field(default_factory=list)
    egfr: list[tuple[date, str]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


def _patient() -> w.Patient:
    return w.Patient(
        PID,
        FAMILY,
        GIVEN,
        FAMILY_KANA,
        GIVEN_KANA,
        f"{BIRTH:%Y%m%d}",
        "M",
        "100-0001",
        "東京都千代田区千代田１－１",
        "03-1234-5678",
    )


def _ts(day: date, minute: int = 0) -> str:
    return f"{day:%Y%m%d}{9 + minute // 60:02d}{minute % 60:02d}00"


def _save(
    root: Path, record: w.MessageRecord, data_type: str, care_date: str = "-", order: str = "9" * 15
) -> Path:
    name = w.storage_name(record, data_type, care_date, order, "01")
    path = root / relative_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(w.message_bytes(record))
    return path


def _hospital(root: Path, today: date, years: int, show: Showcase) -> None:
    patient = _patient()
    first = today - timedelta(days=30)
    head = w.Header(HOSPITAL, _ts(first))
    insurance = IN1(
        set_id="1",
        plan=CWE("06", "組合管掌健康保険", "JHSD0001"),
        insurer=(CX(INSURER),),
        symbol=(CX(SYMBOL, BRANCH),),
        number=(XON(NUMBER),),
        effective="20150401",
        relationship=CWE("SEL", "本人", "HL70063"),
    )
    _save(root, w.adt00(head, patient, [insurance]), "ADT-00")
    allergy = IAM(
        set_id="1",
        allergen_type=CWE("DA", "薬剤アレルギー", "HL70127"),
        allergen=CWE("", "ペニシリン系抗菌薬", ""),
        severity=CWE("SV", "重症", "HL70128"),
        reactions=("全身性発疹",),
        action=CWE("A", "追加", "HL70323"),
        reported=f"{first:%Y%m%d}",
    )
    _save(root, w.adt61(w.Header(HOSPITAL, _ts(first, 5)), patient, [allergy]), "ADT-61")
    doctor = w.staff("D01", "佐藤", "一郎")
    problems = [
        (
            PRB(
                action="AD",
                action_time="20160401",
                problem=CWE("", "2型糖尿病", ""),
                instance_id=EI("20160401001"),
                established="20160401",
                onset="20160401",
                ranking=CWE("1", "主診断", "JHSD0007"),
            ),
            None,
        ),
        (
            PRB(
                action="AD",
                action_time="20180701",
                problem=CWE("", "慢性腎臓病", ""),
                instance_id=EI("20180701002"),
                established="20180701",
                onset="20180701",
            ),
            None,
        ),
    ]
    _save(root, w.ppr01(w.Header(HOSPITAL, _ts(first, 10)), patient, problems, doctor), "PPR-01")
    visits = [today - timedelta(days=91 * i + 20) for i in range(max(4, years * 4))]
    for n, day in enumerate(sorted(visits)):
        ts = _ts(day, 30)
        pv1 = PV1(
            "0001", "O", PL("01", type_code="C"), attending=(doctor,), department="01", admitted=ts
        )
        _save(
            root,
            w.adt_encounter(w.Header(HOSPITAL, ts), patient, "ADT-12", pv1),
            "ADT-12",
            f"{day:%Y%m%d}",
            f"{n:015d}",
        )
        _lab(root, patient, day, n, show)
    _prescription(root, patient, today - timedelta(days=20), doctor)


def _lab(root: Path, patient: w.Patient, day: date, n: int, show: Showcase) -> None:
    ts = _ts(day, 40)
    hba1c = f"{6.4 + (n % 7) * 0.3:.1f}"
    egfr = f"{62 - n * 0.5:.1f}"
    show.hba1c.append((day, hba1c))
    show.egfr.append((day, egfr))
    results = [
        OBX(
            set_id="1",
            value_type="NM",
            code=CWE(HBA1C, "HbA1c", "JC10"),
            values=(hba1c,),
            units=CWE("%", "%", "ISO+"),
            reference_range="4.6-6.2",
            abnormal_flags=("H",) if float(hba1c) > 6.2 else (),
            status="F",
            observed=ts,
        ),
        OBX(
            set_id="2",
            value_type="NM",
            code=CWE(EGFR, "eGFR", "JC10"),
            values=(egfr,),
            units=CWE("mL/min/1.73m2", "mL/min/1.73m2", "99U"),
            reference_range="60-",
            status="F",
            observed=ts,
        ),
        OBX(
            set_id="3",
            value_type="NM",
            code=CWE(CREATININE, "クレアチニン", "JC10"),
            values=(f"{0.95 + n * 0.01:.2f}",),
            units=CWE("mg/dL", "mg/dL", "ISO+"),
            reference_range="0.65-1.07",
            status="F",
            observed=ts,
        ),
    ]
    number = f"L{n:014d}"
    record = w.oml11(
        w.Header(HOSPITAL, ts),
        patient,
        SPM("1", EIP(number), specimen_type=CWE("023", "血清", "JC10"), collected=DR(ts)),
        OBR(
            "1",
            EI(number),
            EI(number),
            service=CWE("L01", "検体検査", "99O03"),
            observed=ts,
            reported=ts,
        ),
        ORC("SC", EI(number), EI(number), status="CM", transaction_time=ts),
        results,
    )
    _save(root, record, "OML-11", f"{day:%Y%m%d}", f"{n + 100:015d}")


def _drug(
    number: str,
    rp: int,
    code: CWE,
    daily: str,
    days: int,
    usage: tuple[str, str],
    doctor: w.XCN,
    ts: str,
    start: date,
) -> tuple[ORC, RXE, TQ1, RXR]:
    unit = CWE("TAB", "錠", "MR9P")
    total = str(int(float(daily) * days))
    return (
        ORC(
            control="NW",
            placer_order=EI(number),
            placer_group=EI(str(rp)),
            transaction_time=ts,
            ordering_provider=(doctor,),
        ),
        RXE(
            give_code=code,
            amount_min=daily,
            units=unit,
            dispense_amount=total,
            dispense_units=unit,
            daily_dose=CQ(daily, SubCWE("TAB", "錠", "MR9P")),
            dispensing_instructions=(CWE("OHP", "外来処方", "MR9P"),),
        ),
        TQ1(
            set_id="1",
            repeat=(RPT(SubCWE(usage[0], usage[1], "JAMISDP01")),),
            duration=CQ(str(days), SubCWE("d", "日", "ANS+")),
            start=f"{start:%Y%m%d}",
        ),
        RXR(route=CWE("PO", "口", "HL70162")),
    )


def _prescription(root: Path, patient: w.Patient, day: date, doctor: w.XCN) -> None:
    ts = _ts(day, 50)
    number = f"{day:%Y%m%d}0001"
    twice = ("1012040400000000", "内服・経口・１日２回朝夕食後")
    once = ("1013000400000000", "内服・経口・１日１回朝食後")
    groups = [
        _drug(
            number,
            1,
            CWE(METFORMIN_YJ, "メトホルミン塩酸塩２５０ｍｇＭＴ錠", "YJ"),
            "2",
            56,
            twice,
            doctor,
            ts,
            day,
        ),
        _drug(
            number,
            2,
            CWE(ITRACONAZOLE_YJ, "イトリゾールカプセル５０", "YJ"),
            "1",
            28,
            once,
            doctor,
            ts,
            day,
        ),
    ]
    record = w.omp01(w.Header(HOSPITAL, ts), patient, groups)
    _save(root, record, "OMP-01", f"{day:%Y%m%d}", number)


def _days(day: int, count: int = 1) -> tuple[int | None, ...]:
    return tuple(count if d == day else None for d in range(1, DAY_COUNT + 1))


def _receipt(month: date, visit: date, number: int, with_surgery: bool) -> list[object]:
    re = med.MedicalRERecord(
        0,
        number,
        "1112",
        month,
        f"{FAMILY}　{GIVEN}",
        "1",
        BIRTH,
        None,
        None,
        None,
        None,
        None,
        None,
        "C-7788",
        None,
        None,
        None,
        None,
        None,
        None,
        None,
        *([None] * 15),
        f"{FAMILY_KANA}　{GIVEN_KANA}",
        None,
    )
    records: list[object] = [
        re,
        med.HORecord(
            0, INSURER, SYMBOL, NUMBER, 1, 300, None, None, None, None, None, None, None, None, None
        ),
        med.SNRecord(0, "1", "01", None, None, None, BRANCH, None, None),
        med.SYRecord(0, "0000999", date(2016, 4, 1), "1", None, "２型糖尿病", "01", None),
        med.SYRecord(0, "0000999", date(2019, 5, 1), "1", None, "脂質異常症", None, None),
        med.SIRecord(
            0,
            "12",
            "1",
            "112007410",
            None,
            75,
            1,
            None,
            None,
            None,
            None,
            None,
            None,
            _days(visit.day),
        ),
        med.MedicalIYRecord(
            0,
            "21",
            "1",
            METFORMIN_500,
            Decimal(2),
            10,
            30,
            None,
            None,
            None,
            None,
            None,
            None,
            _days(visit.day, 30),
        ),
    ]
    if with_surgery:
        records += [
            med.SIRecord(
                0,
                "50",
                "1",
                GASTRECTOMY,
                None,
                5000,
                1,
                None,
                None,
                None,
                None,
                None,
                None,
                _days(visit.day),
            ),
            med.SIRecord(
                0,
                "54",
                "1",
                GENERAL_ANAESTHESIA,
                None,
                6000,
                1,
                None,
                None,
                None,
                None,
                None,
                None,
                _days(visit.day),
            ),
        ]
    return records


def _clinic(root: Path, today: date, years: int, code: str = CLINIC, name: str = "") -> Path:
    chunks = []
    months = max(3, years * 12)
    visits = []
    for i in range(months):
        day = today - timedelta(days=30 * i + 10)
        visits.append(day)
    billing = today.replace(day=1)
    header = med.IRRecord(
        0,
        "1",
        code[:2],
        code[2],
        code[3:],
        None,
        name or NAMES[CLINIC],
        billing,
        "00",
        "0312345678",
    )
    chunks.append(write_records([header]))
    for number, day in enumerate(sorted(visits), start=1):
        surgery = number == 1 and years >= 1
        chunks.append(write_records(_receipt(day.replace(day=1), day, number, surgery)))
    chunks.append(write_records([med.GORecord(0, len(visits), 300 * len(visits), "99")]))
    path = root / f"clinic-{code}.UKE"
    path.write_bytes(b"".join(chunks))
    return path


def _pharmacy(root: Path, today: date) -> Path:
    day = today - timedelta(days=12)
    dispensing = tc.Dispensing(
        date=day,
        pharmacy=tc.Pharmacy(NAMES[PHARMACY], "13", "4", PHARMACY[3:], phone="03-2222-3333"),
        pharmacist=tc.Pharmacist("鈴木 花子"),
        prescriptions=[
            tc.Prescription(
                facility=tc.PrescribingFacility(NAMES[CLINIC], "13", "1", CLINIC[3:]),
                doctor=tc.Doctor("高橋 次郎", "内科"),
                rps=[
                    tc.Rp(
                        1,
                        [
                            tc.Drug(
                                1, "シンバスタチン２０ｍｇ錠", Decimal(1), "錠", "2", SIMVASTATIN
                            ),
                            tc.Drug(
                                1,
                                "アムロジピンベシル酸塩５ｍｇ口腔内崩壊錠",
                                Decimal(1),
                                "錠",
                                "2",
                                AMLODIPINE,
                            ),
                        ],
                        tc.Usage(1, "１日１回朝食後", Decimal(28), "日分", "1"),
                    )
                ],
            )
        ],
    )
    doc = tc.TcDocument(
        "JAHISTC08",
        "1",
        tc.PatientInfo(
            f"{FAMILY}　{GIVEN}",
            "1",
            BIRTH,
            "100-0001",
            "東京都千代田区千代田１－１",
            "03-1234-5678",
            kana=f"{FAMILY_KANA}　{GIVEN_KANA}",
        ),
        notes=[tc.PatientNote("1", "造影剤アレルギー"), tc.PatientNote("2", "セフェム系（発疹）")],
        dispensings=[dispensing],
    )
    path = root / "okusuri-techo.txt"
    path.write_bytes(write_tc(doc))
    return path


def directory(db: Database, codes: dict[str, str]) -> None:
    """The facility directory (names of the facilities, as mCSD would provide)."""
    ops: list[writes.Op] = []
    for code, name in codes.items():
        ops.append(
            writes.Put(
                {
                    "resourceType": "Organization",
                    "id": stable_id("Organization", code),
                    "name": name,
                    "identifier": [{"system": jpcore.FACILITY_CODE, "value": code}],
                }
            )
        )
    with db.transaction() as tx:
        writes.apply(tx, ops)


def build(
    db: Database, root: Path, today: date | None = None, years: int = 2, extra_clinics: int = 0
) -> Showcase:
    """Write the showcase's files under ``root``, ingest them, and return what was written."""
    today = today or japan_today()  # the viewer's today: the date in Japan
    show = Showcase("", today)
    hospital_root = root / "ssmix2"
    _hospital(hospital_root, today, years, show)
    show.files = [hospital_root, _clinic(root, today, years), _pharmacy(root, today)]
    names = dict(NAMES)
    for i in range(extra_clinics):
        code = with_check_digit(f"1310001{i + 40:02d}")
        names[code] = f"第{i + 2}クリニック"
        show.files.append(_clinic(root, today - timedelta(days=3 * i), years, code, names[code]))
    directory(db, names)
    reports = Pipeline(db, HOSPITAL).ingest_paths(show.files)
    for report in reports.values():
        assert not report.failure_texts, report.failure_texts
    with db.read() as tx:
        row = tx.fetchone(
            "SELECT patient_id FROM identity_keys WHERE link_key LIKE ?", (f"ins:{INSURER}:%",)
        )
    assert row is not None, "the showcase patient was not linked by its member id"
    show.patient_id = str(row[0])
    return show
