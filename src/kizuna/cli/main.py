"""The ``kizuna`` command."""

from __future__ import annotations

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


if __name__ == "__main__":
    app()
