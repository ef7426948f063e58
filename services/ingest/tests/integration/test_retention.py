"""The retention job and ``parley retention run`` on real Postgres (committed; every test uses
accounts of its own)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from parley_ingest.retention.cli import app as retention_cli
from parley_ingest.retention.service import RETENTION_JOB, RetentionService
from parley_ingest.settings import IngestSettings
from parley_schema.db import create_sessionmaker
from parley_schema.models import (
    AccountRetention,
    CwConversation,
    CwMessage,
    EventOutbox,
    JobRun,
    RagChunk,
)
from parley_testing.postgres import run_async
from sqlalchemy import func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from typer.testing import CliRunner

NOW = datetime.now(UTC)


def days_ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


@dataclass
class History:
    """Conversation ``old`` (messages 40 and 35 days old), conversation ``mixed`` (40 days and
    1 day), conversation ``fresh`` (2 days); a chunk with a vector and an outbox event per
    message."""

    account_id: int

    @property
    def conversations(self) -> dict[str, list[float]]:
        return {"old": [40, 35], "mixed": [40, 1], "fresh": [2]}

    def conversation(self, name: str) -> str:
        return f"cw:{self.account_id}:{list(self.conversations).index(name) + 1}"

    def message(self, name: str, index: int) -> str:
        number = (list(self.conversations).index(name) + 1) * 100 + index
        return f"cwmsg:{self.account_id}:{number}"

    async def write(self, engine: AsyncEngine) -> None:
        async with engine.begin() as connection:
            for name, ages in self.conversations.items():
                conversation = self.conversation(name)
                await connection.execute(
                    insert(CwConversation).values(
                        id=conversation,
                        account_id=self.account_id,
                        conversation_id=list(self.conversations).index(name) + 1,
                        data={},
                    )
                )
                for index, age in enumerate(ages):
                    message = self.message(name, index)
                    await connection.execute(
                        insert(CwMessage).values(
                            id=message,
                            account_id=self.account_id,
                            conversation_global_id=conversation,
                            content=f"{name} {index}",
                            created_at=days_ago(age),
                            data={},
                        )
                    )
                    await connection.execute(
                        insert(RagChunk).values(
                            conversation_global_id=conversation,
                            message_global_id=message,
                            chunk_index=0,
                            text=f"{name} {index}",
                            embedding=literal_column("array_fill(0.1::real, ARRAY[384])::vector"),
                        )
                    )
                    await connection.execute(
                        insert(EventOutbox).values(
                            event_id=literal_column("gen_random_uuid()"),
                            routing_key="message.upserted.v1",
                            payload={"data": {"message_global_id": message}},
                        )
                    )

    async def left(self, engine: AsyncEngine) -> dict[str, set[str]]:
        """What remains: conversations, messages, chunks' messages, outbox events' messages."""
        prefix = f"%:{self.account_id}:%"
        async with AsyncSession(engine) as session:
            return {
                "conversations": set(
                    await session.scalars(
                        select(CwConversation.id).where(CwConversation.id.like(prefix))
                    )
                ),
                "messages": set(
                    await session.scalars(select(CwMessage.id).where(CwMessage.id.like(prefix)))
                ),
                "chunks": {
                    m
                    for m in await session.scalars(
                        select(RagChunk.message_global_id).where(
                            RagChunk.message_global_id.like(prefix)
                        )
                    )
                    if m is not None
                },
                "outbox": set(
                    await session.scalars(
                        select(EventOutbox.payload["data"]["message_global_id"].astext).where(
                            EventOutbox.payload["data"]["message_global_id"].astext.like(prefix)
                        )
                    )
                ),
            }


def new_account() -> History:
    return History(random.randint(10_000, 10**12))


def service(engine: AsyncEngine, **settings: object) -> RetentionService:
    return RetentionService(
        settings=IngestSettings(**settings),  # type: ignore[arg-type]
        sessionmaker=create_sessionmaker(engine),
    )


async def last_job(engine: AsyncEngine) -> JobRun:
    async with AsyncSession(engine) as session:
        job = await session.scalar(
            select(JobRun).where(JobRun.job_name == RETENTION_JOB).order_by(JobRun.id.desc())
        )
    assert job is not None
    return job


class TestRetention:
    async def test_removes_exactly_the_messages_past_the_window(
        self, db_engine: AsyncEngine
    ) -> None:
        history = new_account()
        await history.write(db_engine)
        retention = service(db_engine, retention_days=30, retention_batch_size=1)
        report = await retention.run_once(account_id=history.account_id)
        assert report is not None
        [account] = report.accounts
        assert account.removed.as_dict() == {
            "contacts": 0,
            "conversations": 1,
            "messages": 3,
            "chunks": 3,
            "outbox_events": 3,
        }
        kept = {history.message("mixed", 1), history.message("fresh", 0)}
        assert await history.left(db_engine) == {
            "conversations": {history.conversation("mixed"), history.conversation("fresh")},
            "messages": kept,
            "chunks": kept,
            "outbox": kept,
        }
        job = await last_job(db_engine)
        assert (job.status, job.processed_count, job.meta["dry_run"]) == ("ok", 3, False)

    async def test_a_dry_run_counts_and_removes_nothing(self, db_engine: AsyncEngine) -> None:
        history = new_account()
        await history.write(db_engine)
        before = await history.left(db_engine)
        report = await service(db_engine, retention_days=30).run_once(
            dry_run=True, account_id=history.account_id
        )
        assert report is not None
        [account] = report.accounts
        assert (account.removed.messages, account.removed.conversations) == (3, 1)
        assert await history.left(db_engine) == before
        job = await last_job(db_engine)
        assert (job.status, job.meta["dry_run"], job.meta["messages"]) == ("ok", True, 3)

    async def test_an_admins_window_overrides_the_default(self, db_engine: AsyncEngine) -> None:
        forever, shorter = new_account(), new_account()
        for history in (forever, shorter):
            await history.write(db_engine)
        async with db_engine.begin() as connection:
            await connection.execute(
                insert(AccountRetention).values(
                    [
                        {"account_id": forever.account_id, "retention_days": None},
                        {"account_id": shorter.account_id, "retention_days": 3},
                    ]
                )
            )
        before = await forever.left(db_engine)
        retention = service(db_engine, retention_days=30)
        assert await retention.run_once(account_id=forever.account_id) is not None
        assert await forever.left(db_engine) == before
        assert await service(db_engine).run_once(account_id=shorter.account_id) is not None
        left = await shorter.left(db_engine)
        assert left["messages"] == {shorter.message("mixed", 1), shorter.message("fresh", 0)}

    async def test_without_a_window_nothing_is_deleted(self, db_engine: AsyncEngine) -> None:
        history = new_account()
        await history.write(db_engine)
        before = await history.left(db_engine)
        report = await service(db_engine).run_once(account_id=history.account_id)
        assert report is not None
        assert report.accounts == []
        assert await history.left(db_engine) == before


def test_parley_retention_run_prints_what_would_go_and_what_went(database_url: str) -> None:
    history = new_account()

    async def write() -> None:
        engine = create_async_engine(database_url)
        try:
            await history.write(engine)
        finally:
            await engine.dispose()

    async def messages() -> int:
        engine = create_async_engine(database_url)
        try:
            async with engine.connect() as connection:
                return int(
                    await connection.scalar(
                        select(func.count())
                        .select_from(CwMessage)
                        .where(CwMessage.account_id == history.account_id)
                    )
                    or 0
                )
        finally:
            await engine.dispose()

    run_async(write)
    env = {
        "PARLEY_DATABASE_URL": database_url,
        "PARLEY_RETENTION_DAYS": "30",
        "PARLEY_LOG_FORMAT": "json",
    }
    account = ["--account", str(history.account_id)]
    runner = CliRunner()
    dry = runner.invoke(retention_cli, ["run", "--dry-run", *account], env=env)
    assert dry.exit_code == 0, dry.output
    assert "dry run: nothing deleted" in dry.output
    assert str(history.account_id) in dry.output
    assert run_async(messages) == 5
    applied = runner.invoke(retention_cli, ["run", *account], env=env)
    assert applied.exit_code == 0, applied.output
    assert "applied" in applied.output
    assert run_async(messages) == 2
