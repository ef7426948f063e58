"""Suggestions pushed into Chatwoot: a new customer message becomes one private note, posted
to a fake Chatwoot over real HTTP, through the real broker and the real answer service."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sized
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import aio_pika
import pytest
from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from parley_embeddings.local import LocalProvider
from parley_schema.events import EVENTS_EXCHANGE, EventEnvelope, MessageUpsertedV1
from parley_schema.models import SuggestionPost
from parley_search_api.settings import SearchSettings
from parley_search_api.suggestions.notes import NOTE_MARKER
from parley_search_api.suggestions.repository import suggestion_repository
from parley_search_api.suggestions.runtime import suggestions_broker
from parley_search_api_testkit import World
from parley_simulator.messages_api import ConversationMessages
from parley_testing.servers import serving
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

API_TOKEN = "chatwoot-agent-bot-token"
POSTED_WITHIN_S = 90.0


def chatwoot_app(messages: ConversationMessages) -> FastAPI:
    app = FastAPI()

    @app.post("/api/v1/accounts/{account_id}/conversations/{display_id}/messages")
    async def create_message(
        account_id: int,
        display_id: int,
        request: Request,
        api_access_token: str | None = Header(default=None, convert_underscores=False),
    ) -> JSONResponse:
        status, body = messages.create(
            account_id, display_id, api_access_token, await request.json()
        )
        return JSONResponse(body, status_code=status)

    return app


@pytest.fixture(scope="module")
def chatwoot() -> ConversationMessages:
    return ConversationMessages(api_token=API_TOKEN, conversations=set())


@pytest.fixture(scope="module")
def chatwoot_url(chatwoot: ConversationMessages) -> Iterator[str]:
    with serving(chatwoot_app(chatwoot)) as url:
        yield url


async def _publish(amqp_url: str, message_id: str, conversation_id: str) -> None:
    payload = MessageUpsertedV1(
        message_global_id=message_id,
        conversation_global_id=conversation_id,
        updated_at=datetime.now(UTC),
        content_sha256=None,
    )
    envelope = EventEnvelope.wrap(payload, account_id=1, occurred_at=datetime.now(UTC))
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.get_exchange(EVENTS_EXCHANGE)
        await exchange.publish(
            aio_pika.Message(envelope.model_dump_json().encode(), content_type="application/json"),
            routing_key=payload.ROUTING_KEY,
        )


Found = TypeVar("Found", bound=Sized)


async def _at_least(read: Callable[[], Awaitable[Found]], count: int, what: str) -> Found:
    """``read()`` once it holds ``count`` items, within POSTED_WITHIN_S."""
    deadline = asyncio.get_running_loop().time() + POSTED_WITHIN_S
    while len(found := await read()) < count:
        if asyncio.get_running_loop().time() > deadline:
            pytest.fail(f"{len(found)} {what}, expected {count}")
        await asyncio.sleep(0.1)
    return found


async def _posted(chatwoot: ConversationMessages, count: int) -> list[dict[str, Any]]:
    async def notes() -> list[dict[str, Any]]:
        return list(chatwoot.posted)

    return await _at_least(notes, count, "notes posted")


async def _slots(engine: AsyncEngine, count: int) -> dict[str, tuple[str, int | None]]:
    async def slots() -> dict[str, tuple[str, int | None]]:
        async with AsyncSession(engine) as session:
            return {
                row.conversation_id: (row.message_id, row.note_message_id)
                for row in (await session.scalars(select(SuggestionPost))).all()
            }

    return await _at_least(slots, count, "suggestion slots recorded")


async def test_a_new_customer_message_gets_one_private_note_per_interval(
    database_url: str,
    module_amqp_url: str,
    db_engine: AsyncEngine,
    provider: LocalProvider,
    chatwoot: ConversationMessages,
    chatwoot_url: str,
) -> None:
    now = datetime.now(UTC)
    async with AsyncSession(db_engine, expire_on_commit=False) as session:
        world = World(session, provider)
        solved = await world.conversation(1, status="resolved")
        await world.message(solved, "My refund has not arrived after two weeks.")
        await world.message(
            solved,
            "Refunds reach your card within 5 to 7 business days after we receive the return.",
            sender_type="User",
            message_type="outgoing",
        )
        waiting, other, resolved = (
            await world.conversation(1),
            await world.conversation(1),
            await world.conversation(1, status="resolved"),
        )
        first = await world.message(waiting, "When will my refund arrive?", created_at=now)
        second = await world.message(waiting, "Hello? Any news on the refund?", created_at=now)
        old = await world.message(other, "Where is my refund?", created_at=now - timedelta(days=2))
        closed = await world.message(resolved, "Thanks, my refund came!", created_at=now)
        own = await world.message(
            waiting,
            f"Refunds take 5 to 7 business days.\n\n{NOTE_MARKER}",
            sender_type="User",
            message_type="outgoing",
            private=True,
            created_at=now,
        )
        last = await world.message(other, "My refund is missing, please help", created_at=now)
        await session.commit()
    for conversation in (waiting, other, resolved):
        account, display = conversation.removeprefix("cw:").split(":")
        chatwoot.conversations.add((int(account), int(display)))
    settings = SearchSettings(
        database_url=database_url,
        amqp_url=module_amqp_url,
        suggest_enabled=True,
        suggest_interval_s=3600,
        chatwoot_base_url=chatwoot_url,
        chatwoot_api_token=API_TOKEN,
    )
    async with suggestions_broker(settings, provider) as broker:
        await broker.start()
        try:
            # The subscriber handles up to PREFETCH messages at once, so the first message
            # goes alone: then it, not the second, holds the conversation's slot.
            await _publish(module_amqp_url, first, waiting)
            await _posted(chatwoot, 1)
            for message, conversation in (
                (first, waiting),  # a redelivery
                (second, waiting),  # within the interval
                (old, other),  # a backfilled message: nobody is waiting for it
                (closed, resolved),
                (own, waiting),  # Parley's own note, come back through the webhook
                (last, other),
            ):
                await _publish(module_amqp_url, message, conversation)
            posted = await _posted(chatwoot, 2)
            # The slot is committed after the post it records: wait for both rows.
            slots = await _slots(db_engine, 2)
        finally:
            await broker.stop()
    assert [(p["account_id"], p["conversation_id"]) for p in posted] == [
        tuple(int(part) for part in waiting.removeprefix("cw:").split(":")),
        tuple(int(part) for part in other.removeprefix("cw:").split(":")),
    ]
    note = posted[0]
    assert note["private"] is True
    assert note["message_type"] == 1  # outgoing
    assert "5 to 7 business days" in note["content"]
    assert note["content"].rstrip().endswith(NOTE_MARKER)
    assert slots == {waiting: (first, posted[0]["id"]), other: (last, posted[1]["id"])}


async def test_one_claim_per_interval_and_never_twice_for_a_message(
    db_session: AsyncSession, world: World
) -> None:
    conversation = await world.conversation(1)
    hour, none = timedelta(hours=1), timedelta(0)
    claim = suggestion_repository.claim
    assert await claim(db_session, conversation, "cwmsg:1:1", hour)
    assert not await claim(db_session, conversation, "cwmsg:1:2", hour), "within the interval"
    assert not await claim(db_session, conversation, "cwmsg:1:1", none), "the same message"
    assert await claim(db_session, conversation, "cwmsg:1:2", none), "after the interval"


async def test_two_replicas_claiming_at_once_post_one_note(
    db_engine: AsyncEngine, provider: LocalProvider
) -> None:
    async with AsyncSession(db_engine) as session:
        conversation = await World(session, provider).conversation(
            1, display_id=880_000 + uuid.uuid4().int % 1000
        )
        await session.commit()
    hour = timedelta(hours=1)
    async with AsyncSession(db_engine) as first, AsyncSession(db_engine) as second:
        assert await suggestion_repository.claim(first, conversation, "cwmsg:1:10", hour)
        racing = asyncio.create_task(
            suggestion_repository.claim(second, conversation, "cwmsg:1:11", hour)
        )
        await asyncio.sleep(0.3)
        assert not racing.done(), "the second claim waits on the first one's row lock"
        await first.commit()
        assert not await racing
        await second.rollback()


async def test_a_note_chatwoot_failed_to_take_is_posted_once_on_redelivery(
    database_url: str,
    module_amqp_url: str,
    db_engine: AsyncEngine,
    provider: LocalProvider,
    chatwoot: ConversationMessages,
    chatwoot_url: str,
) -> None:
    async with AsyncSession(db_engine, expire_on_commit=False) as session:
        world = World(session, provider)
        solved = await world.conversation(1, status="resolved")
        await world.message(solved, "The app crashes when I upload a photo.")
        await world.message(
            solved,
            "Please update to version 4.2, which fixes the crash on photo upload.",
            sender_type="User",
            message_type="outgoing",
        )
        waiting = await world.conversation(1)
        asked = await world.message(
            waiting, "The app crashes on photo upload", created_at=datetime.now(UTC)
        )
        await session.commit()
    account, display = (int(part) for part in waiting.removeprefix("cw:").split(":"))
    chatwoot.conversations.add((account, display))
    before = len(chatwoot.posted)
    chatwoot.fail_next = 1  # Chatwoot answers 503 once: the claim is rolled back, retried
    settings = SearchSettings(
        database_url=database_url,
        amqp_url=module_amqp_url,
        suggest_enabled=True,
        chatwoot_base_url=chatwoot_url,
        chatwoot_api_token=API_TOKEN,
    )
    async with suggestions_broker(settings, provider) as broker:
        await broker.start()
        try:
            await _publish(module_amqp_url, asked, waiting)
            posted = await _posted(chatwoot, before + 1)
            await asyncio.sleep(1.0)  # nothing else follows
        finally:
            await broker.stop()
    assert chatwoot.fail_next == 0
    assert len(chatwoot.posted) == before + 1
    assert (posted[-1]["account_id"], posted[-1]["conversation_id"]) == (account, display)
    assert "version 4.2" in posted[-1]["content"]
