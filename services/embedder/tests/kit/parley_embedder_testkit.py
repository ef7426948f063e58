"""Test data and waiting helpers for the embedder's tests (rows the ingest service would write,
events it would publish, settings for an embedder that embeds through the fake server or the
local model)."""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aio_pika
from parley_embedder.settings import EmbedderSettings
from parley_embeddings.testing.fake_openai_server import FakeOpenAIServer
from parley_schema.events import (
    EVENTS_EXCHANGE,
    EventEnvelope,
    MessageDeletedV1,
    MessageUpsertedV1,
)
from parley_schema.ids import conversation_global_id, message_global_id
from parley_schema.models import (
    CwConversation,
    CwMessage,
    EmbeddingModel,
    EmbeddingStatus,
    RagChunk,
)
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

_ids = itertools.count(1)


def fake_model_settings(
    database_url: str, server: FakeOpenAIServer, **overrides: Any
) -> EmbedderSettings:
    """An embedder on ``database_url`` whose model is the fake OpenAI-compatible ``server``
    (no metrics server: tests run many embedders in one process)."""
    return EmbedderSettings(
        database_url=database_url,
        metrics_port=0,
        embedding_provider="openai",
        embedding_model="fake-embed",
        openai_base_url=server.base_url,
        **overrides,
    )


def local_model_settings(database_url: str, *, chunk_max_tokens: int) -> EmbedderSettings:
    """An embedder on ``database_url`` with the real local model, small chunks (so short test
    texts make several) and no metrics server."""
    return EmbedderSettings(
        database_url=database_url,
        metrics_port=0,
        batch_wait_ms=5,
        chunk_max_tokens=chunk_max_tokens,
        chunk_overlap_tokens=4,
    )


async def register_only_model(engine: AsyncEngine, name: str, *, dimension: int = 384) -> None:
    """Make ``name`` the database's one embedding model, in slot 1 (as migration 0015
    registers the configured model of a new deployment): the model an embedder configured
    for it embeds with."""
    async with AsyncSession(engine) as session, session.begin():
        await session.execute(delete(EmbeddingModel))
        session.add(EmbeddingModel(name=name, slot=1, dimension=dimension, active=True))


@dataclass(frozen=True)
class Message:
    id: str
    conversation_id: str
    account_id: int


class Rows:
    """Committed cw_* rows (the embedder reads them from its own sessions)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.account_id = random.randint(1_000_000, 2**40)

    async def conversation(self, *, inbox_id: int = 7) -> str:
        number = next(_ids)
        global_id = conversation_global_id(self.account_id, number)
        async with AsyncSession(self.engine) as session, session.begin():
            session.add(
                CwConversation(
                    id=global_id,
                    account_id=self.account_id,
                    conversation_id=number,
                    inbox_id=inbox_id,
                    status="open",
                    data={},
                )
            )
        return global_id

    async def message(
        self,
        content: str | None,
        *,
        conversation: str | None = None,
        private: bool = False,
        message_type: str = "incoming",
        sender_type: str = "contact",
        number: int | None = None,
    ) -> Message:
        conversation = conversation or await self.conversation()
        number = number or next(_ids) + 10_000_000
        global_id = message_global_id(self.account_id, number)
        now = datetime.now(UTC)
        async with AsyncSession(self.engine) as session, session.begin():
            session.add(
                CwMessage(
                    id=global_id,
                    account_id=self.account_id,
                    message_id=number,
                    conversation_global_id=conversation,
                    sender_type=sender_type,
                    private=private,
                    message_type=message_type,
                    content=content,
                    data={},
                    created_at=now,
                    updated_at=now,
                )
            )
        return Message(global_id, conversation, self.account_id)

    async def messages(self, texts: list[str]) -> list[Message]:
        """Many incoming messages in one conversation, inserted in one statement."""
        conversation = await self.conversation()
        now = datetime.now(UTC)
        made = [
            Message(
                message_global_id(self.account_id, next(_ids) + 10_000_000),
                conversation,
                self.account_id,
            )
            for _ in texts
        ]
        async with AsyncSession(self.engine) as session, session.begin():
            await session.execute(
                insert(CwMessage),
                [
                    {
                        "id": message.id,
                        "account_id": self.account_id,
                        "conversation_global_id": conversation,
                        "sender_type": "contact",
                        "private": False,
                        "message_type": "incoming",
                        "content": text,
                        "data": {},
                        "created_at": now,
                        "updated_at": now,
                    }
                    for message, text in zip(made, texts, strict=True)
                ],
            )
        return made

    async def edit(self, message: Message, **values: Any) -> None:
        values.setdefault("updated_at", datetime.now(UTC))
        async with AsyncSession(self.engine) as session, session.begin():
            await session.execute(
                update(CwMessage).where(CwMessage.id == message.id).values(**values)
            )

    async def remove(self, message: Message) -> None:
        """Delete the message's row only (as ingest's removals do before the chunks)."""
        async with AsyncSession(self.engine) as session, session.begin():
            await session.execute(delete(CwMessage).where(CwMessage.id == message.id))

    async def move_conversation(self, conversation: str, *, inbox_id: int) -> None:
        async with AsyncSession(self.engine) as session, session.begin():
            await session.execute(
                update(CwConversation)
                .where(CwConversation.id == conversation)
                .values(inbox_id=inbox_id)
            )

    async def chunks(self, message: Message) -> list[RagChunk]:
        async with AsyncSession(self.engine) as session:
            result = await session.execute(
                select(RagChunk)
                .where(RagChunk.message_global_id == message.id)
                .order_by(RagChunk.chunk_index)
            )
            return list(result.scalars())

    async def register_only_model(self, name: str, *, dimension: int = 384) -> None:
        await register_only_model(self.engine, name, dimension=dimension)

    async def set_chunks(self, message: Message, **values: Any) -> None:
        async with AsyncSession(self.engine) as session, session.begin():
            await session.execute(
                update(RagChunk).where(RagChunk.message_global_id == message.id).values(**values)
            )

    async def wait_until_ready(self, messages: list[Message], *, timeout_s: float = 30) -> None:
        ids = [m.id for m in messages]
        deadline = time.monotonic() + timeout_s
        while True:
            async with AsyncSession(self.engine) as session:
                result = await session.execute(
                    select(RagChunk.message_global_id, RagChunk.embedding_status).where(
                        RagChunk.message_global_id.in_(ids)
                    )
                )
                rows = list(result)
            ready = {mid for mid, status in rows if status == EmbeddingStatus.READY}
            waiting = {mid for mid, status in rows if status != EmbeddingStatus.READY}
            if ready >= set(ids) and not waiting:
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{len(set(ids) - ready)} of {len(ids)} messages not ready after {timeout_s}s"
                )
            await asyncio.sleep(0.1)

    async def wait_until_gone(self, message: Message, *, timeout_s: float = 30) -> None:
        deadline = time.monotonic() + timeout_s
        while True:
            if not await self.chunks(message):
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{message.id} still has chunks after {timeout_s}s")
            await asyncio.sleep(0.1)


def upserted(message: Message, *, event_type: str | None = None) -> EventEnvelope:
    payload = MessageUpsertedV1(
        message_global_id=message.id,
        conversation_global_id=message.conversation_id,
        updated_at=datetime.now(UTC),
        content_sha256=None,
    )
    envelope = EventEnvelope.wrap(
        payload, account_id=message.account_id, occurred_at=datetime.now(UTC)
    )
    return envelope if event_type is None else envelope.model_copy(update={"type": event_type})


def deleted(message: Message) -> EventEnvelope:
    payload = MessageDeletedV1(
        message_global_id=message.id,
        conversation_global_id=message.conversation_id,
        updated_at=datetime.now(UTC),
    )
    return EventEnvelope.wrap(payload, account_id=message.account_id, occurred_at=datetime.now(UTC))


class Publisher:
    """Publishes like the ingest outbox relay: persistent, confirmed, to ``parley.events``."""

    def __init__(self, channel: aio_pika.abc.AbstractChannel) -> None:
        self.channel = channel

    async def event(self, envelope: EventEnvelope, *, correlation_id: str | None = None) -> None:
        await self.raw(envelope.model_dump_json().encode(), envelope.type, correlation_id)

    async def events(self, envelopes: list[EventEnvelope], *, window: int = 500) -> None:
        """Many events, up to ``window`` confirms in flight at once (as a relay with a backlog)."""
        for start in range(0, len(envelopes), window):
            await asyncio.gather(*(self.event(e) for e in envelopes[start : start + window]))

    async def raw(self, body: bytes, routing_key: str, correlation_id: str | None = None) -> None:
        exchange = await self.channel.get_exchange(EVENTS_EXCHANGE)
        await exchange.publish(
            aio_pika.Message(
                body,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                content_type="application/json",
                correlation_id=correlation_id,
            ),
            routing_key=routing_key,
        )
