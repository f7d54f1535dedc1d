"""``kizuna users``: accounts for clinicians, staff, patients and guardians.

``add`` prints the new account's password and TOTP secret once, as JSON; only an argon2id
hash and a sealed secret are stored.
"""

from __future__ import annotations

import json
import sys

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="User accounts (two-factor: password + TOTP).", no_args_is_help=True)


def _print_json(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Login name: 3-64 of a-z 0-9 . _ @ -"),
    role: str = typer.Option(
        ...,
        help="physician, dentist, pharmacist, nurse, emergency, "
        "clerk, patient, guardian, network_admin or auditor.",
    ),
    name: str = typer.Option("", help="Display name (defaults to the username)."),
    facility_code: str = typer.Option(None, help="10-digit facility code (staff)."),
    facility_name: str = typer.Option(None, help="Facility name shown to patients."),
    prefecture: str = typer.Option(None, help="2-digit prefecture code (emergency teams)."),
    patient_id: list[str] = typer.Option(
        [], "--patient-id", help="Patient id a patient or guardian may see (repeatable)."
    ),
    password_stdin: bool = typer.Option(
        False, help="Read the password from stdin instead of generating one."
    ),
) -> None:
    """Create an account and print its credentials once (JSON)."""
    from kizuna.audit.store import record
    from kizuna.auth.keys import server_keys
    from kizuna.auth.operator import open_store, operator_event
    from kizuna.auth.passwords import WeakPassword
    from kizuna.auth.users import UserError, create_user

    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    db, settings = open_store()
    try:
        credentials = create_user(
            db,
            server_keys(settings.data_dir),
            username=username,
            display_name=name,
            role=role,
            facility_code=facility_code,
            facility_name=facility_name,
            prefecture=prefecture,
            patient_ids=patient_id,
            password=password,
        )
        record(db, operator_event("user-admin", f"User/{credentials.user.user_id}"))
    except (UserError, WeakPassword) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.close()
    output = credentials.as_json()
    if password_stdin:
        output.pop("password")
    _print_json(output)


@app.command("list")
def list_users(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List accounts (no secrets)."""
    from kizuna.auth.operator import open_store
    from kizuna.auth.users import list_users as load

    db, _ = open_store()
    try:
        users = load(db)
    finally:
        db.close()
    if as_json:
        _print_json([u.public() for u in users])
        return
    table = Table("username", "role", "name", "facility", "prefecture", "patients", "status")
    for u in users:
        table.add_row(
            u.username,
            u.role,
            u.display_name,
            u.facility_code or "",
            u.prefecture or "",
            " ".join(u.patient_ids),
            "disabled" if u.disabled else "active",
        )
    Console().print(table)


def _set_disabled(username: str, disabled: bool) -> None:
    from kizuna.audit.store import record
    from kizuna.auth.operator import open_store, operator_event
    from kizuna.auth.users import UserError, set_disabled

    db, _ = open_store()
    try:
        user = set_disabled(db, username, disabled)
        record(db, operator_event("user-admin", f"User/{user.user_id}"))
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        db.close()
    _print_json(user.public())


@app.command("disable")
def disable(username: str) -> None:
    """Disable an account; its sessions end immediately."""
    _set_disabled(username, True)


@app.command("enable")
def enable(username: str) -> None:
    """Re-enable a disabled account."""
    _set_disabled(username, False)


@app.command("unlock")
def unlock(username: str) -> None:
    """Lift a brute-force lock on an account before it expires."""
    from kizuna.auth.operator import open_store
    from kizuna.auth.service import AuthService

    db, settings = open_store()
    try:
        AuthService(db, settings.data_dir).unlock(username)
    finally:
        db.close()
    _print_json({"username": username, "unlocked": True})
