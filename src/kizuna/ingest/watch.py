"""Watch mode: follow a storage tree (e.g. SS-MIX2) and ingest only new or changed files.

The size and modification time of every file seen are kept in ``watch_files``, so a
restart resumes where the last scan stopped without reprocessing anything.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kizuna.ingest.pipeline import Pipeline
from kizuna.ingest.registry import detect


@dataclass
class ScanResult:
    seen: int = 0
    ingested: int = 0


def _files(root: Path) -> Iterator[os.DirEntry[str]]:
    stack = [str(root)]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                elif entry.is_file(follow_symlinks=False):
                    yield entry


class Watcher:
    def __init__(self, pipeline: Pipeline, root: Path) -> None:
        self.pipeline = pipeline
        self.root = root.resolve()

    def _known(self) -> dict[str, tuple[int, int]]:
        with self.pipeline.db.read() as tx:
            rows = tx.fetchall(
                "SELECT path, size, mtime_ns FROM watch_files WHERE root = ?", (str(self.root),)
            )
        return {r[0]: (r[1], r[2]) for r in rows}

    def _remember(self, path: str, size: int, mtime_ns: int) -> None:
        with self.pipeline.db.transaction() as tx:
            tx.execute(
                "INSERT INTO watch_files (root, path, size, mtime_ns) VALUES (?,?,?,?) "
                "ON CONFLICT (root, path) DO UPDATE "
                "SET size = excluded.size, mtime_ns = excluded.mtime_ns",
                (str(self.root), path, size, mtime_ns),
            )

    def scan_once(self) -> ScanResult:
        """Ingest every file that is new or changed since the last scan."""
        known = self._known()
        result = ScanResult()
        changed = []
        for entry in _files(self.root):
            result.seen += 1
            stat = entry.stat(follow_symlinks=False)
            if known.get(entry.path) != (stat.st_size, stat.st_mtime_ns):
                changed.append((entry.path, stat.st_size, stat.st_mtime_ns))
        for path, size, mtime_ns in sorted(changed):
            adapter = detect(Path(path), self.pipeline.adapters)
            if adapter is not None:
                self.pipeline.ingest_items(adapter, adapter.read(Path(path)))
            self._remember(path, size, mtime_ns)
            result.ingested += 1
        return result
