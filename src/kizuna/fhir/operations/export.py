"""Bulk Data ``$export`` (system, Patient and Group), run asynchronously to NDJSON files.

Kick-off stores a job row and returns its id; a worker thread streams the matching
resources, type by type, in keyset-paginated batches into ``<export dir>/<job>/<Type>.ndjson``.
Status is read from the job row, so any server process can answer it.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from kizuna.fhir.instant import format_instant, now_ms
from kizuna.fhir.outcome import bad_request, not_found
from kizuna.fhir.types import is_resource_type
from kizuna.store.db import Database, Tx

BATCH = 2000
_COLUMNS = (
    "job_id, kind, group_id, types, since_ms, status, request_url, owner, "
    "created_ms, finished_ms, output, error"
)


@dataclass
class Job:
    job_id: str
    kind: str
    group_id: str | None
    types: list[str]
    since_ms: int | None
    status: str
    request_url: str
    owner: str | None
    created_ms: int
    finished_ms: int | None
    output: list[dict[str, Any]]
    error: str | None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> Job:
        types = [t for t in (row[3] or "").split(",") if t]
        output = orjson.loads(row[10]) if row[10] else []
        return cls(
            row[0],
            row[1],
            row[2],
            types,
            row[4],
            row[5],
            row[6],
            row[7],
            row[8],
            row[9],
            output,
            row[11],
        )


def parse_types(value: str | None) -> list[str]:
    if not value:
        return []
    types = [t.strip() for t in value.split(",") if t.strip()]
    for t in types:
        if not is_resource_type(t):
            raise bad_request(f"_type {t[:40]!r} is not a resource type", "_type")
    return types


class Exporter:
    """Kicks off, runs, reports and cancels export jobs."""

    def __init__(self, db: Database, directory: Path) -> None:
        self.db = db
        self.directory = directory
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="export")
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()

    def start(
        self,
        kind: str,
        request_url: str,
        types: list[str],
        since_ms: int | None,
        group_id: str | None = None,
        owner: str | None = None,
    ) -> str:
        job_id = uuid.uuid4().hex
        with self.db.transaction() as tx:
            if group_id is not None:
                self._group_members(tx, group_id)
            tx.execute(
                f"INSERT INTO export_jobs ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    job_id,
                    kind,
                    group_id,
                    ",".join(types),
                    since_ms,
                    "accepted",
                    request_url,
                    owner,
                    now_ms(),
                    None,
                    None,
                    None,
                ),
            )
        self._pool.submit(self._run, job_id)
        return job_id

    def job(self, job_id: str) -> Job:
        with self.db.read() as tx:
            row = tx.fetchone(f"SELECT {_COLUMNS} FROM export_jobs WHERE job_id = ?", (job_id,))
        if row is None:
            raise not_found("no such export job")
        return Job.from_row(row)

    def cancel(self, job_id: str) -> None:
        self.job(job_id)
        with self._lock:
            self._cancelled.add(job_id)
        self._finish(job_id, "cancelled", [], None)
        shutil.rmtree(self.directory / job_id, ignore_errors=True)

    def file(self, job_id: str, name: str) -> Path:
        job = self.job(job_id)
        if job.status != "done" or not any(o["file"] == name for o in job.output):
            raise not_found("no such export file")
        return self.directory / job_id / name

    def manifest(self, job: Job, base: str) -> dict[str, Any]:
        return {
            "transactionTime": format_instant(job.created_ms),
            "request": job.request_url,
            "requiresAccessToken": True,
            "output": [
                {
                    "type": o["type"],
                    "url": f"{base}/$export-file/{job.job_id}/{o['file']}",
                    "count": o["count"],
                }
                for o in job.output
            ],
            "error": [],
        }

    def wait(self) -> None:
        """Block until queued jobs have run (used by the CLI and tests)."""
        self._pool.submit(lambda: None).result()

    # -- the worker ---------------------------------------------------------------------
    def _run(self, job_id: str) -> None:
        try:
            job = self.job(job_id)
            if job.status != "accepted":
                return
            self._set_status(job_id, "running")
            output = self._write_files(job)
            if job_id not in self._cancelled:
                self._finish(job_id, "done", output, None)
        except Exception as exc:  # reported through the status endpoint, no patient data
            self._finish(job_id, "failed", [], type(exc).__name__)

    def _set_status(self, job_id: str, status: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("UPDATE export_jobs SET status = ? WHERE job_id = ?", (status, job_id))

    def _finish(
        self, job_id: str, status: str, output: list[dict[str, Any]], error: str | None
    ) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE export_jobs SET status = ?, finished_ms = ?, output = ?, error = ? "
                "WHERE job_id = ?",
                (status, now_ms(), orjson.dumps(output).decode(), error, job_id),
            )

    def _group_members(self, tx: Tx, group_id: str) -> list[str]:
        row = tx.fetchone(
            "SELECT content FROM resources WHERE res_type = 'Group' AND res_id = ? AND deleted = 0",
            (group_id,),
        )
        if row is None:
            raise not_found(f"Group/{group_id} is not known")
        members = orjson.loads(row[0]).get("member", [])
        ids = []
        for member in members:
            ref = (member.get("entity") or {}).get("reference", "")
            if ref.startswith("Patient/"):
                ids.append(ref.split("/")[1])
        return ids

    def _scope(self, tx: Tx, job: Job) -> tuple[str, list[Any]]:
        where = ["deleted = 0"]
        params: list[Any] = []
        if job.since_ms is not None:
            where.append("last_updated >= ?")
            params.append(job.since_ms)
        if job.kind == "patient":
            where.append("patient_key IS NOT NULL")
        elif job.kind == "group":
            members = self._group_members(tx, job.group_id or "") or [""]
            where.append(f"patient_key IN ({','.join('?' * len(members))})")
            params.extend(members)
        return " AND ".join(where), params

    def _write_files(self, job: Job) -> list[dict[str, Any]]:
        folder = self.directory / job.job_id
        folder.mkdir(parents=True, exist_ok=True)
        with self.db.read() as tx:
            where, params = self._scope(tx, job)
            types = job.types or [
                r[0]
                for r in tx.fetchall(
                    f"SELECT DISTINCT res_type FROM resources WHERE {where} ORDER BY res_type",
                    params,
                )
            ]
        output = []
        for res_type in types:
            count = self._write_type(
                folder / f"{res_type}.ndjson", res_type, where, params, job.job_id
            )
            if count:
                output.append({"type": res_type, "file": f"{res_type}.ndjson", "count": count})
            else:
                (folder / f"{res_type}.ndjson").unlink(missing_ok=True)
        return output

    def _write_type(
        self, path: Path, res_type: str, where: str, params: list[Any], job_id: str
    ) -> int:
        count = 0
        last = ""
        with path.open("w", encoding="utf-8") as out:
            while job_id not in self._cancelled:
                with self.db.read() as tx:
                    rows = tx.fetchall(
                        "SELECT res_id, content FROM resources "
                        f"WHERE res_type = ? AND res_id > ? AND {where} "
                        "ORDER BY res_id LIMIT ?",
                        [res_type, last, *params, BATCH],
                    )
                if not rows:
                    break
                out.write("".join(r[1] + "\n" for r in rows))
                count += len(rows)
                last = rows[-1][0]
        return count
