"""``parley reconcile`` against a fake Chatwoot REST API that deleted and merged things,
writing to real Postgres (committed; every test uses an account of its own)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest
from parley_chatwoot import http_client
from parley_ingest.backfill.client import ChatwootClient
from parley_ingest.backfill.errors import ChatwootApiError
from parley_ingest.backfill.service import BackfillRequest, BackfillService
from parley_ingest.contact_labels.service import ContactLabelSync
from parley_ingest.erasure.service import ErasureService
from parley_ingest.normalization.service import build_ingestion
from parley_ingest.reconcile.cli import app as reconcile_cli
from parley_ingest.reconcile.service import RECONCILE_JOB, ReconcileService, ReconcileSummary
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import API_TOKEN, ChangingChatwoot
from parley_schema.db import create_sessionmaker
from parley_schema.models import (
    CwContact,
    CwConversation,
    CwMessage,
    EventOutbox,
    JobRun,
    RagChunk,
)
from parley_schema.retrying import Backoff
from parley_testing.postgres import run_async
from parley_testing.servers import serving
from sqlalchemy import func, insert, literal, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from typer.testing import CliRunner


class NoProgress:
    def start(self, phase: str, total: int | None) -> None:
        pass

    def advance(self, phase: str, count: int) -> None:
        pass


def backfill_service(client: ChatwootClient, engine: AsyncEngine) -> BackfillService:
    settings = IngestSettings(contact_labels_requests_per_s=100)
    sessionmaker = create_sessionmaker(engine)
    return BackfillService(
        settings=settings,
        client=client,
        labels=ContactLabelSync(settings=settings, client=client, sessionmaker=sessionmaker),
        sessionmaker=sessionmaker,
        progress=NoProgress(),
        ingestion=build_ingestion(settings),
    )


@dataclass
class Account:
    """One Chatwoot account backfilled from the fake, with a chunk for every message."""

    id: int
    fake: ChangingChatwoot
    engine: AsyncEngine

    async def backfill(self) -> None:
        async with chatwoot_client(self.fake) as client:
            await backfill_service(client, self.engine).run(BackfillRequest(account_id=self.id))
        async with self.engine.begin() as connection:
            # What the embedder would have written: one chunk with a vector per message.
            await connection.execute(
                insert(RagChunk).from_select(
                    [
                        "conversation_global_id",
                        "message_global_id",
                        "chunk_index",
                        "text",
                        "embedding",
                    ],
                    select(
                        CwMessage.conversation_global_id,
                        CwMessage.id,
                        literal(0),
                        func.coalesce(CwMessage.content, "attachment"),
                        literal_column("array_fill(0.1::real, ARRAY[384])::vector"),
                    ).where(CwMessage.account_id == self.id),
                )
            )

    async def reconcile(self) -> ReconcileSummary | None:
        async with chatwoot_client(self.fake) as client:
            service = ReconcileService(client=client, sessionmaker=create_sessionmaker(self.engine))
            return await service.run_once(self.id)

    async def conversation(self, display_id: int) -> CwConversation | None:
        async with AsyncSession(self.engine) as session:
            return await session.get(CwConversation, f"cw:{self.id}:{display_id}")

    async def contact(self, contact_id: int) -> CwContact | None:
        async with AsyncSession(self.engine) as session:
            return await session.get(CwContact, f"cwc:{self.id}:{contact_id}")

    async def count(self, what: str, **where: str) -> int:
        """Rows of the account's messages, chunks or outbox events naming a conversation."""
        conversation = where["conversation"]
        statements = {
            "messages": select(func.count())
            .select_from(CwMessage)
            .where(CwMessage.conversation_global_id == conversation),
            "chunks": select(func.count())
            .select_from(RagChunk)
            .where(RagChunk.conversation_global_id == conversation),
            "outbox": select(func.count())
            .select_from(EventOutbox)
            .where(EventOutbox.payload["data"]["conversation_global_id"].astext == conversation),
        }
        async with self.engine.connect() as connection:
            return int(await connection.scalar(statements[what]) or 0)

    async def totals(self) -> tuple[int, int, int, int]:
        """(contacts, conversations, messages, chunks) of the account."""
        async with self.engine.connect() as connection:
            values = []
            for statement in (
                select(func.count()).select_from(CwContact).where(CwContact.account_id == self.id),
                select(func.count())
                .select_from(CwConversation)
                .where(CwConversation.account_id == self.id),
                select(func.count()).select_from(CwMessage).where(CwMessage.account_id == self.id),
                select(func.count())
                .select_from(RagChunk)
                .where(RagChunk.message_global_id.like(f"cwmsg:{self.id}:%")),
            ):
                values.append(int(await connection.scalar(statement) or 0))
        return values[0], values[1], values[2], values[3]

    async def last_job(self) -> JobRun:
        async with self.engine.connect() as connection:
            row = (
                await connection.execute(
                    select(JobRun)
                    .where(JobRun.job_name == RECONCILE_JOB)
                    .order_by(JobRun.id.desc())
                )
            ).first()
        assert row is not None
        return row  # type: ignore[return-value]


@asynccontextmanager
async def chatwoot_client(fake: ChangingChatwoot) -> AsyncIterator[ChatwootClient]:
    transport = httpx.ASGITransport(app=fake.app())
    async with http_client("http://chatwoot.test", API_TOKEN, transport=transport) as http:
        yield ChatwootClient(http, max_retries=1, backoff=Backoff(base_s=0.01))


@pytest.fixture
async def account(db_engine: AsyncEngine) -> Account:
    """Conversations 1..6 (display ids), contact 500 + id % 7; contacts 500..507."""
    fake = ChangingChatwoot(
        conversations=6, messages_per_conversation=3, contacts=8, rate_limit_once=False
    )
    backfilled = Account(random.randint(10_000, 10**9), fake, db_engine)
    await backfilled.backfill()
    return backfilled


class TestDeletedInChatwoot:
    async def test_a_deleted_conversation_is_removed_with_its_messages_chunks_and_events(
        self, account: Account
    ) -> None:
        gone = f"cw:{account.id}:2"
        assert await account.count("messages", conversation=gone) == 3
        assert await account.count("chunks", conversation=gone) == 3
        assert await account.count("outbox", conversation=gone) == 4  # conversation + 3 messages
        before = await account.totals()
        account.fake.deleted_conversations.add(2)
        summary = await account.reconcile()
        assert summary is not None
        assert await account.conversation(2) is None
        for what in ("messages", "chunks", "outbox"):
            assert await account.count(what, conversation=gone) == 0, what
        assert await account.totals() == (before[0], 5, before[2] - 3, before[3] - 3)
        assert (summary.removed.conversations, summary.removed.messages) == (1, 3)
        assert (summary.removed.chunks, summary.removed.outbox_events) == (3, 4)
        job = await account.last_job()
        assert (job.status, job.meta["conversations"], job.meta["messages"]) == ("ok", 1, 3)

    async def test_a_deleted_contact_without_conversations_is_removed(
        self, account: Account
    ) -> None:
        assert await account.contact(507) is not None  # no conversation names 507
        account.fake.deleted_contacts.add(507)
        summary = await account.reconcile()
        assert summary is not None
        assert await account.contact(507) is None
        assert summary.removed.contacts == 1

    async def test_an_unlisted_contact_that_still_exists_is_kept(self, account: Account) -> None:
        account.fake.unlisted_contacts.add(500)  # no e-mail or phone: not in the listing
        summary = await account.reconcile()
        assert summary is not None
        assert await account.contact(500) is not None
        assert summary.removed.as_dict() == dict.fromkeys(summary.removed.as_dict(), 0)

    async def test_a_second_run_changes_nothing(self, account: Account) -> None:
        account.fake.deleted_conversations.add(3)
        await account.reconcile()
        after_first = await account.totals()
        again = await account.reconcile()
        assert again is not None
        assert again.removed.conversations == 0
        assert await account.totals() == after_first


class TestIncompleteListing:
    @pytest.mark.parametrize("failing", ["conversations", "contacts"])
    async def test_a_listing_that_fails_midway_deletes_nothing(
        self, db_engine: AsyncEngine, failing: str
    ) -> None:
        fake = ChangingChatwoot(
            conversations=30, messages_per_conversation=1, contacts=20, rate_limit_once=False
        )
        account = Account(random.randint(10_000, 10**9), fake, db_engine)
        await account.backfill()
        before = await account.totals()
        fake.deleted_conversations.add(1)
        fake.deleted_contacts.add(519)
        if failing == "conversations":
            fake.failing_conversation_pages.add(2)
        else:
            fake.failing_contact_pages.add(2)
        with pytest.raises(ChatwootApiError):
            await account.reconcile()
        assert await account.totals() == before
        job = await account.last_job()
        assert (job.status, job.error) == ("failed", "ChatwootApiError")


class TestErasedContactsStayOut:
    async def test_a_backfill_does_not_bring_an_erased_contact_back(self, account: Account) -> None:
        contact, conversation = f"cwc:{account.id}:501", f"cw:{account.id}:1"
        async with create_sessionmaker(account.engine).begin() as session:
            await ErasureService(settings=IngestSettings()).erase_contact(
                session, contact, erased_by="cli:test"
            )
        async with chatwoot_client(account.fake) as client:
            summary = await backfill_service(client, account.engine).run(
                BackfillRequest(account_id=account.id, since=datetime(2000, 1, 1, tzinfo=UTC))
            )
        assert summary.conversations == 6  # read, and conversation 1 refused
        assert await account.conversation(1) is None
        assert await account.contact(501) is None
        assert await account.count("messages", conversation=conversation) == 0
        assert await account.conversation(2) is not None


class TestMergedContacts:
    async def test_conversations_of_a_merged_contact_move_to_the_base_contact(
        self, account: Account
    ) -> None:
        account.fake.merged_contacts[503] = 501  # conversation 3 belonged to 503
        summary = await account.reconcile()
        assert summary is not None
        conversation = await account.conversation(3)
        assert conversation is not None
        assert conversation.contact_global_id == f"cwc:{account.id}:501"
        async with account.engine.connect() as connection:
            owners = set(
                await connection.scalars(
                    select(CwMessage.contact_global_id).where(
                        CwMessage.conversation_global_id == f"cw:{account.id}:3"
                    )
                )
            )
        assert owners == {f"cwc:{account.id}:501"}
        assert await account.contact(503) is None
        assert await account.contact(501) is not None
        assert (summary.repointed, summary.removed.contacts, summary.removed.conversations) == (
            1,
            1,
            0,
        )
        assert await account.count("messages", conversation=f"cw:{account.id}:3") == 3


def test_parley_reconcile_prints_the_counts(database_url: str) -> None:
    fake = ChangingChatwoot(
        conversations=4, messages_per_conversation=2, contacts=8, rate_limit_once=False
    )
    account_id = random.randint(10_000, 10**9)

    async def seed() -> None:
        engine = create_async_engine(database_url)
        try:
            await Account(account_id, fake, engine).backfill()
        finally:
            await engine.dispose()

    run_async(seed)
    fake.deleted_conversations.add(4)
    with serving(fake.app()) as url:
        env = {
            "PARLEY_DATABASE_URL": database_url,
            "PARLEY_CHATWOOT_BASE_URL": url,
            "PARLEY_CHATWOOT_API_TOKEN": API_TOKEN,
            "PARLEY_LOG_FORMAT": "json",
        }
        result = CliRunner().invoke(reconcile_cli, ["--account", str(account_id)], env=env)
    assert result.exit_code == 0, result.output
    assert f"reconcile account {account_id}" in result.output
    removed = [line for line in result.output.splitlines() if "conversations removed" in line]
    assert removed, result.output
    assert removed[0].rstrip("│ ").endswith("1"), result.output
    assert "messages removed" in result.output
