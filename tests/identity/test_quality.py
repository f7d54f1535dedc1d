"""End to end on a labelled synthetic population: ingest every record through the
pipeline (matching on ingest with the shipped model), then score the persons."""

from __future__ import annotations

from collections import Counter

import pytest
from tests.identity.population import generate
from tests.identity.support import ingest

from kizuna.identity import batch
from kizuna.store.db import Database


def c2(n: int) -> int:
    return n * (n - 1) // 2


@pytest.mark.slow
def test_linkage_quality_on_a_noisy_population(db: Database) -> None:
    population = generate(150, seed=23)
    truth: dict[str, str] = {}
    for record in population.records:
        patient_id = ingest(db, record.patient, record.record_id, record.format, record.facility)
        truth[record.record_id] = patient_id
    batch.match_all(db)  # a batch pass after ingest changes nothing it should not
    with db.read() as tx:
        person_of = dict(tx.fetchall("SELECT patient_id, person_id FROM identity_links"))
    pairs_true = Counter(r.person for r in population.records)
    pairs_pred = Counter(person_of[truth[r.record_id]] for r in population.records)
    both = Counter((person_of[truth[r.record_id]], r.person) for r in population.records)
    tp = sum(c2(n) for n in both.values())
    predicted = sum(c2(n) for n in pairs_pred.values())
    actual = sum(c2(n) for n in pairs_true.values())
    kinds = Counter(r.kind for r in population.records)
    assert kinds["twin"] > 0 and kinds["married"] > 0 and kinds["moved"] > 0
    assert actual > 500
    assert tp / predicted >= 0.999, (tp, predicted)
    assert tp / actual >= 0.97, (tp, actual)
