"""A unit whose records another writer holds locked past the lock timeout is tried again,
then quarantined with a reason that says so, while the rest of the batch goes in; once
the lock is gone, ingesting again stores it. No worker waits for ever."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest

from kizuna.ingest import quarantine
from kizuna.ingest.parallel import WORKER_SETTINGS
from kizuna.ingest.pipeline import RETRIES, Pipeline
from kizuna.store.db import Database

ORDER = "999/901/9999013/20111220/OML-11"


def _correct_result(root: Path) -> tuple[Path, float]:
    """Replace the order's results file with a corrected one (SS-MIX2: the old file is
    renamed ``_2``, the new one is ``_1``) whose first numeric result is 1.5 higher."""
    folder = root / ORDER
    original = next(folder.iterdir())
    parts = original.name.split("_")
    corrected = folder / "_".join([*parts[:4], "20111221090000000", parts[5], "1"])
    text = original.read_bytes().decode("iso2022_jp")
    obx = next(line for line in text.split("\r") if line.startswith("OBX") and "|NM|" in line)
    fields = obx.split("|")
    value = round(float(fields[5]) + 1.5, 1)
    corrected.write_bytes(
        text.replace(obx, "|".join([*fields[:5], str(value), *fields[6:]])).encode("iso2022_jp")
    )
    original.rename(folder / (original.name[:-1] + "2"))
    return corrected, value


def _order_results(db: Database) -> dict[str, float]:
    with db.read() as tx:
        rows = tx.fetchall(
            "SELECT res_id, content FROM resources WHERE res_type = 'Observation' AND deleted = 0"
        )
    found = {r[0]: orjson.loads(r[1]) for r in rows}
    return {
        res_id: o["valueQuantity"]["value"]
        for res_id, o in found.items()
        if "valueQuantity" in o and "OML-11" in o["meta"]["source"]
    }


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # session settings
def test_a_parallel_worker_waits_for_locks_within_bounds(database_url: str) -> None:
    worker = Database(database_url, settings=WORKER_SETTINGS)
    try:
        with worker.read() as tx:
            shown = {name: tx.fetchone(f"SHOW {name}") for name in WORKER_SETTINGS}
    finally:
        worker.close()
    assert shown == {"lock_timeout": ("30s",), "idle_in_transaction_session_timeout": ("5min",)}


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)  # row locks
def test_a_unit_held_locked_is_quarantined_and_stored_once_free(
    db: Database, database_url: str, samples: Path, tmp_path: Path
) -> None:
    root = tmp_path / "store"
    shutil.copytree(samples / "ssmix2" / "sampleData", root)
    Pipeline(db).ingest_paths([root])
    before = _order_results(db)
    corrected, value = _correct_result(root)

    impatient = Database(database_url, settings={"lock_timeout": "100ms"})
    holder = Database(database_url)
    try:
        with holder.transaction() as held:  # another writer holds the order's results
            held.fetchall(
                "SELECT res_id FROM resources WHERE res_type = 'Observation' AND res_id IN "
                f"({','.join('?' * len(before))}) FOR UPDATE",
                list(before),
            )
            report = Pipeline(impatient, batch_size=1).ingest_paths([root])["ssmix2"]
        assert report.quarantined == 1
        assert report.units > 1 and report.skipped == report.units - 1  # the rest went in
        assert _order_results(db) == before
        item = next(i for i in quarantine.items(db) if Path(i.file).name == corrected.name)
        assert f"held or changed this unit's records through {RETRIES} tries" in item.reason
        assert "LockNotAvailable" in item.reason

        Pipeline(impatient).ingest_paths([root])  # the lock is gone
        after = _order_results(db)
        assert set(after) == set(before)
        assert sorted(set(after.values()) - set(before.values())) == [value]
    finally:
        impatient.close()
        holder.close()
