"""A person's clinical history over the timeline: regular care, acute illness, admissions,
allergies, checkups and referrals.

Everything is drawn from the person's own random stream, so a history does not depend on
anyone else's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from kizuna.synth import labs, programs, schedule
from kizuna.synth.care import Chooser
from kizuna.synth.catalog import USAGES, Catalog
from kizuna.synth.clinical import (
    CONTINUING,
    STOPPED,
    ActDone,
    Diagnosis,
    History,
    LabPanel,
    LabResult,
    Prescription,
    Rp,
    Visit,
)
from kizuna.synth.config import SynthConfig
from kizuna.synth.facilities import Directory, Facility
from kizuna.synth.model import Person
from kizuna.synth.rand import chance, derive

_LAB_CONDITIONS = {
    "diabetes": "diabetes",
    "lipids": "lipids",
    "ckd": "ckd",
    "dialysis": "dialysis",
    "hyperuricaemia": "hyperuricaemia",
    "old_mi": "lipids",
}
_CHILD_DRUGS = {"montelukast10": "montelukast5"}
NEW_DIAGNOSIS_RATE = 0.12  # streams whose condition is first diagnosed during the timeline
_MONTH = timedelta(days=30)


class Builder:
    """Everything a history needs that is shared by all people."""

    def __init__(self, config: SynthConfig, directory: Directory, catalog: Catalog) -> None:
        self.config = config
        self.directory = directory
        self.catalog = catalog


@dataclass(slots=True)
class Plan:
    """A scripted history (the showcase patients): conditions, care streams with their
    drugs, allergies, admissions and the facilities used, instead of random ones."""

    conditions: set[str]
    streams: dict[str, tuple[list[str], list[str]]]  # stream key -> (conditions, drugs)
    allergies: list[str] = field(default_factory=list)
    events: list[tuple[str, int]] = field(default_factory=list)  # (event, days before end)
    pinned: dict[tuple[str, str], list[tuple[date, str]]] = field(default_factory=dict)
    pharmacies: dict[str, str] = field(default_factory=dict)  # prescriber -> pharmacy


class PersonHistory:
    """One person's history being built, and the steps that build it (see story.py)."""

    def __init__(self, builder: Builder, person: Person, plan: Plan | None = None) -> None:
        self.config = builder.config
        self.catalog = builder.catalog
        self.person = person
        self.plan = plan
        self.rng = derive(builder.config.seed, "history", person.id)
        self.chooser = Chooser(
            builder.directory,
            person,
            self.rng,
            plan.pinned if plan else None,
            plan.pharmacies if plan else None,
        )
        self.history = History(person)
        self.age = person.age_on(builder.config.end)
        self.conditions = (
            plan.conditions
            if plan is not None
            else programs.assign(person, builder.config.end, self.rng)
        )
        lab_conditions = {_LAB_CONDITIONS[c] for c in self.conditions if c in _LAB_CONDITIONS}
        self.physiology = labs.baseline(self.rng, person.sex, self.age, lab_conditions)
        self.physiology.treatment_start = builder.config.start - timedelta(days=730)
        self._seq = 0

    # -- ids ---------------------------------------------------------------------------
    def number(self) -> str:
        """A 15-digit order number, unique per person."""
        self._seq += 1
        return f"{self.person.index % 10**7:07d}{self._seq:08d}"

    # -- diagnoses ---------------------------------------------------------------------
    def diagnosis(
        self,
        facility: Facility,
        key: str,
        start: date,
        main: bool = False,
        end: date | None = None,
        outcome: str = CONTINUING,
    ) -> Diagnosis:
        """The facility's diagnosis of ``key`` (one per facility and disease)."""
        kept = self.history.diagnoses.setdefault(facility.code, [])
        for dx in kept:
            if dx.disease.key == key and ((end is None and dx.end is None) or dx.start == start):
                return dx
        dx = Diagnosis(self.catalog.disease(key), start, end, outcome, main)
        kept.append(dx)
        return dx

    def onset_before(self, years_min: int = 1, years_max: int = 12) -> date:
        """A diagnosis date before the timeline (not before the person turned 15)."""
        earliest = max(
            self.person.birth + timedelta(days=365 * 15),
            self.config.start - timedelta(days=365 * years_max),
        )
        latest = self.config.start - timedelta(days=365 * years_min)
        if earliest >= latest:
            return max(self.person.birth + timedelta(days=30), latest)
        return schedule.between(self.rng, earliest, latest)

    # -- prescriptions -----------------------------------------------------------------
    def prescribe(
        self, facility: Facility, department: str, day: date, drug_keys: list[str], days: int
    ) -> Prescription | None:
        drugs = [
            self.catalog.drug(_CHILD_DRUGS.get(k, k) if self.age < 15 else k) for k in drug_keys
        ]
        if not drugs:
            return None
        rps: dict[str, Rp] = {}
        for drug in drugs:
            usage = USAGES[drug.usage]
            rp = rps.setdefault(drug.usage, Rp([], usage, 10 if usage.times == 0 else days))
            rp.drugs.append(drug)
        pharmacy = self.chooser.pharmacy(facility, day)
        dispensed = None
        if pharmacy is not None:
            dispensed = day if chance(self.rng, 0.85) else day + timedelta(days=1)
            if dispensed > self.config.end:
                dispensed = day
        qr = (
            pharmacy is not None
            and day >= self.config.end - timedelta(days=92)
            and chance(self.rng, 0.3)
        )
        return Prescription(
            self.number(),
            day,
            facility,
            department,
            facility.doctor(department),
            list(rps.values()),
            pharmacy,
            dispensed,
            qr,
        )

    # -- labs --------------------------------------------------------------------------
    def lab_panel(self, facility: Facility, day: date, name: str) -> LabPanel:
        keys = labs.PANELS[name]
        values = self.physiology.panel(
            keys, day, self.config.start, self.rng, self.person.age_on(day), self.person.sex
        )
        results = [LabResult(labs.TESTS[k], values[k]) for k in keys]
        panel = LabPanel(self.number(), day, facility, results)
        for specimen in sorted({r.test.specimen for r in results})[1:]:
            panel.numbers[specimen] = self.number()
        return panel

    def lab_acts(self, panel: LabPanel) -> list[ActDone]:
        """The receipt acts of a lab panel: each test, the blood draw, the judgement fees."""
        keys: list[str] = []
        for result in panel.results:
            act = result.test.act
            if act and act not in keys:
                keys.append(act)
        biochem = [k for k in keys if k not in ("blood_count", "hba1c", "crp")]
        if "blood_count" in keys or "hba1c" in keys:
            keys.append("blood_judgement")
        if biochem:
            keys.append("biochem_judgement")
        if "crp" in keys:
            keys.append("immuno_judgement")
        keys.append("venous_blood")
        return self.acts(keys, panel.day, "exam")

    def acts(self, keys: list[str], day: date, kind: str) -> list[ActDone]:
        out = []
        for key in keys:
            act = self.catalog.act(key)
            out.append(ActDone(key, day, kind, act.name if act else key))
        return out

    # -- visits ------------------------------------------------------------------------
    def add_visit(
        self,
        facility: Facility,
        department: str,
        day: date,
        diagnoses: list[Diagnosis],
        drug_keys: list[str],
        days: int,
        panel: str = "",
        extra: tuple[str, ...] = (),
    ) -> Visit:
        """A visit with its prescription, tests and acts (fees are added by :meth:`bill`)."""
        visit = Visit(day, facility, department, diagnoses)
        visit.prescription = self.prescribe(facility, department, day, drug_keys, days)
        visit.acts = self.acts(list(extra), day, "exam")
        if panel:
            visit.labs = self.lab_panel(facility, day, panel)
            visit.acts += self.lab_acts(visit.labs)
        self.history.visits.append(visit)
        return visit

    def bill(self) -> None:
        """Visit fees, in date order: 初診料 when the facility has no open diagnosis of the
        person (none, or all resolved a month ago), else 再診料; prescription fees."""
        self.history.visits.sort(key=lambda v: (v.day, v.facility.code))
        for visit in self.history.visits:
            visit.first = not any(
                dx.start < visit.day and (dx.end is None or dx.end >= visit.day - _MONTH)
                for dx in self.history.diagnoses.get(visit.facility.code, [])
            )
            keys = ["first_visit" if visit.first else "revisit"]
            if visit.facility.specialty == "pediatrics" and not visit.first:
                keys = ["pediatric_outpatient"]
            elif not visit.first and visit.facility.kind == "clinic" and visit.labs is None:
                keys.append("outpatient_management")
            rx = visit.prescription
            if rx is not None and rx.pharmacy is not None:
                keys += ["prescription_fee", "generic_name_addition"]
            visit.acts = self.acts(keys, visit.day, "fee") + visit.acts

    # -- regular care ------------------------------------------------------------------
    def regular_care(self) -> None:
        if self.plan is not None:
            streams = programs.scripted(self.plan.streams)
        else:
            streams = programs.streams_for(self.conditions, self.age, self.rng)
        for stream in streams.values():
            onset = None
            if (
                self.plan is None
                and stream.spec.key not in ("care_child", "dialysis_clinic", "dialysis_hospital")
                and chance(self.rng, NEW_DIAGNOSIS_RATE)
            ):
                span = (self.config.end - self.config.start).days
                onset = self.config.start + timedelta(days=self.rng.randrange(int(span * 0.8)))
                if "diabetes" in stream.conditions:
                    self.physiology.treatment_start = onset
            stream.onset = onset
            self.stream_visits(stream)

    def stream_visits(self, stream: programs.Stream) -> None:
        spec = stream.spec
        first = stream.onset or self.config.start
        hospital = spec.kind == "hospital"
        if spec.interval:
            days = schedule.regular(first, self.config.end, spec.interval, self.rng, hospital)
        else:
            days = schedule.dialysis_days(first, self.config.end, self.rng)
        onset = stream.onset or self.onset_before()
        previous: Facility | None = None
        for count, day in enumerate(days):
            facility = self.chooser.facility(spec.kind, spec.specialty, day)
            if facility is None:
                return
            if previous is not None and facility.code != previous.code:
                self.leave(previous, stream, day)
            since = onset if previous is None else day
            diagnoses = [
                self.diagnosis(facility, key, since, main=(i == 0))
                for i, key in enumerate(stream.diseases)
            ]
            panel = spec.panel if spec.lab_every and count % spec.lab_every == 0 else ""
            supply = spec.interval or 14
            drugs = stream.drugs if (spec.interval or count % 6 == 0) else []
            visit = self.add_visit(
                facility, spec.department, day, diagnoses, drugs, supply, panel, spec.acts
            )
            if not spec.interval:
                visit.acts += self.acts(["dialysis"], day, "dialysis")
            previous = facility

    def leave(self, facility: Facility, stream: programs.Stream, day: date) -> None:
        """The person moved away: the old facility closes its diagnoses (中止, 転医)."""
        last = max(
            (v.day for v in self.history.visits if v.facility.code == facility.code), default=day
        )
        for dx in self.history.diagnoses.get(facility.code, []):
            if dx.end is None and dx.disease.key in stream.diseases:
                dx.end = last
                dx.outcome = STOPPED
