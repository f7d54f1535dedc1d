"""``kizuna masters``: install the official code masters (files an operator downloaded)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

app = typer.Typer(
    help="Code masters: 支払基金 master files, the MHLW drug price list, HOT.", no_args_is_help=True
)


@app.command("load")
def load(
    source: Path = typer.Argument(..., exists=True, help="A folder of official master files."),
) -> None:
    """Validate and install the masters found in SOURCE; they then take precedence."""
    from kizuna.codes.masters.install import MasterInstallError, load_official_masters
    from kizuna.codes.masters.store import reset_masters

    try:
        report = load_official_masters(source)
    except MasterInstallError as exc:
        Console().print(f"[red]not installed[/red]: {exc}", highlight=False)
        raise typer.Exit(code=1) from None
    reset_masters()
    console = Console()
    for item in report.files:
        console.print(
            f"installed {item.kind:12} {item.entries:>8} entries  {Path(str(item.name)).name}"
        )
    for name in report.ignored:
        console.print(f"[yellow]ignored[/yellow] {name}", highlight=False)
    console.print(f"masters are in {report.directory}")
