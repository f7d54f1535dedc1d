"""The clinical vocabulary of the synthetic population: diagnoses, drugs, acts, allergens.

Codes come from the shipped code masters (:mod:`kizuna.codes.masters` without installed
files, so that output does not depend on the machine). Each entry names the code and the
name it should have; a code is used only when the master has it under that name, so a
code the masters do not (yet) know is never written. A diagnosis then falls back to the
uncoded disease 0000999 with its name, as receipts do, and an act is left out of the
receipt (the event still appears in the hospital's records and documents, by name).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from kizuna.codes.masters import Masters

UNCODED = "0000999"


@dataclass(frozen=True, slots=True)
class Disease:
    key: str
    code: str  # receipt disease code (7 digits), 0000999 when uncoded
    name: str  # the full name as written, modifiers included
    icd10: str = ""
    exchange: str = ""  # MEDIS 病名交換用コード (SS-MIX2 MDCDX2)
    modifiers: tuple[str, ...] = ()  # 修飾語 codes
    key_number: str = ""  # MEDIS 病名管理番号

    @property
    def coded(self) -> bool:
        return self.code != UNCODED


@dataclass(frozen=True, slots=True)
class Usage:
    code: str  # JAMI 16-digit usage code
    text: str
    times: int  # administrations per day (0 for as-needed)


USAGES: dict[str, Usage] = {
    "morning": Usage("1011000400000000", "１日１回朝食後", 1),
    "evening": Usage("1011040000000000", "１日１回夕食後", 1),
    "bedtime": Usage("1011100000000000", "１日１回就寝前", 1),
    "waking": Usage("1011000090000000", "１日１回起床時", 1),
    "twice": Usage("1012040400000000", "１日２回朝夕食後", 2),
    "thrice": Usage("1013044400000000", "１日３回朝昼夕食後", 3),
    "pain": Usage("1050110000000000", "疼痛時", 0),
}


@dataclass(frozen=True, slots=True)
class Drug:
    key: str
    code: str  # レセ電 drug code (9 digits)
    name: str
    unit: str
    yj: str  # YJ code (12), "" when the master has none
    daily: str  # amount per day (内服) or per use (頓服), in ``unit``
    usage: str  # key of USAGES
    hot9: str = ""

    @property
    def ingredient(self) -> str:
        return self.yj[:7] if len(self.yj) == 12 else ""

    @property
    def as_needed(self) -> bool:
        return USAGES[self.usage].times == 0


@dataclass(frozen=True, slots=True)
class Act:
    """A 診療行為 with the points the receipt shows (令和6年 tables, approximate)."""

    key: str
    code: str
    name: str
    points: int
    category: str  # 診療識別 (11 初診, 12 再診, 13 指導, 14 在宅, 40 処置, 50 手術, 60 検査...)


# key: (preferred code, name when the master lacks it, ICD-10, modifier codes)
_DISEASES: dict[str, tuple[str, str, str, tuple[str, ...]]] = {
    "hypertension": ("8833421", "高血圧症", "I10", ()),
    "hypertensive_heart": ("4029010", "高血圧性心疾患", "I119", ()),
    "diabetes2": ("2500015", "２型糖尿病", "E11", ()),
    "diabetic_nephropathy": ("8830042", "２型糖尿病性腎症", "E112", ()),
    "diabetic_ckd": ("8851031", "２型糖尿病合併慢性腎臓病", "N189", ()),
    "diabetic_retinopathy": ("8830045", "２型糖尿病性網膜症", "E113", ()),
    "diabetic_neuropathy": ("8845100", "２型糖尿病性末梢神経障害", "E114", ()),
    "end_stage_nephropathy": ("8830042", "２型糖尿病性腎症", "E112", ("8059",)),
    "hypercholesterolaemia": ("2720004", "高コレステロール血症", "E780", ()),
    "hyperlipidaemia": ("2724007", "高脂血症", "E785", ()),
    "asthma": ("4939004", "気管支喘息", "J459", ()),
    "epilepsy": ("3459010", "症候性てんかん", "G409", ()),
    "gerd": ("5301007", "逆流性食道炎", "K210", ()),
    "gastritis": ("5353007", "慢性胃炎", "K295", ()),
    "insomnia": ("7805014", "不眠症", "G470", ()),
    "depression": ("3119011", "うつ病", "F329", ()),
    "dementia": ("2900014", "アルツハイマー型認知症", "F009", ()),
    "osteoporosis": ("7330010", "骨粗鬆症", "M819", ()),
    "bph": ("6009001", "前立腺肥大症", "N40", ()),
    "hyperuricaemia": ("7907008", "高尿酸血症", "E790", ()),
    "heart_failure": ("4289005", "急性心不全", "I509", ()),
    "old_mi": ("4120001", "陳旧性心筋梗塞", "I252", ()),
    "acute_mi": ("8832376", "急性心筋梗塞", "I219", ()),
    "sick_sinus": ("4275006", "洞不全症候群", "I495", ()),
    "knee_oa": ("7153031", "変形性膝関節症", "M179", ()),
    "cataract": ("3669025", "老人性白内障", "H259", ()),
    "colon_polyp": ("2113009", "大腸ポリープ", "K635", ()),
    "uterine_myoma": ("2189001", "子宮筋腫", "D259", ()),
    "breast_cancer": ("1749018", "乳癌", "C509", ("8142",)),
    "allergic_rhinitis": ("4779004", "アレルギー性鼻炎", "J304", ()),
    "respiratory_failure": ("8849057", "２型呼吸不全", "J9691", ()),
    "encephalopathy_sequelae": ("3483004", "急性脳症", "G934", ("8058",)),
    "tracheostomy_status": (UNCODED, "気管切開術後", "Z930", ()),
    "gastrostomy_status": (UNCODED, "胃瘻造設状態", "Z931", ()),
    "dysphagia": ("7872002", "嚥下障害", "R13", ()),
    # acute, resolving
    "urti": ("4659007", "急性上気道炎", "J069", ()),
    "nasopharyngitis": ("8832434", "急性鼻咽頭炎", "J00", ()),
    "laryngitis": ("8832342", "急性喉頭炎", "J040", ()),
    "bronchiolitis": ("8832358", "急性細気管支炎", "J219", ()),
    "enteritis": ("0091014", "急性腸炎", "A099", ()),
    "diarrhoea": ("8833267", "下痢症", "A099", ()),
    "otitis": ("3829027", "急性中耳炎", "H669", ()),
    "conjunctivitis": ("3720008", "急性結膜炎", "H103", ()),
    "pneumonia": ("4860018", "急性肺炎", "J189", ()),
    "uti": ("8832418", "急性尿路感染", "N390", ()),
    "pyelonephritis": ("5901002", "急性腎盂腎炎", "N10", ()),
    "influenza": ("4871010", "インフルエンザ", "J111", ()),
    "appendicitis": ("5409005", "急性虫垂炎", "K358", ()),
    "gastric_ulcer_suspect": ("8845125", "急性十二指腸潰瘍", "K263", ("8002",)),
    "injury": ("9599001", "外傷", "T149", ()),
    "ankle_abrasion": ("9170003", "足関節擦過傷", "S908", ()),
}

# key: (レセ電 code, per-day amount or per use, usage key, HOT9 when known)
_DRUGS: dict[str, tuple[str, str, str, str]] = {
    # hypertension
    "amlodipine5": ("622689200", "1", "morning", ""),
    "amlodipine2_5": ("622892200", "1", "morning", ""),
    "telmisartan40": ("622614000", "1", "morning", ""),
    "olmesartan20": ("622690500", "1", "morning", ""),
    "candesartan8": ("622612100", "1", "morning", ""),
    "azelnidipine8": ("622892000", "1", "morning", ""),
    "nifedipine40": ("621685201", "1", "morning", ""),
    "enalapril5": ("622689700", "1", "morning", ""),
    "trichlormethiazide1": ("622890600", "1", "morning", ""),
    # diabetes
    "metformin500": ("622898200", "2", "twice", ""),
    "glimepiride1": ("622897500", "1", "morning", ""),
    "pioglitazone30": ("622691700", "1", "morning", ""),
    "luseogliflozin": ("622884701", "1", "morning", ""),
    "epalrestat": ("621683201", "3", "thrice", ""),
    "pregabalin75": ("622890000", "2", "twice", ""),
    "mecobalamin": ("622672401", "3", "thrice", ""),
    # lipids
    "rosuvastatin5": ("622692600", "1", "evening", ""),
    "rosuvastatin5_np": ("622605401", "1", "evening", ""),
    "rosuvastatin2_5": ("622692400", "1", "evening", ""),
    "pitavastatin2": ("622691800", "1", "evening", ""),
    "pravastatin10": ("622606701", "1", "evening", ""),
    "fenofibrate80": ("622892500", "1", "morning", ""),
    # stomach and bowels
    "famotidine20": ("621687401", "2", "twice", ""),
    "lansoprazole15": ("621693101", "1", "morning", ""),
    "lansoprazole_od30": ("622617200", "1", "morning", ""),
    "rabeprazole20": ("622617100", "1", "morning", ""),
    "rebamipide100": ("622894200", "3", "thrice", ""),
    "magnesium330": ("622894800", "3", "thrice", ""),
    "magnesium500": ("621692201", "2", "twice", ""),
    "sennoside12": ("622895100", "2", "bedtime", ""),
    "metoclopramide5": ("622895400", "3", "thrice", ""),
    # pain
    "loxoprofen60": ("620098801", "3", "thrice", ""),
    "meloxicam10": ("622888500", "1", "morning", ""),
    "acetaminophen200": ("622888200", "2", "pain", ""),
    "acetaminophen_syrup": ("622888300", "5", "pain", ""),
    # heart and blood
    "aspirin100": ("622897300", "1", "morning", ""),
    "furosemide20": ("622890700", "1", "morning", ""),
    "febuxostat10": ("622886201", "1", "morning", ""),
    "febuxostat20": ("622886301", "1", "morning", ""),
    # urology, bones
    "silodosin2": ("622672801", "2", "twice", ""),
    "naftopidil50": ("622614900", "1", "evening", ""),
    "alendronate5": ("622898500", "1", "waking", ""),
    # allergy, respiratory
    "montelukast10": ("622616800", "1", "bedtime", ""),
    "montelukast5": ("622616500", "1", "bedtime", ""),
    "ebastine10": ("622899300", "1", "morning", ""),
    "bepotastine5": ("622604801", "2", "twice", ""),
    "mequitazine3": ("622899100", "2", "twice", ""),
    "carbocisteine500": ("610407447", "3", "thrice", ""),
    "carbocisteine_syrup": ("622893300", "6", "thrice", ""),
    "bromhexine4": ("622893400", "3", "thrice", ""),
    # infections
    "amoxicillin250": ("622899900", "3", "thrice", ""),
    "cefcapene100": ("622883201", "3", "thrice", ""),
    "tosufloxacin75": ("622900600", "2", "twice", ""),
    "baloxavir20": ("622622601", "2", "morning", ""),
    # mind and sleep
    "zolpidem5": ("622691100", "1", "bedtime", ""),
    "eszopiclone1": ("622887500", "1", "bedtime", ""),
    "triazolam025": ("611120055", "1", "bedtime", "100371003"),
    "sertraline50": ("622611000", "1", "evening", ""),
    "paroxetine10": ("622615500", "1", "evening", ""),
    "escitalopram20": ("622675901", "1", "evening", ""),
    "donepezil5": ("622614400", "1", "morning", ""),
    # seizures
    "levetiracetam500": ("622878001", "2", "twice", ""),
    "carbamazepine100": ("622887800", "2", "twice", ""),
    "lamotrigine25": ("622888100", "1", "morning", ""),
    # other
    "tamoxifen10": ("622671201", "2", "twice", ""),
    # injections (given in hospital: amount per administration)
    "ceftazidime1g": ("621703001", "1", "twice", ""),
}

# key: (code, name, points, 診療識別)
_ACTS: dict[str, tuple[str, str, int, str]] = {
    "first_visit": ("111000110", "初診料", 291, "11"),
    "revisit": ("112007410", "再診料", 75, "12"),
    "outpatient_management": ("112011010", "外来管理加算", 52, "12"),
    "pediatric_outpatient": ("113003610", "小児科外来診療料（処方箋を交付）再診時", 480, "13"),
    "epilepsy_guidance": ("113002850", "てんかん指導料", 250, "13"),
    "referral_fee": ("180016110", "診療情報提供料（１）", 250, "13"),
    "prescription_fee": ("120002910", "処方箋料（リフィル以外・その他）", 60, "80"),
    "generic_name_addition": ("120003570", "一般名処方加算２（処方箋料）", 8, "80"),
    "injection": ("130000510", "皮内、皮下及び筋肉内注射", 25, "31"),
    "ventilation": ("140009310", "人工呼吸", 302, "40"),
    "wound_care": ("140000610", "創傷処置（１００ｃｍ２未満）", 52, "40"),
    "urinalysis": ("160000310", "尿一般", 26, "60"),
    "urine_protein": ("160000410", "尿蛋白", 7, "60"),
    "blood_count": ("160008010", "末梢血液一般検査", 21, "60"),
    "hba1c": ("160010010", "ＨｂＡ１ｃ", 49, "60"),
    "tp": ("160017410", "ＴＰ", 11, "60"),
    "bun": ("160019010", "ＢＵＮ", 11, "60"),
    "creatinine": ("160019210", "クレアチニン", 11, "60"),
    "uric_acid": ("160019310", "ＵＡ", 11, "60"),
    "ggt": ("160020410", "γ−ＧＴ", 11, "60"),
    "tg": ("160020910", "ＴＧ", 11, "60"),
    "potassium": ("160021410", "カリウム", 11, "60"),
    "tcho": ("160022410", "Ｔｃｈｏ", 17, "60"),
    "ast": ("160022510", "ＡＳＴ", 17, "60"),
    "alt": ("160022610", "ＡＬＴ", 17, "60"),
    "hdl": ("160023410", "ＨＤＬ−コレステロール", 17, "60"),
    "ldl": ("160167250", "ＬＤＬ−コレステロール", 18, "60"),
    "crp": ("160054710", "ＣＲＰ", 16, "60"),
    "urine_judgement": ("160061710", "尿・糞便等検査判断料", 34, "60"),
    "blood_judgement": ("160061810", "血液学的検査判断料", 125, "60"),
    "biochem_judgement": ("160061910", "生化学的検査（１）判断料", 144, "60"),
    "immuno_judgement": ("160062110", "免疫学的検査判断料", 144, "60"),
    "venous_blood": ("160095710", "Ｂ−Ｖ", 37, "60"),
    "ecg": ("160068410", "ＥＣＧ１２", 130, "60"),
    "fundus": ("160081130", "精密眼底検査（両）", 112, "60"),
    "gastroscopy": ("160093810", "ＥＦ−胃・十二指腸", 1140, "60"),
    "xray": ("170000410", "単純撮影（頭部、胸部、腹部又は脊椎）の写真診断", 85, "70"),
    "polypectomy": ("150183410", "内視鏡的大腸ポリープ・粘膜切除術（長径２ｃｍ以上）", 7000, "50"),
    "cataract_surgery": ("150253010", "水晶体再建術（眼内レンズを挿入）（その他）", 12100, "50"),
    "hysterectomy": ("150217510", "子宮全摘術", 28210, "50"),
    "appendectomy": ("150253810", "虫垂切除術（虫垂周囲膿瘍を伴わないもの）", 6740, "50"),
    "knee_arthroplasty": ("150050710", "人工関節置換術（膝）", 37690, "50"),
    "pacemaker": ("150263710", "ペースメーカー移植術（経静脈電極の場合）", 9520, "50"),
    "pci_stent": (
        "150284310",
        "経皮的冠動脈ステント留置術（急性心筋梗塞に対するもの）",
        34380,
        "50",
    ),
    "shunt": ("150261510", "末梢動静脈瘻造設術（内シャント造設術）（単純なもの）", 12080, "50"),
    "general_anaesthesia": ("150233410", "閉鎖循環式全身麻酔５（その他）", 6000, "54"),
    "transfusion": ("150224910", "保存血液輸血（２００ｍＬごとに）（１回目）", 450, "50"),
    "autologous_transfusion": (
        "150224810",
        "自家採血輸血（２００ｍＬごとに）（１回目）",
        750,
        "50",
    ),
    "dialysis": (
        "140051070",
        "人工腎臓（慢性維持透析を行った場合１）（４時間以上５時間未満）",
        2110,
        "40",
    ),
    "home_ventilator": ("114003410", "在宅人工呼吸指導管理料", 2800, "14"),
    "home_tracheostomy": ("114010210", "在宅気管切開患者指導管理料", 900, "14"),
    "home_tube_feeding": ("114004710", "在宅寝たきり患者処置指導管理料", 1050, "14"),
}

# Allergens: key -> (kind, text, SS-MIX2 code, code system, お薬手帳 text)
ALLERGENS: dict[str, tuple[str, str, str, str]] = {
    "penicillin": ("DA", "ペニシリン系抗菌薬", "", "ペニシリン系抗生物質アレルギー"),
    "cephem": ("DA", "セフェム系抗菌薬", "", "セフェム系抗生物質アレルギー"),
    "nsaid": ("DA", "ロキソプロフェンナトリウム", "", "ロキソプロフェンアレルギー（喘息発作）"),
    "contrast": ("DA", "ヨード造影剤", "", "ヨード造影剤アレルギー"),
    "buckwheat": ("FA", "ソバ", "", "ソバアレルギー"),
    "egg": ("FA", "鶏卵", "", "卵アレルギー"),
    "milk": ("FA", "牛乳", "", "牛乳アレルギー"),
    "shrimp": ("FA", "エビ", "", "エビアレルギー"),
    "peanut": ("FA", "落花生", "", "ピーナッツアレルギー"),
    "cedar": ("EA", "スギ花粉", "", "スギ花粉症"),
}


@dataclass(frozen=True, slots=True)
class Catalog:
    """The vocabulary resolved against one set of masters."""

    diseases: dict[str, Disease]
    drugs: dict[str, Drug]
    acts: dict[str, Act | None]  # None: the act's code is not in the masters

    def disease(self, key: str) -> Disease:
        return self.diseases[key]

    def drug(self, key: str) -> Drug:
        return self.drugs[key]

    def act(self, key: str) -> Act | None:
        return self.acts[key]


def resolve(masters: Masters) -> Catalog:
    return Catalog(
        diseases={k: _disease(masters, k, *v) for k, v in _DISEASES.items()},
        drugs={k: _drug(masters, k, *v) for k, v in _DRUGS.items()},
        acts={k: _act(masters, k, *v) for k, v in _ACTS.items()},
    )


@cache
def shipped() -> Catalog:
    """The vocabulary as the shipped masters know it (installed files are ignored)."""
    return resolve(Masters(None))


def _disease(
    masters: Masters, key: str, code: str, name: str, icd10: str, modifiers: tuple[str, ...]
) -> Disease:
    info = masters.disease(code) if code != UNCODED else None
    known = tuple(m for m in modifiers if masters.modifier(m) is not None)
    if info is None or info.name != name:
        text = masters.disease_text(None, list(known), name) or name
        return Disease(key, UNCODED, text, icd10, "", known)
    text = masters.disease_text(code, list(known), None) or info.name
    return Disease(
        key,
        code,
        text,
        info.icd10 or icd10,
        info.medis_exchange or "",
        known,
        info.medis_management or "",
    )


def _drug(masters: Masters, key: str, code: str, daily: str, usage: str, hot9: str) -> Drug:
    info = masters.drug(code)
    if info is None:
        raise LookupError(f"drug {key} ({code}) is not in the shipped drug master")
    unit = info.unit or ("mL" if "シロップ" in info.name else "錠")
    return Drug(key, code, info.name, unit, info.yj_code or "", daily, usage, hot9)


def _act(
    masters: Masters, key: str, code: str, name: str, points: int, category: str
) -> Act | None:
    info = masters.procedure(code)
    if info is None or name.split("（")[0] not in info.name:
        return None
    return Act(key, code, info.name, points, category)
