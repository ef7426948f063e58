"""The ``ingest-housekeeping`` job, run every ``PARLEY_HOUSEKEEPING_INTERVAL_S`` inside ingest.

It deletes webhook delivery keys older than ``PARLEY_DELIVERY_KEY_RETENTION_S`` (those made
from a body's hash once older than ``PARLEY_WEBHOOK_RETRY_HORIZON_S``: they no longer mark
repeats), outbox rows published more than ``PARLEY_OUTBOX_PUBLISHED_RETENTION_S`` ago, and
erasure quarantine rows whose quarantine ended.
Through :func:`parley_schema.jobs.run_job`: one replica at a time, every run in ``job_runs``
with the counts in ``meta``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from parley_schema.jobs import JobResult, run_job, running_periodically
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_ingest.erasure.repository import erasure_repository
from parley_ingest.outbox.repository import outbox_repository
from parley_ingest.settings import IngestSettings
from parley_ingest.webhooks.repository import delivery_repository

HOUSEKEEPING_JOB = "ingest-housekeeping"


class HousekeepingService:
    def __init__(
        self, *, settings: IngestSettings, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker

    async def purge(self, session: AsyncSession) -> JobResult:
        """One run's work, in the job's transaction."""
        settings = self._settings
        delivery_keys = await delivery_repository.delete_expired(
            session,
            older_than=timedelta(seconds=settings.delivery_key_retention_s),
            body_hashes_older_than=timedelta(seconds=settings.webhook_retry_horizon_s),
        )
        outbox_rows = await outbox_repository.delete_published(
            session, older_than=timedelta(seconds=settings.outbox_published_retention_s)
        )
        quarantine_rows = await erasure_repository.delete_expired_quarantine(session)
        return JobResult(
            processed=delivery_keys + outbox_rows + quarantine_rows,
            meta={
                "delivery_keys_deleted": delivery_keys,
                "outbox_rows_deleted": outbox_rows,
                "quarantine_rows_deleted": quarantine_rows,
            },
        )

    async def run_once(self) -> JobResult | None:
        """Run the job now (None: another replica is running it)."""
        return await run_job(self._sessionmaker, HOUSEKEEPING_JOB, self.purge)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the job now and then every interval, until the block exits."""
        async with running_periodically(
            self._sessionmaker,
            HOUSEKEEPING_JOB,
            self.purge,
            interval_s=self._settings.housekeeping_interval_s,
        ):
            yield
