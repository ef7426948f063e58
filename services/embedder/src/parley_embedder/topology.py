"""The RabbitMQ objects the embedder consumes from and dead-letters to.

Declared idempotently at start with exactly the arguments in ``parley_schema.events`` (the
ingest service declares the same): the topic exchange ``parley.events``, the quorum queue
``parley.embedder`` bound with ``EMBEDDER_BINDING`` (``message.#``), the direct exchange
``parley.dlx`` and the quorum queue ``parley.embedder.dlq`` it routes to.
"""

from __future__ import annotations

from faststream.rabbit import ExchangeType, QueueType, RabbitBroker, RabbitExchange, RabbitQueue
from parley_schema.events import (
    DEAD_LETTER_EXCHANGE,
    EMBEDDER_BINDING,
    EMBEDDER_DLQ,
    EMBEDDER_DLQ_ARGUMENTS,
    EMBEDDER_QUEUE,
    EMBEDDER_QUEUE_ARGUMENTS,
    EVENTS_EXCHANGE,
)

EVENTS = RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
EMBEDDER = RabbitQueue(  # type: ignore[call-overload]
    EMBEDDER_QUEUE,
    queue_type=QueueType.QUORUM,
    durable=True,
    arguments=EMBEDDER_QUEUE_ARGUMENTS,
    routing_key=EMBEDDER_BINDING,
)
DEAD_LETTERS = RabbitExchange(DEAD_LETTER_EXCHANGE, type=ExchangeType.DIRECT, durable=True)
EMBEDDER_DEAD_LETTERS = RabbitQueue(  # type: ignore[call-overload]
    EMBEDDER_DLQ, queue_type=QueueType.QUORUM, durable=True, arguments=EMBEDDER_DLQ_ARGUMENTS
)


async def declare_topology(broker: RabbitBroker) -> None:
    """What the subscriber does not declare itself: the DLX and the DLQ bound to it."""
    exchange = await broker.declare_exchange(DEAD_LETTERS)
    queue = await broker.declare_queue(EMBEDDER_DEAD_LETTERS)
    await queue.bind(exchange, routing_key=EMBEDDER_DLQ)


async def queue_depth(broker: RabbitBroker, name: str) -> int:
    """Messages ready in queue ``name`` (a passive declare)."""
    queue = await broker.declare_queue(
        RabbitQueue(name, declare=False, queue_type=QueueType.QUORUM, durable=True)
    )
    declared = await queue.declare()
    return int(declared.message_count or 0)
