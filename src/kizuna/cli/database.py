"""``kizuna db``: schema migrations, planner statistics and search index rebuilds."""

from __future__ import annotations

import typer
from rich.console import Console

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade() -> None:
    """Bring the configured database up to the current schema."""
    from kizuna.config import load
    from kizuna.store.migrate import current_heads
    from kizuna.store.migrate import upgrade as run

    url = load().database_url
    run(url)
    Console().print(f"schema at {', '.join(sorted(current_heads(url)))}")


@app.command("analyze")
def analyze() -> None:
    """Refresh the query planner's statistics (after loading much data into a live store)."""
    from kizuna.config import load
    from kizuna.store import statistics

    seconds = statistics.refresh_url(load().database_url)
    Console().print(f"planner statistics refreshed in {seconds:.2f} s")


@app.command("reindex")
def reindex(
    res_type: str = typer.Option(None, "--type", help="only this resource type"),
    batch: int = typer.Option(1000, min=1, max=10_000, help="resources per transaction"),
) -> None:
    """Rebuild the search index rows of the stored resources (after an upgrade that changes
    how they are derived). Resources and their versions are not changed."""
    from kizuna.cli.progress import terminal_progress
    from kizuna.config import load
    from kizuna.fhir import reindex as rebuild
    from kizuna.fhir.definitions import resource_types
    from kizuna.store.db import Database

    if res_type is not None and res_type not in resource_types():
        raise typer.BadParameter(f"not a resource type: {res_type}", param_hint="--type")
    console = Console()
    db = Database(load().database_url)
    try:
        with terminal_progress(console) as bar:
            task = bar.add_task("reindex", total=rebuild.count(db, res_type))
            report = rebuild.reindex(db, res_type, batch, lambda n: bar.advance(task, n))
    finally:
        db.close()
    console.print(
        f"{report.resources:,} resources reindexed: "
        f"{report.removed:,} index rows removed, {report.written:,} written"
    )
