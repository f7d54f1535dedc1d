"""A child with medical-care needs (医療的ケア児), registered at the showcase hospital."""

from __future__ import annotations

from tests.viewer.showcase import HOSPITAL

from kizuna.ingest.base import Unit
from kizuna.ingest.pipeline import Pipeline
from kizuna.ingest.ssmix2 import writer as w
from kizuna.ingest.ssmix2.mapper import MapOptions, map_message
from kizuna.ingest.ssmix2.parser import parse_message
from kizuna.store.db import Database

CHILD = w.Patient(
    "C0000077",
    "鈴木",
    "ひなた",
    "スズキ",
    "ヒナタ",
    "20190605",
    "F",
    "100-0002",
    "東京都千代田区皇居外苑１－２",
    "03-5555-0101",
)


def build_child(db: Database) -> str:
    """Ingest the child's ADT-00 through the pipeline; returns the child's Patient id."""
    record = w.adt00(w.Header(HOSPITAL, "20250401090000"), CHILD)
    unit = map_message(parse_message(w.message_bytes(record), "child-adt00"), MapOptions(HOSPITAL))
    assert isinstance(unit, Unit)
    result = Pipeline(db, HOSPITAL).ingest_unit(unit, "ssmix2")
    assert result.patient_id
    return result.patient_id
