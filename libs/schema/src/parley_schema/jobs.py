"""Scheduled work inside a service: one run at a time across replicas, every run in ``job_runs``.

``run_job`` takes a session-level advisory lock named after the job on a connection of its
own; a replica that cannot take it skips the run (another one is doing it). The run is
recorded as ``running`` in its own committed transaction, the work runs in another, and the
row is finished as ``ok`` with the number of rows the work processed, or ``failed`` with the
error's type (never its text: it may quote data). ``run_periodically`` repeats a job at an
interval until cancelled, logging failures instead of dying. Every run is counted in
``parley_job_runs_total{job_name, outcome}`` (``ok``, ``failed``, ``skipped``) and timed
in ``parley_job_duration_seconds{job_name}``, in the process that ran it (not ``job``:
Prometheus sets that label to the scrape job).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from parley_schema.models import JobRun

log = structlog.get_logger(__name__)

JOB_RUNS = Counter(
    "parley_job_runs_total",
    "Scheduled job runs by outcome (ok, failed, skipped)",
    ["job_name", "outcome"],
)
JOB_DURATION = Histogram(
    "parley_job_duration_seconds",
    "Duration of scheduled job runs that did their work (ok or failed)",
    ["job_name"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800),
)


@dataclass(frozen=True)
class JobResult:
    """What a job's work reports: rows processed and anything worth keeping in ``meta``."""

    processed: int
    meta: dict[str, Any] = field(default_factory=dict)


Work = Callable[[AsyncSession], Awaitable[JobResult]]


class JobRunRepository:
    async def start(self, session: AsyncSession, job_name: str, meta: dict[str, Any]) -> int:
        job_id: int | None = await session.scalar(
            insert(JobRun)
            .values(job_name=job_name, status="running", meta=meta)
            .returning(JobRun.id)
        )
        assert job_id is not None
        return job_id

    async def finish(
        self,
        session: AsyncSession,
        job_id: int,
        *,
        status: str,
        processed_count: int,
        meta: dict[str, Any],
        error: str | None = None,
    ) -> None:
        await session.execute(
            update(JobRun)
            .where(JobRun.id == job_id)
            .values(
                status=status,
                processed_count=processed_count,
                finished_at=func.now(),
                error=error,
                meta=JobRun.meta.op("||")(meta),
            )
        )


job_run_repository = JobRunRepository()


async def run_job(
    sessionmaker: async_sessionmaker[AsyncSession], job_name: str, work: Work
) -> JobResult | None:
    """Run ``work`` once unless another process runs this job now (then None).

    The work's own exception is recorded and re-raised.
    """
    async with sessionmaker() as lock_session:
        locked = await lock_session.scalar(
            select(func.pg_try_advisory_lock(func.hashtext(job_name)))
        )
        if not locked:
            JOB_RUNS.labels(job_name, "skipped").inc()
            log.info("job_skipped", job=job_name, reason="running elsewhere")
            return None
        started = time.perf_counter()
        try:
            async with sessionmaker.begin() as session:
                job_id = await job_run_repository.start(session, job_name, {})
            try:
                async with sessionmaker.begin() as session:
                    result = await work(session)
            except Exception as error:
                async with sessionmaker.begin() as session:
                    await job_run_repository.finish(
                        session,
                        job_id,
                        status="failed",
                        processed_count=0,
                        meta={},
                        error=type(error).__name__,
                    )
                JOB_RUNS.labels(job_name, "failed").inc()
                JOB_DURATION.labels(job_name).observe(time.perf_counter() - started)
                raise
            async with sessionmaker.begin() as session:
                await job_run_repository.finish(
                    session, job_id, status="ok", processed_count=result.processed, meta=result.meta
                )
            JOB_RUNS.labels(job_name, "ok").inc()
            JOB_DURATION.labels(job_name).observe(time.perf_counter() - started)
            log.info("job_finished", job=job_name, processed=result.processed, **result.meta)
            return result
        finally:
            await lock_session.scalar(select(func.pg_advisory_unlock(func.hashtext(job_name))))


async def run_periodically(
    sessionmaker: async_sessionmaker[AsyncSession],
    job_name: str,
    work: Work,
    *,
    interval_s: float,
) -> None:
    """Run the job now and then every ``interval_s`` seconds, until cancelled."""
    while True:
        try:
            await run_job(sessionmaker, job_name, work)
        except (SQLAlchemyError, OSError) as error:  # the database is away: try next time
            log.warning("job_failed", job=job_name, error=type(error).__name__)
        except Exception:  # a bug: recorded in job_runs by run_job; keep the schedule alive
            log.exception("job_failed", job=job_name)
        await asyncio.sleep(interval_s)


# How long a stopping service waits for a cancelled periodic job to wind down.
STOP_TIMEOUT_S = 5.0


@contextlib.asynccontextmanager
async def running_periodically(
    sessionmaker: async_sessionmaker[AsyncSession],
    job_name: str,
    work: Work,
    *,
    interval_s: float,
) -> AsyncIterator[None]:
    """``run_periodically`` as a background task for the block; cancelled when it exits."""
    task = asyncio.create_task(
        run_periodically(sessionmaker, job_name, work, interval_s=interval_s), name=job_name
    )
    try:
        yield
    finally:
        task.cancel()
        await asyncio.wait([task], timeout=STOP_TIMEOUT_S)
