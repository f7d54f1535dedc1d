"""``kizuna import``: NDJSON, Bundles and folders, with one process or several, on both
backends; bad lines are reported with their file and line while the rest loads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.store.db import Database
from kizuna.store.resources import current

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "synthea-r4"


def _resources(bundle_path: Path) -> list[dict[str, Any]]:
    """A Synthea bundle's resources with urn:uuid references rewritten to Type/id."""
    bundle = json.loads(bundle_path.read_text())
    text = json.dumps([entry["resource"] for entry in bundle["entry"]])
    for entry in bundle["entry"]:
        resource = entry["resource"]
        text = text.replace(
            f'"{entry["fullUrl"]}"', f'"{resource["resourceType"]}/{resource["id"]}"'
        )
    loaded: list[dict[str, Any]] = json.loads(text)
    return loaded


def _write_inputs(folder: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Two NDJSON files (one with a broken line and an invalid resource) and a bundle."""
    bundles = sorted(SAMPLES.glob("*.json"))
    first, second = _resources(bundles[0]), _resources(bundles[1])
    folder.mkdir()
    lines = [orjson.dumps(r) for r in first]
    lines.insert(3, b'{"resourceType": "Patient", "id": "broken"')  # line 4: not JSON
    lines.insert(7, orjson.dumps({"resourceType": "Observation", "id": "bad-obs", "status": 7}))
    (folder / "a.ndjson").write_bytes(b"\n".join(lines) + b"\n")
    (folder / "b.ndjson").write_bytes(b"\n".join(orjson.dumps(r) for r in second[:-1]) + b"\n")
    collection = {"resourceType": second[-1]["resourceType"], **second[-1]}
    (folder / "c.json").write_text(json.dumps(collection))
    return first + second, collection


@pytest.mark.parametrize("workers", [1, 2])
def test_import_loads_every_good_resource_and_names_each_bad_line(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    expected, _ = _write_inputs(tmp_path / "in")
    monkeypatch.setenv("KIZUNA_DATABASE_URL", database_url)
    result = CliRunner().invoke(
        app, ["import", str(tmp_path / "in"), "--workers", str(workers)], terminal_width=200
    )
    assert result.exit_code == 1, result.output  # errors were reported
    assert "a.ndjson:4: not JSON" in result.output
    assert "a.ndjson:8: Observation.status: expected a JSON string" in result.output
    assert "b.ndjson" in result.output and "c.json" in result.output  # the summary table
    db = Database(database_url)
    try:
        with db.read() as tx:
            stored = current(tx, [(r["resourceType"], r["id"]) for r in expected])
            bad = current(tx, [("Observation", "bad-obs"), ("Patient", "broken")])
    finally:
        db.close()
    assert bad == {}
    assert len(stored) == len(expected)
    for resource in expected:
        version = stored[(resource["resourceType"], resource["id"])]
        assert version.version == 1 and not version.deleted
        back = orjson.loads(version.content or "{}")
        assert back["meta"]["versionId"] == "1"
        back.pop("meta")
        assert back == {k: v for k, v in resource.items() if k != "meta"}
