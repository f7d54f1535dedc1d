"""Patient-index quality and speed on a labelled synthetic population.

    .venv/bin/python bench/identity_match.py --households 4000 --seed 11
    .venv/bin/python bench/identity_match.py --synth out/   # a `kizuna synth` output folder

Every source record becomes a candidate Patient and goes through the ingestion pipeline
(deterministic linking, person index, match features). Then the model is estimated (EM
on the unlabelled candidate pairs by default), every candidate pair is matched in batch,
and the result is scored against the truth over all pairs of source records: a pair is a
predicted positive when both records end in the same person. The table is printed for
all pairs and for the pairs that deterministic keys did not already join (the part the
probabilistic matcher decides). Review-queue pairs are counted separately.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import orjson

from kizuna.identity import batch, pairs
from kizuna.identity.compare import compare, describe
from kizuna.identity.em import estimate_labelled
from kizuna.identity.matcher import current_model, save_model
from kizuna.identity.model import Model, Thresholds
from kizuna.ingest.base import SourceRef, Unit
from kizuna.ingest.pipeline import Pipeline
from kizuna.store.db import Database
from kizuna.store.migrate import upgrade


@dataclass
class Source:
    record_id: str
    person: str
    format: str
    facility: str
    patient: dict[str, Any]
    kind: str = "plain"


def c2(n: int) -> int:
    return n * (n - 1) // 2


def synthetic(households: int, seed: int, noise: float) -> list[Source]:
    from tests.identity.population import generate

    pop = generate(households, seed, noise)
    return [
        Source(r.record_id, r.person, r.format, r.facility, r.patient, r.kind) for r in pop.records
    ]


def from_synth(folder: Path, db: Database) -> tuple[list[Source], dict[str, str], float]:
    """Ingest a `kizuna synth` output through the pipeline and read its truth.

    Each truth row (a source record) is tied to the patient its unit resolved to: by file
    and record number where a file holds many records (receipts, checkups), by file
    otherwise, by the patient folder for SS-MIX2.
    """
    from kizuna.ingest import registry

    pipeline = Pipeline(db)
    roots = [p for p in sorted((folder / "ssmix2").glob("*")) if p.is_dir()]
    roots += [folder / f for f in ("uke", "jahis-tc", "jahis-rx", "checkup", "fhir")]
    by_record: dict[tuple[str, str], str] = {}
    by_file: dict[str, str] = {}
    units = 0
    start = time.perf_counter()
    for adapter, target in registry.plan([r for r in roots if r.exists()], registry.adapters()):
        if adapter is None:
            continue
        for item in adapter.read(target):
            if not isinstance(item, Unit):
                pipeline.quarantine(item)
                continue
            units += 1
            result = pipeline.ingest_unit(item, adapter.name)
            if result.patient_id is None:
                continue
            path = Path(item.source.file)
            if not path.is_absolute():  # some formats name the file only
                path = target if target.is_file() else target / path
            rel = path.resolve().relative_to(folder.resolve()).as_posix()
            by_record[(rel, item.source.record)] = result.patient_id
            by_file[rel] = result.patient_id
            if rel.startswith("ssmix2/"):
                by_file["/".join(rel.split("/")[:5])] = result.patient_id
    seconds = time.perf_counter() - start
    sources: list[Source] = []
    patient_of: dict[str, str] = {}
    with (folder / "truth" / "persons.csv").open(newline="", encoding="utf-8") as fh:
        for i, row in enumerate(csv.DictReader(fh)):
            record_id = f"T{i}"
            noise = row["noise"].split(";")[0].split(":")[0] if row["noise"] else "plain"
            sources.append(
                Source(record_id, row["person_id"], row["format"], row["facility_code"], {}, noise)
            )
            found = by_record.get((row["file"], row["record"]))
            if found is None and not row["format"].startswith("uke"):  # one patient per file
                found = by_file.get(row["file"])
            if found:
                patient_of[record_id] = found
    quarantined = sum(r.quarantined for r in pipeline.reports.values())
    print(
        f"synth: {units} units ingested in {seconds:.1f} s = {units / seconds:.0f} units/s,"
        f" {quarantined} quarantined; {len(patient_of)} of {len(sources)} truth records tied to a patient"
    )
    return sources, patient_of, seconds


def ingest(db: Database, sources: list[Source]) -> tuple[dict[str, str], float]:
    pipeline = Pipeline(db)
    patient_of: dict[str, str] = {}
    start = time.perf_counter()
    for s in sources:
        unit = Unit(
            s.record_id, SourceRef(s.format, f"{s.format}.dat", s.record_id, s.facility), s.patient
        )
        result = pipeline.ingest_unit(unit)
        if result.patient_id:
            patient_of[s.record_id] = result.patient_id
    return patient_of, time.perf_counter() - start


def person_map(db: Database) -> dict[str, str]:
    with db.read() as tx:
        return dict(tx.fetchall("SELECT patient_id, person_id FROM identity_links"))


def confusion(
    sources: list[Source], patient_of: dict[str, str], person_of: dict[str, str]
) -> dict[str, dict[str, int]]:
    truth = Counter(s.person for s in sources if s.record_id in patient_of)
    pred = Counter(person_of[patient_of[s.record_id]] for s in sources if s.record_id in patient_of)
    pat = Counter(patient_of[s.record_id] for s in sources if s.record_id in patient_of)
    both = Counter(
        (person_of[patient_of[s.record_id]], s.person) for s in sources if s.record_id in patient_of
    )
    pat_truth = Counter(
        (patient_of[s.record_id], s.person) for s in sources if s.record_id in patient_of
    )
    n = sum(truth.values())
    tp_all, pp_all, ap_all = (sum(c2(v) for v in c.values()) for c in (both, pred, truth))
    tp_det, pp_det = sum(c2(v) for v in pat_truth.values()), sum(c2(v) for v in pat.values())
    out = {
        "all record pairs": _table(tp_all, pp_all, ap_all, c2(n)),
        "pairs not joined by keys": _table(
            tp_all - tp_det, pp_all - pp_det, ap_all - tp_det, c2(n) - pp_det
        ),
        "deterministic (same patient)": _table(tp_det, pp_det, tp_det + (pp_det - tp_det), pp_det),
    }
    return out


def _table(tp: int, pp: int, ap: int, total: int) -> dict[str, int]:
    fp, fn = pp - tp, ap - tp
    return {"TP": tp, "FP": fp, "FN": fn, "TN": total - tp - fp - fn}


def truth_of_patients(sources: list[Source], patient_of: dict[str, str]) -> dict[str, str]:
    votes: dict[str, Counter[str]] = {}
    for s in sources:
        if s.record_id in patient_of:
            votes.setdefault(patient_of[s.record_id], Counter())[s.person] += 1
    return {p: c.most_common(1)[0][0] for p, c in votes.items()}


def review_counts(db: Database, truth: dict[str, str]) -> Counter[str]:
    counts: Counter[str] = Counter()
    with db.read() as tx:
        for pair in pairs.listing(tx, "pending", limit=10**9):
            same = truth.get(pair.patient_a) == truth.get(pair.patient_b)
            counts["review: same person" if same else "review: different persons"] += 1
    return counts


def errors_by_kind(
    sources: list[Source], patient_of: dict[str, str], person_of: dict[str, str]
) -> Counter[str]:
    """Missed links (a true person split over several persons) and wrong merges, by kind."""
    kinds: Counter[str] = Counter()
    by_person: dict[str, set[str]] = {}
    owner: dict[str, set[str]] = {}
    kind_of = {s.person: s.kind for s in sources}
    for s in sources:
        if s.record_id in patient_of:
            predicted = person_of[patient_of[s.record_id]]
            by_person.setdefault(s.person, set()).add(predicted)
            owner.setdefault(predicted, set()).add(s.person)
    for person, predicted in by_person.items():
        if len(predicted) > 1:
            kinds[f"split: {kind_of[person]}"] += 1
    for people in owner.values():
        if len(people) > 1:
            kinds["merged: " + "+".join(sorted(kind_of[p] for p in people))] += 1
    return kinds


def labelled_model(db: Database, truth: dict[str, str]) -> Model:
    features = batch.load_features(db)
    with db.read() as tx:
        thresholds = current_model(tx).thresholds
    labelled = (
        (compare(features[a], features[b]), truth.get(a) == truth.get(b))
        for a, b in batch.candidate_pairs(features)
    )
    model = estimate_labelled(labelled, batch.random_u(features), len(features), thresholds)
    return model.with_frequencies(*batch.name_frequencies(features))


def blocking_recall(db: Database, truth: dict[str, str]) -> tuple[int, int]:
    features = batch.load_features(db)
    found = sum(
        1 for a, b in batch.candidate_pairs(features) if a in truth and truth[a] == truth.get(b)
    )
    groups = Counter(truth[p] for p in features if p in truth)
    return found, sum(c2(v) for v in groups.values())


def show_model(model: Model) -> None:
    print(
        f"\nmodel ({model.trained_by}, {model.pairs} candidate pairs), prior λ = {model.prior:.5f}"
    )
    for f, levels in model.as_json()["features"].items():
        cells = ", ".join(
            f"{lv} m={m:.4f} u={u:.5f} w={w:+.2f}"
            for lv, m, u, w in zip(
                levels, model.m[f], model.u[f], model.weights[list(model.m).index(f)], strict=True
            )
        )
        print(f"  {f:8s} {cells}")
    t = model.thresholds
    print(f"  thresholds: auto ≥ {t.auto}, review ≥ {t.review}, possible ≥ {t.possible}")
    print(f"  name frequencies: { ({k: len(v) for k, v in model.frequencies.items()}) } values")


def show(title: str, table: dict[str, int]) -> None:
    tp, fp, fn = table["TP"], table["FP"], table["FN"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(
        f"  {title:30s} TP={tp:8d} FP={fp:6d} FN={fn:6d} TN={table['TN']:12d}"
        f"  precision={precision:.5f} recall={recall:.5f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--noise", type=float, default=1.0)
    parser.add_argument("--train", choices=("prior", "em", "labels", "none"), default="prior")
    parser.add_argument(
        "--mode",
        choices=("queue", "inline"),
        default="queue",
        help="match on ingest (inline) or afterwards in batch (queue)",
    )
    parser.add_argument("--auto", type=float, help="override the auto-link threshold")
    parser.add_argument("--review", type=float, help="override the review threshold")
    parser.add_argument("--synth", type=Path, help="a `kizuna synth` output folder to ingest")
    parser.add_argument("--synth-patients", type=int, help="generate a `kizuna synth` population")
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    parser.add_argument("--save-model", type=Path, help="write the estimated model JSON here")
    parser.add_argument("--samples", type=int, default=0, help="print N error pairs' levels")
    parser.add_argument("--sweep", action="store_true", help="pair precision/recall by threshold")
    args = parser.parse_args()

    url = args.db or f"sqlite:///{tempfile.mkdtemp(prefix='kizuna-idbench-')}/bench.sqlite3"
    upgrade(url)
    db = Database(url)
    os.environ["KIZUNA_IDENTITY_MATCH"] = args.mode
    if args.synth_patients:
        from kizuna.synth import SynthConfig, generate

        args.synth = Path(tempfile.mkdtemp(prefix="kizuna-synth-"))
        generate(SynthConfig(patients=args.synth_patients, seed=args.seed, out=args.synth))
    if args.synth:
        sources, patient_of, _ = from_synth(args.synth, db)
    else:
        sources = synthetic(args.households, args.seed, args.noise)
        patient_of, seconds = ingest(db, sources)
        print(
            f"ingest ({args.mode}): {len(sources)} units in {seconds:.1f} s = {len(sources) / seconds:.0f} units/s"
        )
    kinds = Counter(s.kind for s in sources)
    print(
        f"{len({s.person for s in sources})} persons, {len(sources)} source records; kinds {dict(kinds)}"
    )
    print(f"{len(set(patient_of.values()))} patients after deterministic linking")
    truth = truth_of_patients(sources, patient_of)
    found, total = blocking_recall(db, truth)
    print(
        f"blocking: {found} of {total} true patient pairs are candidates ({found / max(total, 1):.4%})"
    )

    start = time.perf_counter()
    if args.train in batch.METHODS:
        model = batch.train(db, args.train)
    elif args.train == "labels":
        model = labelled_model(db, truth)
        with db.transaction() as tx:
            save_model(tx, model)
    else:
        with db.read() as tx:
            model = current_model(tx)
    train_s = time.perf_counter() - start
    if args.auto is not None or args.review is not None:
        t = model.thresholds
        model = model.with_thresholds(
            Thresholds(args.auto or t.auto, args.review or t.review, t.possible)
        )
        with db.transaction() as tx:
            save_model(tx, model)
    show_model(model)
    if args.save_model:
        args.save_model.write_bytes(orjson.dumps(model.as_json(), option=orjson.OPT_INDENT_2))

    start = time.perf_counter()
    tally = batch.match_all(db, model)
    match_s = time.perf_counter() - start
    print(
        f"\ntraining {train_s:.1f} s; batch match {match_s:.1f} s: {tally.compared} candidate pairs,"
        f" {tally.linked} auto-links, {tally.queued} queued for review"
    )

    person_of = person_map(db)
    print("\nconfusion over pairs of source records (auto-links and keys as positives):")
    for title, table in confusion(sources, patient_of, person_of).items():
        show(title, table)
    for name, n in sorted(review_counts(db, truth).items()):
        print(f"  {name}: {n}")
    print("\nerrors by kind:", dict(errors_by_kind(sources, patient_of, person_of)))
    if args.samples:
        sample_errors(db, truth, person_of, args.samples)
    if args.sweep:
        sweep(db, truth)
    db.close()


def sample_errors(db: Database, truth: dict[str, str], person_of: dict[str, str], n: int) -> None:
    features = batch.load_features(db)
    with db.read() as tx:
        model = current_model(tx)
    shown = Counter[str]()
    for a, b in batch.candidate_pairs(features):
        if a not in truth or b not in truth:
            continue
        same_truth = truth.get(a) == truth.get(b)
        same_pred = person_of.get(a) == person_of.get(b)
        if same_truth == same_pred:
            continue
        label = "FN" if same_truth else "FP"
        if shown[label] >= n:
            continue
        shown[label] += 1
        vector = compare(features[a], features[b])
        print(label, round(model.probability(vector), 5), describe(vector))


def sweep(db: Database, truth: dict[str, str]) -> None:
    """Candidate-pair precision and recall of the auto decision at several thresholds."""
    from kizuna.identity.decide import judge

    features = batch.load_features(db)
    with db.read() as tx:
        model = current_model(tx)
    scored = []
    for a, b in batch.candidate_pairs(features):
        j = judge(model, features[a], features[b])
        scored.append((j.probability, j.guard, truth.get(a) == truth.get(b)))
    matches = sum(1 for s in scored if s[2])
    print(
        f"\nthreshold sweep over {len(scored)} candidate pairs ({matches} matches), guards applied:"
    )
    for t in (0.5, 0.9, 0.99, 0.999, 0.9999, 0.99999, 0.999999, 0.9999999):
        auto = [s for s in scored if s[0] >= t and s[1] is None]
        tp = sum(1 for s in auto if s[2])
        print(
            f"  auto ≥ {t:<10} linked={len(auto):6d} TP={tp:6d} FP={len(auto) - tp:4d}"
            f" precision={tp / max(len(auto), 1):.5f} recall={tp / max(matches, 1):.5f}"
        )


if __name__ == "__main__":
    main()
