"""A broker restart in the middle of a burst loses no event (a private RabbitMQ node)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from parley_devstack.rabbitmq_node import RabbitMQNode
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import RunningApp, audit_queue, drain_queue
from parley_schema.events import EMBEDDER_QUEUE
from parley_schema.models import EventOutbox
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

BURST = 120
RESTART_AFTER = 40
DRAIN_TIMEOUT_S = 60.0


async def message_ids(url: str, name: str) -> list[str]:
    return [message.message_id or "" for message in await drain_queue(url, name)]


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
    await audit_queue(private_rabbitmq.url, unique_name)
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
