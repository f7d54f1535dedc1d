"""``kizuna demo``: sample and synthetic data, one account per role, then serve.

Everything goes through the real paths: the public samples in ``samples/`` and a synthetic
population written in the source formats are ingested by the pipeline; accounts are made
by the authentication module. DEMO ONLY: never point it at a production database.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

SAMPLES = Path(__file__).resolve().parents[3] / "samples"
SAMPLE_INPUTS = (
    "ssmix2/sampleData",
    "uke/RECEIPTC_GAIRAI_SAMPLE.UKE",
    "jahis-tc",
    "jahis-rx/external-sample.txt",
    "jahis-rx/external-sample2.txt",
    "checkup",
    "fhir-jp",
)
SHOWCASE_LOGIN = {"patient": "diabetes", "guardian": "care-child"}


def _loaded(db) -> bool:  # type: ignore[no-untyped-def]
    with db.read() as tx:
        row = tx.fetchone("SELECT COUNT(*) FROM ingest_units")
    return bool(row and row[0])


def _ingest(db, console: Console, paths: list[Path], title: str) -> None:  # type: ignore[no-untyped-def]
    from kizuna.cli.ingest import summary
    from kizuna.ingest.pipeline import Pipeline

    with console.status(title):
        reports = Pipeline(db).ingest_paths(paths)
    table = summary(reports)
    table.title = title
    console.print(table)


def _patient_of(db, member_id: str) -> str | None:  # type: ignore[no-untyped-def]
    from kizuna.identity.keys import member_key

    key = member_key(member_id)
    with db.read() as tx:
        row = tx.fetchone("SELECT patient_id FROM identity_keys WHERE link_key = ?", (key,))
    return str(row[0]) if row else None


def _accounts(db, data_dir: Path) -> list[dict]:  # type: ignore[no-untyped-def, type-arg]
    from kizuna.auth.demo import create_demo_users
    from kizuna.auth.keys import server_keys
    from kizuna.synth.showcase import patient

    adult = _patient_of(db, patient(SHOWCASE_LOGIN["patient"]).member_id) or "demo-patient"
    child = _patient_of(db, patient(SHOWCASE_LOGIN["guardian"]).member_id) or "demo-child"
    return create_demo_users(db, server_keys(data_dir), patient_id=adult, child_ids=[child])


def _print_accounts(console: Console, accounts: list[dict], url: str) -> None:  # type: ignore[type-arg]
    console.print(
        f"\n[b]Demo accounts[/b] (DEMO ONLY, new passwords on every run) — log in at {url}/login"
    )
    console.print("role, username, password, TOTP secret (the second factor: its 6-digit code)")
    for account in accounts:
        console.print(
            f"  {account['role']:<14} {account['username']:<20} {account['password']}  {account['totp_secret']}",
            highlight=False,
            soft_wrap=True,
        )
    console.print(
        "A code for a secret: any authenticator app, or "
        "[b].venv/bin/python -c \"import pyotp; print(pyotp.TOTP('SECRET').now())\"[/b]",
        soft_wrap=True,
    )


def _print_showcase(console: Console) -> None:
    from kizuna.synth.showcase import PATIENTS

    table = Table(
        title="Showcase patients (search by insurance card number: 保険者番号・記号・番号・枝番)"
    )
    for name in ("who", "insurance card", "story"):
        table.add_column(name)
    for key in ("diabetes", "dialysis", "care-child", "allergy", "surgery", "married"):
        p = PATIENTS[key]
        table.add_row(
            f"{p.family} {p.given}",
            f"{p.insurer} {p.symbol} {p.number} ({p.branch})",
            p.description[:60],
        )
    console.print(table)


def demo(
    patients: int = typer.Option(200, help="Size of the synthetic population."),
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8080, help="TCP port."),
    serve: bool = typer.Option(True, help="Serve after loading (--no-serve to load only)."),
    reload_data: bool = typer.Option(
        False, "--reload", help="Load the data again even if present."
    ),
) -> None:
    """Load the samples and a synthetic population, create demo accounts, serve on 127.0.0.1."""
    from kizuna.config import load
    from kizuna.store.db import Database
    from kizuna.store.migrate import upgrade
    from kizuna.synth.config import SynthConfig
    from kizuna.synth.generate import generate

    settings = load()
    console = Console()
    upgrade(settings.database_url)
    db = Database(settings.database_url)
    if reload_data or not _loaded(db):
        _ingest(db, console, [SAMPLES / p for p in SAMPLE_INPUTS], "Public samples")
        out = settings.data_dir / "synth"
        with console.status(f"writing a synthetic population of {patients} in the source formats"):
            generate(SynthConfig(patients=patients, seed=1, out=out))
        _ingest(
            db,
            console,
            [out / name for name in ("ssmix2", "uke", "jahis-tc", "jahis-rx", "checkup", "fhir")],
            f"Synthetic population ({patients} people)",
        )
    else:
        console.print("data already loaded (use --reload to load it again)")
    url = f"http://{host}:{port}"
    _print_showcase(console)
    _print_accounts(console, _accounts(db, settings.data_dir), url)
    db.close()
    if serve:
        from kizuna.cli.serve import serve as run_server

        console.print(f"serving on {url} (Ctrl-C to stop)")
        run_server(host=host, port=port, workers=1)
