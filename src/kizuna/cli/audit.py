"""``kizuna audit``: verify the chain, sign checkpoints, work the emergency review queue."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import typer

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


def _print_json(value: object) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


def _public_keys(data_dir: Path, pem: Path | None) -> dict[str, Any] | None:
    """Key id -> public key for checkpoint signatures, without creating a key."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from kizuna.auth.keys import ENV_KEY, KEY_FILE, public_jwk, server_keys, thumbprint

    if pem is not None:
        key = load_pem_public_key(pem.read_bytes())
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise typer.BadParameter("the checkpoint key is an EC P-384 public key")
        return {thumbprint(public_jwk(key)): key}
    if os.environ.get(ENV_KEY) or (data_dir / KEY_FILE).exists():
        keys = server_keys(data_dir)
        return {keys.key_id: keys.public_key}
    return None


@app.command("verify")
def verify(
    public_key: Path = typer.Option(
        None,
        exists=True,
        dir_okay=False,
        help="PEM public key for checkpoint signatures (default: the server key).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Recompute the hash chain; exit 1 and name each tampered row if anything is wrong."""
    from kizuna.audit.verify import verify_chain
    from kizuna.auth.operator import open_store

    db, settings = open_store()
    try:
        keys = _public_keys(settings.data_dir, public_key)
        report = verify_chain(db, keys)
    finally:
        db.close()
    if as_json:
        _print_json(report.as_json())
    else:
        for finding in report.findings:
            typer.echo(str(finding))
        status = "OK" if report.ok else f"FAILED ({len(report.findings)} findings)"
        signatures = "checked" if keys is not None else "not checked (no key)"
        typer.echo(
            f"{status}: {report.rows} rows, last seq {report.last_seq}, "
            f"{report.checkpoints} checkpoints (signatures {signatures}), "
            f"signed through seq {report.signed_through}, {report.unsigned_rows} rows after it"
        )
    if not report.ok:
        raise typer.Exit(1)


@app.command("checkpoint")
def checkpoint() -> None:
    """Sign the current chain head; print it (keep a copy away from the database host)."""
    from kizuna.audit.checkpoints import write_checkpoint
    from kizuna.auth.keys import server_keys
    from kizuna.auth.operator import open_store

    db, settings = open_store()
    try:
        written = write_checkpoint(db, server_keys(settings.data_dir))
    finally:
        db.close()
    _print_json(
        written.as_json() if written else {"checkpoint": None, "reason": "empty or already signed"}
    )


@app.command("reviews")
def reviews(limit: int = typer.Option(100, help="At most this many.")) -> None:
    """Emergency accesses still waiting for an auditor's review (JSON)."""
    from kizuna.audit.reviews import open_reviews
    from kizuna.auth.operator import open_store

    db, _ = open_store()
    try:
        _print_json(open_reviews(db, limit))
    finally:
        db.close()


@app.command("close-review")
def close_review(
    review_id: int = typer.Argument(..., help="The review id (the audit sequence number)."),
    auditor: str = typer.Option(..., help="Username of the auditor closing it."),
    note: str = typer.Option(..., help="What the review found."),
) -> None:
    """Close an emergency-access review with a note (recorded on the chain)."""
    from kizuna.audit.reviews import ReviewError
    from kizuna.audit.reviews import close_review as close
    from kizuna.auth.operator import open_store
    from kizuna.auth.principal import user_principal
    from kizuna.auth.users import find_by_username

    db, _ = open_store()
    try:
        with db.read() as tx:
            stored = find_by_username(tx, auditor)
        if stored is None or stored.user.disabled:
            typer.echo(f"error: no active user {auditor!r}", err=True)
            raise typer.Exit(2)
        u = stored.user
        principal = user_principal(
            user_id=u.user_id,
            name=u.display_name,
            role=u.role,
            facility_code=u.facility_code,
            facility_name=u.facility_name,
            prefecture=u.prefecture,
            patient_ids=u.patient_ids,
            session_id="cli",
        )
        try:
            _print_json(close(db, review_id, principal, note))
        except (ReviewError, PermissionError) as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    finally:
        db.close()
