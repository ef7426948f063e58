"""The ``ingest-retention`` job: delete messages older than their account's window.

An account's window is its ``account_retention`` row when an administrator set one (through
auth; NULL days: kept forever), else ``PARLEY_RETENTION_DAYS`` (unset: kept forever).
Messages created before ``now - window`` are deleted with their chunks, vectors and outbox
events, ``PARLEY_RETENTION_BATCH_SIZE`` at a time, each batch its own transaction (a large
first run never holds many locks for long); a conversation left without messages by a batch
goes with it. Runs go through :func:`parley_schema.jobs.run_job` (one replica at a time,
every run in ``job_runs``, a dry run too, with ``meta.dry_run``), from the ingest process every
``PARLEY_RETENTION_INTERVAL_S`` and from ``parley retention run``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import structlog
from parley_schema.jobs import JobResult, Work, run_job, running_periodically
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_ingest import metrics
from parley_ingest.deletions.repository import Removed, deletion_repository
from parley_ingest.retention.repository import retention_repository
from parley_ingest.settings import IngestSettings

log = structlog.get_logger(__name__)

RETENTION_JOB = "ingest-retention"


@dataclass(frozen=True)
class AccountWindow:
    account_id: int
    days: int
    cutoff: datetime  # messages created before it go


@dataclass
class AccountReport:
    window: AccountWindow
    removed: Removed = field(default_factory=Removed)


@dataclass
class RetentionReport:
    dry_run: bool
    accounts: list[AccountReport] = field(default_factory=list)

    def total(self) -> Removed:
        total = Removed()
        for account in self.accounts:
            total.add(account.removed)
        return total

    def job_result(self) -> JobResult:
        total = self.total()
        return JobResult(
            processed=total.messages,
            meta={
                "dry_run": self.dry_run,
                **total.as_dict(),
                "accounts": {
                    str(a.window.account_id): {"days": a.window.days, **a.removed.as_dict()}
                    for a in self.accounts
                },
            },
        )


class RetentionService:
    def __init__(
        self, *, settings: IngestSettings, sessionmaker: async_sessionmaker[AsyncSession]
    ) -> None:
        self._settings = settings
        self._sessionmaker = sessionmaker

    async def windows(
        self, session: AsyncSession, *, account_id: int | None, now: datetime
    ) -> list[AccountWindow]:
        """The accounts with a window (all, or only ``account_id``)."""
        overrides = await retention_repository.overrides(session)
        accounts = await retention_repository.accounts(session)
        if account_id is not None:
            accounts = [account_id]
        windows = []
        for account in accounts:
            days = overrides.get(account, self._settings.retention_days)
            if days is not None:
                windows.append(AccountWindow(account, days, now - timedelta(days=days)))
        return windows

    def _work(self, report: RetentionReport, account_id: int | None) -> Work:
        """One run's work, filling ``report``; a dry run only counts."""

        async def work(session: AsyncSession) -> JobResult:
            report.accounts.clear()
            for window in await self.windows(session, account_id=account_id, now=datetime.now(UTC)):
                if report.dry_run:
                    removed = await self._would_remove(session, window)
                else:
                    removed = await self._remove(window)
                report.accounts.append(AccountReport(window, removed))
            return report.job_result()

        return work

    async def run_once(
        self, *, dry_run: bool = False, account_id: int | None = None
    ) -> RetentionReport | None:
        """One run now (None: another replica is running the job)."""
        report = RetentionReport(dry_run=dry_run)
        if await run_job(self._sessionmaker, RETENTION_JOB, self._work(report, account_id)) is None:
            return None
        return report

    async def _would_remove(self, session: AsyncSession, window: AccountWindow) -> Removed:
        return Removed(
            messages=await retention_repository.count_messages_before(
                session, window.account_id, window.cutoff
            ),
            conversations=await retention_repository.count_conversations_emptied(
                session, window.account_id, window.cutoff
            ),
        )

    async def _remove(self, window: AccountWindow) -> Removed:
        """Batch after batch, each committed on its own, until nothing is past the window."""
        removed = Removed()
        while True:
            async with self._sessionmaker.begin() as session:
                batch = await deletion_repository.messages_created_before(
                    session,
                    window.account_id,
                    window.cutoff,
                    limit=self._settings.retention_batch_size,
                )
                if not batch:
                    break
                step = await deletion_repository.delete_messages(session, [m for m, _ in batch])
                touched = sorted({c for _, c in batch if c is not None})
                emptied = await deletion_repository.empty_conversations(session, touched)
                step.add(await deletion_repository.delete_conversations(session, emptied))
            for kind, count in step.as_dict().items():
                if count:
                    metrics.RETENTION_DELETED.labels(kind).inc(count)
            removed.add(step)
        log.info(
            "retention_applied", account_id=window.account_id, days=window.days, **removed.as_dict()
        )
        return removed

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Run the job now and then every ``PARLEY_RETENTION_INTERVAL_S``, until the block exits."""

        async with running_periodically(
            self._sessionmaker,
            RETENTION_JOB,
            self._work(RetentionReport(dry_run=False), None),
            interval_s=self._settings.retention_interval_s,
        ):
            yield
