"""Operating ingestion: the CLI with its summary, quarantine replay, watch mode, and the
push endpoint with its acknowledgements."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.ingest import quarantine
from kizuna.ingest.pipeline import Pipeline
from kizuna.ingest.watch import Watcher
from kizuna.store.db import Database

RUNNER = CliRunner()
ADT00 = "ssmix2/sampleData/999/901/9999013/-/ADT-00"


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("KIZUNA_DATABASE_URL", database_url)
    monkeypatch.setenv("KIZUNA_DATA_DIR", str(tmp_path / "var"))
    return database_url


def _count(db: Database, res_type: str) -> int:
    with db.read() as tx:
        row = tx.fetchone(
            "SELECT COUNT(*) FROM resources WHERE res_type = ? AND deleted = 0", (res_type,)
        )
    return int(row[0]) if row else 0


def test_cli_ingest_prints_a_summary_and_replays_a_fixed_file(
    env: str, samples: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "clinic.UKE"
    lines = (
        (samples / "uke" / "RECEIPTC_GAIRAI_SAMPLE.UKE").read_bytes().decode("cp932").split("\r\n")
    )
    lines[1] = lines[1].replace(",19911121,", ",19911341,")
    bad.write_bytes("\r\n".join(lines).encode("cp932"))
    result = RUNNER.invoke(app, ["ingest", str(bad)])
    assert result.exit_code == 0, result.output
    assert "Ingest summary" in result.output and "uke" in result.output
    db = Database(env)
    items = [i for i in quarantine.items(db) if i.format == "uke"]
    assert len(items) == 1 and "calendar date" in items[0].reason, {i.reason[:120] for i in items}
    assert "line 2" in items[0].location and "segment RE" in items[0].location
    listing = RUNNER.invoke(app, ["quarantine", "list"])
    assert items[0].item_id in listing.output
    shown = RUNNER.invoke(app, ["quarantine", "show", items[0].item_id])
    assert "line 2" in shown.output
    failed = RUNNER.invoke(app, ["quarantine", "replay", items[0].item_id])
    assert failed.exit_code == 1 and "still failing" in failed.output
    fixed = tmp_path / "fixed.UKE"
    fixed.write_bytes(items[0].raw.replace(b",19911341,", b",19911121,"))
    patients_before = _count(db, "Patient")
    replayed = RUNNER.invoke(app, ["quarantine", "replay", items[0].item_id, "--from", str(fixed)])
    assert replayed.exit_code == 0, replayed.output
    assert quarantine.items(db, "replayed")[0].item_id == items[0].item_id
    assert _count(db, "Patient") == patients_before + 1
    db.close()


def _later() -> int:
    return time.time_ns() + 10 * 10**9


def test_watch_mode_reads_only_new_files_and_survives_a_restart(
    env: str, samples: Path, tmp_path: Path
) -> None:
    root = tmp_path / "tree"
    shutil.copytree(samples / "ssmix2" / "sampleData", root)
    db = Database(env)
    first = Watcher(Pipeline(db), root).scan_once()
    assert first.ingested == first.seen == 19
    again = Watcher(Pipeline(db), root).scan_once()  # a restart: new process, same table
    assert again.ingested == 0 and again.seen == 19
    new_dir = root / "999/901/9999013/20111221/ADT-12"
    new_dir.mkdir(parents=True)
    source = next((root / "999/901/9999013/20111120/ADT-22").iterdir())
    (new_dir / source.name.replace("20111120", "20111221").replace("ADT-22", "ADT-12")).write_bytes(
        source.read_bytes()
    )
    pipeline = Pipeline(db)
    third = Watcher(pipeline, root, clock=_later).scan_once()  # the new file has settled
    assert third.ingested == 1
    assert pipeline.reports["ssmix2"].units == 1
    result = RUNNER.invoke(app, ["ingest", "--watch", str(root), "--once"])
    assert result.exit_code == 0 and "new or changed" not in result.output
    db.close()


def test_watch_mode_leaves_a_file_being_written_for_a_later_scan(
    env: str, samples: Path, tmp_path: Path
) -> None:
    root = tmp_path / "tree"
    shutil.copytree(samples / "ssmix2" / "sampleData", root)
    written = time.time_ns()
    for path in root.rglob("*"):
        os.utime(path, ns=(written - 3600 * 10**9,) * 2)  # written an hour ago
    writing = next((root / "999/901/9999013/20111120/ADT-22").iterdir())
    os.utime(writing, ns=(written, written))  # still being written
    db = Database(env)
    pipeline = Pipeline(db)
    early = Watcher(pipeline, root, settle=2.0, clock=lambda: written + 10**9).scan_once()
    assert (early.ingested, early.settling, early.seen) == (18, 1, 19)
    read = pipeline.reports["ssmix2"].files
    assert len(read) == 18 and not any(writing.name in name for name in read)
    settled = Watcher(pipeline, root, settle=2.0, clock=lambda: written + 3 * 10**9).scan_once()
    assert (settled.ingested, settled.settling) == (1, 0)
    assert any(writing.name in name for name in pipeline.reports["ssmix2"].files)
    db.close()


def test_push_endpoint_acknowledges_what_was_stored(
    database_url: str, make_live_server: Any, samples: Path
) -> None:
    live_server = make_live_server(database_url, auth="off")  # tests/security covers authentication
    message = next((samples / ADT00).iterdir()).read_bytes()
    with httpx.Client(base_url=live_server.url, timeout=30) as client:
        ack = client.post(
            "/ingest/ssmix2", content=message, headers={"Content-Type": "x-application/hl7-v2+er7"}
        )
        assert ack.status_code == 200
        segments = ack.text.split("\r")
        assert segments[0].startswith("MSH|") and segments[1].startswith("MSA|AA|20111220000001|")
        broken = client.post(
            "/ingest/ssmix2",
            content=b"MSH|^~\\&|X|Y|||20200101||ADT^A08|C1|P|2.5\rPID|bad",
            headers={"Content-Type": "x-application/hl7-v2+er7"},
        )
        assert broken.text.split("\r")[1].startswith("MSA|AE|C1|")
        receipt = (samples / "uke" / "RECEIPTC_GAIRAI_SAMPLE.UKE").read_bytes()
        answer = client.post("/ingest/uke?filename=clinic.UKE", content=receipt)
        assert answer.status_code == 200
        outcome = answer.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert outcome["issue"][0]["diagnostics"].startswith("75 unit(s): ")
        again = client.post("/ingest/uke?filename=clinic.UKE", content=receipt).json()
        assert "75 already stored" in again["issue"][0]["diagnostics"]
        document = (
            samples / "fhir-jp" / "eReferral" / "Bundle-BundleReferralExample01.json"
        ).read_bytes()
        stored = client.post(
            "/ingest/fhir", content=document, headers={"Content-Type": "application/fhir+json"}
        )
        assert (
            stored.status_code == 200 and "1 unit(s): " in stored.json()["issue"][0]["diagnostics"]
        )
        junk = client.post(
            "/ingest/fhir", content=b"{not json", headers={"Content-Type": "application/fhir+json"}
        )
        assert junk.status_code == 422 and junk.json()["issue"][1]["severity"] == "error"
        unknown = client.post("/ingest/dicom", content=b"x")
        assert (
            unknown.status_code == 400
            and orjson.loads(unknown.content)["resourceType"] == "OperationOutcome"
        )


def test_acknowledgements_sent_in_the_same_second_have_their_own_control_ids(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from datetime import datetime

    from kizuna.api import ingest as push
    from kizuna.ingest.pipeline import FormatReport

    class Pinned(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Pinned:
            return cls(2026, 11, 25, 9, 30, 0)

    monkeypatch.setattr(push, "datetime", Pinned)
    message = b"MSH|^~\\&|HIS|1310000116|||20261125093000||ADT^A08|M1|P|2.5\rPID|1\r"
    first, second = (push.hl7_ack(message, FormatReport()) for _ in range(2))
    headers = [ack.split(b"\r")[0].split(b"|") for ack in (first, second)]
    assert headers[0][6] == headers[1][6] == b"20261125093000"  # MSH-7, the time
    assert headers[0][9] != headers[1][9]  # MSH-10, the message's control id
    assert all(0 < len(h[9]) <= 20 for h in headers)


def test_acknowledgements_carry_the_time_in_japan(monkeypatch: pytest.MonkeyPatch) -> None:
    """MSH-7 has no offset, so it is Japan time whatever the server's time zone is."""
    from datetime import UTC, datetime

    from kizuna.api import ingest as push
    from kizuna.ingest.pipeline import FormatReport

    class Pinned(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> Pinned:
            instant = cls(2026, 11, 24, 15, 30, 0, tzinfo=UTC)  # 2026-11-25 00:30 in Japan
            return instant.astimezone(tz) if tz is not None else instant.replace(tzinfo=None)

    monkeypatch.setattr(push, "datetime", Pinned)
    message = b"MSH|^~\\&|HIS|1310000116|||20261125003000||ADT^A08|M1|P|2.5\rPID|1\r"
    header = push.hl7_ack(message, FormatReport()).split(b"\r")[0].split(b"|")
    assert header[6] == b"20261125003000"
