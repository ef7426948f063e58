"""A broker restart in the middle of a burst loses no event (a private RabbitMQ node)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import aio_pika
import httpx
from parley_devstack.rabbitmq_node import RabbitMQNode
from parley_ingest.settings import IngestSettings
from parley_schema.events import EMBEDDER_QUEUE, EVENTS_EXCHANGE
from parley_schema.models import EventOutbox
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

BURST = 120
RESTART_AFTER = 40
DRAIN_TIMEOUT_S = 60.0
RunningApp = Callable[[IngestSettings], AbstractAsyncContextManager[httpx.AsyncClient]]


async def declare_audit_queue(url: str, name: str) -> None:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(name, durable=True)
        await queue.bind(exchange, routing_key="#")


async def message_ids(url: str, name: str) -> list[str]:
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.get_queue(name, ensure=True)
        found = []
        while (message := await queue.get(fail=False, no_ack=True)) is not None:
            found.append(message.message_id or "")
        return found


async def unpublished(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        count = await connection.scalar(
            select(func.count()).where(EventOutbox.published_at.is_(None))
        )
    return int(count or 0)


async def test_restarting_rabbitmq_during_a_burst_loses_no_event(
    private_rabbitmq: RabbitMQNode,
    fixture_bodies: dict[str, dict[str, Any]],
    settings_for: Callable[..., IngestSettings],
    running_app: RunningApp,
    make_signed_headers: Callable[..., dict[str, str]],
    db_engine: AsyncEngine,
    unique_name: str,
) -> None:
    await declare_audit_queue(private_rabbitmq.url, unique_name)
    template = fixture_bodies["02_message_created_incoming"]
    accepted = 0
    async with running_app(settings_for(private_rabbitmq.url)) as client:
        for index in range(BURST):
            if index == RESTART_AFTER:
                await asyncio.to_thread(private_rabbitmq.stop)
            if index == BURST - RESTART_AFTER:
                await asyncio.to_thread(private_rabbitmq.start)
            body = json.dumps(template | {"id": 100_000 + index, "content": f"burst {index}"})
            raw = body.encode()
            response = await client.post(
                "/v1/webhooks/chatwoot", content=raw, headers=make_signed_headers(raw)
            )
            assert response.status_code == 200, response.text
            accepted += 1
        deadline = time.monotonic() + DRAIN_TIMEOUT_S
        while await unpublished(db_engine):
            assert time.monotonic() < deadline, "the outbox did not drain after the restart"
            await asyncio.sleep(0.1)

    async with db_engine.connect() as connection:
        rows = (
            await connection.execute(select(EventOutbox.event_id, EventOutbox.routing_key))
        ).all()
    assert accepted == BURST
    expected = {str(event_id) for event_id, _ in rows}
    message_events = {str(event_id) for event_id, key in rows if key.startswith("message.")}
    assert len(message_events) == BURST

    audited = await message_ids(private_rabbitmq.url, unique_name)
    assert expected <= set(audited)  # every event arrived; a few may have arrived twice
    embedded = await message_ids(private_rabbitmq.url, EMBEDDER_QUEUE)
    assert message_events <= set(embedded)
