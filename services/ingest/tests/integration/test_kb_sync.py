"""The Help Center sync against the simulator's Chatwoot Help Center (real shapes, paging,
429s), writing to real Postgres (committed; every test uses an account of its own)."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from parley_chatwoot import http_client
from parley_ingest.backfill.client import ChatwootClient
from parley_ingest.kb.cli import app as kb_cli
from parley_ingest.kb.helpcenter.service import (
    KB_SYNC_JOB,
    HelpCenterSync,
    PortalSummary,
    SyncRequest,
)
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import API_TOKEN, help_center_app
from parley_schema.db import create_sessionmaker
from parley_schema.knowledge import BlockKind, DocumentBody
from parley_schema.models import EventOutbox, JobRun, KbDocument, KbDocumentVersion, RagChunk
from parley_simulator.help_center import HelpCenter
from parley_simulator.help_center_corpus import demo_help_center
from parley_testing.postgres import run_async
from parley_testing.servers import serving
from sqlalchemy import func, insert, literal_column, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from typer.testing import CliRunner

_accounts = itertools.count(7100)
BASE_URL = "http://chatwoot.test"


@asynccontextmanager
async def sync_service(
    center: HelpCenter, engine: AsyncEngine, **settings: Any
) -> AsyncIterator[HelpCenterSync]:
    transport = httpx.ASGITransport(app=help_center_app(center))
    async with http_client(BASE_URL, API_TOKEN, transport=transport) as http:
        yield HelpCenterSync(
            settings=IngestSettings(chatwoot_base_url=BASE_URL, **settings),
            client=ChatwootClient(http, max_retries=3),
            sessionmaker=create_sessionmaker(engine),
        )


async def sync(
    center: HelpCenter, engine: AsyncEngine, *, full: bool = False, **settings: Any
) -> dict[str, PortalSummary]:
    async with sync_service(center, engine, **settings) as service:
        summary = await service.run_once(SyncRequest(center.account_id, full=full))
    assert summary is not None
    return {p.slug: p for p in summary.portals}


async def documents(engine: AsyncEngine, account_id: int) -> dict[int, KbDocument]:
    async with AsyncSession(engine) as session:
        rows = await session.scalars(select(KbDocument).where(KbDocument.account_id == account_id))
        return {row.external_id: row for row in rows if row.external_id is not None}


async def events(engine: AsyncEngine, account_id: int) -> list[dict[str, Any]]:
    async with engine.connect() as connection:
        rows = await connection.scalars(
            select(EventOutbox.payload)
            .where(EventOutbox.payload["account_id"].as_integer() == account_id)
            .where(EventOutbox.routing_key.like("document.%"))
            .order_by(EventOutbox.id)
        )
        return list(rows)


def center() -> HelpCenter:
    return demo_help_center(next(_accounts))


async def test_first_sync_stores_every_published_article_of_every_portal_and_locale(
    db_engine: AsyncEngine,
) -> None:
    help_center = center()
    portals = await sync(help_center, db_engine)
    stored = await documents(db_engine, help_center.account_id)
    published = {a.id for a in help_center.articles if a.status == "published"}
    assert set(stored) == published
    assert len(published) == 36
    assert {p: s.full for p, s in portals.items()} == {"support": True, "developers": True}
    assert portals["support"].listed == 32
    assert "support page 2" in help_center.requests
    assert {d.locale for d in stored.values()} == {"en", "de", "es", "fr"}
    article = stored[1]
    assert article.global_id == f"cwart:{help_center.account_id}:1"
    assert (article.category, article.portal_slug, article.source_status) == (
        "billing", "support", "published"
    )  # fmt: skip
    assert article.meta == {
        "portal": "support",
        "chatwoot_category": "Billing",
        "tags": ["billing"],
    }
    assert article.url == f"{BASE_URL}/hc/support/articles/1-i-was-charged-twice-for-one-order"
    assert article.data is not None
    assert article.data["author"] == {
        "id": 1,
        "name": "Dana Demo",
        "available_name": "Dana",
        "type": "user",
    }
    body = DocumentBody.model_validate(article.body)
    assert body.blocks[0].kind is BlockKind.HEADING
    assert body.blocks[0].text == article.title
    assert article.processing_status == "pending"
    assert article.version == 1
    sent = await events(db_engine, help_center.account_id)
    assert len(sent) == 36
    assert {e["type"] for e in sent} == {"document.upserted.v1"}
    assert sent[0]["data"]["version"] == 1
    assert sent[0]["data"]["content_sha256"]
    async with db_engine.connect() as connection:
        run = (
            await connection.execute(
                select(JobRun.status, JobRun.processed_count)
                .where(JobRun.job_name == KB_SYNC_JOB)
                .order_by(JobRun.id.desc())
                .limit(1)
            )
        ).one()
    assert run == ("ok", 40)


async def test_a_second_sync_stops_at_the_watermark_and_writes_nothing(
    db_engine: AsyncEngine,
) -> None:
    help_center = center()
    await sync(help_center, db_engine)
    help_center.requests.clear()
    portals = await sync(help_center, db_engine)
    assert {p.full for p in portals.values()} == {False}
    assert "support page 2" not in help_center.requests
    assert portals["support"].listed == 1
    assert portals["support"].unchanged == 1
    assert len(await events(db_engine, help_center.account_id)) == 36


async def test_an_edited_article_gets_a_new_version_and_the_old_one_is_archived(
    db_engine: AsyncEngine,
) -> None:
    help_center = center()
    await sync(help_center, db_engine)
    edited = help_center.articles[0]
    edited.content += "\n\nWe now refund duplicate charges within one business day.\n"
    edited.updated_at = max(a.updated_at for a in help_center.articles) + 60
    portals = await sync(help_center, db_engine)
    assert portals["support"].new_versions == 1
    document = (await documents(db_engine, help_center.account_id))[edited.id]
    assert document.version == 2
    assert document.processing_status == "pending"
    async with AsyncSession(db_engine) as session:
        versions = (
            await session.scalars(
                select(KbDocumentVersion)
                .where(KbDocumentVersion.document_global_id == document.global_id)
                .order_by(KbDocumentVersion.version)
            )
        ).all()
    assert [(v.version, v.archived_at is not None) for v in versions] == [(1, True), (2, False)]
    last = (await events(db_engine, help_center.account_id))[-1]
    assert (last["type"], last["data"]["version"]) == ("document.upserted.v1", 2)


async def test_an_archived_article_leaves_search_and_comes_back_when_published(
    db_engine: AsyncEngine,
) -> None:
    help_center = center()
    await sync(help_center, db_engine)
    article = help_center.articles[4]
    article.status, article.updated_at = "archived", article.updated_at + 10**6
    assert (await sync(help_center, db_engine))["support"].left_search == 1
    document = (await documents(db_engine, help_center.account_id))[article.id]
    assert document.archived_at is not None
    assert document.source_status == "archived"
    last = (await events(db_engine, help_center.account_id))[-1]
    assert (last["type"], last["data"]["document_global_id"]) == (
        "document.deleted.v1", document.global_id
    )  # fmt: skip
    article.status, article.updated_at = "published", article.updated_at + 60
    assert (await sync(help_center, db_engine))["support"].new_versions == 1
    document = (await documents(db_engine, help_center.account_id))[article.id]
    assert document.archived_at is None
    assert document.version == 2


async def test_an_article_deleted_in_chatwoot_is_removed_by_the_full_listing(
    db_engine: AsyncEngine,
) -> None:
    help_center = center()
    await sync(help_center, db_engine)
    gone = help_center.articles.pop(2)
    global_id = f"cwart:{help_center.account_id}:{gone.id}"
    async with db_engine.begin() as connection:  # what the embedder would have written
        await connection.execute(
            insert(RagChunk).values(
                kind="article",
                document_global_id=global_id,
                chunk_index=0,
                text="a chunk",
                embedding=literal_column("array_fill(0.1::real, ARRAY[384])::vector"),
            )
        )
    assert (await sync(help_center, db_engine))["support"].removed == 0  # incremental
    assert gone.id in await documents(db_engine, help_center.account_id)
    assert (await sync(help_center, db_engine, full=True))["support"].removed == 1
    assert gone.id not in await documents(db_engine, help_center.account_id)
    assert f"article {gone.id}" in help_center.requests  # asked before removing
    async with db_engine.connect() as connection:
        chunks = await connection.scalar(
            select(func.count()).where(RagChunk.document_global_id == global_id)
        )
    assert chunks == 0
    last = (await events(db_engine, help_center.account_id))[-1]
    assert (last["type"], last["data"]["document_global_id"]) == ("document.deleted.v1", global_id)


async def test_drafts_are_searchable_only_with_the_setting(db_engine: AsyncEngine) -> None:
    help_center = center()
    drafts = {a.id for a in help_center.articles if a.status == "draft"}
    await sync(help_center, db_engine)
    assert not drafts & set(await documents(db_engine, help_center.account_id))
    other = center()
    await sync(other, db_engine, kb_include_drafts=True)
    stored = await documents(db_engine, other.account_id)
    assert drafts <= set(stored)
    assert stored[min(drafts)].source_status == "draft"


async def test_rate_limits_are_waited_out_and_missing_content_is_read_by_id(
    db_engine: AsyncEngine,
) -> None:
    help_center = center()
    help_center.rate_limit_next, help_center.list_content = 1, False
    portals = await sync(help_center, db_engine)
    assert help_center.requests.count("429") == 1
    assert portals["support"].details_read == 30
    assert portals["developers"].details_read == 6
    stored = await documents(db_engine, help_center.account_id)
    assert len(stored) == 36
    assert all(d.body["blocks"] for d in stored.values())


async def test_an_archived_portal_takes_its_articles_out_of_search(db_engine: AsyncEngine) -> None:
    help_center = center()
    await sync(help_center, db_engine)
    help_center.portals[1].archived = True
    portals = await sync(help_center, db_engine, full=True)
    assert portals["developers"].left_search == 6
    stored = await documents(db_engine, help_center.account_id)
    assert all(d.archived_at is not None for d in stored.values() if d.portal_slug == "developers")


def test_the_cli_syncs_one_portal_and_prints_a_summary(database_url: str, amqp_url: str) -> None:
    help_center = center()
    with serving(help_center_app(help_center)) as base_url:
        env = {
            "PARLEY_DATABASE_URL": database_url,
            "PARLEY_AMQP_URL": amqp_url,
            "PARLEY_CHATWOOT_BASE_URL": base_url,
            "PARLEY_CHATWOOT_API_TOKEN": API_TOKEN,
        }
        result = CliRunner().invoke(
            kb_cli,
            ["sync", "--account", str(help_center.account_id), "--portal", "developers"],
            env=env,
        )
    assert result.exit_code == 0, result.output
    assert "developers" in result.output
    assert "full" in result.output
    assert not any(r.startswith("support page") for r in help_center.requests)

    async def count() -> int:
        engine = create_async_engine(database_url)
        try:
            return len(await documents(engine, help_center.account_id))
        finally:
            await engine.dispose()

    assert run_async(count) == 6
