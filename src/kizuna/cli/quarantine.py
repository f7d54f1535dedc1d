"""``kizuna quarantine``: see, fix and replay what ingestion could not store."""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(
    help="Items that failed ingestion, kept verbatim with their reason.", no_args_is_help=True
)


def _db():  # type: ignore[no-untyped-def]
    from kizuna.config import load
    from kizuna.store.db import Database
    from kizuna.store.migrate import upgrade

    settings = load()
    upgrade(settings.database_url)
    return Database(settings.database_url)


@app.command("list")
def list_items(
    status: str = typer.Option("open", help="open, replayed, discarded or all."),
) -> None:
    """Quarantined items with their place and reason."""
    from kizuna.ingest import quarantine

    items = quarantine.items(_db(), None if status == "all" else status, limit=1000)
    table = Table(title=f"Quarantine ({status})")
    table.add_column("id", no_wrap=True)
    for name in ("format", "when", "where", "reason"):
        table.add_column(name, overflow="fold")
    for item in items:
        when = datetime.fromtimestamp(item.created_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")
        table.add_row(item.item_id, item.format, when, item.location, item.reason)
    Console().print(table)


@app.command("show")
def show(
    item_id: str, raw: bool = typer.Option(False, help="Write the verbatim bytes to stdout.")
) -> None:
    """One item: its reason and place, or (--raw) its bytes, to fix and replay."""
    from kizuna.ingest import quarantine

    item = quarantine.get(_db(), item_id)
    if item is None:
        raise typer.BadParameter(f"no quarantined item {item_id}")
    if raw:
        sys.stdout.buffer.write(item.raw)
        return
    console = Console()
    console.print(f"[b]{item.item_id}[/b] {item.format} ({item.status})")
    console.print(f"where:  {item.location}", highlight=False)
    console.print(f"reason: {item.reason}", highlight=False)
    console.print(f"bytes:  {len(item.raw)} (kizuna quarantine show {item.item_id} --raw > FILE)")


@app.command("replay")
def replay(
    item_id: str,
    source: Path = typer.Option(
        None, "--from", help="A corrected file to ingest instead of the stored bytes."
    ),
    facility: str = typer.Option(None, help="Facility code for sources that carry none."),
) -> None:
    """Ingest the item again (after fixing the code, the masters or the file itself)."""
    from kizuna.cli.ingest import summary
    from kizuna.ingest import quarantine
    from kizuna.ingest.pipeline import Pipeline

    db = _db()
    item = quarantine.get(db, item_id)
    if item is None:
        raise typer.BadParameter(f"no quarantined item {item_id}")
    data = source.read_bytes() if source else item.raw
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(item.file).name
        path.write_bytes(data)
        pipeline = Pipeline(db, facility_code=facility)
        reports = pipeline.ingest_paths([path])
    console = Console()
    console.print(summary(reports))
    reasons = [text for r in reports.values() for text in r.failure_texts]
    if reasons:
        console.print(f"[red]still failing[/red]: {reasons[0]}", highlight=False)
        raise typer.Exit(code=1)
    quarantine.resolve(
        db,
        item_id,
        "replayed",
        note=f"replayed from {'a corrected file' if source else 'the stored bytes'}",
    )
    console.print(f"{item_id} replayed")


@app.command("discard")
def discard(item_id: str, note: str = typer.Option(..., help="Why it is dropped.")) -> None:
    """Close an item that should not be ingested, with a note."""
    from kizuna.ingest import quarantine

    quarantine.resolve(_db(), item_id, "discarded", note=note)
