"""The embedder's dead-letter queue: how many events wait there, and moving them back.

Each message is re-published persistent and confirmed to ``parley.embedder`` with its body,
correlation id and headers (minus RabbitMQ's ``x-death`` bookkeeping), and only then removed
from the DLQ, so a crash mid-replay duplicates at worst; the consumer is idempotent.
"""

from __future__ import annotations

import aio_pika
import structlog
from aio_pika.abc import AbstractConnection
from parley_broker import queue_depth
from parley_schema.events import EMBEDDER_DLQ, EMBEDDER_QUEUE

log = structlog.get_logger(__name__)
BROKER_HEADERS = (
    "x-death",
    "x-first-death-exchange",
    "x-first-death-queue",
    "x-first-death-reason",
    "x-last-death-exchange",
    "x-last-death-queue",
    "x-last-death-reason",
    "x-delivery-count",
)


class DeadLetterService:
    def __init__(self, *, connection: AbstractConnection) -> None:
        self._connection = connection

    async def count(self) -> int:
        return await queue_depth(self._connection, EMBEDDER_DLQ)

    async def replay(self, *, limit: int) -> int:
        """Re-publish up to ``limit`` dead letters; the number moved."""
        async with self._connection.channel() as channel:
            dlq = await channel.declare_queue(EMBEDDER_DLQ, passive=True)
            moved = 0
            while moved < limit:
                message = await dlq.get(no_ack=False, fail=False)
                if message is None:
                    break
                headers = {k: v for k, v in message.headers.items() if k not in BROKER_HEADERS}
                await channel.default_exchange.publish(
                    aio_pika.Message(
                        message.body,
                        headers=headers,
                        content_type=message.content_type,
                        correlation_id=message.correlation_id,
                        message_id=message.message_id,
                        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    ),
                    routing_key=EMBEDDER_QUEUE,
                )
                await message.ack()
                moved += 1
        log.info("dead_letters_replayed", messages=moved)
        return moved
