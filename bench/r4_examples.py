"""Load every official FHIR R4 example (npm package hl7.fhir.r4.examples 4.0.1) and list
the ones the server rejects, with the reason.

    python bench/r4_examples.py [--write-docs]

The package is fetched with ``npm pack`` into ~/.cache/kizuna the first time.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "hl7.fhir.r4.examples@4.0.1"
CACHE = Path.home() / ".cache" / "kizuna"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "fhir" / "r4-examples.md"


def package_dir() -> Path:
    """The unpacked package, fetched once. Concurrent callers (parallel test workers) each
    unpack into their own folder and rename it into place, so nobody reads a half-written
    package."""
    target = CACHE / "hl7.fhir.r4.examples"
    done = target / "package"
    if done.is_dir():
        return done
    target.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=target, prefix="fetch-"))
    try:
        subprocess.run(
            ["npm", "pack", PACKAGE, "--silent"], cwd=work, check=True, capture_output=True
        )
        with tarfile.open(next(work.glob("*.tgz"))) as archive:
            archive.extractall(work, filter="data")
        try:
            (work / "package").rename(done)
        except OSError:
            if not done.is_dir():  # not another caller's finished copy: a real failure
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return done


def example_files() -> list[Path]:
    return sorted(
        p for p in package_dir().glob("*.json") if p.name not in ("package.json", ".index.json")
    )


def load_all(database_url: str) -> tuple[int, list[tuple[str, int, str]]]:
    """(files loaded, [(file, status, first error)]) for every example file."""
    from kizuna.fhir.outcome import FhirError
    from kizuna.fhir.repository import Repository
    from kizuna.store.db import Database
    from kizuna.store.migrate import upgrade

    upgrade(database_url)
    repo = Repository(Database(database_url))
    files = example_files()
    rejected: list[tuple[str, int, str]] = []
    for path in files:
        resource = json.loads(path.read_bytes())
        try:
            if resource.get("id"):
                repo.update(resource["resourceType"], resource["id"], resource)
            else:
                repo.create(resource)
        except FhirError as exc:
            problem = exc.problems[0]
            where = f" at {problem.expression}" if problem.expression else ""
            rejected.append((path.name, exc.status, f"{problem.diagnostics}{where}"))
    return len(files), rejected


def render(total: int, rejected: list[tuple[str, int, str]]) -> str:
    share = 100 * len(rejected) / total
    lines = [
        "# The official FHIR R4 examples",
        "",
        f"`python bench/r4_examples.py` loads all {total} JSON files of the npm package "
        f"`{PACKAGE}` one by one (PUT with the example's id, POST without). "
        f"{len(rejected)} are rejected ({share:.2f}%); "
        "each rejection is a genuine fault in the example, listed here.",
        "",
        "| file | status | reason |",
        "|---|---|---|",
    ]
    lines += [
        f"| `{name}` | {status} | {reason.replace('|', '/')} |" for name, status, reason in rejected
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        total, rejected = load_all(f"sqlite:///{tmp}/r4.sqlite3")
    text = render(total, rejected)
    if "--write-docs" in sys.argv:
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
