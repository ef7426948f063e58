"""The ``contact-labels`` job: read queued contacts' labels from Chatwoot's REST API.

Chatwoot's webhooks carry no contact labels. A contact event (``contact_created``,
``contact_updated``) and a contact seen for the first time mark the contact's labels stale in
the webhook's own transaction (``cw_contacts.labels_stale_at``), so the webhook answers
without calling Chatwoot and no event is lost. This job, run inside ingest every
``PARLEY_CONTACT_LABELS_INTERVAL_S`` while the REST API is configured, reads the oldest marks
first, at most ``PARLEY_CONTACT_LABELS_REQUESTS_PER_S`` requests a second (a 429 waits for its
``Retry-After``, as the backfill does). Deduplicated: any number of events before a read cost
one read. A contact marked again while its read was under way stays queued and is read again.
A contact Chatwoot no longer has (404) leaves the queue with its labels as they were.
Through :func:`parley_schema.jobs.run_job` (one replica at a time, runs in ``job_runs``),
and only when something is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import structlog
from parley_schema.jobs import JobResult, run_job
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_ingest.backfill.client import ChatwootClient
from parley_ingest.backfill.errors import ChatwootApiError, ChatwootNotFound
from parley_ingest.contact_labels.repository import ReadLabels, contact_label_repository
from parley_ingest.settings import IngestSettings

log = structlog.get_logger(__name__)

CONTACT_LABELS_JOB = "contact-labels"
STOP_TIMEOUT_S = 5.0


class RequestPace:
    """At most ``per_s`` starts a second: each waits until its slot."""

    def __init__(self, per_s: float) -> None:
        self._interval = 1.0 / per_s
        self._next = 0.0

    async def wait(self) -> None:
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self._interval
        if slot > now:
            await asyncio.sleep(slot - now)


class ContactLabelSync:
    def __init__(
        self,
        *,
        settings: IngestSettings,
        client: ChatwootClient,
        sessionmaker: async_sessionmaker[AsyncSession],
    ) -> None:
        self._settings = settings
        self._client = client
        self._sessionmaker = sessionmaker
        self._pace = RequestPace(settings.contact_labels_requests_per_s)

    async def read(self, session: AsyncSession, *, account_id: int | None = None) -> JobResult:
        """Read and store one batch of queued contacts (of ``account_id``, or any)."""
        queued = await contact_label_repository.stale(
            session, limit=self._settings.contact_labels_batch_size, account_id=account_id
        )
        read: list[ReadLabels] = []
        gone = failed = 0
        for contact in queued:
            await self._pace.wait()
            try:
                labels = await self._client.contact_labels(contact.account_id, contact.contact_id)
            except ChatwootNotFound:
                gone += 1
                read.append(ReadLabels(contact, None))
                continue
            except ChatwootApiError as error:
                # Rate limited past the retries, or Chatwoot is away: keep the rest queued.
                failed = len(queued) - len(read)
                log.warning("contact_labels_read_failed", error=error.code, left=failed)
                break
            read.append(ReadLabels(contact, labels))
        await contact_label_repository.store(session, read)
        return JobResult(
            processed=len(read), meta={"read": len(read) - gone, "gone": gone, "left": failed}
        )

    async def run_once(self) -> JobResult | None:
        """One batch now, as the scheduled job (None: another replica is running it)."""
        return await run_job(self._sessionmaker, CONTACT_LABELS_JOB, self.read)

    async def drain(self, account_id: int) -> int:
        """Read every queued contact of the account (the backfill's last step); the count."""
        total = 0
        while True:
            async with self._sessionmaker.begin() as session:
                result = await self.read(session, account_id=account_id)
            total += result.processed
            if result.processed == 0 or result.meta["left"]:
                return total

    async def _queued(self) -> bool:
        async with self._sessionmaker() as session:
            return bool(await contact_label_repository.stale(session, limit=1))

    async def _run_periodically(self) -> None:
        while True:
            try:
                if await self._queued():
                    await self.run_once()
            except (SQLAlchemyError, OSError) as error:  # the database is away: next time
                log.warning("job_failed", job=CONTACT_LABELS_JOB, error=type(error).__name__)
            except Exception:  # a bug: recorded in job_runs by run_job; keep the schedule
                log.exception("job_failed", job=CONTACT_LABELS_JOB)
            await asyncio.sleep(self._settings.contact_labels_interval_s)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the job every interval while something is queued, until the block exits."""
        task = asyncio.create_task(self._run_periodically(), name=CONTACT_LABELS_JOB)
        try:
            yield
        finally:
            task.cancel()
            await asyncio.wait([task], timeout=STOP_TIMEOUT_S)
