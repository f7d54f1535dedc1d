"""A group-committing recorder for the hot path.

Request handlers call ``record`` (or ``await record_async``); a single writer thread takes
every event waiting in the queue, appends them in one transaction and then releases the
callers. A caller returns only after its event is durable, so no response leaves without
its audit record, while a thousand concurrent requests cost a handful of transactions
rather than a thousand serialised ones.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from concurrent.futures import Future

from kizuna.audit.checkpoints import Checkpointer
from kizuna.audit.event import AuditEvent
from kizuna.audit.store import append_committed
from kizuna.store.db import Database

log = logging.getLogger("kizuna.audit")

_STOP = object()


class RecorderClosed(RuntimeError):
    """The recorder was closed; nothing more can be recorded through it."""


class AuditRecorder:
    def __init__(
        self, db: Database, max_batch: int = 1000, checkpointer: Checkpointer | None = None
    ) -> None:
        self.db = db
        self.max_batch = max_batch
        self.checkpointer = checkpointer
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    # -- callers -------------------------------------------------------------------------
    def submit(self, event: AuditEvent) -> Future[int]:
        """Queue ``event``; the future resolves to its sequence number once committed."""
        future: Future[int] = Future()
        with self._lock:
            if self._closed:
                raise RecorderClosed("the audit recorder is closed")
            self._start()
            self._queue.put((event, future))
        return future

    def record(self, event: AuditEvent, timeout: float = 30.0) -> int:
        """Record ``event`` and wait until it is committed (raises if it could not be)."""
        return self.submit(event).result(timeout)

    async def record_async(self, event: AuditEvent) -> int:
        return await asyncio.wrap_future(self.submit(event))

    def close(self, timeout: float = 30.0) -> None:
        """Write everything queued, then stop the writer."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            thread = self._thread
            self._queue.put(_STOP)
        if thread is not None:
            thread.join(timeout)

    # -- the writer ----------------------------------------------------------------------
    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="audit-writer", daemon=True)
            self._thread.start()

    def _take_batch(self) -> tuple[list[tuple[AuditEvent, Future[int]]], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True  # type: ignore[return-value]
            batch.append(item)
        return batch, False  # type: ignore[return-value]

    def _write(self, batch: list[tuple[AuditEvent, Future[int]]]) -> None:
        try:
            seqs = append_committed(self.db, [event for event, _ in batch])
        except Exception as exc:  # every waiting caller learns of the failure
            log.error("audit append failed: %s", type(exc).__name__)
            for _, future in batch:
                future.set_exception(exc)
            return
        for (_, future), seq in zip(batch, seqs, strict=True):
            future.set_result(seq)
        if self.checkpointer is not None:
            try:
                self.checkpointer.after_append(seqs[-1])
            except Exception as exc:
                log.error("audit checkpoint failed: %s", type(exc).__name__)

    def _run(self) -> None:
        stop = False
        while not stop:
            batch, stop = self._take_batch()
            if batch:
                self._write(batch)
