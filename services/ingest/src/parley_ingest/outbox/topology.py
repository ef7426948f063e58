"""The broker objects the relay publishes into, declared idempotently on every connection.

Besides the events exchange, the relay declares the embedder's queue with exactly the
arguments the embedder uses (``EMBEDDER_QUEUE_ARGUMENTS``), its binding, the dead-letter
exchange and the DLQ: message events published before the embedder's first start are queued,
not dropped as unroutable. The dead-letter exchange is ``direct`` (the queue dead-letters with
routing key ``EMBEDDER_DLQ``). When another process already declared one of these with other
properties, RabbitMQ refuses the redeclaration; the relay then checks that the object exists
(passive declare) and carries on with the existing one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import aio_pika
import structlog
from aio_pika.abc import AbstractChannel, AbstractConnection
from parley_schema.events import (
    DEAD_LETTER_EXCHANGE,
    EMBEDDER_BINDING,
    EMBEDDER_DLQ,
    EMBEDDER_DLQ_ARGUMENTS,
    EMBEDDER_QUEUE,
    EMBEDDER_QUEUE_ARGUMENTS,
    EVENTS_EXCHANGE,
)

log = structlog.get_logger(__name__)

# Routing-key patterns some queue is known to be bound to: an unroutable publish on one of
# these is an error to retry; on any other key it means no consumer subscribes yet.
DECLARED_BINDINGS = (EMBEDDER_BINDING,)


def topic_matches(pattern: str, routing_key: str) -> bool:
    """AMQP topic matching: ``*`` is exactly one word, ``#`` zero or more words."""

    def match(words: list[str], keys: list[str]) -> bool:
        if not words:
            return not keys
        head, rest = words[0], words[1:]
        if head == "#":
            return any(match(rest, keys[index:]) for index in range(len(keys) + 1))
        if not keys:
            return False
        return (head in ("*", keys[0])) and match(rest, keys[1:])

    return match(pattern.split("."), routing_key.split("."))


def has_declared_route(routing_key: str) -> bool:
    return any(topic_matches(pattern, routing_key) for pattern in DECLARED_BINDINGS)


async def declare_topology(connection: AbstractConnection) -> AbstractChannel:
    """Declare everything; return a confirming channel for publishing."""
    setup = await connection.channel()
    await setup.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
    setup = await _declare(
        connection,
        setup,
        DEAD_LETTER_EXCHANGE,
        lambda ch: ch.declare_exchange(
            DEAD_LETTER_EXCHANGE, aio_pika.ExchangeType.DIRECT, durable=True
        ),
        lambda ch: ch.get_exchange(DEAD_LETTER_EXCHANGE, ensure=True),
    )
    setup = await _declare(
        connection,
        setup,
        EMBEDDER_DLQ,
        lambda ch: ch.declare_queue(
            EMBEDDER_DLQ, durable=True, arguments=dict(EMBEDDER_DLQ_ARGUMENTS)
        ),
        lambda ch: ch.get_queue(EMBEDDER_DLQ, ensure=True),
    )
    setup = await _declare(
        connection,
        setup,
        EMBEDDER_QUEUE,
        lambda ch: ch.declare_queue(
            EMBEDDER_QUEUE, durable=True, arguments=dict(EMBEDDER_QUEUE_ARGUMENTS)
        ),
        lambda ch: ch.get_queue(EMBEDDER_QUEUE, ensure=True),
    )
    dlq = await setup.get_queue(EMBEDDER_DLQ, ensure=False)
    await dlq.bind(DEAD_LETTER_EXCHANGE, routing_key=EMBEDDER_DLQ)
    queue = await setup.get_queue(EMBEDDER_QUEUE, ensure=False)
    for binding in DECLARED_BINDINGS:
        await queue.bind(EVENTS_EXCHANGE, routing_key=binding)
    await setup.close()
    return await connection.channel(publisher_confirms=True, on_return_raises=True)


async def _declare(
    connection: AbstractConnection,
    channel: AbstractChannel,
    name: str,
    declare: Callable[[AbstractChannel], Awaitable[object]],
    exists: Callable[[AbstractChannel], Awaitable[object]],
) -> AbstractChannel:
    """Declare ``name``; if it exists with other properties, accept it as it is.

    RabbitMQ closes the channel on a refused declaration, so the check uses a new one.
    """
    try:
        await declare(channel)
    except aio_pika.exceptions.ChannelPreconditionFailed:
        log.warning("topology_declared_differently", name=name)
        channel = await connection.channel()
        await exists(channel)
    return channel
