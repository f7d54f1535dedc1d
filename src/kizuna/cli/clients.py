"""``kizuna clients``: facility systems and regional networks (SMART Backend Services).

``add`` registers a client with its public key (``--public-key``, PEM or JWKS), or
generates a key pair and prints the private key once, as JSON.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Backend clients (signed-JWT client credentials).", no_args_is_help=True)


def _print_json(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


@app.command("add")
def add(
    name: str = typer.Argument(..., help="The client's name, e.g. the vendor system."),
    scope: list[str] = typer.Option(
        ..., "--scope", help="A system/ SMART scope it may be granted (repeatable)."
    ),
    public_key: Path = typer.Option(
        None, exists=True, dir_okay=False, help="Its public key: PEM or JWKS file."
    ),
    alg: str = typer.Option("ES384", help="Key to generate without --public-key: ES384 or RS384."),
    facility_code: str = typer.Option(None, help="10-digit facility code of the sender."),
    facility_name: str = typer.Option(None, help="Facility name shown to patients."),
    token_url: str = typer.Option(None, help="Token endpoint URL, printed for the vendor."),
) -> None:
    """Register a client and print its id (and a generated private key) once (JSON)."""
    from kizuna.audit.store import record
    from kizuna.auth.clients import ClientError, register_client
    from kizuna.auth.operator import open_store, operator_event

    db, _ = open_store()
    try:
        registration = register_client(
            db,
            name=name,
            scopes=scope,
            public_key=public_key.read_text() if public_key else None,
            algorithm=alg,
            facility_code=facility_code,
            facility_name=facility_name,
        )
        record(db, operator_event("client-admin", f"Client/{registration.client.client_id}"))
    except (ClientError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.close()
    _print_json(registration.as_json(token_url))


@app.command("list")
def list_clients(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List registered clients."""
    from kizuna.auth.clients import list_clients as load
    from kizuna.auth.operator import open_store

    db, _ = open_store()
    try:
        clients = load(db)
    finally:
        db.close()
    if as_json:
        _print_json([c.public() for c in clients])
        return
    table = Table("client_id", "name", "facility", "scopes", "status")
    for c in clients:
        table.add_row(c.client_id, c.name, c.facility_code or "", " ".join(c.scopes), c.status)
    Console().print(table)


@app.command("revoke")
def revoke(client_id: str) -> None:
    """Revoke a client; its access tokens stop working immediately."""
    from kizuna.audit.store import record
    from kizuna.auth.clients import ClientError, revoke_client
    from kizuna.auth.operator import open_store, operator_event

    db, _ = open_store()
    try:
        client = revoke_client(db, client_id)
        record(db, operator_event("client-admin", f"Client/{client_id}"))
    except ClientError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.close()
    _print_json(client.public())
