"""The backfill against a fake Chatwoot REST API, writing to real Postgres (committed)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from parley_chatwoot import http_client
from parley_ingest.backfill.cli import app as backfill_cli
from parley_ingest.backfill.client import ChatwootClient
from parley_ingest.backfill.errors import ChatwootApiError
from parley_ingest.backfill.service import BackfillRequest, BackfillService, BackfillSummary
from parley_ingest.contact_labels.service import ContactLabelSync
from parley_ingest.normalization.service import build_ingestion
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import API_TOKEN, FakeChatwoot, default_contact_labels
from parley_schema.db import create_sessionmaker
from parley_schema.models import (
    CwContact,
    CwConversation,
    CwMessage,
    EventOutbox,
    JobRun,
    SyncWatermark,
)
from parley_schema.retrying import Backoff
from parley_testing.postgres import free_port
from sqlalchemy import Text, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner


class CountingProgress:
    def __init__(self) -> None:
        self.totals: dict[str, int | None] = {}
        self.done: dict[str, int] = {}

    def start(self, phase: str, total: int | None) -> None:
        self.totals[phase] = total

    def advance(self, phase: str, count: int) -> None:
        self.done[phase] = self.done.get(phase, 0) + count


async def run(
    fake: FakeChatwoot,
    engine: AsyncEngine,
    request: BackfillRequest,
    *,
    max_retries: int = 3,
    progress: CountingProgress | None = None,
) -> BackfillSummary:
    transport = httpx.ASGITransport(app=fake.app())
    async with http_client("http://chatwoot.test", API_TOKEN, transport=transport) as http:
        settings = IngestSettings(backfill_concurrency=4, contact_labels_requests_per_s=100)
        client = ChatwootClient(http, max_retries=max_retries, backoff=Backoff(base_s=0.01))
        sessionmaker = create_sessionmaker(engine)
        backfill = BackfillService(
            settings=settings,
            client=client,
            labels=ContactLabelSync(settings=settings, client=client, sessionmaker=sessionmaker),
            sessionmaker=sessionmaker,
            progress=progress or CountingProgress(),
            ingestion=build_ingestion(settings),
        )
        return await backfill.run(request)


async def count(
    engine: AsyncEngine,
    model: type[CwMessage] | type[CwConversation] | type[CwContact],
    account_id: int,
) -> int:
    async with engine.connect() as connection:
        value = await connection.scalar(
            select(func.count()).select_from(model).where(model.account_id == account_id)
        )
    return int(value or 0)


async def outbox_size(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(EventOutbox)) or 0)


async def test_backfill_reads_every_page_honours_429_and_a_second_run_changes_nothing(
    db_engine: AsyncEngine,
) -> None:
    fake = FakeChatwoot()
    progress = CountingProgress()
    summary = await run(fake, db_engine, BackfillRequest(account_id=1), progress=progress)

    assert (summary.contacts, summary.conversations, summary.messages) == (20, 30, 30 * 45)
    assert await count(db_engine, CwConversation, 1) == 30
    assert await count(db_engine, CwMessage, 1) == 30 * 45
    assert await count(db_engine, CwContact, 1) == 20
    assert progress.totals["conversations"] == 30
    assert progress.done["conversations"] == 30

    limited = [entry for entry in fake.requests if entry[3] == 429]
    assert len(limited) == 1
    retried = next(entry for entry in fake.requests if entry[0] > limited[0][0])
    assert retried[0] - limited[0][0] >= 0.9  # waited for Retry-After: 1
    assert any(entry[2].get("before") not in (None, "None") for entry in fake.requests)
    assert {entry[2]["status"] for entry in fake.requests if entry[1] == "conversations"} == {"all"}

    async with db_engine.connect() as connection:
        job = (
            await connection.execute(select(JobRun).where(JobRun.id == summary.job_run_id))
        ).one()
        watermark = (
            await connection.execute(
                select(SyncWatermark).where(SyncWatermark.source == "chatwoot:1")
            )
        ).one()
        deleted_or_empty = await connection.scalar(
            select(func.count()).where(CwMessage.account_id == 1, CwMessage.content.is_(None))
        )
        private = await connection.scalar(
            select(func.count()).where(CwMessage.account_id == 1, CwMessage.private.is_(True))
        )
    assert (job.status, job.processed_count, job.error) == ("ok", 50, None)
    assert job.meta["messages"] == 30 * 45
    assert watermark.cursor_ts is not None
    assert "next_page" not in watermark.meta
    assert deleted_or_empty == 30 * 9  # attachment-only messages keep no text
    assert private == 30 * 9

    events = await outbox_size(db_engine)
    again = await run(
        FakeChatwoot(rate_limit_once=False),
        db_engine,
        BackfillRequest(account_id=1, since=datetime(2000, 1, 1, tzinfo=UTC)),
    )
    assert again.conversations == 30
    assert again.events_written == 0
    assert await outbox_size(db_engine) == events


async def test_an_interrupted_backfill_resumes_from_its_watermark(db_engine: AsyncEngine) -> None:
    fake = FakeChatwoot(rate_limit_once=False, failing_conversation_pages={2})
    with pytest.raises(ChatwootApiError):
        await run(fake, db_engine, BackfillRequest(account_id=2), max_retries=1)
    async with db_engine.connect() as connection:
        failed = (
            await connection.execute(select(JobRun).where(JobRun.job_name == "backfill:chatwoot:2"))
        ).one()
        watermark = (
            await connection.execute(
                select(SyncWatermark).where(SyncWatermark.source == "chatwoot:2")
            )
        ).one()
    assert failed.status == "failed"
    assert "503" in (failed.error or "")
    assert (watermark.meta["phase"], watermark.meta["next_page"]) == ("conversations", 2)
    assert await count(db_engine, CwConversation, 2) == 25

    fake.failing_conversation_pages.clear()
    fake.requests.clear()
    resumed = await run(fake, db_engine, BackfillRequest(account_id=2))
    assert resumed.resumed
    pages = [entry[2]["page"] for entry in fake.requests if entry[1] == "conversations"]
    assert pages[0] == "2"
    assert not [entry for entry in fake.requests if entry[1] == "contacts"]
    assert await count(db_engine, CwConversation, 2) == 30
    assert await count(db_engine, CwMessage, 2) == 30 * 45


async def test_inbox_filter_reads_only_that_inbox(db_engine: AsyncEngine) -> None:
    summary = await run(
        FakeChatwoot(rate_limit_once=False, messages_per_conversation=3),
        db_engine,
        BackfillRequest(account_id=3, inbox_id=4),
    )
    assert summary.conversations == 7
    async with db_engine.connect() as connection:
        inboxes = set(
            await connection.scalars(
                select(CwConversation.inbox_id).where(CwConversation.account_id == 3)
            )
        )
    assert inboxes == {4}


@pytest.fixture
def fake_chatwoot_url() -> Iterator[str]:
    """The fake Chatwoot served over real HTTP, for the CLI."""
    port = free_port()
    fake = FakeChatwoot(rate_limit_once=False, conversations=3, messages_per_conversation=2)
    server = uvicorn.Server(uvicorn.Config(fake.app(), port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "fake Chatwoot did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_parley_backfill_command_prints_a_summary(
    fake_chatwoot_url: str, database_url: str
) -> None:
    env = {
        "PARLEY_DATABASE_URL": database_url,
        "PARLEY_CHATWOOT_BASE_URL": fake_chatwoot_url,
        "PARLEY_CHATWOOT_API_TOKEN": API_TOKEN,
        "PARLEY_LOG_FORMAT": "json",
    }
    result = CliRunner().invoke(backfill_cli, ["--account", "4"], env=env)
    assert result.exit_code == 0, result.output
    assert "conversations" in result.output
    assert "backfill job" in result.output
    lines = [line for line in result.output.splitlines() if "messages" in line]
    assert any(line.rstrip("│ ").endswith("6") for line in lines), result.output


async def test_backfilled_messages_are_redacted_before_they_are_stored(
    db_engine: AsyncEngine,
) -> None:
    card = "4111 1111 1111 1111"
    fake = FakeChatwoot(
        conversations=2,
        messages_per_conversation=5,
        contacts=1,
        rate_limit_once=False,
        message_suffix=f" card {card}, password: Sommer2026",
    )
    await run(fake, db_engine, BackfillRequest(account_id=9))

    async with db_engine.connect() as connection:
        contents = list(
            await connection.scalars(
                select(CwMessage.content).where(
                    CwMessage.account_id == 9, CwMessage.content.is_not(None)
                )
            )
        )
        raw = list(
            await connection.scalars(
                select(func.cast(CwMessage.data, Text)).where(CwMessage.account_id == 9)
            )
        )
    assert contents
    assert all((text or "").endswith(" card [card], password: [secret]") for text in contents)
    assert not any(card in text or "Sommer2026" in text for text in raw)


async def test_backfill_reads_every_contacts_labels_rate_limited_once(
    db_engine: AsyncEngine,
) -> None:
    fake = FakeChatwoot()
    fake.labels_rate_limit_once = True
    summary = await run(fake, db_engine, BackfillRequest(account_id=5))

    reads = [entry for entry in fake.requests if entry[1] == "contact_labels"]
    assert summary.contact_labels == fake.contacts == 20
    assert [entry[3] for entry in reads].count(429) == 1
    assert len({entry[2]["contact"] for entry in reads if entry[3] == 200}) == 20  # one each
    async with db_engine.connect() as connection:
        rows = (
            await connection.execute(
                select(CwContact.contact_id, CwContact.labels, CwContact.labels_stale_at).where(
                    CwContact.account_id == 5
                )
            )
        ).all()
    assert {contact_id: labels for contact_id, labels, _ in rows} == {
        contact_id: default_contact_labels(contact_id) for contact_id in range(500, 520)
    }
    assert all(stale_at is None for _, _, stale_at in rows)
