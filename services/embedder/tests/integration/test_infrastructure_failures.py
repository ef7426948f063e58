"""With the database down, a message is requeued with a delay on every delivery and, once
the quorum queue's delivery limit is reached, dead-lettered: it never blocks the queue."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aio_pika
import pytest
from parley_embedder.runtime import EmbedderRuntime, provider_from
from parley_embedder_testkit import Message, Publisher, fake_model_settings, upserted
from parley_embeddings.testing.fake_openai_server import FakeOpenAIServer
from parley_schema.events import EMBEDDER_DELIVERY_LIMIT, EMBEDDER_DLQ
from parley_testing.postgres import free_port
from prometheus_client import REGISTRY


@pytest.fixture
async def runtime_without_database(
    module_amqp_url: str, fake_openai: FakeOpenAIServer
) -> AsyncIterator[EmbedderRuntime]:
    settings = fake_model_settings(
        f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/gone",
        fake_openai,
        amqp_url=module_amqp_url,
        requeue_delay_s=0.05,
    )
    runtime = EmbedderRuntime.build(settings, provider_from(settings))
    await runtime.start()
    yield runtime
    await runtime.stop()


def requeued() -> float:
    value = REGISTRY.get_sample_value("parley_embedder_messages_total", {"outcome": "requeued"})
    return value or 0.0


async def test_an_outage_requeues_until_the_delivery_limit_then_dead_letters(
    runtime_without_database: EmbedderRuntime, module_amqp_url: str
) -> None:
    before = requeued()
    connection = await aio_pika.connect(module_amqp_url)
    channel = await connection.channel()
    message = Message("cwmsg:1:1", "cw:1:1", 1)
    await Publisher(channel).event(upserted(message))

    dlq = await channel.declare_queue(EMBEDDER_DLQ, passive=True)
    deadline = time.monotonic() + 30
    dead = None
    while dead is None:
        assert time.monotonic() < deadline, "the message never reached the DLQ"
        dead = await dlq.get(no_ack=True, fail=False)
        if dead is None:
            await asyncio.sleep(0.1)
    await connection.close()
    assert b"cwmsg:1:1" in dead.body
    assert requeued() - before >= EMBEDDER_DELIVERY_LIMIT
