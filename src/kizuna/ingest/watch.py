"""Watch mode: follow a storage tree (e.g. SS-MIX2) and ingest only new or changed files.

The size and modification time of every file seen are kept in ``watch_files``, so a
restart resumes where the last scan stopped without reprocessing anything.

A file modified less than ``settle`` seconds before the scan is left for a later scan. A
facility system may still be writing it, and a file read and then rewritten within one
tick of the file system's clock (coarse on network shares) would keep its size and time
and never be read again; once settled, any later change gives it a later time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from kizuna.ingest.pipeline import Pipeline
from kizuna.ingest.registry import detect


@dataclass
class ScanResult:
    seen: int = 0
    ingested: int = 0
    settling: int = 0  # modified too recently; read by a later scan


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
    def __init__(
        self,
        pipeline: Pipeline,
        root: Path,
        settle: float = 2.0,
        clock: Callable[[], int] = time.time_ns,
    ) -> None:
        self.pipeline = pipeline
        self.root = root.resolve()
        self.settle_ns = int(settle * 1e9)
        self.clock = clock

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
        settled_before = self.clock() - self.settle_ns
        for entry in _files(self.root):
            result.seen += 1
            stat = entry.stat(follow_symlinks=False)
            if known.get(entry.path) == (stat.st_size, stat.st_mtime_ns):
                continue
            if stat.st_mtime_ns > settled_before:
                result.settling += 1
                continue
            changed.append((entry.path, stat.st_size, stat.st_mtime_ns))
        for path, size, mtime_ns in sorted(changed):
            adapter = detect(Path(path), self.pipeline.adapters)
            if adapter is not None:
                self.pipeline.ingest_items(adapter, adapter.read(Path(path)))
            self._remember(path, size, mtime_ns)
            result.ingested += 1
        return result
