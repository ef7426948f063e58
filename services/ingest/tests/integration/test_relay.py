"""Outbox → RabbitMQ through the relay, against real Postgres (committed) and real RabbitMQ."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import aio_pika
import pytest
from parley_ingest.settings import IngestSettings
from parley_ingest_testkit import RunningApp, audit_queue, drain_queue
from parley_schema.events import CORRELATION_ID_HEADER, EMBEDDER_QUEUE, EVENTS_EXCHANGE
from parley_schema.models import EventOutbox
from parley_testing.broker import drop_vhost, private_vhost
from parley_testing.postgres import free_port
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

DRAIN_TIMEOUT_S = 15.0


# Rounds of the unroutable test: each fails only if the broker drops the relay's connection.
UNROUTABLE_ROUNDS = 3


async def wait_until_drained(engine: AsyncEngine, within_s: float = DRAIN_TIMEOUT_S) -> int:
    """Wait until every outbox row is published; return how many rows there are."""
    deadline = time.monotonic() + within_s
    while True:
        async with engine.connect() as connection:
            total, pending = (
                await connection.execute(
                    select(func.count(), func.count().filter(EventOutbox.published_at.is_(None)))
                )
            ).one()
        if pending == 0:
            return int(total)
        assert time.monotonic() < deadline, f"{pending} events still unpublished"
        await asyncio.sleep(0.05)


async def wait_until_bound(url: str, within_s: float = DRAIN_TIMEOUT_S) -> None:
    """Wait until the relay has declared its whole topology: a message event is routed.

    The queue existing is not enough: the relay binds it after declaring it, and a queue
    deleted in between makes the bind fail and the relay declare everything again.
    """
    deadline = time.monotonic() + within_s
    connection = await aio_pika.connect(url)
    async with connection:
        while True:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            try:
                exchange = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
                await exchange.publish(
                    aio_pika.Message(b"probe"), routing_key="message.probe.v1", mandatory=True
                )
                return
            except (aio_pika.exceptions.ChannelClosed, aio_pika.exceptions.DeliveryError):
                assert time.monotonic() < deadline, "the relay never bound its queue"
                await asyncio.sleep(0.05)


async def test_every_event_reaches_the_broker_confirmed_with_its_metadata(
    fixture_bodies: dict[str, dict[str, Any]],
    settings_for: Callable[..., IngestSettings],
    running_app: RunningApp,
    module_amqp_url: str,
    make_signed_headers: Callable[..., dict[str, str]],
    db_engine: AsyncEngine,
    unique_name: str,
) -> None:
    await audit_queue(module_amqp_url, unique_name)
    async with db_engine.connect() as connection:
        last_id = await connection.scalar(select(func.coalesce(func.max(EventOutbox.id), 0)))
    async with running_app(settings_for(module_amqp_url)) as client:
        started = time.monotonic()
        base = int(time.time()) - 200
        for index, body in enumerate(fixture_bodies.values()):
            raw = json.dumps(body).encode()
            headers = make_signed_headers(raw, timestamp=base + index * 10)
            response = await client.post("/v1/webhooks/chatwoot", content=raw, headers=headers)
            assert response.status_code == 200, response.text
        await wait_until_drained(db_engine)
        assert time.monotonic() - started < DRAIN_TIMEOUT_S

    async with db_engine.connect() as connection:
        rows = (await connection.execute(select(EventOutbox).where(EventOutbox.id > last_id))).all()
    assert len(rows) > 0
    assert all(row.attempts == 1 and row.last_error is None for row in rows)
    ours = {str(row.event_id) for row in rows}

    delivered = [
        message
        for message in await drain_queue(module_amqp_url, unique_name)
        if message.message_id in ours
    ]
    assert sorted(message.message_id or "" for message in delivered) == sorted(ours)
    by_id = {message.message_id: message for message in delivered}
    for row in rows:
        message = by_id[str(row.event_id)]
        assert message.routing_key == row.routing_key
        assert message.content_type == "application/json"
        assert message.delivery_mode == aio_pika.DeliveryMode.PERSISTENT
        assert json.loads(message.body) == row.payload
        assert message.headers[CORRELATION_ID_HEADER] == row.payload["correlation_id"]

    # The relay declared the embedder's queue: message events wait there for its first start.
    message_events = sum(1 for row in rows if row.routing_key.startswith("message."))
    waiting = await drain_queue(module_amqp_url, EMBEDDER_QUEUE)
    assert len([message for message in waiting if message.message_id in ours]) == message_events


async def test_webhooks_are_accepted_while_the_broker_is_unreachable(
    fixture_bodies: dict[str, dict[str, Any]],
    settings_for: Callable[..., IngestSettings],
    running_app: RunningApp,
    make_signed_headers: Callable[..., dict[str, str]],
    db_engine: AsyncEngine,
) -> None:
    settings = settings_for(f"amqp://guest:guest@127.0.0.1:{free_port()}/")
    async with db_engine.connect() as connection:
        before = await connection.scalar(
            select(func.count()).where(EventOutbox.published_at.is_(None))
        )
    async with running_app(settings) as client:
        body = json.dumps(fixture_bodies["02_message_created_incoming"] | {"id": 777001}).encode()
        response = await client.post(
            "/v1/webhooks/chatwoot", content=body, headers=make_signed_headers(body)
        )
        assert response.status_code == 200
        assert response.json()["status"] == "stored"
        await asyncio.sleep(0.5)
        ready = await client.get("/readyz")
        assert ready.status_code == 200
    async with db_engine.connect() as connection:
        pending = await connection.scalar(
            select(func.count()).where(EventOutbox.published_at.is_(None))
        )
    assert pending is not None
    assert before is not None
    assert pending > before


async def test_an_unroutable_message_event_is_retried_until_its_queue_is_back(
    fixture_bodies: dict[str, dict[str, Any]],
    settings_for: Callable[..., IngestSettings],
    running_app: RunningApp,
    amqp_url: str,
    make_signed_headers: Callable[..., dict[str, str]],
    db_engine: AsyncEngine,
) -> None:
    vhost, url = private_vhost(amqp_url)
    try:
        async with running_app(settings_for(url)) as client:
            # Rows earlier tests left unpublished (the shared database) go out first: drain
            # them from the queue so that a round sees only its own message.
            await wait_until_drained(db_engine)
            await wait_until_bound(url)
            await drain_queue(url, EMBEDDER_QUEUE)
            # A round: delete the queue, then send a message. The relay's first publish is
            # refused as unroutable, and it publishes again after declaring the topology. If
            # the broker closed the relay's connection meanwhile (a busy RabbitMQ does), the
            # reconnect declares the queue before the first publish: try another round.
            for round_ in range(1, UNROUTABLE_ROUNDS + 1):
                message_id = 888_000 + round_
                await wait_until_bound(url)  # the relay has declared everything
                broker = await aio_pika.connect(url)
                async with broker:
                    channel = await broker.channel()
                    await channel.queue_delete(EMBEDDER_QUEUE)
                body = json.dumps(
                    fixture_bodies["02_message_created_incoming"] | {"id": message_id}
                ).encode()
                response = await client.post(
                    "/v1/webhooks/chatwoot", content=body, headers=make_signed_headers(body)
                )
                assert response.status_code == 200
                await wait_until_drained(db_engine)
                async with db_engine.connect() as connection:
                    row = (
                        await connection.execute(
                            select(EventOutbox.attempts, EventOutbox.last_error).where(
                                EventOutbox.payload["data"]["message_global_id"].astext
                                == f"cwmsg:1:{message_id}"
                            )
                        )
                    ).one()
                assert row.last_error is None
                waiting = await drain_queue(url, EMBEDDER_QUEUE)
                ids = [json.loads(message.body)["data"]["message_global_id"] for message in waiting]
                assert ids == [f"cwmsg:1:{message_id}"]
                if row.attempts >= 2:  # refused as unroutable first, published after redeclaring
                    break
            else:
                pytest.fail(
                    f"no round of {UNROUTABLE_ROUNDS} saw the publish refused as unroutable"
                )
    finally:
        drop_vhost(vhost)
