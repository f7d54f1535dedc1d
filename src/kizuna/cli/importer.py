"""``kizuna import``: bulk-load FHIR NDJSON files, Bundles and folders of them."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from kizuna.cli.progress import terminal_progress


def import_files(
    paths: list[Path] = typer.Argument(..., exists=True, help="NDJSON files, Bundles or folders."),
    workers: int = typer.Option(
        1, min=1, help="Processes loading files side by side (2 or more pays off on PostgreSQL)."
    ),
) -> None:
    """Load FHIR resources into the store, with a progress bar and a summary table."""
    from kizuna.config import load
    from kizuna.fhir import bulk
    from kizuna.fhir.repository import Repository
    from kizuna.heap import settle_heap
    from kizuna.store import statistics
    from kizuna.store.db import Database, quiet_pool_warnings
    from kizuna.store.migrate import upgrade

    quiet_pool_warnings()
    settings = load()
    upgrade(settings.database_url)
    repo = Repository(Database(settings.database_url))
    settle_heap()
    console = Console()
    files = bulk.files_under(list(paths))
    counts = {str(f): bulk.count_items(f) for f in files}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with terminal_progress(console, *columns) as progress:
        task = progress.add_task("importing", total=sum(counts.values()))
        if workers > 1:
            progress.update(task, description=f"{workers} workers")
            reports = bulk.load_files_in_workers(
                settings.database_url,
                files,
                workers,
                lambda report: progress.advance(task, counts[report.path]),
            )
        else:
            reports = []
            for path in files:
                progress.update(task, description=path.name[:40])
                reports.append(bulk.load_file(repo, path, lambda n: progress.advance(task, n)))
        progress.update(task, description="planner statistics")
        statistics.refresh(repo.db)  # searches plan from them; a bulk load outdates them
    console.print(_summary(reports))
    for report in reports:
        for message in report.errors[:20]:
            console.print(f"[red]error[/red] {message}", markup=True, highlight=False)
    if any(r.errors for r in reports):
        raise typer.Exit(code=1)


def _summary(reports: list) -> Table:  # type: ignore[type-arg]
    table = Table(title="Import summary")
    for name in ("file", "kind", "created", "updated", "unchanged", "errors"):
        table.add_column(name, justify="left" if name in ("file", "kind") else "right")
    totals = [0, 0, 0, 0]
    for r in reports:
        row = [r.created, r.updated, r.unchanged, len(r.errors)]
        totals = [a + b for a, b in zip(totals, row, strict=True)]
        table.add_row(Path(r.path).name, r.kind, *map(str, row))
    table.add_row("[b]total[/b]", "", *map(str, totals))
    return table
