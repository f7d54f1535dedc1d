"""Hand-picked showcase patients with stable identities, for the demo and the viewer tests.

They are the first people of every population generated with ``showcase=True`` (the
default), whatever the seed: their names, birth dates, addresses and insurance numbers
below never change, and neither do the facilities they use (the first facilities of
Tokyo, whose codes do not depend on the population size). Their clinical histories are
scripted (conditions, drugs, allergies, operations) so that each shows what it is meant
to; visit dates and lab values still follow the seed. Their records carry no random
identity noise: what their scenario is about (a name change on marriage, twins) is the
only difference between their records.

Find them with :data:`PATIENTS` (by key) and :func:`patient` in tests::

    from kizuna.synth.showcase import patient
    p = patient("diabetes")
    p.member_id   # "01130012:51200031:4821:00", the JP-CLINS insurance member id
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from kizuna.codes.checkdigit import with_check_digit
from kizuna.synth import places
from kizuna.synth.addresses import full_width_digits
from kizuna.synth.facilities import facility_code
from kizuna.synth.history import Plan
from kizuna.synth.model import Address, Coverage, Name, Person, Timeline

TOKYO = places.BY_CODE["13"]
KANAGAWA = places.BY_CODE["14"]
#: the facilities the showcase patients use (codes fixed for every population size)
HOSPITAL = facility_code("13", "hospital", "01", 0)  # はなみずき総合病院
INTERNAL_CLINIC = facility_code("13", "clinic", "02", 0)  # 小林内科クリニック
PEDIATRIC_CLINIC = facility_code("13", "clinic", "03", 1)  # みずならこどもクリニック
ORTHOPEDIC_CLINIC = facility_code("13", "clinic", "04", 2)  # 島崎整形外科
DIALYSIS_CLINIC = facility_code("13", "clinic", "06", 4)  # ななかまど透析クリニック
PHARMACY_A = facility_code("13", "pharmacy", "01", 0)  # しらかば薬局 丸の内店
PHARMACY_B = facility_code("13", "pharmacy", "02", 1)  # あかね薬局 西新宿店
KANAGAWA_CLINIC = facility_code("14", "clinic", "02", 0)  # 横浜市港北区の内科
MARRIAGE_DAY = date(2025, 4, 1)


@dataclass(frozen=True, slots=True)
class ShowcasePatient:
    key: str
    person_id: str
    family: str
    given: str
    family_kana: str
    given_kana: str
    sex: str
    birth: date
    insurer: str
    symbol: str
    number: str
    branch: str
    description: str
    facilities: tuple[str, ...] = ()

    @property
    def member_id(self) -> str:
        """被保険者個人識別子 (JP-CLINS ``JP_Insurance_memberID``)."""
        return f"{self.insurer.zfill(8)}:{self.symbol}:{self.number}:{self.branch}"

    @property
    def name(self) -> str:
        return f"{self.family}\u3000{self.given}"


def _address(prefecture: places.Prefecture, city: int, street: str, phone: str) -> Address:
    c = prefecture.cities[city]
    town = c.towns[0]
    return Address(
        prefecture.code,
        prefecture.name,
        c.name,
        town.name,
        full_width_digits(street),
        town.postal_code,
        c.number,
        phone,
    )


HOME_SATO = _address(TOKYO, 1, "4丁目2番7号", "03-0311-2841")
HOME_SUZUKI = _address(TOKYO, 2, "2丁目14番3号", "03-0422-7719")
HOME_TANAKA = _address(TOKYO, 0, "1丁目9番12号", "03-0288-5306")
HOME_TAKAHASHI = _address(TOKYO, 2, "1丁目3番18号", "03-0419-0052")
HOME_ITO = _address(TOKYO, 3, "3丁目21番4号", "03-0392-6620")
HOME_YAMAMOTO = _address(KANAGAWA, 1, "2丁目5番11号", "045-061-3378")
HOME_NAKAMURA = _address(TOKYO, 1, "1丁目27番2号", "03-0357-8124")
HOME_WATANABE = _address(TOKYO, 2, "5丁目8番20号", "03-0433-1964")

KYOKAI_TOKYO = with_check_digit("0113001")  # 01130012
KUMIAI_TANAKA = with_check_digit("0613270")
KUMIAI_NAKAMURA = with_check_digit("0613312")
KOKUHO_SETAGAYA = with_check_digit("13103")
KOKUHO_YOKOHAMA = with_check_digit("14102")
KOUKI_SETAGAYA = with_check_digit("3913103")
KOUKI_NERIMA = with_check_digit("3913104")


@dataclass(slots=True)
class _Member:
    key: str
    name: Name
    sex: str
    birth: date
    coverage: Coverage
    role: str
    mobile: str = ""
    description: str = ""
    plan: Plan | None = None
    guardian: str = ""  # key of the guardian
    married: tuple[date, Name, Address, Coverage] | None = None
    previous: Coverage | None = None  # the insurance before ``coverage`` began
    twin: str = ""
    facilities: tuple[str, ...] = ()


@dataclass(slots=True)
class _Household:
    home: Address
    members: list[_Member] = field(default_factory=list)


def _cov(
    kind: str, insurer: str, symbol: str, number: str, branch: str, insured: bool, since: date
) -> Coverage:
    return Coverage(kind, insurer, symbol, number, branch, insured, since)


def _households() -> list[_Household]:
    sato = _Household(
        HOME_SATO,
        [
            _Member(
                "diabetes",
                Name("佐藤", "健一", "サトウ", "ケンイチ"),
                "M",
                date(1962, 4, 12),
                _cov("kyokai", KYOKAI_TOKYO, "51200031", "4821", "00", True, date(2015, 4, 1)),
                "head",
                "090-0521-3310",
                "２型糖尿病（腎症）の会社員。病院の糖尿病外来（SS-MIX2）と内科クリニック"
                "（レセプト）に通い、両方からアムロジピンが処方されている（重複投薬）。"
                "お薬手帳は二つの薬局に。",
                Plan(
                    {"diabetes", "hypertension", "lipids", "ckd"},
                    {
                        "diabetes_hospital": (
                            ["diabetes", "ckd"],
                            ["metformin500", "luseogliflozin", "amlodipine2_5"],
                        ),
                        "primary": (
                            ["hypertension", "lipids"],
                            ["amlodipine5", "telmisartan40", "rosuvastatin5"],
                        ),
                    },
                    pinned={
                        ("hospital", "general"): [(date(1900, 1, 1), HOSPITAL)],
                        ("clinic", "internal"): [(date(1900, 1, 1), INTERNAL_CLINIC)],
                        ("checkup", ""): [
                            (date(1900, 1, 1), facility_code("13", "checkup", "01", 0))
                        ],
                    },
                    pharmacies={HOSPITAL: PHARMACY_B, INTERNAL_CLINIC: PHARMACY_A},
                ),
                facilities=(HOSPITAL, INTERNAL_CLINIC, PHARMACY_A, PHARMACY_B),
            ),
            _Member(
                "diabetes-spouse",
                Name("佐藤", "恵子", "サトウ", "ケイコ"),
                "F",
                date(1964, 9, 2),
                _cov("kyokai", KYOKAI_TOKYO, "51200031", "4821", "01", False, date(2015, 4, 1)),
                "spouse",
                "090-0521-3311",
                "佐藤健一の妻（同じ記号・番号、枝番01）。",
            ),
        ],
    )
    suzuki = _Household(
        HOME_SUZUKI,
        [
            _Member(
                "dialysis",
                Name("鈴木", "正", "スズキ", "タダシ"),
                "M",
                date(1949, 9, 3),
                _cov("kouki", KOUKI_SETAGAYA, "", "31170852", "00", True, date(2024, 9, 3)),
                "single",
                "080-0633-2107",
                "糖尿病性腎症による末期腎不全で週３回の血液透析（透析クリニック、特定疾病 長）。"
                "内シャントあり。ヨード造影剤でアナフィラキシー。",
                Plan(
                    {"dialysis", "hypertension"},
                    {  # 国保 until his 75th birthday
                        "dialysis_clinic": (
                            ["dialysis"],
                            ["amlodipine5", "febuxostat10", "sennoside12"],
                        ),
                        "nephrology": (["ckd"], []),
                    },
                    allergies=["contrast"],
                    events=[("past_shunt", 0)],
                    pinned={
                        ("clinic", "dialysis"): [(date(1900, 1, 1), DIALYSIS_CLINIC)],
                        ("hospital", "general"): [(date(1900, 1, 1), HOSPITAL)],
                    },
                    pharmacies={DIALYSIS_CLINIC: PHARMACY_A, HOSPITAL: PHARMACY_A},
                ),
                previous=_cov(
                    "kokuho", KOKUHO_SETAGAYA, "0301", "118204", "01", True, date(2009, 10, 1)
                ),
                facilities=(DIALYSIS_CLINIC, HOSPITAL, PHARMACY_A),
            ),
        ],
    )
    tanaka = _Household(
        HOME_TANAKA,
        [
            _Member(
                "care-child-father",
                Name("田中", "大輔", "タナカ", "ダイスケ"),
                "M",
                date(1986, 11, 5),
                _cov("kumiai", KUMIAI_TANAKA, "2705", "18", "00", True, date(2012, 4, 1)),
                "head",
                "090-0184-6620",
                "田中陽葵の父。",
            ),
            _Member(
                "care-child-guardian",
                Name("田中", "美咲", "タナカ", "ミサキ"),
                "F",
                date(1988, 3, 15),
                _cov("kumiai", KUMIAI_TANAKA, "2705", "18", "01", False, date(2014, 6, 1)),
                "spouse",
                "090-0123-4567",
                "田中陽葵の母で保護者（緊急連絡先）。",
            ),
            _Member(
                "care-child",
                Name("田中", "陽葵", "タナカ", "ヒマリ"),
                "F",
                date(2018, 7, 21),
                _cov("kumiai", KUMIAI_TANAKA, "2705", "18", "02", False, date(2018, 7, 21)),
                "child",
                "",
                "医療的ケア児：急性脳症後遺症、気管切開・在宅人工呼吸器・胃瘻、てんかん。"
                "病院小児科に月１回通院、小児慢性特定疾病の公費。保護者は母（田中美咲）。",
                Plan(
                    {"care_child"},
                    {
                        "care_child": (
                            ["care_child"],
                            ["levetiracetam500", "carbocisteine_syrup", "magnesium330"],
                        ),
                    },
                    allergies=["egg"],
                    pinned={
                        ("hospital", "general"): [(date(1900, 1, 1), HOSPITAL)],
                        ("clinic", "pediatrics"): [(date(1900, 1, 1), PEDIATRIC_CLINIC)],
                    },
                    pharmacies={HOSPITAL: PHARMACY_A},
                ),
                guardian="care-child-guardian",
                facilities=(HOSPITAL, PHARMACY_A),
            ),
        ],
    )
    takahashi = _Household(
        HOME_TAKAHASHI,
        [
            _Member(
                "allergy",
                Name("高橋", "洋子", "タカハシ", "ヨウコ"),
                "F",
                date(1965, 11, 30),
                _cov("kokuho", KOKUHO_SETAGAYA, "0312", "208817", "01", True, date(2010, 4, 1)),
                "single",
                "070-0902-1185",
                "ペニシリン系抗菌薬で全身蕁麻疹、ソバでアナフィラキシー。病院（SS-MIX2 ADT-61）"
                "とお薬手帳（患者特記）に記録。",
                Plan(
                    {"lipids", "gerd"},
                    {
                        "hospital_internal": (
                            ["lipids", "gerd"],
                            ["pitavastatin2", "famotidine20"],
                        ),
                    },
                    allergies=["penicillin", "buckwheat"],
                    pinned={
                        ("hospital", "general"): [(date(1900, 1, 1), HOSPITAL)],
                        ("clinic", "internal"): [(date(1900, 1, 1), INTERNAL_CLINIC)],
                    },
                    pharmacies={HOSPITAL: PHARMACY_B, INTERNAL_CLINIC: PHARMACY_B},
                ),
                facilities=(HOSPITAL, PHARMACY_B),
            ),
        ],
    )
    ito = _Household(
        HOME_ITO,
        [
            _Member(
                "surgery",
                Name("伊藤", "茂", "イトウ", "シゲル"),
                "M",
                date(1944, 2, 8),
                _cov("kouki", KOUKI_NERIMA, "", "31204417", "00", True, date(2019, 2, 8)),
                "single",
                "",
                "変形性膝関節症で人工膝関節置換術（全身麻酔・輸血）、ペースメーカー植込み後。"
                "循環器のアスピリンと整形外科のメロキシカムが併用注意。",
                Plan(
                    {"knee_oa", "pacemaker", "old_mi", "hypertension"},
                    {
                        "cardiology": (
                            ["old_mi", "pacemaker"],
                            ["aspirin100", "rosuvastatin5_np", "enalapril5"],
                        ),
                        "orthopedics": (["knee_oa"], ["meloxicam10", "rebamipide100"]),
                        "primary": (["hypertension"], ["amlodipine5"]),
                    },
                    events=[
                        ("knee_replacement_transfused", 240),
                        ("past_pacemaker", 0),
                        ("past_stent", 0),
                    ],
                    pinned={
                        ("hospital", "general"): [(date(1900, 1, 1), HOSPITAL)],
                        ("clinic", "orthopedics"): [(date(1900, 1, 1), ORTHOPEDIC_CLINIC)],
                        ("clinic", "internal"): [(date(1900, 1, 1), INTERNAL_CLINIC)],
                    },
                    pharmacies={
                        HOSPITAL: PHARMACY_A,
                        ORTHOPEDIC_CLINIC: PHARMACY_A,
                        INTERNAL_CLINIC: PHARMACY_A,
                    },
                ),
                facilities=(HOSPITAL, ORTHOPEDIC_CLINIC, INTERNAL_CLINIC, PHARMACY_A),
            ),
        ],
    )
    married = _Member(
        "married",
        Name("山本", "美穂", "ヤマモト", "ミホ"),
        "F",
        date(1994, 6, 10),
        _cov("kokuho", KOKUHO_YOKOHAMA, "0107", "550931", "01", True, date(2016, 4, 1)),
        "single",
        "080-0745-2290",
        "2025年4月1日に結婚して中村姓に（横浜から東京へ転居、国保から夫の健保組合の被扶養者へ）。"
        "結婚前のクリニックには旧姓・旧保険証、結婚後のクリニックには新姓で記録。",
        Plan(
            {"asthma"},
            {"primary": (["asthma"], ["montelukast10"])},
            pinned={
                ("clinic", "internal"): [
                    (date(1900, 1, 1), KANAGAWA_CLINIC),
                    (MARRIAGE_DAY, INTERNAL_CLINIC),
                ]
            },
            pharmacies={INTERNAL_CLINIC: PHARMACY_B},
        ),
        married=(
            MARRIAGE_DAY,
            Name("中村", "美穂", "ナカムラ", "ミホ"),
            HOME_NAKAMURA,
            _cov("kumiai", KUMIAI_NAKAMURA, "3120", "77", "01", False, MARRIAGE_DAY),
        ),
        facilities=(KANAGAWA_CLINIC, INTERNAL_CLINIC, PHARMACY_B),
    )
    yamamoto = _Household(HOME_YAMAMOTO, [married])
    watanabe = _Household(
        HOME_WATANABE,
        [
            _Member(
                "twins-father",
                Name("渡辺", "拓也", "ワタナベ", "タクヤ"),
                "M",
                date(1984, 1, 19),
                _cov("kyokai", KYOKAI_TOKYO, "61800044", "1207", "00", True, date(2008, 4, 1)),
                "head",
                "090-0266-4871",
                "双子の父。",
            ),
            _Member(
                "twins-mother",
                Name("渡辺", "愛", "ワタナベ", "アイ"),
                "F",
                date(1986, 8, 27),
                _cov("kyokai", KYOKAI_TOKYO, "61800044", "1207", "01", False, date(2012, 5, 1)),
                "spouse",
                "090-0266-4872",
                "双子の母。",
            ),
            _Member(
                "twin-a",
                Name("渡辺", "陽翔", "ワタナベ", "ハルト"),
                "M",
                date(2016, 5, 5),
                _cov("kyokai", KYOKAI_TOKYO, "61800044", "1207", "02", False, date(2016, 5, 5)),
                "child",
                "",
                "双子（兄）：同じ生年月日・住所・記号番号、枝番02。",
                Plan(
                    {"asthma"},
                    {"pediatric_asthma": (["asthma"], ["montelukast5"])},
                    pinned={("clinic", "pediatrics"): [(date(1900, 1, 1), PEDIATRIC_CLINIC)]},
                    pharmacies={PEDIATRIC_CLINIC: PHARMACY_B},
                ),
                guardian="twins-mother",
                twin="twin-b",
                facilities=(PEDIATRIC_CLINIC, PHARMACY_B),
            ),
            _Member(
                "twin-b",
                Name("渡辺", "湊", "ワタナベ", "ミナト"),
                "M",
                date(2016, 5, 5),
                _cov("kyokai", KYOKAI_TOKYO, "61800044", "1207", "03", False, date(2016, 5, 5)),
                "child",
                "",
                "双子（弟）：枝番03。",
                Plan(
                    set(),
                    {},
                    pinned={("clinic", "pediatrics"): [(date(1900, 1, 1), PEDIATRIC_CLINIC)]},
                    pharmacies={PEDIATRIC_CLINIC: PHARMACY_B},
                ),
                guardian="twins-mother",
                twin="twin-a",
                facilities=(PEDIATRIC_CLINIC, PHARMACY_B),
            ),
        ],
    )
    return [sato, suzuki, tanaka, takahashi, ito, yamamoto, watanabe]


def _people() -> tuple[list[Person], dict[str, Plan], list[ShowcasePatient]]:
    people: list[Person] = []
    plans: dict[str, Plan] = {}
    described: list[ShowcasePatient] = []
    index_of: dict[str, int] = {}
    members: list[_Member] = []
    for hh, household in enumerate(_households()):
        for member in household.members:
            index = len(people)
            index_of[member.key] = index
            members.append(member)
            person = Person(
                id=f"P{index + 1:06d}",
                index=index,
                household=hh,
                sex=member.sex,
                birth=member.birth,
                names=Timeline([(member.birth, member.name)]),
                addresses=Timeline([(member.birth, household.home)]),
                mobile=member.mobile,
                coverages=[member.coverage],
                role=member.role,
                showcase=member.key,
            )
            if member.previous is not None:
                person.coverages.insert(
                    0, replace(member.previous, end=member.coverage.start - timedelta(days=1))
                )
            if member.married is not None:
                day, name, home, coverage = member.married
                person.names.add(day, name)
                person.addresses.add(day, home)
                person.coverages = [replace(member.coverage, end=day - timedelta(days=1)), coverage]
                person.role = "married"
            people.append(person)
            if member.plan is not None:
                plans[person.id] = member.plan
            cov = member.coverage if member.married is None else member.married[3]
            described.append(
                ShowcasePatient(
                    member.key,
                    person.id,
                    person.names.last.family,
                    person.names.last.given,
                    person.names.last.family_kana,
                    person.names.last.given_kana,
                    member.sex,
                    member.birth,
                    cov.insurer,
                    cov.symbol,
                    cov.number,
                    cov.branch,
                    member.description,
                    member.facilities,
                )
            )
    for member in members:
        person = people[index_of[member.key]]
        if member.guardian:
            person.guardian = index_of[member.guardian]
        if member.twin:
            person.twin_of = index_of[member.twin]
    return people, plans, described


def people() -> list[Person]:
    """The showcase households' people, as new objects on every call."""
    return _people()[0]


def plans() -> dict[str, Plan]:
    """The scripted histories, by person id."""
    return _people()[1]


PATIENTS: dict[str, ShowcasePatient] = {p.key: p for p in _people()[2]}


def patient(key: str) -> ShowcasePatient:
    return PATIENTS[key]
