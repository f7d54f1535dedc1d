"""``kizuna identity``: batch matching, the review queue and manual links from the shell."""

from __future__ import annotations

import pytest
from tests.identity.support import FACILITY_A, FACILITY_B, ingest, patient
from typer.testing import CliRunner

from kizuna.cli.identity import app
from kizuna.identity import pairs, persons
from kizuna.store.db import Database

runner = CliRunner()
HOME = {"address": "岡山県倉敷市本町1-1", "postal": "710-0054"}


@pytest.fixture
def cli_db(db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("KIZUNA_DATABASE_URL", database_url)
    monkeypatch.setenv("KIZUNA_IDENTITY_MATCH", "queue")
    return db


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_batch_match_then_review_and_manual_links(cli_db: Database) -> None:
    db = cli_db
    same_a = ingest(
        db,
        patient(
            kanji="小林 直樹",
            kana="コバヤシ ナオキ",
            birth="1975-10-12",
            sex="male",
            local=(FACILITY_A, "1"),
            phone="03-1111-2222",
        ),
        "r1",
    )
    same_b = ingest(
        db,
        patient(
            kanji="小林 直樹",
            birth="1975-10-12",
            sex="male",
            local=(FACILITY_B, "2"),
            phone="0311112222",
        ),
        "r2",
        facility=FACILITY_B,
    )
    maiden = ingest(
        db,
        patient(
            kanji="佐藤 美咲",
            kana="サトウ ミサキ",
            birth="1988-07-07",
            sex="female",
            local=(FACILITY_A, "5"),
            **HOME,
        ),
        "r3",
    )
    married = ingest(
        db,
        patient(
            kanji="田中 美咲",
            kana="タナカ ミサキ",
            birth="1988-07-07",
            sex="female",
            local=(FACILITY_B, "9"),
            address="宮城県仙台市青葉区中央1-1-1",
        ),
        "r4",
        facility=FACILITY_B,
    )

    out = _run("match")
    assert "auto-linked 1" in out and "queued 1" in out
    listing = _run("review", "list")
    assert "美咲" in listing and "1 of 1 pending pairs" in listing
    with db.read() as tx:
        pair = pairs.listing(tx)[0]
        assert persons.person_of(tx, same_a) == persons.person_of(tx, same_b)
    _run("review", "accept", str(pair.pair_id), "--actor", "clerk-7", "--reason", "ID card")
    with db.read() as tx:
        assert persons.person_of(tx, maiden) == persons.person_of(tx, married)
        assert pairs.count(tx) == 0

    _run("unlink", married, "--actor", "clerk-7")
    with db.read() as tx:
        assert persons.person_of(tx, maiden) != persons.person_of(tx, married)
    _run("link", maiden, married, "--actor", "clerk-8")
    with db.read() as tx:
        person = persons.person_of(tx, maiden) or ""
        other = persons.person_of(tx, same_a) or ""
    _run("merge", person, other, "--actor", "clerk-8", "--reason", "test")
    with db.read() as tx:
        assert len(persons.patients_of(tx, person)) == 4
    history = _run("history", "--patient", married)
    for action in ("create", "link", "unlink"):
        assert action in history
    assert "clerk-7" in history and "clerk-8" in history
    assert person in _run("person", maiden)


def test_reject_and_errors(cli_db: Database) -> None:
    db = cli_db
    ingest(
        db,
        patient(
            kanji="佐藤 美咲",
            kana="サトウ ミサキ",
            birth="1988-07-07",
            sex="female",
            local=(FACILITY_A, "5"),
            **HOME,
        ),
        "r1",
    )
    ingest(
        db,
        patient(
            kanji="田中 美咲",
            kana="タナカ ミサキ",
            birth="1988-07-07",
            sex="female",
            local=(FACILITY_B, "9"),
            address="宮城県仙台市青葉区中央1-1-1",
        ),
        "r2",
        facility=FACILITY_B,
    )
    _run("match", "--pending")
    with db.read() as tx:
        pair = pairs.listing(tx)[0]
    _run("review", "reject", str(pair.pair_id))
    _run("match")
    with db.read() as tx:
        assert pairs.count(tx, "pending") == 0 and pairs.count(tx, "rejected") == 1
    assert runner.invoke(app, ["review", "accept", "999"]).exit_code == 1
    assert runner.invoke(app, ["person", "nobody"]).exit_code == 1


def test_train_stores_a_model(cli_db: Database) -> None:
    from tests.identity.population import generate

    for record in generate(40, seed=3).records:
        ingest(cli_db, record.patient, record.record_id, record.format, record.facility)
    out = _run("train")
    assert "em-prior" in out
    with cli_db.read() as tx:
        assert tx.fetchone("SELECT COUNT(*) FROM identity_models")[0] == 1  # type: ignore[index]
