"""Interleaved A/B runs of one benchmark: an earlier commit against the working tree.

    python bench/ab.py --before 84aeda5 --pairs 3 -- bench/fhir_server.py \\
        --backend postgresql --resources 1000000 --skip transaction bulk --keep \\
        --seconds 20 --connections 16 --rates

The development machine's speed drifts by 10-20% within an hour, so two runs far apart do
not measure a change of that size. This checks the earlier commit out into a git worktree
(once, under the system's temporary directory) and runs the command alternately with that
worktree's ``src`` first on ``PYTHONPATH`` ("before") and without it ("after"). Servers
and worker processes the benchmark starts inherit ``PYTHONPATH``, so they run the same
code as the benchmark itself. Migration files the earlier commit lacks are copied into
its worktree, so it can open a database the working tree has already upgraded.

Each run's result lines (``--match``, by default lines holding ``per_second``) are printed
as they come, then the requests/s and p95 of every pair.
"""

from __future__ import annotations

import argparse
import ast
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MIGRATIONS = Path("src/kizuna/store/migrations/versions")


def worktree(commit: str) -> Path:
    """A checkout of ``commit`` with the working tree's newer migrations added."""
    sha = subprocess.run(
        ["git", "rev-parse", "--short", commit],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    path = Path(tempfile.gettempdir()) / f"kizuna-ab-{sha}"
    if not path.exists():
        subprocess.run(["git", "worktree", "add", "--detach", str(path), sha], cwd=ROOT, check=True)
    for source in (ROOT / MIGRATIONS).glob("*.py"):
        target = path / MIGRATIONS / source.name
        if not target.exists():
            shutil.copy2(source, target)
    return path


def run(command: list[str], src: Path | None, match: re.Pattern[str]) -> list[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"the benchmark failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return [line for line in done.stdout.splitlines() if match.search(line)]


def figures(line: str) -> dict[str, float]:
    """requests/s and p95 from a result line ending in a printed dict."""
    start = line.find("{")
    if start < 0:
        return {}
    try:
        found = ast.literal_eval(line[start:])
    except (ValueError, SyntaxError):
        return {}
    return {k: found[k] for k in ("per_second", "p95") if isinstance(found.get(k), int | float)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", required=True, help="the earlier commit")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--match", default="per_second", help="regex of the result lines")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- script and arguments")
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the benchmark command after --")
    before = worktree(args.before) / "src"
    match = re.compile(args.match)
    rows: list[tuple[str, dict[str, float]]] = []
    for pair in range(1, args.pairs + 1):
        for label, src in (("before", before), ("after", None)):
            for line in run(command, src, match):
                print(f"pair {pair} {label:6s} {line}", flush=True)
                rows.append((label, figures(line)))
    for label in ("before", "after"):
        shown = [
            f"{r['per_second']:,.0f}" + (f" (p95 {r['p95']:.1f})" if "p95" in r else "")
            for name, r in rows
            if name == label and "per_second" in r
        ]
        print(f"{label:6s} {', '.join(shown)}")


if __name__ == "__main__":
    main()
