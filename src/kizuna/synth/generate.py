"""Generate a synthetic population in the source formats (see docs/synth.md).

People are written one at a time, in order, by one or more worker processes (each takes
a contiguous range of people), then the monthly receipt files are assembled from the
workers' spools and the ground truth is merged. Whatever the number of workers, the same
seed and options give the same bytes.
"""

from __future__ import annotations

import csv
import json
import shutil
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kizuna.synth import showcase
from kizuna.synth.catalog import Catalog, shipped
from kizuna.synth.clinical import History
from kizuna.synth.config import SynthConfig
from kizuna.synth.facilities import Directory, build_directory
from kizuna.synth.history import Builder, Plan
from kizuna.synth.model import Person
from kizuna.synth.population import build_people
from kizuna.synth.scenarios import findings
from kizuna.synth.story import build_history
from kizuna.synth.writers.checkup import write_checkup
from kizuna.synth.writers.fhirdocs import write_documents
from kizuna.synth.writers.files import Output, truth_header
from kizuna.synth.writers.notebook import write_notebooks
from kizuna.synth.writers.qr import write_qr
from kizuna.synth.writers.spool import ReceiptSpool, assemble
from kizuna.synth.writers.ssmix2 import write_hospital
from kizuna.synth.writers.subject import Subject
from kizuna.synth.writers.uke import write_receipts

OUTPUTS = ("ssmix2", "uke", "jahis-tc", "jahis-rx", "checkup", "fhir", "truth")
WORK = ".work"
PEOPLE_COLUMNS = (
    "person_id",
    "household",
    "sex",
    "birth_date",
    "names",
    "kana",
    "addresses",
    "phone",
    "mobile",
    "insurance",
    "twin_of",
    "guardian",
    "conditions",
    "allergies",
    "devices",
    "scenarios",
    "showcase",
)


@dataclass(slots=True)
class Summary:
    patients: int
    seed: int
    seconds: float = 0.0
    counts: Counter[str] = field(default_factory=Counter)

    def rates(self) -> dict[str, float]:
        """Files, messages, receipts... produced per second."""
        if not self.seconds:
            return {}
        return {k: v / self.seconds for k, v in sorted(self.counts.items()) if k != "bytes"}


def generate(config: SynthConfig) -> Summary:
    started = time.perf_counter()
    _clean(config.out)
    work = config.out / WORK
    ranges = _shards(config.patients, max(1, config.workers))
    counts: Counter[str] = Counter()
    if len(ranges) == 1:
        counts += write_shard(config, 0, *ranges[0])
    else:
        with ProcessPoolExecutor(max_workers=len(ranges)) as pool:
            futures = [
                pool.submit(write_shard, config, i, first, last)
                for i, (first, last) in enumerate(ranges)
            ]
            for future in futures:
                counts += future.result()
    directory = build_directory(config.patients)
    out = Output(config.out, work / "truth-receipts.csv")
    assemble([work / f"spool-{i:02d}" for i in range(len(ranges))], out, directory)
    out.close()
    counts += out.counts
    _merge_truth(config.out, len(ranges))
    _write_facilities(config.out, directory)
    shutil.rmtree(work)
    counts["files"] += 3  # the truth files
    return Summary(config.patients, config.seed, time.perf_counter() - started, counts)


def _clean(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    for name in (*OUTPUTS, WORK):
        target = root / name
        if target.exists():
            shutil.rmtree(target)


def _shards(patients: int, workers: int) -> list[tuple[int, int]]:
    size = -(-patients // workers)
    return [(i, min(i + size, patients)) for i in range(0, patients, size)] or [(0, 0)]


@dataclass(slots=True)
class _Context:
    config: SynthConfig
    directory: Directory
    catalog: Catalog
    builder: Builder
    people: list[Person]
    plans: dict[str, Plan]
    out: Output
    spool: ReceiptSpool
    people_writer: Any  # a csv writer


def write_shard(config: SynthConfig, shard: int, first: int, last: int) -> Counter[str]:
    """Write people ``first`` to ``last`` (exclusive); returns what was written."""
    directory = build_directory(config.patients)
    catalog = shipped()
    people = build_people(config, showcase.people() if config.showcase else None)
    plans = showcase.plans() if config.showcase else {}
    work = config.out / WORK
    out = Output(config.out, work / f"truth-{shard:02d}.csv")
    spool = ReceiptSpool(work / f"spool-{shard:02d}")
    with (work / f"people-{shard:02d}.csv").open("w", encoding="utf-8", newline="") as handle:
        ctx = _Context(
            config,
            directory,
            catalog,
            Builder(config, directory, catalog),
            people,
            plans,
            out,
            spool,
            csv.writer(handle, lineterminator="\n"),
        )
        for person in people[first:last]:
            write_person(ctx, person)
    spool.flush()
    out.close()
    return out.counts


def write_person(ctx: _Context, person: Person) -> None:
    guardian = ctx.people[person.guardian] if person.guardian is not None else None
    history = build_history(ctx.builder, person, guardian, ctx.plans.get(person.id))
    subject = Subject(person, history, guardian, ctx.config, ctx.out)
    notes: dict[str, list[str]] = {}
    for finding in findings(history):
        notes.setdefault(finding.prescription, []).append(finding.note)
        history.scenarios.append(f"{finding.kind}:{'+'.join(finding.ingredients)}")
        ctx.out.counts[f"{finding.kind}_notes"] += 1
    history.scenarios = sorted(set(history.scenarios))
    hospitals = {
        v.facility.code: v.facility for v in history.visits if v.facility.kind == "hospital"
    }
    hospitals.update({a.facility.code: a.facility for a in history.admissions})
    for code in sorted(hospitals):
        write_hospital(subject, hospitals[code])
    write_receipts(subject, ctx.catalog, ctx.spool)
    write_notebooks(subject, notes)
    for visit in history.visits:
        if visit.prescription is not None and visit.prescription.qr:
            write_qr(subject, visit.prescription)
    for check in history.checkups:
        write_checkup(subject, check)
    write_documents(subject, ctx.catalog)
    ctx.people_writer.writerow(_person_row(person, history, ctx.people))
    ctx.out.counts["patients"] += 1


def _person_row(person: Person, history: History, people: list[Person]) -> list[str]:
    def names() -> str:
        return "|".join(f"{d.isoformat()}:{n.family} {n.given}" for d, n in person.names.entries)

    def kana() -> str:
        return "|".join(f"{n.family_kana} {n.given_kana}" for _, n in person.names.entries)

    addresses = "|".join(
        f"{d.isoformat()}:{a.postal_code} {a.text}" for d, a in person.addresses.entries
    )
    insurance = "|".join(
        f"{c.start.isoformat()}:{c.insurer}:{c.symbol}:{c.number}:{c.branch}"
        for c in person.coverages
    )
    return [
        person.id,
        str(person.household),
        person.sex,
        person.birth.isoformat(),
        names(),
        kana(),
        addresses,
        person.addresses.last.phone,
        person.mobile,
        insurance,
        people[person.twin_of].id if person.twin_of is not None else "",
        people[person.guardian].id if person.guardian is not None else "",
        " ".join(sorted(_conditions(history))),
        " ".join(a.key for a in history.allergies),
        " ".join(d.kind for d in history.devices),
        " ".join(history.scenarios),
        person.showcase,
    ]


def _conditions(history: History) -> set[str]:
    return {dx.disease.key for dxs in history.diagnoses.values() for dx in dxs if dx.end is None}


def _merge_truth(root: Path, shards: int) -> None:
    work = root / WORK
    truth = root / "truth"
    truth.mkdir(parents=True, exist_ok=True)
    with (truth / "persons.csv").open("wb") as handle:
        handle.write(truth_header().encode("utf-8"))
        for i in range(shards):
            handle.write((work / f"truth-{i:02d}.csv").read_bytes())
        handle.write((work / "truth-receipts.csv").read_bytes())
    with (truth / "people.csv").open("wb") as handle:
        handle.write((",".join(PEOPLE_COLUMNS) + "\n").encode("utf-8"))
        for i in range(shards):
            handle.write((work / f"people-{i:02d}.csv").read_bytes())


def _write_facilities(root: Path, directory: Directory) -> None:
    rows = [
        {
            "code": f.code,
            "kind": f.kind,
            "specialty": f.specialty,
            "name": f.name,
            "address": f.address.text,
            "phone": f.phone,
            "in_house": f.in_house,
            "pharmacy": f.pharmacy,
        }
        for f in directory.facilities
    ]
    data = json.dumps(rows, ensure_ascii=False, indent=1) + "\n"
    (root / "truth" / "facilities.json").write_text(data, encoding="utf-8")
