"""``declare_topology`` against the real RabbitMQ, in a vhost of this module's own."""

from __future__ import annotations

import asyncio

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from parley_broker import (
    EMBEDDER,
    EMBEDDER_DEAD_LETTERS,
    EVENTS,
    Binding,
    Exchange,
    Queue,
    QueueState,
    Topology,
    declare_topology,
    queue_depth,
    queue_state,
)
from parley_broker.topology import ExchangeKind
from parley_schema.events import EMBEDDER_DLQ, MESSAGE_UPSERTED_V1


async def _first_message(queue: AbstractQueue) -> AbstractIncomingMessage:
    for _ in range(100):
        message = await queue.get(fail=False)
        if message is not None:
            return message
        await asyncio.sleep(0.05)
    raise AssertionError(f"nothing arrived in {queue.name} within 5 s")


async def test_a_message_event_reaches_the_embedder_queue_and_its_dead_letters_the_dlq(
    module_amqp_url: str,
) -> None:
    connection = await aio_pika.connect(module_amqp_url)
    async with connection:
        await declare_topology(connection)
        await declare_topology(connection)  # idempotent
        channel = await connection.channel(publisher_confirms=True)
        events = await channel.get_exchange(EVENTS.name)
        await events.publish(aio_pika.Message(b"{}"), routing_key=MESSAGE_UPSERTED_V1)
        assert await queue_depth(connection, EMBEDDER.name) == 1

        queue = await channel.get_queue(EMBEDDER.name)
        message = await queue.get(timeout=5)
        await message.reject(requeue=False)  # dead-letters through parley.dlx
        dlq = await channel.get_queue(EMBEDDER_DEAD_LETTERS.name)
        dead = await _first_message(dlq)  # quorum queues dead-letter asynchronously
        assert dead.routing_key == EMBEDDER_DLQ
        await dead.ack()


async def test_an_object_declared_differently_is_accepted_as_it_is(
    amqp_url: str, unique_name: str
) -> None:
    queue = Queue(unique_name, {"x-queue-type": "quorum"}, (Binding(unique_name, "a.#"),))
    topology = Topology(exchanges=(Exchange(unique_name, ExchangeKind.TOPIC),), queues=(queue,))
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.declare_queue(unique_name, durable=True)  # classic, not quorum
        try:
            await declare_topology(connection, topology)  # kept as it is, and still bound
            exchange = await channel.get_exchange(unique_name)
            await exchange.publish(aio_pika.Message(b"{}"), routing_key="a.b")
            assert await queue_depth(connection, unique_name) == 1
        finally:
            await channel.queue_delete(unique_name)
            await channel.exchange_delete(unique_name)


async def test_a_missing_queue_has_no_state_and_a_consumed_one_counts_its_consumer(
    amqp_url: str, unique_name: str
) -> None:
    connection = await aio_pika.connect(amqp_url)
    async with connection:
        assert await queue_state(connection, unique_name) is None
        assert await queue_depth(connection, unique_name) == 0
        channel = await connection.channel()
        queue = await channel.declare_queue(unique_name, auto_delete=True)

        async def ignore(message: AbstractIncomingMessage) -> None:
            await message.ack()

        tag = await queue.consume(ignore)
        try:
            assert await queue_state(connection, unique_name) == QueueState(0, 1)
        finally:
            await queue.cancel(tag)
