"""``kizuna synth``: write a synthetic population in the source formats (docs/synth.md)."""

from __future__ import annotations

import json
import os
from dataclasses import fields
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from kizuna.synth.config import NoiseConfig, SynthConfig

DEMO_PATIENTS = 200


def synth(
    patients: int = typer.Option(
        DEMO_PATIENTS, "--patients", "-n", min=1, help="How many people (the demo uses 200)."
    ),
    seed: int = typer.Option(1, "--seed", "-s", help="Same seed and options, same bytes."),
    out: Path = typer.Option(
        Path("var/synth"),
        "--out",
        "-o",
        help="Output folder (its generated subfolders are replaced).",
    ),
    end: str = typer.Option(
        "2026-10-31", "--end", help="Last day of the timeline (YYYY-MM-DD); no wall clock is used."
    ),
    years: int = typer.Option(3, "--years", min=1, max=10, help="Length of the timeline."),
    noise: float = typer.Option(
        1.0, "--noise", min=0.0, help="Scale every identity-noise rate (0 = no noise)."
    ),
    noise_config: Path | None = typer.Option(
        None,
        "--noise-config",
        exists=True,
        dir_okay=False,
        help="JSON object of noise rates to override.",
    ),
    showcase: bool = typer.Option(
        True, "--showcase/--no-showcase", help="Include the documented showcase patients."
    ),
    workers: int = typer.Option(
        0, "--workers", min=0, help="Worker processes (0 = one per CPU, at most 2)."
    ),
) -> None:
    """Generate people, facilities and years of records as SS-MIX2, receipts, お薬手帳,
    prescription QR, checkup XML and FHIR documents, with the ground truth."""
    from kizuna.synth.generate import generate

    rates = NoiseConfig().scaled(noise)
    if noise_config is not None:
        rates = _override(rates, json.loads(noise_config.read_text("utf-8")))
    config = SynthConfig(
        patients=patients,
        seed=seed,
        out=out,
        end=_date(end),
        years=years,
        noise=rates,
        showcase=showcase,
        workers=workers or min(2, os.cpu_count() or 1),
    )
    summary = generate(config)
    console = Console()
    table = Table(title=f"synthetic population: {patients} people, seed {seed}")
    table.add_column("written")
    table.add_column("count", justify="right")
    table.add_column("per second", justify="right")
    rates_per_second = summary.rates()
    for name, count in sorted(summary.counts.items()):
        per_second = rates_per_second.get(name)
        table.add_row(name, f"{count:,}", f"{per_second:,.0f}" if per_second else "")
    console.print(table)
    console.print(f"{summary.seconds:.1f} s, output in {out}")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"not a date: {text!r}") from exc


def _override(rates: NoiseConfig, values: dict[str, float]) -> NoiseConfig:
    known = {f.name for f in fields(NoiseConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise typer.BadParameter(f"unknown noise rates: {', '.join(unknown)}")
    current = {f.name: getattr(rates, f.name) for f in fields(NoiseConfig)}
    current.update({k: float(v) for k, v in values.items()})
    return NoiseConfig(**current)
