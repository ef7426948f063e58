"""An in-process queue of audit rows and the background task that writes them in batches.

A request only puts its row on the queue (no I/O); when the queue is full the row is
dropped and counted, so a slow or unreachable database never slows requests down or grows
memory without bound. The writer takes what has gathered, up to ``batch_size`` rows, at most
every ``linger_s``, and writes it with one statement on connections of its own; a failed
write is logged and its rows are counted as dropped. On shutdown the queue is written out.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

import structlog
from parley_schema.models import ApiRequest
from prometheus_client import Counter, Histogram
from sqlalchemy import insert
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

log = structlog.get_logger(__name__)

ROWS_WRITTEN = Counter(
    "parley_audit_rows_written_total", "Audit rows written to api_requests", ["service"]
)
ROWS_DROPPED = Counter(
    "parley_audit_rows_dropped_total",
    "Audit rows lost: the queue was full, or their batch could not be written",
    ["service", "reason"],
)
FLUSH_SECONDS = Histogram(
    "parley_audit_flush_seconds",
    "Time to write one batch of audit rows",
    ["service"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """One ``api_requests`` row."""

    at: datetime
    service: str
    method: str
    endpoint: str
    status: int
    latency_ms: float
    project_id: uuid.UUID | None
    user_id: uuid.UUID | None
    token_id: uuid.UUID | None
    correlation_id: str | None
    query: dict[str, Any] | None


class AuditRecorder:
    def __init__(
        self,
        *,
        service: str,
        sessionmaker: async_sessionmaker[AsyncSession],
        queue_size: int = 10_000,
        batch_size: int = 500,
        linger_s: float = 0.5,
    ) -> None:
        self._service = service
        self._sessionmaker = sessionmaker
        self._queue: asyncio.Queue[AuditEntry] = asyncio.Queue(maxsize=queue_size)
        self._batch_size = batch_size
        self._linger_s = linger_s
        self._stopping = asyncio.Event()

    def record(self, entry: AuditEntry) -> None:
        """Queue ``entry`` without waiting; drop and count it when the queue is full."""
        try:
            self._queue.put_nowait(entry)
        except asyncio.QueueFull:
            ROWS_DROPPED.labels(self._service, "queue_full").inc()

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Write batches in the background for the block; write out the queue at its end."""
        writer = asyncio.create_task(self._write_batches(), name=f"audit-writer-{self._service}")
        try:
            yield
        finally:
            self._stopping.set()
            await writer

    async def _write_batches(self) -> None:
        while not (self._stopping.is_set() and self._queue.empty()):
            try:
                first = await asyncio.wait_for(self._queue.get(), timeout=self._linger_s)
            except TimeoutError:
                continue
            if not self._stopping.is_set():  # let a batch gather
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), timeout=self._linger_s)
            batch = [first]
            while len(batch) < self._batch_size and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            await self._write(batch)

    async def _write(self, batch: list[AuditEntry]) -> None:
        started = time.perf_counter()
        try:
            async with self._sessionmaker.begin() as session:
                await session.execute(insert(ApiRequest), [asdict(entry) for entry in batch])
        except (SQLAlchemyError, OSError) as error:
            ROWS_DROPPED.labels(self._service, "write_failed").inc(len(batch))
            log.warning("audit_write_failed", rows=len(batch), error=type(error).__name__)
            return
        FLUSH_SECONDS.labels(self._service).observe(time.perf_counter() - started)
        ROWS_WRITTEN.labels(self._service).inc(len(batch))
