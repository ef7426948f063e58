"""Scheduled jobs against real Postgres: one run at a time, every run recorded."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from parley_schema.jobs import JobResult, run_job, run_periodically
from parley_schema.models import AppSetting, JobRun
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


@pytest.fixture
def sessions(db_engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(db_engine, expire_on_commit=False)


async def runs(sessions: async_sessionmaker[AsyncSession], name: str) -> list[JobRun]:
    async with sessions() as session:
        return list((await session.scalars(select(JobRun).where(JobRun.job_name == name))).all())


async def test_a_run_commits_its_work_and_is_recorded_ok(
    sessions: async_sessionmaker[AsyncSession], unique_name: str
) -> None:
    async def work(session: AsyncSession) -> JobResult:
        await session.execute(insert(AppSetting).values(key=unique_name, value="done"))
        return JobResult(processed=3, meta={"kept": 1})

    assert await run_job(sessions, unique_name, work) == JobResult(3, {"kept": 1})
    [run] = await runs(sessions, unique_name)
    assert (run.status, run.processed_count, run.meta) == ("ok", 3, {"kept": 1})
    assert run.finished_at is not None
    async with sessions() as session:
        assert await session.scalar(select(AppSetting.value).where(AppSetting.key == unique_name))


async def test_a_failing_run_is_rolled_back_and_recorded_with_the_error_type_only(
    sessions: async_sessionmaker[AsyncSession], unique_name: str
) -> None:
    async def work(session: AsyncSession) -> JobResult:
        await session.execute(insert(AppSetting).values(key=unique_name, value="half"))
        raise LookupError("secret detail")

    with pytest.raises(LookupError):
        await run_job(sessions, unique_name, work)
    [run] = await runs(sessions, unique_name)
    assert (run.status, run.error) == ("failed", "LookupError")
    async with sessions() as session:
        value = await session.scalar(select(AppSetting.value).where(AppSetting.key == unique_name))
    assert value is None


async def test_a_second_replica_skips_while_the_first_runs(
    sessions: async_sessionmaker[AsyncSession], unique_name: str
) -> None:
    started, release = asyncio.Event(), asyncio.Event()

    async def slow(session: AsyncSession) -> JobResult:
        started.set()
        await release.wait()
        return JobResult(processed=1)

    first = asyncio.create_task(run_job(sessions, unique_name, slow))
    await started.wait()
    assert await run_job(sessions, unique_name, slow) is None
    release.set()
    assert await first == JobResult(processed=1)
    assert [run.status for run in await runs(sessions, unique_name)] == ["ok"]
    # The lock is released: the next run goes ahead.
    release.set()
    assert await run_job(sessions, unique_name, slow) == JobResult(processed=1)


async def test_a_periodic_job_keeps_its_schedule_after_a_failure(
    sessions: async_sessionmaker[AsyncSession], unique_name: str
) -> None:
    calls: list[int] = []
    third_started = asyncio.Event()  # by then the first two runs are recorded

    async def flaky(session: AsyncSession) -> JobResult:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug")
        if len(calls) == 3:
            third_started.set()
        return JobResult(processed=0)

    task = asyncio.create_task(run_periodically(sessions, unique_name, flaky, interval_s=0.01))
    await asyncio.wait_for(third_started.wait(), timeout=10)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    statuses = [run.status for run in await runs(sessions, unique_name)]
    assert statuses[:2] == ["failed", "ok"]
