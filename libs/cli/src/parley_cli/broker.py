"""Reachability of RabbitMQ, with the fix printed when it is down."""

from __future__ import annotations

import aio_pika

CONNECT_TIMEOUT_S = 5.0


async def check_broker(url: str) -> str | None:
    """None when a connection opens; otherwise the reason it did not."""
    try:
        connection = await aio_pika.connect(url, timeout=CONNECT_TIMEOUT_S)
    except (OSError, TimeoutError, aio_pika.exceptions.AMQPError) as error:
        return f"{type(error).__name__}: {error}".strip().rstrip(":")
    await connection.close()
    return None


BROKER_FIX = (
    "start RabbitMQ (`rabbitmq-server -detached`, or "
    "`docker run -d -p 5672:5672 rabbitmq:4-management`), or set PARLEY_AMQP_URL"
)
