"""A progress display for long commands that says nothing when output is not a terminal
(a log file or a pipe gets only the command's summary, with no stray blank lines)."""

from __future__ import annotations

from rich.console import Console
from rich.progress import Progress, ProgressColumn


def terminal_progress(console: Console, *columns: ProgressColumn | str) -> Progress:
    return Progress(*columns, console=console, transient=True, disable=not console.is_terminal)
