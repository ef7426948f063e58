"""Knowledge documents through the embedder against real Postgres and the real local model:
structure-aware chunks, versions reusing vectors, leaving search, failures, redelivery; and
one document event through real RabbitMQ."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aio_pika
import pytest
from parley_embedder import metrics
from parley_embedder.consumer.service import Outcome
from parley_embedder.runtime import EmbedderRuntime
from parley_embedder.settings import EmbedderSettings
from parley_embedder.sweeper.service import requeue_service
from parley_embedder_testkit import Publisher, local_model_settings
from parley_embeddings.local import LOCAL_MODEL_NAME, LocalProvider
from parley_schema.events import EventEnvelope
from parley_schema.knowledge import BlockKind, DocumentBlock, DocumentBody
from parley_schema.models import EmbeddingStatus, KbDocument, Project, RagChunk
from parley_testing.knowledge import (
    archive_document,
    article_global_id,
    delete_document,
    markdownish,
    put_document,
    upload_global_id,
)
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

REFUNDS = """# Refunds

Refunds go back to the card that paid, within five working days.

## Eligibility

Unused items can be returned within 30 days of delivery.

## Exceptions

Gift cards and opened software cannot be refunded."""


@pytest.fixture(scope="module")
def settings(database_url: str) -> EmbedderSettings:
    return local_model_settings(database_url, chunk_max_tokens=48)


class Docs:
    """Committed documents, written as ingest writes them."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.account_id = int(uuid.uuid4().int % 2**40) + 1_000_000

    async def run(self, step: Any, *args: Any, **kwargs: Any) -> EventEnvelope:
        async with AsyncSession(self.engine) as session, session.begin():
            envelope: EventEnvelope = await step(session, *args, **kwargs)
        return envelope

    async def put(self, global_id: str, **facts: Any) -> EventEnvelope:
        """``put_document`` committed: the refund policy titled "T" unless ``facts`` say
        otherwise."""
        return await self.run(
            put_document,
            global_id=global_id,
            **{"title": "T", "body": markdownish(REFUNDS), **facts},
        )

    def article(self, number: int) -> str:
        """The global id of article ``number`` of this test's account."""
        return article_global_id(self.account_id, number)

    async def put_article(self, global_id: str, **facts: Any) -> EventEnvelope:
        """``put`` for an article of this test's account."""
        return await self.put(global_id, account_id=self.account_id, **facts)

    async def project(self) -> uuid.UUID:
        project_id = uuid.uuid4()
        async with AsyncSession(self.engine) as session, session.begin():
            await session.execute(insert(Project).values(id=project_id, name=str(project_id)))
        return project_id

    async def chunks(self, global_id: str) -> list[RagChunk]:
        async with AsyncSession(self.engine) as session:
            result = await session.execute(
                select(RagChunk)
                .where(RagChunk.document_global_id == global_id)
                .order_by(RagChunk.chunk_index)
            )
            return list(result.scalars())

    async def document(self, global_id: str) -> KbDocument | None:
        async with AsyncSession(self.engine) as session:
            return await session.get(KbDocument, global_id)


@pytest.fixture
def docs(db_engine: AsyncEngine) -> Docs:
    return Docs(db_engine)


def embedded() -> float:
    """Chunks the model has embedded in this process so far."""
    return float(metrics.CHUNKS_EMBEDDED._value.get())


async def handle(runtime: EmbedderRuntime, envelope: EventEnvelope, **kwargs: Any) -> Outcome:
    return await runtime.pipeline.handle(envelope.model_dump_json().encode(), **kwargs)


async def embed(runtime: EmbedderRuntime, envelope: EventEnvelope) -> EventEnvelope:
    """A test's set-up: ``envelope`` handled (and acknowledged)."""
    assert await handle(runtime, envelope) is Outcome.ACK
    return envelope


class TestArticle:
    async def test_is_chunked_by_headings_with_the_path_embedded_and_the_facts_copied(
        self, runtime: EmbedderRuntime, docs: Docs, local_provider: LocalProvider
    ) -> None:
        global_id = docs.article(1)
        event = await docs.put_article(
            global_id,
            title="Refund policy",
            category="policy",
            locale="en",
            metadata={"audience": "customers", "tier": 1},
        )
        assert await handle(runtime, event) is Outcome.ACK
        chunks = await docs.chunks(global_id)
        assert [c.heading_path for c in chunks] == [
            ["Refunds"],
            ["Refunds", "Eligibility"],
            ["Refunds", "Exceptions"],
        ]
        assert chunks[1].text == (
            "Refund policy > Refunds > Eligibility\n\n"
            "Unused items can be returned within 30 days of delivery."
        )
        for chunk in chunks:
            assert chunk.kind == "article"
            assert chunk.embedding_status == "ready"
            assert chunk.embedding_model == LOCAL_MODEL_NAME
            assert (chunk.account_id, chunk.project_id) == (docs.account_id, None)
            assert (chunk.category, chunk.locale) == ("policy", "en")
            assert chunk.doc_metadata == {"audience": "customers", "tier": 1}
            assert chunk.private is False
            assert (chunk.message_global_id, chunk.conversation_global_id) == (None, None)
            assert (chunk.content_tokens or 99) <= 48
        [expected] = await local_provider.embed([chunks[1].text])
        assert chunks[1].embedding is not None
        assert list(chunks[1].embedding) == pytest.approx(expected, abs=1e-5)
        document = await docs.document(global_id)
        assert document is not None
        assert (document.processing_status, document.processing_error) == ("ready", None)

    async def test_redelivery_is_a_noop(self, runtime: EmbedderRuntime, docs: Docs) -> None:
        global_id = docs.article(2)
        event = await embed(runtime, await docs.put_article(global_id))
        before = [(c.id, c.updated_at) for c in await docs.chunks(global_id)]
        calls = embedded()
        assert await handle(runtime, event, redelivered=True) is Outcome.ACK
        assert await handle(runtime, event) is Outcome.ACK
        assert [(c.id, c.updated_at) for c in await docs.chunks(global_id)] == before
        assert embedded() == calls

    async def test_a_new_version_embeds_only_what_changed_even_when_paragraphs_move(
        self, runtime: EmbedderRuntime, docs: Docs
    ) -> None:
        global_id = docs.article(3)
        await embed(runtime, await docs.put_article(global_id, title="Refund policy"))
        old = {c.text: list(c.embedding or []) for c in await docs.chunks(global_id)}
        changed = REFUNDS.replace(
            "# Refunds\n\n",
            "# Refunds\n\nRefunds need the order number.\n\n## Card refunds\n\n",
        )
        second = await docs.put_article(global_id, title="Refund policy", body=markdownish(changed))
        assert second.data["version"] == 2
        calls = embedded()
        assert await handle(runtime, second) is Outcome.ACK
        chunks = await docs.chunks(global_id)
        assert len(chunks) == 4
        assert embedded() - calls == 2  # the new paragraph, and the one under a new heading
        moved = [c for c in chunks if c.text in old]
        assert [c.chunk_index for c in moved] == [2, 3]  # were 1 and 2
        for chunk in moved:
            assert list(chunk.embedding or []) == pytest.approx(old[chunk.text])
        assert {c.embedding_status for c in chunks} == {"ready"}
        document = await docs.document(global_id)
        assert document is not None
        assert document.processing_status == "ready"

    async def test_a_metadata_change_rewrites_the_facts_without_the_model(
        self, runtime: EmbedderRuntime, docs: Docs
    ) -> None:
        global_id = docs.article(4)
        await embed(runtime, await docs.put_article(global_id, category="faq"))
        calls = embedded()
        await embed(runtime, await docs.put_article(global_id, category="policy", locale="de"))
        chunks = await docs.chunks(global_id)
        assert {(c.category, c.locale) for c in chunks} == {("policy", "de")}
        assert embedded() == calls

    async def test_an_archived_article_loses_its_chunks(
        self, runtime: EmbedderRuntime, docs: Docs
    ) -> None:
        global_id = docs.article(5)
        event = await embed(runtime, await docs.put_article(global_id))
        assert await docs.chunks(global_id)
        gone = await docs.run(archive_document, global_id)
        assert await handle(runtime, gone) is Outcome.ACK
        assert await docs.chunks(global_id) == []
        # the upserted event arriving late converges to the row as well
        assert await handle(runtime, event) is Outcome.ACK
        assert await docs.chunks(global_id) == []

    async def test_a_deleted_document_event_is_acknowledged(
        self, runtime: EmbedderRuntime, docs: Docs
    ) -> None:
        global_id = docs.article(6)
        event = await embed(runtime, await docs.put_article(global_id))
        gone = await docs.run(delete_document, global_id)
        assert await docs.chunks(global_id) == []  # the cascade, in ingest's transaction
        assert await handle(runtime, gone) is Outcome.ACK
        assert await handle(runtime, event) is Outcome.ACK
        assert await docs.chunks(global_id) == []


class TestUpload:
    async def test_keeps_page_numbers_and_its_project(
        self, runtime: EmbedderRuntime, docs: Docs
    ) -> None:
        project_id = await docs.project()
        global_id = upload_global_id()
        body = DocumentBody(
            blocks=(
                DocumentBlock(kind=BlockKind.HEADING, text="Warranty", level=1, page=1),
                DocumentBlock(kind=BlockKind.PARAGRAPH, text="Two years on parts.", page=1),
                DocumentBlock(kind=BlockKind.PARAGRAPH, text="Labour is covered " * 20, page=2),
            )
        )
        event = await docs.put(global_id, project_id=project_id, title="Terms", body=body)
        assert event.account_id is None
        assert await handle(runtime, event) is Outcome.ACK
        chunks = await docs.chunks(global_id)
        assert chunks[0].page_number == 1
        assert chunks[-1].page_number == 2
        assert {(c.kind, c.project_id, c.account_id) for c in chunks} == {
            ("document", project_id, None)
        }
        assert {c.embedding_status for c in chunks} == {"ready"}

    @pytest.mark.parametrize(
        ("body", "reason"),
        [
            ({"blocks": [{"kind": "table", "text": "x"}]}, "invalid body"),
            (DocumentBody(), "empty"),
        ],
    )
    async def test_a_body_without_searchable_text_fails_the_document(
        self, runtime: EmbedderRuntime, docs: Docs, body: Any, reason: str
    ) -> None:
        project_id = await docs.project()
        global_id = upload_global_id()
        await embed(runtime, await docs.put(global_id, project_id=project_id))
        bad = await docs.put(global_id, project_id=project_id, body=body)
        assert await handle(runtime, bad) is Outcome.ACK
        assert await docs.chunks(global_id) == []
        document = await docs.document(global_id)
        assert document is not None
        assert document.processing_status == "failed"
        assert (document.processing_error or "").startswith(reason)


async def test_stuck_document_chunks_are_requeued_with_a_document_event(
    runtime: EmbedderRuntime, docs: Docs
) -> None:
    global_id = docs.article(8)
    await embed(runtime, await docs.put_article(global_id))
    async with AsyncSession(docs.engine) as session, session.begin():
        await session.execute(
            update(RagChunk)
            .where(RagChunk.document_global_id == global_id)
            .values(embedding_status=EmbeddingStatus.PROCESSING)
        )
    async with runtime.sessions() as session, session.begin():
        events = await requeue_service.take_stuck(session, stuck_after=timedelta(0), limit=10_000)
    mine = [e for e in events if e.data.get("document_global_id") == global_id]
    assert [(e.type, e.account_id, e.data["version"]) for e in mine] == [
        ("document.upserted.v1", docs.account_id, 1)
    ]
    assert {c.embedding_status for c in await docs.chunks(global_id)} == {"pending"}
    assert await handle(runtime, mine[0]) is Outcome.ACK
    assert {c.embedding_status for c in await docs.chunks(global_id)} == {"ready"}


@pytest.fixture
async def running(
    settings: EmbedderSettings, local_provider: LocalProvider, module_amqp_url: str
) -> AsyncIterator[EmbedderRuntime]:
    runtime = EmbedderRuntime.build(
        settings.model_copy(update={"amqp_url": module_amqp_url}), local_provider
    )
    await runtime.start()
    yield runtime
    await runtime.stop()


async def test_a_published_document_event_makes_the_document_ready(
    running: EmbedderRuntime, docs: Docs, module_amqp_url: str
) -> None:
    global_id = docs.article(7)
    event = await docs.put_article(global_id, title="Refund policy")
    connection = await aio_pika.connect(module_amqp_url)
    try:
        await Publisher(await connection.channel()).event(event)
        deadline = time.monotonic() + 60
        while True:
            document = await docs.document(global_id)
            if document is not None and document.processing_status == "ready":
                break
            assert time.monotonic() < deadline, "document not ready after 60 s"
            await asyncio.sleep(0.1)
    finally:
        await connection.close()
    chunks = await docs.chunks(global_id)
    assert [c.embedding_status for c in chunks] == ["ready"] * 3
