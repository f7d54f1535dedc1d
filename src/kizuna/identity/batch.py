"""Matching in bulk: indexing stored Patients, estimating the model, matching everything.

``match_all`` loads every patient's features, forms the candidate pairs from the block
keys in memory, judges them all and acts on them strongest first, in one transaction per
chunk. ``match_pending`` matches only the patients that ingestion left pending (queue
mode). ``train`` estimates m, u and the prior by EM on every candidate pair and stores
the model, which later matching (batch and on ingest) uses.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

import orjson

from kizuna.identity import index, persons
from kizuna.identity.blocking import MAX_BLOCK, block_keys
from kizuna.identity.compare import Vector, compare
from kizuna.identity.decide import Judgement, judge
from kizuna.identity.em import estimate_em, estimate_u
from kizuna.identity.features import Features
from kizuna.identity.matcher import Tally, act, current_model, match_patient, save_model
from kizuna.identity.model import FREQUENCY_TABLES, Model, Table
from kizuna.store.db import Database

CHUNK = 2000


@dataclass
class Scored:
    a: str
    b: str
    judgement: Judgement


def load_features(db: Database) -> dict[str, Features]:
    with db.read() as tx:
        rows = tx.fetchall("SELECT patient_id, features FROM identity_features")
    return {r[0]: Features.loads(r[1]) for r in rows}


def candidate_pairs(features: dict[str, Features]) -> Iterator[tuple[str, str]]:
    """Every pair sharing a block key (blocks over MAX_BLOCK skipped), once."""
    blocks: dict[str, list[str]] = defaultdict(list)
    for patient_id, f in features.items():
        for key in block_keys(f):
            blocks[key].append(patient_id)
    seen: set[tuple[str, str]] = set()
    for members in blocks.values():
        if len(members) < 2 or len(members) > MAX_BLOCK:
            continue
        members.sort()
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if (a, b) not in seen:
                    seen.add((a, b))
                    yield a, b


def comparison_patterns(features: dict[str, Features]) -> Counter[Vector]:
    return Counter(compare(features[a], features[b]) for a, b in candidate_pairs(features))


def random_u(features: dict[str, Features], samples: int = 200_000) -> Table:
    ids = sorted(features)
    return estimate_u(ids, lambda a, b: compare(features[a], features[b]), samples)


Frequencies = tuple[dict[str, dict[str, float]], dict[str, float], dict[str, float]]


def name_frequencies(features: dict[str, Features], keep: int = 50_000) -> Frequencies:
    """Per name table: the share of patients bearing each value seen at least twice
    (the ``keep`` most common), the share assumed for any other value, and the chance
    that two random patients bear the same value."""
    tables: dict[str, dict[str, float]] = {}
    floor: dict[str, float] = {}
    collision: dict[str, float] = {}
    for table in FREQUENCY_TABLES:
        counts: Counter[str] = Counter()
        bearers = 0
        for f in features.values():
            values = getattr(f, table)
            bearers += bool(values)
            counts.update(set(values))
        if bearers:
            common = [(v, n) for v, n in counts.most_common(keep) if n >= 2]
            tables[table] = {v: round(n / bearers, 8) for v, n in common}
            floor[table] = 1 / bearers
            collision[table] = sum((n / bearers) ** 2 for n in counts.values())
    return tables, floor, collision


METHODS = ("prior", "em")


def train(db: Database, method: str = "prior", store: bool = True) -> Model:
    """Re-estimate the model on the stored patients, keeping the current thresholds.

    Both methods count u on random pairs and the name frequencies on all patients.
    ``prior`` keeps the current m and fits only the share of matches by EM (stable);
    ``em`` also estimates m by EM (unsupervised; relatives sharing a household pull m
    towards agreement on address and phone, so more of them reach the review queue).
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: use one of {', '.join(METHODS)}")
    features = load_features(db)
    with db.read() as tx:
        current = current_model(tx)
    u = random_u(features)
    fixed = current.m if method == "prior" else None
    model = estimate_em(
        comparison_patterns(features),
        u,
        len(features),
        thresholds=current.thresholds,
        fixed_m=fixed,
    )
    model = model.with_frequencies(*name_frequencies(features))
    if store:
        with db.transaction() as tx:
            save_model(tx, model)
    return model


def ensure_indexed(db: Database) -> int:
    """Index every stored Patient the patient index does not know yet; how many."""
    with db.read() as tx:
        rows = tx.fetchall(
            "SELECT r.res_id, r.content FROM resources r LEFT JOIN identity_features f"
            " ON f.patient_id = r.res_id WHERE r.res_type = 'Patient' AND r.deleted = 0"
            " AND f.patient_id IS NULL"
        )
    for start in range(0, len(rows), CHUNK):
        with db.transaction() as tx:
            for patient_id, content in rows[start : start + CHUNK]:
                persons.ensure_person(tx, patient_id, "batch")
                index.index_patient(tx, patient_id, orjson.loads(content))
    return len(rows)


def score_all(model: Model, features: dict[str, Features]) -> list[Scored]:
    scored = [
        Scored(a, b, judge(model, features[a], features[b])) for a, b in candidate_pairs(features)
    ]
    scored.sort(key=lambda s: -s.judgement.probability)
    return scored


def match_all(db: Database, model: Model | None = None, actor: str = "auto") -> Tally:
    """Judge every candidate pair in the index and link or queue, strongest first."""
    features = load_features(db)
    if model is None:
        with db.read() as tx:
            model = current_model(tx)
    tally = Tally()
    actionable = []
    for item in score_all(model, features):
        tally.compared += 1
        if item.judgement.decision in ("auto", "review"):
            actionable.append(item)
    for start in range(0, len(actionable), CHUNK):
        with db.transaction() as tx:
            for item in actionable[start : start + CHUNK]:
                act(tx, item.a, item.b, item.judgement, actor, tally, model)
    with db.transaction() as tx:
        tx.execute("UPDATE identity_features SET pending = 0 WHERE pending = 1")
    return tally


def match_pending(db: Database, actor: str = "auto", limit: int | None = None) -> Tally:
    """Match the patients ingestion left pending, against their block candidates."""
    tally = Tally()
    done = 0
    while limit is None or done < limit:
        with db.transaction() as tx:
            batch = index.pending(tx, min(CHUNK, (limit - done) if limit else CHUNK))
            if not batch:
                break
            model = current_model(tx)
            for patient_id, features in index.stored(tx, batch).items():
                match_patient(tx, patient_id, features, model, actor, tally)
            index.mark_matched(tx, batch)
        done += len(batch)
    return tally
