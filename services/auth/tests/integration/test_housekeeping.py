"""``auth-housekeeping``: expired sessions, signup requests and rate-limit counters go."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from parley_auth.housekeeping.service import JOB_NAME, HousekeepingService
from parley_auth.settings import AuthSettings
from parley_schema.db import create_engine, create_sessionmaker
from parley_schema.jobs import run_job
from parley_schema.models import AppUser, JobRun, RateLimitCounter, Session, SignupRequest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

NOW = datetime.now(UTC)


@pytest.fixture
async def sessionmaker(settings: AuthSettings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """No app: nothing else runs the job on this module's database meanwhile."""
    engine = create_engine(settings)
    yield create_sessionmaker(engine)
    await engine.dispose()


async def test_a_run_deletes_only_what_can_no_longer_be_used(
    settings: AuthSettings, sessionmaker: async_sessionmaker[AsyncSession], unique_name: str
) -> None:
    hour, window = timedelta(hours=1), settings.rate_limit_window
    async with sessionmaker() as session, session.begin():
        user_id = await session.scalar(
            insert(AppUser).values(username=unique_name, password_hash="!").returning(AppUser.id)
        )
        await session.execute(delete(Session))
        await session.execute(delete(SignupRequest))
        await session.execute(delete(RateLimitCounter))
        for name, expires_at, last_seen_at in (
            ("live", NOW + hour, NOW),
            ("expired", NOW - hour, NOW - 2 * hour),
            ("idle", NOW + hour, NOW - settings.session_idle_ttl - hour),
        ):
            await session.execute(
                insert(Session).values(
                    session_id=f"{unique_name}-{name}",
                    user_id=user_id,
                    expires_at=expires_at,
                    last_seen_at=last_seen_at,
                )
            )
        for name, expires_at in (("pending", NOW + hour), ("expired", NOW - hour)):
            await session.execute(
                insert(SignupRequest).values(
                    username=f"{unique_name}-{name}",
                    password_hash="!",
                    pin_hash="!",
                    pin_salt="00",
                    expires_at=expires_at,
                )
            )
        for bucket, started in (
            ("login:address:current", NOW - window / 2),
            ("budget:pin_failures", NOW - hour / 2),  # the longest window is an hour
            ("login:address:stale", NOW - 2 * hour),
        ):
            await session.execute(
                insert(RateLimitCounter).values(bucket=bucket, window_start=started, hits=3)
            )

    housekeeping = HousekeepingService(settings=settings)
    result = await run_job(
        sessionmaker, JOB_NAME, lambda session: housekeeping.purge(session, now=NOW)
    )

    assert result is not None
    assert result.meta == {"sessions": 2, "signup_requests": 1, "rate_limit_counters": 1}
    async with sessionmaker() as session:
        assert (await session.scalars(select(Session.session_id))).all() == [f"{unique_name}-live"]
        assert (await session.scalars(select(SignupRequest.username))).all() == [
            f"{unique_name}-pending"
        ]
        assert set((await session.scalars(select(RateLimitCounter.bucket))).all()) == {
            "login:address:current",
            "budget:pin_failures",
        }
        run = await session.scalar(
            select(JobRun).where(JobRun.job_name == JOB_NAME).order_by(JobRun.id.desc()).limit(1)
        )
    assert run is not None
    assert (run.status, run.processed_count, run.meta) == ("ok", 4, result.meta)


async def test_the_app_runs_it_from_the_start(running_app: FastAPI) -> None:
    sessionmaker = running_app.state.database.sessionmaker
    for _ in range(100):
        async with sessionmaker() as session:
            runs = await session.scalar(
                select(func.count())
                .select_from(JobRun)
                .where(JobRun.job_name == JOB_NAME, JobRun.status == "ok")
            )
        if runs:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {JOB_NAME} run recorded")
