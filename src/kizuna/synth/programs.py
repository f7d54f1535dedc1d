"""Which long-term conditions a person has, and how each is cared for.

Prevalence by age follows Japanese national surveys (国民健康・栄養調査, 患者調査) to the
nearest few per cent. A *stream* is the regular care of some conditions at one facility:
its diagnoses, its drugs, how often the person comes back and which tests are ordered.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from kizuna.synth.model import Person
from kizuna.synth.rand import chance

# condition -> ((lowest age, rate), ...) for men and women: the rate of the highest
# threshold the person's age reaches
_PREVALENCE: dict[str, tuple[tuple[tuple[int, float], ...], tuple[tuple[int, float], ...]]] = {
    "hypertension": (
        ((30, 0.04), (40, 0.14), (50, 0.28), (60, 0.42), (70, 0.55)),
        ((30, 0.02), (40, 0.08), (50, 0.20), (60, 0.35), (70, 0.52)),
    ),
    "diabetes": (
        ((30, 0.01), (40, 0.06), (50, 0.12), (60, 0.18), (70, 0.20)),
        ((30, 0.005), (40, 0.03), (50, 0.06), (60, 0.09), (70, 0.11)),
    ),
    "lipids": (
        ((30, 0.03), (40, 0.10), (50, 0.18), (60, 0.22), (70, 0.22)),
        ((30, 0.01), (40, 0.05), (50, 0.20), (60, 0.30), (70, 0.30)),
    ),
    "gerd": (((40, 0.04), (60, 0.07)), ((40, 0.04), (60, 0.08))),
    "gastritis": (((40, 0.02), (60, 0.04)), ((40, 0.02), (60, 0.04))),
    "triglycerides": (((30, 0.02), (50, 0.04)), ((50, 0.02),)),
    "neuropathy": (((40, 0.3),), ((40, 0.3),)),  # of people with diabetes
    "retinopathy": (((40, 0.2),), ((40, 0.2),)),  # of people with diabetes
    "insomnia": (((30, 0.02), (60, 0.07), (75, 0.12)), ((30, 0.03), (60, 0.09), (75, 0.14))),
    "depression": (((20, 0.025), (65, 0.015)), ((20, 0.035), (65, 0.02))),
    "bph": (((60, 0.10), (70, 0.18)), ()),
    "osteoporosis": (((75, 0.04),), ((60, 0.10), (70, 0.22))),
    "knee_oa": (((60, 0.04), (70, 0.07)), ((55, 0.06), (70, 0.12))),
    "dementia": (((75, 0.05), (85, 0.15)), ((75, 0.06), (85, 0.20))),
    "hyperuricaemia": (((40, 0.05),), ()),
    "asthma": (((6, 0.05), (16, 0.03)), ((6, 0.04), (16, 0.035))),
    "epilepsy": (((0, 0.006),), ((0, 0.006),)),
    "allergic_rhinitis": (((6, 0.10), (60, 0.05)), ((6, 0.12), (60, 0.06))),
    "constipation": (((70, 0.08),), ((60, 0.08), (70, 0.14))),
    "old_mi": (((55, 0.015), (65, 0.03), (75, 0.04)), ((65, 0.01), (75, 0.02))),
    "heart_failure": (((75, 0.04), (85, 0.08)), ((75, 0.03), (85, 0.07))),
    "pacemaker": (((75, 0.012),), ((75, 0.01),)),
    "breast_cancer": ((), ((45, 0.008), (55, 0.012), (75, 0.006))),
    "ckd": (((60, 0.03), (70, 0.05)), ((60, 0.02), (70, 0.04))),
    "dialysis": (((40, 0.003), (60, 0.006), (70, 0.008)), ((40, 0.0015), (60, 0.003), (70, 0.004))),
    "care_child": (((1, 0.002), (18, 0.0)), ((1, 0.002), (18, 0.0))),
}

#: conditions a hospital's internal medicine may follow instead of a clinic
_HOSPITAL_OK = {"hypertension", "lipids", "gerd", "bph", "dementia", "hyperuricaemia"}
#: conditions that need another one
_NEEDS = {"ckd": "diabetes", "neuropathy": "diabetes", "retinopathy": "diabetes"}


def rate(condition: str, sex: str, age: int) -> float:
    table = _PREVALENCE[condition][0 if sex == "M" else 1]
    found = 0.0
    for threshold, value in table:
        if age >= threshold:
            found = value
    return found


def assign(person: Person, day: date, rng: random.Random) -> set[str]:
    """The long-term conditions a person has (by their age on ``day``)."""
    age = person.age_on(day)
    out = {c for c in _PREVALENCE if chance(rng, rate(c, person.sex, age))}
    for condition, needed in _NEEDS.items():
        if condition in out and needed not in out:
            out.discard(condition)
    if "dialysis" in out:
        out -= {"ckd"}
        out.add("hypertension")
    if "care_child" in out:
        out = {"care_child"}
    return out


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """Regular care of some conditions at one kind of facility."""

    key: str
    kind: str  # hospital or clinic
    specialty: str  # clinic specialty, or "general" for hospitals
    department: str  # 診療科 code
    interval: int  # days between visits
    panel: str = ""  # lab panel (labs.PANELS)
    lab_every: int = 0  # every n-th visit has labs; 0 never
    acts: tuple[str, ...] = ()  # acts billed at every visit


STREAMS: dict[str, StreamSpec] = {
    s.key: s
    for s in (
        StreamSpec("primary", "clinic", "internal", "01", 28, "hypertension", 3),
        StreamSpec("diabetes_hospital", "hospital", "general", "01", 56, "diabetes", 1),
        StreamSpec("hospital_internal", "hospital", "general", "01", 56, "hypertension", 2),
        StreamSpec("nephrology", "hospital", "general", "01", 56, "ckd", 1),
        StreamSpec("cardiology", "hospital", "general", "08", 84, "lipids", 2, ("ecg",)),
        StreamSpec(
            "neurology", "hospital", "general", "01", 84, "general", 2, ("epilepsy_guidance",)
        ),
        StreamSpec(
            "pediatric_neurology",
            "hospital",
            "general",
            "09",
            84,
            "general",
            2,
            ("epilepsy_guidance",),
        ),
        StreamSpec("ophthalmology", "clinic", "ophthalmology", "26", 84, acts=("fundus",)),
        StreamSpec("breast", "hospital", "general", "10", 84, "general", 2),
        StreamSpec("orthopedics", "clinic", "orthopedics", "11", 28),
        StreamSpec("psychiatry", "clinic", "psychiatry", "02", 28),
        StreamSpec("pediatric_asthma", "clinic", "pediatrics", "09", 28),
        StreamSpec("rhinitis", "clinic", "ent", "27", 28),
        StreamSpec("dialysis_clinic", "clinic", "dialysis", "32", 0, "dialysis", 13),
        StreamSpec("dialysis_hospital", "hospital", "general", "32", 0, "dialysis", 13),
        StreamSpec("care_child", "hospital", "general", "09", 28, "general", 3),
    )
}

# condition -> (stream, diseases, drug alternatives: each a tuple of drug keys)
CARE: dict[str, tuple[str, tuple[str, ...], tuple[tuple[str, ...], ...]]] = {
    "hypertension": (
        "primary",
        ("hypertension",),
        (
            ("amlodipine5",),
            ("telmisartan40",),
            ("olmesartan20",),
            ("candesartan8",),
            ("azelnidipine8",),
            ("nifedipine40",),
            ("amlodipine5", "telmisartan40"),
            ("amlodipine5", "olmesartan20"),
            ("enalapril5", "trichlormethiazide1"),
        ),
    ),
    "diabetes": (
        "primary",
        ("diabetes2",),
        (
            ("metformin500",),
            ("metformin500", "glimepiride1"),
            ("metformin500", "luseogliflozin"),
            ("pioglitazone30",),
            ("metformin500", "pioglitazone30"),
        ),
    ),
    "lipids": (
        "primary",
        ("hypercholesterolaemia",),
        (("rosuvastatin5",), ("pitavastatin2",), ("pravastatin10",), ("rosuvastatin2_5",)),
    ),
    "triglycerides": ("primary", ("hyperlipidaemia",), (("fenofibrate80",),)),
    "gerd": ("primary", ("gerd",), (("famotidine20",), ("lansoprazole15",), ("rabeprazole20",))),
    "gastritis": ("primary", ("gastritis",), (("rebamipide100",), ("famotidine20",))),
    "neuropathy": (
        "diabetes_hospital",
        ("diabetic_neuropathy",),
        (("pregabalin75",), ("epalrestat", "mecobalamin"), ("mecobalamin",)),
    ),
    "retinopathy": ("ophthalmology", ("diabetic_retinopathy",), ((),)),
    "insomnia": ("primary", ("insomnia",), (("zolpidem5",), ("eszopiclone1",), ("triazolam025",))),
    "bph": ("primary", ("bph",), (("silodosin2",), ("naftopidil50",))),
    "dementia": ("primary", ("dementia",), (("donepezil5",),)),
    "hyperuricaemia": ("primary", ("hyperuricaemia",), (("febuxostat10",),)),
    "constipation": ("primary", (), (("magnesium330",), ("magnesium500", "sennoside12"))),
    "asthma": ("primary", ("asthma",), (("montelukast10",),)),
    "depression": (
        "psychiatry",
        ("depression",),
        (("sertraline50",), ("escitalopram20",), ("paroxetine10",)),
    ),
    "knee_oa": (
        "orthopedics",
        ("knee_oa",),
        (
            ("meloxicam10", "rebamipide100"),
            ("meloxicam10", "lansoprazole_od30"),
            ("acetaminophen200",),
        ),
    ),
    "osteoporosis": ("orthopedics", ("osteoporosis",), (("alendronate5",),)),
    "allergic_rhinitis": ("rhinitis", ("allergic_rhinitis",), (("bepotastine5",), ("ebastine10",))),
    "epilepsy": (
        "neurology",
        ("epilepsy",),
        (("levetiracetam500",), ("carbamazepine100",), ("lamotrigine25",)),
    ),
    "old_mi": (
        "cardiology",
        ("old_mi", "hypercholesterolaemia"),
        (
            ("aspirin100", "rosuvastatin5_np", "amlodipine2_5"),
            ("aspirin100", "rosuvastatin5_np", "enalapril5"),
        ),
    ),
    "heart_failure": (
        "cardiology",
        ("heart_failure", "hypertensive_heart"),
        (("furosemide20", "enalapril5"),),
    ),
    "pacemaker": ("cardiology", ("sick_sinus",), ((),)),
    "breast_cancer": ("breast", ("breast_cancer",), (("tamoxifen10",),)),
    "ckd": (
        "nephrology",
        ("diabetic_nephropathy", "diabetic_ckd"),
        (("amlodipine5", "febuxostat20"), ("nifedipine40", "furosemide20")),
    ),
    "dialysis": (
        "dialysis_clinic",
        ("end_stage_nephropathy", "hypertension"),
        (
            ("amlodipine5", "febuxostat10", "sennoside12"),
            ("nifedipine40", "febuxostat10", "famotidine20"),
        ),
    ),
    "care_child": (
        "care_child",
        (
            "encephalopathy_sequelae",
            "respiratory_failure",
            "epilepsy",
            "tracheostomy_status",
            "gastrostomy_status",
            "dysphagia",
        ),
        (("levetiracetam500", "carbocisteine_syrup", "magnesium330"),),
    ),
}


@dataclass(slots=True)
class Stream:
    """One person's care stream: the spec, the conditions in it and the drugs."""

    spec: StreamSpec
    conditions: list[str] = field(default_factory=list)
    diseases: list[str] = field(default_factory=list)
    drugs: list[str] = field(default_factory=list)
    onset: date | None = None  # first diagnosed during the timeline (else before)


def streams_for(conditions: set[str], age: int, rng: random.Random) -> dict[str, Stream]:
    """Group a person's conditions into care streams and choose their drugs."""
    out: dict[str, Stream] = {}
    for condition in sorted(conditions):
        stream_key, diseases, regimens = CARE[condition]
        stream_key = _route(condition, stream_key, conditions, age, rng, out)
        stream = out.setdefault(stream_key, Stream(STREAMS[stream_key]))
        stream.conditions.append(condition)
        stream.diseases.extend(d for d in diseases if d not in stream.diseases)
        for drug in rng.choice(regimens):
            if drug not in stream.drugs:
                stream.drugs.append(drug)
    return out


def _route(
    condition: str,
    stream: str,
    conditions: set[str],
    age: int,
    rng: random.Random,
    routed: dict[str, Stream],
) -> str:
    """Where a condition is cared for when that depends on the person."""
    if condition == "diabetes" and ("ckd" in conditions or chance(rng, 0.25)):
        return "diabetes_hospital"
    if condition == "neuropathy":  # where the diabetes is treated ("diabetes" sorts first)
        return next((k for k, s in routed.items() if "diabetes" in s.conditions), stream)
    if stream == "primary" and condition in _HOSPITAL_OK and chance(rng, 0.15):
        return "hospital_internal"
    if condition == "asthma" and age < 16:
        return "pediatric_asthma"
    if condition == "dialysis" and chance(rng, 0.3):
        return "dialysis_hospital"
    if condition == "epilepsy" and age < 16:
        return "care_child" if "care_child" in conditions else "pediatric_neurology"
    return stream


def scripted(streams: dict[str, tuple[list[str], list[str]]]) -> dict[str, Stream]:
    """Streams given explicitly: stream key -> (conditions, drug keys)."""
    out = {}
    for key, (conditions, drugs) in streams.items():
        stream = Stream(STREAMS[key], list(conditions), [], list(drugs))
        for condition in conditions:
            stream.diseases.extend(d for d in CARE[condition][1] if d not in stream.diseases)
        out[key] = stream
    return out
