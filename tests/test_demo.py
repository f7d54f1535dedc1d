"""The README's first command: the demo loads real data and prints working logins."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pyotp
import pytest
from typer.testing import CliRunner

from kizuna.cli.main import app
from kizuna.store.db import Database
from kizuna.synth.showcase import patient


@pytest.mark.slow
def test_demo_loads_the_data_and_its_accounts_log_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, make_live_server: Any
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    monkeypatch.setenv("KIZUNA_DATABASE_URL", url)
    monkeypatch.setenv("KIZUNA_DATA_DIR", str(tmp_path / "var"))
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--patients", "30"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "Public samples" in result.output and "Synthetic population (30 people)" in result.output
    accounts = dict(
        (m.group(1), (m.group(2), m.group(3)))
        for m in re.finditer(
            r"^\s+\w+\s+(demo-[\w-]+)\s+(\S+)\s+([A-Z2-7]{32})\s*$", result.output, re.MULTILINE
        )
    )
    assert len(accounts) == 10
    db = Database(url)
    with db.read() as tx:
        row = tx.fetchone("SELECT COUNT(*) FROM resources WHERE res_type = 'Patient'")
    assert row is not None and row[0] > 30
    server = make_live_server(url, data_dir=tmp_path / "var")
    username, (password, secret) = "demo-physician", accounts["demo-physician"]
    with httpx.Client(base_url=server.url, timeout=30) as client:
        first = client.post("/auth/login", json={"username": username, "password": password})
        assert first.status_code == 200, first.text
        second = client.post(
            "/auth/totp",
            json={
                "code": pyotp.TOTP(secret).now(),
                "issue": "bearer",
                "pending": first.json()["pending"],
            },
        )
        assert second.status_code == 200, second.text
        token = second.json()["access_token"]
        show = patient("diabetes")
        found = client.get(
            "/fhir/Patient",
            params={
                "identifier": f"http://jpfhir.jp/fhir/clins/Idsystem/JP_Insurance_memberID|{show.member_id}"
            },
            headers={"Authorization": f"Bearer {token}"},
        )
        assert found.status_code == 200
        names = [n.get("family") for e in found.json()["entry"] for n in e["resource"]["name"]]
        assert show.family in names
    db.close()
