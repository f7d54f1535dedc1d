"""The ``kizuna`` command."""

from __future__ import annotations

import os

import typer

from kizuna.cli import (
    audit,
    clients,
    database,
    demo,
    identity,
    importer,
    ingest,
    masters,
    quarantine,
    serve,
    synth,
    users,
)

app = typer.Typer(
    name="kizuna",
    help="Kizuna: Japan's shared health record and emergency information service.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)
app.command("import")(importer.import_files)
app.command("ingest")(ingest.ingest)
app.command("synth")(synth.synth)
app.add_typer(quarantine.app, name="quarantine")
app.add_typer(masters.app, name="masters")
app.add_typer(identity.app, name="identity")
app.add_typer(users.app, name="users")
app.add_typer(clients.app, name="clients")
app.add_typer(audit.app, name="audit")
app.add_typer(database.app, name="db")


def describe(exc: BaseException) -> str:
    """One line naming what failed: the driver's own message for database errors (not the
    statement and its parameters, which may hold patient data)."""
    cause = getattr(exc, "orig", None) or exc
    text = str(cause).strip().splitlines()
    return f"{type(cause).__name__}: {text[0] if text else 'no message'}{_advice(cause)}"


def _advice(cause: BaseException) -> str:
    """What to do when the database could not be reached or went away mid-command."""
    import psycopg

    from kizuna.store.db import DatabaseUnavailable

    if isinstance(cause, psycopg.OperationalError | DatabaseUnavailable):
        return (
            " (the database could not be reached or the connection was lost; what was"
            " committed is kept: run the command again when the database is back)"
        )
    return ""


def main() -> None:
    """The ``kizuna`` entry point: a failure is one line on stderr and exit status 1, not a
    traceback (``KIZUNA_DEBUG=1`` shows the traceback)."""
    try:
        app()
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except Exception as exc:
        if os.environ.get("KIZUNA_DEBUG"):
            raise
        typer.echo(f"kizuna: {describe(exc)}", err=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
