"""``kizuna ingest``: source files from facilities into the shared record."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from kizuna.cli.progress import terminal_progress

if TYPE_CHECKING:
    from kizuna.ingest.pipeline import Pipeline
    from kizuna.ingest.watch import Watcher


def _pipeline(facility: str | None):  # type: ignore[no-untyped-def]
    from kizuna.config import load
    from kizuna.ingest.pipeline import Pipeline
    from kizuna.store.db import Database, quiet_pool_warnings
    from kizuna.store.migrate import upgrade

    quiet_pool_warnings()
    settings = load()
    upgrade(settings.database_url)
    return Pipeline(Database(settings.database_url), facility_code=facility)


def summary(reports: dict) -> Table:  # type: ignore[type-arg]
    table = Table(title="Ingest summary")
    columns = (
        "format",
        "files",
        "units",
        "created",
        "updated",
        "unchanged",
        "deleted",
        "skipped",
        "warnings",
        "quarantined",
    )
    for name in columns:
        table.add_column(name, justify="left" if name == "format" else "right")
    for name, r in sorted(reports.items()):
        row = (
            len(r.files),
            r.units,
            r.created,
            r.updated,
            r.unchanged,
            r.deleted,
            r.skipped,
            r.warnings,
            r.quarantined,
        )
        table.add_row(name, *map(str, row))
    return table


def ingest(
    paths: list[Path] = typer.Argument(
        None, help="Files or folders: SS-MIX2 trees, UKE, お薬手帳 CSV, QR text, CDA XML, FHIR."
    ),
    facility: str = typer.Option(
        None, help="10-digit facility code for sources that do not carry one (SS-MIX2 MSH-4)."
    ),
    watch: Path = typer.Option(
        None, help="Follow this storage tree, ingesting new or changed files."
    ),
    interval: float = typer.Option(5.0, help="Seconds between scans in watch mode."),
    once: bool = typer.Option(False, help="With --watch: scan once and exit."),
    settle: float = typer.Option(
        2.0, help="With --watch: leave files modified in the last SETTLE seconds for later."
    ),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print every warning and failure."),
    workers: int = typer.Option(1, help="Worker processes (2 or more pays off on PostgreSQL)."),
) -> None:
    """Detect each input's format, map it to JP Core FHIR, link the patient and store it."""
    console = Console()
    from kizuna.heap import GC_YOUNG_INGEST, settle_heap

    pipeline = _pipeline(facility)
    settle_heap(GC_YOUNG_INGEST)  # after the masters and definitions are loaded
    if watch is not None:
        from kizuna.ingest.watch import Watcher

        _watch(pipeline, Watcher(pipeline, watch, settle), interval, once, console)
        return
    if not paths:
        raise typer.BadParameter("give files or folders, or --watch DIR")
    if workers > 1:
        from kizuna.config import load
        from kizuna.ingest.parallel import ingest_parallel

        with console.status(f"ingesting with {workers} workers"):
            reports = ingest_parallel(load().database_url, list(paths), workers, facility)
        console.print(summary(reports))
        _details(console, reports, verbose)
        return
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed} items"),
        TimeElapsedColumn(),
    )
    with terminal_progress(console, *columns) as progress:
        task = progress.add_task("ingesting", total=None)
        reports = pipeline.ingest_paths(
            paths, lambda fmt: progress.update(task, advance=1, description=fmt)
        )
    console.print(summary(reports))
    _details(console, reports, verbose)


def _details(console: Console, reports: dict, verbose: bool) -> None:  # type: ignore[type-arg]
    limit = None if verbose else 10
    for name, r in sorted(reports.items()):
        for text in r.failure_texts[:limit]:
            console.print(f"[red]quarantined[/red] [{name}] {text}", highlight=False)
        if verbose:
            for text in r.warning_texts:
                console.print(f"[yellow]warning[/yellow] [{name}] {text}", highlight=False)
    if not verbose and any(r.failure_texts for r in reports.values()):
        console.print("see [b]kizuna quarantine list[/b] for every quarantined item")


def _watch(
    pipeline: Pipeline, watcher: Watcher, interval: float, once: bool, console: Console
) -> None:
    while True:
        result = watcher.scan_once()
        if result.ingested:
            console.print(f"{result.ingested} new or changed of {result.seen} files")
        if result.settling:
            console.print(f"{result.settling} files modified too recently, left for the next scan")
        if once:
            console.print(summary(pipeline.reports))
            return
        time.sleep(interval)
