"""The ingest-housekeeping job: old delivery keys and published outbox rows are deleted, each
run is a job_runs row with the counts, and the app runs it from its start (real Postgres)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

from parley_ingest.erasure.repository import erasure_repository
from parley_ingest.housekeeping.service import HOUSEKEEPING_JOB, HousekeepingService
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import RunningApp
from parley_schema.db import create_sessionmaker
from parley_schema.models import (
    Erasure,
    ErasureQuarantine,
    EventOutbox,
    JobRun,
    WebhookDelivery,
)
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

NOW = datetime.now(UTC)
KEYS = {
    "1:delivery-8-days-old": timedelta(days=8),
    "1:delivery-6-days-old": timedelta(days=6),
    "1:sha256:body-2-hours-old": timedelta(hours=2),
    "1:sha256:body-10-minutes-old": timedelta(minutes=10),
}
KEPT_KEYS = ["1:delivery-6-days-old", "1:sha256:body-10-minutes-old"]
OUTBOX = {  # routing key -> (created, published) ago; None: not published yet
    "published.4.days.ago": (timedelta(days=4), timedelta(days=4)),
    "published.1.day.ago": (timedelta(days=2), timedelta(days=1)),
    "unpublished.for.10.days": (timedelta(days=10), None),
}
KEPT_OUTBOX = ["published.1.day.ago", "unpublished.for.10.days"]


async def write_old_rows(session: AsyncSession) -> None:
    await session.execute(
        insert(WebhookDelivery),
        [
            {"delivery_key": key, "account_id": 1, "event": "x", "outcome": "accepted"}
            | {"received_at": NOW - age}
            for key, age in KEYS.items()
        ],
    )
    await session.execute(
        insert(EventOutbox),
        [
            {
                "event_id": uuid.uuid4(),
                "routing_key": routing_key,
                "payload": {},
                "created_at": NOW - created,
                "published_at": None if published is None else NOW - published,
            }
            for routing_key, (created, published) in OUTBOX.items()
        ],
    )


async def remaining(session: AsyncSession) -> tuple[list[str], list[str]]:
    keys = await session.scalars(select(WebhookDelivery.delivery_key).order_by("delivery_key"))
    routing_keys = await session.scalars(select(EventOutbox.routing_key).order_by("routing_key"))
    return list(keys), list(routing_keys)


async def test_purge_deletes_old_keys_expired_body_hashes_and_old_published_events(
    ingest_settings: IngestSettings, db_engine: AsyncEngine, db_session: AsyncSession
) -> None:
    housekeeping = HousekeepingService(
        settings=ingest_settings, sessionmaker=create_sessionmaker(db_engine)
    )
    await write_old_rows(db_session)
    result = await housekeeping.purge(db_session)
    assert await remaining(db_session) == (KEPT_KEYS, KEPT_OUTBOX)
    assert result.meta == {
        "delivery_keys_deleted": 2,
        "outbox_rows_deleted": 1,
        "quarantine_rows_deleted": 0,
    }
    assert result.processed == 3


async def test_purge_ends_expired_quarantines_and_keeps_the_audit(
    ingest_settings: IngestSettings, db_engine: AsyncEngine, db_session: AsyncSession
) -> None:
    erasure = await erasure_repository.record(
        db_session,
        global_id="cwc:1:77",
        erased_by="cli:test",
        counts={},
        quarantined_until=datetime.now(UTC) - timedelta(minutes=1),
    )
    ended = datetime.now(UTC) - timedelta(minutes=1)
    await erasure_repository.quarantine(db_session, erasure.id, ["cwc:1:77"], ended)
    await erasure_repository.quarantine(
        db_session, erasure.id, ["cw:1:78"], datetime.now(UTC) + timedelta(days=1)
    )
    housekeeping = HousekeepingService(
        settings=ingest_settings, sessionmaker=create_sessionmaker(db_engine)
    )
    result = await housekeeping.purge(db_session)
    assert result.meta["quarantine_rows_deleted"] == 1
    assert set(await db_session.scalars(select(ErasureQuarantine.global_id))) == {"cw:1:78"}
    assert await db_session.get(Erasure, erasure.id) is not None


async def test_a_run_is_recorded_in_job_runs_with_its_counts(
    ingest_settings: IngestSettings, db_engine: AsyncEngine
) -> None:
    sessionmaker = create_sessionmaker(db_engine)
    async with sessionmaker.begin() as session:
        await write_old_rows(session)
    housekeeping = HousekeepingService(settings=ingest_settings, sessionmaker=sessionmaker)
    try:
        result = await housekeeping.run_once()
        async with sessionmaker() as session:
            run = await session.scalar(
                select(JobRun)
                .where(JobRun.job_name == HOUSEKEEPING_JOB)
                .order_by(JobRun.id.desc())
                .limit(1)
            )
            assert await remaining(session) == (KEPT_KEYS, KEPT_OUTBOX)
    finally:
        async with sessionmaker.begin() as session:  # committed: leave nothing for others
            await session.execute(
                delete(WebhookDelivery).where(WebhookDelivery.delivery_key.in_(KEYS))
            )
            await session.execute(delete(EventOutbox).where(EventOutbox.routing_key.in_(OUTBOX)))
    assert result is not None
    assert run is not None
    assert (run.status, run.processed_count) == ("ok", 3)
    assert run.meta == {
        "delivery_keys_deleted": 2,
        "outbox_rows_deleted": 1,
        "quarantine_rows_deleted": 0,
    }


async def test_the_app_runs_housekeeping_from_its_start(
    ingest_settings: IngestSettings, db_engine: AsyncEngine, running_app: RunningApp
) -> None:
    started = datetime.now(UTC)
    sessionmaker = create_sessionmaker(db_engine)
    query = select(JobRun.status).where(
        JobRun.job_name == HOUSEKEEPING_JOB, JobRun.started_at >= started
    )
    async with running_app(ingest_settings):
        for _ in range(100):
            async with sessionmaker() as session:
                if await session.scalar(query) == "ok":
                    return
            await asyncio.sleep(0.05)
    raise AssertionError("no housekeeping run was recorded")
