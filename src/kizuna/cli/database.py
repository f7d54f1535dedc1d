"""``kizuna db``: schema migrations and planner statistics."""

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
